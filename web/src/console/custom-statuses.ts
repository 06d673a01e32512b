// The tenant's custom statuses (docs/tickets.md#custom-statuses) as the
// console shows and edits them: a conversation's status by its custom
// name where it has one, the header's picker with each custom status
// under its base, and the admin's editor (ids made from labels, what
// keeps one from being saved, moves within a base, where the edge's
// refusal points). Free of the DOM, so unit tests drive it.

import type { CustomStatus } from "../protocol.gen";
import { untilText } from "./snooze";
import { canonical, choices, statusLabel, Statuses } from "./status";

export type { CustomStatus };

// Bases are the statuses a custom one may be (nobody sets new), in the
// lifecycle's order.
export const Bases = ["open", "pending", "on_hold", "solved", "closed"];

// The edge's limits.
export const maxStatuses = 50;
export const maxLabel = 60;
const maxID = 64;

// reserved are the ids a custom status may not have: the six and their
// older names.
export const reserved = [...Statuses, "snoozed", "resolved"];

// customOf is the custom status a conversation is in: one the tenant has,
// of the conversation's status (a custom status the tenant removed, or
// one left behind by a status change, is none).
export function customOf(c: { status: string; custom_status?: string }, list: Map<string, CustomStatus> | CustomStatus[]): CustomStatus | undefined {
  if (!c.custom_status) return undefined;
  const s = list instanceof Map ? list.get(c.custom_status) : list.find((x) => x.id === c.custom_status);
  return s && s.base === canonical(c.status) ? s : undefined;
}

// customLabel is the label of a conversation's custom status, "" when it
// has none.
export function customLabel(c: { status: string; custom_status?: string }, list: Map<string, CustomStatus> | CustomStatus[]): string {
  return customOf(c, list)?.label ?? "";
}

// statusName is what a conversation's badge says: its custom status, else
// its status ("Waiting on the carrier", "On hold").
export function statusName(c: { status: string; custom_status?: string }, list: Map<string, CustomStatus> | CustomStatus[]): string {
  return customLabel(c, list) || statusLabel(c.status);
}

// Choice is an entry of the header's status picker: a status, or a custom
// status under its base.
export interface Choice {
  value: string; // the status, or the custom status's id: what the status frame sends
  label: string;
  base: string;
  custom: boolean;
}

// pickerChoices are what the status picker offers a conversation: each
// status the lifecycle allows from its own (status.ts's choices), each
// followed by the tenant's custom statuses of it. A closed conversation
// is final: nothing more.
export function pickerChoices(status: string, list: CustomStatus[]): Choice[] {
  const from = canonical(status);
  const out: Choice[] = [];
  for (const s of choices(from)) {
    out.push({ value: s, label: statusLabel(s), base: s, custom: false });
    if (from === "closed") continue;
    for (const c of list) if (c.base === s) out.push({ value: c.id, label: c.label, base: s, custom: true });
  }
  return out;
}

// pickerValue is the picker's entry for a conversation: its custom status
// when it has one, else its status.
export function pickerValue(c: { status: string; custom_status?: string }, list: CustomStatus[]): string {
  return customOf(c, list)?.id ?? canonical(c.status);
}

// customText is the timeline's line for a status item that set a custom
// status: "You set the status to Waiting on the carrier", with the time
// an on-hold one wakes when it was snoozed.
export function customText(it: { status?: string; snooze_until?: number }, by: string, label: string, now: Date = new Date()): string {
  const until = canonical(it.status) === "on_hold" && it.snooze_until ? ` ${untilText(it.snooze_until, now)}` : "";
  return `${by} set the status to ${label}${until}`;
}

// The editor.

// idFrom makes an id of a label: lower-case letters, digits and "-", at
// most 64, none of the statuses' own names and none of taken ("Waiting on
// the carrier" → "waiting-on-the-carrier", "Open" → "open-2").
export function idFrom(label: string, taken: string[] = []): string {
  let id = label.normalize("NFKD").replace(/ß/g, "ss").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, maxID).replace(/-+$/, "");
  if (id === "") id = "status";
  const free = (x: string) => !taken.includes(x) && !reserved.includes(x);
  if (free(id)) return id;
  for (let n = 2; ; n++) {
    const s = `-${n}`;
    const c = id.slice(0, maxID - s.length).replace(/-+$/, "") + s;
    if (free(c)) return c;
  }
}

