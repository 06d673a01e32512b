// The console's calls: the call button in a conversation's header, the
// call panel above its timeline, the incoming calls of other
// conversations (a card at the top right), and each call's line in the
// timeline. A customer's call rings (accept / decline, admins can listen
// in) until an agent answers, one declines or the edge's ring timeout
// ends it; "Call the customer" rings in their widget; a call going on is
// joined from either side. In a call: the customer's video, the timer and
// mute / camera / devices / hang up as icon buttons; then how it ended
// ("The customer left the call · 3:12", "The customer declined"). The
// media and signaling are ../call.ts's; this file only draws
// (docs/ui.md, "Calls").

import { createElement, useEffect, useRef, useState } from "react";
import type { IconNode } from "lucide";
import { Headphones, Mic, MicOff, Phone, PhoneIncoming, PhoneMissed, PhoneOff, Settings2, Video, VideoOff, X } from "lucide";
import { Call, type CallStats, type CallView, clock, ringTone, type Sender } from "../call";
import { type CallRecord, caller, answer, outcome, quality, talkTime } from "../calllog";
import type { Item, OutFrame } from "../widget/protocol";
import { type Conv, who } from "./inbox";
import * as prefs from "./prefs";
import { Avatar } from "./ui";
import { channelInfo } from "./channels";

// ringShown is how long after its start a customer's call still rings when
// the console hears of it from history (a live start always rings; the
// edge ends a call nobody answers, 45 s by default).
const ringShown = 60_000;

// endedShown is how long how the call ended stays in the panel.
const endedShown = 8_000;

// Desk holds the page's calls: the one call this console is in (one
// Call), the log of every call item it saw, the calls that ring, and
// the ring tone. Components read it through useDesk.
class Desk {
  call: Call | null = null;
  conv = ""; // the conversation of this page's call
  name = ""; // its customer, for the bar shown elsewhere
  stats: CallStats = { framesDecoded: 0, audioBytes: 0, voices: 0, layersSent: 0 };
  private fresh = new Set<string>(); // calls whose start arrived live
  private dismissed = new Set<string>(); // calls declined or put away here
  private listeners = new Set<() => void>();
  private tone?: () => void;
  private toneFor = "";
  private endTimer?: ReturnType<typeof setTimeout>;
  private ticker?: ReturnType<typeof setInterval>;

  connect(conn: Sender, token: () => string): void {
    this.call = new Call(conn, location.origin, token, () => this.changed(), "agent");
  }

  close(): void {
    this.call?.hangUp();
    this.call = null;
    this.setTone("");
  }

  // frame takes the edge's call_signal frames (true), and reads the
  // call items of events (false: the frame is the console's too).
  frame(f: OutFrame): boolean {
    if (f.type === "call_signal") {
      void this.call?.receive(f);
      return true;
    }
    if (f.type === "event" && f.item) this.note(f.item);
    return false;
  }

  // note reads an item: live, unless from history.
  note(it: Item, live = true): void {
    if (it.kind !== "call" || !it.call || !this.call) return;
    if (live && it.status === "started") this.fresh.add(it.call.id);
    this.call.note(it);
    this.changed();
  }

  // lost: the chat connection dropped, and the edge took the console out
  // of its call.
  lost(): void {
    this.call?.lost();
  }

  view(): CallView | null {
    return this.call?.view ?? null;
  }

  // active reports whether this page is in a call (or getting into one).
  active(): boolean {
    const s = this.call?.view.state;
    return s === "starting" || s === "ringing" || s === "live";
  }

  record(id: string): CallRecord | undefined {
    return this.call?.log.get(id);
  }

  going(conv: string): CallRecord | undefined {
    return this.call?.log.going(conv);
  }

  // ringing lists the customers' calls that ring for agents: not
  // answered, not declined or put away here, not this page's.
  ringing(): CallRecord[] {
    if (!this.call) return [];
    return this.call.log.ringing("agent", Date.now(), 24 * 3600_000).filter((r) =>
      !this.dismissed.has(r.id) && r.id !== this.call!.view.id && (this.fresh.has(r.id) || Date.now() - r.started!.ts < ringShown));
  }

