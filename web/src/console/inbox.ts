// The console's inbox logic, free of React so unit tests drive it: which
// conversations a filter and a search show, in what order, their previews,
// and the unread counts.

import type { Analysis, Canned, Conversation, PIISpan } from "../protocol.gen";
import { customerName, ofConversation } from "./people";
import { inFilter } from "./status";
import { channelInfo } from "./channels";

export type { Canned };

// Conv is what the console uses of an agent's view of a conversation
// (edge/protocol's, generated into ../protocol.gen.ts).
export type Conv = Pick<
  Conversation,
  | "id"
  | "tenant"
  | "contact"
  | "status"
  | "assignee"
  | "last_seq"
  | "last_text"
  | "last_attachment"
  | "last_at"
  | "opened_at"
  | "snooze_until"
  | "inbox"
  | "contact_name"
  | "language"
  | "intent"
  | "sentiment"
  | "routed_by"
  | "route_note"
  | "route_fallback"
  | "priority"
  | "channel"
  | "customer_at"
  | "subject"
  | "sla"
  | "tags"
  | "opened_seq"
  | "messages"
  | "team"
  | "fields"
  | "links"
  | "merged_into"
  | "merged_from"
  | "custom_status"
>;

// Priorities are a conversation's priorities, lowest first.
export const Priorities = ["low", "normal", "high", "urgent"];

// parseSkills reads the skills an admin typed, separated by commas or
// spaces, each once, in the order typed.
export function parseSkills(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ""))];
}

// Segment is a piece of a message's text, marked when it is personal data.
export interface Segment {
  text: string;
  pii?: string;
}

// segments cuts text at the PII spans of its analysis, which are UTF-8
// byte offsets (the edge's), into pieces to show with the personal data
// marked. Spans that overlap, or do not fall on character boundaries, are
// left out.
export function segments(text: string, spans: PIISpan[] = []): Segment[] {
  const bytes = new TextEncoder().encode(text);
  const dec = new TextDecoder("utf-8", { fatal: true });
  const out: Segment[] = [];
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at || s.end > bytes.length || s.end <= s.start) continue;
    try {
      const before = dec.decode(bytes.subarray(at, s.start));
      const mark = dec.decode(bytes.subarray(s.start, s.end));
      if (before) out.push({ text: before });
      out.push({ text: mark, pii: s.kind });
      at = s.end;
    } catch {
      // not on a character boundary: the span is wrong; show it unmarked
    }
  }
  const rest = new TextDecoder().decode(bytes.subarray(at));
  if (rest) out.push({ text: rest });
  return out;
}

// reading is a one-line summary of an analysis for agents.
export function reading(a: Pick<Analysis, "language" | "intent" | "intent_confidence" | "sentiment"> & { pii?: Pick<PIISpan, "kind">[] }): string {
  const parts: string[] = [];
  if (a.language) parts.push(a.language);
  if (a.intent) parts.push(a.intent_confidence ? `${a.intent} (${a.intent_confidence}%)` : a.intent);
  if (a.sentiment) parts.push(a.sentiment);
  const kinds = [...new Set((a.pii ?? []).map((p) => p.kind))];
  if (kinds.length) parts.push(`contains ${kinds.join(", ")}`);
  return parts.join(" · ");
}

// who names a conversation's customer, as everywhere in the console
// (people.ts): their name, else e-mail address, else "Visitor" and a short
// suffix of their id.
export function who(c: Pick<Conv, "contact" | "contact_name">): string {
  return customerName(ofConversation(c));
}

// preview is what a list shows of a conversation's last message: its
// text, else the file it carried ("Attachment: invoice.pdf", with
// attachment set so that a clip icon goes before it), else nothing.
export function preview(c: Pick<Conv, "last_text" | "last_attachment">): { text: string; attachment?: boolean } {
  if (c.last_text) return { text: c.last_text };
  if (c.last_attachment) return { text: `Attachment: ${c.last_attachment}`, attachment: true };
  return { text: "" };
}

