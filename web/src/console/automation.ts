// Automation rules and macros as the console shows and edits them: what
// their triggers, fields, operators and actions are called, a rule or a
// macro said in words ("When the customer writes, if the message text
// contains “refund”: add the tag refund, set the priority to High"),
// durations in minutes, hours or days (the edge's after_s), the editor's
// rows and what is missing in them, the edge's refusals made readable and
// placed, and the rule an automation's change in a timeline came from and
// what it wrote there. Free of the DOM, so unit tests drive it.

import type { Action, AutomationSchema, Condition, FieldSchema, Macro, Rule } from "../protocol.gen";
import { statusLabel, Statuses } from "./status";
import { normalTag } from "./tags";
import { channelInfo } from "./channels";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const human = (s: string) => cap(s.replace(/[_.]/g, " "));
const quote = (s: string) => `“${s}”`;

// Names turns the ids rules hold into what agents read: agents, inboxes
// and teams by name, custom fields and custom statuses by label, webhook
// endpoints by description, never by id.
export interface Names {
  agent(id: string): string;
  inbox(id: string): string;
  team?(id: string): string;
  field?(key: string): string; // a custom field's label
  status?(id: string): string | undefined; // a custom status's label (undefined: none of the tenant's)
  webhook?(id: string): string | undefined; // a webhook endpoint's description or URL (undefined: not known)
}

// --- Durations -------------------------------------------------------------

export type Unit = "minutes" | "hours" | "days";
export const Units: Unit[] = ["minutes", "hours", "days"];
const unitSeconds: Record<Unit, number> = { minutes: 60, hours: 3600, days: 86400 };

// Duration is a duration as the editor holds it: the amount as typed.
export interface Duration {
  amount: string;
  unit: Unit;
}

// toSeconds is a duration in seconds, or null when its amount is not a
// whole number above 0.
export function toSeconds(d: Duration): number | null {
  const t = d.amount.trim();
  if (!/^\d{1,6}$/.test(t)) return null;
  const n = parseInt(t, 10);
  return n > 0 ? n * unitSeconds[d.unit] : null;
}

// fromSeconds is seconds in the largest unit that holds them whole (7200
// is 2 hours, 5400 is 90 minutes); nothing is fallback's 1.
export function fromSeconds(s: number | undefined, fallback: Unit = "hours"): Duration {
  if (!s || s <= 0) return { amount: "1", unit: fallback };
  for (const u of [...Units].reverse()) {
    if (s % unitSeconds[u] === 0) return { amount: String(s / unitSeconds[u]), unit: u };
  }
  return { amount: String(Math.max(1, Math.round(s / 60))), unit: "minutes" };
}

// durationText says seconds in words: "1 hour", "90 minutes", "2 days".
export function durationText(s: number): string {
  const d = fromSeconds(s);
  const n = parseInt(d.amount, 10);
  return `${n} ${n === 1 ? d.unit.slice(0, -1) : d.unit}`;
}

// --- What things are called ----------------------------------------------

// triggerLabels name the triggers on the editor's chips.
export const triggerLabels: Record<string, string> = {
  created: "Conversation created", message_in: "Customer writes", message_out: "Agent replies", note: "Note added",
  analyzed: "Message analysed", status_changed: "Status changed", priority_changed: "Priority changed", tags_changed: "Tags changed",
  assigned: "Assignee changed", team_changed: "Team changed", fields_changed: "Field changed", sla_warning: "SLA warning", sla_breach: "SLA breached", time: "After a time",
};

// triggerPhrases say them in a sentence: "When the customer writes".
const triggerPhrases: Record<string, string> = {
  created: "a conversation is created", message_in: "the customer writes", message_out: "an agent replies", note: "a private note is added",
  analyzed: "a message is analysed", status_changed: "the status changes", priority_changed: "the priority changes", tags_changed: "the tags change",
  assigned: "the assignee changes", team_changed: "the team changes", fields_changed: "a custom field changes", sla_warning: "an SLA target is near", sla_breach: "an SLA target is missed",
};

export const triggerLabel = (t: string) => triggerLabels[t] ?? human(t);

