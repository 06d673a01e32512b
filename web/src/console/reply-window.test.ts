import { describe, expect, it } from "vitest";
import { ago, nextChange, replyWindow, repliesSince, span, Windows } from "./reply-window";

const h = 3600_000, min = 60_000;
const now = Date.UTC(2026, 11, 4, 12, 0);

describe("reply windows", () => {
  it("are WhatsApp's 24 hours (and its templates after), WeChat's and WeCom's 48 (and WeCom's 5 replies)", () => {
    expect(Windows).toEqual({ whatsapp: { hours: 24, templates: true }, wechat: { hours: 48 }, wecom: { hours: 48, replies: 5 } });
  });
  it("is none on a channel without one, or before the customer wrote", () => {
    for (const c of [undefined, "", "email", "api", "telegram", "x"]) expect(replyWindow(c, now - 30 * h, now)).toEqual({ state: "none" });
    expect(replyWindow("whatsapp", undefined, now)).toEqual({ state: "none" });
  });
  it("is open with the time left", () => {
    const w = replyWindow("whatsapp", now - (20 * h + 48 * min), now);
    expect(w).toMatchObject({ state: "open", text: "WhatsApp: you can reply for 3 h 12 min", closes: now + 3 * h + 12 * min });
  });
  it("is closing in its last hour", () => {
    expect(replyWindow("whatsapp", now - (23 * h + 18 * min), now)).toMatchObject({ state: "closing", text: "WhatsApp: you can reply for 42 min" });
    expect(replyWindow("wechat", now - (48 * h - 30_000), now)).toMatchObject({ state: "closing", text: "WeChat: you can reply for less than a minute" });
    expect(replyWindow("whatsapp", now - 23 * h, now).state).toBe("open"); // exactly an hour left
  });
  it("is closed once past, saying since when and what to wait for", () => {
    expect(replyWindow("whatsapp", now - 26 * h, now)).toMatchObject({ state: "closed", why: "time",
      text: "The 24-hour window closed 2 h ago. WhatsApp takes only an approved template until the customer writes again." });
    expect(replyWindow("wechat", now - 50 * h, now)).toMatchObject({ state: "closed",
      text: "The 48-hour window closed 2 h ago. WeChat lets you reply once the customer writes again." });
    expect(replyWindow("whatsapp", now - 24 * h, now).state).toBe("closed");
    expect(replyWindow("whatsapp", now - 24 * h - 5 * min, now)).toMatchObject({ text: expect.stringMatching(/^The 24-hour window closed 5 min ago\./) });
  });
  it("counts WeCom's replies to the customer's message", () => {
    expect(replyWindow("wecom", now - h, now, 2)).toMatchObject({ state: "open", repliesLeft: 3, text: "WeCom: you can reply for 47 h · 3 replies left" });
    expect(replyWindow("wecom", now - h, now, 4)).toMatchObject({ text: "WeCom: you can reply for 47 h · 1 reply left" });
    expect(replyWindow("wecom", now - h, now, 5)).toMatchObject({ state: "closed", why: "replies",
      text: "WeCom allows 5 replies to each customer message, and all 5 are sent. WeCom lets you reply once the customer writes again." });
    expect(replyWindow("whatsapp", now - h, now, 9).state).toBe("open"); // WhatsApp counts none
  });
  it("changes on the minute of its clock", () => {
    const w = replyWindow("whatsapp", now - (20 * h + 48 * min) - 20_000, now); // 3 h 11 min 40 s left
    expect(nextChange(w, now)).toBe(40_000 + 50);
    expect(nextChange(replyWindow("whatsapp", now - 20 * h, now), now)).toBe(60_000 + 50);
    expect(nextChange({ state: "none" }, now)).toBe(0);
  });
});

describe("durations", () => {
  it("are said to the minute, never more than there is", () => {
    expect(span(3 * h + 12 * min + 59_000)).toBe("3 h 12 min");
    expect(span(3 * h)).toBe("3 h");
    expect(span(42 * min)).toBe("42 min");
    expect(span(59_000)).toBe("less than a minute");
    expect(ago(12 * min)).toBe("12 min");
    expect(ago(2 * h + 40 * min)).toBe("2 h");
    expect(ago(80 * h)).toBe("3 days");
  });
});

describe("replies since the customer wrote", () => {
  it("counts agents' and rules' messages after it, not notes or the customer's", () => {
    const items = [
      { kind: "message", actor_kind: "customer", ts: 10 },
      { kind: "message", actor_kind: "agent", ts: 5 },
      { kind: "message", actor_kind: "agent", ts: 11 },
      { kind: "message", actor_kind: "agent", ts: 12, private: true },
      { kind: "message", actor_kind: "system", ts: 13 },
      { kind: "status", actor_kind: "agent", ts: 14 },
    ];
    expect(repliesSince(items, 10)).toBe(2);
    expect(repliesSince(items, undefined)).toBe(0);
  });
});
