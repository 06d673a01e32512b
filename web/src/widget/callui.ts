// The widget's calls: the header's call button, and the call panel above
// the conversation. A call an agent starts rings here (accept / decline);
// one the visitor starts rings for the agents until one answers, declines
// or the edge's ring timeout ends it; in a call, the agent's video, the
// timer and mute / camera / hang up as icon buttons, with the device
// picks behind a button; then "Call ended · 3:12" for a few seconds and
// the chat again. Ended calls show in the conversation as one line
// ("Video call · 3:12"). The media and signaling are ../call.ts's; this
// file only draws (docs/ui.md, "Calls"). Text is only ever set as text.

import type { IconNode } from "lucide";
import { Mic, MicOff, Phone, PhoneIncoming, PhoneMissed, PhoneOff, Settings2, Video, VideoOff, X } from "lucide";
import { Call, type CallView, clock, ringTone, type Sender } from "../call";
import { caller, outcome, talkTime } from "../calllog";
import { initials } from "./format";
import type { Item, OutFrame } from "./protocol";

const strings = {
  en: {
    call: "Start a video call", incoming: "Incoming video call", calling: (name: string) => (name ? `${name} is calling you` : "An agent is calling you"),
    accept: "Accept", decline: "Decline", ringing: "Calling…", waiting: "Waiting for an agent to answer", connecting: "Connecting…",
    inCall: "In call", hangUp: "Hang up", cancel: "Cancel the call", mute: "Mute", unmute: "Unmute", cameraOff: "Turn camera off",
    cameraOn: "Turn camera on", devices: "Microphone and camera", microphone: "Microphone", camera: "Camera", recorded: "This call is recorded.",
    rec: "Recorded", ended: "Call ended", noAnswer: "No one answered", noAnswerSub: "Our team couldn't take the call. Leave a message and we'll answer here.",
    agentDeclined: "The agent can't take the call right now", agentDeclinedSub: "Leave a message and we'll answer here.",
    youDeclined: "You declined the call", agentLeft: "The agent left the call", missed: "Missed call", keepChatting: "You can keep chatting here.",
    close: "Back to chat", going: "A video call is in progress", join: "Join", waitingVideo: "Waiting for video…",
    row: { talked: "Video call", missed: "Missed call", declined: "Call declined", cancelled: "Call cancelled", unanswered: "Call not answered" },
  },
  zh: {
    call: "发起视频通话", incoming: "视频通话来电", calling: (name: string) => (name ? `${name} 正在呼叫您` : "客服正在呼叫您"),
    accept: "接听", decline: "拒绝", ringing: "正在呼叫…", waiting: "正在等待客服接听", connecting: "正在接通…",
    inCall: "通话中", hangUp: "挂断", cancel: "取消呼叫", mute: "静音", unmute: "取消静音", cameraOff: "关闭摄像头",
    cameraOn: "打开摄像头", devices: "麦克风和摄像头", microphone: "麦克风", camera: "摄像头", recorded: "本次通话会被录制。",
    rec: "录制中", ended: "通话已结束", noAnswer: "无人接听", noAnswerSub: "客服暂时无法接听。请留言，我们会在这里回复您。",
    agentDeclined: "客服暂时无法接听", agentDeclinedSub: "请留言，我们会在这里回复您。",
    youDeclined: "您拒绝了通话", agentLeft: "客服已离开通话", missed: "未接来电", keepChatting: "您可以继续在这里聊天。",
    close: "返回聊天", going: "视频通话进行中", join: "加入", waitingVideo: "正在等待视频…",
    row: { talked: "视频通话", missed: "未接来电", declined: "通话被拒绝", cancelled: "通话已取消", unanswered: "无人接听" },
  },
};

type Strings = (typeof strings)["en"];

