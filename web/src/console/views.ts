// Views (docs/tickets.md#views) as the console shows and edits them: the
// built-in views and the tenant's saved ones in the conversation list,
// each with its count; a view's filters said in words; the admin's
// editor of a view (drafts, what keeps one from being saved, where the
// edge's refusal points); the list a view shows, in the view's order; and
// the throttle that keeps the counts fresh without asking at every event.
// Free of the DOM, so unit tests drive it.

import type { View } from "../protocol.gen";
import type { IconName } from "./icons";
import { matches, type Conv } from "./inbox";
import { statusLabel, Statuses } from "./status";
import { normalTag } from "./tags";

export type { View };

// The edge's limits: saved views a tenant has, and a view's name.
export const maxViews = 100;
export const maxName = 100;

// Builtins are every agent's views, in the edge's order.
export const Builtins = ["mine", "unassigned", "my-teams", "overdue"];

// viewIcon is a view's icon in the list's views menu and on the settings
// page: the built-in views each their own, saved views a filter.
export function viewIcon(v: Pick<View, "id" | "builtin">): IconName {
  if (v.builtin) return ({ mine: "user", unassigned: "inbox", "my-teams": "team", overdue: "alert" } as Record<string, IconName>)[v.id] ?? "views";
  return "views";
}

// Sorts are a view's orders, as admins choose them.
export const Sorts: { id: string; label: string; short: string }[] = [
  { id: "last_activity", label: "Latest activity first", short: "latest activity first" },
  { id: "due", label: "SLA due soonest", short: "SLA due soonest first" },
  { id: "priority", label: "Priority, urgent first", short: "urgent first" },
  { id: "created", label: "Oldest first", short: "oldest first" },
];

// SLAStates are what a view's SLA filter takes ("" any).
export const SLAStates: { id: string; label: string; words: string }[] = [
  { id: "", label: "Any", words: "" },
  { id: "running", label: "A clock runs", words: "an SLA clock runs" },
  { id: "warning", label: "At risk", words: "SLA at risk" },
  { id: "breached", label: "Breached", words: "SLA breached" },
];

// Channels are what a view's channel filter takes ("" any). The edge's
// views take these three only (edge/conversation/views.go): a messaging
// platform's conversations are found by the platform's name in the
// list's search instead.
export const Channels: { id: string; label: string; words: string }[] = [
  { id: "", label: "Any channel", words: "" },
  { id: "web", label: "Web chat", words: "web chat" },
  { id: "email", label: "E-mail", words: "e-mail" },
  { id: "api", label: "API", words: "through the API" },
];

