// The customer chat widget: one script a website embeds. It draws a chat
// bubble and panel inside a shadow root (so the page's CSS cannot reach it,
// nor its CSS the page), talks to the edge that served it, and keeps the
// visitor's conversation across reloads and tabs. Message text is only ever
// set as text, never parsed as HTML.

import { Call, CallView, clock } from "../call";
import { Cooldown, Lang, tooMany } from "../throttle";
import { fetchAttachment, uploadAttachment } from "./attachment";
import { Version } from "../protocol.gen";
import { Connection, InFrame, Item, OutFrame, User } from "./protocol";
import { Entry, Timeline } from "./timeline";

interface Options {
  inbox: string;
  base?: string; // the edge's URL; defaults to where widget.js came from
  user?: User; // a signed-in user of the website (see setUser)
}

const strings = {
  en: { open: "Chat with us", title: "Chat", placeholder: "Type a message…", send: "Send", reconnecting: "Reconnecting…", close: "Close chat", typing: "The agent is typing…", attach: "Attach a file", uploadFailed: "The file could not be sent", away: "We're away right now. Leave a message and we'll answer here.", seen: "Seen", email: "Your e-mail (optional)", notify: "Notify me", noted: "Thanks, we'll answer at ",
    prechat: "Before we start:", name: "Your name", emailRequired: "Your e-mail", start: "Start chat", refused: "The chat could not sign you in. Reload the page to try again.",
    call: "Start a video call", connecting: "Connecting the call…", inCall: "In call", callEnded: "The call ended.", mute: "Mute", unmute: "Unmute", cameraOff: "Camera off", cameraOn: "Camera on", hangUp: "Hang up", microphone: "Microphone", camera: "Camera", recorded: "This call is recorded.",
    rateAsk: "How did we do?", rateThanks: "Thank you for your rating.", rateLabel: (n: number) => `${n} of 5` },
  zh: { open: "联系我们", title: "在线客服", placeholder: "输入消息…", send: "发送", reconnecting: "正在重新连接…", close: "关闭", typing: "客服正在输入…", attach: "添加文件", uploadFailed: "文件发送失败", away: "我们暂时不在线。请留言，我们会在这里回复您。", seen: "已读", email: "您的邮箱（可选）", notify: "通知我", noted: "谢谢，我们会回复到 ",
    prechat: "开始之前：", name: "您的姓名", emailRequired: "您的邮箱", start: "开始聊天", refused: "无法登录聊天，请刷新页面重试。",
    call: "发起视频通话", connecting: "正在接通…", inCall: "通话中", callEnded: "通话已结束。", mute: "静音", unmute: "取消静音", cameraOff: "关闭摄像头", cameraOn: "打开摄像头", hangUp: "挂断", microphone: "麦克风", camera: "摄像头", recorded: "本次通话会被录制。",
    rateAsk: "您对本次服务满意吗？", rateThanks: "感谢您的评价。", rateLabel: (n: number) => `${n} 分（满分 5 分）` },
};
const lang: Lang = navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
const t = strings[lang];

