// The agent console: sign in, the tenant's conversations with live updates
// and filters, a conversation's timeline, replies and private notes, status.
// It speaks protocol v1 over the same Connection as the widget.

import { useEffect, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { Connection, Frame, Item } from "../widget/protocol";
import { Canned, Conv, Filter, matching, Unread, visible } from "./inbox";



const tokenKey = "edgedesk:console:token";

// announce tells the agent of a new conversation: a desktop notification
// (when allowed) and a short tone.
function announce(c?: Conv) {
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification("New conversation", { body: c?.contact ?? "", tag: c?.id });
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

function Login({ onToken }: { onToken: (token: string) => void }) {
  const [error, setError] = useState("");
  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const r = await fetch("/api/v1/login", {
      method: "POST",
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    });
    if (!r.ok) {
      setError(r.status === 401 ? "Wrong e-mail or password." : `Sign-in failed (${r.status}).`);
      return;
    }
    const { token } = await r.json();
    sessionStorage.setItem(tokenKey, token);
    // Asked while the click still counts as the agent's gesture.
    if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
    onToken(token);
  };
  return (
    <form className="login" onSubmit={submit} aria-label="Sign in">
      <h1>Edgedesk</h1>
      <label>E-mail <input name="email" type="email" autoComplete="username" required /></label>
      <label>Password <input name="password" type="password" autoComplete="current-password" required /></label>
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function Console({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const conn = useRef<Connection | null>(null);
  const [me, setMe] = useState("");
  const [online, setOnline] = useState(false);
  const [convs, setConvs] = useState(new Map<string, Conv>());
  const [selected, setSelected] = useState("");
  const [items, setItems] = useState<Item[]>([]);
  const [filter, setFilter] = useState<Filter>("all");
  const [agents, setAgents] = useState(new Map<string, string>()); // id → presence
  const [unread, setUnread] = useState(new Unread());
  const [typingIn, setTypingIn] = useState(""); // the conversation whose customer types
  const [canned, setCanned] = useState<Canned[]>([]);
  const [managing, setManaging] = useState(false);
  const typingOff = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const selectedRef = useRef("");
  selectedRef.current = selected;

  const upsert = (c: Conv) => setConvs((m) => new Map(m).set(c.id, c));
  const addItem = (it: Item) =>
    setItems((xs) => (xs.some((x) => x.seq === it.seq) ? xs : [...xs, it].sort((a, b) => a.seq - b.seq)));

  useEffect(() => {
    const c = new Connection(location.origin, () => ({ type: "hello", v: 1, token, scope: "all" }), {
      welcome: async (f) => {
        setMe(f.session?.id ?? "");
        setAgents(new Map(Object.entries((f.agents as Record<string, string>) ?? {})));
        void c.request({ type: "canned" }).then((r) => {
          if (r.type === "canned") setCanned((r.canned as Canned[]) ?? []);
        });
        const list = await c.request({ type: "conversations" });
        if (list.type === "conversations") {
          setConvs(new Map((list.conversations as Conv[]).map((x) => [x.id, x])));
        }
      },
      event: (f: Frame) => {
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
        if (f.type !== "event" || !f.item) return;
        if (f.item.actor_kind === "customer" && f.item.kind === "message") setTypingIn("");
        if (f.conversation) upsert(f.conversation as Conv);
        if (f.item.kind === "opened") announce(f.conversation as Conv | undefined);
        if (f.item.kind !== "message") return;
        if (f.item.conv === selectedRef.current) addItem(f.item);
        if (f.item.actor_kind === "customer") {
          const conv = f.item.conv;
          setUnread((u) => u.message(conv, selectedRef.current));
        }
      },
      status: setOnline,
      refused: () => {
        sessionStorage.removeItem(tokenKey);
        onSignOut();
      },
    });
    conn.current = c;
    c.connect();
    return () => c.close();
  }, [token]);

  const open = async (id: string) => {
    setSelected(id);
    setItems([]);
    setUnread((u) => u.opened(id));
    const h = await conn.current!.request({ type: "history", conv: id, limit: 100 });
    for (const it of h.items ?? []) if (it.kind === "message") addItem(it);
  };

  const shown = useMemo(() => visible(convs.values(), filter, me), [convs, filter, me]);
  const current = convs.get(selected);
  const unseen = unread.total();
  useEffect(() => {
    document.title = unseen ? `(${unseen}) Edgedesk` : "Edgedesk";
  }, [unseen]);
  const setPresence = (presence: string) => {
    void conn.current?.request({ type: "presence", presence });
    setAgents((m) => new Map(m).set(me, presence));
  };

  return (
    <div className="console">
      <nav aria-label="Conversations">
        <header>
          <span>{me}</span>
          {online ? (
            <select aria-label="My presence" value={agents.get(me) ?? "online"} onChange={(e) => setPresence(e.target.value)}>
              {["online", "away", "offline"].map((p) => <option key={p}>{p}</option>)}
            </select>
          ) : (
            <span>connecting…</span>
          )}
        </header>
        <button className="manage" onClick={() => setManaging((m) => !m)} aria-expanded={managing}>Canned responses</button>
        {managing && conn.current && <CannedManager canned={canned} conn={conn.current} onChange={setCanned} />}
        <div role="group" aria-label="Filter">
          {(["mine", "unassigned", "all"] as Filter[]).map((f) => (
            <button key={f} aria-pressed={filter === f} onClick={() => setFilter(f)}>{f}</button>
          ))}
        </div>
        <ul>
          {shown.map((c) => (
            <li key={c.id}>
              <button className="conv" aria-current={c.id === selected} onClick={() => void open(c.id)}>
                <strong>{c.contact}</strong> <em>{c.status}</em>
                {unread.of(c.id) ? <span className="unread" aria-label={`${unread.of(c.id)} unread`}>{unread.of(c.id)}</span> : null}
                <span className="preview">{c.last_text ?? ""}</span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        {current ? (
          <div className="work">
            <Conversation conv={current} items={items} conn={conn.current!} agents={agents} typing={typingIn === current.id} canned={canned} token={token} />
            <Customer conv={current} conn={conn.current!} onOpen={(id) => void open(id)} />
          </div>
        ) : (
          <p className="empty">Pick a conversation.</p>
        )}
      </main>
    </div>
  );
}

interface Contact {
  id: string;
  name?: string;
  email?: string;
  external_id?: string;
}

// Customer shows who the customer is and their other conversations.
function Customer({ conv, conn, onOpen }: { conv: Conv; conn: Connection; onOpen: (id: string) => void }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [past, setPast] = useState<Conv[]>([]);
  useEffect(() => {
    let live = true;
    void conn.request({ type: "contact", contact: conv.contact }).then((r) => {
      if (!live || r.type !== "contact") return;
      setContact(r.contact as Contact);
      setPast(((r.conversations as Conv[]) ?? []).filter((c) => c.id !== conv.id));
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

// CannedManager adds and deletes the tenant's canned responses (admins;
// the edge refuses others, and the error is shown).
function CannedManager({ canned, conn, onChange }: { canned: Canned[]; conn: Connection; onChange: (c: Canned[]) => void }) {
  const [error, setError] = useState("");
  const apply = async (f: Frame) => {
    const r = await conn.request(f);
    if (r.type === "canned") {
      setError("");
      onChange((r.canned as Canned[]) ?? []);
    } else setError(r.message ?? "the edge refused the change");
  };
  const add = (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const data = new FormData(form);
    void apply({ type: "canned_set", shortcut: String(data.get("shortcut") ?? ""), text: String(data.get("text") ?? "") })
      .then(() => form.reset());
  };
  return (
    <section className="manager" aria-label="Manage canned responses">
      <ul>
        {canned.map((c) => (
          <li key={c.id}>
            <strong>/{c.shortcut}</strong> {c.text}{" "}
            <button aria-label={`Delete /${c.shortcut}`} onClick={() => void apply({ type: "canned_set", canned: c.id, delete: true })}>×</button>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <input name="shortcut" aria-label="Shortcut" placeholder="shortcut" required />
        <input name="text" aria-label="Text" placeholder="text" required />
        <button type="submit">Add</button>
      </form>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

// Attachment fetches an attachment with the agent's token: an image is
// shown, anything else offered as a download.
function Attachment({ id, token }: { id: string; token: string }) {
  const [file, setFile] = useState<{ url: string; image: boolean } | null>(null);
  useEffect(() => {
    let url = "";
    void fetch(`/api/v1/attachments/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token}` } })
      .then((r) => (r.ok ? r.blob() : null))
      .then((b) => {
        if (!b) return;
        url = URL.createObjectURL(b);
        setFile({ url, image: b.type.startsWith("image/") });
      });
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, token]);
  if (!file) return null;
  return file.image ? <img className="attachment" src={file.url} alt={`attachment ${id}`} /> : (
    <a className="attachment" href={file.url} download={id} rel="noopener noreferrer">📎 {id}</a>
  );
}

function Conversation({ conv, items, conn, agents, typing, canned, token }: {
  conv: Conv; items: Item[]; conn: Connection; agents: Map<string, string>; typing: boolean; canned: Canned[]; token: string;
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
    const cid = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    await conn.request({ type: "send", conv: conv.id, client_id: cid, text: t, private: note });
  };
  const setStatus = (status: string) => void conn.request({ type: "status", conv: conv.id, status });
  const assign = (agent: string) => void conn.request({ type: "assign", conv: conv.id, agent });
  return (
    <section aria-label={`Conversation with ${conv.contact}`}>
      <header>
        <h2>{conv.contact}</h2>
        <label>
          Assignee{" "}
          <select value={conv.assignee ?? ""} onChange={(e) => assign(e.target.value)}>
            <option value="">unassigned</option>
            {Array.from(agents.entries()).sort().map(([id, p]) => <option key={id} value={id}>{id} ({p})</option>)}
          </select>
        </label>
        <label>
          Status{" "}
          <select value={conv.status} onChange={(e) => setStatus(e.target.value)}>
            {["open", "pending", "resolved"].map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
      </header>
      <ol className="timeline" aria-live="polite">
        {items.map((it) => (
          // Text is rendered as text: React escapes it.
          <li key={it.seq} className={`msg ${it.actor_kind}${it.private ? " note" : ""}`}>
            {it.text}
            {(it.attachments ?? []).map((id) => <Attachment key={id} id={id} token={token} />)}
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
        <button type="submit">Send</button>
      </form>
    </section>
  );
}

function App() {
  const [token, setToken] = useState(sessionStorage.getItem(tokenKey) ?? "");
  return token ? <Console token={token} onSignOut={() => setToken("")} /> : <Login onToken={setToken} />;
}

const style = document.createElement("style");
style.textContent = `
body { margin: 0; font-family: system-ui, sans-serif; font-size: 14px; color: #111; }
.login { max-width: 320px; margin: 80px auto; display: flex; flex-direction: column; gap: 10px; }
.login input { display: block; width: 100%; padding: 6px; }
.console { display: flex; height: 100vh; }
nav { width: 300px; border-right: 1px solid #ddd; overflow-y: auto; }
nav header { padding: 10px; background: #2457d6; color: #fff; display: flex; justify-content: space-between; }
nav [role=group] { display: flex; gap: 4px; padding: 8px; }
nav [aria-pressed=true] { font-weight: bold; }
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
.manage { margin: 8px 8px 0; }
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
`;
document.head.appendChild(style);
createRoot(document.getElementById("root")!).render(<App />);
