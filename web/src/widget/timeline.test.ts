import { describe, expect, it } from "vitest";
import type { Item } from "./protocol";
import { Page, Timeline } from "./timeline";

const msg = (seq: number, actor: string, text: string, clientId?: string, priv = false): Item => ({
  seq, kind: "message", conv: "c1", ts: seq, actor_kind: actor, client_id: clientId, text, private: priv,
});
const texts = (t: Timeline) => t.entries().map((e) => e.text);

describe("Timeline", () => {
  it("shows items in log order whatever order they arrive in", () => {
    const t = new Timeline();
    t.add(msg(5, "agent", "five", "a5"));
    t.add(msg(2, "customer", "two", "c2"));
    t.add(msg(9, "agent", "nine", "a9"));
    expect(texts(t)).toEqual(["two", "five", "nine"]);
  });

  it("shows an item once, from history, replay and live alike", () => {
    const t = new Timeline();
    expect(t.add(msg(3, "agent", "hi", "a1"))).toBe(true);
    expect(t.add(msg(3, "agent", "hi", "a1"))).toBe(false);
    expect(texts(t)).toEqual(["hi"]);
  });

  it("keeps the visitor's message where it was written until acked, then in log order", () => {
    const t = new Timeline();
    t.add(msg(1, "agent", "welcome", "a1"));
    t.sent("w1", "mine");
    t.add(msg(4, "agent", "later", "a2"));
    expect(texts(t)).toEqual(["welcome", "later", "mine"]);
    t.acked("w1", 3);
    expect(texts(t)).toEqual(["welcome", "mine", "later"]);
  });

  it("matches the echo of the visitor's message to what it wrote", () => {
    const t = new Timeline();
    t.sent("w1", "mine");
    expect(t.add(msg(7, "customer", "mine", "w1"))).toBe(true); // the event before the ack
    t.acked("w1", 7);
    expect(t.add(msg(7, "customer", "mine", "w1"))).toBe(false);
    expect(t.entries()).toEqual([{ key: "w1", who: "customer", text: "mine", seq: 7, ts: 7 }]);
  });

  it("shows the visitor's messages from another tab, and no private notes or other kinds", () => {
    const t = new Timeline();
    t.add(msg(1, "customer", "from the other tab", "w9"));
    t.add(msg(2, "agent", "note", "n1", true));
    t.add({ seq: 3, kind: "status", conv: "c1", ts: 3, actor_kind: "agent" });
    expect(t.entries()).toEqual([{ key: "w9", who: "customer", text: "from the other tab", seq: 1, ts: 1 }]);
  });

  it("names agents by the name the edge gives, never by id", () => {
    const t = new Timeline();
    t.add({ ...msg(1, "agent", "hi", "a1"), actor_id: "agent-7f3a", actor_name: "Alice" });
    t.add({ ...msg(2, "agent", "and me", "a2"), actor_id: "agent-9b1c" });
    const [alice, other] = t.entries();
    expect(alice.author).toBe("Alice");
    expect(other.author).toBeUndefined(); // the widget says the inbox's name instead
    expect(alice.actor).not.toBe(other.actor); // but groups them apart
  });

  it("shows a message that is only an attachment", () => {
    const t = new Timeline();
    expect(t.add({ ...msg(1, "customer", "", "w1"), attachments: ["att1"] })).toBe(true);
    expect(t.entries()).toEqual([{ key: "w1", who: "customer", text: "", attachments: ["att1"], seq: 1, ts: 1 }]);
  });

  it("keeps history pages of any age in log order, once each", () => {
    const t = new Timeline();
    for (let s = 451; s <= 500; s++) t.add(msg(s, "agent", `m${s}`, `a${s}`));
    for (let s = 351; s <= 450; s++) t.add(msg(s, "agent", `m${s}`, `a${s}`));
    for (let s = 440; s <= 460; s++) t.add(msg(s, "agent", `m${s}`, `a${s}`)); // a page again
    expect(t.size).toBe(150);
    expect(t.entries()[0].text).toBe("m351");
    expect(t.entries()[149].text).toBe("m500");
  });
});

describe("Page", () => {
  it("moves its start back with older pages only", () => {
    const p = new Page();
    p.took([{ seq: 451 }, { seq: 500 }], true, true);
    expect([p.oldest, p.more]).toEqual([451, true]);
    p.took([{ seq: 351 }, { seq: 450 }], true, false);
    expect([p.oldest, p.more]).toEqual([351, true]);
    p.took([{ seq: 460 }, { seq: 520 }], true, false); // the latest page again, after a resync
    expect([p.oldest, p.more]).toEqual([351, true]);
    p.took([{ seq: 1 }, { seq: 350 }], false, false);
    expect([p.oldest, p.more]).toEqual([1, false]);
  });

  it("has nothing more for an empty conversation", () => {
    const p = new Page();
    p.took([], false, true);
    expect(p.more).toBe(false);
  });
});