// Names names what a view's filters hold by id: agents, teams and inboxes
// by name, custom fields by label and their values as people read them.
export interface Names {
  agent(id: string): string;
  team(id: string): string;
  inbox(id: string): string;
  field(key: string): string;
  value(key: string, value: string): string;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// or joins words as people say a choice: "new, open or pending".
export function or(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

const and = (words: string[]) => (words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`);

// filterWords says a view's filters in words, one phrase each, whose
// first the list can least do without: "Assigned to you", "of your
// teams", "new or open", "urgent or high priority", "tagged vip",
// "e-mail", "in Demo Shop", "SLA breached", "Order type is Return".
// Nothing for a filter not given; "Every conversation" for none.
export function filterWords(v: View, names: Names): string[] {
  const out: string[] = [];
  if (v.assignee === "me") out.push("assigned to you");
  else if (v.assignee === "none") out.push("unassigned");
  else if (v.assignee) out.push(`assigned to ${names.agent(v.assignee)}`);
  if (v.team === "mine") out.push("of your teams");
  else if (v.team === "none") out.push("of no team");
  else if (v.team) out.push(`of ${names.team(v.team)}`);
  const statuses = (v.statuses ?? []).filter((s) => Statuses.includes(s));
  if (statuses.length && statuses.length < Statuses.length) out.push(or(statuses.map((s) => statusLabel(s).toLowerCase())));
  const prios = ["urgent", "high", "normal", "low"].filter((p) => (v.priorities ?? []).includes(p));
  if (prios.length && prios.length < 4) out.push(`${or(prios)} priority`);
  if (v.tags?.length) out.push(`tagged ${and(v.tags)}`);
  const channel = Channels.find((c) => c.id === v.channel);
  if (v.channel) out.push(channel?.words || v.channel);
  if (v.inbox) out.push(`in ${names.inbox(v.inbox)}`);
  const sla = SLAStates.find((s) => s.id === v.sla);
  if (v.sla) out.push(sla?.words || `SLA ${v.sla}`);
  for (const [key, value] of Object.entries(v.fields ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`${names.field(key)} is ${names.value(key, value)}`);
  }
  if (out.length === 0) out.push("Every conversation");
  else out[0] = cap(out[0]);
  return out;
}

// sortWords says a view's order: "SLA due soonest first".
export function sortWords(sort: string | undefined): string {
  return (Sorts.find((s) => s.id === (sort || "last_activity")) ?? Sorts[0]).short;
}

// summary is a view in one line: its filters, then its order.
export function summary(v: View, names: Names): string {
  return `${filterWords(v, names).join(" · ")} · ${sortWords(v.sort)}`;
}

// countLabel is a count as the views menu shows it: "7", "1,204", "12k"
// (from 10,000, rounded down).
export function countLabel(n: number | undefined): string {
  if (n === undefined) return "";
  if (n < 10_000) return n.toLocaleString("en");
  return `${Math.floor(n / 1000)}k`;
}

// rows are the conversations a view shows: the edge's ids in the view's
// order, each as the console has it now (live events keep the records
// fresh between two answers of the edge), those that match a search.
export function rows(ids: string[], convs: Map<string, Conv>, query = ""): Conv[] {
  const out: Conv[] = [];
  for (const id of ids) {
    const c = convs.get(id);
    if (c && matches(c, query)) out.push(c);
  }
  return out;
}

// saved are the tenant's views of a views answer, without the built-in
// ones: what views_set takes.
export function saved(views: View[]): View[] {
  return views.filter((v) => !v.builtin);
}

// The editor of a saved view.

// FieldFilter is one custom field's filter as the admin edits it.
export interface FieldFilter {
  key: string;
  value: string;
}

// Draft is a saved view as the admin edits it: "" is "any" for the
// single filters.
export interface Draft {
  id: string; // "" for a new view: the edge gives it one
  name: string;
  statuses: string[];
  assignee: string; // "", "me", "none" or an agent's id
  team: string; // "", "mine", "none" or a team's id
  priorities: string[];
  tags: string[];
  channel: string;
  inbox: string;
  sla: string;
  fields: FieldFilter[];
  sort: string;
}

export function draftOf(v: View): Draft {
  return {
    id: v.id, name: v.name, statuses: [...(v.statuses ?? [])], assignee: v.assignee ?? "", team: v.team ?? "", priorities: [...(v.priorities ?? [])],
    tags: [...(v.tags ?? [])], channel: v.channel ?? "", inbox: v.inbox ?? "", sla: v.sla ?? "",
    fields: Object.entries(v.fields ?? {}).map(([key, value]) => ({ key, value })), sort: v.sort || "last_activity",
  };
}

// newDraft is a new view: what needs an agent now (new and open), the
// latest activity first.
export function newDraft(): Draft {
  return { id: "", name: "", statuses: ["new", "open"], assignee: "", team: "", priorities: [], tags: [], channel: "", inbox: "", sla: "", fields: [], sort: "last_activity" };
}

// viewOf is the view a draft sends: only the filters it gives, statuses
// and priorities in their usual order.
export function viewOf(d: Draft): View {
  const v: View = { id: d.id, name: d.name.trim() };
  const statuses = Statuses.filter((s) => d.statuses.includes(s));
  if (statuses.length) v.statuses = statuses;
  if (d.assignee) v.assignee = d.assignee;
  if (d.team) v.team = d.team;
  const prios = ["low", "normal", "high", "urgent"].filter((p) => d.priorities.includes(p));
  if (prios.length) v.priorities = prios;
  const tags = d.tags.map(normalTag).filter((t, i, all) => t !== "" && all.indexOf(t) === i);
  if (tags.length) v.tags = tags;
  if (d.channel) v.channel = d.channel;
  if (d.inbox) v.inbox = d.inbox;
  if (d.sla) v.sla = d.sla;
  const fields = d.fields.filter((f) => f.key);
  if (fields.length) v.fields = Object.fromEntries(fields.map((f) => [f.key, f.value.trim()]));
  if (d.sort && d.sort !== "last_activity") v.sort = d.sort;
  return v;
}

// addTags adds what the admin typed to a view's tags: separated by commas,
// trimmed and in lower case, each once. A space stays: the edge says a tag
// has none (as it does for a conversation's tags).
export function addTags(have: string[], typed: string): string[] {
  const out = [...have];
  for (const t of typed.split(",")) {
    const n = normalTag(t);
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

// Part is a part of the editor a problem or a refusal points to.
export type Part = "name" | "statuses" | "assignee" | "team" | "priorities" | "tags" | "channel" | "inbox" | "sla" | "fields" | "sort" | "list";

export interface Problem {
  at: Part;
  text: string;
  field?: number; // the custom field filter's row
}

// problems says what keeps a draft from being saved, before it is sent:
// a name (1–100 characters), and each custom field filter with a field
// and a value, each field once.
export function problems(d: Draft, names: Pick<Names, "field">): Problem[] {
  const out: Problem[] = [];
  const name = d.name.trim();
  if (name === "") out.push({ at: "name", text: "Give the view a name." });
  else if (Array.from(name).length > maxName) out.push({ at: "name", text: `A view's name is at most ${maxName} characters.` });
  d.fields.forEach((f, i) => {
    if (!f.key) out.push({ at: "fields", field: i, text: `Choose the field of filter ${i + 1}, or remove it.` });
    else if (!f.value.trim()) out.push({ at: "fields", field: i, text: `Choose the value ${names.field(f.key)} must have.` });
    else if (d.fields.findIndex((g) => g.key === f.key) !== i) out.push({ at: "fields", field: i, text: `${names.field(f.key)} is filtered twice: keep one.` });
  });
  return out;
}

// Refusal is where the edge's refusal of views_set points: the view (its
// position in the list sent) and the part of it.
export interface Refusal {
  view: number; // -1: the list as a whole
  at: Part;
}

// refusalOf reads the edge's refusal: `view 2 ("Billing"): tag "vip
// customer": …` is the second view's tags; `101 views: …` the list.
export function refusalOf(message: string): Refusal {
  const m = /^view (\d+) \(.*?\): (.*)$/s.exec(message);
  if (!m) return { view: -1, at: "list" };
  const rest = m[2];
  const starts: [RegExp, Part][] = [
    [/^(id|name)\b/, "name"], [/^sort\b/, "sort"], [/^sla\b/, "sla"], [/^channel\b/, "channel"], [/^status\b/, "statuses"],
    [/^priority\b/, "priorities"], [/^tag\b/, "tags"], [/^assignee\b/, "assignee"], [/^team\b/, "team"], [/^inbox\b/, "inbox"],
  ];
  const hit = starts.find(([re]) => re.test(rest));
  // anything else is a custom field's: "no custom field …", "Amount: … is not a number"
  return { view: Number(m[1]) - 1, at: hit ? hit[1] : "fields" };
}

// refusalText is the edge's refusal without the view it names, for under
// the part of the editor it points to: `tag "vip customer": …`.
export function refusalText(message: string): string {
  return message.replace(/^view \d+ \(.*?\): /s, "");
}

// Throttle runs fn at most once every `every` ms: at once when it last
// ran long enough ago, else once when the time has come, however often it
// was asked meanwhile. The views' counts are asked again this way as
// conversations change.
export class Throttle {
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private fn: () => void, private every: number, private now: () => number = Date.now) {}

  poke(): void {
    if (this.timer !== undefined) return;
    const wait = this.last + this.every - this.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.last = this.now();
    this.fn();
  }
}
