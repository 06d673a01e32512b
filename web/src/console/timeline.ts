// A conversation's timeline in the console: the items loaded so far (the
// latest pages of its history, older pages as the agent scrolls up, and
// live events), and the rows to show for them: day separators, messages
// grouped by author, and one line for each status change, assignment,
// call, rating, service level warning or breach, team, fields change,
// link or merge, and what an automation rule could not do. Free of the DOM, so unit tests drive it.

import type { Analysis, Delivery, Item } from "../protocol.gen";

// Shown are the item kinds the timeline shows; analysis items are read
// into the readings of the messages they refer to instead.
const shown = new Set(["message", "status", "assigned", "priority", "call", "rating", "opened", "sla", "tags", "automation", "team", "fields", "linked", "merged"]);

// Loaded is what the console holds of one conversation's history.
export interface Loaded {
  conv: string;
  items: Item[]; // shown kinds, by seq, each once
  readings: Map<number, Analysis>; // message seq → the NLP plugin's reading
  // message seq → what became of its e-mail: the latest delivery item's
  // (by seq, whatever order the pages came in)
  deliveries: Map<number, { seq: number; delivery: Delivery }>;
  oldest: number; // the lowest seq of any item loaded (analysis ones too): the next page is before it
  more: boolean; // the edge has older items
  loading: boolean; // a page is being loaded
}

export function empty(conv: string): Loaded {
  return { conv, items: [], readings: new Map(), deliveries: new Map(), oldest: 0, more: true, loading: true };
}

// page adds a page of history (items oldest first, more when older ones
// remain) to what is loaded.
export function page(l: Loaded, items: Item[], more: boolean): Loaded {
  let oldest = l.oldest;
  for (const it of items) if (!oldest || it.seq < oldest) oldest = it.seq;
  return { ...add(l, items), oldest, more, loading: false };
}

// add adds items (from a page or live), each once, in seq order.
export function add(l: Loaded, items: Item[]): Loaded {
  let readings = l.readings;
  let deliveries = l.deliveries;
  const fresh: Item[] = [];
  const have = new Set(l.items.map((x) => x.seq));
  for (const it of items) {
    if (it.conv !== l.conv) continue;
    if (it.kind === "analysis" && it.ref && it.analysis) {
      if (readings === l.readings) readings = new Map(readings);
      readings.set(it.ref, it.analysis);
    } else if (it.kind === "delivery" && it.ref && it.delivery) {
      if ((deliveries.get(it.ref)?.seq ?? 0) >= it.seq) continue;
      if (deliveries === l.deliveries) deliveries = new Map(deliveries);
      deliveries.set(it.ref, { seq: it.seq, delivery: it.delivery });
    } else if (shown.has(it.kind) && !have.has(it.seq)) {
      have.add(it.seq);
      fresh.push(it);
    }
  }
  if (fresh.length === 0 && readings === l.readings && deliveries === l.deliveries) return l;
  const all = fresh.length ? l.items.concat(fresh) : l.items;
  if (fresh.length) all.sort((a, b) => a.seq - b.seq);
  return { ...l, items: fresh.length ? all : l.items, readings, deliveries };
}

// messages counts the messages loaded.
export function messages(l: Loaded): number {
  let n = 0;
  for (const it of l.items) if (it.kind === "message") n++;
  return n;
}

export type Row =
  | { kind: "day"; key: string; label: string }
  | { kind: "message"; key: string; item: Item; first: boolean } // first: the first of a run by one author
  | { kind: "event"; key: string; item: Item };

// rows lays the loaded items out: a day separator before each day's first
// item, and consecutive messages of one author within 5 minutes grouped.
export function rows(items: Item[], now: Date = new Date()): Row[] {
  const out: Row[] = [];
  let day = "";
  let prev: Item | undefined;
  for (const it of items) {
    const d = new Date(it.ts);
    const key = `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
    if (key !== day) {
      out.push({ kind: "day", key: "d" + key, label: dayLabel(it.ts, now) });
      day = key;
      prev = undefined;
    }
    if (it.kind === "message") {
      const first = !prev || prev.kind !== "message" || prev.actor_kind !== it.actor_kind || prev.actor_id !== it.actor_id ||
        !!prev.private !== !!it.private || it.ts - prev.ts > 5 * 60_000;
      out.push({ kind: "message", key: "m" + it.seq, item: it, first });
    } else {
      out.push({ kind: "event", key: "e" + it.seq, item: it });
    }
    prev = it;
  }
  return out;
}

// dayLabel names a day for a separator: "Today", "Yesterday", "Monday 1
// December", and the year when it is not this one.
export function dayLabel(ts: number, now: Date = new Date()): string {
  const d = new Date(ts);
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const day = `${fmt.weekdayLong.format(d)} ${d.getDate()} ${fmt.monthLong.format(d)}`;
  return d.getFullYear() === now.getFullYear() ? day : `${day} ${d.getFullYear()}`;
}

// clock is a time of day, "9:05".
export function clock(ts: number): string {
  const d = new Date(ts);
  return `${d.getHours()}:${String(d.getMinutes()).padStart(2, "0")}`;
}

// ago is how long ago ts was, short, for lists: "now", "5m", "3h", "2d",
// then the date ("4 Nov").
export function ago(ts: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.floor((now - ts) / 1000));
  if (s < 60) return "now";
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}d`;
  const d = new Date(ts);
  return (d.getFullYear() === new Date(now).getFullYear() ? fmt.dayMonth : fmt.dayMonthYear).format(d);
}

// full is a date and time for a tooltip: "Thu 4 Dec 2026, 9:05".
export function full(ts: number): string {
  const d = new Date(ts);
  return `${fmt.full.format(d)}, ${clock(ts)}`;
}

// fmt holds the date formats, made once: one made per call (as a
// toLocaleDateString with options makes) costs a list of thousands dearly.
export const fmt = {
  weekdayLong: new Intl.DateTimeFormat("en-GB", { weekday: "long" }),
  weekdayShort: new Intl.DateTimeFormat("en-GB", { weekday: "short" }),
  monthLong: new Intl.DateTimeFormat("en-GB", { month: "long" }),
  dayMonth: new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" }),
  dayMonthYear: new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" }),
  weekdayDayMonth: new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short" }),
  full: new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", year: "numeric" }),
};

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
