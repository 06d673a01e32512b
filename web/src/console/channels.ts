// The channels a conversation comes by, as the console names and draws
// them (the web's chat widget, the API, e-mail and the messaging
// platforms of edge/channels), a social customer's platform profile, and
// what became of an agent's reply sent through a platform. Free of the
// DOM, so unit tests drive it; channel-ui.tsx draws it.

import type { Contact, Delivery } from "../protocol.gen";
import type { IconName } from "./icons";
import { clock } from "./timeline";

export interface ChannelInfo {
  id: string; // the conversation's channel: "" is the web
  label: string; // the platform's name, as people write it: "WhatsApp"
  icon: IconName;
  social: boolean; // a messaging platform: replies go through it
}

// Channels are every channel the edge opens conversations on, in the
// order the console lists them.
export const Channels: ChannelInfo[] = [
  { id: "", label: "Web chat", icon: "web", social: false },
  { id: "email", label: "E-mail", icon: "mail", social: false },
  { id: "api", label: "API", icon: "api", social: false },
  { id: "whatsapp", label: "WhatsApp", icon: "whatsapp", social: true },
  { id: "wechat", label: "WeChat", icon: "wechat", social: true },
  { id: "wecom", label: "WeCom", icon: "wecom", social: true },
  { id: "telegram", label: "Telegram", icon: "telegram", social: true },
  { id: "x", label: "X", icon: "x", social: true },
];

const byId = new Map(Channels.map((c) => [c.id, c]));

// channelInfo is a channel's name and icon; "web" is the web's too, and a
// channel this console does not know yet is shown by its id, with the
// inbox icon.
export function channelInfo(channel?: string): ChannelInfo {
  const id = channel === "web" ? "" : channel ?? "";
  return byId.get(id) ?? { id, label: id.charAt(0).toUpperCase() + id.slice(1), icon: "inbox", social: false };
}

// Profile is what a social customer's platform says of them, from the
// contact's attributes that the edge's channels keep: the platform's
// name, the customer's handle there, and their page on it (https only).
// Their picture (attributes.avatar) is never loaded: an image from the
// platform would tell it who reads the conversation, and when.
export interface Profile {
  platform: string;
  icon: IconName;
  handle: string;
  url: string; // "" when there is none, or it is not https
}

// ProfileKeys are the contact attributes the profile is made of: the
// panel shows them as the profile, not as attributes.
export const ProfileKeys = ["channel", "handle", "avatar", "profile_url"];

// profile reads a social conversation's customer's platform profile, or
// null for a conversation of another channel.
export function profile(channel: string | undefined, contact: Pick<Contact, "attributes"> | null): Profile | null {
  const c = channelInfo(channel);
  if (!c.social) return null;
  const a = contact?.attributes ?? {};
  return { platform: a.channel?.trim() || c.label, icon: c.icon, handle: a.handle?.trim() ?? "", url: httpsURL(a.profile_url) };
}

// httpsURL is u when it is an https address, else "".
export function httpsURL(u?: string): string {
  if (!u) return "";
  try {
    return new URL(u).protocol === "https:" ? u : "";
  } catch {
    return "";
  }
}

// Mark is what an agent's reply shows of its delivery, in one design
// for every channel: a tick for sent, two for delivered, two in the
// accent colour for read, a clock while it is on its way, arrows going
// round while it is tried again, and a warning in the error colour when
// it did not arrive (detail: the platform's or the relay's reason).
export interface Mark {
  state: "sending" | "sent" | "delivered" | "read" | "deferred" | "failed";
  text: string;
  detail: string;
}

// MarkIcons are the marks' icons, shared by mail cards and chat bubbles.
export const MarkIcons: Record<Mark["state"], IconName> = {
  sending: "clock", sent: "check", delivered: "checks", read: "checks", deferred: "refresh", failed: "alert",
};

// chatMark is what a reply sent through a messaging platform shows,
// from the latest delivery item that refers to it: "Sending…" until there
// is one, "Sent", "Delivered", "Read", "Sending again…" (the platform
// could not take it yet: the edge tries again), or "Not delivered" with
// the platform's reason.
export function chatMark(d?: Delivery): Mark {
  const detail = d?.detail?.trim() ?? "";
  switch (d?.status) {
    case undefined:
      return { state: "sending", text: "Sending…", detail: "" };
    case "sent":
      return { state: "sent", text: "Sent", detail };
    case "delivered":
      return { state: "delivered", text: "Delivered", detail };
    case "read":
      return { state: "read", text: "Read", detail };
    case "deferred": {
      const when = d.next ? `Trying again at ${clock(d.next)}${d.attempts ? ` (attempt ${d.attempts})` : ""}` : "";
      return { state: "deferred", text: "Sending again…", detail: [when, detail].filter(Boolean).join(": ") };
    }
    case "failed":
      return { state: "failed", text: "Not delivered", detail };
  }
  return { state: "sending", text: d?.status ?? "", detail };
}
