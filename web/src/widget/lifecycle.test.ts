import { describe, expect, it } from "vitest";
import { closes, firstStart, nextStart, refusedClosed } from "./lifecycle";

describe("a closed conversation", () => {
  it("is seen in a status item or in the conversation a frame carries", () => {
    expect(closes("c1", { conv: "c1", kind: "status", status: "closed" })).toBe(true);
    expect(closes("c1", { conv: "c1", kind: "message" }, { id: "c1", status: "closed" })).toBe(true);
    expect(closes("c1", { conv: "c1", kind: "status", status: "resolved" }, { id: "c1", status: "resolved" })).toBe(false);
    expect(closes("c1", { conv: "c2", kind: "status", status: "closed" }, { id: "c2", status: "closed" })).toBe(false);
    expect(closes("", { conv: "", kind: "status", status: "closed" })).toBe(false);
  });
  it("is the one the edge refused a message for", () => {
    expect(refusedClosed({ type: "error", code: "invalid", message: "the conversation is closed: open a new one" })).toBe(true);
    expect(refusedClosed({ type: "error", code: "invalid", message: "text must be at most 16000 characters" })).toBe(false);
    expect(refusedClosed({ type: "error", code: "unavailable", message: "the conversation is closed: open a new one" })).toBe(false);
    expect(refusedClosed({ type: "ack" })).toBe(false);
  });
  it("is followed by one new conversation, the same from every tab", () => {
    const conv = "c" + "a".repeat(26); // an edge conversation id
    expect(nextStart(conv)).toBe(nextStart(conv));
    expect(nextStart(conv)).not.toBe(firstStart);
    expect(nextStart(conv)).toMatch(/^[A-Za-z0-9_-]{1,64}$/); // the edge's client ids
  });
});
