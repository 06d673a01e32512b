// The widget's model of a conversation: the messages to show, once each,
// in log order, whether they come from history, a replay after a
// reconnect, live events, or the visitor's own sends before the edge has
// acknowledged them. Free of the DOM, so unit tests drive it directly.

import type { Item } from "./protocol";

export interface Entry {
  key: string; // the client id of the visitor's messages, "s<seq>" of others
  who: "customer" | "agent";
  text: string;
  attachments?: string[]; // attachment ids
  seq?: number; // unset while the visitor's message is not acknowledged
}

export class Timeline {
  private byKey = new Map<string, Entry>();
  private seqs = new Set<number>();

  // sent records a message the visitor just wrote, shown before its ack.
  sent(clientId: string, text: string, attachments?: string[]): Entry {
    const e: Entry = { key: clientId, who: "customer", text, attachments };
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
    if (it.kind !== "message" || it.private || this.seqs.has(it.seq)) return false;
    const own = it.actor_kind === "customer" && it.client_id ? this.byKey.get(it.client_id) : undefined;
    if (own) {
      if (own.seq !== undefined) return false;
      own.seq = it.seq;
      this.seqs.add(it.seq);
      return true;
    }
    const key = it.actor_kind === "customer" && it.client_id ? it.client_id : "s" + it.seq;
    const e: Entry = { key, who: it.actor_kind === "customer" ? "customer" : "agent", text: it.text ?? "", seq: it.seq };
    if (it.attachments?.length) e.attachments = it.attachments;
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
}
