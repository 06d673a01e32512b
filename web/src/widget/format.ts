// What the widget writes around messages, free of the DOM for unit tests:
// initials for avatars, a text colour readable on the inbox's brand
// colour, times and day separators, and how messages group.

// initials are what an avatar shows of a name: the first letters of its
// first and last words ("Alice Martin" → "AM"), or its first character
// when it is one word or written without spaces ("李娜" → "李").
export function initials(name: string): string {
  // what is in brackets is a remark ("Demo Shop (pre-chat form)"), and
  // words start with a letter or digit
  const words = name.replace(/\([^)]*\)?|\[[^\]]*\]?/g, " ").split(/\s+/).map((w) => w.replace(/^[^\p{L}\p{N}]+/u, "")).filter(Boolean);
  if (words.length === 0) return "";
  const first = Array.from(words[0])[0] ?? "";
  if (words.length === 1 || !/^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u.test(first)) return first.toUpperCase();
  return (first + (Array.from(words[words.length - 1])[0] ?? "")).toUpperCase();
}

// luminance is a "#rrggbb" colour's relative luminance (WCAG 2.1).
export function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

// contrast is the WCAG contrast ratio of two "#rrggbb" colours.
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// The text colours the widget puts on a brand colour.
export const light = "#ffffff";
export const dark = "#111318";

// onColor is the text colour to write on a brand colour: white or near
// black, whichever reads better, or black for the mid greys where neither
// reaches 4.5:1 (white or black always does).
export function onColor(brand: string): string {
  const w = contrast(brand, light);
  const d = contrast(brand, dark);
  if (Math.max(w, d) >= 4.5) return w >= d ? light : dark;
  return w >= contrast(brand, "#000000") ? light : "#000000";
}

// validColor reports a colour the edge sends for an inbox: "#rrggbb".
export function validColor(c: unknown): c is string {
  return typeof c === "string" && /^#[0-9a-fA-F]{6}$/.test(c);
}

// dayKey names the local day of a time, for separators.
export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

// dayLabel is a day separator's text: "Today", "Yesterday", or the date
// ("Mon, 3 Mar"; with the year when it is another year's).
export function dayLabel(ts: number, now: number, locale: string, words: { today: string; yesterday: string }): string {
  const day = new Date(ts);
  const today = new Date(now);
  if (dayKey(ts) === dayKey(now)) return words.today;
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(ts) === dayKey(yesterday.getTime())) return words.yesterday;
  const opts: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short" };
  if (day.getFullYear() !== today.getFullYear()) opts.year = "numeric";
  return new Intl.DateTimeFormat(locale, opts).format(day);
}

// timeLabel is a message's time of day ("14:05", "2:05 PM").
export function timeLabel(ts: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }).format(new Date(ts));
}

// fullTime is a message's date and time, for its title.
export function fullTime(ts: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(ts));
}

// A message starts a new group (its author's name and avatar shown again)
// after another author's, or this long after the last one.
export const groupGap = 5 * 60 * 1000;

// Said is what grouping needs of a message.
export interface Said {
  who: string; // customer or agent
  actor?: string; // who of the agents
  ts?: number;
}

// sameGroup reports whether b continues a's group: same author, same day,
// within groupGap.
export function sameGroup(a: Said | undefined, b: Said): boolean {
  if (!a || a.who !== b.who || (a.actor ?? "") !== (b.actor ?? "")) return false;
  if (a.ts === undefined || b.ts === undefined) return true;
  return b.ts - a.ts < groupGap && dayKey(a.ts) === dayKey(b.ts);
}

// links splits text into plain runs and web addresses (http and https
// only), which the widget shows as links; anything else stays text.
export function links(text: string): { text: string; href?: string }[] {
  const out: { text: string; href?: string }[] = [];
  let last = 0;
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"']+/gi)) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, ""); // trailing punctuation is the sentence's
    let href = "";
    try {
      href = new URL(url).href;
    } catch {
      continue; // not an address after all: stays text
    }
    const at = m.index ?? 0;
    if (at > last) out.push({ text: text.slice(last, at) });
    out.push({ text: url, href });
    last = at + url.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
