import { describe, expect, it } from "vitest";
import type { Item } from "../protocol.gen";
import { add, ago, dayLabel, empty, messages, page, rows } from "./timeline";

const at = (d: number, h: number, m = 0) => new Date(2026, 11, d, h, m).getTime();
const message = (seq: number, ts: number, actor = "customer", extra: Partial<Item> = {}): Item =>
  ({ seq, conv: "c1", kind: "message", ts, actor_kind: actor, actor_id: actor === "agent" ? "agent-alice" : "k1", text: `m${seq}`, ...extra });
const analysis = (seq: number, ref: number): Item =>
  ({ seq, conv: "c1", kind: "analysis", ts: 0, actor_kind: "system", ref, analysis: { language: "en" } });

describe("paging", () => {
  it("adds pages before what is loaded, each item once, and reads analysis into readings", () => {
    let l = empty("c1");
    l = page(l, [message(10, at(4, 9)), analysis(11, 10), message(12, at(4, 9, 1))], true);
    expect([l.oldest, l.more, l.loading, messages(l)]).toEqual([10, true, false, 2]);
    expect(l.readings.get(10)).toEqual({ language: "en" });
    l = page(l, [message(2, at(3, 9)), analysis(3, 2), message(10, at(4, 9))], false);
    expect(l.items.map((x) => x.seq)).toEqual([2, 10, 12]);
    expect([l.oldest, l.more]).toEqual([2, false]);
  });
  it("a page of analysis items only still moves the next page back", () => {
    const l = page(empty("c1"), [analysis(40, 1), analysis(41, 2)], true);
    expect([l.oldest, l.items.length, l.readings.size]).toEqual([40, 0, 2]);
  });
  it("ignores other conversations' items and returns the same value for nothing new", () => {
    const l = page(empty("c1"), [message(1, at(4, 9))], false);
    expect(add(l, [{ ...message(5, at(4, 9)), conv: "c2" }])).toBe(l);
    expect(add(l, [message(1, at(4, 9))])).toBe(l);
  });
  it("keeps what an automation rule could not do, as an event line", () => {
    const auto = { seq: 2, conv: "c1", kind: "automation", ts: at(4, 10), actor_kind: "system", actor_id: "automation:r1", private: true,
      text: 'rule "Refund requests" could not set status: closed → open' } as Item;
    const l = page(empty("c1"), [message(1, at(4, 9)), auto], false);
    expect(l.items.map((x) => x.kind)).toEqual(["message", "automation"]);
    expect(rows(l.items, new Date(at(4, 18))).map((r) => r.kind)).toEqual(["day", "message", "event"]);
  });
  it("keeps service level warnings and breaches, as event lines", () => {
    const sla = { seq: 2, conv: "c1", kind: "sla", ts: at(4, 10), actor_kind: "system", sla: { measure: "first_response", stage: "breached", due: at(4, 10) } } as Item;
    const l = page(empty("c1"), [message(1, at(4, 9)), sla], false);
    expect(l.items.map((x) => x.kind)).toEqual(["message", "sla"]);
    expect(rows(l.items, new Date(at(4, 18))).map((r) => r.kind)).toEqual(["day", "message", "event"]);
  });
});

describe("rows", () => {
  const now = new Date(2026, 11, 4, 18, 0);
  it("separates days and groups one author's messages within 5 minutes", () => {
    const items = [
      message(1, at(3, 9)), message(2, at(3, 9, 2)), message(3, at(3, 9, 9)),
      message(4, at(4, 10), "agent"), message(5, at(4, 10, 1), "agent", { private: true }),
      { seq: 6, conv: "c1", kind: "status", ts: at(4, 10, 2), actor_kind: "agent", status: "solved" } as Item,
      message(7, at(4, 10, 3), "agent"),
    ];
    const r = rows(items, now);
    expect(r.map((x) => (x.kind === "day" ? x.label : x.kind === "message" ? `${x.item.seq}${x.first ? "*" : ""}` : "event"))).toEqual(
      ["Yesterday", "1*", "2", "3*", "Today", "4*", "5*", "event", "7*"]);
  });
  it("names days", () => {
    expect(dayLabel(at(4, 1), now)).toBe("Today");
    expect(dayLabel(at(1, 1), now)).toBe("Tuesday 1 December");
    expect(dayLabel(new Date(2025, 0, 2).getTime(), now)).toBe("Thursday 2 January 2025");
  });
  it("says how long ago, short", () => {
    const t = now.getTime();
    expect([ago(t - 5000, t), ago(t - 5 * 60_000, t), ago(t - 3 * 3600_000, t), ago(t - 2 * 86400_000, t)]).toEqual(["now", "5m", "3h", "2d"]);
    expect(ago(at(1, 9) - 10 * 86400_000, t)).toBe("21 Nov");
  });
});
