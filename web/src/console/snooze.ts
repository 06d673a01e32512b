// Snoozing a conversation until a time: the presets agents pick from and a
// custom date and time, computed in the agent's own time zone. Free of the
// DOM, so unit tests drive it.

import { fmt } from "./timeline";

export interface Preset {
  id: string;
  label: string;
  detail: string; // when, in words: "Tue 9:00"
  until: number; // unix ms
}

const at9 = (d: Date) => {
  d.setHours(9, 0, 0, 0);
  return d;
};

// presets are the snooze choices as seen at now: in 1 hour, tomorrow at
// 9:00, and next week (the next Monday at 9:00).
export function presets(now: Date = new Date()): Preset[] {
  const hour = new Date(now.getTime() + 3600_000);
  const tomorrow = at9(new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1));
  const toMonday = ((8 - now.getDay()) % 7) || 7;
  const monday = at9(new Date(now.getFullYear(), now.getMonth(), now.getDate() + toMonday));
  return [
    { id: "hour", label: "1 hour", detail: clockTime(hour), until: hour.getTime() },
    { id: "tomorrow", label: "Tomorrow, 9:00", detail: weekdayTime(tomorrow), until: tomorrow.getTime() },
    { id: "week", label: "Next week", detail: weekdayTime(monday), until: monday.getTime() },
  ];
}

// custom reads a date ("2026-12-24") and a time ("09:30") the agent chose,
// in their time zone: the time, or why it cannot be used.
export function custom(date: string, time: string, now: Date = new Date()): { until: number } | { error: string } {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time || "09:00");
  if (!d) return { error: "Choose a date." };
  if (!t) return { error: "Choose a time." };
  const when = new Date(+d[1], +d[2] - 1, +d[3], +t[1], +t[2]);
  if (isNaN(when.getTime())) return { error: "That is not a date." };
  if (when.getTime() <= now.getTime() + 60_000) return { error: "Choose a time in the future." };
  return { until: when.getTime() };
}

// until says when a snooze ends, for headers and lists: "until 14:05",
// "until tomorrow, 9:00", "until Mon 8 Dec, 9:00".
export function untilText(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  const days = Math.round((startOfDay(d) - startOfDay(now)) / 86400_000);
  if (days === 0) return `until ${clockTime(d)}`;
  if (days === 1) return `until tomorrow, ${clockTime(d)}`;
  return `until ${fmt.weekdayDayMonth.format(d)}, ${clockTime(d)}`;
}

// isoDate is a day as an <input type=date> value.
export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
const clockTime = (d: Date) => `${d.getHours()}:${String(d.getMinutes()).padStart(2, "0")}`;
const weekdayTime = (d: Date) => `${fmt.weekdayShort.format(d)} ${clockTime(d)}`;