const css = `
:host { all: initial !important; display: block !important; }
* { box-sizing: border-box; font-family: system-ui, sans-serif; font-size: 14px; }
.bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483647; border: 0; border-radius: 24px;
  padding: 12px 18px; background: #2457d6; color: #fff; cursor: pointer; }
.panel { position: fixed; right: 20px; bottom: 76px; z-index: 2147483647; width: 340px; height: 440px; display: flex;
  flex-direction: column; background: #fff; color: #111; border: 1px solid #ccd; border-radius: 10px; overflow: hidden;
  box-shadow: 0 6px 24px rgba(0,0,0,.18); }
.panel[hidden] { display: none; }
header { display: flex; justify-content: space-between; align-items: center; padding: 10px 12px; background: #2457d6; color: #fff; }
header button { background: none; border: 0; color: #fff; cursor: pointer; font-size: 18px; }
.banner { padding: 6px 12px; background: #fff3cd; color: #5c4400; }
.banner[hidden], .away[hidden] { display: none; }
.away { padding: 6px 12px; background: #eef3ff; color: #1b3d8f; }
.rating[hidden] { display: none; }
.rating { padding: 6px 12px; background: #f3f7ee; color: #24410f; }
.rating p { margin: 0 0 6px; }
.rating button { font-size: 18px; padding: 2px 6px; border: 1px solid #9bb98a; border-radius: 6px; background: #fff; cursor: pointer; margin-right: 4px; }
.away p { margin: 0 0 6px; }
.away form { padding: 0; border: 0; }
.prechat { flex: 1; display: flex; flex-direction: column; gap: 8px; padding: 12px; border: 0; }
.prechat[hidden] { display: none; }
.panel > form[hidden], .log[hidden] { display: none; }
.log { flex: 1; overflow-y: auto; padding: 10px; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 80%; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap; word-wrap: break-word; }
.msg.customer { align-self: flex-end; background: #2457d6; color: #fff; }
.msg.agent { align-self: flex-start; background: #eef0f5; color: #111; }
.msg.pending { opacity: .6; }
.seen { align-self: flex-end; color: #666; font-size: 12px; }
.typing { padding: 0 12px 6px; color: #555; font-style: italic; min-height: 1.2em; }
.notice { margin: 0 8px 6px; padding: 6px 10px; border-radius: 6px; background: #fdecea; color: #8a1c12; }
.notice[hidden] { display: none; }
form { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e3e5ea; }
input { flex: 1; padding: 8px; border: 1px solid #ccd; border-radius: 6px; color: #111; background: #fff; }
.msg img { display: block; max-width: 100%; max-height: 180px; margin-top: 4px; border-radius: 6px; }
.msg a { color: inherit; }
.attach { background: #eef0f5 !important; color: #2457d6 !important; }
input[type=file] { display: none; }
form button { padding: 8px 12px; border: 0; border-radius: 6px; background: #2457d6; color: #fff; cursor: pointer; }
header .call { font-size: 14px; padding: 2px 6px; }
.callpanel { padding: 8px 12px; background: #111; color: #fff; display: flex; flex-direction: column; gap: 6px; }
.callpanel[hidden] { display: none; }
.callpanel video { width: 100%; max-height: 150px; background: #000; border-radius: 6px; }
.callpanel .controls { display: flex; gap: 6px; flex-wrap: wrap; }
.callpanel button { padding: 6px 10px; border: 0; border-radius: 6px; background: #3a3f4b; color: #fff; cursor: pointer; }
.callpanel .hangup { background: #c62828; }
.callpanel label { font-size: 12px; display: flex; gap: 6px; align-items: center; }
.callpanel select { flex: 1; min-width: 0; }
.callpanel .recorded { margin: 0; font-size: 12px; color: #ffd54f; }
:focus-visible { outline: 2px solid #f5a623; outline-offset: 2px; }
`;

class Widget {
  private conn: Connection;
  private conv = "";
  private log: HTMLElement;
  private panel: HTMLElement;
  private bubble: HTMLElement;
  private banner: HTMLElement;
  private input: HTMLInputElement;
  private timeline = new Timeline();
  private shown = new Map<string, HTMLElement>(); // Entry.key → its element
  private unsent = new Map<string, { text: string; attachments?: string[] }>(); // by client_id, until acked
  private typingEl: HTMLElement;
  private notice: HTMLElement; // why a file was not sent
  private noticeOff: ReturnType<typeof setTimeout> | undefined;
  private uploadWait = new Cooldown(); // after a 429: no upload before the edge takes one
  private away: HTMLElement;
  private rating!: HTMLElement;
  private readSeq = 0; // the highest sequence an agent has read
  private prechatForm: HTMLFormElement;
  private chatForm: HTMLFormElement;
  private prechatKey: string;
  private seenEl = document.createElement("div");
  private typingOff?: ReturnType<typeof setTimeout>; // hides the agent's typing
  private typingSent = 0; // when the visitor's "typing on" was last sent
  private typingStop?: ReturnType<typeof setTimeout>; // sends "typing off"
  private user?: User;
  private token = ""; // the session token of the welcome, for HTTP
  private base: string;
  private call: Call;
  private callPanel!: HTMLElement;