// sinceLabels are the moments a time rule counts from.
export const sinceLabels: Record<string, string> = {
  status: "the last status change", created: "the conversation opened", customer_message: "the customer's last message",
  agent_message: "an agent's last reply",
};
export const sinceLabel = (s: string) => sinceLabels[s] ?? human(s);

export const attributeField = "attribute.<key>";
export const customField = "field.<key>";
const attrPrefix = "attribute.";

// Keyed fields are families of fields, "attribute.<key>" and
// "field.<key>": a condition names one of them, "attribute.plan". keyed is
// the family of a schema field's name ("attribute."), or "".
export const keyed = (name: string) => (name.endsWith(".<key>") ? name.slice(0, -"<key>".length) : "");
const families = [attributeField, customField];

// familyOf is the family a condition's field belongs to ("field.<key>"
// for "field.plan"), or "" for a field of its own.
function familyOf(name: string, schema?: AutomationSchema): string {
  const names = schema ? schema.fields.map((f) => f.name).filter(keyed) : families;
  return names.find((f) => name !== f && name.startsWith(keyed(f))) ?? "";
}

const fieldLabels: Record<string, string> = {
  status: "Status", priority: "Priority", channel: "Channel", inbox: "Inbox", assignee: "Assignee", team: "Team", tags: "Tags",
  language: "Language read", intent: "Intent", sentiment: "Sentiment", subject: "E-mail subject", text: "Message text",
  actor: "Changed by", sla_measure: "SLA target", business_hours: "Business hours", "contact.name": "Customer name",
  "contact.email": "Customer e-mail", "contact.language": "Customer language", [attributeField]: "Attribute", [customField]: "Custom field",
};

// fieldLabel names a field: "Message text"; an attribute by its key
// ("Attribute plan") once it has one, a custom field by its label.
export function fieldLabel(name: string, names?: Names): string {
  if (name !== attributeField && name.startsWith(attrPrefix)) return `Attribute ${name.slice(attrPrefix.length)}`;
  if (name !== customField && name.startsWith("field.")) return names?.field?.(name.slice(6)) ?? `Field ${name.slice(6)}`;
  return fieldLabels[name] ?? human(name);
}

const opLabels: Record<string, string> = {
  is: "is", is_not: "is not", in: "is any of", not_in: "is none of", contains: "contains", not_contains: "does not contain",
  present: "is set", absent: "is not set",
};
const tagOpLabels: Record<string, string> = {
  contains: "include all of", not_contains: "include none of", present: "are not empty", absent: "are empty",
};

// opLabel names an operator as it reads after its field: "Tags include
// all of", "Status is any of".
export function opLabel(field: string, op: string): string {
  return (field === "tags" ? tagOpLabels[op] : undefined) ?? opLabels[op] ?? op.replace(/_/g, " ");
}

const measureLabels: Record<string, string> = { first_response: "First response", next_response: "Next response", resolution: "Resolution" };

// valueLabel names a value of an enumerated field: "On hold", "E-mail".
export function valueLabel(field: string, v: string): string {
  switch (field) {
    case "status": return statusLabel(v);
    case "channel": return channelInfo(v).label;
    case "sla_measure": return measureLabels[v] ?? human(v);
    case "business_hours": return v === "true" ? "Yes" : v === "false" ? "No" : v;
  }
  return human(v);
}

export const actionLabels: Record<string, string> = {
  assign: "Assign to", unassign: "Unassign", assign_team: "Give to team", set_status: "Set status", snooze: "Snooze for", set_priority: "Set priority",
  add_tags: "Add tags", remove_tags: "Remove tags", set_field: "Set custom field", reply: "Send a reply", add_note: "Add a private note",
  webhook: "Send to webhook", plugin: "Ask the plugin",
};
export const actionLabel = (t: string) => actionLabels[t] ?? human(t);

// ruleOnly are the action types a rule makes and a macro does not (the
// edge refuses them in macros).
export const ruleOnly = ["webhook", "plugin"];

// macroTypes are the action types a macro offers, of those the schema lists.
export const macroTypes = (types: string[]) => types.filter((t) => !ruleOnly.includes(t));

