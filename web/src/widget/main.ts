// The customer chat widget: one script a website embeds. It draws a
// launcher and a chat panel inside a shadow root (so the page's CSS cannot
// reach it, nor its CSS the page), talks to the edge that served it, and
// keeps the visitor's conversation across reloads and tabs. Message text
// is only ever set as text, never parsed as HTML.

import { CallUI, callCss } from "./callui";
import { Cooldown, Lang, tooMany } from "../throttle";
import { fetchAttachment, uploadAttachment } from "./attachment";
import { Brand, Version } from "../protocol.gen";
import { Connection, InFrame, Item, OutFrame, User } from "./protocol";
import { Entry, Page, Timeline } from "./timeline";
import { closes, firstStart, nextStart, refusedClosed } from "./lifecycle";
import { dayKey, dayLabel, fullTime, initials, links, onColor, sameGroup, timeLabel, validColor } from "./format";
import { icon, IconName } from "./icons";
import { css, phone } from "./styles";

// Theme is the widget's colour scheme: the system's (auto), or the one the
// website forces.
export type Theme = "auto" | "light" | "dark";

interface Options {
  inbox: string;
  base?: string; // the edge's URL; defaults to where widget.js came from
  user?: User; // a signed-in user of the website (see setUser)
  theme?: Theme;
}

const strings = {
  en: { open: "Chat with us", openUnread: (n: number) => `Chat with us, ${n} new ${n === 1 ? "message" : "messages"}`, title: "Chat",
    team: "Support", placeholder: "Write a message…", send: "Send", reconnecting: "Reconnecting…", close: "Close chat",
    typing: "The agent is typing…", typingName: (name: string) => `${name} is typing…`, attach: "Attach a file",
    uploadFailed: "The file could not be sent", away: "We're away right now. Leave a message and we'll answer here.", email: "Your e-mail (optional)",
    notify: "Notify me", noted: "Thanks, we'll answer at ", prechat: "Before we start", name: "Your name", emailRequired: "Your e-mail",
    start: "Start chat", refused: "The chat could not sign you in. Reload the page to try again.",
    greeting: "Hi there! How can we help?", online: "We're online", awayShort: "We're away — leave a message",
    replies: { minutes: "Usually replies in a few minutes", hours: "Usually replies in an hour", day: "Usually replies in a day" } as Record<string, string>,
    today: "Today", yesterday: "Yesterday", sending: "Sending…", sent: "Sent", seen: "Seen", earlier: "Load earlier messages", loading: "Loading…",
    file: "File", unavailable: "This file is not available",
    call: "Start a video call",
    rateAsk: "How did we do?", rateThanks: "Thank you for your rating.", rateLabel: (n: number) => `${n} of 5` },
  zh: { open: "联系我们", openUnread: (n: number) => `联系我们，${n} 条新消息`, title: "在线客服",
    team: "客服", placeholder: "输入消息…", send: "发送", reconnecting: "正在重新连接…", close: "关闭",
    typing: "客服正在输入…", typingName: (name: string) => `${name} 正在输入…`, attach: "添加文件",
    uploadFailed: "文件发送失败", away: "我们暂时不在线。请留言，我们会在这里回复您。", email: "您的邮箱（可选）",
    notify: "通知我", noted: "谢谢，我们会回复到 ", prechat: "开始之前", name: "您的姓名", emailRequired: "您的邮箱",
    start: "开始聊天", refused: "无法登录聊天，请刷新页面重试。",
    greeting: "您好！有什么可以帮您？", online: "我们在线", awayShort: "我们暂时不在线，请留言",
    replies: { minutes: "通常几分钟内回复", hours: "通常一小时内回复", day: "通常一天内回复" } as Record<string, string>,
    today: "今天", yesterday: "昨天", sending: "发送中…", sent: "已发送", seen: "已读", earlier: "加载更早的消息", loading: "加载中…",
    file: "文件", unavailable: "文件无法打开",
    call: "发起视频通话",
    rateAsk: "本次服务如何？", rateThanks: "感谢您的评价。", rateLabel: (n: number) => `${n} 分（满分 5 分）` },
};
const lang: Lang = navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
const t = strings[lang];
const locale = navigator.language || "en";