// Draft is a custom status as the admin edits it.
export interface Draft {
  id: string;
  label: string;
  base: string;
  idEdited: boolean; // the admin typed the id (else it follows the label)
  saved: boolean; // the edge has it: its id and base stay
}

export function draftOf(s: CustomStatus): Draft {
  return { id: s.id, label: s.label, base: s.base, idEdited: true, saved: true };
}

export function newDraft(base = "on_hold"): Draft {
  return { id: "", label: "", base, idEdited: false, saved: false };
}

// withLabel is a draft after the admin typed its label: a new one's id
// follows it until the admin types the id.
export function withLabel(d: Draft, label: string, taken: string[]): Draft {
  return { ...d, label, id: d.saved || d.idEdited ? d.id : label.trim() ? idFrom(label, taken) : "" };
}

export interface Problem {
  at: "label" | "id" | "base";
  text: string;
}

// problems says what keeps a draft from being saved, before it is sent:
// a label (1–60 characters), an id (1–64 lower-case letters, digits, "-"
// and "_") no other custom status has, and a base. That an id is one of
// the statuses' own names the edge says.
export function problems(d: Draft, taken: string[]): Problem[] {
  const out: Problem[] = [];
  const label = d.label.trim();
  if (label === "") out.push({ at: "label", text: "Give the status a name." });
  else if (Array.from(label).length > maxLabel) out.push({ at: "label", text: `A status's name is at most ${maxLabel} characters.` });
  const id = d.id.trim();
  if (id === "") out.push({ at: "id", text: "Give the status an id." });
  else if (!/^[a-z0-9_-]{1,64}$/.test(id)) out.push({ at: "id", text: "An id is lower-case letters, digits, - and _, at most 64." });
  else if (taken.includes(id)) out.push({ at: "id", text: `Another custom status has the id ${id}.` });
  if (!Bases.includes(d.base)) out.push({ at: "base", text: "Choose the status it is." });
  return out;
}

// statusOf is the custom status a draft sends.
export function statusOf(d: Draft): CustomStatus {
  return { id: d.id.trim(), label: d.label.trim(), base: d.base };
}

// Group is a base and its custom statuses, with their places in the list.
export interface Group {
  base: string;
  items: { status: CustomStatus; index: number }[];
}

// grouped are the custom statuses by base, in the lifecycle's order, each
// base's in the list's order (the picker's).
export function grouped(list: CustomStatus[]): Group[] {
  return Bases.map((base) => ({ base, items: list.map((status, index) => ({ status, index })).filter((x) => x.status.base === base) }));
}

// moveWithin moves the custom status at i before the previous one of its
// base (step -1) or after the next one (1); the others keep their places.
export function moveWithin(list: CustomStatus[], i: number, step: -1 | 1): CustomStatus[] {
  const base = list[i]?.base;
  if (base === undefined) return list;
  let j = i + step;
  while (j >= 0 && j < list.length && list[j].base !== base) j += step;
  if (j < 0 || j >= list.length) return list;
  const out = [...list];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

// inserted is the list with a new custom status after the last of its
// base, so that the list stays in the picker's order.
export function inserted(list: CustomStatus[], s: CustomStatus): CustomStatus[] {
  let at = -1;
  list.forEach((x, i) => { if (x.base === s.base) at = i; });
  if (at < 0) {
    // before the first of a later base
    const rank = Bases.indexOf(s.base);
    at = list.findIndex((x) => Bases.indexOf(x.base) > rank) - 1;
    if (at < -1) at = list.length - 1;
  }
  return [...list.slice(0, at + 1), s, ...list.slice(at + 1)];
}

// Refused is where the edge's refusal of statuses_set points: the custom
// status (its position in the list sent) and the part of it.
export interface Refused {
  index: number; // -1: the list as a whole
  at: "label" | "id" | "base" | "list";
}

// refusalText is the edge's refusal without the status it names, for under
// the part of the form it points to: `id "resolved" is a status already`.
export function refusalText(message: string): string {
  return message.replace(/^custom status \d+ \(.*?\): /s, "");
}

// refusedAt reads the edge's refusal: `custom status 2 ("Resolved"): id
// "resolved" is a status already` is the second one's id.
export function refusedAt(message: string): Refused {
  const m = /^custom status (\d+) \(.*?\): (id|label|base)\b/s.exec(message);
  return m ? { index: Number(m[1]) - 1, at: m[2] as Refused["at"] } : { index: -1, at: "list" };
}
