import { describe, expect, it } from "vitest";
import { Cooldown, refusal, retryAfterSeconds, tooMany, wait } from "./throttle";

describe("retryAfterSeconds", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(" 0 ")).toBe(0);
    const now = Date.parse("2026-12-04T14:00:00Z");
    expect(retryAfterSeconds("Fri, 04 Dec 2026 14:14:00 GMT", now)).toBe(840);
    expect(retryAfterSeconds("Fri, 04 Dec 2026 13:00:00 GMT", now)).toBe(1); // past: at least a second
  });
  it("ignores what is neither", () => {
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds("")).toBeUndefined();
    expect(retryAfterSeconds("-5")).toBeUndefined();
    expect(retryAfterSeconds("1.5")).toBeUndefined();
    expect(retryAfterSeconds("soon")).toBeUndefined();
  });
});

describe("wait", () => {
  it("rounds up to what a person reads", () => {
    expect(wait(0)).toBe("1\u00a0s");
    expect(wait(45)).toBe("45\u00a0s");
    expect(wait(59.2)).toBe("1\u00a0min");
    expect(wait(60)).toBe("1\u00a0min");
    expect(wait(90)).toBe("2\u00a0min");
    expect(wait(840)).toBe("14\u00a0min");
    expect(wait(841)).toBe("15\u00a0min");
    expect(wait(3600)).toBe("1\u00a0h");
    expect(wait(3900)).toBe("1\u00a0h 5\u00a0min");
    expect(wait(90, "zh")).toBe("2\u00a0分钟");
  });
});

describe("tooMany", () => {
  it("says what was throttled and how long to wait", () => {
    expect(tooMany("uploads", 90)).toBe("Too many uploads — try again in 2\u00a0min");
    expect(tooMany("sign-ins", 840)).toBe("Too many failed sign-ins — try again in 14\u00a0min");
    expect(tooMany("sign-ins", 8)).toBe("Too many failed sign-ins — try again in 8\u00a0s");
    expect(tooMany("uploads", undefined)).toBe("Too many uploads — try again later");
    expect(tooMany("uploads", 90, "zh")).toBe("上传过于频繁，请 2\u00a0分钟后再试");
  });
});

describe("refusal", () => {
  it("reads the gateway's {code,message} and Retry-After", async () => {
    const r = new Response(JSON.stringify({ code: "quota_exceeded", message: "a session may upload 65536 bytes per 10m0s: retry later" }),
      { status: 429, headers: { "Retry-After": "112", "Content-Type": "application/json" } });
    expect(await refusal(r)).toEqual({ status: 429, code: "quota_exceeded", message: "a session may upload 65536 bytes per 10m0s: retry later", retryAfter: 112 });
  });
  it("reads a problem's detail", async () => {
    const r = new Response(JSON.stringify({ type: "https://edgedesk.dev/problems/forbidden", title: "The key's scopes do not allow this", status: 403, detail: "this needs a key with scope admin" }),
      { status: 403, headers: { "Content-Type": "application/problem+json" } });
    expect(await refusal(r)).toEqual({ status: 403, message: "this needs a key with scope admin", retryAfter: undefined });
  });
  it("survives a body that is not JSON", async () => {
    expect(await refusal(new Response("bad gateway", { status: 502 }))).toEqual({ status: 502, retryAfter: undefined });
  });
});

describe("Cooldown", () => {
  it("holds for the wait the edge asked, then lets go", () => {
    let now = 1_000_000;
    const c = new Cooldown(() => now);
    expect(c.remaining()).toBe(0);
    c.hold(120);
    expect(c.remaining()).toBe(120);
    now += 30_500;
    expect(c.remaining()).toBe(90);
    now += 90_000;
    expect(c.remaining()).toBe(0);
    c.hold(undefined); // no Retry-After: a minute
    expect(c.remaining()).toBe(60);
  });
});