// The first page of history, and each older one.
const firstPage = 50;
const olderPage = 100;

// el makes an element with a class and, when given, its text.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = "", text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// iconButton is a button that shows an icon and says what it does.
function iconButton(cls: string, name: IconName, label: string, size = 20): HTMLButtonElement {
  const b = el("button", cls);
  b.type = "button";
  b.setAttribute("aria-label", label);
  b.appendChild(icon(name, size));
  return b;
}

class Widget {
  private conn: Connection;
  private conv = ""; // the conversation the visitor's messages go to; "" until one opens, and again once it is closed
  private startID = firstStart; // the client id of the next conversation to open (lifecycle.ts)
  private rateConv = ""; // the solved conversation the rating question is for
  private root: ShadowRoot;
  private ed: HTMLElement; // the root element: theme and brand colour
  private log: HTMLElement;
  private panel: HTMLElement;
  private bubble: HTMLButtonElement;
  private badge: HTMLElement;
  private banner: HTMLElement;
  private input: HTMLTextAreaElement;
  private timeline = new Timeline();
  private page = new Page(); // how far back the history is loaded
  private loadingOlder = false;
  private older: HTMLButtonElement;
  private intro: HTMLElement; // the inbox's greeting, atop the conversation
  private days = new Map<string, HTMLElement>(); // day separators, by day
  private shown = new Map<string, HTMLElement>(); // Entry.key → its row
  private unsent = new Map<string, { text: string; attachments?: string[] }>(); // by client_id, until acked
  private typingEl: HTMLElement;
  private notice: HTMLElement; // why a file was not sent
  private noticeOff: ReturnType<typeof setTimeout> | undefined;
  private uploadWait = new Cooldown(); // after a 429: no upload before the edge takes one
  private away: HTMLElement;
  private available = true;
  private rating!: HTMLElement;
  private readSeq = 0; // the highest sequence an agent has read
  private prechatForm: HTMLFormElement;
  private chatForm: HTMLFormElement;
  private prechatKey: string;
  private typingOff?: ReturnType<typeof setTimeout>; // hides the agent's typing
  private typingSent = 0; // when the visitor's "typing on" was last sent
  private typingStop?: ReturnType<typeof setTimeout>; // sends "typing off"
  private user?: User;
  private token = ""; // the session token of the welcome, for HTTP
  private base: string;
  private inbox?: Brand;
  private names = new Map<string, string>(); // agent (actor) → display name, as items gave them
  private unread = 0; // agents' messages since the panel was last open
  private atBottom = true; // the log is scrolled to its end
  private full = window.matchMedia(phone); // the panel fills the screen
  private locked?: { html: string; body: string }; // the page's overflow, while the panel covers it
  private calls!: CallUI; // callui.ts: the call button's calls and the call panel