// The call panel's colours are the design tokens' (web/src/design), so
// that the widget's light and dark themes apply; the fallbacks are the
// light theme's.
export const callCss = `
.callpanel { --call-accept: #1a7f45; --call-end: #c0322b; /* white on both: 5:1 and more, in either theme */
  border-bottom: 1px solid var(--ed-color-border, #e1e4ea); background: var(--ed-color-surface, #fff); color: var(--ed-color-text, #15181e); }
.callpanel[hidden] { display: none; }
.callpanel p { margin: 0; }
.callpanel .icon { display: block; flex: none; }
.call-card { display: flex; align-items: center; gap: 12px; padding: 14px 16px; }
.call-card.stack { flex-direction: column; text-align: center; gap: 10px; padding: 18px 16px 16px; }
.call-avatar { position: relative; width: 48px; height: 48px; border-radius: 50%; display: grid; place-items: center; flex: none;
  background: var(--ed-color-accent-soft, #e8eefc); color: var(--ed-color-accent-text, #1f44a8); }
.call-avatar.pulse::before, .call-avatar.pulse::after { content: ""; position: absolute; inset: 0; border-radius: 50%;
  border: 2px solid var(--ed-color-accent, #2f5bd3); opacity: 0; animation: call-pulse 2s ease-out infinite; }
.call-avatar.pulse::after { animation-delay: 1s; }
@keyframes call-pulse { 0% { transform: scale(1); opacity: .55; } 100% { transform: scale(1.6); opacity: 0; } }
.call-avatar.initials { font-weight: 600; font-size: 17px; }
.call-avatar.missed { background: var(--ed-color-danger-soft, #fdecea); color: var(--ed-color-danger-text, #9c241d); }
.call-text { flex: 1; min-width: 0; }
.callstatus { font-weight: 600; font-size: 15px; line-height: 1.3; }
.call-sub { color: var(--ed-color-text-muted, #59606e); font-size: 13px; line-height: 1.4; margin-top: 2px !important; }
.call-actions { display: flex; gap: 20px; justify-content: center; }
.call-action { display: flex; flex-direction: column; align-items: center; gap: 4px; font-size: 12px; color: var(--ed-color-text-muted, #59606e); }
.call-btn { width: 44px; height: 44px; border-radius: 50%; border: 0; display: grid; place-items: center; cursor: pointer; padding: 0;
  background: var(--ed-color-subtle, #f0f2f5); color: var(--ed-color-text, #15181e); transition: filter .12s, background .12s; }
.call-btn:hover { filter: brightness(.94); }
.call-btn.accept { background: var(--call-accept); color: #fff; }
.call-btn.end, .call-btn.hangup { background: var(--call-end); color: #fff; }
.call-btn.small { width: 32px; height: 32px; background: transparent; color: var(--ed-color-text-muted, #59606e); }
.call-join { margin-left: auto; border: 0; border-radius: 999px; padding: 6px 14px; font-weight: 600; cursor: pointer;
  background: var(--call-accept); color: #fff; display: inline-flex; align-items: center; gap: 6px; }
.call-bar { display: flex; align-items: center; gap: 10px; padding: 8px 12px; background: var(--ed-color-success-soft, #e5f5ec);
  color: var(--ed-color-success-text, #17603a); }
.call-bar .callstatus { font-size: 13px; }
.call-live { background: #0d0f13; color: #fff; }
.call-stage { position: relative; height: 188px; background: #0d0f13; overflow: hidden; }
.call-stage .videos { position: absolute; inset: 0; display: flex; }
.call-stage .videos video { flex: 1; min-width: 0; width: 100%; height: 100%; object-fit: cover; background: #000; }
.call-stage .placeholder { position: absolute; inset: 0; display: grid; place-items: center; align-content: center; gap: 8px;
  color: #c9ced8; font-size: 13px; }
.call-stage .placeholder .call-avatar { background: #2a2f3a; color: #e8eaee; }
.call-stage .self { position: absolute; right: 8px; bottom: 8px; width: 72px; height: 54px; object-fit: cover; border-radius: 6px;
  border: 1px solid rgba(255,255,255,.35); background: #222; transform: scaleX(-1); }
.call-stage .self[hidden] { display: none; }
.call-top { position: absolute; top: 0; left: 0; right: 0; display: flex; align-items: center; gap: 8px; padding: 8px 10px;
  background: linear-gradient(rgba(0,0,0,.55), transparent); }
.call-top .callstatus { font-size: 13px; font-weight: 500; font-variant-numeric: tabular-nums; }
.call-who { font-weight: 600; font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.call-who:empty { display: none; }
.rec { display: inline-flex; align-items: center; gap: 5px; font-size: 12px; color: #ffd7d4; }
.rec::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #ff5449; }
.rec[hidden] { display: none; }
.call-controls { display: flex; justify-content: center; gap: 12px; padding: 10px; background: #15181e; }
.call-controls .call-btn { background: #2a2f3a; color: #fff; }
.call-controls .call-btn[data-off=true] { background: #fff; color: #15181e; }
.call-controls .call-btn.hangup { background: var(--call-end); width: 52px; border-radius: 22px; }
.call-devices { display: grid; gap: 6px; padding: 8px 12px 10px; background: #15181e; }
.call-devices[hidden] { display: none; }
.call-devices label { display: flex; gap: 8px; align-items: center; font-size: 12px; color: #c9ced8; }
.call-devices select { flex: 1; min-width: 0; padding: 4px 6px; border-radius: 6px; border: 1px solid #3d4450; background: #1f232b; color: #e8eaee; }
.recorded { font-size: 12px; color: var(--ed-color-text-muted, #59606e); }
.row.call { justify-content: center; }
.row.call .stack { align-items: center; max-width: 100%; }
.msg.call-row { align-self: center; white-space: nowrap; display: inline-flex; align-items: center; gap: 8px; max-width: 90%; padding: 6px 12px;
  border-radius: 999px; background: var(--ed-color-subtle, #f0f2f5); color: var(--ed-color-text-muted, #59606e); font-size: 13px; }
.msg.call-row.missed { color: var(--ed-color-danger-text, #9c241d); }
@media (prefers-reduced-motion: reduce) { .call-avatar.pulse::before, .call-avatar.pulse::after { animation: none; } }
`;

