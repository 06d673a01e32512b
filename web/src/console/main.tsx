// The agent console: sign in, the tenant's conversations with live updates,
// search, sort and filters, a conversation's timeline paged back to its
// first message, replies and private notes, assignment, status, priority
// and snooze, teams and custom fields, links, merges and splits, the
// customer beside it; search of every message (Ctrl+K); the settings pages
// (canned responses, inboxes, teams, fields, automation rules and macros,
// for admins the webhooks and the REST API keys); the profile menu, the themes and the
// keyboard shortcuts. It speaks protocol v1 over the same Connection as
// the widget.

import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import type { Agent, CustomStatus, FieldDef, Inbox, Macro, Presence, Rule, Team, View } from "../protocol.gen";
import { Connection, type Handlers, OutFrame } from "../widget/protocol";
import { CallPanel, IncomingCalls, desk as calls } from "./callpanel";
import { Cooldown } from "../throttle";
import { Canned, Conv, counts, visible, Unread, who } from "./inbox";
import { ApiKeysScreen, apiKeysCss } from "./apikeys-screen";
import { designCss } from "./design";
import { consoleCss } from "./styles";
import { ticketCss } from "./ticket-styles";
import { signIn } from "./session";
import { actions, ConversationView, Look, Refusal } from "./conversation";
import { missingOf, solveRefusal } from "./fields";
import { Found, noSearch, SearchPage } from "./search-screen";
import type { SearchHit } from "./search";
import { inTeam, teamName } from "./teams";
import { ContactPanel } from "./contact";
import { ConversationList, ListState, ViewList } from "./list";
import { rows as viewRows, Throttle, type Names as ViewNames } from "./views";
import { labelOf, valueText } from "./fields";
import { CannedPage, InboxesPage } from "./settings";
import { HelpDialog, ProfileMenu } from "./profile";
import { agentName } from "./people";
import * as prefsStore from "./prefs";
import { shortcut } from "./shortcuts";
import { defaultFilter, filterOf, solvable } from "./status";
import { add, empty, Loaded, page } from "./timeline";
import { breachToast } from "./sla";
import { knownTags } from "./tags";
import { Icon, IconName } from "./icons";
import { Notice, toast, Toaster } from "./ui";

// The automation page (rules, macros and their editors) is loaded when it
// is first opened: most agents never open it, and signing in stays as
// quick as it was.
const AutomationPage = lazy(() => import("./automation-screen").then((m) => ({ default: m.AutomationPage })));
// So are the Teams, Fields, Views, Statuses and SLA settings, which admins
// open now and then.
const TeamsPage = lazy(() => import("./teams-screen").then((m) => ({ default: m.TeamsPage })));
const FieldsPage = lazy(() => import("./fields-screen").then((m) => ({ default: m.FieldsPage })));
const ViewsPage = lazy(() => import("./views-screen").then((m) => ({ default: m.ViewsPage })));
const StatusesPage = lazy(() => import("./statuses-screen").then((m) => ({ default: m.StatusesPage })));
const SLAPage = lazy(() => import("./sla-screen").then((m) => ({ default: m.SLAPage })));
// and the Webhooks page, for admins
const WebhooksPage = lazy(() => import("./webhooks-screen").then((m) => ({ default: m.WebhooksPage })));
const loadingPage = (what: string) => <div className="settings"><div className="state"><Icon name="spinner" className="spin" size={20} /><p role="status">Loading {what}…</p></div></div>;

const tokenKey = "edgedesk:console:token";

// welcomeWait is the longest the sign-in waits for the edge's welcome
// before it draws the console (ms).
const welcomeWait = 250;
const listKey = "edgedesk:console:list"; // the list's view, status filter and order, for a reload

// viewsEvery is how often, at most, the console asks the edge again for
// the views' counts (and the conversations of the view shown) while
// conversations change (ms).
const viewsEvery = 3000;

function savedList(): Partial<ListState> {
  try {
    const l = JSON.parse(sessionStorage.getItem(listKey) ?? "{}") as Partial<ListState> & { filter?: string };
    // a filter this console no longer offers (an older one's "snoozed") gives way to the default
    if (typeof l.status === "string" && !filterOf(l.status)) delete l.status;
    // an older console's Mine and Unassigned tabs are the views of those names
    if (l.view === undefined && (l.filter === "mine" || l.filter === "unassigned")) l.view = l.filter;
    delete l.filter;
    if (typeof l.view !== "string") delete l.view;
    return l;
  } catch {
    return {};
  }
}

// mark records a moment for the Performance API (the console benchmark,
// web/e2e/console-bench.mjs, reads them).
const mark = (name: string) => performance.mark?.(`edgedesk:${name}`);

