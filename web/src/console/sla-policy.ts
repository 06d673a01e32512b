// The tenant's service level policy (docs/tickets.md#sla-clocks) as the
// admin edits it: targets as durations people write ("1h 30m", "45m",
// "2d") rather than seconds, business hours by weekday (Sunday first, as
// the edge keeps them) in a time zone, holidays, the warning's share and a
// breach's escalation; what keeps a policy from being saved, and which part
// the edge's refusal names. The time zones, searched by city, region or
// offset, are the browser's (Intl). Free of the DOM, so unit tests drive it.

import type { SLAPolicy } from "../protocol.gen";

export type { SLAPolicy };

// Measures are a policy's targets, in the order agents meet them.
export const Measures = [
  { id: "first_response", key: "first_response_s", label: "First response", what: "from the customer's first message to an agent's first public answer" },
  { id: "next_response", key: "next_response_s", label: "Next response", what: "from the customer's next message to the agent's next answer" },
  { id: "resolution", key: "resolution_s", label: "Resolution", what: "from the opening (or a reopening) to solved" },
] as const;

export type Measure = (typeof Measures)[number]["id"];

// Levels are the priorities a target is given for, as the edge orders
// them (low first); the editor shows them urgent first.
export const Levels = ["low", "normal", "high", "urgent"];

// Weekdays are the business days, Sunday first, as the edge keeps them.
export const Weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

// maxTarget is the edge's longest target: a year of 366 days.
export const maxTarget = 366 * 24 * 3600;

const units: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

// parseDuration reads a target as people write it: "1h 30m", "90m",
// "1:30", "2d" (24 hours each), "1.5h", "45 min", a bare number as hours;
// nothing (or "—") is no target (0). It answers whole seconds, or what is
// wrong.
export function parseDuration(text: string): { seconds: number } | { error: string } {
  const t = text.trim().toLowerCase().replace(/,/g, ".");
  const bad = { error: "Write a duration such as 1h 30m, 45m or 2d." };
  if (t === "" || t === "—" || t === "-" || t === "none") return { seconds: 0 };
  const clock = /^(\d+):([0-5]\d)$/.exec(t);
  if (clock) return { seconds: Number(clock[1]) * 3600 + Number(clock[2]) * 60 };
  if (/^\d+(\.\d+)?$/.test(t)) return { seconds: Math.round(Number(t) * 3600) };
  const re = /(\d+(?:\.\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?=[\s\d]|$)/gy;
  let total = 0, at = 0, parts = 0;
  const rest = t.replace(/\s+/g, " ");
  while (at < rest.length) {
    if (rest[at] === " ") { at++; continue; }
    re.lastIndex = at;
    const m = re.exec(rest);
    if (!m) return bad;
    total += Number(m[1]) * units[m[2][0]];
    at = re.lastIndex;
    parts++;
  }
  return parts ? { seconds: Math.round(total) } : bad;
}

// formatDuration writes seconds as hours and minutes ("1h 30m", "72h",
// "45m"; seconds only when there are some): business hours are counted
// in hours, so a day is never said, whose length people would read
// differently. 0 is no target: "".
export function formatDuration(seconds: number): string {
  if (!seconds) return "";
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s ? `${s}s` : ""].filter(Boolean).join(" ");
}

// timeText is minutes from midnight as a time of day: "09:00", "24:00".
export function timeText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

// times are the times a day opens or closes at, every half hour (closing
// up to midnight, 24:00), with the given ones a policy has besides.
export function times(closing: boolean, have: number[] = []): number[] {
  const out = new Set<number>();
  for (let m = closing ? 30 : 0; m <= (closing ? 1440 : 1410); m += 30) out.add(m);
  for (const m of have) if (m >= 0 && m <= 1440) out.add(m);
  return [...out].sort((a, b) => a - b);
}

// Day is a weekday's business hours as the admin edits them.
export interface Day {
  open: boolean;
  from: number; // minutes from midnight
  to: number;
}

// Draft is a policy as the admin edits it.
export interface Draft {
  targets: Record<Measure, string[]>; // what is typed, by priority (low first)
  business: boolean; // counted in business hours (else around the clock)
  zone: string;
  days: Day[]; // Sunday first
  holidays: string[]; // YYYY-MM-DD
  warn: string; // percent of a target; "" is 80
  escalatePriority: string; // "" none
  escalateTeam: string; // a team's id, "" none
}

