// E-mail conversations in the console, free of the DOM so unit tests
// drive it: how addresses are written and read back, whom "Reply all"
// adds, what a received mail's SPF, DKIM and DMARC verdicts say, and what
// became of an agent's reply sent as mail.

import type { Address, Delivery, Email, Item } from "../protocol.gen";
import { clock } from "./timeline";

// formatAddress writes an address as mail clients do: "Name <address>",
// or the bare address when it has no name.
export function formatAddress(a: Address): string {
  const name = a.name?.trim();
  return name ? `${name} <${a.address}>` : a.address;
}

// addressLabel is an address for a chip or a compact header: the name
// when it has one, else the address.
export function addressLabel(a: Address): string {
  return a.name?.trim() || a.address;
}

// key is what makes two addresses the same mailbox: the address in lower
// case, without a "+tag" in its local part (support+t0k3n@ is support@).
export function addressKey(address: string): string {
  const [local, domain] = splitAt(address.trim().toLowerCase());
  return `${local.replace(/\+.*$/, "")}@${domain}`;
}

const splitAt = (a: string): [string, string] => {
  const i = a.lastIndexOf("@");
  return i < 0 ? [a, ""] : [a.slice(0, i), a.slice(i + 1)];
};

// addressError says what is wrong with an address as the edge would
// (event.Address.Check), in words for the agent, or "" when it is fine:
// one @ with something before and a dotted domain after, no spaces,
// at most 254 characters.
export function addressError(address: string): string {
  const a = address.trim();
  const shown = a.length > 60 ? a.slice(0, 57) + "…" : a;
  if (a === "") return "Give an e-mail address.";
  if (a.length > 254) return `“${shown}” is longer than an e-mail address can be.`;
  const at = a.indexOf("@");
  if (at < 0) return `“${shown}” is not an e-mail address: it has no @.`;
  const local = a.slice(0, at), domain = a.slice(at + 1);
  if (/[\s<>,;"()\\[\]\u0000-\u001f\u007f]/.test(a) || local === "" || domain.includes("@"))
    return `“${shown}” is not an e-mail address.`;
  if (!/^[^.](.*[^.])?\.[^.]+$/.test(domain) || domain.includes(".."))
    return `“${shown}” is not an e-mail address: check the part after the @.`;
  return "";
}

// parseAddresses reads what an agent typed or pasted into a recipients
// field: addresses separated by commas, semicolons or new lines, each a
// bare address or "Name <address>". It returns the addresses and the
// error of the first one that is not an address ("" when all are).
export function parseAddresses(text: string): { addresses: Address[]; error: string } {
  const addresses: Address[] = [];
  // commas inside quotes or angle brackets do not separate
  const parts = text.match(/("[^"]*"|<[^>]*>|[^,;\n])+/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === "") continue;
    const m = /^(.*?)\s*<([^<>]*)>$/.exec(part);
    const name = m ? m[1].trim().replace(/^"(.*)"$/, "$1").trim() : "";
    const address = (m ? m[2] : part).trim();
    const error = addressError(address);
    if (error) return { addresses, error };
    addresses.push(name ? { name, address } : { address });
  }
  return { addresses, error: "" };
}

// addUnique appends the addresses of more that list does not have yet
// (as addressKey compares them, but a "+tag" counts: it may be a
// different mailbox for the agent's purposes, so only case is ignored).
export function addUnique(list: Address[], more: Address[]): Address[] {
  const have = new Set(list.map((a) => a.address.toLowerCase()));
  const out = list.slice();
  for (const a of more) {
    const k = a.address.toLowerCase();
    if (!have.has(k)) {
      have.add(k);
      out.push(a);
    }
  }
  return out;
}

// Thread is what the composer needs of an e-mail conversation's loaded
// history: the customer's address (the From of their latest mail), the
// inbox's own address, and the latest customer mail.
export interface Thread {
  customer?: Address;
  inbox?: string; // an address, compared with addressKey
  last?: Email;
}

// thread reads the loaded items of an e-mail conversation. The inbox's
// own address is the one the conversation's first customer mail was sent
// to (its first To): the console is not told the inbox's addresses, and
// that is the address the customer wrote to. Its plus-addresses (the
// support+<token>@ that replies come back to) count as the same.
export function thread(items: Item[]): Thread {
  const t: Thread = {};
  for (const it of items) {
    if (it.kind !== "message" || it.actor_kind !== "customer" || !it.email) continue;
    if (t.inbox === undefined && it.email.to?.length) t.inbox = it.email.to[0].address;
    if (it.email.from) t.customer = it.email.from;
    t.last = it.email;
  }
  return t;
}

// replyAll is whom "Reply all" sends to: the customer and the others the
// latest customer mail went to, To in To and Cc in Cc, without the
// inbox's own address (and its plus-addresses), without the customer
// twice, each address once.
export function replyAll(t: Thread): { to: Address[]; cc: Address[] } {
  const customer = t.customer ? [t.customer] : [];
  const mine = new Set([t.inbox, t.customer?.address].filter((a): a is string => !!a).map(addressKey));
  const others = (list: Address[] = []) => list.filter((a) => !mine.has(addressKey(a.address)));
  const to = addUnique(customer, others(t.last?.to));
  const cc = addUnique([], others(t.last?.cc)).filter((a) => !to.some((x) => x.address.toLowerCase() === a.address.toLowerCase()));
  return { to, cc };
}

// recipientsFrame is what a reply's message frame carries: to only when
// it is not just the customer (absent, the edge sends to the customer),
// cc when there are copies.
export function recipientsFrame(customer: Address | undefined, to: Address[], cc: Address[]): { to?: Address[]; cc?: Address[] } {
  const out: { to?: Address[]; cc?: Address[] } = {};
  const onlyCustomer = customer && to.length === 1 && to[0].address.toLowerCase() === customer.address.toLowerCase();
  if (to.length > 0 && !onlyCustomer) out.to = to.map(clean);
  if (cc.length > 0) out.cc = cc.map(clean);
  return out;
}

const clean = (a: Address): Address => (a.name?.trim() ? { name: a.name.trim(), address: a.address } : { address: a.address });

// Verdict is what the console says of a received mail's authentication.
export interface Verdict {
  state: "fail" | "pass" | "unknown";
  label: string; // "Sender not verified: DMARC fail", "Verified sender", ""
  detail: string; // every verdict: "SPF pass · DKIM fail · DMARC fail"
}

const failing = new Set(["fail", "softfail", "permerror"]);

// verdict reads a mail's SPF, DKIM and DMARC results. It warns when any
// of them failed (fail, softfail or permerror), naming the first of
// DMARC, DKIM and SPF that did; it calls the sender verified when DMARC
// passed, or without a DMARC result when SPF or DKIM passed; else it says
// nothing (none, neutral, temperror: nothing either way).
export function verdict(e: Pick<Email, "spf" | "dkim" | "dmarc">): Verdict {
  const all: [string, string | undefined][] = [["DMARC", e.dmarc], ["DKIM", e.dkim], ["SPF", e.spf]];
  const detail = all.slice().reverse().filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(" · ");
  const bad = all.find(([, v]) => v && failing.has(v));
  if (bad) return { state: "fail", label: `Sender not verified: ${bad[0]} ${bad[1]}`, detail };
  if (e.dmarc === "pass" || ((!e.dmarc || e.dmarc === "none") && (e.spf === "pass" || e.dkim === "pass")))
    return { state: "pass", label: "Verified sender", detail };
  return { state: "unknown", label: "", detail };
}

// DeliveryView is what an agent's reply sent as mail shows of its
// delivery.
export interface DeliveryView {
  state: "sending" | "sent" | "deferred" | "failed";
  text: string;
}

// deliveryView says what became of a reply's mail: "Sending…" until the
// edge reports, "Sent", "Retrying at 14:05 (attempt 3)" or "Not
// delivered: <the relay's answer>".
export function deliveryView(d?: Delivery): DeliveryView {
  if (!d) return { state: "sending", text: "Sending…" };
  switch (d.status) {
    case "sent":
      return { state: "sent", text: "Sent" };
    case "deferred": {
      const when = d.next ? ` at ${clock(d.next)}` : "";
      const attempt = d.attempts ? ` (attempt ${d.attempts})` : ""; // the attempts made so far

      return { state: "deferred", text: `Retrying${when}${attempt}` };
    }
    case "failed":
      return { state: "failed", text: d.detail ? `Not delivered: ${d.detail}` : "Not delivered" };
  }
  return { state: "sending", text: d.status };
}
