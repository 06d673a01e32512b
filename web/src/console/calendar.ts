// The date picker's calendar (datepicker.tsx): days as YYYY-MM-DD, the
// weeks of a month from Monday, moving by days and months, and a day's
// names. Free of the DOM, so unit tests drive it. Days are calendar days:
// no time zone moves them.

import { realDate } from "./fields";

export interface Month {
  year: number;
  month: number; // 1–12
}

const pad = (n: number) => String(n).padStart(2, "0");

// iso is the day of year, month (1–12) and day as YYYY-MM-DD.
export const iso = (y: number, m: number, d: number) => `${String(y).padStart(4, "0")}-${pad(m)}-${pad(d)}`;

// parts reads a YYYY-MM-DD day, or null when it is none.
export function parts(day: string): { y: number; m: number; d: number } | null {
  if (!realDate(day)) return null;
  const [y, m, d] = day.split("-").map(Number);
  return { y, m, d };
}

// today is the agent's day now, YYYY-MM-DD.
export function today(now: Date = new Date()): string {
  return iso(now.getFullYear(), now.getMonth() + 1, now.getDate());
}

// monthOf is the month a day is in.
export function monthOf(day: string): Month {
  const p = parts(day);
  return p ? { year: p.y, month: p.m } : { year: 1970, month: 1 };
}

// addMonths moves a month by n.
export function addMonths(m: Month, n: number): Month {
  const i = m.year * 12 + (m.month - 1) + n;
  return { year: Math.floor(i / 12), month: (i % 12) + 1 };
}

// addDays moves a day by n days, across months and years.
export function addDays(day: string, n: number): string {
  const p = parts(day);
  if (!p) return day;
  const t = new Date(Date.UTC(p.y, p.m - 1, p.d + n));
  return iso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

// sameDayIn is the day of the month m as near to day as it has (31 Jan
// → 28 or 29 Feb), for PageUp and PageDown.
export function sameDayIn(day: string, m: Month): string {
  const p = parts(day);
  const last = new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
  return iso(m.year, m.month, Math.min(p?.d ?? 1, last));
}

// Cell is one day of a month's weeks: its date, day number, and whether
// it is of the month shown (else it fills the first or last week).
export interface Cell {
  day: string;
  n: number;
  inMonth: boolean;
}

// weeks are the weeks of month m from Monday: 6 of 7 days, so the picker
// keeps its height from month to month.
export function weeks(m: Month): Cell[][] {
  const first = new Date(Date.UTC(m.year, m.month - 1, 1));
  const lead = (first.getUTCDay() + 6) % 7; // days before the 1st, from Monday
  const start = addDays(iso(m.year, m.month, 1), -lead);
  const out: Cell[][] = [];
  for (let w = 0; w < 6; w++) {
    const row: Cell[] = [];
    for (let i = 0; i < 7; i++) {
      const day = addDays(start, w * 7 + i);
      const p = parts(day)!;
      row.push({ day, n: p.d, inMonth: p.m === m.month && p.y === m.year });
    }
    out.push(row);
  }
  return out;
}

export const weekdays = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

const monthFmt = new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
const longFmt = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const shortFmt = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

const utc = (day: string) => {
  const p = parts(day)!;
  return new Date(Date.UTC(p.y, p.m - 1, p.d));
};

// monthName names a month: "December 2026".
export const monthName = (m: Month) => monthFmt.format(new Date(Date.UTC(m.year, m.month - 1, 1)));

// dayName names a day in full, for a screen reader: "Friday 4 December 2026".
export const dayName = (day: string) => (parts(day) ? longFmt.format(utc(day)).replace(",", "") : day);

// dayShort is a day on the picker's button: "Fri 4 Dec 2026".
export const dayShort = (day: string) => (parts(day) ? shortFmt.format(utc(day)).replace(",", "") : day);
