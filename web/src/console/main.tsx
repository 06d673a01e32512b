// The agent console: sign in, the tenant's conversations with live updates
// and filters, a conversation's timeline, replies and private notes, status;
// for admins the settings panels and the REST API keys screen.
// It speaks protocol v1 over the same Connection as the widget.

import { useEffect, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { fetchAttachment, Fetched, uploadAttachment } from "../widget/attachment";
import type { Contact, Inbox, Presence } from "../protocol.gen";
import { Analysis, Connection, InFrame, Item, OutFrame } from "../widget/protocol";
import { Call, CallStats, CallView, clock } from "../call";
import { Canned, Conv, Filter, matching, parseSkills, Priorities, reading, segments, Statuses, Unread, visible, who } from "./inbox";
import { ApiKeysScreen, apiKeysCss } from "./apikeys-screen";
import { designCss } from "./design";
import { signIn, uploadRefused } from "./session";
import { Cooldown, tooMany } from "../throttle";

const tokenKey = "edgedesk:console:token";

// announce tells the agent of a new conversation: a desktop notification
// (when allowed) and a short tone.
function announce(c?: Conv) {
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification("New conversation", { body: c ? who(c) : "", tag: c?.id });
  }
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
function Login({ onToken }: { onToken: (token: string) => void }) {
  const [error, setError] = useState<{ error: string; hint?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    if (busy) return;
    const form = new FormData(ev.currentTarget);
    setBusy(true);
    const r = await signIn(String(form.get("email") ?? ""), String(form.get("password") ?? ""));
    setBusy(false);
    if (r.error !== undefined) {
      setError(r);
      return;
    }
    sessionStorage.setItem(tokenKey, r.token);
    // Asked while the click still counts as the agent's gesture.
    if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
    onToken(r.token);
  };
  return (
    <div className="login-page">
      <form className="login card" onSubmit={(ev) => void submit(ev)} aria-label="Sign in">
        <h1>Edgedesk</h1>
        <p className="hint">Sign in to the agent console.</p>
        <label className="field"><span>E-mail</span><input className="input" name="email" type="email" autoComplete="username" required /></label>
        <label className="field"><span>Password</span><input className="input" name="password" type="password" autoComplete="current-password" required /></label>
        {error && (
          <div className="notice error" role="alert">
            <p><strong>{error.error}</strong>{error.hint && <><br />{error.hint}</>}</p>
          </div>
        )}
        <button type="submit" className="btn primary" disabled={busy}>Sign in</button>
      </form>
    </div>
  );
}

function Console({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const conn = useRef<Connection | null>(null);
  const [me, setMe] = useState("");
  const [online, setOnline] = useState(false);
  const [convs, setConvs] = useState(new Map<string, Conv>());
  const [selected, setSelected] = useState("");
  const [items, setItems] = useState<Item[]>([]);
  const [readings, setReadings] = useState(new Map<number, Analysis>()); // message seq → the NLP plugin's reading
  const [filter, setFilter] = useState<Filter>("all");
  const [status, setStatus] = useState("open"); // "" shows every status
  const [older, setOlder] = useState(false); // the edge has older conversations
  const [agents, setAgents] = useState(new Map<string, string>()); // id → presence
  const [unread, setUnread] = useState(new Unread());
  const [typingIn, setTypingIn] = useState(""); // the conversation whose customer types
  const [canned, setCanned] = useState<Canned[]>([]);
  const [managing, setManaging] = useState(""); // the open admin panel, or "API keys" (a screen of its own)
  const [admin, setAdmin] = useState(false); // the agent's role is admin
  const [ringing, setRinging] = useState(new Map<string, string>()); // conversation → its call, started and not ended
  const call = useRef<Call | null>(null);
  const uploadWait = useRef(new Cooldown()); // the session's uploads after a 429
  const [callView, setCallView] = useState<CallView | null>(null);
  const typingOff = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const selectedRef = useRef("");
  selectedRef.current = selected;

  const upsert = (c: Conv) => setConvs((m) => new Map(m).set(c.id, c));
  const addReading = (it: Item) => {
    if (it.ref && it.analysis) setReadings((m) => new Map(m).set(it.ref!, it.analysis!));
  };
  // noteCall keeps which conversations have a call going.
  const noteCall = (it: Item) => {
    const c = it.call;
    if (it.kind !== "call" || !c) return;
    setRinging((m) => {
      const next = new Map(m);
      if (it.status === "ended") {
        if (next.get(it.conv) === c.id) next.delete(it.conv);
      } else next.set(it.conv, c.id);
      return next;
    });
  };
  const addItem = (it: Item) =>
    setItems((xs) => (xs.some((x) => x.seq === it.seq) ? xs : [...xs, it].sort((a, b) => a.seq - b.seq)));

  useEffect(() => {
    const loadConvs = async () => {
      const list = await c.request({ type: "conversations", limit: pageSize });
      if (list.type === "conversations") {
        setConvs(new Map((list.conversations ?? []).map((x) => [x.id, x])));
        setOlder(list.more === true);
      }
    };
    const c = new Connection(location.origin, () => ({ type: "hello", v: 1, token, scope: "all" }), {
      welcome: async (f) => {
        const id = f.session?.id ?? "";
        setMe(id);
        setAgents(new Map(Object.entries(f.agents ?? {})));
        // the role is the agent record's: admins get the API keys screen
        void c.request({ type: "agents" }).then((r) => {
          if (r.type === "agents") setAdmin((r.team ?? []).some((a) => a.id === id && a.role === "admin"));
        });
        void c.request({ type: "canned" }).then((r) => {
          if (r.type === "canned") setCanned(r.canned ?? []);
        });
        await loadConvs();
      },
      // The edge replays no more than it keeps for a resume: reload the
      // list and the open conversation from history.
      resync: () => {
        void loadConvs();
        if (selectedRef.current) void loadHistory(selectedRef.current);
      },
      event: (f: OutFrame) => {
        if (f.type === "presence" && typeof f.agent === "string") {
          setAgents((m) => new Map(m).set(f.agent as string, String(f.presence)));
          return;
        }
        if (f.type === "typing" && f.actor_kind === "customer") {
          clearTimeout(typingOff.current);
          setTypingIn(f.on ? String(f.conv) : "");
          if (f.on) typingOff.current = setTimeout(() => setTypingIn(""), 6000);
          return;
        }
        if (f.type === "call_signal") {
          void call.current?.receive(f);
          return;
        }
        if (f.type !== "event" || !f.item) return;
        noteCall(f.item);
        call.current?.note(f.item);
        if (f.item.actor_kind === "customer" && f.item.kind === "message") setTypingIn("");
        if (f.conversation) upsert(f.conversation);
        if (f.item.kind === "opened") announce(f.conversation);
        if (f.item.kind === "analysis" && f.item.conv === selectedRef.current) addReading(f.item);
        if (f.item.kind !== "message") return;
        if (f.item.conv === selectedRef.current) addItem(f.item);
        if (f.item.actor_kind === "customer") {
          const conv = f.item.conv;
          setUnread((u) => u.message(conv, selectedRef.current));
        }
      },
      status: (up: boolean) => {
        setOnline(up);
        if (!up) call.current?.hangUp(); // the edge took the connection out of its call
      },
      refused: () => {
        sessionStorage.removeItem(tokenKey);
        onSignOut();
      },
    });
    conn.current = c;
    call.current = new Call(c, location.origin, () => token, setCallView);
    c.connect();
    return () => {
      call.current?.hangUp();
      c.close();
    };
  }, [token]);

  const open = async (id: string) => {
    setManaging((m) => (m === apiKeysScreen ? "" : m));
    setSelected(id);
    setUnread((u) => u.opened(id));
    await loadHistory(id);
  };

  // loadHistory shows the latest page of a conversation's timeline.
  async function loadHistory(id: string) {
    setItems([]);
    setReadings(new Map());
    const h = await conn.current!.request({ type: "history", conv: id, limit: 100 });
    for (const it of h.items ?? []) {
      if (it.kind === "message") addItem(it);
      if (it.kind === "analysis") addReading(it);
      noteCall(it);
      call.current?.note(it);
    }
  }

  // loadOlder asks for the page of conversations last active before the
  // oldest one loaded.
  const loadOlder = async () => {
    let before = 0;
    for (const c of convs.values()) if (!before || c.last_seq < before) before = c.last_seq;
    const list = await conn.current!.request({ type: "conversations", limit: pageSize, before });
    if (list.type !== "conversations") return;
    setConvs((m) => {
      const next = new Map(m);
      for (const x of list.conversations ?? []) if (!next.has(x.id)) next.set(x.id, x);
      return next;
    });
    setOlder(list.more === true);
  };

  const shown = useMemo(() => visible(convs.values(), filter, me, status), [convs, filter, me, status]);
  const current = convs.get(selected);
  const unseen = unread.total();
  useEffect(() => {
    document.title = unseen ? `(${unseen}) Edgedesk` : "Edgedesk";
  }, [unseen]);
  const setPresence = (presence: Presence) => {
    void conn.current?.request({ type: "presence", presence });
    setAgents((m) => new Map(m).set(me, presence));
  };

  return (
    <div className="console">
      <nav aria-label="Conversations">
        <header>
          <span>{me}</span>
          {online ? (
            <select aria-label="My presence" value={agents.get(me) ?? "online"} onChange={(e) => setPresence(e.target.value as Presence)}>
              {["online", "away", "offline"].map((p) => <option key={p}>{p}</option>)}
            </select>
          ) : (
            <span>connecting…</span>
          )}
        </header>
        <div className="admin">
          {["Canned responses", "Inboxes"].map((panel) => (
            <button key={panel} className="btn sm" onClick={() => setManaging((m) => (m === panel ? "" : panel))} aria-expanded={managing === panel}>{panel}</button>
          ))}
          {admin && (
            <button className="btn sm" onClick={() => setManaging((m) => (m === apiKeysScreen ? "" : apiKeysScreen))}
              aria-current={managing === apiKeysScreen ? "page" : undefined}>{apiKeysScreen}</button>
          )}
        </div>
        {managing === "Canned responses" && conn.current && <CannedManager canned={canned} conn={conn.current} onChange={setCanned} />}
        {managing === "Inboxes" && conn.current && <InboxSettings conn={conn.current} />}
        <div role="group" aria-label="Filter">
          {(["mine", "unassigned", "all"] as Filter[]).map((f) => (
            <button key={f} className="btn sm" aria-pressed={filter === f} onClick={() => setFilter(f)}>{f}</button>
          ))}
          <select className="select sm" aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any status</option>
            {Statuses.map((s) => <option key={s}>{s}</option>)}
          </select>
        </div>
        <ul>
          {shown.map((c) => (
            <li key={c.id}>
              <button className="conv" aria-current={c.id === selected} onClick={() => void open(c.id)}>
                <strong>{who(c)}</strong> <em>{c.status}</em>
                {c.priority && <span className={`priority ${c.priority}`}>{c.priority}</span>}
                {unread.of(c.id) ? <span className="unread" aria-label={`${unread.of(c.id)} unread`}>{unread.of(c.id)}</span> : null}
                <span className="preview">{c.last_text ?? ""}</span>
              </button>
            </li>
          ))}
        </ul>
        {shown.length === 0 && <p className="none">No {status} conversations here.</p>}
        {older && <button className="older" onClick={() => void loadOlder()}>Load older conversations</button>}
      </nav>
      <main>
        {managing === apiKeysScreen && admin ? (
          <ApiKeysScreen token={token} />
        ) : current ? (
          <div className="work">
            <div className="conversation">
              <CallPanel conv={current} call={call.current!} view={callView} ringing={ringing.get(current.id) ?? ""} />
              <Conversation conv={current} items={items} readings={readings} conn={conn.current!} agents={agents} typing={typingIn === current.id} canned={canned} token={token} uploadWait={uploadWait.current} />
            </div>
            <Customer conv={current} conn={conn.current!} onOpen={(id) => void open(id)} />
          </div>
        ) : (
          <p className="empty">Pick a conversation.</p>
        )}
      </main>
    </div>
  );
}

// CallPanel starts a call with the customer, or joins the one they
// started, and shows it: their video, mute, camera, hang up, the timer and
// the device picks. Its data-frames and data-audio-bytes say what arrives
// (decoded video frames, audio bytes), which the browser test reads.
function CallPanel({ conv, call, view, ringing }: { conv: Conv; call: Call; view: CallView | null; ringing: string }) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [mic, setMic] = useState("");
  const [cam, setCam] = useState("");
  const [stats, setStats] = useState<CallStats>({ framesDecoded: 0, audioBytes: 0, voices: 0, layersSent: 0 });
  const [, tick] = useState(0);
  const live = view && (view.state === "starting" || view.state === "live");
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => {
      tick((n) => n + 1);
      void call.stats().then(setStats);
    }, 1000);
    return () => clearInterval(id);
  }, [live, call]);
  useEffect(() => {
    if (view?.state === "live")
      void navigator.mediaDevices?.enumerateDevices?.().then(setDevices).catch(() => undefined);
  }, [view?.state]);
  const start = (joining: boolean, role?: string) =>
    void call.start({ ...(joining ? { call: ringing, role } : { conv: conv.id }), video: role !== "supervisor", audioDevice: mic || undefined, videoDevice: cam || undefined });
  const status = view?.error || (view?.state === "live" ? `In call ${clock(Date.now() - view.started)}` : view?.state === "starting" ? "Connecting the call…" : view?.state === "ended" ? "The call ended." : "");
  return (
    <section className="callpanel" aria-label="Call" data-state={view?.state ?? "idle"} data-frames={stats.framesDecoded} data-audio-bytes={stats.audioBytes} data-voices={stats.voices} data-layers-sent={stats.layersSent}>
      {!live && (ringing ? (
        <>
          <button onClick={() => start(true)}>Join the customer's call</button>
          <button onClick={() => start(true, "supervisor")} title="Admins: hear the call without being heard">Listen in</button>
        </>
      ) : <button onClick={() => start(false)}>Call the customer</button>)}
      {status && <p role="status">{status}</p>}
      {live && view.recorded && <p className="recorded">This call is recorded.</p>}
      {live && (
        <>
          <div className="videos">{view.remote.map((s) => <Remote key={s.id} stream={s} />)}</div>
          {view.role === "supervisor" && <button onClick={() => void call.setHeard(!view.heard)}>{view.heard ? "Stop speaking" : "Speak in the call"}</button>}
          <button onClick={() => call.setMuted(!view.muted)}>{view.muted ? "Unmute" : "Mute"}</button>
          <button onClick={() => call.setCamera(!view.cameraOn)}>{view.cameraOn ? "Camera off" : "Camera on"}</button>
          <button className="hangup" onClick={() => call.hangUp()}>Hang up</button>
        </>
      )}
      <label>Microphone <select value={mic} onChange={(e) => { setMic(e.target.value); if (live && e.target.value) void call.useDevice("audio", e.target.value); }}>
        <option value="">default</option>
        {devices.filter((d) => d.kind === "audioinput").map((d, i) => <option key={d.deviceId} value={d.deviceId}>{d.label || `Microphone ${i + 1}`}</option>)}
      </select></label>
      <label>Camera <select value={cam} onChange={(e) => { setCam(e.target.value); if (live && e.target.value) void call.useDevice("video", e.target.value); }}>
        <option value="">default</option>
        {devices.filter((d) => d.kind === "videoinput").map((d, i) => <option key={d.deviceId} value={d.deviceId}>{d.label || `Camera ${i + 1}`}</option>)}
      </select></label>
    </section>
  );
}

