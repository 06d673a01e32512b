import { describe, expect, it } from "vitest";
import { channelInfo, Channels, chatMark, httpsURL, MarkIcons, profile } from "./channels";
import { icons } from "./icons";
import { matches } from "./inbox";
import type { Conv } from "./inbox";

describe("channels", () => {
  it("names every channel the edge opens conversations on, each with an icon of the set", () => {
    expect(Channels.map((c) => c.id)).toEqual(["", "email", "api", "whatsapp", "wechat", "wecom", "telegram", "x"]);
    for (const c of Channels) expect(icons[c.icon], c.id).toBeDefined();
    expect(new Set(Channels.map((c) => c.icon)).size).toBe(Channels.length);
    expect(channelInfo("whatsapp").label).toBe("WhatsApp");
    expect(channelInfo("wecom").label).toBe("WeCom");
    expect(channelInfo(undefined).label).toBe("Web chat");
    expect(channelInfo("web").label).toBe("Web chat");
    expect(channelInfo("email").social).toBe(false);
    expect(channelInfo("x").social).toBe(true);
  });
  it("shows a channel it does not know by its id", () => {
    expect(channelInfo("line")).toEqual({ id: "line", label: "Line", icon: "inbox", social: false });
  });
  it("finds a messaging platform's conversations by its name", () => {
    const c = { id: "c1", status: "open", last_seq: 1, opened_at: 1, contact_name: "Ana Souza", channel: "whatsapp" } as Conv;
    expect(matches(c, "whatsapp")).toBe(true);
    expect(matches(c, "WhatsApp ana")).toBe(true);
    expect(matches({ ...c, channel: "" }, "whatsapp")).toBe(false);
    // the web's label is not searched: "chat" would find every conversation
    expect(matches({ ...c, channel: "" }, "web chat")).toBe(false);
  });
});

describe("profile", () => {
  const attributes = { channel: "WhatsApp", handle: "+55 11 98765-4321", avatar: "https://pps.whatsapp.net/v/a.jpg", profile_url: "https://wa.me/5511987654321" };
  it("reads the platform, the handle and the page from the contact's attributes", () => {
    expect(profile("whatsapp", { attributes })).toEqual({ platform: "WhatsApp", icon: "whatsapp", handle: "+55 11 98765-4321", url: "https://wa.me/5511987654321" });
  });
  it("names the platform by the channel when the contact does not, and has no handle when none is known", () => {
    expect(profile("wechat", { attributes: { handle: " " } })).toEqual({ platform: "WeChat", icon: "wechat", handle: "", url: "" });
    expect(profile("wechat", null)?.platform).toBe("WeChat");
  });
  it("links only to an https page", () => {
    expect(profile("x", { attributes: { profile_url: "http://x.com/ana" } })?.url).toBe("");
    expect(profile("x", { attributes: { profile_url: "javascript:alert(1)" } })?.url).toBe("");
    expect(httpsURL("https://x.com/ana_s")).toBe("https://x.com/ana_s");
    expect(httpsURL("not a url")).toBe("");
  });
  it("is none for a conversation of the web, the API or e-mail", () => {
    expect(profile("", { attributes })).toBeNull();
    expect(profile("email", { attributes })).toBeNull();
  });
});

describe("chat delivery", () => {
  it("says what became of a reply, Sending… until the edge reports", () => {
    expect(chatMark(undefined)).toEqual({ state: "sending", text: "Sending…", detail: "" });
    expect(chatMark({ status: "sent" }).text).toBe("Sent");
    expect(chatMark({ status: "delivered" }).text).toBe("Delivered");
    expect(chatMark({ status: "read" })).toEqual({ state: "read", text: "Read", detail: "" });
  });
  it("says a deferred reply is sent again, and when", () => {
    const next = new Date(2026, 11, 4, 14, 5).getTime();
    expect(chatMark({ status: "deferred", next, attempts: 2, detail: "rate limited" }))
      .toEqual({ state: "deferred", text: "Sending again…", detail: "Trying again at 14:05 (attempt 2): rate limited" });
    expect(chatMark({ status: "deferred" }).detail).toBe("");
  });
  it("says a failed reply was not delivered, with the platform's reason", () => {
    const detail = "WhatsApp allows a free-form reply only within 24 hours of the customer's last message: send a template";
    expect(chatMark({ status: "failed", detail })).toEqual({ state: "failed", text: "Not delivered", detail });
  });
  it("draws one tick for sent, two for delivered and read", () => {
    expect(MarkIcons.sent).toBe("check");
    expect(MarkIcons.delivered).toBe("checks");
    expect(MarkIcons.read).toBe("checks");
    expect(MarkIcons.failed).toBe("alert");
  });
});
