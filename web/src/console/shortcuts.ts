// The console's keyboard shortcuts: which key does what, and when a key is
// the agent's typing rather than a shortcut (Ctrl+K searches even then).
// Free of the DOM's objects, so unit tests drive it.

export type Action = "next" | "previous" | "assign" | "solve" | "reply" | "canned" | "help" | "search" | "find" | "views";

// Shortcuts lists them for the help overlay, in its order.
export const Shortcuts: { keys: string[]; action: Action; what: string }[] = [
  { keys: ["j"], action: "next", what: "Next conversation" },
  { keys: ["k"], action: "previous", what: "Previous conversation" },
  { keys: ["a"], action: "assign", what: "Assign the conversation to me" },
  { keys: ["e"], action: "solve", what: "Solve the conversation" },
  { keys: ["r"], action: "reply", what: "Write a reply" },
  { keys: ["/"], action: "canned", what: "Canned responses, in the reply box" },
  { keys: ["s"], action: "search", what: "Filter the conversation list" },
  { keys: ["v"], action: "views", what: "Switch the list's view" },
  { keys: ["Ctrl", "K"], action: "find", what: "Search every message (⌘K on a Mac), from anywhere" },
  { keys: ["?"], action: "help", what: "Show these shortcuts" },
];

// the single keys; Ctrl+K (find) is a chord, read by itself
const byKey = new Map(Shortcuts.filter((s) => s.keys.length === 1).flatMap((s) => s.keys.map((k) => [k, s.action] as const)));

// KeyPress is what a shortcut needs of a keydown event.
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  target?: { tagName?: string; isContentEditable?: boolean; type?: string; getAttribute?(name: string): string | null } | null;
}

// typing says whether a key goes to a field the agent is typing in (text
// fields, text areas, editable content, and open menus and dialogs, which
// have keys of their own).
export function typing(target: KeyPress["target"]): boolean {
  if (!target) return false;
  const tag = (target.tagName ?? "").toUpperCase();
  if (target.isContentEditable) return true;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !["checkbox", "radio", "button", "submit", "reset", "file"].includes((target.type ?? "text").toLowerCase());
  const role = target.getAttribute?.("role") ?? "";
  return role === "menuitem" || role === "menuitemradio" || role === "menuitemcheckbox" || role === "option";
}

// shortcut is the action of a key press, or undefined when it is none (a
// modifier is held, or the agent is typing).
export function shortcut(ev: KeyPress): Action | undefined {
  // Ctrl+K (⌘K) searches from anywhere, a text field too, as in most apps
  if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === "k") return "find";
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return undefined;
  if (typing(ev.target)) return undefined;
  return byKey.get(ev.key);
}
