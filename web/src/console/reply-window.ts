// The messaging platforms' reply windows: how long after the customer's
// last message an agent may still reply there, and, for WeCom, how many
// replies one customer message allows. The edge refuses a reply past
// them (edge/conversation/platforms.go, with the platforms' limits of
// edge/channels/*); the console says where the window stands before the
// agent writes. Keep this table in step with docs/channels.md.

import { channelInfo } from "./channels";

export interface WindowRule {
  hours: number; // a free-form reply may go this long after the customer's last message
  replies?: number; // and at most this many replies to each customer message
  templates?: boolean; // past it, an approved template still goes (WhatsApp's)
}

export const Windows: Record<string, WindowRule> = {
  whatsapp: { hours: 24, templates: true },
  wechat: { hours: 48 },
  wecom: { hours: 48, replies: 5 },
};

// Closing is how long before the window closes that it is said in the
// warning colour.
export const Closing = 60 * 60_000;

// ReplyWindow is where a conversation's window stands: none (its channel
// has no window, or the customer has not written), open, closing (under
// an hour left) or closed (by time, or by replies).
export type ReplyWindow =
  | { state: "none" }
  | { state: "open" | "closing" | "closed"; text: string; closes: number; why?: "time" | "replies"; repliesLeft?: number };

// replyWindow says where the window of a conversation of channel stands
// at now, the customer having last written at customerAt (unix ms) and
// the agents having replied replies times since.
export function replyWindow(channel: string | undefined, customerAt: number | undefined, now: number, replies = 0): ReplyWindow {
  const rule = Windows[channel ?? ""];
  if (!rule || !customerAt) return { state: "none" };
  const label = channelInfo(channel).label;
  const closes = customerAt + rule.hours * 3600_000;
  const left = closes - now;
  if (left <= 0) {
    return { state: "closed", why: "time", closes,
      text: `The ${rule.hours}-hour window closed ${ago(-left)} ago. ${label} ${rule.templates
        ? "takes only an approved template until the customer writes again."
        : "lets you reply once the customer writes again."}` };
  }
  let more = "";
  let repliesLeft: number | undefined;
  if (rule.replies) {
    repliesLeft = Math.max(0, rule.replies - replies);
    if (repliesLeft === 0) {
      return { state: "closed", why: "replies", closes, repliesLeft,
        text: `${label} allows ${rule.replies} replies to each customer message, and all ${rule.replies} are sent. ${label} lets you reply once the customer writes again.` };
    }
    more = ` · ${repliesLeft} ${repliesLeft === 1 ? "reply" : "replies"} left`;
  }
  return { state: left < Closing ? "closing" : "open", closes, repliesLeft, text: `${label}: you can reply for ${span(left)}${more}` };
}

// nextChange is how long until what replyWindow says changes (its
// minutes, or its state): the banner draws again then.
export function nextChange(w: ReplyWindow, now: number): number {
  if (w.state === "none") return 0;
  const left = w.closes - now;
  // on the minute of the window's own clock, a moment after, so that a
  // state change lands at once and the minutes count down in step
  const step = ((left % 60_000) + 60_000) % 60_000;
  return (step || 60_000) + 50;
}

// span is a time left, to the minute (rounded down: never more than
// there is): "3 h 12 min", "3 h", "42 min", "less than a minute".
export function span(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return "less than a minute";
  const h = Math.floor(min / 60), m = min % 60;
  if (h === 0) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

// ago is a time since, coarser: "12 min", "2 h", "3 days".
export function ago(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return "less than a minute";
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

// repliesSince counts the replies (agents' and rules' messages that are
// not notes) after the customer's last message, of the items loaded.
export function repliesSince(items: { kind: string; actor_kind?: string; private?: boolean; ts: number }[], customerAt?: number): number {
  if (!customerAt) return 0;
  let n = 0;
  for (const it of items) if (it.kind === "message" && it.actor_kind !== "customer" && !it.private && it.ts > customerAt) n++;
  return n;
}