// actionStatuses are the statuses an action sets: any but new.
export const actionStatuses = Statuses.filter((s) => s !== "new");

// --- The schema's fields ------------------------------------------------------

// schemaField is the schema's field for a condition's field name (any
// "attribute.plan" is "attribute.<key>").
export function schemaField(schema: AutomationSchema | undefined, name: string): FieldSchema | undefined {
  const key = familyOf(name, schema) || name;
  return schema?.fields.find((f) => f.name === key);
}

// applies says whether a field has a value for every one of the triggers
// (the message text only for messages, say).
export function applies(f: FieldSchema, when: string[]): boolean {
  return !f.triggers?.length || when.every((w) => f.triggers!.includes(w));
}

// ValueKind is the control a condition's value needs.
export type ValueKind = "none" | "enum" | "enums" | "agent" | "agents" | "inbox" | "inboxes" | "team" | "teams" | "tags" | "bool" | "text" | "texts";

// valueKind is the control for field (by name) and op: none for present
// and absent, tag chips for tags, a select of names for an agent or an
// inbox, of values for an enumerated field, yes or no for business
// hours, and text otherwise; in and not_in take several.
export function valueKind(f: FieldSchema | undefined, name: string, op: string): ValueKind {
  if (op === "present" || op === "absent") return "none";
  if (name === "tags") return "tags";
  const many = op === "in" || op === "not_in";
  if (name === "assignee") return many ? "agents" : "agent";
  if (name === "inbox") return many ? "inboxes" : "inbox";
  if (name === "team") return many ? "teams" : "team";
  if (name === "business_hours") return "bool";
  if (f?.values?.length) return many ? "enums" : "enum";
  return many ? "texts" : "text";
}

const many = (k: ValueKind) => k === "enums" || k === "agents" || k === "inboxes" || k === "teams" || k === "tags" || k === "texts";

// --- The editor's rows -----------------------------------------------------------

// ConditionDraft is a condition row: an attribute's key apart from its
// field, the value of a one-value control and the values of a
// many-value one.
export interface ConditionDraft {
  field: string; // a schema field's name: "attribute.<key>" for any attribute, "field.<key>" any custom field
  key: string; // the attribute's or custom field's key
  op: string;
  value: string;
  values: string[];
}

// ActionDraft is an action row: every control's value, so that changing
// the type and back loses nothing.
export interface ActionDraft {
  type: string;
  value: string; // an agent id, a status, a priority, a team id, a custom field's value
  field: string; // the custom field set_field sets
  tags: string[];
  text: string;
  after: Duration; // a snooze's
}

export interface RuleDraft {
  id: string; // "" for a new rule: the edge names it
  name: string;
  disabled: boolean;
  when: string[];
  since: string;
  after: Duration;
  match: "all" | "any";
  conditions: ConditionDraft[];
  actions: ActionDraft[];
}

export interface MacroDraft {
  id: string;
  name: string;
  actions: ActionDraft[];
}

// defaultOp is a field's first operator, or for text "contains".
function defaultOp(f: FieldSchema): string {
  return f.ops.includes("contains") && f.name !== "tags" ? "contains" : f.ops[0] ?? "is";
}

// newCondition is a row to start from: the message text contains, where
// the triggers have a message, else the first field that applies.
export function newCondition(schema: AutomationSchema | undefined, when: string[]): ConditionDraft {
  const fields = schema?.fields ?? [];
  const text = fields.find((f) => f.name === "text");
  const f = text && when.length && applies(text, when) ? text : fields.find((x) => applies(x, when)) ?? fields[0];
  if (!f) return { field: "", key: "", op: "", value: "", values: [] };
  return withField({ field: "", key: "", op: "", value: "", values: [] }, f.name, schema);
}