const svgNS = "http://www.w3.org/2000/svg";

// icon draws a Lucide icon, hidden from assistive technology: the
// control it sits in carries the words.
function icon(node: IconNode, size = 20): SVGSVGElement {
  const svg = document.createElementNS(svgNS, "svg");
  for (const [k, v] of Object.entries({ width: size, height: size, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor",
    "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false", class: "icon" })) {
    svg.setAttribute(k, String(v));
  }
  for (const [tag, attrs] of node) {
    const el = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}

// el makes an element with a class and children (strings become text).
function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.append(...kids);
  return e;
}

function button(cls: string, label: string, node: IconNode, onClick: () => void): HTMLButtonElement {
  const b = el("button", "call-btn " + cls, icon(node));
  b.type = "button";
  b.setAttribute("aria-label", label);
  b.title = label;
  b.addEventListener("click", onClick);
  return b;
}

// What the panel shows: nothing, a call ringing here, one going on to
// join, or this page's call (ringing, connecting, live, ended).
type Shown = "idle" | "incoming" | "joinable" | "connecting" | "ringing" | "live" | "ended" | "failed";

export interface CallHost {
  panel: HTMLElement; // the section the call is drawn in (class callpanel)
  button: HTMLButtonElement; // the header's call button
  conn: Sender;
  base: string; // the edge
  token(): string; // the session token, for ICE servers
  conv(): string; // the visitor's conversation ("" before one)
  opened(): Promise<boolean>; // opens the conversation: the first call does
  show(): void; // opens the widget's panel: a call rings
  lang: "en" | "zh";
}

// ringShown is how long after its start a call still rings when the
// widget first hears of it from history (a live start always rings;
// the edge ends a call nobody answers, 45 s by default).
const ringShown = 60_000;

// endedShown is how long "Call ended" stays before the chat comes back.
const endedShown = 6_000;

export class CallUI {
  readonly call: Call;
  private t: Strings;
  private shown: Shown = "idle";
  private ringing = ""; // the call ringing here
  private dismissed = new Set<string>(); // calls declined or closed here
  private tone?: () => void; // stops the ring tone playing
  private endTimer?: ReturnType<typeof setTimeout>;
  private devicesOpen = false;
  private micPick?: HTMLSelectElement;
  private camPick?: HTMLSelectElement;

  constructor(private h: CallHost) {
    this.t = strings[h.lang];
    this.call = new Call(h.conn, h.base, h.token, () => this.draw(), "customer");
    h.panel.setAttribute("aria-label", this.t.call);
    h.button.setAttribute("aria-label", this.t.call);
    h.button.title = this.t.call;
    if (!h.button.querySelector("svg")) h.button.replaceChildren(icon(Video, 18));
    h.button.addEventListener("click", () => void this.callOrJoin());
    setInterval(() => void this.tick(), 1000);
  }

  // signal takes the edge's call_signal frames; false for other frames.
  signal(f: OutFrame): boolean {
    if (f.type !== "call_signal") return false;
    void this.call.receive(f);
    return true;
  }

  // note reads a conversation item (history, replay or live): call items
  // feed the call's log, and a call an agent starts rings.
  note(it: Item, live = true): void {
    if (it.kind !== "call" || !it.call) return;
    this.call.note(it);
    const r = this.call.log.get(it.call.id);
    if (it.status === "started" && r && caller(r) === "agent" && !this.dismissed.has(r.id) && this.call.view.id !== r.id) {
      if (live || Date.now() - it.ts < ringShown) this.ring(r.id);
    }
    if (this.ringing === it.call.id && it.status !== "started" && (it.status === "ended" || it.call.role === "customer")) {
      this.ring(""); // over, or answered in another tab
    }
    this.draw();
  }