// officeHours are the business hours a policy starts from: Monday to
// Friday, 09:00 to 17:00.
export function officeHours(): Day[] {
  return Weekdays.map((_, i) => ({ open: i >= 1 && i <= 5, from: 540, to: 1020 }));
}

// draftOf is a policy to edit (none: a new one, without targets, counted
// around the clock); zone is the time zone business hours start in.
export function draftOf(p: SLAPolicy | undefined, zone = ""): Draft {
  const texts = (v?: number[]) => Levels.map((_, i) => formatDuration(v?.[i] ?? 0));
  const business = !!p?.time_zone;
  const hours = p?.hours ?? [];
  const days = business && hours.length === 7
    ? hours.map(([from, to]) => (from === to ? { open: false, from: 540, to: 1020 } : { open: true, from, to }))
    : officeHours();
  return {
    targets: { first_response: texts(p?.first_response_s), next_response: texts(p?.next_response_s), resolution: texts(p?.resolution_s) },
    business, zone: p?.time_zone || zone, days, holidays: [...(p?.holidays ?? [])].sort(),
    warn: p?.warn_at_percent ? String(p.warn_at_percent) : "", escalatePriority: p?.escalate_priority ?? "", escalateTeam: p?.escalate_team ?? "",
  };
}

const seconds = (text: string) => {
  const d = parseDuration(text);
  return "seconds" in d ? d.seconds : 0;
};
const four = (texts: string[]) => [0, 1, 2, 3].map((i) => seconds(texts[i] ?? "")) as [number, number, number, number];

// policyOf is the policy a draft sends (one without problems): around the
// clock, no time zone and every day's hours none; holidays only with
// business hours, which they close.
export function policyOf(d: Draft): SLAPolicy {
  const closed: [number, number] = [0, 0];
  const hours = Weekdays.map((_, i) => (d.business && d.days[i]?.open ? [d.days[i].from, d.days[i].to] as [number, number] : closed));
  const p: SLAPolicy = {
    first_response_s: four(d.targets.first_response), next_response_s: four(d.targets.next_response), resolution_s: four(d.targets.resolution),
    hours: hours as SLAPolicy["hours"],
  };
  if (d.business) {
    p.time_zone = d.zone;
    if (d.holidays.length) p.holidays = [...d.holidays].sort();
  }
  if (d.warn.trim()) p.warn_at_percent = Number(d.warn.trim());
  if (d.escalatePriority) p.escalate_priority = d.escalatePriority;
  if (d.escalateTeam) p.escalate_team = d.escalateTeam;
  return p;
}

// Place is a part of the editor: the targets (a cell: measure and
// priority), the time zone, a weekday's hours, the holidays, the warning
// or the escalation.
export type Place = "targets" | "zone" | "hours" | "holidays" | "warn" | "escalation";

export interface Problem {
  at: Place;
  text: string;
  cell?: { measure: Measure; level: number };
  day?: number;
}

// problems says what keeps a draft from being saved, before it is sent:
// targets people can read as durations, one at least; with business hours
// a time zone, a day open at least, each open day closing after it
// opens; a warning of 1 to 99 %. That a target is at most a year, and
// that the edge knows the time zone, the edge says.
export function problems(d: Draft): Problem[] {
  const out: Problem[] = [];
  let any = false;
  for (const m of Measures) {
    d.targets[m.id].forEach((text, level) => {
      const r = parseDuration(text);
      if ("error" in r) out.push({ at: "targets", cell: { measure: m.id, level }, text: `${m.label}, ${Levels[level]}: “${text.trim()}” is not a duration. ${r.error}` });
      else if (r.seconds > 0) any = true;
    });
  }
  if (!any && !out.length) out.push({ at: "targets", text: "Give one target at least: a policy without targets measures nothing." });
  if (d.business) {
    if (!d.zone) out.push({ at: "zone", text: "Choose the time zone the business hours are in." });
    if (!d.days.some((x) => x.open)) out.push({ at: "hours", text: "Open one day at least, or count around the clock." });
    d.days.forEach((x, i) => {
      if (x.open && x.to <= x.from) out.push({ at: "hours", day: i, text: `${Weekdays[i]} closes at ${timeText(x.to)}, before it opens at ${timeText(x.from)}.` });
    });
  }
  const w = d.warn.trim();
  if (w && !(/^\d{1,2}$/.test(w) && Number(w) >= 1 && Number(w) <= 99)) out.push({ at: "warn", text: "Warn at a whole percent from 1 to 99 (empty: 80)." });
  return out;
}

