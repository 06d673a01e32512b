// The console's inbox logic, free of React so unit tests drive it: which
// conversations a filter shows, in what order, and the unread counts.

import type { Analysis, Canned, Conversation, PIISpan } from "../protocol.gen";

export type { Canned };

// Conv is what the console uses of an agent's view of a conversation
// (edge/protocol's, generated into ../protocol.gen.ts).
export type Conv = Pick<
  Conversation,
  | "id"
  | "contact"
  | "status"
  | "assignee"
  | "last_seq"
  | "last_text"
  | "contact_name"
  | "language"
  | "intent"
  | "sentiment"
  | "routed_by"
  | "route_note"
  | "route_fallback"
  | "priority"
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

// who names a conversation's customer in lists: the name or e-mail address
// they gave, else a short form of the visitor's id.
export function who(c: Conv): string {
  return c.contact_name || `Visitor ${(c.contact ?? "").slice(0, 6)}`;
}

export type Filter = "mine" | "unassigned" | "all";

// Statuses are a conversation's statuses, in the order agents work them.
export const Statuses = ["open", "pending", "snoozed", "resolved"];

// visible lists the conversations a filter shows to agent me, with the
// given status ("" for any), most recent activity first.
export function visible(convs: Iterable<Conv>, filter: Filter, me: string, status = ""): Conv[] {
  return Array.from(convs)
    .filter((c) => filter === "all" || (filter === "mine" ? c.assignee === me : !c.assignee))
    .filter((c) => status === "" || c.status === status)
    .sort((a, b) => b.last_seq - a.last_seq);
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