  // lost: the chat connection dropped, and the edge took this page out
  // of its call.
  lost(): void {
    this.call.lost();
  }

  // reset forgets the call state of another identity.
  reset(): void {
    this.call.hangUp();
    this.call.dismiss();
    this.ring("");
  }

  // row is the conversation's line for a call.ended item: "Video call ·
  // 3:12", "Missed call", … (a row of the log, with its message and meta
  // parts as the log's rows have); null for other items.
  row(it: Item): HTMLElement | null {
    if (it.kind !== "call" || it.status !== "ended" || !it.call) return null;
    const r = this.call.log.get(it.call.id) ?? { id: it.call.id, conv: it.conv, joins: [], ended: it };
    const t = this.t.row;
    const how = outcome(r);
    const text = how === "talked" ? `${t.talked} · ${clock(talkTime(r))}` : how === "declined" ? t.declined :
      caller(r) === "customer" ? (how === "missed" ? t.unanswered : t.cancelled) : t.missed;
    const line = el("div", "msg call-row" + (how === "talked" ? "" : " missed"), icon(how === "talked" ? Video : PhoneMissed, 16), text);
    const row = el("div", "row call", el("div", "stack", line, el("div", "meta")));
    row.dataset.call = it.call.id;
    return row;
  }

  // ring shows a call of an agent ringing (id), or stops (""); the
  // widget's panel opens for it.
  private ring(id: string): void {
    if (this.ringing === id) return;
    this.ringing = id;
    if (id) this.h.show();
    this.draw();
  }

  // callOrJoin is the header's button: join the conversation's call going
  // on (an agent's, ringing or not), or call.
  private async callOrJoin(): Promise<void> {
    const s = this.call.view.state;
    if (s === "starting" || s === "ringing" || s === "live") return;
    const going = this.h.conv() ? this.call.log.going(this.h.conv()) : undefined;
    await this.start(going?.id);
  }

  // start prepares the microphone and camera (a refusal is explained and
  // opens no conversation), then calls, or joins call.
  private async start(call?: string): Promise<void> {
    this.ring("");
    clearTimeout(this.endTimer);
    if (call) this.dismissed.add(call); // answered here: it rings no more
    const media = { video: true, audioDevice: this.micPick?.value || undefined, videoDevice: this.camPick?.value || undefined };
    if (!(await this.call.prepare(media))) return; // the panel says why
    if (!call && !(await this.h.opened())) {
      this.call.hangUp(); // not connected: the camera goes off again
      this.call.dismiss();
      return;
    }
    await this.call.start(call ? { call, ...media } : { conv: this.h.conv(), ...media });
  }

  private async decline(id: string): Promise<void> {
    this.dismissed.add(id);
    this.ring("");
    await this.call.decline(id);
  }

  // what decides what the panel shows now.
  private what(): Shown {
    const v = this.call.view;
    // a new call ringing goes before how the last one ended
    if (this.ringing && (v.state === "idle" || v.state === "ended" || v.state === "failed")) return "incoming";
    switch (v.state) {
      case "starting":
        return "connecting";
      case "ringing":
        return "ringing";
      case "live":
        return "live";
      case "ended":
        return "ended";
      case "failed":
        return "failed";
    }
    const going = this.h.conv() ? this.call.log.going(this.h.conv()) : undefined;
    if (going && !this.dismissed.has(going.id)) return "joinable";
    return "idle";
  }

  // draw builds the panel for what it shows when that changes, then
  // fills in what moves (the timer, the buttons' states).
  private draw(): void {
    const now = this.what();
    const p = this.h.panel;
    if (now !== this.shown) {
      this.shown = now;
      this.devicesOpen = false;
      p.replaceChildren(...this.build(now));
      p.hidden = now === "idle";
      p.classList.toggle("call-live", now === "live");
      if (now === "ended" || now === "failed") {
        clearTimeout(this.endTimer);
        if (now === "ended") this.endTimer = setTimeout(() => this.call.dismiss(), endedShown);
      }
      if (now === "live") void this.listDevices();
      // a tone while a call rings, here or for the agents
      this.tone?.();
      this.tone = now === "incoming" || now === "ringing" ? ringTone(now === "incoming") : undefined;
    }
    p.dataset.state = now;
    this.fill();
  }

