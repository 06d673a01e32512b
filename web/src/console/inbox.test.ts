import { describe, expect, it } from "vitest";
import { Canned, Conv, counts, matches, matching, parseSkills, preview, reading, segments, Unread, visible, who } from "./inbox";
import { visitorName } from "./people";

const conv = (id: string, last_seq: number, assignee?: string, status = "open"): Conv => ({ id, contact: "k-" + id, status, assignee, last_seq, opened_at: 0 });
const ids = (cs: Conv[]) => cs.map((c) => c.id);

describe("visible", () => {
  const convs = [conv("a", 3, "me"), conv("b", 9), conv("c", 5, "other"), conv("d", 7, "me")];
  it("shows every conversation, most recent first, under all", () => {
    expect(ids(visible(convs, "all", "me"))).toEqual(["b", "d", "c", "a"]);
  });
  it("shows the agent's own under mine", () => {
    expect(ids(visible(convs, "mine", "me"))).toEqual(["d", "a"]);
  });
  it("shows the ones nobody has under unassigned", () => {
    expect(ids(visible(convs, "unassigned", "me"))).toEqual(["b"]);
  });
  it("narrows any of them to one status", () => {
    const mixed = [...convs, conv("e", 8, "me", "solved"), conv("f", 2, undefined, "pending")];
    expect(ids(visible(mixed, "all", "me", "open"))).toEqual(["b", "d", "c", "a"]);
    expect(ids(visible(mixed, "mine", "me", "solved"))).toEqual(["e"]);
    expect(ids(visible(mixed, "unassigned", "me", "pending"))).toEqual(["f"]);
    expect(ids(visible(mixed, "all", "me", ""))).toEqual(["b", "e", "d", "c", "a", "f"]);
  });
  it("narrows to a group of statuses: new and open, unsolved", () => {
    const mixed = [conv("n", 6, undefined, "new"), conv("o", 5, undefined, "open"), conv("p", 4, undefined, "pending"),
      conv("h", 3, undefined, "on_hold"), conv("s", 2, undefined, "solved"), conv("x", 1, undefined, "closed")];
    expect(ids(visible(mixed, "all", "me", "new_open"))).toEqual(["n", "o"]);
    expect(ids(visible(mixed, "all", "me", "unsolved"))).toEqual(["n", "o", "p", "h"]);
    expect(ids(visible(mixed, "all", "me", "on_hold"))).toEqual(["h"]);
    expect(ids(visible(mixed, "all", "me", "closed"))).toEqual(["x"]);
    expect(counts(mixed, "me", "new_open")).toEqual({ mine: 0, unassigned: 2, all: 2 });
  });
  it("reads the legacy statuses as the six's", () => {
    const old = [conv("z", 2, undefined, "snoozed"), conv("r", 1, undefined, "resolved")];
    expect(ids(visible(old, "all", "me", "on_hold"))).toEqual(["z"]);
    expect(ids(visible(old, "all", "me", "solved"))).toEqual(["r"]);
  });
});

describe("Unread", () => {
  it("counts messages of conversations other than the open one", () => {
    let u = new Unread();
    u = u.message("a", "b").message("a", "b").message("c", "b").message("b", "b");
    expect([u.of("a"), u.of("b"), u.of("c"), u.total()]).toEqual([2, 0, 1, 3]);
  });
  it("clears a conversation when it is opened, and only it", () => {
    const u = new Unread().message("a", "").message("c", "").opened("a");
    expect([u.of("a"), u.of("c"), u.total()]).toEqual([0, 1, 1]);
  });
  it("never changes what it was", () => {
    const before = new Unread().message("a", "");
    before.message("a", "");
    before.opened("a");
    expect(before.of("a")).toBe(1);
  });
});

describe("matching", () => {
  const canned: Canned[] = [
    { id: "1", shortcut: "hello", text: "Hello! How can I help?" },
    { id: "2", shortcut: "shipping", text: "Orders ship within 2 days." },
    { id: "3", shortcut: "refund", text: "Refunds reach you in 5 days." },
  ];
  const shortcuts = (cs: Canned[]) => cs.map((c) => c.shortcut);
  it("lists everything for a bare slash", () => {
    expect(shortcuts(matching(canned, ""))).toEqual(["hello", "shipping", "refund"]);
  });
  it("puts shortcuts that start with the query first, then texts that contain it", () => {
    expect(shortcuts(matching(canned, "sh"))).toEqual(["shipping"]);
    expect(shortcuts(matching(canned, "days"))).toEqual(["shipping", "refund"]);
    expect(shortcuts(matching(canned, "help"))).toEqual(["hello"]);
    expect(shortcuts(matching(canned, "r"))).toEqual(["refund", "shipping"]);
  });
  it("ignores case and finds nothing for nonsense", () => {
    expect(shortcuts(matching(canned, "HEL"))).toEqual(["hello"]);
    expect(matching(canned, "zzz")).toEqual([]);
  });
});