  constructor(opts: Options, base: string) {
    const host = document.createElement("div");
    host.id = "edgedesk-widget";
    // Inline !important beats any page rule (say "* { display: none
    // !important }") on the one element of the widget in the page's tree.
    host.style.setProperty("display", "block", "important");
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: "open" });
    this.root = root;
    root.innerHTML = `<style>${css}${callCss}</style>
      <div class="ed">
      <button class="bubble" type="button" aria-expanded="false"><span class="badge" aria-hidden="true" hidden></span></button>
      <section class="panel" role="dialog" hidden>
        <header><span class="avatars" aria-hidden="true"></span><div class="who"><h2 class="title"></h2><p class="subtitle"></p></div>
          <span class="actions"></span></header>
<section class="callpanel" hidden></section>
        <div class="banner" role="status" hidden></div>
        <div class="away" hidden><p role="status"></p>
          <form class="email"><input type="email" autocomplete="email" maxlength="254"><button type="submit"></button></form></div>
        <form class="prechat" hidden><p></p><button class="primary" type="submit"></button></form>
        <div class="log" role="log" aria-live="polite" tabindex="0"></div>
        <div class="typing" aria-live="polite"><span class="dots" aria-hidden="true"><i></i><i></i><i></i></span><span class="label"></span></div>
        <div class="rating" hidden><p role="status"></p><div class="stars" role="group"></div></div>
        <div class="notice" role="alert" hidden></div>
        <form class="chat"><input type="file" accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain">
          <textarea rows="1" autocomplete="off" maxlength="16000" enterkeyhint="send"></textarea></form>
      </section></div>`;
    const $ = <T extends HTMLElement>(sel: string) => root.querySelector(sel) as T;
    this.ed = $(".ed");
    this.ed.lang = lang; // the widget's words, whatever the page's language
    this.setTheme(opts.theme ?? "auto");
    const bubble = $<HTMLButtonElement>(".bubble");
    this.bubble = bubble;
    this.badge = $(".badge");
    bubble.prepend(icon("chat", 28), icon("minimize", 28));
    bubble.children[0].classList.add("when-closed");
    bubble.children[1].classList.add("when-open");
    this.panel = $(".panel");
    this.log = $(".log");
    this.log.setAttribute("aria-label", t.title); // focusable, so that the keyboard scrolls it
    this.banner = $(".banner");
    this.chatForm = $<HTMLFormElement>(".panel > form.chat");
    this.input = this.chatForm.querySelector("textarea") as HTMLTextAreaElement;
    const file = $<HTMLInputElement>("input[type=file]");
    const attach = iconButton("attach", "attach", t.attach);
    attach.title = t.attach;
    this.chatForm.insertBefore(attach, file);
    const send = iconButton("send", "send", t.send, 18);
    send.type = "submit";
    this.chatForm.appendChild(send);
    attach.addEventListener("click", () => file.click());
    file.addEventListener("change", () => {
      const f = file.files?.[0];
      file.value = "";
      if (f) void this.sendFile(f);
    });
    this.older = el("button", "older", t.earlier);
    this.older.type = "button";
    this.older.addEventListener("click", () => void this.loadOlder());
    this.intro = el("div", "row agent first last intro");
    this.intro.append(el("span", "avatar"), el("div", "stack"));
    this.intro.lastElementChild!.append(el("div", "author"), el("div", "greet"));
    this.log.addEventListener("scroll", () => this.scrolled(), { passive: true });
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
    const actions = $(".actions");
    const call = iconButton("hbtn call", "call", t.call);
    call.title = t.call;
    const close = iconButton("hbtn close", "minimize", t.close, 22);
    close.firstElementChild!.classList.add("on-desk");
    close.appendChild(icon("close", 22)).classList.add("on-phone");
    close.title = t.close;
    actions.append(call, close);
    this.panel.setAttribute("aria-label", t.title);
    this.brand(undefined);
    this.banner.textContent = t.reconnecting;
    this.input.placeholder = t.placeholder;
    this.input.setAttribute("aria-label", t.placeholder);
    this.drawLauncher();
    bubble.addEventListener("click", () => this.toggle());
    this.panel.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        this.toggle(false);
        bubble.focus();
      }
    });
    this.input.addEventListener("input", () => {
      this.fit();
      this.typing();
    });
    // Enter sends, Shift+Enter starts a new line (not while an input
    // method composes a word).
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.chatForm.requestSubmit();
      }
    });
    close.addEventListener("click", () => {
      this.toggle(false);
      bubble.focus();
    });
    this.full.addEventListener("change", () => this.lockPage());
    this.chatForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = this.input.value.trim();
      if (text) {
        this.input.value = "";
        this.fit();
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
        this.available = f.available !== false;
        this.away.hidden = this.available;
        this.brand(f.inbox);
        this.askPrechat(f);
        void this.ready(f);
      },
      event: (f) => this.onEvent(f),
      resync: () => {
        if (this.conv) void this.load(this.conv, false); // the timeline keeps each message once
      },
      status: (up) => {
        this.banner.textContent = t.reconnecting;
        this.banner.hidden = up;
        if (!up) this.calls?.lost(); // the edge took the connection out of its call
      },
      refused: () => {
        this.banner.textContent = t.refused;
        this.banner.hidden = false;
      },
    });
    this.calls = new CallUI({ panel: $(".callpanel"), button: call, conn: this.conn, base, token: () => this.token, conv: () => this.conv,
      opened: () => this.opened(), show: () => this.toggle(true), lang });
    this.render();
    this.conn.connect();
  }

  // fit grows the message field with what is written, up to a few lines,
  // and shows the send button ready when there is something to send.
  private fit(): void {
    const ta = this.input;
    ta.style.height = "auto";
    ta.style.height = Math.min(ta.scrollHeight, 120) + "px";
    this.chatForm.classList.toggle("ready", ta.value.trim() !== "");
  }

  // setTheme follows the system's colour scheme (auto) or forces one.
  setTheme(theme: Theme): void {
    if (theme === "light" || theme === "dark") this.ed.dataset.theme = theme;
    else delete this.ed.dataset.theme;
  }

  // brand shows the inbox as the edge describes it (the welcome's inbox):
  // its name, colour, greeting and expected reply time.
  private brand(b: Brand | undefined): void {
    this.inbox = b;
    const color = validColor(b?.color) ? b!.color!.toLowerCase() : "";
    if (color) {
      this.ed.style.setProperty("--ed-brand", color);
      this.ed.style.setProperty("--ed-on-brand", onColor(color));
    } else {
      this.ed.style.removeProperty("--ed-brand");
      this.ed.style.removeProperty("--ed-on-brand");
    }
    const name = b?.name || t.title;
    (this.root.querySelector(".title") as HTMLElement).textContent = name;
    this.panel.setAttribute("aria-label", name);
    (this.intro.querySelector(".greet") as HTMLElement).textContent = b?.greeting || t.greeting;
    (this.intro.querySelector(".author") as HTMLElement).textContent = this.teamName();
    this.drawHeader();
  }

  // teamName is who speaks for the inbox: its name, else "Support".
  private teamName(): string {
    return this.inbox?.name || t.team;
  }

  // drawHeader shows who answers (the agents of this conversation, or the
  // inbox) and when: online or away, and the usual reply time.
  private drawHeader(): void {
    const subtitle = !this.available ? t.awayShort : t.replies[this.inbox?.reply_time ?? ""] ?? t.online;
    const sub = this.root.querySelector(".subtitle") as HTMLElement;
    if (sub.textContent !== subtitle) sub.textContent = subtitle;
    const who = Array.from(new Set(this.names.values())).slice(-3);
    const avatars = this.root.querySelector(".avatars") as HTMLElement;
    const want = (who.length ? who : [this.teamName()]).map((n) => initials(n) || "?");
    if (avatars.dataset.shown !== want.join("|")) {
      avatars.dataset.shown = want.join("|");
      avatars.replaceChildren(...want.map((i) => el("span", "avatar", i)));
    }
    const intro = this.intro.querySelector(".avatar") as HTMLElement;
    intro.textContent = initials(this.teamName()) || "?";
  }

  // drawLauncher says whether the panel is open, and how many agents'
  // messages came while it was closed.
  private drawLauncher(): void {
    const open = !this.panel.hidden;
    this.bubble.setAttribute("aria-expanded", String(open));
    this.bubble.setAttribute("aria-label", open ? t.close : this.unread ? t.openUnread(this.unread) : t.open);
    this.badge.hidden = open || this.unread === 0;
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
  }

  // wireRating sets up the question a resolved conversation asks: five
  // stars, 1 (very unhappy) to 5 (very happy), its CSAT rating.
  private wireRating($: <T extends HTMLElement>(sel: string) => T): void {
    this.rating = $(".rating");
    const stars = $(".rating .stars");
    stars.setAttribute("aria-label", t.rateAsk);
    for (let n = 1; n <= 5; n++) {
      const b = iconButton("", "star", t.rateLabel(n), 22);
      b.title = t.rateLabel(n);
      b.addEventListener("click", async () => {
        const ack = await this.conn.request({ type: "rate", conv: this.rateConv || this.conv, score: n });
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

  // noteRating follows the conversation's status and ratings: a resolved
  // conversation asks, and keeps asking once it is closed.
  private noteRating(it: Item): void {
    if (it.conv !== this.conv && it.conv !== this.rateConv) return;
    if (it.kind === "status" && it.status !== "closed") {
      this.rateConv = it.status === "resolved" ? it.conv : "";
      this.showRating(this.rateConv ? "ask" : "none");
    }
    if (it.kind === "rating") this.showRating("thanks");
  }

  // forget lets go of a closed conversation: what it said stays on
  // screen, and the visitor's next message opens a new one (the edge
  // takes no more messages into it).
  private forget(conv: string): void {
    if (!conv || conv !== this.conv) return;
    this.conv = "";
    this.startID = nextStart(conv);
    this.page = new Page(); // no earlier pages to load: they were the closed one's
    this.showTyping(false);
  }

  // setUser switches to a signed-in user's conversation (or back to the
  // anonymous visitor's): what is shown is cleared and loaded again.
  setUser(user?: User): void {
    this.calls.reset(); // another identity: the call was the other one's
    this.conv = "";
    this.startID = firstStart;
    this.rateConv = "";
    this.showRating("none");
    this.timeline = new Timeline();
    this.page = new Page();
    this.shown.clear();
    this.days.clear();
    this.names.clear();
    this.unsent.clear();
    this.readSeq = 0;
    this.log.replaceChildren();
    this.render();
    this.user = user;
    this.conn.reconnect();
  }

  open(): void {
    this.toggle(true);
  }

  private toggle(show = this.panel.hidden): void {
    this.panel.hidden = !show;
    if (show) {
      this.unread = 0;
      this.toBottom();
      this.input.focus();
      this.fill();
    }
    this.drawLauncher();
    this.lockPage();
  }

  // lockPage keeps the page from scrolling behind the panel while the
  // panel covers it (full screen), and gives the page its scrolling back
  // afterwards.
  private lockPage(): void {
    const lock = !this.panel.hidden && this.full.matches;
    const html = document.documentElement.style;
    const body = document.body.style;
    if (lock && !this.locked) {
      this.locked = { html: html.overflow, body: body.overflow };
      html.overflow = body.overflow = "hidden";
    } else if (!lock && this.locked) {
      html.overflow = this.locked.html;
      body.overflow = this.locked.body;
      this.locked = undefined;
    }
  }

  // ready runs after each welcome: the first finds the visitor's latest
  // conversation, if there is one, and loads its history; every one sends
  // what the edge had not acknowledged, with the same client ids. A
  // visitor who never writes opens no conversation.
  private async ready(welcome: OutFrame): Promise<void> {
    if (!this.conv) {
      const convs = welcome.conversations ?? [];
      if (convs.length > 0) await this.load(convs[0].id, true);
    }
    for (const [cid, m] of this.unsent) void this.deliver(cid, m.text, m.attachments);
  }

  // load shows a conversation's latest history: first, when the widget
  // opens it, else again after a resync (what is shown stays).
  private async load(conv: string, first: boolean): Promise<void> {
    if (first && conv !== this.rateConv) {
      this.rateConv = ""; // a new conversation: the question was the closed one's
      this.showRating("none");
    }
    this.conv = conv;
    const h = await this.conn.request({ type: "history", conv, limit: firstPage });
    this.took(h, first);
    this.log.setAttribute("aria-busy", "true"); // the history is not news either
    this.render(true);
    setTimeout(() => this.log.removeAttribute("aria-busy"), 100);
    this.fill();
  }

  // took adds a history page to what is shown.
  private took(h: OutFrame, first: boolean): void {
    if (h.type !== "history") return;
    const items = h.items ?? [];
    for (const it of items) {
      this.note(it);
      this.calls.note(it, false);
      this.timeline.add(it);
      this.noteRating(it);
    }
    this.page.took(items, Boolean(h.more), first);
    this.readSeq = Math.max(this.readSeq, Number(h.conversation?.read_seq ?? 0));
    // closed while this page was asked for (or before a reload): let it go
    if (h.conversation && closes(this.conv, undefined, h.conversation)) this.forget(this.conv);
  }

  // loadOlder loads the page before the oldest item shown, keeping what
  // the visitor looks at in place.
  private async loadOlder(): Promise<void> {
    if (this.loadingOlder || !this.page.more || !this.conv) return;
    this.loadingOlder = true;
    this.older.disabled = true;
    this.older.textContent = t.loading;
    const fromEnd = this.log.scrollHeight - this.log.scrollTop;
    const h = await this.conn.request({ type: "history", conv: this.conv, before: this.page.oldest, limit: olderPage });
    this.took(h, false);
    this.loadingOlder = false;
    this.older.disabled = false;
    this.older.textContent = t.earlier;
    // older messages are not news: screen readers are not to read them out
    this.log.setAttribute("aria-busy", "true");
    this.render(false);
    this.log.scrollTop = this.log.scrollHeight - fromEnd;
    setTimeout(() => this.log.removeAttribute("aria-busy"), 100);
    this.fill();
  }

  // fill loads older pages while the log does not fill its height (the
  // visitor could not scroll up to ask for them).
  private fill(): void {
    if (this.page.more && !this.panel.hidden && this.log.scrollHeight <= this.log.clientHeight + 40) void this.loadOlder();
  }

  private scrolled(): void {
    this.atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 48;
    if (this.log.scrollTop < 160) void this.loadOlder();
  }

  // note keeps the names the edge gives agents' items, for the header and
  // for typing ("Alice is typing…").
  private note(it: Item): void {
    if (it.kind === "message" && it.actor_kind === "agent" && it.actor_id && it.actor_name) this.names.set(it.actor_id, it.actor_name);
  }

  // open starts the visitor's conversation with the first message (the edge
  // returns the same one for the same client id, from any tab). A closed
  // one takes no more messages: the next one after it is opened instead
  // (the first message after a reload finds the latest that is not).
  private async opened(): Promise<boolean> {
    for (let hops = 0; hops < 50 && !this.conv; hops++) {
      const id = this.startID;
      const ack = await this.conn.request({ type: "start", client_id: id, lang: navigator.language });
      if (ack.type !== "ack" || !ack.conv) return false;
      if (this.conv) break;
      if (ack.conversation?.status === "closed") {
        if (this.startID === id) this.startID = nextStart(ack.conv);
        continue;
      }
      await this.load(ack.conv, true);
    }
    return this.conv !== "";
  }

  private async send(text: string, attachments?: string[]): Promise<void> {
    const cid = "w" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    this.unsent.set(cid, { text, attachments });
    this.timeline.sent(cid, text, attachments, Date.now());
    this.render(true);
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

  private async deliver(cid: string, text: string, attachments?: string[], again = true): Promise<void> {
    if (!(await this.opened())) return; // kept in unsent: sent again after reconnecting
    const conv = this.conv;
    const ack = await this.conn.request({ type: "send", conv, client_id: cid, text, attachments });
    if (refusedClosed(ack) && again) {
      // the conversation was closed before the widget heard: the message
      // opens a new one (once: a second refusal waits for a reconnect)
      this.forget(conv);
      return this.deliver(cid, text, attachments, false);
    }
    if (ack.type !== "ack" || !ack.seq) return; // kept in unsent: sent again after reconnecting
    this.unsent.delete(cid);
    this.timeline.acked(cid, ack.seq);
    this.render();
  }

  private onEvent(f: OutFrame): void {
    if (this.calls.signal(f)) return;
    if (f.type === "event" && f.item) {
      this.note(f.item);
      this.calls.note(f.item);
      this.noteRating(f.item);
    }
    if (f.type === "event" && f.item && f.item.conv === this.conv && this.timeline.add(f.item)) {
      if (f.item.actor_kind !== "customer") {
        this.showTyping(false);
        if (this.panel.hidden) {
          this.unread++;
          this.drawLauncher();
        }
      }
      this.render();
    }
    // a closed conversation is final: the next message opens a new one
    if (f.type === "event" && closes(this.conv, f.item, f.conversation)) this.forget(this.conv);
    if (f.type === "typing" && f.actor_kind === "agent" && f.conv === this.conv) this.showTyping(Boolean(f.on), f.actor_id);
    if (f.type === "availability") {
      this.available = f.available !== false;
      this.away.hidden = this.available;
      this.drawHeader();
    }
    if (f.type === "event" && f.item?.kind === "read" && f.item.actor_kind === "agent" && f.item.conv === this.conv) {
      this.readSeq = Math.max(this.readSeq, Number(f.item.read_seq ?? 0));
      this.render();
    }
  }

  // showTyping shows that an agent types, for at most 6 s without news.
  private showTyping(on: boolean, agent?: string): void {
    clearTimeout(this.typingOff);
    const name = agent ? this.names.get(agent) : undefined;
    const label = on ? (name ? t.typingName(name) : t.typing) : "";
    const text = this.typingEl.querySelector(".label") as HTMLElement;
    if (text.textContent !== label) text.textContent = label;
    this.typingEl.classList.toggle("on", on);
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
        const label = el("label");
        const input = el("input");
        input.name = f;
        input.type = f === "email" ? "email" : "text";
        input.autocomplete = f === "email" ? "email" : "name";
        input.required = true;
        input.maxLength = f === "email" ? 254 : 100;
        label.append(el("span", "", f === "email" ? t.emailRequired : t.name), input);
        form.insertBefore(label, form.querySelector("button"));
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
    this.typingEl.hidden = show;
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
      form.replaceWith(el("p", "", t.noted + email));
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

  // render makes the log show the timeline: the inbox's greeting once the
  // history is loaded to its start (else the button for older messages),
  // a separator before each day, and each message in its group (name and
  // avatar at the group's ends, time at its end), reusing what is shown
  // and moving only what changed place. stick scrolls to the end; by
  // default the log stays at its end when it was there.
  private render(stick = this.atBottom): void {
    const entries = this.timeline.entries();
    const want: HTMLElement[] = [this.page.more ? this.older : this.intro];
    const now = Date.now();
    let lastOwn: Entry | undefined;
    for (const e of entries) if (e.who === "customer") lastOwn = e;
    let prev: Entry | undefined;
    let day = "";
    entries.forEach((e, i) => {
      const ts = e.ts ?? now;
      const first = dayKey(ts) !== day || !sameGroup(prev, e);
      if (dayKey(ts) !== day) {
        day = dayKey(ts);
        want.push(this.daySeparator(day, ts, now));
      }
      const next = entries[i + 1];
      const last = !next || !sameGroup(e, next);
      const row = this.row(e);
      this.decorate(row, e, first, last, e === lastOwn);
      want.push(row);
      prev = e;
    });
    let cur = this.log.firstElementChild;
    for (const n of want) {
      if (n === cur) cur = cur.nextElementSibling;
      else this.log.insertBefore(n, cur);
    }
    while (cur) {
      const gone = cur;
      cur = cur.nextElementSibling;
      gone.remove();
    }
    this.drawHeader();
    if (stick) this.toBottom();
  }

  private toBottom(): void {
    this.log.scrollTop = this.log.scrollHeight;
    this.atBottom = true;
  }

  private daySeparator(key: string, ts: number, now: number): HTMLElement {
    let sep = this.days.get(key);
    if (!sep) {
      sep = el("div", "day");
      sep.setAttribute("role", "separator");
      this.days.set(key, sep);
    }
    const label = dayLabel(ts, now, locale, t);
    if (sep.textContent !== label) sep.textContent = label;
    return sep;
  }

  // row is a message's row, made once: the avatar (agents), the author's
  // name, the message and its time and state.
  private row(e: Entry): HTMLElement {
    let row = this.shown.get(e.key);
    if (row) return row;
    if (e.who === "call" && e.call) {
      row = this.calls.row(e.call)!; // callui.ts: "Video call · 3:12"
      this.shown.set(e.key, row);
      return row;
    }
    row = el("div", `row ${e.who}`);
    const stack = el("div", "stack");
    if (e.who === "agent") {
      const avatar = el("span", "avatar");
      avatar.setAttribute("aria-hidden", "true");
      row.appendChild(avatar);
      stack.appendChild(el("div", "author"));
    }
    stack.append(this.message(e), el("div", "meta"));
    row.appendChild(stack);
    this.shown.set(e.key, row);
    return row;
  }

  // message is the message itself: its text (web addresses as links, the
  // rest as text) and its attachments.
  private message(e: Entry): HTMLElement {
    const m = el("div", `msg ${e.who}`);
    for (const run of links(e.text)) {
      if (!run.href) {
        m.append(run.text);
        continue;
      }
      const a = el("a", "", run.text);
      a.href = run.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      m.appendChild(a);
    }
    if (!e.text && e.attachments?.length) m.classList.add("media");
    for (const id of e.attachments ?? []) void this.attachment(m, id);
    return m;
  }

  // decorate shows what depends on a message's neighbours and state: the
  // name and avatar at its group's ends, the time at the group's end, and
  // for the visitor's last message whether it was sent and seen.
  private decorate(row: HTMLElement, e: Entry, first: boolean, last: boolean, lastOwn: boolean): void {
    if (e.who === "call") return; // callui.ts draws its line whole
    row.classList.toggle("first", first);
    row.classList.toggle("last", last);
    if (e.seq !== undefined) row.dataset.seq = String(e.seq);
    const msg = row.querySelector(".msg") as HTMLElement;
    msg.classList.toggle("pending", e.seq === undefined);
    const name = e.who === "agent" ? e.author || this.teamName() : "";
    if (e.who === "agent") {
      const author = row.querySelector(".author") as HTMLElement;
      author.hidden = !first;
      if (author.textContent !== name) author.textContent = name;
      const avatar = row.querySelector(".avatar") as HTMLElement;
      const i = initials(name) || "?";
      if (avatar.textContent !== i) avatar.textContent = i;
    }
    const state = e.who !== "customer" ? "" : e.seq === undefined ? "sending" : e.seq <= this.readSeq ? "seen" : "sent";
    if (state) row.dataset.state = state;
    const meta = row.querySelector(".meta") as HTMLElement;
    const showMeta = last || lastOwn;
    const sig = showMeta ? `${e.ts}|${state}|${lastOwn}` : "";
    if (meta.dataset.sig === sig) return;
    meta.dataset.sig = sig;
    meta.hidden = !showMeta;
    meta.replaceChildren();
    if (!showMeta) return;
    if (e.ts) {
      const time = el("time", "", timeLabel(e.ts, locale));
      time.dateTime = new Date(e.ts).toISOString();
      time.title = fullTime(e.ts, locale);
      meta.appendChild(time);
    }
    if (!state) return;
    const s = el("span", "state");
    s.appendChild(icon(state as IconName, 14));
    if (lastOwn) {
      s.append(state === "seen" ? t.seen : state === "sent" ? t.sent : t.sending);
      if (state === "seen") s.classList.add("seen");
    } else s.title = state === "seen" ? t.seen : t.sent;
    if (e.ts) meta.append("·");
    meta.appendChild(s);
  }

  // attachment fetches an attachment with the session token and shows an
  // image as a preview, anything else as a link to the bytes under its
  // name; a file the edge does not give says so.
  private async attachment(m: HTMLElement, id: string): Promise<void> {
    const wait = el("span", "placeholder");
    wait.setAttribute("aria-hidden", "true");
    m.appendChild(wait);
    const file = await fetchAttachment(this.base, id, this.token);
    if (!file) {
      const gone = el("span", "file");
      gone.append(icon("alert", 18), t.unavailable);
      wait.replaceWith(gone);
      return;
    }
    if (file.image) {
      // the picture, which opens at full size in a new tab
      const a = el("a", "picture");
      a.href = file.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      const img = el("img");
      img.src = file.url;
      img.alt = file.name;
      img.addEventListener("load", () => {
        if (this.atBottom) this.toBottom();
      });
      a.appendChild(img);
      wait.replaceWith(a);
    } else {
      const a = el("a", "file");
      a.href = file.url;
      a.download = file.name;
      a.rel = "noopener noreferrer";
      a.append(icon("file", 18), el("span", "", file.name));
      wait.replaceWith(a);
    }
    if (this.atBottom) this.toBottom();
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

// setTheme forces the widget's light or dark theme, or (auto) follows the
// system's.
export function setTheme(theme: Theme): void {
  widget?.setTheme(theme);
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
  const theme = script.dataset.theme as Theme | undefined;
  const start = () => init({ inbox, theme });
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
}