  constructor(opts: Options, base: string) {
    const host = document.createElement("div");
    host.id = "edgedesk-widget";
    // Inline !important beats any page rule (say "* { display: none
    // !important }") on the one element of the widget in the page's tree.
    host.style.setProperty("display", "block", "important");
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${css}</style>
      <button class="bubble" type="button" aria-expanded="false"></button>
      <section class="panel" role="dialog" hidden>
        <header><span class="title"></span><span><button class="call" type="button">📞</button><button class="close" type="button">×</button></span></header>
        <section class="callpanel" hidden>
          <p class="callstatus" role="status"></p>
          <p class="recorded" hidden></p>
          <div class="videos"></div>
          <div class="controls"><button class="mute" type="button"></button><button class="camera" type="button"></button><button class="hangup" type="button"></button></div>
          <label><span class="miclabel"></span><select class="mic"></select></label>
          <label><span class="camlabel"></span><select class="cam"></select></label>
        </section>
        <div class="banner" role="status" hidden></div>
        <div class="rating" hidden><p role="status"></p><div class="stars"></div></div>
        <div class="away" hidden><p role="status"></p>
          <form class="email"><input type="email" autocomplete="email" maxlength="254"><button type="submit"></button></form></div>
        <form class="prechat" hidden><p></p><button type="submit"></button></form>
        <div class="log" role="log" aria-live="polite" tabindex="0"></div>
        <div class="typing" aria-live="polite"></div>
        <div class="notice" role="alert" hidden></div>
        <form class="chat"><button class="attach" type="button"><svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6"/></svg></button><input type="file" accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain">
          <input type="text" autocomplete="off" maxlength="16000"><button type="submit"></button></form>
      </section>`;
    const $ = <T extends HTMLElement>(sel: string) => root.querySelector(sel) as T;
    const bubble = $<HTMLButtonElement>(".bubble");
    this.bubble = bubble;
    this.panel = $(".panel");
    this.log = $(".log");
    this.log.setAttribute("aria-label", t.title); // focusable, so that the keyboard scrolls it
    this.banner = $(".banner");
    this.chatForm = $<HTMLFormElement>(".panel > form.chat");
    this.input = this.chatForm.querySelector("input[type=text]") as HTMLInputElement;
    const file = $<HTMLInputElement>("input[type=file]");
    const attach = $<HTMLButtonElement>(".attach");
    attach.setAttribute("aria-label", t.attach);
    attach.addEventListener("click", () => file.click());
    file.addEventListener("change", () => {
      const f = file.files?.[0];
      file.value = "";
      if (f) void this.sendFile(f);
    });
    this.typingEl = $(".typing");
    this.notice = $(".notice");
    this.prechatForm = $<HTMLFormElement>(".prechat");
    this.prechatKey = `edgedesk:${opts.inbox}:prechat`;
    this.prechatForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.submitPrechat();
    });
    this.away = $(".away");
    this.wireRating($);
    $(".away p").textContent = t.away;
    const email = $<HTMLInputElement>(".email input");
    email.placeholder = t.email;
    email.setAttribute("aria-label", t.email);
    $(".email button").textContent = t.notify;
    $(".email").addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.leaveEmail(email.value.trim());
    });
    this.seenEl.className = "seen";
    this.seenEl.textContent = t.seen;
    bubble.textContent = t.open;
    this.panel.setAttribute("aria-label", t.title);
    $(".title").textContent = t.title;
    $(".close").setAttribute("aria-label", t.close);
    this.banner.textContent = t.reconnecting;
    this.input.placeholder = t.placeholder;
    this.input.setAttribute("aria-label", t.placeholder);
    (this.chatForm.querySelector("button[type=submit]") as HTMLElement).textContent = t.send;
    bubble.addEventListener("click", () => this.toggle());
    this.panel.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        this.toggle(false);
        bubble.focus();
      }
    });
    this.input.addEventListener("input", () => this.typing());
    $(".close").addEventListener("click", () => this.toggle(false));
    this.chatForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = this.input.value.trim();
      if (text) {
        this.input.value = "";
        this.typing(false);
        void this.send(text);
      }
    });
    this.user = opts.user;
    this.base = base;
    const visitorKey = `edgedesk:${opts.inbox}:visitor`;
    const hello = (): InFrame => {
      const h: InFrame = { type: "hello", v: Version, inbox: opts.inbox };
      const visitor = localStorage.getItem(visitorKey);
      if (this.user) h.user = this.user;
      else if (visitor) h.visitor = visitor;
      return h;
    };
    this.conn = new Connection(base, hello, {
      welcome: (f) => {
        if (f.session?.visitor) localStorage.setItem(visitorKey, f.session.visitor);
        this.token = f.session?.token ?? "";
        this.away.hidden = f.available !== false;
        this.askPrechat(f);
        void this.ready(f);
      },
      event: (f) => this.onEvent(f),
      resync: () => {
        if (this.conv) void this.load(this.conv); // the timeline keeps each message once
      },
      status: (up) => {
        this.banner.textContent = t.reconnecting;
        this.banner.hidden = up;
        if (!up) this.call?.hangUp(); // the edge took the connection out of its call
      },
      refused: () => {
        this.banner.textContent = t.refused;
        this.banner.hidden = false;
      },
    });
    this.call = new Call(this.conn, base, () => this.token, (v) => this.drawCall(v));
    this.wireCall($);
    this.conn.connect();
  }

  // wireRating sets up the question a resolved conversation asks: five
  // buttons, 1 (very unhappy) to 5 (very happy), its CSAT rating.
  private wireRating($: <T extends HTMLElement>(sel: string) => T): void {
    this.rating = $(".rating");
    const stars = $(".rating .stars");
    for (let n = 1; n <= 5; n++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "★".repeat(n);
      b.setAttribute("aria-label", t.rateLabel(n));
      b.addEventListener("click", async () => {
        const ack = await this.conn.request({ type: "rate", conv: this.conv, score: n });
        if (ack.type === "ack") this.showRating("thanks");
      });
      stars.appendChild(b);
    }
  }

  // showRating asks for a rating, thanks for one, or hides the question.
  private showRating(state: "ask" | "thanks" | "none"): void {
    this.rating.hidden = state === "none";
    (this.rating.querySelector("p") as HTMLElement).textContent = state === "thanks" ? t.rateThanks : t.rateAsk;
    (this.rating.querySelector(".stars") as HTMLElement).hidden = state !== "ask";
  }

  // noteRating follows the conversation's status and ratings.
  private noteRating(it: Item): void {
    if (it.conv !== this.conv) return;
    if (it.kind === "status") this.showRating(it.status === "resolved" ? "ask" : "none");
    if (it.kind === "rating") this.showRating("thanks");
  }

  // wireCall sets up the call button and panel.
  private wireCall($: <T extends HTMLElement>(sel: string) => T): void {
    this.callPanel = $(".callpanel");
    const start = $<HTMLButtonElement>("header .call");
    start.setAttribute("aria-label", t.call);
    start.title = t.call;
    $(".hangup").textContent = t.hangUp;
    $(".miclabel").textContent = t.microphone;
    $(".camlabel").textContent = t.camera;
    const mic = $<HTMLSelectElement>(".mic");
    const cam = $<HTMLSelectElement>(".cam");
    start.addEventListener("click", async () => {
      if (this.call.view.state === "starting" || this.call.view.state === "live") return;
      this.callPanel.hidden = false;
      const media = { video: true, audioDevice: mic.value || undefined, videoDevice: cam.value || undefined };
      if (!(await this.call.prepare(media))) return; // the panel says why
      if (!(await this.opened())) {
        this.call.hangUp(); // not connected: the camera goes off again
        return;
      }
      await this.call.start({ conv: this.conv, ...media });
      void this.listDevices(mic, cam);
    });
    $(".mute").addEventListener("click", () => this.call.setMuted(!this.call.view.muted));
    $(".camera").addEventListener("click", () => this.call.setCamera(!this.call.view.cameraOn));
    $(".hangup").addEventListener("click", () => this.call.hangUp());
    $(".recorded").textContent = t.recorded;
    mic.addEventListener("change", () => void (mic.value && this.call.useDevice("audio", mic.value)));
    cam.addEventListener("change", () => void (cam.value && this.call.useDevice("video", cam.value)));
    setInterval(() => void this.drawStats(), 1000);
  }

  // listDevices fills the device picks (labels come once permission is given).
  private async listDevices(mic: HTMLSelectElement, cam: HTMLSelectElement): Promise<void> {
    const devices = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) ?? [];
    for (const [sel, kind] of [[mic, "audioinput"], [cam, "videoinput"]] as const) {
      const chosen = sel.value;
      sel.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || `${kind === "audioinput" ? t.microphone : t.camera} ${i + 1}`;
        return o;
      }));
      if (chosen) sel.value = chosen;
    }
  }

  private drawCall(v: CallView): void {
    const $ = (sel: string) => this.callPanel.querySelector(sel) as HTMLElement;
    this.callPanel.hidden = v.state === "idle";
    $(".mute").textContent = v.muted ? t.unmute : t.mute;
    $(".camera").textContent = v.cameraOn ? t.cameraOff : t.cameraOn;
    $(".controls").hidden = v.state !== "starting" && v.state !== "live";
    this.callPanel.dataset.state = v.state;
    const status = v.error || (v.state === "ended" ? t.callEnded : v.state === "live" ? `${t.inCall} ${clock(Date.now() - v.started)}` : t.connecting);
    $(".callstatus").textContent = status;
    $(".recorded").hidden = !v.recorded || (v.state !== "starting" && v.state !== "live");
    const videos = $(".videos");
    const shown = new Set<string>();
    for (const stream of v.remote) {
      shown.add(stream.id);
      let el = videos.querySelector(`video[data-stream="${CSS.escape(stream.id)}"]`) as HTMLVideoElement | null;
      if (!el) {
        el = document.createElement("video");
        el.dataset.stream = stream.id;
        el.autoplay = true;
        el.playsInline = true;
        el.srcObject = stream;
        videos.appendChild(el);
      }
    }
    videos.querySelectorAll("video").forEach((el) => {
      if (!shown.has(el.dataset.stream ?? "")) el.remove();
    });
  }

  // drawStats keeps the timer going and records what is received (the
  // panel's data-frames and data-audio-bytes: decoded video frames, audio
  // bytes), which the browser test reads.
  private async drawStats(): Promise<void> {
    if (this.call.view.state !== "live") return;
    const s = await this.call.stats();
    this.callPanel.dataset.frames = String(s.framesDecoded);
    this.callPanel.dataset.audioBytes = String(s.audioBytes);
    this.callPanel.dataset.voices = String(s.voices);
    this.callPanel.dataset.layersSent = String(s.layersSent);
    this.drawCall(this.call.view);
  }

  // setUser switches to a signed-in user's conversation (or back to the
  // anonymous visitor's): what is shown is cleared and loaded again.
  setUser(user?: User): void {
    this.call.hangUp(); // another identity: the call was the other one's
    this.conv = "";
    this.timeline = new Timeline();
    this.shown.clear();
    this.unsent.clear();
    this.log.replaceChildren();
    this.user = user;
    this.conn.reconnect();
  }

  open(): void {
    this.toggle(true);
  }

  private toggle(show = this.panel.hidden): void {
    this.panel.hidden = !show;
    this.bubble.setAttribute("aria-expanded", String(show));
    if (show) this.input.focus();
  }

  // ready runs after each welcome: the first finds the visitor's latest
  // conversation, if there is one, and loads its history; every one sends
  // what the edge had not acknowledged, with the same client ids. A
  // visitor who never writes opens no conversation.
  private async ready(welcome: OutFrame): Promise<void> {
    if (!this.conv) {
      const convs = welcome.conversations ?? [];
      if (convs.length > 0) await this.load(convs[0].id);
    }
    for (const [cid, m] of this.unsent) void this.deliver(cid, m.text, m.attachments);
  }

  private async load(conv: string): Promise<void> {
    this.conv = conv;
    const h = await this.conn.request({ type: "history", conv, limit: 50 });
    for (const it of h.items ?? []) {
      this.timeline.add(it);
      this.call.note(it);
      this.noteRating(it);
    }
    this.render();
  }

  // open starts the visitor's conversation with the first message (the edge
  // returns the same one for the same client id, from any tab).
  private async opened(): Promise<boolean> {
    if (this.conv) return true;
    const ack = await this.conn.request({ type: "start", client_id: "web", lang: navigator.language });
    if (ack.type !== "ack" || !ack.conv) return false;
    if (!this.conv) await this.load(ack.conv);
    return true;
  }

  private async send(text: string, attachments?: string[]): Promise<void> {
    const cid = "w" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    this.unsent.set(cid, { text, attachments });
    this.timeline.sent(cid, text, attachments);
    this.render();
    await this.deliver(cid, text, attachments);
  }

  // sendFile uploads a file with the session token, then sends a message
  // that references it.
  // Over a quota the edge answers 429 with Retry-After: the widget says how
  // long to wait and sends nothing before then (another file meanwhile
  // gets the same message, counted down), so nothing retries in a loop.
  private async sendFile(f: File): Promise<void> {
    if (this.uploadWait.remaining()) {
      this.showWait();
      return;
    }
    const up = await uploadAttachment(this.base, this.token, f);
    if (up.refused) {
      if (up.refused.status === 429) {
        this.uploadWait.hold(up.refused.retryAfter);
        this.showWait();
      } else this.showNotice(t.uploadFailed, 8000);
      return;
    }
    this.showNotice("", 0);
    await this.send("", [up.id]);
  }

  // showWait says how long uploads wait, counted down, until they may go.
  private showWait(): void {
    const left = this.uploadWait.remaining();
    if (!left) return this.showNotice("", 0);
    this.showNotice(tooMany("uploads", left, lang), 0);
    // an alert is read out when its text changes: not more often than this
    this.noticeOff = setTimeout(() => this.showWait(), Math.min(left * 1000, 15000));
  }

  // showNotice says why a file was not sent, for ms milliseconds (0: until
  // changed); "" hides it.
  private showNotice(text: string, ms: number): void {
    clearTimeout(this.noticeOff);
    if (this.notice.textContent !== text) this.notice.textContent = text;
    this.notice.hidden = !text;
    if (text && ms) this.noticeOff = setTimeout(() => this.showNotice("", 0), ms);
  }

  private async deliver(cid: string, text: string, attachments?: string[]): Promise<void> {
    if (!(await this.opened())) return; // kept in unsent: sent again after reconnecting
    const ack = await this.conn.request({ type: "send", conv: this.conv, client_id: cid, text, attachments });
    if (ack.type !== "ack" || !ack.seq) return; // kept in unsent: sent again after reconnecting
    this.unsent.delete(cid);
    this.timeline.acked(cid, ack.seq);
    this.render();
  }

  private onEvent(f: OutFrame): void {
    if (f.type === "call_signal") {
      void this.call.receive(f);
      return;
    }
    if (f.type === "event" && f.item) {
      this.call.note(f.item);
      this.noteRating(f.item);
    }
    if (f.type === "event" && f.item && this.timeline.add(f.item)) {
      if (f.item.actor_kind === "agent") this.showTyping(false);
      this.render();
    }
    if (f.type === "typing" && f.actor_kind === "agent" && f.conv === this.conv) this.showTyping(Boolean(f.on));
    if (f.type === "availability") this.away.hidden = f.available !== false;
    if (f.type === "event" && f.item?.kind === "read" && f.item.actor_kind === "agent" && f.item.conv === this.conv) {
      this.readSeq = Math.max(this.readSeq, Number(f.item.read_seq ?? 0));
      this.render();
    }
  }

  // showTyping shows that the agent types, for at most 6 s without news.
  private showTyping(on: boolean): void {
    clearTimeout(this.typingOff);
    this.typingEl.textContent = on ? t.typing : "";
    if (on) this.typingOff = setTimeout(() => this.showTyping(false), 6000);
  }

  // askPrechat shows the inbox's pre-chat form to a new anonymous visitor
  // (no conversation yet, form not filled in before).
  private askPrechat(welcome: OutFrame): void {
    const fields = (welcome.prechat ?? []).filter((f) => f === "name" || f === "email");
    const convs = welcome.conversations ?? [];
    const show = fields.length > 0 && !this.user && convs.length === 0 && !localStorage.getItem(this.prechatKey);
    const form = this.prechatForm;
    if (show && form.hidden) {
      form.querySelector("p")!.textContent = t.prechat;
      for (const f of fields) {
        const input = document.createElement("input");
        input.name = f;
        input.type = f === "email" ? "email" : "text";
        input.required = true;
        input.maxLength = f === "email" ? 254 : 100;
        input.placeholder = f === "email" ? t.emailRequired : t.name;
        input.setAttribute("aria-label", input.placeholder);
        form.insertBefore(input, form.querySelector("button"));
      }
      form.querySelector("button")!.textContent = t.start;
    }
    this.showPrechat(show);
  }

  // showPrechat shows the pre-chat form instead of the conversation, or back.
  private showPrechat(show: boolean): void {
    this.prechatForm.hidden = !show;
    this.log.hidden = show;
    this.chatForm.hidden = show;
  }

  private async submitPrechat(): Promise<void> {
    const data = new FormData(this.prechatForm);
    const ack = await this.conn.request({ type: "profile", name: String(data.get("name") ?? ""), email: String(data.get("email") ?? "") });
    if (ack.type !== "ack") {
      (this.prechatForm.querySelector("input") as HTMLInputElement).setCustomValidity(ack.message ?? "");
      this.prechatForm.reportValidity();
      return;
    }
    localStorage.setItem(this.prechatKey, "1");
    this.showPrechat(false);
    this.input.focus();
  }

  // leaveEmail records the visitor's e-mail address for an answer while no
  // agent is online.
  private async leaveEmail(email: string): Promise<void> {
    if (!email) return;
    const ack = await this.conn.request({ type: "profile", email });
    if (ack.type === "ack") {
      const form = this.away.querySelector(".email") as HTMLElement;
      form.replaceWith(Object.assign(document.createElement("p"), { textContent: t.noted + email }));
    } else {
      (this.away.querySelector(".email input") as HTMLInputElement).setCustomValidity(ack.message ?? "");
    }
  }

  // typing tells the agent the visitor types: "on" at most every 3 s while
  // keys are pressed, "off" 4 s after the last one or when the message goes.
  private typing(on = true): void {
    if (!this.conv) return;
    clearTimeout(this.typingStop);
    if (!on) {
      if (this.typingSent) this.conn.notify({ type: "typing", conv: this.conv, on: false });
      this.typingSent = 0;
      return;
    }
    if (Date.now() - this.typingSent > 3000) {
      this.typingSent = Date.now();
      this.conn.notify({ type: "typing", conv: this.conv, on: true });
    }
    this.typingStop = setTimeout(() => this.typing(false), 4000);
  }

  // render makes the log show the timeline's entries, in order, reusing
  // the element of each entry already shown.
  private render(): void {
    for (const e of this.timeline.entries()) {
      let el = this.shown.get(e.key);
      if (!el) {
        el = this.element(e);
        this.shown.set(e.key, el);
      }
      el.classList.toggle("pending", e.seq === undefined);
      if (e.seq !== undefined) el.dataset.seq = String(e.seq);
      this.log.appendChild(el); // moves it to its place
    }
    // "Seen" under the visitor's last message an agent has read, when
    // nothing came after it.
    const entries = this.timeline.entries();
    const last = entries[entries.length - 1];
    if (last?.who === "customer" && last.seq !== undefined && last.seq <= this.readSeq) this.log.appendChild(this.seenEl);
    else this.seenEl.remove();
    this.scroll();
  }

  private element(e: Entry): HTMLElement {
    const el = document.createElement("div");
    el.className = `msg ${e.who}`;
    el.textContent = e.text; // never innerHTML: a message is text
    for (const id of e.attachments ?? []) void this.attachment(el, id);
    return el;
  }

  // attachment fetches an attachment with the session token and shows an
  // image as a preview, anything else as a link to the bytes.
  private async attachment(el: HTMLElement, id: string): Promise<void> {
    const file = await fetchAttachment(this.base, id, this.token);
    if (!file) return;
    if (file.image) {
      const img = document.createElement("img");
      img.src = file.url;
      img.alt = file.name;
      el.appendChild(img);
    } else {
      const a = document.createElement("a");
      a.href = file.url;
      a.download = file.name;
      a.rel = "noopener noreferrer";
      a.textContent = "📎 " + file.name;
      el.appendChild(a);
    }
  }

  private scroll(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

const script = document.currentScript as HTMLScriptElement | null;
const scriptBase = script?.src ? new URL(script.src).origin : location.origin;
let widget: Widget | undefined;

export function init(opts: Options): void {
  if (widget) return;
  if (!opts.inbox) throw new Error("Edgedesk.init: inbox is required");
  widget = new Widget({ ...opts, user: opts.user ?? pendingUser }, opts.base ?? scriptBase);
}

export function open(): void {
  widget?.open();
}

let pendingUser: User | undefined;

// setUser identifies the visitor as a signed-in user of the website; call it
// before or after init. Without a valid hash the edge refuses the user.
export function setUser(user: User): void {
  if (!user?.id || !user.hash) throw new Error("Edgedesk.setUser: id and hash are required");
  if (widget) widget.setUser(user);
  else pendingUser = user;
}

if (script?.dataset.inbox) {
  const inbox = script.dataset.inbox;
  const start = () => init({ inbox });
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
}
