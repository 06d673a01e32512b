import { afterEach, describe, expect, it, vi } from "vitest";
import type { Item } from "../protocol.gen";
import { breachToast, dueText, line, onTick, relative, span, spanWords, stageOf, stageText, tone, urgent, view, type SLAClock } from "./sla";

// Friday 4 December 2026, 13:51 in the test's time zone
const now = new Date(2026, 11, 4, 13, 51).getTime();
const min = 60_000, hour = 60 * min;
const first = (due: number, extra: Partial<SLAClock> = {}): SLAClock =>
  ({ measure: "first_response", since: due - hour, target_ms: hour, due, warn_at: due - 12 * min, ...extra });
const resolution = (due: number, extra: Partial<SLAClock> = {}): SLAClock =>
  ({ measure: "resolution", since: due - 8 * hour, target_ms: 8 * hour, due, ...extra });

describe("times", () => {
  it("spans compactly, rounding down", () => {
    expect([45_000, 500, 14 * min + 59_000, 3 * hour + 5 * min, 3 * hour, 44 * hour, 48 * hour, 4 * 24 * hour + 5 * hour].map(span))
      .toEqual(["45s", "1s", "14m", "3h 5m", "3h", "1d 20h", "2d", "4d"]);
  });
  it("says spans in words", () => {
    expect([1000, 14 * min, 3 * hour + min, 2 * 24 * hour].map(spanWords)).toEqual(["1 second", "14 minutes", "3 hours 1 minute", "2 days"]);
  });
  it("is relative to now: in, ago", () => {
    expect([relative(now + 45_000, now), relative(now + 14 * min, now), relative(now - 12 * min, now), relative(now + 2 * 24 * hour, now)])
      .toEqual(["in 45s", "in 14m", "12m ago", "in 2d"]);
  });
  it("names a due time by its day: the time alone today, the weekday within a week, else the date", () => {
    expect(dueText(new Date(2026, 11, 4, 14, 5).getTime(), now)).toBe("14:05");
    expect(dueText(new Date(2026, 11, 7, 10, 0).getTime(), now)).toBe("Mon 10:00");
    expect(dueText(new Date(2026, 11, 24, 9, 30).getTime(), now)).toBe("24 Dec 9:30");
  });
});

describe("choosing the clock", () => {
  it("shows nothing without clocks", () => {
    expect(urgent(undefined, now)).toBeUndefined();
    expect(view([], now)).toBeUndefined();
  });
  it("a breached clock comes first, whatever else runs", () => {
    const b = first(now - 12 * min, { stage: "breached" });
    const v = view([resolution(now + 5 * min), b], now)!;
    expect(v.clock).toBe(b);
    expect([v.tone, v.text]).toEqual(["breached", "Breached 12m ago"]);
    expect(view([b], now, true)!.text).toBe("12m over"); // the list's
    expect(v.label).toBe("SLA: First response target breached 12 minutes ago");
  });
  it("a running clock past its due time is breached before the edge says so", () => {
    const v = view([first(now - 30_000)], now)!;
    expect([v.tone, v.text]).toEqual(["breached", "Breached 30s ago"]);
  });
  it("else the running clock due soonest", () => {
    const v = view([resolution(now + 3 * hour + 5 * min), first(now + 14 * min)], now)!;
    expect([v.clock.measure, v.tone, v.text]).toEqual(["first_response", "warning", "First response in 14m"]); // 14 of 60 min left: under a quarter
    expect(view([resolution(now + 3 * hour + 5 * min)], now)!.text).toBe("Resolution in 3h 5m");
  });
  it("the list's compact text says what to do", () => {
    expect(view([first(now + 40 * min)], now, true)!.text).toBe("Reply in 40m");
    expect(view([resolution(now + 5 * hour)], now, true)!.text).toBe("Resolve in 5h");
  });
  it("a running clock is paused-proof: a paused one shows only when all stand still", () => {
    const paused = resolution(0, { due: undefined, warn_at: undefined, paused: true, left_ms: 2 * hour });
    expect(view([paused, first(now + 40 * min)], now)!.clock.measure).toBe("first_response");
    const v = view([paused, { ...paused, measure: "next_response", target_ms: hour, left_ms: 5 * hour }], now)!;
    expect([v.clock.measure, v.tone, v.text]).toEqual(["resolution", "paused", "Paused · 2h left"]);
    expect(view([{ ...paused, left_ms: undefined }], now)!.text).toBe("Paused");
  });
  it("a breached clock that is paused says so", () => {
    const v = view([resolution(0, { due: undefined, paused: true, left_ms: 0, stage: "breached" })], now)!;
    expect([v.tone, v.text]).toEqual(["breached", "Breached · paused"]);
  });
});

