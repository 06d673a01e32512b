// A conversation's service level clocks as the console shows them: which
// clock is the most urgent, what it says ("First response in 14m",
// "Breached 12m ago", "Paused · 2h left"), the tooltip that lists every
// clock, the timeline's line for a warning or a breach, and the toast for
// a breach of the agent's own conversation. Free of the DOM (the shared
// ticker only uses timers), so unit tests drive it with a fixed now.

import type { Item, SLAClock } from "../protocol.gen";
import { clock, fmt } from "./timeline";

export type { SLAClock };

const labels: Record<string, string> = { first_response: "First response", next_response: "Next response", resolution: "Resolution" };
// the list's shorter words for a running clock: what the agent has to do
const short: Record<string, string> = { first_response: "Reply", next_response: "Reply", resolution: "Resolve" };

// measureLabel names a clock's measure: "First response".
export function measureLabel(m: string): string {
  return labels[m] ?? (m ? m.charAt(0).toUpperCase() + m.slice(1).replace(/_/g, " ") : "SLA");
}

// span is a length of time, compact: "45s", "14m", "3h 5m", "1d 20h",
// "4d" (rounded down; days show their hours below 3 days).
export function span(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${Math.max(1, s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return d < 3 && h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

// spanShort is span in its largest unit, for the list's narrow rows:
// "45s", "14m", "3h", "2d" (rounded down).
export function spanShort(ms: number): string {
  return span(ms).split(" ")[0];
}

// spanWords is span said in words, for screen readers: "3 hours 5
// minutes".
export function spanWords(ms: number): string {
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return unit(Math.max(1, s), "second");
  const m = Math.floor(s / 60);
  if (m < 60) return unit(m, "minute");
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${unit(h, "hour")} ${unit(m % 60, "minute")}` : unit(h, "hour");
  const d = Math.floor(h / 24);
  return d < 3 && h % 24 ? `${unit(d, "day")} ${unit(h % 24, "hour")}` : unit(d, "day");
}

// relative is when ts is from now, compact: "in 14m", "12m ago".
export function relative(ts: number, now: number): string {
  return ts > now ? `in ${span(ts - now)}` : `${span(now - ts)} ago`;
}

// dueText is a moment seen from ref (now, or an item's time): "14:05" on
// the same day, "Fri 14:05" within a week, else "4 Dec 14:05".
export function dueText(ts: number, ref: number): string {
  const d = new Date(ts), r = new Date(ref);
  const days = Math.round((startOfDay(d) - startOfDay(r)) / 86400_000);
  if (days === 0) return clock(ts);
  if (Math.abs(days) < 7) return `${fmt.weekdayShort.format(d)} ${clock(ts)}`;
  return `${fmt.dayMonth.format(d)} ${clock(ts)}`;
}

// breached says whether a clock passed its target: the edge recorded it,
// or a running clock's due time is behind now (the edge records it soon).
export function breached(c: SLAClock, now: number): boolean {
  return c.stage === "breached" || (!c.paused && c.due !== undefined && c.due <= now) || (!!c.paused && c.left_ms !== undefined && c.left_ms <= 0);
}

// urgent is the clock to show of a conversation's: a breached one (a
// running one first, the longest overdue first), else the running one due
// soonest, else (all stand still) the paused one with the least left.
export function urgent(clocks: SLAClock[] | undefined, now: number): SLAClock | undefined {
  if (!clocks?.length) return undefined;
  const rank = (c: SLAClock) => (breached(c, now) ? (c.paused ? 1 : 0) : c.paused ? 3 : 2);
  const when = (c: SLAClock) => (c.paused ? c.left_ms ?? Infinity : c.due ?? Infinity);
  return clocks.slice().sort((a, b) => rank(a) - rank(b) || when(a) - when(b))[0];
}

export type Tone = "breached" | "warning" | "neutral" | "paused";

// tone is how a clock looks: breached; warning when the edge warned, the
// warning time passed or less than a quarter of the target is left;
// paused (muted) while it stands still; neutral otherwise.
export function tone(c: SLAClock, now: number): Tone {
  if (breached(c, now)) return "breached";
  if (c.paused) return "paused";
  if (c.stage === "warning" || (c.warn_at !== undefined && c.warn_at <= now)) return "warning";
  if (c.due !== undefined && c.due - now < c.target_ms / 4) return "warning";
  return "neutral";
}

// View is what an SLA clock shows: its tone, its text, a label for
// screen readers and a tooltip listing every clock.
export interface View {
  tone: Tone;
  text: string;
  label: string;
  title: string;
  clock: SLAClock;
}

// view is what the clocks of a conversation show at now (undefined when it
// has none); compact is the list's shorter text ("Reply in 14m").
export function view(clocks: SLAClock[] | undefined, now: number, compact = false): View | undefined {
  const c = urgent(clocks, now);
  if (!c) return undefined;
  const t = tone(c, now);
  const name = measureLabel(c.measure);
  let text: string, said: string;
  if (t === "breached") {
    if (c.paused || c.due === undefined) {
      text = c.paused ? "Breached · paused" : "Breached";
      said = `${name} target breached${c.paused ? ", paused" : ""}`;
    } else {
      text = compact ? `${spanShort(now - c.due)} over` : `Breached ${span(now - c.due)} ago`;
      said = `${name} target breached ${spanWords(now - c.due)} ago`;
    }
  } else if (t === "paused") {
    text = c.left_ms !== undefined ? `Paused · ${span(c.left_ms)} left` : "Paused";
    said = `${name} clock paused${c.left_ms !== undefined ? `, ${spanWords(c.left_ms)} left` : ""}`;
  } else {
    const left = (c.due ?? now) - now;
    text = compact ? `${short[c.measure] ?? name} in ${spanShort(left)}` : `${name} in ${span(left)}`;
    said = `${name} due in ${spanWords(left)}${t === "warning" ? ", at risk" : ""}`;
  }
  const title = clocks!.map((x) => line(x, now)).join(" · ");
  return { tone: t, text, label: `SLA: ${said}`, title, clock: c };
}

// line is one clock in the tooltip: "First response: due Fri 14:05
// (target 1h)".
export function line(c: SLAClock, now: number): string {
  const target = `(target ${span(c.target_ms)})`;
  const name = measureLabel(c.measure);
  if (breached(c, now)) {
    const was = c.due !== undefined ? `, was due ${dueText(c.due, now)}` : "";
    return `${name}: breached${was}${c.paused ? ", paused" : ""} ${target}`;
  }
  if (c.paused) return `${name}: paused${c.left_ms !== undefined ? `, ${span(c.left_ms)} left` : ""} ${target}`;
  const warned = tone(c, now) === "warning" ? ", at risk" : "";
  return `${name}: due ${c.due !== undefined ? dueText(c.due, now) : "—"}${warned} ${target}`;
}

// SLAStage is an "sla" timeline item's: a clock's warning or breach.
export interface SLAStage {
  measure: string;
  stage: string; // warning or breached
  due?: number; // unix ms
}

// stageOf is an "sla" item's stage.
export function stageOf(it: Item): SLAStage | undefined {
  if (it.kind !== "sla" || !it.sla) return undefined;
  return { measure: it.sla.measure, stage: it.sla.stage, due: it.sla.due > 0 ? it.sla.due : undefined };
}

// stageText is the timeline's line for an "sla" item: "First response SLA
// breached (due 14:05)", "Resolution SLA warning · due 16:00".
export function stageText(s: SLAStage, at: number): string {
  const name = measureLabel(s.measure);
  const due = s.due !== undefined ? dueText(s.due, at) : "";
  if (s.stage === "breached") return `${name} SLA breached${due ? ` (due ${due})` : ""}`;
  if (s.stage === "warning") return `${name} SLA warning${due ? ` · due ${due}` : ""}`;
  return `${name} SLA ${s.stage}`;
}

// breachToast is the toast for a live "sla" item, or "": a breach of a
// conversation assigned to the agent me, told once (seen holds the items
// told), and not when it is old news (a replay after a reconnection).
export function breachToast(it: Item, assignee: string | undefined, me: string, now: number, seen: Set<string>, who = ""): string {
  const s = stageOf(it);
  if (!s || s.stage !== "breached" || !me || assignee !== me) return "";
  if (now - it.ts > 10 * 60_000) return "";
  const key = `${it.conv}:${it.seq}`;
  if (seen.has(key)) return "";
  seen.add(key);
  return `${measureLabel(s.measure)} SLA breached${who ? `: ${who}` : ""}`;
}

// The shared ticker: every clock on screen draws again every 30 s from one
// timer, which runs while at least one clock is shown (and at once when
// the page is seen again).
export const tickEvery = 30_000;
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function tick() {
  const now = Date.now();
  for (const f of listeners) f(now);
}
function visible() {
  if (typeof document === "undefined" || document.visibilityState === "visible") tick();
}

// onTick calls f with the time at each tick until the function it returns
// is called.
export function onTick(f: (now: number) => void): () => void {
  listeners.add(f);
  if (!timer) {
    timer = setInterval(tick, tickEvery);
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", visible);
  }
  return () => {
    listeners.delete(f);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
      if (typeof document !== "undefined") document.removeEventListener("visibilitychange", visible);
    }
  };
}

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