  private build(now: Shown): Node[] {
    const t = this.t;
    const v = this.call.view;
    const status = (text: string) => {
      const s = el("p", "callstatus", text);
      s.setAttribute("role", "status");
      return s;
    };
    const sub = (text: string) => el("p", "call-sub", text);
    const avatar = (node: IconNode, cls = "") => el("div", "call-avatar " + cls, icon(node, 22));
    switch (now) {
      case "idle":
        return [];
      case "incoming": {
        const id = this.ringing;
        const r = this.call.log.get(id);
        const name = r?.started?.actor_name ?? "";
        const action = (b: HTMLButtonElement, label: string) => el("div", "call-action", b, el("span", "", label));
        const face = name ? el("div", "call-avatar pulse initials", initials(name)) : avatar(PhoneIncoming, "pulse");
        return [el("div", "call-card stack", face,
          el("div", "call-text", status(t.incoming), sub(t.calling(name))),
          el("div", "call-actions",
            action(button("end decline", t.decline, PhoneOff, () => void this.decline(id)), t.decline),
            action(button("accept", t.accept, Video, () => void this.start(id)), t.accept)))];
      }
      case "joinable": {
        const going = this.call.log.going(this.h.conv());
        const join = el("button", "call-join", icon(Video, 16), t.join);
        join.type = "button";
        join.addEventListener("click", () => void this.start(going?.id));
        const close = button("small", t.close, X, () => {
          if (going) this.dismissed.add(going.id);
          this.draw();
        });
        return [el("div", "call-bar", icon(Video, 18), status(t.going), join, close)];
      }
      case "connecting":
      case "ringing": {
        const hang = button("end hangup", t.cancel, PhoneOff, () => this.call.hangUp());
        return [el("div", "call-card", avatar(Phone, now === "ringing" ? "pulse" : ""),
          el("div", "call-text", status(now === "ringing" ? t.ringing : t.connecting), sub(now === "ringing" ? t.waiting : v.recorded ? t.recorded : "")),
          hang)];
      }
      case "live": {
        const self = el("video", "self");
        self.muted = true;
        self.autoplay = true;
        self.playsInline = true;
        self.setAttribute("aria-hidden", "true");
        const rec = el("span", "rec", t.rec);
        rec.title = t.recorded;
        const placeholder = el("div", "placeholder", avatar(Video), el("span", "", t.waitingVideo));
        const stage = el("div", "call-stage", el("div", "videos"), placeholder,
          el("div", "call-top", el("span", "call-who", this.agentName()), status(""), rec), self);
        const devices = el("div", "call-devices");
        devices.hidden = true;
        this.micPick = el("select", "mic");
        this.camPick = el("select", "cam");
        this.micPick.addEventListener("change", () => void (this.micPick?.value && this.call.useDevice("audio", this.micPick.value)));
        this.camPick.addEventListener("change", () => void (this.camPick?.value && this.call.useDevice("video", this.camPick.value)));
        devices.append(el("label", "", el("span", "", t.microphone), this.micPick), el("label", "", el("span", "", t.camera), this.camPick));
        const controls = el("div", "call-controls",
          button("mute", t.mute, Mic, () => this.call.setMuted(!this.call.view.muted)),
          button("camera", t.cameraOff, Video, () => this.call.setCamera(!this.call.view.cameraOn)),
          button("settings", t.devices, Settings2, () => {
            this.devicesOpen = !this.devicesOpen;
            this.fill();
          }),
          button("hangup", t.hangUp, PhoneOff, () => this.call.hangUp()));
        return [stage, controls, devices];
      }
      case "ended": {
        const [title, more] = this.endedWords();
        const missed = !v.talked;
        return [el("div", "call-card", avatar(missed ? PhoneMissed : Phone, missed ? "missed" : ""),
          el("div", "call-text", status(title), sub(more)),
          button("small", t.close, X, () => this.call.dismiss()))];
      }
      case "failed":
        return [el("div", "call-card", avatar(PhoneMissed, "missed"),
          el("div", "call-text", status(v.error)),
          button("small", t.close, X, () => this.call.dismiss()))];
    }
  }

  // agentName is the name of the agent in this page's call, when the edge
  // gave one ("" when not).
  private agentName(): string {
    const r = this.call.log.get(this.call.view.id);
    if (!r) return "";
    const agent = [r.started, ...r.joins].find((x) => x?.actor_kind === "agent" && x.call?.role === "agent" && x.actor_name);
    return agent?.actor_name ?? "";
  }