describe("tone", () => {
  it("is neutral with time to spare, amber when warned, past the warning or under a quarter left", () => {
    expect(tone(first(now + 40 * min), now)).toBe("neutral");
    expect(tone(first(now + 40 * min, { stage: "warning", warn_at: undefined }), now)).toBe("warning");
    expect(tone(first(now + 40 * min, { warn_at: now - 1 }), now)).toBe("warning");
    expect(tone(resolution(now + 119 * min, { warn_at: undefined }), now)).toBe("warning");
    expect(tone(resolution(now + 121 * min, { warn_at: undefined }), now)).toBe("neutral");
  });
});

describe("tooltip", () => {
  it("lists every clock with its due time and target", () => {
    const v = view([first(new Date(2026, 11, 4, 14, 35).getTime(), { warn_at: undefined }), resolution(new Date(2026, 11, 7, 10, 0).getTime())], now)!;
    expect(v.title).toBe("First response: due 14:35 (target 1h) · Resolution: due Mon 10:00 (target 8h)");
  });
  it("says which are at risk, breached or paused", () => {
    expect(line(first(now + 5 * min), now)).toBe("First response: due 13:56, at risk (target 1h)");
    expect(line(first(now - 5 * min, { stage: "breached" }), now)).toBe("First response: breached, was due 13:46 (target 1h)");
    expect(line(resolution(0, { due: undefined, paused: true, left_ms: 90 * min }), now)).toBe("Resolution: paused, 1h 30m left (target 8h)");
  });
});

const slaItem = (sla: unknown, extra: Partial<Item> = {}): Item =>
  ({ seq: 40, conv: "c1", kind: "sla", ts: now, actor_kind: "system", ...extra, ...({ sla } as object) }) as Item;

describe("timeline items", () => {
  it("reads an sla item's stage", () => {
    expect(stageOf(slaItem({ measure: "first_response", stage: "breached", since: now - 3600_000, due: now }))).toEqual({ measure: "first_response", stage: "breached", due: now });
    expect(stageOf(slaItem(undefined))).toBeUndefined();
    expect(stageOf({ ...slaItem({ measure: "resolution", stage: "warning", since: now, due: now }), kind: "status" })).toBeUndefined();
  });
  it("words a breach and a warning", () => {
    const due = new Date(2026, 11, 4, 14, 5).getTime();
    expect(stageText({ measure: "first_response", stage: "breached", due }, now)).toBe("First response SLA breached (due 14:05)");
    expect(stageText({ measure: "resolution", stage: "warning", due: new Date(2026, 11, 4, 16, 0).getTime() }, now)).toBe("Resolution SLA warning · due 16:00");
    expect(stageText({ measure: "next_response", stage: "breached" }, now)).toBe("Next response SLA breached");
  });
});

describe("breach toast", () => {
  const breach = slaItem({ measure: "first_response", stage: "breached", due: now });
  it("tells a live breach of the agent's own conversation, once", () => {
    const seen = new Set<string>();
    expect(breachToast(breach, "agent-alice", "agent-alice", now, seen, "Margaret")).toBe("First response SLA breached: Margaret");
    expect(breachToast(breach, "agent-alice", "agent-alice", now, seen, "Margaret")).toBe("");
  });
  it("not someone else's, not a warning, not old news", () => {
    expect(breachToast(breach, "agent-bob", "agent-alice", now, new Set())).toBe("");
    expect(breachToast(breach, undefined, "agent-alice", now, new Set())).toBe("");
    expect(breachToast(slaItem({ measure: "resolution", stage: "warning", due: now }), "agent-alice", "agent-alice", now, new Set())).toBe("");
    expect(breachToast(breach, "agent-alice", "agent-alice", now + 11 * min, new Set())).toBe("");
  });
});

describe("ticker", () => {
  afterEach(() => vi.useRealTimers());
  it("runs one timer for every clock, every 30 s, and stops with the last", () => {
    vi.useFakeTimers();
    const before = vi.getTimerCount();
    const a = vi.fn(), b = vi.fn();
    const offA = onTick(a), offB = onTick(b);
    expect(vi.getTimerCount()).toBe(before + 1);
    vi.advanceTimersByTime(30_000);
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 1]);
    offA();
    vi.advanceTimersByTime(30_000);
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 2]);
    offB();
    expect(vi.getTimerCount()).toBe(before);
  });
});
