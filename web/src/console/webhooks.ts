// The tenant's outbound webhook endpoints as the console manages them
// (docs/webhooks.md, the REST API's /api/v1/webhooks routes, scope admin,
// called with the agent's console token as the API keys screen does):
// the calls, what the delivery types are called, an endpoint and its
// deliveries in words (relative times, what a pending one waits for),
// what the editor checks before the edge is asked and where the edge's
// refusal points. Free of React, so unit tests drive it.

import { RestClient } from "./apikeys";

export interface WebhookSecret {
  id: string;
  created_at: string; // RFC 3339
  expires_at?: string; // when it stops signing; absent: never
}

export interface Webhook {
  id: string;
  url: string;
  description: string;
  types: string[];
  disabled: boolean;
  secrets: WebhookSecret[];
  pending: number; // deliveries queued
  dead: number; // deliveries that failed for good
  created_at: string;
  updated_at: string;
}

// NewSecret is the answer of a create or a rotation: the only one with
// the signing secret in clear.
export interface NewSecret extends Webhook {
  secret: string;
}

// Delivery is a queued or dead delivery, as GET …/deliveries lists them.
export interface Delivery {
  id: string; // the event's sequence
  event_id: string;
  type: string;
  conversation_id?: string;
  contact_id?: string;
  created_at: string;
  attempts: number;
  next_attempt_at?: string;
  last_attempt_at?: string;
  status_code?: number;
  error?: string;
  data?: {
    conversation?: { id: string; contact_name?: string; subject?: string };
    contact?: { id: string; name?: string; email?: string };
  };
}

export type DeliveryState = "pending" | "dead";

// Settings are what an admin sets of an endpoint.
export interface Settings {
  url: string;
  description: string;
  types: string[];
  disabled: boolean;
}

// HooksClient calls the webhook routes.
export class HooksClient extends RestClient {
  async list(): Promise<Webhook[]> {
    const r = await this.call("GET", "/api/v1/webhooks");
    return ((await r.json()) as { data?: Webhook[] }).data ?? [];
  }

  async get(id: string): Promise<Webhook> {
    const r = await this.call("GET", `/api/v1/webhooks/${encodeURIComponent(id)}`);
    return (await r.json()) as Webhook;
  }

  // create makes an endpoint; idempotencyKey names this submit, so that a
  // repeat of it (say after no answer) makes no second endpoint.
  async create(s: Settings, idempotencyKey: string): Promise<NewSecret> {
    const r = await this.call("POST", "/api/v1/webhooks", { body: s, headers: { "Idempotency-Key": idempotencyKey } });
    return (await r.json()) as NewSecret;
  }

  async update(id: string, change: Partial<Settings>): Promise<Webhook> {
    const r = await this.call("PATCH", `/api/v1/webhooks/${encodeURIComponent(id)}`, { body: change });
    return (await r.json()) as Webhook;
  }

  async remove(id: string): Promise<void> {
    await this.call("DELETE", `/api/v1/webhooks/${encodeURIComponent(id)}`);
  }

  // rotate gives the endpoint a new secret; the ones it had keep signing
  // for overlap seconds.
  async rotate(id: string, overlap: number): Promise<NewSecret> {
    const r = await this.call("POST", `/api/v1/webhooks/${encodeURIComponent(id)}/rotate`, { body: { overlap_s: overlap } });
    return (await r.json()) as NewSecret;
  }

  async deliveries(id: string, state: DeliveryState, limit = 50): Promise<Delivery[]> {
    const r = await this.call("GET", `/api/v1/webhooks/${encodeURIComponent(id)}/deliveries?state=${state}&limit=${limit}`);
    return ((await r.json()) as { data?: Delivery[] }).data ?? [];
  }

  // replay queues dead deliveries again: those of ids, or (none) the
  // oldest 500. It answers the endpoint after.
  async replay(id: string, ids?: string[]): Promise<Webhook> {
    const r = await this.call("POST", `/api/v1/webhooks/${encodeURIComponent(id)}/replay`, { body: ids ? { ids } : {} });
    return (await r.json()) as Webhook;
  }
}

// --- What things are called ----------------------------------------------

// Types are the types an endpoint may ask for, in the docs' order, with
// what each is.
export const Types: { id: string; label: string; what: string }[] = [
  { id: "conversation.created", label: "Conversation created", what: "A conversation opened, on any channel." },
  { id: "conversation.updated", label: "Conversation updated", what: "Assigned, given to a team, or its priority, tags or fields changed." },
  { id: "conversation.status_changed", label: "Status changed", what: "Its status changed, a custom status too." },
  { id: "message.created", label: "New message", what: "A public message: the customer's, an agent's or a rule's reply." },
  { id: "note.created", label: "New private note", what: "A note only agents see." },
  { id: "sla.warning", label: "SLA warning", what: "A service level target is near." },
  { id: "sla.breached", label: "SLA breached", what: "A service level target was missed." },
  { id: "contact.updated", label: "Customer added or changed", what: "A customer's name, address or details." },
];