// withField is a row with another field: its operator kept when the new
// field takes it, the values when they still fit; an enumerated field
// starts at its first value.
export function withField(c: ConditionDraft, name: string, schema: AutomationSchema | undefined): ConditionDraft {
  const f = schemaField(schema, name);
  if (!f) return { ...c, field: name };
  const op = f.ops.includes(c.op) && c.field !== "" ? c.op : defaultOp(f);
  const before = valueKind(schemaField(schema, c.field), c.field, c.op);
  const after = valueKind(f, name, op);
  const same = before === after && (before === "text" || before === "texts");
  const next: ConditionDraft = { field: name, key: keyed(name) && keyed(name) === keyed(c.field) ? c.key : "", op, value: same ? c.value : "", values: same ? c.values : [] };
  if (after === "enum") next.value = f.values![0];
  if (after === "bool") next.value = "true";
  return next;
}

// withOp is a row with another operator: one value becomes the first of
// several, and several the first of them.
export function withOp(c: ConditionDraft, op: string, schema: AutomationSchema | undefined): ConditionDraft {
  const f = schemaField(schema, c.field);
  const before = valueKind(f, c.field, c.op);
  const after = valueKind(f, c.field, op);
  const next = { ...c, op };
  if (after === "none") return { ...next, value: "", values: [] };
  if (many(after) && !many(before)) return { ...next, values: c.value ? [c.value] : c.values, value: "" };
  if (!many(after) && many(before)) return { ...next, value: c.values[0] ?? (after === "enum" ? f?.values?.[0] ?? "" : ""), values: [] };
  if (after === "enum" && !c.value) next.value = f?.values?.[0] ?? "";
  if (after === "bool" && !c.value) next.value = "true";
  return next;
}

// fieldName is a row's field as the edge has it: "attribute.plan".
export function fieldName(c: ConditionDraft): string {
  return keyed(c.field) ? keyed(c.field) + c.key.trim() : c.field;
}

// conditionOf is a row as the edge takes it: a value, values or nothing,
// as its operator wants.
export function conditionOf(c: ConditionDraft, schema: AutomationSchema | undefined): Condition {
  const name = fieldName(c);
  const k = valueKind(schemaField(schema, c.field), c.field, c.op);
  if (k === "none") return { field: name, op: c.op };
  if (many(k)) return { field: name, op: c.op, values: c.values };
  return { field: name, op: c.op, value: k === "text" ? c.value.trim() : c.value };
}

// conditionDraft is a rule's condition as a row.
export function conditionDraft(c: Condition, schema?: AutomationSchema): ConditionDraft {
  const family = familyOf(c.field, schema);
  return {
    field: family || c.field, key: family ? c.field.slice(keyed(family).length) : "", op: c.op,
    value: c.value ?? "", values: c.values ? [...c.values] : [],
  };
}

const actionDefaults: Record<string, Partial<ActionDraft>> = {
  set_status: { value: "solved" }, set_priority: { value: "high" },
};

// newAction is an action row of a type.
export function newAction(type = "add_tags"): ActionDraft {
  return { type, value: "", field: "", tags: [], text: "", after: { amount: "1", unit: "days" }, ...actionDefaults[type] };
}

// withType is a row of another type: a value that means something else
// there (a status is no agent) goes, the rest stays for coming back.
export function withType(a: ActionDraft, type: string): ActionDraft {
  const kinds: Record<string, string> = { assign: "agent", set_status: "status", set_priority: "priority", assign_team: "team", webhook: "webhook", plugin: "task" };
  const kind = (t: string) => kinds[t] ?? "";
  const value = kind(a.type) === kind(type) ? a.value : (actionDefaults[type]?.value ?? "");
  return { ...a, type, value };
}

// actionOf is a row as the edge takes it: only what its type uses.
export function actionOf(a: ActionDraft): Action {
  switch (a.type) {
    case "assign": case "set_status": case "set_priority": return { type: a.type, value: a.value };
    case "assign_team": return { type: a.type, value: a.value.trim() };
    case "set_field": return a.value.trim() ? { type: a.type, field: a.field.trim(), value: a.value.trim() } : { type: a.type, field: a.field.trim() };
    case "unassign": return { type: a.type };
    case "snooze": return { type: a.type, after_s: toSeconds(a.after) ?? 0 };
    case "add_tags": case "remove_tags": return { type: a.type, tags: a.tags };
    case "reply": case "add_note": return { type: a.type, text: a.text.trim() };
    case "webhook": return { type: a.type, value: a.value };
    case "plugin": return { type: a.type, value: a.value.trim() };
  }
  // a type this console does not know yet: its value, when given
  return a.value.trim() ? { type: a.type, value: a.value.trim() } : { type: a.type };
}