function Remote({ stream }: { stream: MediaStream }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} autoPlay playsInline aria-label="The customer's video" />;
}

// Customer shows who the customer is and their other conversations.
function Customer({ conv, conn, onOpen }: { conv: Conv; conn: Connection; onOpen: (id: string) => void }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [past, setPast] = useState<Conv[]>([]);
  useEffect(() => {
    let live = true;
    void conn.request({ type: "contact", contact: conv.contact }).then((r) => {
      if (!live || r.type !== "contact") return;
      setContact(r.contact ?? null);
      setPast((r.conversations ?? []).filter((c) => c.id !== conv.id));
    });
    return () => {
      live = false;
    };
  }, [conv.id, conv.contact]);
  if (!contact) return null;
  return (
    <aside aria-label="Customer">
      <h3>{contact.name || "Anonymous visitor"}</h3>
      {contact.email && <p>{contact.email}</p>}
      {contact.external_id && <p>User id {contact.external_id}</p>}
      <h4>Other conversations</h4>
      {past.length === 0 ? <p>None.</p> : (
        <ul>
          {past.map((c) => (
            <li key={c.id}><button onClick={() => onOpen(c.id)}>{c.last_text || c.id}</button> <em>{c.status}</em></li>
          ))}
        </ul>
      )}
    </aside>
  );
}