const ruleType = "rule.webhook";

// typeLabel names a delivery's type: "New message"; a rule's webhook
// action is "Sent by a rule".
export function typeLabel(t: string): string {
  if (t === ruleType) return "Sent by a rule";
  return Types.find((x) => x.id === t)?.label ?? t;
}

// typesText says what an endpoint gets: "Every event", or the types by
// name ("New message and Status changed", "New message, Status changed
// and 3 more").
export function typesText(types: string[]): string {
  if (Types.every((t) => types.includes(t.id))) return "Every event";
  const names = Types.filter((t) => types.includes(t.id)).map((t) => t.label);
  if (names.length === 0) return "No events";
  if (names.length <= 3) return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${names.slice(0, 2).join(", ")} and ${names.length - 2} more`;
}

// shownURL is a URL as lists show it: without its query (which may carry
// the receiver's token), said to be there by "?…".
export function shownURL(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return url;
  }
}

// endpointName is what an endpoint is called: its description, else its
// URL as lists show it.
export function endpointName(w: Pick<Webhook, "description" | "url">): string {
  return w.description.trim() || shownURL(w.url);
}

// byName orders endpoints by what they are called.
export function byName<T extends Pick<Webhook, "description" | "url" | "id">>(list: T[]): T[] {
  return [...list].sort((a, b) => endpointName(a).localeCompare(endpointName(b)) || a.id.localeCompare(b.id));
}

const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;
export const deliveriesText = (n: number) => plural(n, "delivery", "deliveries");

// --- Times ----------------------------------------------------------------

const rtf = new Intl.RelativeTimeFormat("en-GB", { numeric: "auto" });

// relative says a time against now in words: "in 5 minutes", "3 hours
// ago", "just now".
export function relative(iso: string | undefined, now: number = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return "";
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  if (a < 10) return t > now ? "in a few seconds" : "just now"; // by the time, not s: 300 ms ahead rounds to 0 s
  if (a < 60) return rtf.format(s, "second");
  // each unit as long as it rounds to less than the next one
  const m = Math.round(s / 60);
  if (Math.abs(m) < 60) return rtf.format(m, "minute");
  const h = Math.round(s / 3600);
  if (Math.abs(h) < 24) return rtf.format(h, "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

// when is an RFC 3339 time as a short local date and time, for tooltips.
export function when(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return "";
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" }).format(t);
}

// pendingText says when a queued delivery goes: its next attempt, or
// that it waits for the one before it of the same conversation (the
// edge sends them in order), or for the endpoint to be enabled.
export function pendingText(d: Delivery, list: Delivery[], disabled: boolean, now: number = Date.now()): string {
  if (disabled) return "Paused: the endpoint is disabled";
  const key = d.conversation_id ?? d.contact_id;
  const i = list.indexOf(d);
  if (key && i > 0 && list.slice(0, i).some((x) => (x.conversation_id ?? x.contact_id) === key)) return "After the delivery before it";
  const next = d.next_attempt_at ? Date.parse(d.next_attempt_at) : NaN;
  if (Number.isNaN(next) || next <= now) return "Sending now";
  return `Next attempt ${relative(d.next_attempt_at, now)}`;
}

// deadText says when a dead delivery was last tried.
export function deadText(d: Delivery, now: number = Date.now()): string {
  return d.last_attempt_at ? `Gave up ${relative(d.last_attempt_at, now)}` : "Not sent";
}

// errorText is what went wrong with a delivery's last attempt: the
// edge's words, else its HTTP status; "" when it has not been tried.
export function errorText(d: Delivery): string {
  if (d.error?.trim()) return d.error.trim();
  return d.status_code ? `HTTP ${d.status_code}` : "";
}

// attemptsText says how many times a delivery was tried.
export function attemptsText(n: number): string {
  return n === 0 ? "Not yet" : plural(n, "attempt");
}

// signing says how many secrets sign an endpoint's deliveries now, and
// when the one being replaced stops: "One signing secret", "2 signing
// secrets: the previous one stops in 1 hour".
export function signing(w: Pick<Webhook, "secrets">, now: number = Date.now()): string {
  const live = w.secrets.filter((s) => !s.expires_at || Date.parse(s.expires_at) > now);
  if (live.length <= 1) return "One signing secret";
  const ends = live.filter((s) => s.expires_at).map((s) => Date.parse(s.expires_at!)).sort((a, b) => b - a);
  const last = ends.length ? new Date(ends[0]).toISOString() : undefined;
  return `${live.length} signing secrets: ${live.length === 2 ? "the previous one stops" : "the previous ones stop"} ${relative(last, now)}`;
}

// Overlaps are how long the secrets an endpoint had keep signing after a
// rotation, in seconds (the edge takes 0 to 7 days; a day by default).
export const Overlaps: { value: string; label: string; what: string }[] = [
  { value: "0", label: "Stop it now", what: "Deliveries are signed with the new secret only, at once: receivers that still check the old one refuse them until they switch." },
  { value: "3600", label: "Keep it for 1 hour", what: "Deliveries carry both signatures for an hour: enough for a receiver you update yourself now." },
  { value: "86400", label: "Keep it for 1 day", what: "Deliveries carry both signatures for a day, so the receiver can switch without losing any." },
  { value: "604800", label: "Keep it for 7 days", what: "Deliveries carry both signatures for a week, for a receiver someone else runs." },
];

// replayedText says what a replay queued again: the deliveries asked
// for, or (all) the endpoint's dead ones, the oldest 500 at most.
export function replayedText(asked: number | "all", dead: number): string {
  if (asked !== "all") return `${deliveriesText(asked)} queued again, from the first attempt.`;
  if (dead > maxReplay) return `The oldest ${maxReplay} deliveries queued again, from the first attempt: replay again for the other ${dead - maxReplay}.`;
  return `${deliveriesText(dead)} queued again, from the first attempt.`;
}

const maxReplay = 500;

// --- The editor ----------------------------------------------------------------

export type Part = "url" | "description" | "types" | "";

export interface Problem {
  at: Part;
  text: string;
}

export const maxDescription = 200;

// problems are what keeps the editor's settings from being sent: a URL,
// a description of one short line, a type at least. Which URLs the edge
// takes (https, http to this machine only, no user or fragment) is its
// to say, in its own words.
export function problems(s: Settings): Problem[] {
  const out: Problem[] = [];
  const url = s.url.trim();
  if (!url) out.push({ at: "url", text: "Give the endpoint's URL: https://…" });
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) out.push({ at: "url", text: "Give the whole URL, starting with https://" });
  else if (new TextEncoder().encode(url).length > 2048) out.push({ at: "url", text: "The URL is too long: at most 2,048 bytes." });
  if ([...s.description.trim()].length > maxDescription) out.push({ at: "description", text: `The description is too long: at most ${maxDescription} characters.` });
  if (s.types.length === 0) out.push({ at: "types", text: "Choose at least one event." });
  return out;
}

// refusalAt is the part of the editor the edge's refusal is about
// ("url "https://…": …", "description: …", "type "x": …", "types: …").
export function refusalAt(detail: string): Part {
  if (/^url\b/.test(detail)) return "url";
  if (/^description\b/.test(detail)) return "description";
  if (/^types?\b/.test(detail)) return "types";
  return "";
}

// refusalText is the edge's refusal as said under the part it is about:
// without the part's name and, for a URL, the URL itself.
export function refusalText(detail: string): string {
  const t = detail.replace(/^url "(?:[^"\\]|\\.)*": /, "").replace(/^(description|types): /, "");
  return /^https?\b/.test(t) ? t : t.charAt(0).toUpperCase() + t.slice(1);
}

// settingsOf is an endpoint as the editor starts from; a new one asks
// for new messages.
export function settingsOf(w?: Webhook): Settings {
  return w ? { url: w.url, description: w.description, types: [...w.types], disabled: w.disabled }
    : { url: "", description: "", types: ["message.created"], disabled: false };
}

// cleaned are the settings as sent: trimmed, the types in the docs' order.
export function cleaned(s: Settings): Settings {
  return { url: s.url.trim(), description: s.description.trim(), types: Types.map((t) => t.id).filter((t) => s.types.includes(t)), disabled: s.disabled };
}

// changes are what an edit changed, for the PATCH: nothing when the
// settings are as the endpoint has them.
export function changes(w: Webhook, s: Settings): Partial<Settings> {
  const c = cleaned(s);
  const out: Partial<Settings> = {};
  if (c.url !== w.url) out.url = c.url;
  if (c.description !== w.description) out.description = c.description;
  if (c.types.join() !== Types.map((t) => t.id).filter((t) => w.types.includes(t)).join()) out.types = c.types;
  if (c.disabled !== w.disabled) out.disabled = c.disabled;
  return out;
}

// --- Rules ------------------------------------------------------------------------

// usedBy are the names of the rules with a webhook action to endpoint id.
export function usedBy(id: string, rules: { name: string; actions?: { type: string; value?: string }[] }[]): string[] {
  return rules.filter((r) => (r.actions ?? []).some((a) => a.type === "webhook" && a.value === id)).map((r) => r.name);
}