// actionDraft is an action as a row.
export function actionDraft(a: Action): ActionDraft {
  return { ...newAction(a.type), value: a.value ?? "", field: a.field ?? "", tags: [...(a.tags ?? [])], text: a.text ?? "", after: fromSeconds(a.after_s, "days") };
}

// newRule is a rule to start from: when the customer writes, one
// condition and one action.
export function newRule(schema: AutomationSchema | undefined): RuleDraft {
  const when = ["message_in"];
  return {
    id: "", name: "", disabled: false, when, since: "customer_message", after: { amount: "1", unit: "days" }, match: "all",
    conditions: [newCondition(schema, when)], actions: [newAction()],
  };
}

// ruleDraft is a rule as the editor holds it.
export function ruleDraft(r: Rule, schema?: AutomationSchema): RuleDraft {
  return {
    id: r.id, name: r.name, disabled: !!r.disabled, when: [...r.when], since: r.since || "customer_message",
    after: fromSeconds(r.after_s, "days"), match: r.match === "any" ? "any" : "all",
    conditions: (r.conditions ?? []).map((c) => conditionDraft(c, schema)), actions: (r.actions ?? []).map(actionDraft),
  };
}

// ruleOf is the editor's rule as the edge takes it: since and after_s
// for a time rule only, match only when any.
export function ruleOf(d: RuleDraft, schema: AutomationSchema | undefined): Rule {
  const r: Rule = {
    id: d.id, name: d.name.trim(), when: d.when, conditions: d.conditions.map((c) => conditionOf(c, schema)), actions: d.actions.map(actionOf),
  };
  if (d.disabled) r.disabled = true;
  if (d.match === "any") r.match = "any";
  if (d.when.includes("time")) {
    r.since = d.since;
    r.after_s = toSeconds(d.after) ?? 0;
  }
  return r;
}

export function macroDraft(m?: Macro): MacroDraft {
  return m ? { id: m.id, name: m.name, actions: (m.actions ?? []).map(actionDraft) } : { id: "", name: "", actions: [newAction("set_status")] };
}

export function macroOf(d: MacroDraft): Macro {
  return { id: d.id, name: d.name.trim(), actions: d.actions.map(actionOf) };
}

// toggleTrigger turns a trigger on or off: time goes alone (a time rule
// has no other trigger), so choosing it leaves it alone and choosing
// another leaves time out.
export function toggleTrigger(when: string[], t: string): string[] {
  if (when.includes(t)) return when.filter((w) => w !== t);
  if (t === "time") return ["time"];
  return [...when.filter((w) => w !== "time"), t];
}