export type Filter = "mine" | "unassigned" | "all";

// Statuses are a conversation's six statuses, in their lifecycle's order
// (status.ts: labels, the changes allowed, the list's filters).
export { Statuses } from "./status";

export type Sort = "newest" | "waiting" | "priority";

// Sorts are the list's orders, with what agents read for them.
export const Sorts: { id: Sort; label: string }[] = [
  { id: "newest", label: "Newest" },
  { id: "waiting", label: "Waiting longest" },
  { id: "priority", label: "Priority" },
];

const rank: Record<string, number> = { urgent: 3, high: 2, low: 0 }; // "" and normal: 1

// matches says whether a conversation matches what the agent searched:
// every word in its customer's name, its last message's text or file name,
// its e-mail subject, its messaging platform's name ("whatsapp"), or its
// id (case ignored).
export function matches(c: Conv, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return true;
  const platform = channelInfo(c.channel);
  const hay = [who(c), c.contact_name ?? "", c.last_text ?? "", c.last_attachment ?? "", c.subject ?? "", platform.social ? platform.label : "", c.id]
    .join("\n").toLowerCase();
  return words.every((w) => hay.includes(w));
}

// visible lists the conversations a filter shows to agent me, with the
// given status filter (status.ts's StatusFilters: "" for any) and search, in the given order: newest
// activity first, the longest waiting (oldest activity) first, or highest
// priority first (then newest).
export function visible(convs: Iterable<Conv>, filter: Filter, me: string, status = "", query = "", sort: Sort = "newest"): Conv[] {
  const out = Array.from(convs)
    .filter((c) => filter === "all" || (filter === "mine" ? c.assignee === me : !c.assignee))
    .filter((c) => status === "" || inFilter(c.status, status))
    .filter((c) => matches(c, query));
  const newest = (a: Conv, b: Conv) => b.last_seq - a.last_seq;
  if (sort === "waiting") return out.sort((a, b) => -newest(a, b));
  if (sort === "priority") return out.sort((a, b) => (rank[b.priority ?? ""] ?? 1) - (rank[a.priority ?? ""] ?? 1) || newest(a, b));
  return out.sort(newest);
}

// counts are how many conversations of a status filter each assignment
// filter has, for the tabs.
export function counts(convs: Iterable<Conv>, me: string, status = ""): Record<Filter, number> {
  const n = { mine: 0, unassigned: 0, all: 0 };
  for (const c of convs) {
    if (status !== "" && !inFilter(c.status, status)) continue;
    n.all++;
    if (!c.assignee) n.unassigned++;
    else if (c.assignee === me) n.mine++;
  }
  return n;
}

// Unread counts customer messages per conversation that arrived while the
// agent looked at another one.
export class Unread {
  constructor(private counts = new Map<string, number>()) {}

  // message returns the counts after a customer message in conv, seen at
  // once when conv is the open one.
  message(conv: string, open: string): Unread {
    if (conv === open) return this;
    return new Unread(new Map(this.counts).set(conv, (this.counts.get(conv) ?? 0) + 1));
  }

  // opened returns the counts after the agent opened conv.
  opened(conv: string): Unread {
    if (!this.counts.has(conv)) return this;
    const next = new Map(this.counts);
    next.delete(conv);
    return new Unread(next);
  }

  of(conv: string): number {
    return this.counts.get(conv) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}

// matching lists the canned responses for what the agent typed after "/":
// shortcuts that start with it first, then texts that contain it.
export function matching(canned: Canned[], query: string): Canned[] {
  const q = query.trim().toLowerCase();
  const byShortcut = canned.filter((c) => c.shortcut.toLowerCase().startsWith(q));
  const byText = canned.filter((c) => !byShortcut.includes(c) && q !== "" && c.text.toLowerCase().includes(q));
  return byShortcut.concat(byText);
}
