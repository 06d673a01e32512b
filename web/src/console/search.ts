// Searching the tenant's messages (docs/search.md): the search frame, its
// answer, and a hit's snippet cut into pieces to show with the matches
// marked. The edge gives the matches as [start, end) ranges of Unicode
// code points of the snippet (not UTF-16 units, not bytes), so an emoji
// or a Chinese character counts one. Free of the DOM, so unit tests drive
// it; the page draws the pieces as React nodes, never as HTML.

import type { Conversation, InFrame, OutFrame } from "../protocol.gen";

// SearchHit is a message a search found: its conversation (as lists show
// it), its sequence, time and author's kind, whether it is a private
// note, and a snippet with the matches marked.
export interface SearchHit {
  conversation: Conversation;
  seq: number;
  ts: number;
  actor_kind: string;
  private?: boolean;
  snippet: string;
  marks: [number, number][];
}

// Answer is what a search found: the best hits (at most 50) and how many
// messages match in all.
export interface Answer {
  hits: SearchHit[];
  total: number;
}

// maxQuery is the longest query the edge takes, in characters.
export const maxQuery = 200;

// queryProblem says what is wrong with a query before it is sent ("" when
// nothing): the edge refuses an empty one and one over 200 characters.
export function queryProblem(text: string): string {
  const t = text.trim();
  if (t === "") return "Type a word to search for.";
  const n = Array.from(t).length;
  if (n > maxQuery) return `A search is at most ${maxQuery} characters: this one has ${n}.`;
  return "";
}

// searchFrame is the frame that searches for text (the generated InType
// may not list "search" yet: the edge has it).
export function searchFrame(text: string, limit = 50): InFrame {
  return { type: "search" as InFrame["type"], text: text.trim(), limit };
}

// answerOf reads the edge's answer to a search: the hits, or the reason it
// gave for refusing.
export function answerOf(r: OutFrame): Answer | { error: string } {
  if (r.type === "error") return { error: r.message || r.code || "the edge did not answer" };
  const f = r as OutFrame & { hits?: SearchHit[]; total?: number };
  if ((r.type as string) !== "search") return { error: "the edge answered something else" };
  const hits = f.hits ?? [];
  return { hits, total: Math.max(f.total ?? 0, hits.length) };
}

// Piece is a part of a snippet: a match (mark) or the text between.
export interface Piece {
  text: string;
  mark: boolean;
}

// highlight cuts a snippet at its marks, which are [start, end) ranges of
// code points. Ranges are sorted and overlapping or touching ones joined;
// a range outside the snippet is cut to it, an empty or reversed one left
// out. What is not marked keeps its text as it is.
export function highlight(snippet: string, marks: readonly (readonly [number, number])[] | undefined): Piece[] {
  const cps = Array.from(snippet);
  const n = cps.length;
  const ranges = (marks ?? [])
    .filter((m) => Array.isArray(m) && Number.isInteger(m[0]) && Number.isInteger(m[1]))
    .map(([a, b]) => [Math.max(0, a), Math.min(n, b)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const joined: [number, number][] = [];
  for (const r of ranges) {
    const last = joined[joined.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else joined.push([r[0], r[1]]);
  }
  const out: Piece[] = [];
  let at = 0;
  for (const [a, b] of joined) {
    if (a > at) out.push({ text: cps.slice(at, a).join(""), mark: false });
    out.push({ text: cps.slice(a, b).join(""), mark: true });
    at = b;
  }
  if (at < n || out.length === 0) out.push({ text: cps.slice(at).join(""), mark: false });
  return out.filter((p, i) => p.text !== "" || i === 0);
}

// authorOf says who wrote a hit, for its line: the customer, an agent, a
// private note (agents only), the system.
export function authorOf(h: Pick<SearchHit, "actor_kind" | "private">): string {
  if (h.private) return "Private note";
  switch (h.actor_kind) {
    case "customer": return "Customer";
    case "agent": return "Agent";
    default: return "Automatic";
  }
}

// totalText says how many matched: "1 message", "12 messages", "120
// messages · the best 50".
export function totalText(a: Answer): string {
  const n = a.total;
  const what = `${n} ${n === 1 ? "message" : "messages"}`;
  return a.hits.length < n ? `${what} · the best ${a.hits.length} shown` : what;
}
