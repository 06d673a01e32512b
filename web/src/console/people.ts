// How the console names people: one rule for customers and one for agents,
// used by every list, header, panel and menu, so that the same person has
// the same name everywhere. Free of the DOM, so unit tests drive it.

import type { Agent, Contact } from "../protocol.gen";

// Customer is what names a customer: a conversation's contact_name (their
// name, else their e-mail address, as the edge keeps it) and contact id, or
// a contact record's name, email and id.
export interface Customer {
  name?: string;
  email?: string;
  id?: string;
}

// customerName is a customer's display name: their name, else their e-mail
// address, else "Visitor" and a short suffix of their id that stays the
// same for the same visitor ("Visitor 7KQ2").
export function customerName(c: Customer): string {
  return c.name?.trim() || c.email?.trim() || visitorName(c.id ?? "");
}

// ofConversation is the Customer of a conversation record.
export function ofConversation(c: { contact?: string; contact_name?: string }): Customer {
  return { name: c.contact_name, id: c.contact };
}

// ofContact is the Customer of a contact record.
export function ofContact(c: Pick<Contact, "id" | "name" | "email">): Customer {
  return { name: c.name, email: c.email, id: c.id };
}

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford's base 32: no I, L, O, U

// visitorName names an anonymous visitor by a hash of their contact id:
// four characters, so that two visitors are told apart at a glance.
export function visitorName(id: string): string {
  if (!id) return "Visitor";
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let s = "";
  for (let i = 0; i < 4; i++) {
    s += alphabet[h & 31];
    h >>>= 5;
  }
  return `Visitor ${s}`;
}

// agentName is an agent's display name: their name, else their e-mail
// address; an agent the console does not know (yet) is "An agent", never
// their id.
export function agentName(id: string, team: Map<string, Agent>): string {
  const a = team.get(id);
  return a?.name?.trim() || a?.email || "An agent";
}

// initials are up to two letters of a name for an avatar: "Ada Lovelace"
// → "AL", "kim@x.test" → "K", "Visitor 7KQ2" → "V".
export function initials(name: string): string {
  const base = name.includes("@") ? name.split("@")[0] : name;
  if (base.startsWith("Visitor ")) return "V";
  const words = base.split(/[\s._-]+/).filter((w) => /\p{L}|\p{N}/u.test(w));
  if (words.length === 0) return "?";
  const first = (w: string) => Array.from(w)[0].toUpperCase();
  // a Chinese, Japanese or Korean character is a syllable of its own: one
  // reads better than one mixed with a Latin letter ("微信用户 Li": 微)
  const cjk = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
  return words.length === 1 || cjk.test(words[0]) ? first(words[0]) : first(words[0]) + first(words[words.length - 1]);
}

// hue picks one of the avatar colours (0–7) for a person's id, the same
// everywhere.
export function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 8;
}
