// Linked, merged and split conversations (docs/tickets.md#linked-merged-and-split)
// as the console shows them: a conversation named for people (its subject
// or its last message, never only an id), what a "linked" or "merged" item
// says, which way a split link goes, and which conversations a merge or a
// link may take. Free of the DOM, so unit tests drive it.

import type { ConvLink, Link, Merge } from "../protocol.gen";
import { Conv, matches, preview } from "./inbox";
import { canonical } from "./status";

// titleOf names a conversation for a line or a list: its e-mail subject,
// else its last message (cut to max characters), else "No messages yet".
export function titleOf(c: Pick<Conv, "subject" | "last_text" | "last_attachment"> | undefined, max = 60): string {
  if (!c) return "a conversation";
  const t = (c.subject || preview(c).text || "").replace(/\s+/g, " ").trim();
  if (!t) return "No messages yet";
  const cps = Array.from(t);
  return cps.length > max ? cps.slice(0, max - 1).join("").trimEnd() + "…" : t;
}

// Direction is which way a link goes, from the conversation shown:
// related, split off it (the other was made of one of its messages) or
// split from (it was made of one of the other's).
export type Direction = "related" | "split-off" | "split-from";

// directionOf reads a link from conversation c: a split link's message
// (ref) is the original's, older than the split-off conversation's
// opening, so a ref before c opened means c was split from the other.
export function directionOf(l: Pick<ConvLink, "kind" | "ref">, c: Pick<Conv, "opened_seq">): Direction {
  if (l.kind !== "split") return "related";
  return (l.ref ?? 0) < (c.opened_seq ?? 0) ? "split-from" : "split-off";
}

export const directionLabel: Record<Direction, string> = { related: "Related", "split-off": "Split off this one", "split-from": "Split from" };

// Said is a line about another conversation: the words before and after
// it, for the line to name it in between.
export interface Said {
  before: string;
  other: string; // the other conversation's id
  after: string;
}

// linkText says what a "linked" item did, by its actor, from conversation c.
export function linkText(l: Link | undefined, c: Pick<Conv, "opened_seq">, by: string): Said {
  const other = l?.other ?? "";
  if (l?.removed) return { before: `${by} unlinked`, other, after: "" };
  switch (l ? directionOf(l, c) : "related") {
    case "split-off": return { before: `${by} split a customer's message off into`, other, after: "" };
    case "split-from": return { before: `${by} split this conversation off`, other, after: "" };
  }
  return { before: `${by} linked this conversation to`, other, after: "" };
}

// mergeText says what a "merged" item did, by its actor, from conversation id.
export function mergeText(m: Merge | undefined, id: string, by: string): Said {
  if (m && m.conv !== id) return { before: `${by} merged`, other: m.conv, after: "into this conversation" };
  return { before: `${by} merged this conversation into`, other: m?.into ?? "", after: "" };
}

// open says whether a conversation may still be merged or merged into:
// not closed, not merged already.
export const mergeable = (c: Pick<Conv, "status" | "merged_into">) => canonical(c.status) !== "closed" && !c.merged_into;

// mergeTargets are the conversations conv may be merged into: the same
// customer's others that are open (not closed, not merged), newest first.
export function mergeTargets(conv: Conv, convs: Iterable<Conv>): Conv[] {
  if (!conv.contact) return [];
  return Array.from(convs)
    .filter((c) => c.id !== conv.id && c.contact === conv.contact && mergeable(c))
    .sort((a, b) => b.last_seq - a.last_seq);
}

// linkTargets are the conversations conv may be linked to, for what the
// agent typed: the same customer's first, then the others that match
// (every word in the customer's name, the last message or the id), none
// linked already, newest first in each group, at most max in all.
export function linkTargets(conv: Conv, convs: Iterable<Conv>, query: string, max = 30): { same: Conv[]; others: Conv[] } {
  const linked = new Set((conv.links ?? []).map((l) => l.conv));
  const all = Array.from(convs).filter((c) => c.id !== conv.id && !linked.has(c.id) && matches(c, query)).sort((a, b) => b.last_seq - a.last_seq);
  const same = all.filter((c) => conv.contact && c.contact === conv.contact);
  const others = query.trim() ? all.filter((c) => !same.includes(c)) : [];
  return { same: same.slice(0, max), others: others.slice(0, Math.max(0, max - same.length)) };
}
