// A conversation's type and custom fields (docs/tickets.md#type-and-custom-fields)
// as the console shows, checks and edits them: the kinds, a value checked
// as the edge would and shown for people, what a "fields" item did, which
// fields a refused Solve needs, and the admin's editor of the definitions
// (drafts, keys made from labels, options pasted as lines, what is
// missing, the edge's refusals placed). Free of the DOM, so unit tests
// drive it.

import type { FieldDef, FieldsChange } from "../protocol.gen";

export type { FieldDef };

// Kinds are the kinds of field, with what admins read for them.
export const Kinds: { id: string; label: string; hint: string }[] = [
  { id: "text", label: "Text", hint: "a line of text" },
  { id: "number", label: "Number", hint: "12.50, -3" },
  { id: "date", label: "Date", hint: "a day" },
  { id: "dropdown", label: "Drop-down", hint: "one of a list" },
  { id: "checkbox", label: "Checkbox", hint: "yes or no" },
];

export const kindLabel = (kind: string) => Kinds.find((k) => k.id === kind)?.label ?? kind;

// TypeKey is the built-in type's key; TypeOptions its four options.
export const TypeKey = "type";
export const TypeOptions = ["question", "incident", "problem", "task"];

// maxOptions, maxOption and maxFields are the edge's limits.
export const maxOptions = 500;
export const maxOption = 100;
export const maxFields = 100;
const maxText = 4000;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// optionLabel is what agents read for a drop-down's option: the type's
// options capitalised ("Incident"), a custom one as the admin wrote it.
export function optionLabel(def: Pick<FieldDef, "key"> | undefined, value: string): string {
  return def?.key === TypeKey ? cap(value) : value;
}

// empty says whether a field has no value: none, or (a checkbox) not
// checked, which is what a required field counts as missing.
export function empty(def: Pick<FieldDef, "kind"> | undefined, value: string | undefined): boolean {
  if (value === undefined || value === "") return true;
  return def?.kind === "checkbox" && value !== "true";
}

// Checked is a value checked for a field: the value to send (""
// clears it), or what is wrong with it.
export type Checked = { value: string } | { error: string };

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

// realDate says whether text is a real day in the form YYYY-MM-DD.
export function realDate(text: string): boolean {
  const m = datePattern.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

// checkValue checks what an agent entered for a field as the edge will:
// text is trimmed (at most 4,000 bytes), a number is a decimal number, a
// date a real day, a drop-down's value one of its options, a checkbox's
// true or false. Nothing entered clears the field.
export function checkValue(def: FieldDef, raw: string): Checked {
  const v = raw.trim();
  if (v === "") return { value: "" };
  switch (def.kind) {
    case "text":
      return new TextEncoder().encode(v).length > maxText ? { error: `${def.label}: at most ${maxText.toLocaleString("en")} characters` } : { value: v };
    case "number":
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v) ? { value: v } : { error: `${def.label}: “${v}” is not a number` };
    case "date":
      return realDate(v) ? { value: v } : { error: `${def.label}: “${v}” is not a date (YYYY-MM-DD)` };
    case "dropdown":
      return (def.options ?? []).includes(v) ? { value: v } : { error: `${def.label}: “${v}” is not one of its options` };
    case "checkbox":
      return v === "true" || v === "false" ? { value: v } : { error: `${def.label}: “${v}” is neither true nor false` };
  }
  return { value: v };
}

const dateFmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

// formatDate shows a YYYY-MM-DD day for people: "4 Dec 2026".
export function formatDate(iso: string): string {
  if (!realDate(iso)) return iso;
  const [y, m, d] = iso.split("-").map(Number);
  return dateFmt.format(new Date(Date.UTC(y, m - 1, d)));
}

// valueText shows a field's value for people: a date as a day, a
// checkbox as Yes or No, a type as its label; anything else as it is.
export function valueText(def: FieldDef | undefined, value: string): string {
  switch (def?.kind) {
    case "date": return formatDate(value);
    case "checkbox": return value === "true" ? "Yes" : "No";
    case "dropdown": return optionLabel(def, value);
  }
  return value;
}

