// What a conversation's call items say, shared by the widget and the
// console and free of the DOM: which call goes on (and rings for whom),
// how each ended, how long the two sides talked, and the words both
// timelines show for it (docs/ui.md, "Calls").

import type { Item } from "./widget/protocol";

export type Side = "customer" | "agent";

export interface CallRecord {
  id: string;
  conv: string;
  started?: Item; // call.started: who called (actor, call.role), when
  joins: Item[]; // call.joined, in log order
  ended?: Item; // call.ended: by whom, why, how long, the quality summary
}

// How a call ended, as people say it.
export type Outcome = "going" | "talked" | "declined" | "missed" | "cancelled";

// caller is the side that started a call ("" when its start is not known).
export function caller(r: CallRecord): Side | "" {
  const role = r.started?.call?.role;
  return role === "customer" || role === "agent" ? role : "";
}

// answer is the item of the other side's first joining: the call was
// answered then (supervisors answer nothing).
export function answer(r: CallRecord): Item | undefined {
  const from = caller(r);
  return r.joins.find((j) => {
    const role = j.call?.role;
    return (role === "customer" || role === "agent") && role !== from;
  });
}

// outcome says how a call went: going on, talked (answered), declined,
// missed (nobody answered in time) or cancelled (the caller hung up
// before an answer).
export function outcome(r: CallRecord): Outcome {
  const end = r.ended?.call;
  if (!end) return "going";
  if (end.reason === "declined") return "declined";
  if (answer(r)) return "talked";
  if (end.reason === "no answer") return "missed";
  if (!r.started) return "talked"; // its start is out of the page: say how long it lasted
  return "cancelled";
}

// talkTime is how long the two sides talked (ms): from the answer to the
// end; without the answer in view, the call's whole length.
export function talkTime(r: CallRecord): number {
  if (!r.ended) return 0;
  const a = answer(r);
  if (a) return Math.max(0, r.ended.ts - a.ts);
  return outcome(r) === "talked" ? (r.ended.call?.duration_ms ?? 0) : 0;
}

// CallLog collects a client's call items by call, each once.
export class CallLog {
  private calls = new Map<string, CallRecord>();
  private seen = new Set<number>();

  // note takes an item and reports whether it was a call item not seen
  // before.
  note(it: Item): boolean {
    const c = it.call;
    if (it.kind !== "call" || !c?.id || this.seen.has(it.seq)) return false;
    this.seen.add(it.seq);
    let r = this.calls.get(c.id);
    if (!r) {
      r = { id: c.id, conv: it.conv, joins: [] };
      this.calls.set(c.id, r);
    }
    if (it.status === "started") r.started = it;
    else if (it.status === "joined") {
      r.joins.push(it);
      r.joins.sort((a, b) => a.seq - b.seq);
    } else if (it.status === "ended") r.ended = it;
    return true;
  }

  get(id: string): CallRecord | undefined {
    return this.calls.get(id);
  }

  // going is the call going on in a conversation (started, not ended),
  // the latest if the log holds more.
  going(conv: string): CallRecord | undefined {
    let found: CallRecord | undefined;
    for (const r of this.calls.values()) {
      if (r.conv === conv && r.started && !r.ended && (!found || r.started.seq > found.started!.seq)) found = r;
    }
    return found;
  }

  // ringing lists the calls that ring for side: going on, started by the
  // other side, not answered yet, and started within the last ringMs
  // (a start from long ago, whose end the edge never recorded, rings no
  // more: it shows as a call to join).
  ringing(side: Side, now: number, ringMs: number): CallRecord[] {
    const out: CallRecord[] = [];
    for (const r of this.calls.values()) {
      const from = caller(r);
      if (!r.started || r.ended || !from || from === side || answer(r)) continue;
      if (now - r.started.ts < ringMs) out.push(r);
    }
    return out.sort((a, b) => a.started!.seq - b.started!.seq);
  }
}

// Quality is a call.ended item's summary in words: packets, the share
// lost, the worst jitter and round trip.
export function quality(end: Item | undefined): string {
  const q = end?.call;
  if (!q || !q.packets_received) return "";
  const lost = q.packets_lost ?? 0;
  const share = (100 * Math.max(0, lost)) / (q.packets_received + Math.max(0, lost));
  const parts = [`${q.packets_received.toLocaleString("en-US")} packets`, `${share < 0.1 && lost > 0 ? "<0.1" : share.toFixed(share && share < 10 ? 1 : 0)}% lost`];
  if (q.jitter_ms) parts.push(`jitter ${q.jitter_ms} ms`);
  if (q.rtt_ms) parts.push(`round trip ${Math.round(q.rtt_ms)} ms`);
  return parts.join(" · ");
}