// announce tells the agent of a new conversation, as they chose in the
// profile menu: a desktop notification (when the browser allows it) and a
// short tone.
function announce(prefs: prefsStore.Prefs, c?: Conv) {
  if (prefs.desktop && "Notification" in window && Notification.permission === "granted") {
    new Notification("New conversation", { body: c ? who(c) : "", tag: c?.id });
  }
  if (!prefs.sound) return;
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.08;
    tone.frequency.value = 880;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
    tone.onended = () => void audio.close();
  } catch {
    // no audio output: the notification is enough
  }
}

// Login signs the agent in. A refusal is shown as the edge gave it; a
// locked account (429) says how long to wait, and nothing retries.
function Login({ onSession }: { onSession: (s: Session) => void }) {
  const [error, setError] = useState<{ error: string; hint?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    if (busy) return;
    const form = new FormData(ev.currentTarget);
    setBusy(true);
    mark("sign-in");
    const r = await signIn(String(form.get("email") ?? ""), String(form.get("password") ?? ""));
    if (r.error !== undefined) {
      setBusy(false);
      setError(r);
      return;
    }
    mark("signed-in");
    sessionStorage.setItem(tokenKey, r.token);
    // Asked while the click still counts as the agent's gesture.
    if ("Notification" in window && Notification.permission === "default" && prefsStore.load().desktop) void Notification.requestPermission();
    // the console draws once the edge has welcomed the session (a few ms
    // on a near edge), so its first requests are out before
    const s = new Session(r.token);
    await s.ready(welcomeWait);
    onSession(s);
  };
  return (
    <main className="login-page">
      <form className="login card" onSubmit={(ev) => void submit(ev)} aria-label="Sign in">
        <div className="brand"><img src="/console/favicon.svg" alt="" width={32} height={32} /><span>Edgedesk</span></div>
        <h1>Sign in</h1>
        <p className="hint">to the agent console of your help desk.</p>
        <label className="field"><span>E-mail</span><input className="input" name="email" type="email" autoComplete="username" required autoFocus /></label>
        <label className="field"><span>Password</span><input className="input" name="password" type="password" autoComplete="current-password" required /></label>
        {error && (
          <Notice kind="error"><p><strong>{error.error}</strong>{error.hint && <><br />{error.hint}</>}</p></Notice>
        )}
        <button type="submit" className="btn primary" disabled={busy}>{busy && <span className="spinner" aria-hidden="true" />}Sign in</button>
      </form>
    </main>
  );
}

type Screen = "inbox" | "search" | "canned" | "inboxes" | "teams" | "fields" | "views" | "statuses" | "sla" | "automation" | "webhooks" | "apikeys";
const screens: { id: Screen; label: string; icon: IconName; admin?: boolean; title?: string }[] = [
  { id: "inbox", label: "Conversations", icon: "conversations" },
  { id: "search", label: "Search", icon: "search", title: "Search every message (Ctrl+K)" },
  { id: "canned", label: "Canned responses", icon: "canned" },
  { id: "inboxes", label: "Inboxes", icon: "inboxes" },
  { id: "teams", label: "Teams", icon: "team" },
  { id: "fields", label: "Fields", icon: "fields" },
  { id: "views", label: "Views", icon: "views", admin: true, title: "Saved views" },
  { id: "statuses", label: "Statuses", icon: "statuses", title: "Custom statuses" },
  { id: "sla", label: "SLA", icon: "sla", title: "SLA policy and business hours" },
  { id: "automation", label: "Automation", icon: "automation" },
  { id: "webhooks", label: "Webhooks", icon: "webhook", admin: true, title: "Webhooks: tell your other systems what happens" },
  { id: "apikeys", label: "API keys", icon: "key", admin: true },
];

// wide is the window width from which the contact panel fits beside the
// conversation (styles.ts).
const wide = 1200;

// pageSize is how many conversations the console asks for at a time (the
// edge's most); it goes on asking until it has them all.
const pageSize = 500;

// firstShow is how long after the first page of conversations the list
// waits for the next ones before it shows what it has (ms); showEvery, how
// often it shows more of a long list while the rest loads.
const firstShow = 120;
const showEvery = 500;

// Session is a signed-in agent's connection to the edge. It is opened as
// soon as the token is known, before the console first draws: drawing it
// holds the page's only thread, and the hello, the welcome and the
// console's first requests are better on their way by then. What arrives
// before the console attaches its handlers is kept for them, in order.
class Session implements Handlers {
  readonly conn: Connection;
  private on?: Handlers;
  private early: ((on: Handlers) => void)[] = [];
  private answered?: () => void;

