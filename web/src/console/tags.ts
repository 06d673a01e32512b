// A conversation's tags, as the console shows and edits them: what the
// agent typed made a tag (the edge judges it), the suggestions for what is
// typed, the list row's chips, and what the timeline says of a change.
// Free of the DOM, so unit tests drive it.

import type { TagsChange } from "../protocol.gen";

// normalTag is what the agent typed as the edge stores it: trimmed and in
// lower case ("VIP " is "vip"). Whether it is a tag is the edge's to say.
export function normalTag(typed: string): string {
  return typed.trim().toLowerCase();
}

// knownTags are the tags of the loaded conversations, sorted, each once.
export function knownTags(convs: Iterable<{ tags?: string[] }>): string[] {
  const seen = new Set<string>();
  for (const c of convs) for (const t of c.tags ?? []) seen.add(t);
  return Array.from(seen).sort();
}

// suggest are the known tags that start with what is typed (all of them
// when nothing is), but those the conversation has already, at most limit.
export function suggest(known: string[], typed: string, have: string[] = [], limit = 6): string[] {
  const t = normalTag(typed);
  const got = new Set(have);
  return known.filter((k) => k.startsWith(t) && !got.has(k)).slice(0, limit);
}

// overflow splits tags into the ones a list row shows and how many more
// it has ("+N").
export function overflow(tags: string[] | undefined, max = 2): { shown: string[]; more: number; rest: string[] } {
  const all = tags ?? [];
  return { shown: all.slice(0, max), more: Math.max(0, all.length - max), rest: all.slice(max) };
}

// TagsItem is what a timeline line needs of a "tags" item.
export interface TagsItem {
  tags?: TagsChange;
  actor_kind?: string;
  actor_id?: string;
}

// tagsText says what a "tags" item did, as the timeline's line: by names
// its actor ("You", "Alice", "Edgedesk"), as the status lines do.
//   You added the tag vip · You added the tags refund, vip
//   Alice removed the tag vip · Bob added vip and removed refund
export function tagsText(it: TagsItem, by: string): string {
  const who = by;
  const add = it.tags?.add ?? [], remove = it.tags?.remove ?? [];
  const the = (l: string[]) => `${l.length === 1 ? "the tag" : "the tags"} ${l.join(", ")}`;
  if (add.length && remove.length) return `${who} added ${add.join(", ")} and removed ${remove.join(", ")}`;
  if (add.length) return `${who} added ${the(add)}`;
  if (remove.length) return `${who} removed ${the(remove)}`;
  return `${who} changed the tags`;
}
