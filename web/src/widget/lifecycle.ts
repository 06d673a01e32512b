// What the widget follows of its conversation's lifecycle: a closed
// conversation is final (the edge refuses the customer's messages into
// it), so the widget forgets it and the customer's next message opens a
// new one. Free of the DOM, so unit tests drive it.

import type { Item, OutFrame } from "./protocol";

// firstStart is the client id of the visitor's first conversation: every
// tab (and, for a signed-in user, every device) opens the same one.
export const firstStart = "web";

// nextStart is the client id of the conversation after closed one: the
// same for every tab that saw it close, so they all open the same new
// one. A conversation id is 27 characters: well within the edge's 64.
export function nextStart(closed: string): string {
  return "after-" + closed;
}

// closes says whether an event (or a history page's conversation) shows
// conv closed: a status item, or the conversation the frame carries.
export function closes(conv: string, it?: Pick<Item, "conv" | "kind" | "status">, c?: { id: string; status: string }): boolean {
  if (!conv) return false;
  if (c && c.id === conv && c.status === "closed") return true;
  return !!it && it.conv === conv && it.kind === "status" && it.status === "closed";
}

// refusedClosed says whether the edge refused a message because its
// conversation is closed ("the conversation is closed: open a new one").
export function refusedClosed(f: Pick<OutFrame, "type" | "code" | "message">): boolean {
  return f.type === "error" && f.code === "invalid" && /\bconversation is closed\b/.test(f.message ?? "");
}
