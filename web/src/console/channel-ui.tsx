// How the console shows the channel a conversation came by: its icon
// (named for assistive technology and the pointer) on the customer's
// avatar in the list and the header, a social customer's platform profile
// in the side panel, the reply window's banner above the reply box, and
// what became of each reply (channels.ts and reply-window.ts say what).

import { useEffect, useState } from "react";
import type { Delivery } from "../protocol.gen";
import { channelInfo, chatMark, Mark, MarkIcons, Profile } from "./channels";
import { Icon } from "./icons";
import { Avatar } from "./ui";
import { nextChange, ReplyWindow, replyWindow } from "./reply-window";
import { full } from "./timeline";

// ChannelIcon is a channel's icon, named after it ("WhatsApp").
export function ChannelIcon({ channel, size = 12 }: { channel?: string; size?: number }) {
  const c = channelInfo(channel);
  return <Icon name={c.icon} size={size} label={c.label} className="channel-icon" />;
}

// ChannelAvatar is a customer's avatar with their channel's icon on its
// corner, the same in the list and the conversation's header.
export function ChannelAvatar({ id, name, channel, size }: { id: string; name: string; channel?: string; size?: "sm" | "lg" }) {
  return (
    <span className={`channel-avatar${size ? ` ${size}` : ""}`} data-channel={channelInfo(channel).id || "web"}>
      <Avatar id={id} name={name} size={size} />
      <span className="channel-badge"><ChannelIcon channel={channel} size={size === "lg" ? 14 : 12} /></span>
    </span>
  );
}

// PlatformProfile is a social customer's profile on their platform: its
// name and icon, their handle, and a link to their page there. Their
// picture is not loaded (channels.ts): the avatar keeps their initials.
export function PlatformProfile({ profile: p, channel }: { profile: Profile; channel?: string }) {
  return (
    <section className="platform-profile" aria-label={`${p.platform} profile`}>
      <span className="platform-mark"><ChannelIcon channel={channel} size={18} /></span>
      <div className="platform-text">
        <p className="platform-name">{p.platform}</p>
        {p.handle ? <p className="platform-handle" title={`Handle on ${p.platform}`}>{p.handle}</p>
          : <p className="platform-handle none">No public handle</p>}
      </div>
      {p.url && (
        <a className="btn sm platform-open" href={p.url} target="_blank" rel="noopener noreferrer">
          Open on {p.platform}<span className="sr-only"> (opens in a new tab)</span><Icon name="openIn" size={14} />
        </a>
      )}
    </section>
  );
}

// useWindow is where a conversation's reply window stands now, drawn
// again as its minutes go by and when it closes.
export function useWindow(channel: string | undefined, customerAt: number | undefined, replies: number): ReplyWindow {
  const [now, setNow] = useState(() => Date.now());
  const w = replyWindow(channel, customerAt, now, replies);
  const wait = nextChange(w, now);
  useEffect(() => {
    if (!wait) return;
    const t = setTimeout(() => setNow(Date.now()), wait);
    return () => clearTimeout(t);
  }, [now, wait, channel, customerAt]);
  // a conversation opened later is judged at once, not at the next tick
  useEffect(() => setNow(Date.now()), [channel, customerAt, replies]);
  return w;
}

// WindowBanner says, above the reply box, how long the agent may still
// reply on the customer's platform, or that the window closed; action is
// what the agent can do then (WhatsApp's: send a template), at its end.
export function WindowBanner({ window: w, id, action }: { window: ReplyWindow; id: string; action?: React.ReactNode }) {
  if (w.state === "none") return null;
  const icon = w.state === "closed" ? "lock" : w.state === "closing" ? "alert" : "clock";
  const title = w.why === "replies" ? undefined : `${w.state === "closed" ? "Closed" : "Closes"} ${full(w.closes)}`;
  if (!action) {
    return (
      <p className={`reply-window ${w.state}`} id={id} title={title}>
        <Icon name={icon} size={14} /><span>{w.text}</span>
      </p>
    );
  }
  // the words alone describe the reply box: the action is a control of its own
  return (
    <div className={`reply-window ${w.state} has-action`}>
      <Icon name={icon} size={14} /><span id={id} title={title}>{w.text}</span>
      {action}
    </div>
  );
}

// DeliveryMark is what became of a reply sent through a messaging
// platform, under its bubble: the ticks and a word, and, when it did not
// arrive, the platform's reason behind a button (and in its tooltip).
export function DeliveryMark({ delivery, seq }: { delivery?: Delivery; seq: number }) {
  const m = chatMark(delivery);
  const [open, setOpen] = useState(false);
  if (m.state === "failed" && m.detail) {
    const id = `why-${seq}`;
    return (
      <div className="chat-delivery failed">
        <button type="button" className="chat-delivery-why" aria-expanded={open} aria-controls={open ? id : undefined} title={m.detail}
          aria-label={`${m.text}: why`} onClick={() => setOpen((o) => !o)}>
          <MarkIcon mark={m} />{m.text}<Icon name="chevronDown" size={12} className="chev" />
        </button>
        {open && <p className="chat-delivery-detail" id={id}>{m.detail.charAt(0).toUpperCase() + m.detail.slice(1)}</p>}
      </div>
    );
  }
  return (
    <p className={`chat-delivery ${m.state}`} title={m.detail || undefined}>
      <MarkIcon mark={m} />{m.text}
    </p>
  );
}

// MarkIcon is a delivery's icon, the same for mail and chat.
export function MarkIcon({ mark }: { mark: Pick<Mark, "state"> }) {
  return <Icon name={MarkIcons[mark.state]} size={mark.state === "delivered" || mark.state === "read" ? 14 : 12} />;
}