  // endedWords says how this page's call ended: a title and a line more.
  private endedWords(): [string, string] {
    const t = this.t;
    const v = this.call.view;
    const byAgent = v.endedBy === "agent";
    if (v.endReason === "declined") return byAgent ? [t.agentDeclined, t.agentDeclinedSub] : [t.youDeclined, t.keepChatting];
    if (v.endReason === "no answer") return v.outgoing ? [t.noAnswer, t.noAnswerSub] : [t.missed, t.keepChatting];
    if (!v.talked && !v.outgoing && byAgent) return [t.missed, t.keepChatting];
    if (v.talked && byAgent) return [`${t.agentLeft} · ${clock(v.talked)}`, t.keepChatting];
    return [v.talked ? `${t.ended} · ${clock(v.talked)}` : t.ended, t.keepChatting];
  }

  // fill updates what changes while the panel shows the same thing.
  private fill(): void {
    const v = this.call.view;
    const p = this.h.panel;
    const t = this.t;
    if (this.shown !== "live") return;
    const q = <T extends Element>(sel: string) => p.querySelector(sel) as T | null;
    q<HTMLElement>(".callstatus")!.textContent = `${t.inCall} ${clock(Date.now() - v.started)}`;
    q<HTMLElement>(".rec")!.hidden = !v.recorded;
    const mute = q<HTMLButtonElement>(".call-btn.mute")!;
    if (mute.dataset.off !== String(v.muted)) {
      mute.dataset.off = String(v.muted);
      mute.setAttribute("aria-label", v.muted ? t.unmute : t.mute);
      mute.title = v.muted ? t.unmute : t.mute;
      mute.replaceChildren(icon(v.muted ? MicOff : Mic));
    }
    const cam = q<HTMLButtonElement>(".call-btn.camera")!;
    if (cam.dataset.off !== String(!v.cameraOn)) {
      cam.dataset.off = String(!v.cameraOn);
      cam.setAttribute("aria-label", v.cameraOn ? t.cameraOff : t.cameraOn);
      cam.title = v.cameraOn ? t.cameraOff : t.cameraOn;
      cam.replaceChildren(icon(v.cameraOn ? Video : VideoOff));
    }
    const settings = q<HTMLButtonElement>(".call-btn.settings")!;
    settings.setAttribute("aria-expanded", String(this.devicesOpen));
    q<HTMLElement>(".call-devices")!.hidden = !this.devicesOpen;
    const self = q<HTMLVideoElement>("video.self")!;
    const local = this.call.localStream();
    if (local && self.srcObject !== local) self.srcObject = local;
    self.hidden = !v.cameraOn;
    // the agent's video, one element per stream
    const videos = q<HTMLElement>(".videos")!;
    const keep = new Set<string>();
    for (const stream of v.remote) {
      keep.add(stream.id);
      if (!videos.querySelector(`video[data-stream="${CSS.escape(stream.id)}"]`)) {
        const video = el("video", "");
        video.dataset.stream = stream.id;
        video.autoplay = true;
        video.playsInline = true;
        video.srcObject = stream;
        videos.appendChild(video);
      }
    }
    videos.querySelectorAll("video").forEach((x) => {
      if (!keep.has(x.dataset.stream ?? "")) x.remove();
    });
    q<HTMLElement>(".placeholder")!.hidden = v.remote.length > 0;
  }

  // listDevices fills the device picks (labels come once permission is
  // given).
  private async listDevices(): Promise<void> {
    const devices = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
    for (const [sel, kind, name] of [[this.micPick, "audioinput", this.t.microphone], [this.camPick, "videoinput", this.t.camera]] as const) {
      if (!sel) continue;
      const chosen = sel.value;
      sel.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || `${name} ${i + 1}`;
        return o;
      }));
      if (chosen) sel.value = chosen;
    }
  }

  // tick keeps the timer going and records what is received (the
  // panel's data-frames, data-audio-bytes, data-voices and
  // data-layers-sent), which the browser tests read.
  private async tick(): Promise<void> {
    if (this.call.view.state !== "live") return;
    const s = await this.call.stats();
    const d = this.h.panel.dataset;
    d.frames = String(s.framesDecoded);
    d.audioBytes = String(s.audioBytes);
    d.voices = String(s.voices);
    d.layersSent = String(s.layersSent);
    this.fill();
  }
}
