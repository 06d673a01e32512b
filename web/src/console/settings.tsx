// The console's settings pages, in the main area like the API keys screen:
// canned responses (admins change them; everyone uses them with "/") and
// inboxes (admins choose each one's pre-chat form, routing and branding).

import { useEffect, useState } from "react";
import type { Inbox } from "../protocol.gen";
import type { Connection, InFrame, OutFrame } from "../widget/protocol";
import { Canned, parseSkills, Priorities } from "./inbox";
import { Icon } from "./icons";
import { Notice, Select, Switch, toast } from "./ui";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function Page({ id, title, lede, children, action }: { id: string; title: string; lede: string; children: React.ReactNode; action?: React.ReactNode }) {
  return (
    <div className="settings" role="region" aria-labelledby={id}>
      <div className="settings-inner">
        <div className="page-head">
          <div>
            <p className="crumb">Settings</p>
            <h1 id={id}>{title}</h1>
            <p className="lede">{lede}</p>
          </div>
          {action}
        </div>
        {children}
      </div>
    </div>
  );
}

// CannedPage lists the tenant's canned responses; admins add, change and
// delete them (the edge refuses others, and says so).
export function CannedPage({ canned, conn, onChange, admin }: { canned: Canned[]; conn: Connection; onChange: (c: Canned[]) => void; admin: boolean }) {
  const [error, setError] = useState("");
  const [editing, setEditing] = useState<Canned | null>(null);
  const [busy, setBusy] = useState(false);
  const apply = async (f: InFrame, done: string) => {
    setBusy(true);
    const r = await conn.request(f);
    setBusy(false);
    if (r.type === "canned") {
      setError("");
      onChange(r.canned ?? []);
      toast(done);
      return true;
    }
    setError(r.message ?? "the edge refused the change");
    return false;
  };
  const save = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const data = new FormData(form);
    const shortcut = String(data.get("shortcut") ?? "").replace(/^\//, "");
    const ok = await apply({ type: "canned_set", canned: editing?.id ?? "", shortcut, text: String(data.get("text") ?? "") },
      editing ? `Saved /${shortcut}` : `Added /${shortcut}`);
    if (ok) {
      form.reset();
      setEditing(null);
    }
  };
  return (
    <Page id="canned-title" title="Canned responses"
      lede="Answers agents put in a reply by typing / and part of the shortcut. Keep them short and in the tone of your team.">
      <div className="settings-grid" role="region" aria-label="Manage canned responses">
        <section className="card" aria-label="Canned responses">
          <div className="card-head"><span>{canned.length} {canned.length === 1 ? "response" : "responses"}</span></div>
          {canned.length === 0 ? (
            <div className="state">
              <div className="state-icon"><Icon name="canned" size={20} /></div>
              <h2>No canned responses yet</h2>
              <p>Add the answers your team gives most, and reply with them in two keystrokes.</p>
            </div>
          ) : (
            <ul className="canned-list">
              {canned.map((c) => (
                <li key={c.id} className={editing?.id === c.id ? "editing" : undefined}>
                  <code className="shortcut">/{c.shortcut}</code>
                  <p className="canned-text">{c.text}</p>
                  {admin && (
                    <span className="row-actions">
                      <button type="button" className="btn sm ghost icon-only" aria-label={`Edit /${c.shortcut}`} title="Edit" onClick={() => setEditing(c)}><Icon name="edit" size={14} /></button>
                      <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete /${c.shortcut}`} title="Delete"
                        onClick={() => void apply({ type: "canned_set", canned: c.id, delete: true }, `Deleted /${c.shortcut}`)}><Icon name="trash" size={14} /></button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
        {admin ? (
          // keyed by what is edited, so the fields start from its values
          <form key={editing?.id ?? "new"} className="card form-card" onSubmit={(ev) => void save(ev)} aria-label={editing ? `Edit /${editing.shortcut}` : "New canned response"}>
            <h2>{editing ? `Edit /${editing.shortcut}` : "New canned response"}</h2>
            {error && <Notice kind="error"><p>{error}</p></Notice>}
            <label className="field">
              <span>Shortcut</span>
              <span className="prefixed"><span aria-hidden="true">/</span>
                <input className="input" name="shortcut" aria-label="Shortcut" placeholder="shipping" defaultValue={editing?.shortcut} required
                  pattern="[A-Za-z0-9_\-]{1,32}" maxLength={32} />
              </span>
              <span className="hint">Letters, digits, - and _; up to 32.</span>
            </label>
            <label className="field">
              <span>Text</span>
              <textarea className="input" name="text" aria-label="Text" rows={5} placeholder="Orders ship within 2 business days." defaultValue={editing?.text} required maxLength={4096} />
            </label>
            <div className="form-actions">
              {editing && <button type="button" className="btn" onClick={() => setEditing(null)}>Cancel</button>}
              <button type="submit" className="btn primary" disabled={busy}>{editing ? "Save" : <><Icon name="plus" size={14} />Add</>}</button>
            </div>
          </form>
        ) : (
          <Notice kind="info"><p>Only admins change canned responses. Use them in any reply with <kbd>/</kbd>.</p></Notice>
        )}
      </div>
    </Page>
  );
}

// Section is one group of an inbox's settings: what it is on the left,
// its controls on the right.
function Section({ id, title, what, children }: { id: string; title: string; what: string; children: React.ReactNode }) {
  return (
    <div className="inbox-section" role="group" aria-labelledby={id}>
      <div className="section-what">
        <h3 id={id}>{title}</h3>
        <p className="hint">{what}</p>
      </div>
      <div className="section-controls">{children}</div>
    </div>
  );
}

const prechatFields: [string, string][] = [["name", "Name"], ["email", "E-mail"]];
const replyTimes = [
  { value: "", label: "Not shown" },
  { value: "minutes", label: "In a few minutes" },
  { value: "hours", label: "In a few hours" },
  { value: "day", label: "In a day" },
];
const swatches = ["#2f5bd3", "#0f766e", "#7c3aed", "#be185d", "#c2410c", "#15803d", "#1f2937"];

// InboxesPage shows the tenant's inboxes; admins choose what each one's
// pre-chat form asks, what routing needs of an agent, the priority of its
// new conversations and its branding in the widget.
export function InboxesPage({ conn, admin }: { conn: Connection; admin: boolean }) {
  const [inboxes, setInboxes] = useState<Inbox[] | null>(null);
  const [error, setError] = useState("");
  const answer = (done?: string) => (r: OutFrame) => {
    if (r.type === "inboxes") {
      setError("");
      setInboxes(r.inboxes ?? []);
      if (done) toast(done);
    } else {
      setError(r.message ?? "the edge refused the change");
      setInboxes((x) => x ?? []);
    }
  };
  useEffect(() => {
    void conn.request({ type: "inboxes" }).then(answer());
  }, [conn]);
  const set = (inbox: Inbox, change: Partial<InFrame>, done: string) =>
    void conn.request({ type: "inbox_set", inbox: inbox.id, prechat: inbox.prechat ?? [], ...change }).then(answer(done));
  const toggle = (inbox: Inbox, field: string, on: boolean) => {
    const fields = prechatFields.map(([f]) => f).filter((f) => (f === field ? on : (inbox.prechat ?? []).includes(f)));
    set(inbox, { prechat: fields }, `${inbox.name || inbox.id}: pre-chat form saved`);
  };
  return (
    <Page id="inboxes-title" title="Inboxes"
      lede="Each inbox is a place customers reach you, such as a website's chat widget. Choose what its pre-chat form asks, who gets its conversations and how the widget greets visitors.">
      <div role="region" aria-label="Inbox settings">
        {error && <Notice kind="error"><p>{error}</p></Notice>}
        {inboxes === null ? (
          <div className="card"><div className="state"><Icon name="spinner" className="spin" size={20} /><p role="status">Loading inboxes…</p></div></div>
        ) : (
          <ul className="inbox-cards">
            {inboxes.map((inbox) => {
              const label = inbox.name || inbox.id;
              return (
                <li key={inbox.id} className="card inbox-card">
                  <div className="inbox-head">
                    <span className="inbox-icon" style={{ background: inbox.color || undefined }}><Icon name="inbox" size={16} /></span>
                    <div>
                      <h2>{label}</h2>
                      <p className="hint"><span>{inbox.channel === "email" ? "E-mail" : cap(inbox.channel || "web")}</span> · <code>{inbox.id}</code></p>
                    </div>
                  </div>
                  <div className="inbox-sections">
                    {inbox.channel === "email" && (
                      <Section id={`${inbox.id}-email`} title="E-mail" what="Mail to this inbox's addresses opens and continues its conversations.">
                        <p className="hint">Its addresses, mailboxes and the relay replies go out through are set in the edge's configuration (<code>email.inboxes</code>; see docs/email.md). A chat widget's pre-chat form and branding do not apply to mail.</p>
                      </Section>
                    )}
                    {inbox.channel !== "email" && <Section id={`${inbox.id}-prechat`} title="Pre-chat form" what="What a new visitor is asked before the chat starts. Returning visitors are not asked again.">
                      <div className="switch-row">
                        {prechatFields.map(([field, text]) => (
                          <Switch key={field} label={text} disabled={!admin} checked={(inbox.prechat ?? []).includes(field)} onChange={(on) => toggle(inbox, field, on)} />
                        ))}
                      </div>
                    </Section>}
                    <Section id={`${inbox.id}-routing`} title="Routing" what="Who its conversations are offered to, and in what order.">
                      <label className="field">
                        <span>Skills an agent needs</span>
                        <input className="input" defaultValue={(inbox.skills ?? []).join(", ")} placeholder="None: any agent" aria-label={`Skills for ${label}`} disabled={!admin}
                          onBlur={(e) => {
                            const skills = parseSkills(e.currentTarget.value);
                            if (skills.join() !== (inbox.skills ?? []).join()) set(inbox, { skills }, `${label}: skills saved`);
                          }} />
                      </label>
                      <div className="field">
                        <span className="field-label" id={`prio-${inbox.id}`}>New conversations are</span>
                        <Select label={`Priority for ${label}`} value={inbox.priority || "normal"} disabled={!admin}
                          options={Priorities.map((p) => ({ value: p, label: cap(p), icon: <Icon name="flag" size={14} className={`prio-${p}`} /> }))}
                          onChange={(priority) => set(inbox, { priority }, `${label}: priority ${priority}`)} />
                      </div>
                    </Section>
                    {inbox.channel !== "email" && <Section id={`${inbox.id}-widget`} title="Chat widget" what="How the widget on your website looks and greets visitors.">
                      <div className="field wide">
                        <span className="field-label">Colour</span>
                        <div className="swatches" role="radiogroup" aria-label={`Colour for ${label}`}>
                          {swatches.map((c) => (
                            <button key={c} type="button" role="radio" className="swatch" style={{ background: c }} aria-checked={(inbox.color || "") === c}
                              aria-label={c} disabled={!admin} onClick={() => set(inbox, { color: c }, `${label}: colour saved`)}>
                              {(inbox.color || "") === c && <Icon name="check" size={14} />}
                            </button>
                          ))}
                          <button type="button" role="radio" className="btn sm" aria-checked={!inbox.color} disabled={!admin}
                            onClick={() => set(inbox, { color: "" }, `${label}: default colour`)}>Default</button>
                        </div>
                      </div>
                      <label className="field wide">
                        <span>Greeting</span>
                        <input className="input" maxLength={280} defaultValue={inbox.greeting ?? ""} placeholder="Hi! How can we help?" aria-label={`Greeting for ${label}`} disabled={!admin}
                          onBlur={(e) => {
                            const greeting = e.currentTarget.value.trim();
                            if (greeting !== (inbox.greeting ?? "")) set(inbox, { greeting }, `${label}: greeting saved`);
                          }} />
                      </label>
                      <div className="field">
                        <span className="field-label">Reply time shown</span>
                        <Select label={`Reply time for ${label}`} value={inbox.reply_time ?? ""} options={replyTimes} disabled={!admin}
                          onChange={(reply_time) => set(inbox, { reply_time }, `${label}: reply time saved`)} />
                      </div>
                    </Section>}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {!admin && <Notice kind="info"><p>Only admins change inboxes.</p></Notice>}
      </div>
    </Page>
  );
}
