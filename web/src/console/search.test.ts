import { describe, expect, it } from "vitest";
import type { OutFrame } from "../protocol.gen";
import { answerOf, authorOf, highlight, queryProblem, searchFrame, totalText } from "./search";

const marked = (s: string, m: [number, number][]) => highlight(s, m).map((p) => (p.mark ? `[${p.text}]` : p.text)).join("");

describe("highlight", () => {
  it("marks ranges of code points, not UTF-16 units", () => {
    // the edge's own answer: "zeppelin" after Chinese and an emoji
    const s = "My kettle whistles oddly 你好包裹 🎉 zeppelin";
    expect(marked(s, [[32, 40]])).toBe("My kettle whistles oddly 你好包裹 🎉 [zeppelin]");
    expect(marked(s, [[27, 29]])).toBe("My kettle whistles oddly 你好[包裹] 🎉 zeppelin");
    expect(marked(s, [[30, 31]])).toBe("My kettle whistles oddly 你好包裹 [🎉] zeppelin");
  });
  it("handles emoji of several code points and surrogate pairs at the edges", () => {
    expect(marked("👍🏽 ok 😀", [[0, 2], [6, 7]])).toBe("[👍🏽] ok [😀]");
    expect(marked("😀😀😀", [[1, 2]])).toBe("😀[😀]😀");
  });
  it("sorts, joins overlapping and touching ranges, cuts and drops bad ones", () => {
    expect(marked("abcdefgh", [[5, 7], [0, 2], [1, 3], [3, 4]])).toBe("[abcd]e[fg]h");
    expect(marked("abc", [[2, 99], [-4, 1]])).toBe("[a]b[c]");
    expect(marked("abc", [[2, 2], [3, 1], [10, 12]])).toBe("abc");
    expect(highlight("abc", undefined)).toEqual([{ text: "abc", mark: false }]);
  });
  it("keeps markup as text: the pieces are text for React to escape", () => {
    expect(highlight("<b>refund</b>", [[3, 9]])).toEqual([
      { text: "<b>", mark: false }, { text: "refund", mark: true }, { text: "</b>", mark: false },
    ]);
  });
  it("an empty snippet is one empty piece", () => {
    expect(highlight("", [[0, 3]])).toEqual([{ text: "", mark: false }]);
  });
});

describe("the query and the answer", () => {
  it("refuses an empty query and one over 200 characters, counting code points", () => {
    expect(queryProblem("   ")).toBe("Type a word to search for.");
    expect(queryProblem("包".repeat(200))).toBe("");
    expect(queryProblem("😀".repeat(201))).toBe("A search is at most 200 characters: this one has 201.");
  });
  it("builds the frame with the words trimmed", () => {
    expect(searchFrame("  parcel  ")).toEqual({ type: "search", text: "parcel", limit: 50 });
  });
  it("reads hits and the edge's refusal", () => {
    const hit = { conversation: { id: "c1", status: "open", opened_at: 1, last_seq: 2 }, seq: 2, ts: 3, actor_kind: "customer", snippet: "x", marks: [] };
    expect(answerOf({ type: "search", hits: [hit], total: 3 } as unknown as OutFrame)).toEqual({ hits: [hit], total: 3 });
    expect(answerOf({ type: "search" } as unknown as OutFrame)).toEqual({ hits: [], total: 0 });
    expect(answerOf({ type: "error", code: "invalid", message: "give words to search for" })).toEqual({ error: "give words to search for" });
  });
  it("says who wrote a hit and how many matched", () => {
    expect([authorOf({ actor_kind: "customer" }), authorOf({ actor_kind: "agent", private: true }), authorOf({ actor_kind: "agent" })])
      .toEqual(["Customer", "Private note", "Agent"]);
    expect(totalText({ hits: [null as never], total: 1 })).toBe("1 message");
    expect(totalText({ hits: new Array(50).fill(null), total: 120 })).toBe("120 messages · the best 50 shown");
  });
});