// Refused is where the edge's refusal of a policy points.
export interface Refused {
  at: Place | "";
  day?: number;
}

// placeOf reads the edge's refusal: "sla: a target of … s" is the targets,
// "sla: time zone …" the time zone, "sla: hours of day 3" Wednesday's
// hours, "sla: holiday …" the holidays, "warn_at_percent" the warning,
// "escalate_team" and "escalate_priority" the escalation.
export function placeOf(message: string): Refused {
  const m = message.replace(/^sla: /, "");
  if (/^a target\b/.test(m)) return { at: "targets" };
  if (/^time zone\b/.test(m)) return { at: "zone" };
  const day = /^hours of day (\d)/.exec(m);
  if (day) return { at: "hours", day: Number(day[1]) };
  if (/^(\d+ )?holidays?\b/.test(m)) return { at: "holidays" };
  if (/^warn_at_percent\b/.test(m)) return { at: "warn" };
  if (/^escalate_(team|priority)\b/.test(m)) return { at: "escalation" };
  return { at: "" };
}

// overYear are the targets longer than the edge takes (a year), to mark
// where its refusal of a target points.
export function overYear(d: Draft): { measure: Measure; level: number }[] {
  const out: { measure: Measure; level: number }[] = [];
  for (const m of Measures) d.targets[m.id].forEach((t, level) => { if (seconds(t) > maxTarget) out.push({ measure: m.id, level }); });
  return out;
}

// addHoliday adds a day to the holidays, sorted, each once.
export function addHoliday(list: string[], day: string): string[] {
  return day && !list.includes(day) ? [...list, day].sort() : list;
}

// sameAsMonday gives Tuesday to Friday Monday's hours.
export function sameAsMonday(days: Day[]): Day[] {
  return days.map((x, i) => (i >= 2 && i <= 5 ? { ...days[1] } : x));
}

// The time zones.

// zones are the IANA time zones this browser knows, UTC first.
export function zones(): string[] {
  // Intl.supportedValuesOf is newer than the type library this code is checked against
  const values = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const all = typeof values === "function" ? values("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}

// zoneOffset is a zone's offset from UTC at a moment: "UTC+01:00",
// "UTC−03:30", "UTC" (an unknown zone: "").
export function zoneOffset(zone: string, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "";
    return part.replace(/^GMT/, "UTC").replace(/^UTC[+-]00:00$/, "UTC").replace("-", "−");
  } catch {
    return "";
  }
}

// zoneName is a zone as people read it: "America/New York".
export function zoneName(zone: string): string {
  return zone.replace(/_/g, " ");
}

// searchZones are the zones that have every word typed in their name or
// offset ("berlin", "new york", "utc+9", "+05:30"), those whose city starts
// with what was typed first.
export function searchZones(list: string[], typed: string, at: Date = new Date()): string[] {
  const words = typed.toLowerCase().replace(/[_/]/g, " ").split(/\s+/).filter(Boolean);
  if (!words.length) return list;
  const hay = (z: string) => {
    const off = zoneOffset(z, at).replace("−", "-").toLowerCase();
    // "utc+09:00" is also found as "utc+9" and "+9"
    const short = off.replace(/([+-])0?(\d+):00$/, "$1$2");
    return `${z.toLowerCase().replace(/[_/]/g, " ")} ${off} ${short}`;
  };
  const found = list.filter((z) => { const h = hay(z); return words.every((w) => h.includes(w.replace("−", "-"))); });
  const q = words.join(" ");
  const city = (z: string) => z.split("/").pop()!.toLowerCase().replace(/_/g, " ");
  return found.sort((a, b) => Number(!city(a).startsWith(q)) - Number(!city(b).startsWith(q)) || a.localeCompare(b));
}

// browserZone is the agent's own time zone, where business hours start.
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