  // start calls the customer of conv, or joins call (as role).
  async start(conv: Conv, opts: { call?: string; role?: string } = {}): Promise<void> {
    if (!this.call || this.active()) return;
    clearTimeout(this.endTimer);
    if (opts.call) this.dismissed.add(opts.call);
    this.conv = conv.id;
    this.name = who(conv);
    this.stats = { framesDecoded: 0, audioBytes: 0, voices: 0, layersSent: 0 };
    await this.call.start({ ...(opts.call ? { call: opts.call, role: opts.role } : { conv: conv.id }), video: opts.role !== "supervisor" });
  }

  async decline(id: string): Promise<void> {
    this.dismissed.add(id);
    this.changed();
    await this.call?.decline(id);
  }

  dismiss(id: string): void {
    this.dismissed.add(id);
    this.changed();
  }

  isDismissed(id: string): boolean {
    return this.dismissed.has(id);
  }

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private changed(): void {
    const v = this.call?.view;
    // the ended call shows for a while, then the panel goes
    if (v?.state === "ended" && !this.endTimer) {
      this.endTimer = setTimeout(() => {
        this.endTimer = undefined;
        this.call?.dismiss();
      }, endedShown);
    } else if (v?.state !== "ended" && this.endTimer) {
      clearTimeout(this.endTimer);
      this.endTimer = undefined;
    }
    // the timer and what is received, each second while live
    if (v?.state === "live" && !this.ticker) {
      this.ticker = setInterval(() => void this.call?.stats().then((s) => {
        this.stats = s;
        this.listeners.forEach((l) => l());
      }), 1000);
    } else if (v?.state !== "live" && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.setTone(v?.state === "ringing" ? "out" : this.ringing().length > 0 && !this.active() ? "in" : "");
    this.listeners.forEach((l) => l());
  }

  // setTone plays the ring of a call coming in ("in") or going out
  // ("out"), or none, as the agent's sound preference allows.
  private setTone(kind: string): void {
    if (kind && !prefs.load().sound) kind = "";
    if (kind === this.toneFor) return;
    this.tone?.();
    this.toneFor = kind;
    this.tone = kind ? ringTone(kind === "in") : undefined;
  }
}

// desk is the console's one.
export const desk = new Desk();

// useDesk renders again when the calls change.
function useDesk(): Desk {
  const [, set] = useState(0);
  useEffect(() => desk.subscribe(() => set((n) => n + 1)), []);
  return desk;
}

// I draws a Lucide icon, hidden from assistive technology: the control it
// sits in carries the words.
function I({ node, size = 18 }: { node: IconNode; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none"
      stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round">
      {node.map(([tag, attrs], i) => createElement(tag, { key: i, ...attrs }))}
    </svg>
  );
}

// RoundButton is a call control: an icon, its words in its label.
function RoundButton({ label, node, kind = "", onClick, pressed, expanded }: {
  label: string; node: IconNode; kind?: string; onClick: () => void; pressed?: boolean; expanded?: boolean;
}) {
  return (
    <button type="button" className={`call-round ${kind}`} aria-label={label} title={label} onClick={onClick}
      data-off={pressed ? "true" : undefined} aria-expanded={expanded}>
      <I node={node} size={20} />
    </button>
  );
}

// CallButton is the header's: call the customer, or join their call
// going on. Hidden while the agent is in a call, and in conversations
// that are not the widget's (a call rings in the widget).
export function CallButton({ conv }: { conv: Conv }) {
  const d = useDesk();
  if (channelInfo(conv.channel).id !== "") return null; // e-mail, the API, a messaging platform: no widget to ring
  if (d.active() && d.conv === conv.id) return null;
  if (d.ringing().some((r) => r.conv === conv.id)) return null; // the panel answers it
  const going = d.going(conv.id);
  if (going) {
    return (
      <button type="button" className="btn sm call-join" disabled={d.active()} onClick={() => void d.start(conv, { call: going.id })}>
        <I node={Video} size={15} />Join call
      </button>
    );
  }
  return (
    <button type="button" className="btn sm" disabled={d.active()} title={d.active() ? "You are in a call" : "Start a video call with the customer"}
      onClick={() => void d.start(conv)}>
      <I node={Phone} size={15} />Call the customer
    </button>
  );
}

// CallPanel shows the conversation's call: one ringing (accept, decline,
// listen in), one going on to join, or the agent's own (calling,
// connecting, in the call, how it ended); and, while the agent is in a
// call of another conversation, a bar back to it. Its data-frames,
// data-audio-bytes, data-voices and data-layers-sent say what arrives and
// goes out, which the browser tests read.
export function CallPanel({ conv, admin, names, onOpen }: {
  conv: Conv; admin: boolean; names: (agent: string) => string; onOpen?: (conv: string) => void;
}) {
  const d = useDesk();
  const v = d.view();
  if (!v) return null;
  const mine = v.state !== "idle" && d.conv === conv.id;
  if (mine && d.active()) return <OwnCall conv={conv} v={v} />;
  if (d.active()) {
    return (
      <section className="callpanel call-bar elsewhere" aria-label="Call" data-state="elsewhere">
        <I node={Phone} size={16} />
        <p role="status">In a call with {d.name}{v.state === "live" ? ` · ${clock(Date.now() - v.started)}` : ""}</p>
        {onOpen && <button type="button" className="btn sm" onClick={() => onOpen(d.conv)}>Back to the call</button>}
        <button type="button" className="btn sm danger" onClick={() => d.call?.hangUp()}><I node={PhoneOff} size={15} />Hang up</button>
      </section>
    );
  }
  const ringing = d.ringing().find((r) => r.conv === conv.id);
  if (ringing) {
    return (
      <section className="callpanel call-card incoming" aria-label="Call" data-state="incoming">
        <span className="call-ring"><Avatar id={conv.contact ?? conv.id} name={who(conv)} size="lg" /></span>
        <div className="call-words">
          <p className="call-title" role="status">{who(conv)} is calling</p>
          <p className="call-sub">Incoming video call · ringing <Since ts={ringing.started!.ts} /></p>
        </div>
        <div className="call-actions">
          <button type="button" className="btn decline" onClick={() => void d.decline(ringing.id)}><I node={PhoneOff} size={16} />Decline</button>
          {admin && (
            <button type="button" className="btn" title="Admins: hear the call without being heard" onClick={() => void d.start(conv, { call: ringing.id, role: "supervisor" })}>
              <I node={Headphones} size={16} />Listen in
            </button>
          )}
          <button type="button" className="btn accept" onClick={() => void d.start(conv, { call: ringing.id })}><I node={Video} size={16} />Accept</button>
        </div>
      </section>
    );
  }
  if (mine) return <OwnCall conv={conv} v={v} />; // how the agent's call ended
  const going = d.going(conv.id);
  if (going && !d.isDismissed(going.id)) {
    const a = answer(going);
    const people = [going.started!, ...going.joins].filter((x) => x.call?.role !== "supervisor").map((x) => person(x, conv, names));
    return (
      <section className="callpanel call-bar" aria-label="Call" data-state="joinable">
        <I node={Video} size={16} />
        <p role="status">{a ? "Call in progress" : "Calling the customer"} · {[...new Set(people)].join(", ")} · <Since ts={going.started!.ts} /></p>
        {admin && <button type="button" className="btn sm" onClick={() => void d.start(conv, { call: going.id, role: "supervisor" })}><I node={Headphones} size={15} />Listen in</button>}
        <button type="button" className="btn sm accept" onClick={() => void d.start(conv, { call: going.id })}><I node={Video} size={15} />Join</button>
      </section>
    );
  }
  return null;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// person names who an item's actor is, in a conversation.
function person(it: Item, conv: Conv, names: (agent: string) => string): string {
  if (it.actor_kind === "customer") return who(conv);
  if (it.actor_kind === "agent") return names(it.actor_id ?? "");
  return "Edgedesk";
}

// Since counts up from ts, m:ss.
function Since({ ts }: { ts: number }) {
  const [, set] = useState(0);
  useEffect(() => {
    const id = setInterval(() => set((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, []);
  return <span className="tabular">{clock(Date.now() - ts)}</span>;
}

// OwnCall is the call this console is in, in its conversation.
function OwnCall({ conv, v }: { conv: Conv; v: CallView }) {
  const d = desk;
  const s = d.stats;
  const data = { "data-frames": s.framesDecoded, "data-audio-bytes": s.audioBytes, "data-voices": s.voices, "data-layers-sent": s.layersSent };
  const name = who(conv);
  if (v.state === "starting" || v.state === "ringing") {
    const ringing = v.state === "ringing";
    return (
      <section className="callpanel call-card" aria-label="Call" data-state={ringing ? "ringing" : "connecting"} {...data}>
        <span className={ringing ? "call-ring" : ""}><Avatar id={conv.contact ?? conv.id} name={name} size="lg" /></span>
        <div className="call-words">
          <p className="call-title" role="status">{ringing ? `Calling ${name}…` : "Connecting…"}</p>
          <p className="call-sub">{ringing ? "Ringing in the customer's chat window" : v.role === "supervisor" ? "Listening in: nobody hears you" : "Getting your microphone and camera ready"}</p>
        </div>
        <div className="call-actions">
          <button type="button" className="btn decline hangup" onClick={() => d.call?.hangUp()}><I node={PhoneOff} size={16} />{ringing ? "Cancel" : "Hang up"}</button>
        </div>
      </section>
    );
  }
  if (v.state === "ended" || v.state === "failed") {
    const [title, more] = v.state === "failed" ? ["The call failed", v.error] : endedWords(v, name);
    return (
      <section className="callpanel call-card ended" aria-label="Call" data-state={v.state}>
        <span className={`call-icon${v.talked ? "" : " missed"}`}><I node={v.talked ? Phone : PhoneMissed} size={20} /></span>
        <div className="call-words">
          <p className="call-title" role="status">{title}</p>
          {more && <p className="call-sub">{more}</p>}
        </div>
        <div className="call-actions">
          {v.state === "ended" && v.role !== "supervisor" && <button type="button" className="btn" onClick={() => void d.start(conv)}><I node={Phone} size={16} />Call again</button>}
          <button type="button" className="btn icon-only" aria-label="Close" title="Close" onClick={() => d.call?.dismiss()}><I node={X} size={16} /></button>
        </div>
      </section>
    );
  }
  return <LiveCall conv={conv} v={v} data={data} />;
}

// endedWords says how the agent's call ended: a title and a line more.
function endedWords(v: CallView, name: string): [string, string] {
  const talked = v.talked ? ` · ${clock(v.talked)}` : "";
  const byCustomer = v.endedBy === "customer";
  if (v.endReason === "declined") return byCustomer ? [`${name} declined the call`, "You can keep writing in the conversation."] : ["The call was declined", ""];
  if (v.endReason === "no answer") return [v.outgoing ? `${name} didn't answer` : "Nobody answered in time", v.outgoing ? "They may be away from their screen. Try again later, or write to them." : ""];
  if (byCustomer && v.talked) return [`${name} left the call${talked}`, "The call ended."];
  if (byCustomer) return [`${name} hung up`, ""];
  if (v.endedBy === "" && v.outgoing && !v.talked) return ["Call cancelled", ""];
  return [`Call ended${talked}`, ""];
}

function LiveCall({ conv, v, data }: { conv: Conv; v: CallView; data: Record<string, number> }) {
  const d = desk;
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [open, setOpen] = useState(false);
  const [mic, setMic] = useState("");
  const [cam, setCam] = useState("");
  useEffect(() => {
    void navigator.mediaDevices?.enumerateDevices?.().then(setDevices).catch(() => undefined);
  }, []);
  const supervisor = v.role === "supervisor";
  return (
    <section className="callpanel call-live" aria-label="Call" data-state="live" {...data}>
      <div className="call-stage">
        {v.remote.length ? v.remote.map((s) => <Remote key={s.id} stream={s} label={`${who(conv)}'s video`} />) : (
          <div className="call-wait"><Avatar id={conv.contact ?? conv.id} name={who(conv)} size="lg" /><span>Waiting for video…</span></div>
        )}
        {!supervisor && v.cameraOn && <Self stream={d.call?.localStream()} />}
        <div className="call-top">
          <strong>{who(conv)}</strong>
          <p role="status" className="tabular">In call {clock(Date.now() - v.started)}</p>
          {v.recorded && <span className="rec" title="This call is recorded.">Recorded</span>}
          {supervisor && <span className="call-chip">{v.heard ? "Speaking" : "Listening in"}</span>}
        </div>
      </div>
      <div className="call-controls" role="toolbar" aria-label="Call controls">
        {supervisor && (
          <button type="button" className="btn sm" onClick={() => void d.call?.setHeard(!v.heard)}>{v.heard ? "Stop speaking" : "Speak in the call"}</button>
        )}
        <RoundButton label={v.muted ? "Unmute" : "Mute"} node={v.muted ? MicOff : Mic} pressed={v.muted} onClick={() => d.call?.setMuted(!v.muted)} />
        {!supervisor && <RoundButton label={v.cameraOn ? "Turn camera off" : "Turn camera on"} node={v.cameraOn ? Video : VideoOff} pressed={!v.cameraOn}
          onClick={() => d.call?.setCamera(!v.cameraOn)} />}
        <RoundButton label="Microphone and camera" node={Settings2} expanded={open} onClick={() => setOpen((o) => !o)} />
        <RoundButton label="Hang up" node={PhoneOff} kind="hangup" onClick={() => d.call?.hangUp()} />
      </div>
      {open && (
        <div className="call-devices">
          <label>Microphone <select className="select sm" value={mic} onChange={(e) => { setMic(e.target.value); if (e.target.value) void d.call?.useDevice("audio", e.target.value); }}>
            <option value="">Default</option>
            {devices.filter((x) => x.kind === "audioinput").map((x, i) => <option key={x.deviceId} value={x.deviceId}>{x.label || `Microphone ${i + 1}`}</option>)}
          </select></label>
          <label>Camera <select className="select sm" value={cam} onChange={(e) => { setCam(e.target.value); if (e.target.value) void d.call?.useDevice("video", e.target.value); }}>
            <option value="">Default</option>
            {devices.filter((x) => x.kind === "videoinput").map((x, i) => <option key={x.deviceId} value={x.deviceId}>{x.label || `Camera ${i + 1}`}</option>)}
          </select></label>
        </div>
      )}
    </section>
  );
}

function Remote({ stream, label }: { stream: MediaStream; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} autoPlay playsInline aria-label={label} />;
}

function Self({ stream }: { stream?: MediaStream }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && stream) ref.current.srcObject = stream;
  }, [stream]);
  return <video className="call-self" ref={ref} autoPlay playsInline muted aria-hidden="true" />;
}

// IncomingCalls shows the customers' calls ringing in conversations other
// than the open one, at the top right: answer opens the conversation and
// joins.
export function IncomingCalls({ convs, selected, onOpen }: { convs: Map<string, Conv>; selected: string; onOpen: (conv: string) => void }) {
  const d = useDesk();
  if (d.active()) return null;
  const list = d.ringing().filter((r) => r.conv !== selected && convs.has(r.conv));
  if (!list.length) return null;
  return (
    <div className="call-toasts" role="region" aria-label="Incoming calls" aria-live="polite">
      {list.slice(0, 3).map((r) => {
        const conv = convs.get(r.conv)!;
        return (
          <div key={r.id} className="call-toast" role="group" aria-label={`${who(conv)} is calling`}>
            <span className="call-ring"><Avatar id={conv.contact ?? conv.id} name={who(conv)} /></span>
            <div className="call-words">
              <p className="call-title">{who(conv)}</p>
              <p className="call-sub"><I node={PhoneIncoming} size={13} />Incoming video call</p>
            </div>
            <RoundButton label={`Decline ${who(conv)}'s call`} node={PhoneOff} kind="hangup" onClick={() => void d.decline(r.id)} />
            <RoundButton label={`Accept ${who(conv)}'s call`} node={Video} kind="accept" onClick={() => {
              onOpen(conv.id);
              void d.start(conv, { call: r.id });
            }} />
          </div>
        );
      })}
    </div>
  );
}

// CallEntry is a call's line in the timeline: while it goes on, who
// called; once ended, one summary (how it went, who called and who
// answered, how long they talked, why it ended, the quality of the
// media). Joinings are in the summary, not lines of their own.
export function CallEntry({ item, conv, names, time }: { item: Item; conv: Conv; names: (agent: string) => string; time: React.ReactNode }) {
  const d = useDesk();
  const id = item.call?.id ?? "";
  const r: CallRecord = d.record(id) ?? { id, conv: item.conv, joins: [], ...(item.status === "ended" ? { ended: item } : item.status === "started" ? { started: item } : {}) };
  if (item.status === "joined") return null;
  if (item.status === "started") {
    if (r.ended) return null; // the ended line says it all
    return (
      <li className="event call-entry going">
        <span><I node={Phone} size={14} />{cap(person(item, conv, names))} started a video call</span>{time}
      </li>
    );
  }
  const how = outcome(r);
  const from = caller(r);
  const end = item.call!;
  const customer = who(conv);
  const callerName = r.started ? person(r.started, conv, names) : "";
  const a = answer(r);
  const endedBy = person(item, conv, names);
  const title = cap(
    how === "talked" ? `Video call · ${clock(talkTime(r))}` :
    how === "declined" ? `Declined by ${endedBy}` :
    how === "missed" ? (from === "customer" ? `Missed call from ${customer}` : `${customer} didn't answer`) :
    from === "customer" ? `${customer} hung up before anyone answered` : "Call cancelled");
  const facts: string[] = [];
  if (callerName) facts.push(`${callerName} called`);
  if (a) facts.push(`${person(a, conv, names)} answered`);
  const listeners = r.joins.filter((j) => j.call?.role === "supervisor").map((j) => person(j, conv, names));
  if (listeners.length) facts.push(`${[...new Set(listeners)].join(", ")} listened in`);
  if (how === "talked") facts.push(`${item.actor_kind === "system" ? "Edgedesk" : endedBy} ended it (${end.reason ?? "hung up"})`);
  const q = quality(item);
  return (
    <li className={`event call-entry${how === "talked" ? "" : " missed"}`} data-call={id}>
      <div className="call-entry-card">
        <span className="call-entry-icon"><I node={how === "talked" ? Video : PhoneMissed} size={16} /></span>
        <div>
          <strong>{title}</strong>
          {facts.length > 0 && <span className="call-facts">{cap(facts.join(" · "))}</span>}
          {q && <span className="call-quality" title="What the media server received from the participants">{q}</span>}
        </div>
      </div>
      {time}
    </li>
  );
}

// callCss is the calls' style, on the console's tokens (design.ts), so
// that its light and dark themes apply.
export const callCss = `
:root { --call-accept: #1a7f45; --call-accept-hover: #156a39; --call-end: #c0322b; --call-end-hover: #a02822; }
.callpanel { border-bottom: 1px solid var(--border); background: var(--surface); color: var(--text); }
.callpanel p { margin: 0; }
.callpanel .tabular, .call-entry .tabular { font-variant-numeric: tabular-nums; }
.call-card { display: flex; align-items: center; gap: 14px; padding: 14px 20px; }
.call-card.incoming { background: var(--ok-soft); }
.call-words { flex: 1; min-width: 0; }
.call-title { font-weight: 600; font-size: var(--ed-text-lg); color: var(--text); line-height: 1.3; }
.call-sub { color: var(--muted); font-size: var(--ed-text-sm); display: flex; align-items: center; gap: 5px; }
.call-actions { display: flex; gap: 8px; align-items: center; }
.btn.accept, .btn.call-join { background: var(--call-accept); border-color: var(--call-accept); color: #fff; }
.btn.accept:hover:not(:disabled), .btn.call-join:hover:not(:disabled) { background: var(--call-accept-hover); border-color: var(--call-accept-hover); }
.btn.decline { background: var(--call-end); border-color: var(--call-end); color: #fff; }
.btn.decline:hover:not(:disabled) { background: var(--call-end-hover); border-color: var(--call-end-hover); }
.btn.icon-only { width: 34px; padding: 0; }
.call-ring { position: relative; display: inline-flex; border-radius: 50%; }
.call-ring::before, .call-ring::after { content: ""; position: absolute; inset: 0; border-radius: 50%; border: 2px solid var(--ed-color-success);
  opacity: 0; animation: call-pulse 2s ease-out infinite; }
.call-ring::after { animation-delay: 1s; }
@keyframes call-pulse { 0% { transform: scale(1); opacity: .6; } 100% { transform: scale(1.55); opacity: 0; } }
.call-icon { width: 40px; height: 40px; border-radius: 50%; display: grid; place-items: center; background: var(--accent-soft); color: var(--accent-text); }
.call-icon.missed { background: var(--danger-soft); color: var(--danger-text); }
.call-bar { display: flex; align-items: center; gap: 10px; padding: 8px 20px; background: var(--ok-soft); color: var(--ok-text); }
.call-bar p { flex: 1; color: var(--ok-text); font-size: var(--ed-text-sm); font-weight: 500; }
.call-live { background: #0d0f13; border-bottom: 0; }
.call-stage { position: relative; height: clamp(200px, 34vh, 360px); display: flex; background: #0d0f13; overflow: hidden; }
.call-stage > video:not(.call-self) { flex: 1; min-width: 0; width: 100%; height: 100%; object-fit: contain; background: #000; }
.call-wait { flex: 1; display: grid; place-items: center; align-content: center; gap: 10px; color: #c9ced8; font-size: var(--ed-text-sm); }
.call-self { position: absolute; right: 12px; bottom: 12px; width: 144px; aspect-ratio: 4 / 3; object-fit: cover; border-radius: 8px;
  border: 1px solid rgba(255,255,255,.3); background: #222; transform: scaleX(-1); box-shadow: 0 4px 14px rgba(0,0,0,.45); }
.call-top { position: absolute; top: 0; left: 0; right: 0; display: flex; align-items: center; gap: 10px; padding: 10px 14px;
  color: #fff; background: linear-gradient(rgba(0,0,0,.6), transparent); }
.call-top p { color: #e8eaee; font-size: var(--ed-text-sm); }
.rec { display: inline-flex; align-items: center; gap: 6px; font-size: var(--ed-text-xs); color: #ffd7d4; }
.rec::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #ff5449; }
.call-chip { font-size: var(--ed-text-xs); padding: 1px 8px; border-radius: 999px; background: rgba(255,255,255,.16); }
.call-controls { display: flex; justify-content: center; align-items: center; gap: 12px; padding: 10px; background: #15181e; }
.call-round { width: 44px; height: 44px; border-radius: 50%; border: 0; display: grid; place-items: center; cursor: pointer;
  background: #2a2f3a; color: #fff; transition: filter .12s; }
.call-round:hover { filter: brightness(1.2); }
.call-round:focus-visible { outline: 2px solid #9cb6ff; outline-offset: 2px; }
.call-round[data-off=true] { background: #fff; color: #15181e; }
.call-round.hangup { background: var(--call-end); color: #fff; width: 56px; border-radius: 22px; }
.call-round.accept { background: var(--call-accept); color: #fff; }
.call-devices { display: flex; gap: 16px; flex-wrap: wrap; padding: 8px 20px 12px; background: #15181e; color: #c9ced8; font-size: var(--ed-text-sm); }
.call-devices label { display: flex; align-items: center; gap: 8px; }
.call-toasts { position: fixed; top: 16px; right: 16px; z-index: 60; display: grid; gap: 10px; }
.call-toast { display: flex; align-items: center; gap: 12px; width: 340px; padding: 12px 14px; border-radius: var(--ed-radius-xl);
  background: var(--raised); color: var(--text); border: 1px solid var(--border); box-shadow: var(--shadow-lg); }
.call-toast .call-title { font-size: var(--ed-text-md); }
.call-toast .call-round { width: 38px; height: 38px; }
.call-entry { flex-wrap: wrap; }
.call-entry-card { display: inline-flex; align-items: flex-start; gap: 10px; padding: 8px 12px; border-radius: var(--ed-radius-lg);
  border: 1px solid var(--border); background: var(--surface); color: var(--text); text-align: left; }
.call-entry-card strong { display: block; font-weight: 600; }
.call-entry-card .call-facts, .call-entry-card .call-quality { display: block; color: var(--muted); font-size: var(--ed-text-xs); }
.call-entry-icon { width: 28px; height: 28px; flex: none; border-radius: 50%; display: grid; place-items: center;
  background: var(--ok-soft); color: var(--ok-text); }
.call-entry.missed .call-entry-icon { background: var(--danger-soft); color: var(--danger-text); }
@media (prefers-reduced-motion: reduce) { .call-ring::before, .call-ring::after { animation: none; } }
`;

// The style is the console's: in the page once, with the module.
if (typeof document !== "undefined" && !document.getElementById("edgedesk-calls")) {
  const style = document.createElement("style");
  style.id = "edgedesk-calls";
  style.textContent = callCss;
  document.head.appendChild(style);
}