  // ready resolves when the edge welcomed (or refused) the session, or
  // after ms, whichever is first.
  ready(ms: number): Promise<void> {
    if (this.early.length > 0 || this.on) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.answered = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  constructor(readonly token: string) {
    this.conn = new Connection(location.origin, () => ({ type: "hello", v: 1, token, scope: "all" }), this);
    this.conn.connect();
  }

  attach(on: Handlers): void {
    this.on = on;
    const early = this.early;
    this.early = [];
    for (const f of early) f(on);
  }

  private pass(f: (on: Handlers) => void): void {
    if (this.on) f(this.on);
    else this.early.push(f);
    this.answered?.();
    this.answered = undefined;
  }

  welcome(f: OutFrame): void { this.pass((on) => on.welcome(f)); }
  event(f: OutFrame): void { this.pass((on) => on.event(f)); }
  resync(f: OutFrame): void { this.pass((on) => on.resync(f)); }
  status(up: boolean): void { this.pass((on) => on.status(up)); }
  refused(reason: string): void { this.pass((on) => on.refused(reason)); }
}

function Console({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const token = session.token;
  const conn = useRef<Connection | null>(null);
  const [me, setMe] = useState("");
  const [online, setOnline] = useState(false);
  const [convs, setConvs] = useState(new Map<string, Conv>());
  const [loadingList, setLoadingList] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [selected, setSelected] = useState("");
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [list, setList] = useState<ListState>(() => ({ view: "", status: defaultFilter, sort: "newest", ...savedList(), query: "" }));
  useEffect(() => {
    try {
      sessionStorage.setItem(listKey, JSON.stringify({ view: list.view, status: list.status, sort: list.sort }));
    } catch {
      // not kept: the next page starts from the defaults
    }
  }, [list.view, list.status, list.sort]);
  // the views (built-in, then the tenant's; null until the edge said), their
  // counts, and the conversations of the one the list shows
  const [views, setViews] = useState<View[] | null>(null);
  const [viewCounts, setViewCounts] = useState<Record<string, number>>({});
  const [viewList, setViewList] = useState<ViewList | null>(null);
  const viewsButton = useRef<HTMLButtonElement | null>(null);
  // the tenant's custom statuses: badges and the status picker
  const [customStatuses, setCustomStatuses] = useState<CustomStatus[]>([]);
  const [presence, setPresence] = useState(new Map<string, string>()); // agent id → presence
  const [team, setTeam] = useState(new Map<string, Agent>());
  const [unread, setUnread] = useState(new Unread());
  const [typingIn, setTypingIn] = useState(""); // the conversation whose customer types
  const [canned, setCanned] = useState<Canned[]>([]);
  const [inboxes, setInboxes] = useState(new Map<string, Inbox>());
  // the automation rules (their names in the timeline) and the macros (the reply box's menu)
  const [rules, setRules] = useState<Rule[]>([]);
  const [macros, setMacros] = useState<Macro[]>([]);
  // the tenant's teams (names in the header, the list and the timeline)
  // and fields (the side panel; null while they load)
  const [teams, setTeams] = useState<Team[]>([]);
  const [defs, setDefs] = useState<FieldDef[] | null>(null);
  const [defsError, setDefsError] = useState("");
  // a Solve refused for want of fields; asking to fill them in focuses the first
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [fixFields, setFixFields] = useState(0);
  // a message to show: a search's hit, once its conversation is open
  const [focus, setFocus] = useState<{ conv: string; seq: number } | null>(null);
  const [found, setFound] = useState<Found>(noSearch);
  const findInput = useRef<HTMLInputElement | null>(null);
  const [screen, setScreen] = useState<Screen>("inbox");
  const [admin, setAdmin] = useState(false);
  const [prefs, setPrefs] = useState(prefsStore.load);
  const [help, setHelp] = useState(false);
  // the contact panel: beside the conversation from 1200 px, over it (and
  // closed until asked for) below
  const [details, setDetails] = useState(() => window.innerWidth >= wide);
  useEffect(() => {
    const q = window.matchMedia(`(min-width: ${wide}px)`);
    const follow = () => setDetails(q.matches);
    q.addEventListener("change", follow);
    return () => q.removeEventListener("change", follow);
  }, []);
  const [scrollTo, setScrollTo] = useState(-1);
  const uploadWait = useRef(new Cooldown()); // the session's uploads after a 429
  const typingOff = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reply = useRef<HTMLTextAreaElement | null>(null);
  const search = useRef<HTMLInputElement | null>(null);
  const historyBusy = useRef(false);
  const live = useRef({ selected: "", prefs, me });
  live.current = { selected, prefs, me };
  const breaches = useRef(new Set<string>()); // the breaches told (sla.ts's breachToast)
  const shownView = useRef(list.view); // the view the list shows, for answers that come later
  shownView.current = list.view;

  // loadViews asks for the views and their counts.
  const loadViews = async (c: Connection) => {
    const r = await c.request({ type: "views" });
    if (r.type === "views") {
      setViews(r.views ?? []);
      setViewCounts(r.counts ?? {});
    } else if (r.code !== "unavailable") setViews((v) => v ?? []);
  };
  // loadView asks for the conversations of view id, in its order; again
  // (quiet) keeps what the list shows until the answer comes.
  const loadView = async (c: Connection, id: string, again: boolean) => {
    if (!again) setViewList({ view: id, ids: [], total: 0, loading: true, error: "" });
    const r = await c.request({ type: "view", view: id, limit: pageSize });
    if (shownView.current !== id) return;
    if (r.type !== "conversations") {
      // not connected yet: the welcome asks again
      if (r.code === "unavailable" && !again) return;
      const error = r.message ?? r.code ?? "the edge did not answer";
      setViewList((l) => (l?.view === id ? { ...l, loading: false, error } : { view: id, ids: [], total: 0, loading: false, error }));
      return;
    }
    const got = r.conversations ?? [];
    for (const x of got) upsert(x);
    const total = r.total ?? got.length;
    setViewList({ view: id, ids: got.map((x) => x.id), total, loading: false, error: "" });
    setViewCounts((n) => (n[id] === total ? n : { ...n, [id]: total }));
  };
  // as conversations change, the counts (and the view shown) are asked
  // again, at most every viewsEvery
  const viewsAgain = useRef<Throttle | null>(null);
  viewsAgain.current ??= new Throttle(() => {
    const c = conn.current;
    if (!c) return;
    void loadViews(c);
    if (shownView.current) void loadView(c, shownView.current, true);
  }, viewsEvery);
  useEffect(() => () => viewsAgain.current?.cancel(), []);

  useLayoutEffect(() => {
    prefsStore.applyTheme(prefs.theme); // before the page is drawn again
    prefsStore.save(prefs);
  }, [prefs]);

  // held: what arrives from a (re)connection until its list is first
  // shown, drawn with it (each drawing of the console holds up the frames
  // behind it, the list's next page among them); apply runs f now or then.
  const held = useRef<(() => void)[] | null>(null);
  const apply = (f: () => void) => (held.current ? held.current.push(f) : f());
  // upsert takes a conversation from a live event. A burst of them (the
  // conversations routing hands the agent at sign-in, say) is applied at
  // once, 16 ms after the first: one new list rather than one per event.
  const queued = useRef(new Map<string, Conv>());
  const flush = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const upsert = (c: Conv) => {
    queued.current.set(c.id, c);
    if (flush.current !== undefined) return;
    flush.current = setTimeout(() => {
      flush.current = undefined;
      const batch = queued.current;
      queued.current = new Map();
      apply(() => setConvs((m) => {
        const next = new Map(m);
        for (const [id, x] of batch) if ((next.get(id)?.last_seq ?? 0) <= x.last_seq) next.set(id, x);
        return next;
      }));
    }, 16);
  };
  // connect as the console first draws (a layout effect runs at once; an
  // effect would wait for the next frame)
  useLayoutEffect(() => {
    mark("attached");
    held.current = [];
    // loadConvs loads the conversations page by page, newest activity
    // first. Pages that arrive within firstShow of the first are shown
    // with it, in one drawing (each drawing of the console holds up the
    // next page); a long list shows what it has by then and the rest as it
    // comes, at most one drawing per showEvery.
    const loadConvs = async () => {
      let before = 0;
      let pages = 0;
      let got: Conv[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const show = (more: boolean) => {
        clearTimeout(timer);
        timer = undefined;
        const page = got;
        got = [];
        // what arrived meanwhile first, in the same drawing
        const waiting = held.current ?? [];
        held.current = null;
        for (const f of waiting) f();
        // merged with what live events brought meanwhile (an assignment
        // at sign-in, say), the newer of each kept
        if (page.length > 0) {
          setConvs((m) => {
            const next = new Map(m);
            for (const x of page) if (!next.has(x.id) || next.get(x.id)!.last_seq < x.last_seq) next.set(x.id, x);
            return next;
          });
        }
        setLoadingList(false);
        setLoadingMore(more);
        if (more) timer = setTimeout(() => show(true), showEvery);
      };
      for (;;) {
        const r = await c.request({ type: "conversations", limit: pageSize, before });
        if (r.type !== "conversations") {
          if (r.type === "error" && r.code !== "unavailable") toast(`The conversations could not be loaded: ${r.message ?? r.code}`, "error");
          break;
        }
        mark(`list-page-${++pages}`);
        const more = r.conversations ?? [];
        got.push(...more);
        if (pages === 1) {
          mark("list-first-page");
          timer = setTimeout(() => show(true), firstShow);
        }
        if (!r.more || more.length === 0) break;
        before = more.reduce((lo, x) => Math.min(lo, x.last_seq), Infinity);
      }
      show(false);
      mark("list-complete");
    };
    const c = session.conn;
    session.attach({
      welcome: async (f) => {
        mark("welcome");
        held.current ??= [];
        const id = f.session?.id ?? "";
        const agents = new Map(Object.entries(f.agents ?? {}));
        apply(() => {
          setMe(id);
          setPresence(agents);
        });
        // the edge answers a connection's frames in order: the list's
        // first page first, then the team and the canned responses
        const listed = loadConvs();
        // names and roles are the agent records': admins get the API keys screen
        void c.request({ type: "agents" }).then((r) => {
          if (r.type !== "agents") return;
          const team = new Map((r.team ?? []).map((a) => [a.id, a]));
          apply(() => {
            setTeam(team);
            setAdmin((r.team ?? []).some((a) => a.id === id && a.role === "admin"));
          });
        });
        void c.request({ type: "canned" }).then((r) => {
          if (r.type === "canned") apply(() => setCanned(r.canned ?? []));
        });
        // inboxes by name in the contact panel
        void c.request({ type: "inboxes" }).then((r) => {
          if (r.type === "inboxes") apply(() => setInboxes(new Map((r.inboxes ?? []).map((x) => [x.id, x]))));
        });
        // the rules name what automation did in a timeline; macros are applied from the reply box
        void c.request({ type: "rules" }).then((r) => {
          if (r.type === "rules") apply(() => setRules(r.rules ?? []));
        });
        void c.request({ type: "macros" }).then((r) => {
          if (r.type === "macros") apply(() => setMacros(r.macros ?? []));
        });
        // teams and fields by name in the header, the list, the panel and the timeline
        void c.request({ type: "teams" }).then((r) => {
          if (r.type === "teams") apply(() => setTeams(r.teams ?? []));
        });
        void loadFields(c);
        // the custom statuses (badges, the status picker), and the view the list shows
        void c.request({ type: "statuses" }).then((r) => {
          if (r.type === "statuses") apply(() => setCustomStatuses(r.statuses ?? []));
        });
        if (shownView.current) void loadView(c, shownView.current, false);
        await listed;
        // the views' counts once every conversation is listed: the edge
        // counts them all, and the list's pages go first
        void loadViews(c);
      },
      // The edge replays no more than it keeps for a resume: reload the
      // list and the open conversation from history.
      resync: () => {
        void loadConvs();
        viewsAgain.current?.poke();
        if (live.current.selected) openHistory(live.current.selected);
      },
      event: (f: OutFrame) => {
        if (f.type === "presence" && typeof f.agent === "string") {
          setPresence((m) => new Map(m).set(f.agent as string, String(f.presence)));
          return;
        }
        if (f.type === "typing" && f.actor_kind === "customer") {
          clearTimeout(typingOff.current);
          setTypingIn(f.on ? String(f.conv) : "");
          if (f.on) typingOff.current = setTimeout(() => setTypingIn(""), 6000);
          return;
        }
        if (calls.frame(f)) return; // a call's signal (call items go to the calls, and on)
        if (f.type !== "event" || !f.item) return;
        const it = f.item;
        if (it.actor_kind === "customer" && it.kind === "message") setTypingIn("");
        if (f.conversation) {
          upsert(f.conversation);
          viewsAgain.current?.poke();
        }
        if (it.kind === "opened") announce(live.current.prefs, f.conversation);
        // a live breach of the agent's own conversation (history never toasts)
        if (it.kind === "sla") {
          const said = breachToast(it, f.conversation?.assignee, live.current.me, Date.now(), breaches.current, f.conversation ? who(f.conversation) : "");
          if (said) toast(said, "error");
        }
        if (it.conv === live.current.selected) setLoaded((l) => (l ? add(l, [it]) : l));
        if (it.kind === "message" && it.actor_kind === "customer") setUnread((u) => u.message(it.conv, live.current.selected));
      },
      status: (up: boolean) => {
        apply(() => setOnline(up));
        if (!up) calls.lost(); // the edge took the connection out of its call
      },
      refused: () => {
        sessionStorage.removeItem(tokenKey);
        onSignOut();
      },
    });
    conn.current = c;
    calls.connect(c, () => token);
    return () => {
      calls.close();
      c.close();
    };
  }, [session]);

  // loadFields asks for the tenant's fields (the side panel's).
  const loadFields = (c: Connection) => {
    setDefsError("");
    return c.request({ type: "fields" }).then((r) => {
      if (r.type === "fields") apply(() => setDefs(r.fields ?? []));
      else apply(() => setDefsError(r.message ?? r.code ?? "the edge did not answer"));
    });
  };
  // refresh asks for a conversation as it is now: the edge tells the
  // other side of a link or a merge to nobody.
  const refresh = (id: string) => {
    void conn.current?.request({ type: "history", conv: id, limit: 1 }).then((r) => {
      if (r.type === "history" && r.conversation) upsert(r.conversation);
    });
  };
  // show puts a conversation the list may not have yet (a split's, a
  // search's hit) in it at once.
  const show = (c: Conv) => setConvs((m) => ((m.get(c.id)?.last_seq ?? -1) >= c.last_seq ? m : new Map(m).set(c.id, c)));

  // loadPage asks for the page of a conversation's history before seq
  // before (0: the latest).
  const loadPage = async (id: string, before: number) => {
    if (historyBusy.current) return;
    historyBusy.current = true;
    setLoaded((l) => (l && l.conv === id ? { ...l, loading: true } : l));
    const h = await conn.current!.request({ type: "history", conv: id, before, limit: before ? 200 : 100 });
    historyBusy.current = false;
    if (h.type !== "history") {
      setLoaded((l) => (l && l.conv === id ? { ...l, loading: false } : l));
      if (h.type === "error") toast(`The conversation could not be loaded: ${h.message ?? h.code}`, "error");
      return;
    }
    for (const it of h.items ?? []) calls.note(it, false);
    setLoaded((l) => (l && l.conv === id ? page(l, h.items ?? [], h.more === true) : l));
    if (!before) mark("conversation-open");
  };
  function openHistory(id: string) {
    historyBusy.current = false;
    setLoaded(empty(id));
    void loadPage(id, 0);
  }

  const open = (id: string) => {
    setScreen("inbox");
    if (id === selected) return;
    mark("open:" + id);
    setSelected(id);
    setUnread((u) => u.opened(id));
    openHistory(id);
  };

  // openLinked opens a conversation the list may not have (a webhook
  // delivery's): asked for first, so that it shows once the edge answers.
  const openLinked = (id: string) => {
    if (!convs.has(id)) refresh(id);
    open(id);
  };

  // one function for the list's rows, whatever open closes over now
  const openNow = useRef(open);
  openNow.current = open;
  const onOpen = useCallback((id: string) => openNow.current(id), []);

  // the team filter first: "All conversations" counts what it shows
  const pool = useMemo(() => (list.team ? Array.from(convs.values()).filter((c) => inTeam(c, list.team ?? "")) : Array.from(convs.values())), [convs, list.team]);
  // a view shows the edge's conversations in its order; every conversation, the filters and the order chosen
  const shown = useMemo(() => (list.view ? viewRows(viewList?.view === list.view ? viewList.ids : [], convs, list.query)
    : visible(pool, "all", me, list.status, list.query, list.sort)), [pool, convs, list, me, viewList]);
  const allCount = useMemo(() => counts(pool, me, list.status).all, [pool, me, list.status]);
  // a view asked for when chosen; one the tenant removed gives way to every conversation
  useEffect(() => {
    if (!list.view) setViewList(null);
    else if (conn.current) void loadView(conn.current, list.view, false);
  }, [list.view]);
  useEffect(() => {
    if (views && list.view && !views.some((v) => v.id === list.view)) setList((l) => ({ ...l, view: "" }));
  }, [views, list.view]);
  const viewNames: ViewNames = useMemo(() => ({
    agent: (id) => (id === me ? "you" : agentName(id, team)),
    team: (id) => teamName(id, teams),
    inbox: (id) => inboxes.get(id)?.name || "an inbox",
    field: (key) => labelOf(key, defs ?? []),
    value: (key, v) => valueText((defs ?? []).find((d) => d.key === key), v),
  }), [me, team, teams, inboxes, defs]);
  const tagsKnown = useMemo(() => knownTags(convs.values()), [convs]);
  const current = convs.get(selected);
  const unseen = unread.total();
  useEffect(() => {
    document.title = unseen ? `(${unseen}) Edgedesk` : "Edgedesk";
  }, [unseen]);
  const myPresence = presence.get(me) ?? "online";
  const setMine = (p: Presence) => {
    void conn.current?.request({ type: "presence", presence: p });
    setPresence((m) => new Map(m).set(me, p));
    toast(p === "online" ? "You are online" : "You are away: no new conversations are routed to you");
  };
  const names = (id: string) => (id === me ? "you" : agentName(id, team));
  const act = current && conn.current ? actions(conn.current, current, names, {
    // a Solve refused for want of fields is said beside Solve, the fields marked in the panel
    refused: (status, message) => {
      const base = customStatuses.find((x) => x.id === status)?.base ?? status;
      if (base !== "solved" || !solveRefusal(message)) return false;
      setRefusal({ conv: current.id, message, missing: missingOf(message, defs ?? []) });
      return true;
    },
    teamName: (id) => teamName(id, teams),
    customLabel: (id) => customStatuses.find((x) => x.id === id)?.label,
    refresh,
    opened: (c) => {
      show(c);
      open(c.id);
    },
  }) : null;
  // a refusal goes with its conversation, and once it is solved
  useEffect(() => {
    if (refusal && (refusal.conv !== selected || current?.status === "solved")) setRefusal(null);
  }, [selected, current?.status]);
  const look: Look = { teams, defs: defs ?? [], convs, onOpen: (id) => open(id), statuses: customStatuses };
  const openHit = (hit: SearchHit) => {
    show(hit.conversation);
    setFocus({ conv: hit.conversation.id, seq: hit.seq });
    open(hit.conversation.id);
  };

  const signOut = () => {
    void conn.current?.request({ type: "presence", presence: "offline" });
    sessionStorage.removeItem(tokenKey);
    onSignOut();
  };

  // The keyboard shortcuts (shortcuts.ts).
  const keys = useRef<(ev: KeyboardEvent) => void>(() => undefined);
  keys.current = (ev: KeyboardEvent) => {
    // not in a dialog, a menu, or an automation rule's or macro's editor (whose edits a key would leave)
    if (document.querySelector("dialog[open], .auto-editor") || document.querySelector(".popover[role=menu],.popover[role=listbox]:not(.canned)")) return;
    const a = shortcut({ key: ev.key, ctrlKey: ev.ctrlKey, metaKey: ev.metaKey, altKey: ev.altKey, target: ev.target as HTMLElement });
    if (!a) return;
    const move = (step: number) => {
      if (shown.length === 0) return;
      const i = shown.findIndex((c) => c.id === selected);
      const next = i < 0 ? 0 : Math.min(shown.length - 1, Math.max(0, i + step));
      setScrollTo(next);
      open(shown[next].id);
    };
    switch (a) {
      case "next": move(1); break;
      case "previous": move(-1); break;
      case "help": setHelp(true); break;
      case "views": setScreen("inbox"); setTimeout(() => viewsButton.current?.click()); break;
      case "search": setScreen("inbox"); setTimeout(() => search.current?.focus()); break;
      case "find": setScreen("search"); setTimeout(() => { findInput.current?.focus(); findInput.current?.select(); }); break;
      case "assign": if (current && act && current.assignee !== me) act.assign(me); break;
      case "solve": if (current && act && solvable(current.status)) act.status("solved"); break;
      case "reply": reply.current?.focus(); break;
      case "canned":
        if (!reply.current) return;
        reply.current.focus();
        reply.current.dispatchEvent(new CustomEvent("edgedesk:canned"));
        break;
    }
    ev.preventDefault();
  };
  useEffect(() => {
    const h = (ev: KeyboardEvent) => keys.current(ev);
    document.addEventListener("keydown", h);
    return () => document.removeEventListener("keydown", h);
  }, []);

  const onScreen = (s: Screen) => setScreen((cur) => (cur === s && s !== "inbox" ? "inbox" : s));
  return (
    <div className={`console screen-${screen}${details ? " with-details" : ""}`}>
      <nav className="rail" aria-label="Console">
        <div className="rail-logo" aria-hidden="true"><img src="/console/favicon.svg" alt="" width={28} height={28} /></div>
        {screens.filter((s) => !s.admin || admin).map((s) => (
          <button key={s.id} type="button" className="rail-btn" aria-label={s.label} title={s.title ?? s.label}
            aria-current={screen === s.id ? "page" : undefined} onClick={() => onScreen(s.id)}>
            <Icon name={s.icon} size={20} />
            {s.id === "inbox" && unseen > 0 && <span className="rail-count" aria-hidden="true" data-count={unseen > 99 ? "99+" : unseen} />}
          </button>
        ))}
        <span className="rail-space" />
        <button type="button" className="rail-btn" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
          <Icon name="keyboard" size={20} />
        </button>
        {me && <ProfileMenu me={me} team={team} presence={myPresence} onPresence={setMine} prefs={prefs} onPrefs={setPrefs} onHelp={() => setHelp(true)} onSignOut={signOut} />}
      </nav>
      {!online && !loadingList && <p className="offline-banner" role="status"><Icon name="offline" size={14} />Reconnecting to the edge… Changes wait until it is back.</p>}
      {screen === "inbox" ? (
        <>
          <ConversationList shown={shown} allCount={allCount} state={list} onState={(s) => setList((l) => ({ ...l, ...s }))} selected={selected}
            onOpen={onOpen} unread={unread} team={team} me={me} loading={loadingList} loadingMore={loadingMore} search={search} scrollTo={scrollTo} teams={teams}
            views={views} viewCounts={viewCounts} viewList={viewList} names={viewNames} statuses={customStatuses} viewsButton={viewsButton}
            onManageViews={admin ? () => setScreen("views") : undefined} onRetryView={() => conn.current && void loadView(conn.current, list.view, false)} />
          <main className="work">
            {current && loaded && conn.current && act ? (
              <>
                <ConversationView conv={current} loaded={loaded} onOlder={() => loaded.more && void loadPage(current.id, loaded.oldest)}
                  conn={conn.current} me={me} team={team} presence={presence} typing={typingIn === current.id} canned={canned} token={token}
                  uploadWait={uploadWait.current} reply={reply} act={act} onDetails={() => setDetails((d) => !d)} detailsOpen={details}
                  callSlot={<CallPanel conv={current} admin={admin} names={names} onOpen={open} />} knownTags={tagsKnown}
                  rules={rules} macros={macros} onMacros={setMacros} look={look}
                  refusal={refusal ?? undefined} onDismissRefusal={() => setRefusal(null)}
                  onFixFields={() => { setDetails(true); setFixFields((n) => n + 1); }}
                  focus={focus?.conv === current.id ? focus.seq : undefined} onFocused={() => setFocus(null)} />
                {details && <ContactPanel conv={current} conn={conn.current} team={team} inboxes={inboxes} me={me} onOpen={open} onClose={() => setDetails(false)}
                  convs={convs} teams={teams} onUnlink={(id) => void act.link(id, true).then((err) => { if (err) toast(`Not unlinked: ${err}`, "error"); })}
                  fields={{
                    defs, error: defsError, retry: () => void loadFields(conn.current!), save: act.fields,
                    missing: refusal?.conv === current.id ? refusal.missing : [], focus: fixFields,
                  }} />}
              </>
            ) : (
              <div className="state no-conv">
                <div className="state-icon"><Icon name="conversations" size={22} /></div>
                <h2>{loadingList ? "Loading your conversations…" : shown.length ? "Pick a conversation" : "You're all caught up"}</h2>
                <p>
                  {loadingList ? "One moment." : shown.length
                    ? <>Choose one on the left, or move through the list with <kbd>j</kbd> and <kbd>k</kbd>. <kbd>?</kbd> shows every shortcut.</>
                    : "No conversation needs you right now. New ones appear on the left as customers write."}
                </p>
              </div>
            )}
          </main>
        </>
      ) : (
        <main className="work settings-work">
          {screen === "search" && conn.current ? (
            <SearchPage conn={conn.current} state={found} onState={setFound} onOpen={openHit} input={findInput} teams={teams} team={team} me={me} convs={convs} />
          ) : screen === "teams" && conn.current ? (
            <Suspense fallback={loadingPage("teams")}><TeamsPage conn={conn.current} admin={admin} team={team} me={me} onTeams={setTeams} /></Suspense>
          ) : screen === "fields" && conn.current ? (
            <Suspense fallback={loadingPage("fields")}><FieldsPage conn={conn.current} admin={admin} onFields={setDefs} /></Suspense>
          ) : screen === "views" && admin && conn.current ? (
            <Suspense fallback={loadingPage("views")}>
              <ViewsPage conn={conn.current} team={team} me={me} teams={teams} inboxes={inboxes} defs={defs ?? []} names={viewNames}
                onViews={(v, n) => { setViews(v); setViewCounts(n); }}
                onShow={(id) => { setList((l) => ({ ...l, view: id, query: "" })); setScreen("inbox"); }} />
            </Suspense>
          ) : screen === "statuses" && conn.current ? (
            <Suspense fallback={loadingPage("statuses")}><StatusesPage conn={conn.current} admin={admin} onStatuses={setCustomStatuses} /></Suspense>
          ) : screen === "sla" && conn.current ? (
            <Suspense fallback={loadingPage("the SLA policy")}><SLAPage conn={conn.current} admin={admin} teams={teams} /></Suspense>
          )
          : screen === "webhooks" && admin ? (
            <Suspense fallback={loadingPage("webhooks")}>
              <WebhooksPage token={token} rules={rules} onOpen={openLinked} convName={(id) => { const c = convs.get(id); return c ? who(c) : undefined; }} />
            </Suspense>
          )
          : screen === "apikeys" && admin ? <ApiKeysScreen token={token} />
            : screen === "canned" && conn.current ? <CannedPage canned={canned} conn={conn.current} onChange={setCanned} admin={admin} />
              : screen === "inboxes" && conn.current ? <InboxesPage conn={conn.current} admin={admin} />
                : screen === "automation" && conn.current ? (
                  <Suspense fallback={<div className="settings"><div className="state"><Icon name="spinner" className="spin" size={20} /><p role="status">Loading automation…</p></div></div>}>
                    <AutomationPage conn={conn.current} admin={admin} team={team} inboxes={inboxes} onRules={setRules} onMacros={setMacros}
                      token={token} statuses={customStatuses} onWebhooks={() => setScreen("webhooks")} />
                  </Suspense>
                )
                  : null}
        </main>
      )}
      {help && <HelpDialog onClose={() => setHelp(false)} />}
      <IncomingCalls convs={convs} selected={screen === "inbox" ? selected : ""} onOpen={open} />
      <Toaster />
    </div>
  );
}

function App() {
  const [session, setSession] = useState(() => {
    const token = sessionStorage.getItem(tokenKey);
    return token ? new Session(token) : null;
  });
  return session ? <Console key={session.token} session={session} onSignOut={() => setSession(null)} />
    : <Login onSession={setSession} />;
}

prefsStore.applyTheme(prefsStore.load().theme);
const style = document.createElement("style");
style.textContent = designCss + apiKeysCss + consoleCss + ticketCss;
document.head.appendChild(style);
createRoot(document.getElementById("root")!).render(<App />);