// replace is list with its i-th entry changed; move, with it moved by
// step (nothing beyond the ends).
export const replace = <T>(list: T[], i: number, v: T): T[] => list.map((x, j) => (j === i ? v : x));
export function move<T>(list: T[], i: number, step: number): T[] {
  const j = i + step;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return list;
  const out = [...list];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

// --- What is missing -------------------------------------------------------------

// Problem is something the editor can say before the edge is asked, at
// the control it concerns: "name", "when", "after", "condition-0",
// "condition-0-key", "action-1".
export interface Problem {
  at: string;
  message: string;
}

const keyPattern = /^[A-Za-z0-9_-]{1,64}$/;

function conditionProblems(c: ConditionDraft, i: number, schema: AutomationSchema | undefined): Problem[] {
  const at = `condition-${i}`;
  if (c.field === attributeField && !keyPattern.test(c.key.trim())) {
    return [{ at: `${at}-key`, message: c.key.trim() ? "An attribute's key is letters, digits, - and _." : "Give the attribute's key, such as plan." }];
  }
  if (keyed(c.field) && !c.key.trim()) return [{ at: `${at}-key`, message: "Choose the custom field." }];
  const k = valueKind(schemaField(schema, c.field), c.field, c.op);
  if (k === "none") return [];
  if (many(k)) return c.values.length ? [] : [{ at, message: k === "tags" ? "Add at least one tag." : "Choose at least one value." }];
  if (!c.value.trim()) return [{ at, message: k === "agent" ? "Choose an agent." : k === "inbox" ? "Choose an inbox." : "Give a value." }];
  return [];
}

function actionProblems(a: ActionDraft, i: number): Problem[] {
  const at = `action-${i}`;
  switch (a.type) {
    case "assign": return a.value ? [] : [{ at, message: "Choose an agent." }];
    case "assign_team": return a.value.trim() ? [] : [{ at, message: "Choose a team." }];
    case "set_field": return a.field.trim() ? [] : [{ at, message: "Choose the custom field." }];
    case "snooze": {
      const s = toSeconds(a.after);
      return s !== null && s >= 60 ? [] : [{ at, message: "Give a whole number of minutes, hours or days." }];
    }
    case "add_tags": case "remove_tags": return a.tags.length ? [] : [{ at, message: "Add at least one tag." }];
    case "reply": case "add_note": return a.text.trim() ? [] : [{ at, message: a.type === "reply" ? "Write the reply." : "Write the note." }];
    case "webhook": return a.value ? [] : [{ at, message: "Choose the webhook endpoint." }];
    case "plugin": {
      const p = taskProblem(a.value);
      return p ? [{ at, message: p }] : [];
    }
  }
  return [];
}

// taskProblem says what is wrong with a plugin action's task, or "": 1
// to 64 letters, digits, '-' and '_', as the edge checks.
export function taskProblem(task: string): string {
  const t = task.trim();
  if (!t) return "Give the task the plugin is asked, such as triage.";
  if (t.length > 64) return "A task is at most 64 characters.";
  if (!keyPattern.test(t)) return "A task is letters, digits, - and _ only, without spaces.";
  return "";
}

// ruleProblems are what is missing in the editor's rule: its name, a
// trigger, a time rule's wait, a row's value. How many conditions a rule
// has, and what rules do to each other, are the edge's to judge.
export function ruleProblems(d: RuleDraft, schema: AutomationSchema | undefined): Problem[] {
  const out: Problem[] = [];
  if (!d.name.trim()) out.push({ at: "name", message: "Give the rule a name." });
  if (d.when.length === 0) out.push({ at: "when", message: "Choose at least one trigger." });
  if (d.when.includes("time")) {
    const s = toSeconds(d.after);
    if (s === null || s < 60) out.push({ at: "after", message: "Give a whole number of minutes, hours or days." });
  }
  d.conditions.forEach((c, i) => out.push(...conditionProblems(c, i, schema)));
  d.actions.forEach((a, i) => out.push(...actionProblems(a, i)));
  return out;
}

export function macroProblems(d: MacroDraft): Problem[] {
  const out: Problem[] = [];
  if (!d.name.trim()) out.push({ at: "name", message: "Give the macro a name." });
  d.actions.forEach((a, i) => out.push(...actionProblems(a, i)));
  return out;
}

// --- In words ----------------------------------------------------------------------

const list = (xs: string[], last = "and") => xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} ${last} ${xs[xs.length - 1]}`;

// whenText says a rule's triggers: "When the customer writes or an agent
// replies", "2 hours after the customer's last message".
export function whenText(r: Pick<Rule, "when" | "since" | "after_s">): string {
  if (r.when.includes("time")) return `${cap(durationText(r.after_s ?? 0))} after ${sinceLabel(r.since ?? "")}`;
  if (r.when.length === 0) return "Never";
  return `When ${list(r.when.map((w) => triggerPhrases[w] ?? w), "or")}`;
}

function values(field: string, c: Condition, names: Names): string[] {
  const vs = c.values?.length ? c.values : c.value ? [c.value] : [];
  const f = field.startsWith(attrPrefix) ? attributeField : field;
  switch (f) {
    case "assignee": return vs.map(names.agent);
    case "inbox": return vs.map(names.inbox);
    case "team": return vs.map((v) => names.team?.(v) ?? quote(v));
    case "tags": return vs;
    case "status": case "priority": case "channel": case "sentiment": case "actor": case "sla_measure": return vs.map((v) => valueLabel(f, v));
    case "custom_status": return vs.map((v) => names.status?.(v) ?? quote(v));
  }
  return vs.map(quote);
}

// conditionText says a condition: "Message text contains “refund”",
// "Tags include all of vip, refund", "Assignee is Alice".
export function conditionText(c: Condition, names: Names): string {
  if (c.field === "business_hours") return c.value === "false" ? "Outside business hours" : "Within business hours";
  const head = `${fieldLabel(c.field, names)} ${opLabel(c.field, c.op)}`;
  if (c.op === "present" || c.op === "absent") return head;
  const vs = values(c.field, c, names);
  return `${head} ${c.op === "in" || c.op === "not_in" || c.field === "tags" ? vs.join(", ") : vs[0] ?? ""}`.trim();
}

// conditionsText says a rule's conditions, joined by and (or, with match
// any): "" when it has none.
export function conditionsText(r: Pick<Rule, "conditions" | "match">, names: Names): string {
  const cs = (r.conditions ?? []).map((c) => conditionText(c, names));
  if (cs.length === 0) return "";
  return cs.map((c, i) => (i === 0 ? c : c.charAt(0).toLowerCase() + c.slice(1))).join(r.match === "any" ? " or " : " and ");
}

// short is a text cut to about n characters, at a word when it can.
function short(s: string, n = 60): string {
  if (s.length <= n) return s;
  const cut = s.slice(0, n - 1);
  const space = cut.lastIndexOf(" ");
  return (space > n * 0.6 ? cut.slice(0, space) : cut).trimEnd() + "…";
}

// actionText says an action: "assign to Alice", "set the priority to
// High", "add the tags refund, vip", "reply “Thanks for…”".
export function actionText(a: Action, names: Names): string {
  const tags = (xs: string[] = []) => `${xs.length === 1 ? "the tag" : "the tags"} ${xs.join(", ")}`;
  switch (a.type) {
    case "assign": return `assign to ${a.value ? names.agent(a.value) : "an agent"}`;
    case "unassign": return "unassign";
    case "assign_team": return `give to ${names.team?.(a.value ?? "") ?? `the team ${a.value ?? ""}`}`;
    case "set_field": {
      const f = fieldLabel(`field.${a.field ?? ""}`, names);
      return a.value ? `set ${f} to ${quote(a.value)}` : `clear ${f}`;
    }
    case "set_status": return `set the status to ${names.status?.(a.value ?? "") ?? statusLabel(a.value)}`;
    case "snooze": return `snooze for ${durationText(a.after_s ?? 0)}`;
    case "set_priority": return `set the priority to ${cap(a.value ?? "")}`;
    case "add_tags": return `add ${tags(a.tags)}`;
    case "remove_tags": return `remove ${tags(a.tags)}`;
    case "reply": return `reply ${quote(short(a.text ?? ""))}`;
    case "add_note": return `add a note ${quote(short(a.text ?? ""))}`;
    case "webhook": {
      const w = names.webhook?.(a.value ?? "");
      return w ? `send to the webhook ${quote(w)}` : "send to a webhook";
    }
    case "plugin": return `ask the automation plugin for ${quote(a.value ?? "")}`;
  }
  return `${a.type.replace(/_/g, " ")}${a.value ? ` ${a.value}` : ""}`;
}

// actionsText says a list of actions in order: "Add the tag refund, set
// the priority to High".
export function actionsText(actions: Action[] | undefined, names: Names): string {
  return cap((actions ?? []).map((a) => actionText(a, names)).join(", "));
}

// Summary is a rule in words, in its three parts and as one sentence.
export interface Summary {
  when: string;
  conditions: string;
  actions: string;
  text: string;
}

export function summary(r: Rule, names: Names): Summary {
  const when = whenText(r);
  const conditions = conditionsText(r, names);
  const actions = actionsText(r.actions, names);
  const text = `${when}${conditions ? `, if ${conditions.charAt(0).toLowerCase() + conditions.slice(1)}` : ""}: ${actions ? actions.charAt(0).toLowerCase() + actions.slice(1) : "nothing"}`;
  return { when, conditions, actions, text };
}

// --- The edge's refusals --------------------------------------------------

// readable is the edge's refusal as agents read it: a rule or macro
// named by its name rather than its id (`rule 2 ("r7f3", "Refunds")` is
// `rule 2 (“Refunds”)`, and so in a cycle's chain).
export function readable(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"/g, (_, _id: string, name: string) => quote(name.replace(/\\(.)/g, "$1")));
}

// Place is where a refusal points: the rule or macro (from 0), and in it
// the condition or action (from 0).
export interface Place {
  item?: number;
  condition?: number;
  action?: number;
}

// place reads where the edge's refusal points: "rule 2 (…): condition 1:
// …" is the second rule's first condition.
export function place(message: string): Place {
  const p: Place = {};
  const item = /^(?:rule|macro) (\d+)\b/.exec(message);
  if (item) p.item = parseInt(item[1], 10) - 1;
  const cond = /: condition (\d+):/.exec(message);
  if (cond) p.condition = parseInt(cond[1], 10) - 1;
  const act = /: action (\d+) /.exec(message);
  if (act) p.action = parseInt(act[1], 10) - 1;
  return p;
}

// --- Automation in the timeline ---------------------------------------------

// skipText is an "automation" item's text as the timeline shows it: the
// rule by its name in quotation marks (`rule "Refunds" could not set
// status: …` is `“Refunds” could not set status: …`).
export function skipText(text: string): string {
  return text.replace(/^rule "((?:[^"\\]|\\.)*)"/, (_, name: string) => quote(name.replace(/\\(.)/g, "$1")));
}