// labelOf names a field by its label, never its key: a field removed
// since is "a removed field"; before the fields are known (they always
// hold the type), the key made readable ("order_number" → "Order number").
export function labelOf(key: string, defs: FieldDef[]): string {
  const d = defs.find((x) => x.key === key);
  if (d) return d.label;
  if (key === TypeKey) return "Type";
  return defs.length ? "a removed field" : cap(key.replace(/_+/g, " ").trim());
}

const list = (parts: string[]) => parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;

// fieldsText says what a "fields" item did, by its actor, with the fields'
// labels and values as people read them:
//   You set Order number to 1042 and Type to Incident
//   Bob checked Gift wrap and cleared Due date
export function fieldsText(change: FieldsChange | undefined, defs: FieldDef[], by: string): string {
  const parts: string[] = [];
  const checked: string[] = [], unchecked: string[] = [];
  for (const [key, value] of Object.entries(change?.set ?? {})) {
    const def = defs.find((d) => d.key === key);
    if (def?.kind === "checkbox") (value === "true" ? checked : unchecked).push(def.label);
    else parts.push(`${labelOf(key, defs)} to ${valueText(def, value)}`);
  }
  const out: string[] = [];
  if (parts.length) out.push(`set ${list(parts)}`);
  if (checked.length) out.push(`checked ${list(checked)}`);
  if (unchecked.length) out.push(`unchecked ${list(unchecked)}`);
  const cleared = (change?.clear ?? []).map((k) => labelOf(k, defs));
  if (cleared.length) out.push(`cleared ${list(cleared)}`);
  return out.length ? `${by} ${list(out)}` : `${by} changed the fields`;
}

// solveRefusal says whether an edge's refusal is Solve's for want of
// required fields ("solving needs Type, Order number: set them first").
export function solveRefusal(message: string | undefined): boolean {
  return /^solving needs /.test(message ?? "");
}

// missingOf reads which fields a refused Solve names, as keys, in the
// order the tenant has them. The message names them by label, joined by
// ", ": labels are matched whole, the longest first, so a label that
// holds a comma is still found.
export function missingOf(message: string, defs: FieldDef[]): string[] {
  const m = /^solving needs (.*?): set (?:them|it) first/.exec(message);
  if (!m) return [];
  let rest = `, ${m[1]}, `;
  const found = new Set<string>();
  for (const d of [...defs].sort((a, b) => b.label.length - a.label.length)) {
    const at = rest.indexOf(`, ${d.label}, `);
    if (at < 0) continue;
    found.add(d.key);
    rest = rest.slice(0, at) + rest.slice(at + d.label.length + 2);
  }
  return defs.filter((d) => found.has(d.key)).map((d) => d.key);
}

// missingRequired are the fields a Solve needs that have no value yet.
export function missingRequired(defs: FieldDef[], values: Record<string, string> | undefined): string[] {
  return defs.filter((d) => d.required_on_solve && empty(d, values?.[d.key])).map((d) => d.key);
}

// The editor of the definitions.

// Draft is a field as the admin edits it: id names it in the editor (its
// key may change while it is new), keyEdited says the admin typed the
// key (else it follows the label).
export interface Draft {
  id: string;
  key: string;
  label: string;
  kind: string;
  options: string[];
  required: boolean;
  keyEdited: boolean;
  saved: boolean; // the edge has it: its key stays
}

let nextDraft = 0;
const draftId = () => `f${++nextDraft}`;

export function draftOf(d: FieldDef): Draft {
  return { id: draftId(), key: d.key, label: d.label, kind: d.kind, options: [...(d.options ?? [])], required: !!d.required_on_solve, keyEdited: true, saved: true };
}

export function newDraft(): Draft {
  return { id: draftId(), key: "", label: "", kind: "text", options: [], required: false, keyEdited: false, saved: false };
}

// defOf is the definition a draft sends: options only for a drop-down.
export function defOf(d: Draft): FieldDef {
  const def: FieldDef = { key: d.key.trim(), label: d.label.trim(), kind: d.kind };
  if (d.kind === "dropdown") def.options = d.options;
  if (d.required) def.required_on_solve = true;
  return def;
}

