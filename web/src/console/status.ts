// A conversation's lifecycle as a ticket, as the console shows and works
// it: the six statuses and their labels, the changes an agent may make
// (the edge's table, internal/ticket, which refuses any other), the list's
// status filters, and what the timeline says of a change. Free of the DOM,
// so unit tests drive it.

import type { IconName } from "./icons";
import { untilText } from "./snooze";

// Statuses are a conversation's statuses, in their lifecycle's order.
export const Statuses = ["new", "open", "pending", "on_hold", "solved", "closed"];

const labels: Record<string, string> = {
  new: "New", open: "Open", pending: "Pending", on_hold: "On hold", solved: "Solved", closed: "Closed",
};

// statusIcons are the statuses' icons, in badges, the picker and the
// timeline.
export const statusIcons: Record<string, IconName> = {
  new: "dot", open: "inbox", pending: "clock", on_hold: "pause", solved: "resolve", closed: "lock",
};

// canonical is the status s names: the legacy names an older edge or log
// may still give (snoozed: on hold until a time; resolved: solved) are the
// six's.
export function canonical(s: string | undefined): string {
  return s === "snoozed" ? "on_hold" : s === "resolved" ? "solved" : s ?? "";
}

// statusLabel is what agents read for a status: "On hold".
export function statusLabel(s: string | undefined): string {
  const c = canonical(s);
  return labels[c] ?? (c ? c.charAt(0).toUpperCase() + c.slice(1).replace(/_/g, " ") : "");
}

// next are the statuses an agent may move a conversation to from each
// status (nobody sets new; closed is final, and only a solved
// conversation is closed).
const next: Record<string, string[]> = {
  new: ["open", "pending", "on_hold", "solved"],
  open: ["pending", "on_hold", "solved"],
  pending: ["open", "on_hold", "solved"],
  on_hold: ["open", "pending", "solved"],
  solved: ["open", "pending", "on_hold", "closed"],
  closed: [],
};

// allowed says whether an agent may move a conversation from one status
// to another. on_hold to on_hold is allowed: a snooze given a new time.
export function allowed(from: string, to: string): boolean {
  const f = canonical(from), t = canonical(to);
  return (next[f] ?? []).includes(t) || (f === "on_hold" && t === "on_hold");
}

// choices are what the status picker offers from a status: the status
// itself and the ones the agent may move it to, in the lifecycle's order.
export function choices(from: string): string[] {
  const f = canonical(from);
  return Statuses.filter((s) => s === f || (next[f] ?? []).includes(s));
}

// solvable says whether the Solve button (and its shortcut, e) applies:
// the conversation is not solved or closed already.
export function solvable(s: string): boolean {
  return allowed(s, "solved");
}

// StatusFilter is a choice of the list's status filter: one status or a
// group of them.
export interface StatusFilter {
  id: string; // "" for every status
  label: string;
  statuses: string[]; // empty for every status
  hint?: string;
}

// StatusFilters are the list's status filters: new and open together
// (the default: what needs an agent now), everything not solved yet,
// every status, then each one alone.
export const StatusFilters: StatusFilter[] = [
  { id: "new_open", label: "New and open", statuses: ["new", "open"] },
  { id: "unsolved", label: "Unsolved", statuses: ["new", "open", "pending", "on_hold"], hint: "not solved yet" },
  { id: "", label: "All statuses", statuses: [] },
  ...Statuses.map((s) => ({ id: s, label: statusLabel(s), statuses: [s] })),
];

export const defaultFilter = "new_open";

// filterOf is the status filter with id, or undefined for an id no
// longer offered (a filter kept from an older console: "snoozed").
export function filterOf(id: string): StatusFilter | undefined {
  return StatusFilters.find((f) => f.id === id);
}

// inFilter says whether a conversation of status s shows under filter id
// (an unknown one shows every status).
export function inFilter(s: string, id: string): boolean {
  const f = filterOf(id);
  return !f || f.statuses.length === 0 || f.statuses.includes(canonical(s));
}

// StatusChange is what a timeline line needs of a status item.
export interface StatusChange {
  status?: string;
  actor_kind?: string;
  actor_id?: string;
  snooze_until?: number;
}

// statusText says what a status item did, as the timeline's line: by
// names its actor ("You", "Alice", "The customer", "Edgedesk", or an
// automation rule by its name), prev is the status before when known.
// The log's clock (actor timer) speaks for itself.
export function statusText(it: StatusChange, by: string, prev?: string, now: Date = new Date()): string {
  const to = canonical(it.status);
  const from = canonical(prev);
  const id = it.actor_id ?? "";
  if (it.actor_kind === "system" && id === "timer") {
    if (to === "open") return "Reopened: the snooze ended";
    if (to === "closed") return "Closed automatically";
  }
  if (it.actor_kind === "customer" && to === "open") return "Reopened: the customer replied";
  const who = by;
  switch (to) {
    case "open":
      return from === "new" ? `${who} opened the conversation` : `${who} reopened the conversation`;
    case "pending":
      return `${who} marked the conversation pending`;
    case "on_hold":
      return it.snooze_until ? `${who} put the conversation on hold ${untilText(it.snooze_until, now)}` : `${who} put the conversation on hold`;
    case "solved":
      return `${who} solved the conversation`;
    case "closed":
      return `${who} closed the conversation`;
  }
  return `${who} marked the conversation ${statusLabel(to).toLowerCase()}`;
}

// Statused is what statusesBefore needs of a timeline item.
interface Statused {
  seq: number;
  kind: string;
  status?: string;
}

// statusesBefore maps each status item's seq to the conversation's status
// before it, as far as the items (in seq order) tell: the opening's, then
// each change's, and a message's that moved it (a customer's reply
// reopens, an agent's first answer opens).
export function statusesBefore(items: Statused[]): Map<number, string> {
  const out = new Map<number, string>();
  let cur: string | undefined;
  for (const it of items) {
    if (it.kind === "status" && cur !== undefined) out.set(it.seq, cur);
    if (it.kind === "opened") cur = canonical(it.status) || "new";
    else if ((it.kind === "status" || it.kind === "message") && it.status) cur = canonical(it.status);
  }
  return out;
}

// noteOnly says why the reply box takes private notes only, or "" when
// it takes replies: a closed conversation is final.
export function noteOnly(s: string): string {
  return canonical(s) === "closed" ? "This conversation is closed: it takes private notes only. A customer's next message starts a new conversation." : "";
}