// Said is an "automation" item as the timeline says it: by, when given,
// is the rule that wrote it (shown with the automation mark), and text
// follows it.
export interface Said {
  by?: string;
  text: string;
  webhook?: boolean; // a webhook action's delivery
}

// automationSaid reads an "automation" item: what a rule could not do,
// or a loop the edge stopped, names its rule itself (`rule "Refunds"
// could not …` is `“Refunds” could not …`); what a rule's webhook action
// sent (`Sent to the webhook "CRM"`) and a plugin's note (`Triage: the
// customer wrote "down"`) are the rule's own, said under its name.
export function automationSaid(text: string, rule: string): Said {
  if (/^rule "/.test(text) || !rule) return { text: skipText(text) };
  const hook = /^Sent to the webhook "((?:[^"\\]|\\.)*)"$/.exec(text);
  if (hook) return { by: rule, text: ` sent the conversation to the webhook ${quote(hook[1].replace(/\\(.)/g, "$1"))}`, webhook: true };
  return { by: rule, text: `: ${text}` };
}

// ruleOfActor is the id of the rule an item's actor is ("automation:<id>"),
// or "" when a person or the edge itself made it.
export function ruleOfActor(it: { actor_kind?: string; actor_id?: string }): string {
  const id = it.actor_id ?? "";
  return id.startsWith("automation:") ? id.slice("automation:".length) : "";
}

// ruleName is the name of the rule with id, or "Automation" when the
// console does not know it (removed since, or not loaded yet).
export function ruleName(id: string, rules: Rule[]): string {
  return rules.find((r) => r.id === id)?.name || "Automation";
}

// normalTags makes what was typed tags, as the edge keeps them: lower
// case, split at commas and white space, each once.
export function normalTags(typed: string, have: string[] = []): string[] {
  const out = [...have];
  for (const t of typed.split(/[\s,]+/)) {
    const n = normalTag(t);
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

// searchMacros are the macros whose name has every word typed, by name.
export function searchMacros(macros: Macro[], typed: string): Macro[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  return macros.filter((m) => words.every((w) => m.name.toLowerCase().includes(w))).sort((a, b) => a.name.localeCompare(b.name));
}
