// The widget's model of a conversation: the messages to show, once each,
// in log order, whether they come from history (any page of it), a replay
// after a reconnect, live events, or the visitor's own sends before the
// edge has acknowledged them. Free of the DOM, so unit tests drive it
// directly.

import type { Item } from "./protocol";

export interface Entry {
  key: string; // the client id of the visitor's messages, "s<seq>" of others
  who: "customer" | "agent" | "call"; // agent: anyone of the business (an agent, the system); call: a call's line
  text: string;
  attachments?: string[]; // attachment ids
  seq?: number; // unset while the visitor's message is not acknowledged
  ts?: number; // unix ms: stored at, or written at while unacknowledged
  author?: string; // an agent's display name, when the edge gave one
  actor?: string; // which agent (grouping only: customers are never shown an id)
  call?: Item; // a call's line: its call.ended item (callui.ts draws it)
}

export class Timeline {
  private byKey = new Map<string, Entry>();
  private seqs = new Set<number>();

  // sent records a message the visitor just wrote, shown before its ack.
  sent(clientId: string, text: string, attachments?: string[], ts?: number): Entry {
    const e: Entry = { key: clientId, who: "customer", text, attachments };
    if (ts !== undefined) e.ts = ts;
    this.byKey.set(clientId, e);
    return e;
  }

  // acked gives a sent message its place in the log.
  acked(clientId: string, seq: number): void {
    const e = this.byKey.get(clientId);
    if (e && e.seq === undefined) {
      e.seq = seq;
      this.seqs.add(seq);
    }
  }

  // add takes an item from the edge and reports whether it changed what
  // is shown (false for repeats, private notes and other kinds).
  add(it: Item): boolean {
    if (it.kind === "call" && it.status === "ended" && !this.seqs.has(it.seq)) {
      const key = "s" + it.seq; // an ended call is one line, where it ended
      this.byKey.set(key, { key, who: "call", text: "", seq: it.seq, ts: it.ts, call: it });
      this.seqs.add(it.seq);
      return true;
    }
    if (it.kind !== "message" || it.private || this.seqs.has(it.seq)) return false;
    const own = it.actor_kind === "customer" && it.client_id ? this.byKey.get(it.client_id) : undefined;
    if (own) {
      if (own.seq !== undefined) return false;
      own.seq = it.seq;
      if (it.ts) own.ts = it.ts;
      this.seqs.add(it.seq);
      return true;
    }
    const key = it.actor_kind === "customer" && it.client_id ? it.client_id : "s" + it.seq;
    const e: Entry = { key, who: it.actor_kind === "customer" ? "customer" : "agent", text: it.text ?? "", seq: it.seq };
    if (it.attachments?.length) e.attachments = it.attachments;
    if (it.ts) e.ts = it.ts;
    if (e.who === "agent") {
      if (it.actor_name) e.author = it.actor_name;
      e.actor = it.actor_kind + ":" + (it.actor_id ?? "");
    }
    this.byKey.set(key, e);
    this.seqs.add(it.seq);
    return true;
  }

  // entries lists what to show: acknowledged messages by sequence, then
  // the ones still waiting for an ack, in the order they were written.
  entries(): Entry[] {
    const all = Array.from(this.byKey.values());
    const placed = all.filter((e) => e.seq !== undefined).sort((a, b) => a.seq! - b.seq!);
    return placed.concat(all.filter((e) => e.seq === undefined));
  }

  // size is how many messages it holds.
  get size(): number {
    return this.byKey.size;
  }
}

// Page is what the widget knows of a conversation's history: how far
// back it has loaded, and whether older items remain.
export class Page {
  oldest = 0; // the seq of the oldest item loaded; 0 before any
  more = false;

  // took notes a history page (items oldest first, and the edge's more):
  // the first page, or one older than what was loaded, moves the start;
  // a newer one (a reload after resync) leaves it.
  took(items: { seq: number }[], more: boolean, first: boolean): void {
    if (items.length === 0) {
      if (first) this.more = false;
      return;
    }
    if (first || this.oldest === 0 || items[0].seq < this.oldest) {
      this.oldest = items[0].seq;
      this.more = more;
    }
  }
}
