import { describe, expect, it } from "vitest";
import { Canned, Conv, matching, parseSkills, reading, segments, Unread, visible, who } from "./inbox";

const conv = (id: string, last_seq: number, assignee?: string, status = "open"): Conv => ({ id, contact: "k-" + id, status, assignee, last_seq });
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
    const mixed = [...convs, conv("e", 8, "me", "resolved"), conv("f", 2, undefined, "pending")];
    expect(ids(visible(mixed, "all", "me", "open"))).toEqual(["b", "d", "c", "a"]);
    expect(ids(visible(mixed, "mine", "me", "resolved"))).toEqual(["e"]);
    expect(ids(visible(mixed, "unassigned", "me", "pending"))).toEqual(["f"]);
    expect(ids(visible(mixed, "all", "me", ""))).toEqual(["b", "e", "d", "c", "a", "f"]);
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
    expect(who({ ...conv("a", 1), contact: "k7fq2mzxabc" })).toBe("Visitor k7fq2m");
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