// keyFrom makes a key of a label: lower case letters, digits and _,
// starting with a letter, at most 32, and none of taken ("Order number"
// → "order_number", "Größe" → "grosse", "2nd try" → "f_2nd_try").
export function keyFrom(label: string, taken: string[] = []): string {
  let k = label.normalize("NFKD").replace(/ß/g, "ss").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  if (k === "") k = "field";
  if (!/^[a-z]/.test(k)) k = "f_" + k;
  k = k.slice(0, 32).replace(/_+$/, "");
  if (!taken.includes(k)) return k;
  for (let n = 2; ; n++) {
    const s = `_${n}`;
    const c = k.slice(0, 32 - s.length).replace(/_+$/, "") + s;
    if (!taken.includes(c)) return c;
  }
}

// withLabel is a draft after the admin typed its label: a new field's key
// follows it until the admin types the key.
export function withLabel(d: Draft, label: string, others: Draft[]): Draft {
  const key = !d.saved && !d.keyEdited ? keyFrom(label, others.filter((o) => o.id !== d.id).map((o) => o.key)) : d.key;
  return { ...d, label, key };
}

// parseOptions reads options pasted or typed as lines (or, on one line,
// separated by commas or tabs): trimmed, each once, in order.
export function parseOptions(text: string): string[] {
  const lines = text.includes("\n") ? text.split(/\r?\n/) : text.split(/[,\t]/);
  return [...new Set(lines.map((l) => l.trim()).filter((l) => l !== ""))];
}

// addOptions adds options to a list, skipping those it has.
export function addOptions(list: string[], more: string[]): string[] {
  const have = new Set(list);
  const out = [...list];
  for (const o of more) {
    if (have.has(o)) continue;
    have.add(o);
    out.push(o);
  }
  return out;
}

// move moves the item at i by step (-1 up, 1 down) when it can.
export function move<T>(l: T[], i: number, step: number): T[] {
  const j = i + step;
  if (i < 0 || i >= l.length || j < 0 || j >= l.length) return l;
  const out = [...l];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

// Problem is what is missing or wrong in a draft, by the part it concerns.
export interface Problem {
  at: "label" | "key" | "options";
  text: string;
}

// problems says what keeps a draft from being saved, as the edge would
// refuse it, before anything is sent.
export function problems(d: Draft, others: Draft[]): Problem[] {
  const out: Problem[] = [];
  const label = d.label.trim();
  if (label === "") out.push({ at: "label", text: "Give the field a label." });
  else if (Array.from(label).length > 100) out.push({ at: "label", text: "A label is at most 100 characters." });
  const key = d.key.trim();
  if (key === "") out.push({ at: "key", text: "Give the field a key." });
  else if (!/^[a-z][a-z0-9_]{0,31}$/.test(key)) out.push({ at: "key", text: "A key is lower-case letters, digits and _, starts with a letter, at most 32." });
  else if (others.some((o) => o.id !== d.id && o.key === key)) out.push({ at: "key", text: `Another field has the key ${key}.` });
  if (d.kind === "dropdown") {
    if (d.options.length === 0) out.push({ at: "options", text: "A drop-down needs at least one option." });
    else if (d.options.length > maxOptions) out.push({ at: "options", text: `A drop-down has at most ${maxOptions} options: this one has ${d.options.length}.` });
    const long = d.options.find((o) => Array.from(o).length > maxOption);
    if (long) out.push({ at: "options", text: `An option is at most ${maxOption} characters: “${long.slice(0, 24)}…” is longer.` });
    if (d.options.some((o) => o.trim() === "")) out.push({ at: "options", text: "An option is empty: write it or remove it." });
    const twice = d.options.find((o, i) => d.options.indexOf(o) !== i);
    if (twice !== undefined && twice.trim() !== "") out.push({ at: "options", text: `“${twice}” is an option twice.` });
  }
  return out;
}

// refusedAt is the position of the field an edge's refusal of fields_set
// names ("field 2 (\"product\"): …" is the second), or -1.
export function refusedAt(message: string): number {
  const m = /^field (\d+)\b/.exec(message);
  return m ? Number(m[1]) - 1 : -1;
}

// describe says what a field is, for its row: "Drop-down · 4 options".
export function describe(d: Pick<FieldDef, "kind" | "options">): string {
  if (d.kind !== "dropdown") return kindLabel(d.kind);
  const n = d.options?.length ?? 0;
  return `${kindLabel(d.kind)} · ${n} ${n === 1 ? "option" : "options"}`;
}