// CannedManager adds, changes and deletes the tenant's canned responses
// (admins; the edge refuses others, and the error is shown).
function CannedManager({ canned, conn, onChange }: { canned: Canned[]; conn: Connection; onChange: (c: Canned[]) => void }) {
  const [error, setError] = useState("");
  const [editing, setEditing] = useState<Canned | null>(null);
  const apply = async (f: InFrame) => {
    const r = await conn.request(f);
    if (r.type === "canned") {
      setError("");
      onChange(r.canned ?? []);
      return true;
    }
    setError(r.message ?? "the edge refused the change");
    return false;
  };
  const save = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const data = new FormData(form);
    const ok = await apply({ type: "canned_set", canned: editing?.id ?? "", shortcut: String(data.get("shortcut") ?? ""), text: String(data.get("text") ?? "") });
    if (ok) {
      form.reset();
      setEditing(null);
    }
  };
  return (
    <section className="manager" aria-label="Manage canned responses">
      <ul>
        {canned.map((c) => (
          <li key={c.id}>
            <strong>/{c.shortcut}</strong> {c.text}{" "}
            <button aria-label={`Edit /${c.shortcut}`} onClick={() => setEditing(c)}>✎</button>
            <button aria-label={`Delete /${c.shortcut}`} onClick={() => void apply({ type: "canned_set", canned: c.id, delete: true })}>×</button>
          </li>
        ))}
      </ul>
      {/* keyed by what is edited, so the fields start from its values */}
      <form key={editing?.id ?? "new"} onSubmit={(ev) => void save(ev)} aria-label={editing ? `Edit /${editing.shortcut}` : "New canned response"}>
        <input name="shortcut" aria-label="Shortcut" placeholder="shortcut" defaultValue={editing?.shortcut} required />
        <input name="text" aria-label="Text" placeholder="text" defaultValue={editing?.text} required />
        <button type="submit">{editing ? "Save" : "Add"}</button>
        {editing && <button type="button" onClick={() => setEditing(null)}>Cancel</button>}
      </form>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

const prechatFields: Record<string, string> = { name: "name", email: "e-mail" };

// InboxSettings shows the tenant's inboxes and lets admins choose what each
// one's pre-chat form asks (the edge refuses others, and the error is shown).
function InboxSettings({ conn }: { conn: Connection }) {
  const [inboxes, setInboxes] = useState<Inbox[]>([]);
  const [error, setError] = useState("");
  const answer = (r: OutFrame) => {
    if (r.type === "inboxes") {
      setError("");
      setInboxes(r.inboxes ?? []);
    } else setError(r.message ?? "the edge refused the change");
  };
  useEffect(() => {
    void conn.request({ type: "inboxes" }).then(answer);
  }, [conn]);
  const toggle = (inbox: Inbox, field: string, on: boolean) => {
    const fields = Object.keys(prechatFields).filter((f) => (f === field ? on : (inbox.prechat ?? []).includes(f)));
    void conn.request({ type: "inbox_set", inbox: inbox.id, prechat: fields }).then(answer);
  };
  const routing = (inbox: Inbox, change: { skills?: string[]; priority?: string }) =>
    void conn.request({ type: "inbox_set", inbox: inbox.id, prechat: inbox.prechat ?? [], ...change }).then(answer);
  return (
    <section className="manager" aria-label="Inbox settings">
      <ul>
        {inboxes.map((inbox) => (
          <li key={inbox.id}>
            <strong>{inbox.name || inbox.id}</strong> <em>{inbox.channel}</em> <code>{inbox.id}</code>
            <fieldset>
              <legend>Before the chat, ask the visitor's</legend>
              {Object.entries(prechatFields).map(([field, label]) => (
                <label key={field}>
                  <input type="checkbox" checked={(inbox.prechat ?? []).includes(field)}
                    onChange={(e) => toggle(inbox, field, e.target.checked)} /> {label}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>Routing</legend>
              <label>
                Skills an agent needs{" "}
                <input defaultValue={(inbox.skills ?? []).join(", ")} placeholder="none" aria-label={`Skills for ${inbox.name || inbox.id}`}
                  onBlur={(e) => {
                    const skills = parseSkills(e.target.value);
                    if (skills.join() !== (inbox.skills ?? []).join()) routing(inbox, { skills });
                  }} />
              </label>{" "}
              <label>
                New conversations are{" "}
                <select aria-label={`Priority for ${inbox.name || inbox.id}`} value={inbox.priority || "normal"}
                  onChange={(e) => routing(inbox, { priority: e.target.value })}>
                  {Priorities.map((p) => <option key={p}>{p}</option>)}
                </select>
              </label>
            </fieldset>
          </li>
        ))}
      </ul>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

// Attachment fetches an attachment with the agent's token: an image is
// shown, anything else offered as a download under its name.
function Attachment({ id, token }: { id: string; token: string }) {
  const [file, setFile] = useState<Fetched | null>(null);
  useEffect(() => {
    let url = "";
    let live = true;
    void fetchAttachment("", id, token).then((f) => {
      if (!f) return;
      url = f.url;
      if (live) setFile(f);
      else URL.revokeObjectURL(url);
    });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, token]);
  if (!file) return null;
  return file.image ? <img className="attachment" src={file.url} alt={file.name} /> : (
    <a className="attachment" href={file.url} download={file.name} rel="noopener noreferrer">📎 {file.name}</a>
  );
}

function Conversation({ conv, items, readings, conn, agents, typing, canned, token, uploadWait }: {
  conv: Conv; items: Item[]; readings: Map<number, Analysis>; conn: Connection; agents: Map<string, string>; typing: boolean; canned: Canned[]; token: string;
  uploadWait: Cooldown;
}) {
  const [text, setText] = useState("");
  // "/" opens the canned responses whose shortcut or text matches what
  // follows it; Enter (or a click) puts the first one in the reply.
  const suggestions = text.startsWith("/") ? matching(canned, text.slice(1)) : [];
  const useCanned = (c: Canned) => setText(c.text);
  // The customer sees the agent type: "on" at most every 3 s, "off" after
  // 4 s without a key or when the reply goes.
  const typed = useRef({ at: 0, off: undefined as ReturnType<typeof setTimeout> | undefined });
  const keyTyped = () => {
    const t = typed.current;
    clearTimeout(t.off);
    if (Date.now() - t.at > 3000) {
      t.at = Date.now();
      conn.notify({ type: "typing", conv: conv.id, on: true });
    }
    t.off = setTimeout(stopTyping, 4000);
  };
  const stopTyping = () => {
    const t = typed.current;
    clearTimeout(t.off);
    if (t.at) conn.notify({ type: "typing", conv: conv.id, on: false });
    t.at = 0;
  };
  // What the agent has on screen is read: tell the customer.
  const customers = items.filter((it) => it.actor_kind === "customer");
  const lastCustomer = customers[customers.length - 1]?.seq ?? 0;
  useEffect(() => {
    if (lastCustomer) void conn.request({ type: "read", conv: conv.id, seq: lastCustomer });
  }, [conv.id, lastCustomer]);
  const [note, setNote] = useState(false);
  const send = async (ev: React.FormEvent) => {
    ev.preventDefault();
    if (suggestions.length > 0) {
      useCanned(suggestions[0]);
      return;
    }
    const t = text.trim();
    if (!t) return;
    setText("");
    stopTyping();
    await conn.request({ type: "send", conv: conv.id, client_id: clientID(), text: t, private: note });
  };
  // attach uploads a file with the agent's token, then sends a message (or
  // a note) that carries it. After a 429 (over a quota) nothing is uploaded
  // until the edge's Retry-After has passed: the agent is told how long.
  const [uploadError, setUploadError] = useState("");
  const attach = async (ev: React.ChangeEvent<HTMLInputElement>) => {
    const input = ev.currentTarget;
    const f = input.files?.[0];
    if (!f) return;
    input.value = "";
    const left = uploadWait.remaining();
    if (left) {
      setUploadError(`${tooMany("uploads", left)}. ${f.name} was not sent.`);
      return;
    }
    const up = await uploadAttachment("", token, f);
    if (up.refused) {
      if (up.refused.status === 429) uploadWait.hold(up.refused.retryAfter);
      setUploadError(uploadRefused(f.name, up.refused));
      return;
    }
    setUploadError("");
    await conn.request({ type: "send", conv: conv.id, client_id: clientID(), text: "", attachments: [up.id], private: note });
  };
  const setStatus = (status: string) => void conn.request({ type: "status", conv: conv.id, status });
  const assign = (agent: string) => void conn.request({ type: "assign", conv: conv.id, agent });
  const setPriority = (priority: string) => void conn.request({ type: "priority", conv: conv.id, priority });
  return (
    <section aria-label={`Conversation with ${who(conv)}`}>
      <header>
        <h2>{who(conv)}</h2>
        <label>
          Assignee{" "}
          <select value={conv.assignee ?? ""} onChange={(e) => assign(e.target.value)}>
            <option value="">unassigned</option>
            {Array.from(agents.entries()).sort().map(([id, p]) => <option key={id} value={id}>{id} ({p})</option>)}
          </select>
        </label>
        <label>
          Status{" "}
          <select aria-label="Conversation status" value={conv.status} onChange={(e) => setStatus(e.target.value)}>
            {["open", "pending", "resolved"].map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Priority{" "}
          <select aria-label="Conversation priority" value={conv.priority || "normal"} onChange={(e) => setPriority(e.target.value)}>
            {Priorities.map((p) => <option key={p}>{p}</option>)}
          </select>
        </label>
        {conv.routed_by && (
          <p className={`routing${conv.route_fallback ? " fallback" : ""}`}>
            {conv.route_fallback ? `Assigned by the built-in rule: ${conv.route_note}` : `Routed by ${conv.routed_by}${conv.route_note ? `: ${conv.route_note}` : ""}`}
          </p>
        )}
      </header>
      <ol className="timeline" aria-live="polite">
        {items.map((it) => (
          // Text is rendered as text: React escapes it.
          <li key={it.seq} className={`msg ${it.actor_kind}${it.private ? " note" : ""}`}>
            {segments(it.text ?? "", readings.get(it.seq)?.pii).map((s, i) =>
              s.pii ? <mark key={i} title={`personal data: ${s.pii}`}>{s.text}</mark> : <span key={i}>{s.text}</span>)}
            {(it.attachments ?? []).map((id) => <Attachment key={id} id={id} token={token} />)}
            {readings.has(it.seq) && <small className="reading">{reading(readings.get(it.seq)!)}</small>}
          </li>
        ))}
      </ol>
      <p className="typing" aria-live="polite">{typing ? "The customer is typing…" : ""}</p>
      {suggestions.length > 0 && (
        <ul className="canned" role="listbox" aria-label="Canned responses">
          {suggestions.map((c, i) => (
            <li key={c.id} role="option" aria-selected={i === 0} onMouseDown={(e) => { e.preventDefault(); useCanned(c); }}>
              <strong>/{c.shortcut}</strong> {c.text}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={send}>
        <input aria-label="Reply" value={text} onChange={(e) => { setText(e.target.value); if (!note) keyTyped(); }}
          placeholder={note ? "Private note (the customer never sees it)" : "Reply…"} />
        <label><input type="checkbox" checked={note} onChange={(e) => setNote(e.target.checked)} /> note</label>
        <label className="attach">Attach<input type="file" aria-label="Attach a file" onChange={(e) => void attach(e)} /></label>
        <button type="submit">Send</button>
      </form>
      {uploadError && <p role="alert" className="upload-error">{uploadError}</p>}
    </section>
  );
}

// clientID names one send, so that the edge stores it once however often
// it is retried.
const clientID = () => "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);

// apiKeysScreen names the API keys screen, which replaces the open
// conversation while shown.
const apiKeysScreen = "API keys";

// pageSize is how many conversations the console loads at a time.
const pageSize = 100;

function App() {
  const [token, setToken] = useState(sessionStorage.getItem(tokenKey) ?? "");
  return token ? <Console token={token} onSignOut={() => setToken("")} /> : <Login onToken={setToken} />;
}

const style = document.createElement("style");
style.textContent = designCss + apiKeysCss + `
body { margin: 0; font-family: system-ui, sans-serif; font-size: 14px; color: #111; }
.login-page { min-height: 100vh; display: flex; align-items: center; justify-content: center; background: var(--subtle); }
.login { width: 360px; padding: 28px 28px 24px; display: flex; flex-direction: column; }
.login h1 { margin: 0; font-size: 22px; color: var(--accent); }
.login > .hint { margin: 4px 0 20px; }
.login .field { margin-bottom: 14px; }
.login .btn { width: 100%; height: 38px; margin-top: 4px; }
.console { display: flex; height: 100vh; }
nav { width: 300px; border-right: 1px solid #ddd; overflow-y: auto; }
nav header { padding: 10px; background: #2457d6; color: #fff; display: flex; justify-content: space-between; }
nav [role=group] { display: flex; gap: 4px; padding: 8px; }
nav [role=group] { align-items: center; }
nav [role=group] .btn[aria-pressed=true] { background: var(--accent-soft); border-color: var(--accent); color: var(--accent); font-weight: 600; }
nav [role=group] .btn { padding: 0 9px; }
nav [role=group] .select { flex: 1; min-width: 0; }
.admin .btn { padding: 0 9px; }
nav ul { list-style: none; margin: 0; padding: 0; }
.conv { display: block; width: 100%; text-align: left; padding: 8px 10px; border: 0; border-bottom: 1px solid #eee; background: #fff; cursor: pointer; }
.conv[aria-current=true] { background: #eef3ff; }
.preview { display: block; color: #666; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
main { flex: 1; display: flex; flex-direction: column; }
.work { display: flex; height: 100%; }
main section { display: flex; flex-direction: column; height: 100%; flex: 1; }
aside { width: 240px; border-left: 1px solid #ddd; padding: 0 12px; overflow-y: auto; }
aside ul { padding-left: 16px; }
main section header { display: flex; justify-content: space-between; align-items: center; padding: 0 12px; border-bottom: 1px solid #ddd; }
.timeline { flex: 1; overflow-y: auto; list-style: none; margin: 0; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 70%; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap; word-wrap: break-word; }
.msg.customer { align-self: flex-start; background: #eef0f5; }
.msg.agent { align-self: flex-end; background: #2457d6; color: #fff; }
.msg.note { background: #fff3cd; color: #5c4400; }
main form { display: flex; gap: 8px; padding: 8px; border-top: 1px solid #ddd; }
main form input[aria-label=Reply] { flex: 1; padding: 8px; }
.empty { margin: auto; color: #666; }
.admin { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 8px 0; }
.admin .btn[aria-expanded=true], .admin .btn[aria-current=page] { background: var(--accent-soft); border-color: var(--accent); color: var(--accent); }
.older { margin: 8px; }
.none { padding: 0 10px; color: #555; }
.manager fieldset { border: 0; padding: 2px 0 6px; margin: 0; }
.manager legend { padding: 0; }
.attach { cursor: pointer; align-self: center; padding: 6px 8px; border: 1px solid #767676; border-radius: 3px; background: #efefef; }
.attach input { position: absolute; width: 1px; height: 1px; opacity: 0; }
.attach:focus-within { outline: 2px solid #2457d6; }
.upload-error { margin: 0 8px 8px; color: #a40000; }
.manager { padding: 0 8px; border-bottom: 1px solid #ddd; }
.manager ul { padding-left: 0; list-style: none; }
.manager input { width: 100%; margin-bottom: 4px; }
.attachment { display: block; max-width: 240px; max-height: 180px; margin-top: 4px; }
.canned { list-style: none; margin: 0 8px; padding: 4px 0; border: 1px solid #ccd; border-radius: 6px; max-height: 160px; overflow-y: auto; }
.canned li { padding: 4px 8px; cursor: pointer; }
.canned li[aria-selected=true] { background: #eef3ff; }
.typing { margin: 0; padding: 0 12px; min-height: 1.2em; color: #555; font-style: italic; }
.unread { float: right; min-width: 18px; padding: 0 6px; border-radius: 9px; background: #d62424; color: #fff; text-align: center; }
main section header label { margin-left: 12px; }
main section header { flex-wrap: wrap; }
.routing { flex-basis: 100%; margin: 0 0 6px; font-size: 0.85em; color: #444; }
.routing.fallback { color: #8a4b00; }
.conversation { flex: 1; display: flex; flex-direction: column; min-width: 0; }
main section.callpanel { flex-direction: row; flex-wrap: wrap; height: auto; flex: none; gap: 6px; align-items: center; padding: 6px 12px; border-bottom: 1px solid #ddd; }
.callpanel video { width: 240px; max-height: 180px; background: #000; border-radius: 6px; }
.callpanel .hangup { background: #c62828; color: #fff; }
.priority { margin-left: 6px; padding: 0 5px; border-radius: 3px; font-size: 0.8em; background: #e8e8e8; color: #333; }
.priority.high { background: #fde7c8; color: #6b3a00; }
.priority.urgent { background: #b3261e; color: #fff; }
.reading { display: block; margin-top: 3px; font-size: 0.8em; color: #3d4452; }
.msg mark { background: #ffd6d6; color: #5a0000; border-radius: 3px; }
`;
document.head.appendChild(style);
createRoot(document.getElementById("root")!).render(<App />);