describe("who", () => {
  it("names the customer, else shortens the visitor id", () => {
    expect(who({ ...conv("a", 1), contact: "k7fq2mzxabc", contact_name: "Kim" })).toBe("Kim");
    expect(who({ ...conv("a", 1), contact: "k7fq2mzxabc" })).toBe(visitorName("k7fq2mzxabc"));
    expect(who({ ...conv("a", 1), contact: "k7fq2mzxabc" })).toMatch(/^Visitor [0-9A-Z]{4}$/);
  });
});

describe("segments", () => {
  it("marks personal data at UTF-8 byte offsets, past multi-byte characters", () => {
    const text = "退款 card 4111 1111 1111 1111 ok";
    const start = new TextEncoder().encode("退款 card ").length;
    const end = start + "4111 1111 1111 1111".length;
    expect(segments(text, [{ kind: "card", start, end }])).toEqual([
      { text: "退款 card " },
      { text: "4111 1111 1111 1111", pii: "card" },
      { text: " ok" },
    ]);
  });
  it("leaves out spans that overlap, overrun or cut a character", () => {
    expect(segments("退款", [{ kind: "id", start: 1, end: 3 }])).toEqual([{ text: "退款" }]);
    expect(segments("abc", [{ kind: "id", start: 0, end: 9 }])).toEqual([{ text: "abc" }]);
    expect(segments("abcdef", [{ kind: "a", start: 0, end: 3 }, { kind: "b", start: 2, end: 4 }])).toEqual([
      { text: "abc", pii: "a" },
      { text: "def" },
    ]);
  });
});

describe("reading", () => {
  it("sums an analysis up in a line", () => {
    expect(reading({ language: "zh", intent: "refund", intent_confidence: 81, sentiment: "negative", pii: [{ kind: "card" }, { kind: "card" }, { kind: "email" }] }))
      .toBe("zh · refund (81%) · negative · contains card, email");
    expect(reading({})).toBe("");
  });
});

describe("parseSkills", () => {
  it("splits on commas and spaces, drops empties and repeats", () => {
    expect(parseSkills(" billing, tech  billing,,vip ")).toEqual(["billing", "tech", "vip"]);
    expect(parseSkills("  ")).toEqual([]);
  });
});

describe("preview", () => {
  it("is the last message's text, else the file it carried", () => {
    expect(preview({ last_text: "Hello" })).toEqual({ text: "Hello" });
    expect(preview({ last_attachment: "invoice.pdf" })).toEqual({ text: "Attachment: invoice.pdf", attachment: true });
    expect(preview({})).toEqual({ text: "" });
  });
});

describe("search and sort", () => {
  const convs: Conv[] = [
    { ...conv("c-one", 5), contact_name: "Ada Lovelace", last_text: "Where is my order?", last_at: 5000 },
    { ...conv("c-two", 9, "me"), last_text: "Refund please", priority: "high", last_at: 9000 },
    { ...conv("c-three", 7), contact_name: "bob@example.com", last_attachment: "invoice.pdf", priority: "urgent", last_at: 7000 },
    { ...conv("c-four", 3), last_text: "hi", priority: "low", last_at: 3000 },
  ];
  it("finds by the customer's name, the last message, the file and the id, every word", () => {
    expect(ids(visible(convs, "all", "me", "", "ada"))).toEqual(["c-one"]);
    expect(ids(visible(convs, "all", "me", "", "REFUND"))).toEqual(["c-two"]);
    expect(ids(visible(convs, "all", "me", "", "invoice"))).toEqual(["c-three"]);
    expect(ids(visible(convs, "all", "me", "", "c-four"))).toEqual(["c-four"]);
    expect(ids(visible(convs, "all", "me", "", "ada order"))).toEqual(["c-one"]);
    expect(ids(visible(convs, "all", "me", "", "ada refund"))).toEqual([]);
    expect(matches(convs[1], who(convs[1]).toLowerCase())).toBe(true); // "Visitor XXXX" finds the visitor
  });
  it("sorts newest first, waiting longest first, or by priority", () => {
    expect(ids(visible(convs, "all", "me", "", "", "newest"))).toEqual(["c-two", "c-three", "c-one", "c-four"]);
    expect(ids(visible(convs, "all", "me", "", "", "waiting"))).toEqual(["c-four", "c-one", "c-three", "c-two"]);
    expect(ids(visible(convs, "all", "me", "", "", "priority"))).toEqual(["c-three", "c-two", "c-one", "c-four"]);
  });
  it("counts each tab", () => {
    expect(counts(convs, "me")).toEqual({ mine: 1, unassigned: 3, all: 4 });
    expect(counts(convs, "me", "solved")).toEqual({ mine: 0, unassigned: 0, all: 0 });
  });
});

describe("e-mail conversations", () => {
  it("are found by their subject", () => {
    const c: Conv = { ...conv("m1", 1), channel: "email", subject: "Teapot arrived in the wrong colour" };
    expect(matches(c, "wrong colour")).toBe(true);
    expect(matches(conv("w1", 1), "wrong colour")).toBe(false);
  });
});
