import { describe, expect, it } from "vitest";
import { answer, CallLog, outcome, quality, talkTime } from "./calllog";
import { Timeline } from "./widget/timeline";
import type { Item } from "./widget/protocol";

let seq = 0;
const item = (status: string, actor: string, extra: Partial<Item["call"]> = {}, ts = 0): Item => ({
  seq: ++seq, kind: "call", conv: "c1", ts, actor_kind: actor, actor_id: actor + "-1", status,
  call: { id: "k1", conv: "c1", ...extra },
});

describe("CallLog", () => {
  it("follows a call from its start to its end, each item once", () => {
    const log = new CallLog();
    const start = item("started", "agent", { role: "agent" }, 1000);
    expect(log.note(start)).toBe(true);
    expect(log.note(start)).toBe(false);
    expect(log.going("c1")?.id).toBe("k1");
    // it rings for the customer, not for agents, and only while fresh
    expect(log.ringing("customer", 2000, 45_000).map((r) => r.id)).toEqual(["k1"]);
    expect(log.ringing("agent", 2000, 45_000)).toEqual([]);
    expect(log.ringing("customer", 100_000, 45_000)).toEqual([]);
    // a supervisor listening in answers nothing; the customer does
    log.note(item("joined", "agent", { role: "supervisor" }, 3000));
    expect(answer(log.get("k1")!)).toBeUndefined();
    log.note(item("joined", "customer", { role: "customer" }, 5000));
    expect(log.ringing("customer", 6000, 45_000)).toEqual([]);
    expect(outcome(log.get("k1")!)).toBe("going");
    log.note(item("ended", "customer", { reason: "hung up", duration_ms: 196_000 }, 197_000));
    const r = log.get("k1")!;
    expect(log.going("c1")).toBeUndefined();
    expect(outcome(r)).toBe("talked");
    expect(talkTime(r)).toBe(192_000); // from the answer, not the start
  });

  it("tells declined, missed and cancelled calls apart", () => {
    const ended = (reason: string, by: string, joins: Item[] = []) => {
      const log = new CallLog();
      log.note(item("started", "customer", { role: "customer" }, 0));
      for (const j of joins) log.note(j);
      log.note(item("ended", by, { reason, duration_ms: 10_000 }, 10_000));
      return log.get("k1")!;
    };
    expect(outcome(ended("declined", "agent"))).toBe("declined");
    expect(outcome(ended("no answer", "system"))).toBe("missed");
    expect(outcome(ended("hung up", "customer"))).toBe("cancelled");
    expect(talkTime(ended("hung up", "customer"))).toBe(0);
    expect(outcome(ended("hung up", "agent", [item("joined", "agent", { role: "agent" }, 4000)]))).toBe("talked");
    // an end whose start is not loaded: its whole length
    const log = new CallLog();
    log.note(item("ended", "agent", { reason: "hung up", duration_ms: 65_000 }, 70_000));
    expect(outcome(log.get("k1")!)).toBe("talked");
    expect(talkTime(log.get("k1")!)).toBe(65_000);
  });
});

describe("quality", () => {
  it("sums up the media server's figures", () => {
    const end = item("ended", "agent", { packets_received: 12_000, packets_lost: 120, jitter_ms: 3.2, rtt_ms: 18.4 });
    expect(quality(end)).toBe("12,000 packets · 1.0% lost · jitter 3.2 ms · round trip 18 ms");
    expect(quality(item("ended", "agent", {}))).toBe("");
  });
});

describe("the widget's timeline", () => {
  it("shows an ended call as one line where it ended", () => {
    const t = new Timeline();
    expect(t.add({ seq: 1, kind: "message", conv: "c1", ts: 1, actor_kind: "customer", text: "hi" })).toBe(true);
    expect(t.add({ ...item("started", "agent", { role: "agent" }), seq: 2 })).toBe(false);
    const end = { ...item("ended", "customer", { reason: "hung up" }), seq: 3 };
    expect(t.add(end)).toBe(true);
    expect(t.add(end)).toBe(false);
    expect(t.entries().map((e) => [e.who, e.seq])).toEqual([["customer", 1], ["call", 3]]);
    expect(t.entries()[1].call).toBe(end);
  });
});
