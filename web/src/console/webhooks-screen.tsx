// Settings → Webhooks (admins): the tenant's outbound webhook endpoints,
// each with what it is sent, whether it is on and how many deliveries
// wait or failed for good; an endpoint's page with its queued and dead
// deliveries (a conversation's opens it), replayed one by one or all at
// once; the editor (URL, description, the events as checkboxes, on or
// off), whose refusal by the edge is said beside the part it names; the
// signing secret shown once, in the dialog that made or rotated it; and
// deletion after a word on what that does. The page calls the REST API
// with the agent's console token, as the API keys screen does; what it
// says and checks is webhooks.ts's.

import { useEffect, useMemo, useRef, useState } from "react";
import type { Rule } from "../protocol.gen";
import { ApiError, idempotencyKey } from "./apikeys";
import { Icon } from "./icons";
import { Page } from "./settings";
import { EditorPage, LoadError, Said, Section, Skeleton } from "./settings-kit";
import { Checkbox, Dialog, Notice, Switch, Tabs, toast } from "./ui";
import {
  attemptsText, byName, changes, cleaned, deadText, Delivery, DeliveryState, deliveriesText, endpointName, errorText, HooksClient, NewSecret, Overlaps,
  pendingText, problems, refusalAt, refusalText, relative, replayedText, Settings, settingsOf, shownURL, signing, typeLabel, Types, typesText, usedBy,
  Webhook, when,
} from "./webhooks";

// every is how often the page asks the edge again while it is shown (ms):
// deliveries are tried, retried and given up on by themselves.
const every = 4000;

const message = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

type View = { kind: "list" } | { kind: "new" } | { kind: "edit"; id: string } | { kind: "endpoint"; id: string; tab?: DeliveryState };

// Shown is a signing secret on show, once: what made it, and the secret.
type Shown = { name: string; secret: string; rotated: boolean };

export function WebhooksPage({ token, rules, convName, onOpen }: {
  token: string;
  rules: Rule[]; // which rules send to an endpoint, said before it is deleted
  convName: (id: string) => string | undefined; // a conversation the console has, by its customer's name
  onOpen: (conv: string) => void; // open a conversation
}) {
  const client = useMemo(() => new HooksClient(token), [token]);
  const [list, setList] = useState<Webhook[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [view, setView] = useState<View>({ kind: "list" });
  const [shown, setShown] = useState<Shown | null>(null);
  const [rotating, setRotating] = useState<Webhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [toggling, setToggling] = useState("");

  const load = async (quiet = false) => {
    if (!quiet) setLoadError("");
    try {
      setList(await client.list());
      setLoadError("");
    } catch (err) {
      if (!quiet || list === null) setLoadError(message(err));
    }
  };
  useEffect(() => {
    void load();
  }, [client]);
  // the counts move by themselves: asked again while the list is shown
  useEffect(() => {
    if (view.kind !== "list") return;
    const t = setInterval(() => { if (document.visibilityState === "visible") void load(true); }, every);
    return () => clearInterval(t);
  }, [view.kind, client]);

  // an endpoint deleted meanwhile (by another admin) leaves its page for the list
  useEffect(() => {
    if ((view.kind === "endpoint" || view.kind === "edit") && list && !list.some((x) => x.id === view.id)) setView({ kind: "list" });
  }, [view, list]);

  // took keeps an endpoint as the edge answered it, without the secret a
  // create or rotation answers: that is shown once, in its dialog only
  const took = (answer: Webhook | NewSecret) => {
    const { secret: _, ...w } = answer as NewSecret;
    setList((l) => (l ? (l.some((x) => x.id === w.id) ? l.map((x) => (x.id === w.id ? w : x)) : [...l, w]) : [w]));
  };
  const toggle = async (w: Webhook, on: boolean) => {
    setToggling(w.id);
    try {
      took(await client.update(w.id, { disabled: !on }));
      toast(`${endpointName(w)} ${on ? "enabled" : "disabled"}`);
    } catch (err) {
      toast(`${endpointName(w)} was not ${on ? "enabled" : "disabled"}: ${message(err)}`, "error");
    } finally {
      setToggling("");
    }
  };

  const dialogs = (
    <>
      {shown && <SecretDialog shown={shown} onClose={() => setShown(null)} />}
      {rotating && (
        <RotateDialog client={client} hook={rotating} onClose={() => setRotating(null)}
          onRotated={(w) => { took(w); setRotating(null); setShown({ name: endpointName(w), secret: w.secret, rotated: true }); }} />
      )}
      {deleting && (
        <DeleteDialog client={client} hook={deleting} rules={usedBy(deleting.id, rules)} onClose={() => setDeleting(null)}
          onDeleted={() => {
            const w = deleting;
            setList((l) => l?.filter((x) => x.id !== w.id) ?? l);
            setDeleting(null);
            setView({ kind: "list" });
            toast(`Deleted ${endpointName(w)}`);
          }} />
      )}
    </>
  );

  if (view.kind === "new" || view.kind === "edit") {
    const editing = view.kind === "edit" ? list?.find((x) => x.id === view.id) : undefined;
    return (
      <>
        <Editor key={view.kind === "edit" ? view.id : "new"} client={client} hook={editing}
          onCancel={() => setView(editing ? { kind: "endpoint", id: editing.id } : { kind: "list" })}
          onSaved={(w) => {
            took(w);
            if ("secret" in w && typeof w.secret === "string") {
              setShown({ name: endpointName(w), secret: w.secret, rotated: false });
              setView({ kind: "list" });
              toast(`Created ${endpointName(w)}`);
            } else {
              setView({ kind: "endpoint", id: w.id });
              toast(`Saved ${endpointName(w)}`);
            }
          }} />
        {dialogs}
      </>
    );
  }

  if (view.kind === "endpoint") {
    const w = list?.find((x) => x.id === view.id);
    if (w) {
      return (
        <>
          <Endpoint key={w.id} client={client} hook={w} tab={view.tab} busy={toggling === w.id} convName={convName} onOpen={onOpen} onChanged={took}
            onGone={() => setList((l) => l?.filter((x) => x.id !== w.id) ?? l)}
            onBack={() => setView({ kind: "list" })} onEdit={() => setView({ kind: "edit", id: w.id })} onToggle={(on) => void toggle(w, on)}
            onRotate={() => setRotating(w)} onDelete={() => setDeleting(w)} />
          {dialogs}
        </>
      );
    }
  }

  const sorted = list ? byName(list) : null;
  const add = <button type="button" className="btn primary" disabled={list === null} onClick={() => setView({ kind: "new" })}><Icon name="plus" size={14} />New endpoint</button>;
  return (
    <Page id="webhooks-title" title="Webhooks" action={add}
      lede="Tell your other systems, such as a CRM or a data warehouse, what happens in the help desk as it happens. Each endpoint is a URL of yours that is sent the events it asks for, signed, in order for each conversation, and retried for about a day. A rule can send a conversation to one too.">
      <div className="kit-cards hooks-page" role="region" aria-label="Manage webhooks">
        <section className="card" aria-labelledby="hooks-head">
          <div className="card-head" id="hooks-head">
            {sorted === null ? "Endpoints" : `${sorted.length} ${sorted.length === 1 ? "endpoint" : "endpoints"} of 100${sorted.length ? ` · ${sorted.filter((w) => !w.disabled).length} enabled` : ""}`}
          </div>
          {sorted === null && loadError ? <LoadError what="webhook endpoints" error={loadError} onRetry={() => void load()} />
            : sorted === null ? <Skeleton what="webhook endpoints" />
              : sorted.length === 0 ? (
                <div className="state">
                  <div className="state-icon"><Icon name="webhook" size={22} /></div>
                  <h2>No webhook endpoints yet</h2>
                  <p>Add the URL of a system of yours, choose the events it is sent, and it hears of conversations and customers as they change, without asking.</p>
                  <button type="button" className="btn primary" onClick={() => setView({ kind: "new" })}><Icon name="plus" size={14} />Add an endpoint</button>
                </div>
              ) : (
                <ul className="kit-rows">
                  {sorted.map((w) => {
                    const name = endpointName(w);
                    return (
                      <li key={w.id} className={`kit-row hook-row${w.disabled ? " off" : ""}`} aria-label={name}>
                        <span className={`kit-icon${w.disabled ? " quiet" : ""}`} aria-hidden="true"><Icon name="webhook" size={16} /></span>
                        <div className="kit-main">
                          <p className="kit-name">
                            <button type="button" className="hook-name" title="Show its deliveries" onClick={() => setView({ kind: "endpoint", id: w.id })}>{name}</button>
                            {w.disabled && <span className="badge">Disabled</span>}
                          </p>
                          <p className="kit-what" title={`${w.url} · ${typesText(w.types)}`}>
                            <span className="hook-url">{shownURL(w.url)}</span> · {typesText(w.types)}
                          </p>
                        </div>
                        <span className="kit-side">
                          <Counts hook={w} onShow={(tab) => setView({ kind: "endpoint", id: w.id, tab })} />
                          <Switch label={<span className="sr-only">Send to “{name}”</span>} checked={!w.disabled} disabled={toggling === w.id}
                            onChange={(on) => void toggle(w, on)} />
                          <span className="row-actions">
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Edit ${name}`} title="Edit" onClick={() => setView({ kind: "edit", id: w.id })}><Icon name="edit" size={14} /></button>
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Rotate the secret of ${name}`} title="Rotate the signing secret" onClick={() => setRotating(w)}><Icon name="rotateKey" size={14} /></button>
                            <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete ${name}`} title="Delete" onClick={() => setDeleting(w)}><Icon name="trash" size={14} /></button>
                          </span>
                        </span>
                      </li>
                    );
                  })}
                </ul>
              )}
          {sorted !== null && loadError && <p className="hooks-stale" role="alert"><Icon name="alert" size={12} />{loadError}</p>}
        </section>
        <p className="hint hooks-foot">
          Each delivery is signed as the <a href="https://www.standardwebhooks.com/" target="_blank" rel="noreferrer">Standard Webhooks</a> specification
          says: receivers check its <code>webhook-signature</code> header with the endpoint's secret, and drop a <code>webhook-id</code> they have taken already.
        </p>
      </div>
      {dialogs}
    </Page>
  );
}

// Counts are an endpoint's queued and dead deliveries, each a button to
// them.
function Counts({ hook: w, onShow }: { hook: Webhook; onShow: (tab: DeliveryState) => void }) {
  const name = endpointName(w);
  return (
    <span className="hook-counts">
      <button type="button" className="hook-count" aria-label={`${w.pending} waiting to be sent to ${name}`} title="Deliveries queued: sent or retried soon"
        onClick={() => onShow("pending")}>{w.pending} <span>waiting</span></button>
      <button type="button" className={`hook-count dead${w.dead ? " some" : ""}`} aria-label={`${w.dead} failed to reach ${name}`} title="Deliveries that failed for good: replay them from the endpoint's page"
        onClick={() => onShow("dead")}>{w.dead} <span>failed</span></button>
    </span>
  );
}

// Endpoint is an endpoint's page: what it is sent and how it signs, and
// its deliveries, queued and dead, asked again while it is shown.
function Endpoint({ client, hook: w, tab: first, busy, convName, onOpen, onChanged, onGone, onBack, onEdit, onToggle, onRotate, onDelete }: {
  client: HooksClient; hook: Webhook; tab?: DeliveryState; busy: boolean; convName: (id: string) => string | undefined; onOpen: (conv: string) => void;
  onChanged: (w: Webhook) => void; onGone: () => void; onBack: () => void; onEdit: () => void; onToggle: (on: boolean) => void; onRotate: () => void; onDelete: () => void;
}) {
  const [tab, setTab] = useState<DeliveryState>(first ?? (w.dead > 0 && w.pending === 0 ? "dead" : "pending"));
  const [rows, setRows] = useState<Record<DeliveryState, Delivery[] | null>>({ pending: null, dead: null });
  const [error, setError] = useState("");
  const [replayed, setReplayed] = useState<{ text: string; error: boolean } | null>(null);
  const [replaying, setReplaying] = useState(""); // a delivery's id, or "all"
  const [now, setNow] = useState(Date.now());
  const name = endpointName(w);
  const live = useRef(tab);
  live.current = tab;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const load = async (which: DeliveryState, quiet = false) => {
    try {
      const [list, fresh] = await Promise.all([client.deliveries(w.id, which), client.get(w.id)]);
      setRows((r) => ({ ...r, [which]: list }));
      onChanged(fresh);
      setError("");
      setNow(Date.now());
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        toast(`${name} was deleted meanwhile`, "error");
        onGone();
        return;
      }
      if (!quiet) setError(message(err));
    }
  };
  useEffect(() => {
    void load(tab);
  }, [tab]);
  useEffect(() => {
    const t = setInterval(() => { if (document.visibilityState === "visible") void load(live.current, true); }, every);
    return () => clearInterval(t);
  }, []);

  const replay = async (ids?: string[]) => {
    setReplaying(ids ? ids[0] : "all");
    setReplayed(null);
    try {
      const after = await client.replay(w.id, ids);
      onChanged(after);
      setReplayed({ text: replayedText(ids ? ids.length : "all", w.dead), error: false });
      await load("dead", true);
      // what became of the new attempt, once it is likely made
      setTimeout(() => { if (live.current === "dead") void load("dead", true); }, 1500);
    } catch (err) {
      setReplayed({ text: `Not replayed: ${message(err)}`, error: true });
    } finally {
      setReplaying("");
    }
  };

  const list = rows[tab];
  return (
    <div className="settings" role="region" aria-labelledby="hook-title">
      <div className="settings-inner">
        <div className="page-head">
          <div className="hook-head-text">
            <button type="button" className="crumb kit-back" onClick={onBack}><Icon name="chevronLeft" size={12} />Webhooks</button>
            <h1 id="hook-title" ref={heading} tabIndex={-1}>{name}{w.disabled && <span className="badge">Disabled</span>}</h1>
            <p className="lede hook-lede"><code title={w.url}>{shownURL(w.url)}</code></p>
          </div>
          <div className="hook-actions">
            <Switch label="Enabled" checked={!w.disabled} disabled={busy} onChange={onToggle} />
            <button type="button" className="btn" onClick={onEdit}><Icon name="edit" size={14} />Edit</button>
            <button type="button" className="btn" onClick={onRotate}><Icon name="rotateKey" size={14} />Rotate secret</button>
            <button type="button" className="btn quiet-danger" onClick={onDelete}><Icon name="trash" size={14} />Delete</button>
          </div>
        </div>
        {w.disabled && <Notice kind="warn"><p><strong>Disabled.</strong> Nothing new is queued for it and nothing is sent; what was queued waits until it is enabled again. Rules that send to it skip that action.</p></Notice>}
        <section className="card hook-facts" aria-label="Endpoint">
          <dl>
            <div><dt>Events</dt><dd><span className="hook-types">{w.types.length === Types.length ? <span className="chip">Every event</span>
              : Types.filter((t) => w.types.includes(t.id)).map((t) => <span key={t.id} className="chip">{t.label}</span>)}</span></dd></div>
            <div><dt>Signing</dt><dd>{signing(w, now)}</dd></div>
            <div><dt>Created</dt><dd><time dateTime={w.created_at} title={when(w.created_at)}>{relative(w.created_at, now)}</time></dd></div>
          </dl>
        </section>
        <section className="card hook-deliveries" aria-label="Deliveries">
          <div className="deliv-head">
            <Tabs label="Deliveries" value={tab} onChange={(t) => { setTab(t); setReplayed(null); }}
              tabs={[{ id: "pending", label: "Pending", icon: "clock", count: w.pending }, { id: "dead", label: "Dead", icon: "alert", count: w.dead }]} />
            <span className="deliv-tools">
              <button type="button" className="btn sm ghost" onClick={() => void load(tab)}><Icon name="refresh" size={14} />Refresh</button>
              {tab === "dead" && (
                <button type="button" className="btn sm" disabled={w.dead === 0 || replaying !== ""} onClick={() => void replay()}>
                  {replaying === "all" ? <span className="spinner" aria-hidden="true" /> : <Icon name="reopen" size={14} />}Replay all
                </button>
              )}
            </span>
          </div>
          <div role="status" className="deliv-said">
            {replayed && <Notice kind={replayed.error ? "error" : "info"}><p>{replayed.text}</p></Notice>}
          </div>
          {list === null && error ? <LoadError what="deliveries" error={error} onRetry={() => void load(tab)} />
            : list === null ? <Skeleton what="deliveries" />
              : list.length === 0 ? (
                <div className="state">
                  <div className="state-icon"><Icon name={tab === "pending" ? "check" : "webhook"} size={22} /></div>
                  <h2>{tab === "pending" ? "Nothing waiting" : "No failed deliveries"}</h2>
                  <p>{tab === "pending"
                    ? "Every delivery so far was taken by the endpoint. New ones show here while they are sent or retried."
                    : "A delivery the endpoint has not taken after about a day of retries, or answered 410 Gone, shows here to be replayed."}</p>
                </div>
              ) : (
                <div className="deliv-scroll">
                  <table className="deliveries">
                    <thead>
                      <tr>
                        <th scope="col">Event</th>
                        <th scope="col">Conversation</th>
                        <th scope="col">Attempts</th>
                        <th scope="col">Last error</th>
                        <th scope="col">{tab === "pending" ? "Next" : "Last attempt"}</th>
                        {tab === "dead" && <th scope="col"><span className="sr-only">Replay</span></th>}
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((d) => {
                        const err = errorText(d);
                        const at = tab === "pending" ? d.next_attempt_at : d.last_attempt_at;
                        return (
                          <tr key={d.id}>
                            <td><span className="deliv-type">{typeLabel(d.type)}</span><time className="deliv-at" dateTime={d.created_at} title={when(d.created_at)}>{relative(d.created_at, now)}</time></td>
                            <td><Subject d={d} convName={convName} onOpen={onOpen} /></td>
                            <td className="num">{attemptsText(d.attempts)}</td>
                            <td className="deliv-error">{err ? <span title={err}>{err}</span> : <span className="hint">None</span>}</td>
                            <td><span title={when(at)}>{tab === "pending" ? pendingText(d, list, w.disabled, now) : deadText(d, now)}</span></td>
                            {tab === "dead" && (
                              <td className="actions">
                                <button type="button" className="btn sm" disabled={replaying !== ""} aria-label={`Replay ${typeLabel(d.type)}, ${subjectName(d, convName)}`}
                                  onClick={() => void replay([d.id])}>
                                  {replaying === d.id ? <span className="spinner" aria-hidden="true" /> : <Icon name="reopen" size={14} />}Replay
                                </button>
                              </td>
                            )}
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
          {list !== null && list.length >= 50 && <p className="hint deliv-more">The first 50 are shown.</p>}
          {list !== null && error && <p className="hooks-stale" role="alert"><Icon name="alert" size={12} />{error}</p>}
        </section>
      </div>
    </div>
  );
}

// Subject is what a delivery is about: its conversation, by the
// customer's name, as a link that opens it; or the customer.
function Subject({ d, convName, onOpen }: { d: Delivery; convName: (id: string) => string | undefined; onOpen: (conv: string) => void }) {
  const name = subjectName(d, convName);
  if (d.conversation_id) {
    return (
      <button type="button" className="link-btn" title="Open the conversation" onClick={() => onOpen(d.conversation_id!)}>
        <Icon name="conversations" size={13} />{name}
      </button>
    );
  }
  if (d.contact_id) return <span className="deliv-contact"><Icon name="user" size={13} />{name}</span>;
  return <span className="hint">—</span>;
}

// subjectName names what a delivery is about: its conversation by the
// customer's name, or the customer.
function subjectName(d: Delivery, convName: (id: string) => string | undefined): string {
  if (d.conversation_id) return convName(d.conversation_id) || d.data?.conversation?.contact_name || "A conversation";
  const c = d.data?.contact;
  return c?.name || c?.email || "A customer";
}

// Editor makes or changes an endpoint. What it checks is webhooks.ts's;
// the edge's refusal shows in the foot and under the part it names.
function Editor({ client, hook, onCancel, onSaved }: {
  client: HooksClient; hook?: Webhook; onCancel: () => void; onSaved: (w: Webhook | NewSecret) => void;
}) {
  const [s, setS] = useState<Settings>(() => settingsOf(hook));
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState("");
  const [busy, setBusy] = useState(false);
  const url = useRef<HTMLInputElement>(null);
  // one Idempotency-Key per submit; kept only when the edge may have made
  // the endpoint without answering, so that submitting again makes one
  const pending = useRef<{ key: string; body: string } | null>(null);
  useEffect(() => url.current?.focus(), []);
  const all = problems(s);
  const shown = tried ? all : [];
  const at = refusalAt(refused);
  const said = (part: "url" | "description" | "types") => shown.find((p) => p.at === part)?.text ?? (refused && at === part ? refusalText(refused) : undefined);
  const set = (change: Partial<Settings>) => {
    setS((x) => ({ ...x, ...change }));
    setRefused("");
  };
  const save = async () => {
    setTried(true);
    if (all.length || busy) return;
    setBusy(true);
    setRefused("");
    try {
      if (hook) {
        const c = changes(hook, s);
        onSaved(Object.keys(c).length ? await client.update(hook.id, c) : hook);
      } else {
        const body = cleaned(s);
        const text = JSON.stringify(body);
        const key = pending.current?.body === text ? pending.current.key : idempotencyKey();
        pending.current = { key, body: text };
        try {
          const w = await client.create(body, key);
          pending.current = null;
          onSaved(w);
        } catch (err) {
          if (!(err instanceof ApiError && err.unsure)) pending.current = null;
          throw err;
        }
      }
    } catch (err) {
      setRefused(message(err));
      setBusy(false);
    }
  };
  const name = hook ? endpointName(hook) : "";
  return (
    <EditorPage title={hook ? `Edit ${name}` : "New endpoint"} crumb={hook ? name : "Webhooks"} submit={hook ? "Save endpoint" : "Create endpoint"} busy={busy}
      lede={hook ? "Changes count from the next delivery: what is queued keeps the events it was queued for."
        : "Its signing secret is shown once, right after you create it: have the receiver's configuration at hand."}
      refusal={refused} problems={shown.map((p) => p.text)} onCancel={onCancel} onSubmit={() => void save()}>
      <Section id="hook-endpoint" title="Endpoint" what="Where deliveries are sent: a URL of yours. It may carry a token of the receiver's in its query." bad={at === "url" || at === "description"}>
        <div className="field">
          <label className="field-label" htmlFor="hook-url">URL</label>
          <input ref={url} id="hook-url" className="input mono" value={s.url} maxLength={2048} placeholder="https://crm.example.com/edgedesk" spellCheck={false} autoComplete="off"
            inputMode="url" aria-invalid={said("url") ? true : undefined} aria-describedby={said("url") ? "hook-url-hint hook-url-error" : "hook-url-hint"}
            onChange={(e) => set({ url: e.currentTarget.value })} />
          <span className="hint" id="hook-url-hint">https:// with TLS 1.3; http:// only to a receiver on this machine (127.0.0.1, ::1 or localhost).</span>
          <Said text={said("url")} id="hook-url-error" />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="hook-description">Description</label>
          <input id="hook-description" className="input" value={s.description} maxLength={200} placeholder="CRM" autoComplete="off"
            aria-invalid={said("description") ? true : undefined} aria-describedby={said("description") ? "hook-description-hint hook-description-error" : "hook-description-hint"}
            onChange={(e) => set({ description: e.currentTarget.value })} />
          <span className="hint" id="hook-description-hint">What this page and the rules call it. Without one, its URL.</span>
          <Said text={said("description")} id="hook-description-error" />
        </div>
      </Section>
      <Section id="hook-events" title="Events" what="What it is sent. A rule's “Send to webhook” action sends it a conversation whatever it asks for here." bad={at === "types"}>
        <div className="type-tools">
          <span className="hint">{s.types.length === Types.length ? "Every event" : `${s.types.length} of ${Types.length}`}</span>
          <button type="button" className="btn sm ghost" disabled={s.types.length === Types.length} onClick={() => set({ types: Types.map((t) => t.id) })}>Select all</button>
          <button type="button" className="btn sm ghost" disabled={s.types.length === 0} onClick={() => set({ types: [] })}>Clear</button>
        </div>
        <div className="type-checks" role="group" aria-label="Events" aria-describedby={said("types") ? "hook-types-error" : undefined}>
          {Types.map((t) => (
            <Checkbox key={t.id} className="type-check" checked={s.types.includes(t.id)} label={t.label} hint={t.what}
              onChange={(on) => set({ types: on ? [...s.types, t.id] : s.types.filter((x) => x !== t.id) })} />
          ))}
        </div>
        <Said text={said("types")} id="hook-types-error" />
      </Section>
      <Section id="hook-status" title="Status" what="A disabled endpoint gets nothing new queued and nothing sent; what it had queued waits for it.">
        <Switch label="Enabled" checked={!s.disabled} onChange={(on) => set({ disabled: !on })} />
      </Section>
    </EditorPage>
  );
}

// SecretDialog shows a signing secret, once: Escape does not close it,
// and nothing keeps the secret after it closes.
function SecretDialog({ shown, onClose }: { shown: Shown; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  useEffect(() => copyButton.current?.focus(), []);
  const copy = async () => {
    field.current?.select();
    try {
      await navigator.clipboard.writeText(shown.secret);
    } catch {
      // no clipboard API (a page not served over HTTPS): the text is selected
      document.execCommand?.("copy");
    }
    setCopied(true);
  };
  return (
    <Dialog label="secret-title" onClose={onClose} canEscape={false}>
      <div className="dialog-head">
        <div>
          <h2 id="secret-title">{shown.rotated ? "Save the new signing secret" : "Save the signing secret"}</h2>
          <p>{shown.rotated ? `“${shown.name}” has a new secret.` : `“${shown.name}” was created.`} Its receiver checks each delivery's signature with it.</p>
        </div>
      </div>
      <div className="dialog-body">
        <Notice kind="warn">
          <p><strong>Copy the secret now. It will not be shown again.</strong> The edge keeps it sealed and never shows it again. If it is lost, rotate the secret.</p>
        </Notice>
        <div className="field">
          <span className="field-label" id="secret-label">Signing secret</span>
          <span className="token-box">
            <textarea ref={field} className="input token" readOnly value={shown.secret} aria-labelledby="secret-label" rows={2}
              onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
            <button ref={copyButton} type="button" className="btn" onClick={() => void copy()} aria-label={copied ? "Copied the secret" : "Copy the secret"}>
              <Icon name={copied ? "check" : "copy"} size={16} />{copied ? "Copied" : "Copy"}
            </button>
          </span>
        </div>
        <p className="hint" role="status">{copied ? "The secret is on the clipboard." : ""}</p>
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn primary" onClick={onClose}>I have saved it</button>
      </div>
    </Dialog>
  );
}

// RotateDialog gives an endpoint a new secret, after asking how long the
// current one keeps signing beside it.
function RotateDialog({ client, hook: w, onRotated, onClose }: {
  client: HooksClient; hook: Webhook; onRotated: (w: NewSecret) => void; onClose: () => void;
}) {
  const [overlap, setOverlap] = useState("86400");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const name = endpointName(w);
  const rotate = async () => {
    setBusy(true);
    setError("");
    try {
      onRotated(await client.rotate(w.id, parseInt(overlap, 10)));
    } catch (err) {
      setError(message(err));
      setBusy(false);
    }
  };
  return (
    <Dialog label="rotate-title" onClose={onClose}>
      <div className="dialog-head">
        <div>
          <h2 id="rotate-title">Rotate the secret of {name}?</h2>
          <p>A new signing secret is made and shown once. Give it to the receiver; meanwhile the current one can keep signing beside it.</p>
        </div>
      </div>
      <div className="dialog-body">
        {error && <Notice kind="error"><p>Not rotated: {error}</p></Notice>}
        <div className="field">
          <span className="field-label" id="overlap-label">The current secret</span>
          <div role="radiogroup" aria-labelledby="overlap-label" className="picks overlaps"
            onKeyDown={(ev) => {
              // the arrow keys choose the next or previous, as radios do
              const step = ev.key === "ArrowDown" || ev.key === "ArrowRight" ? 1 : ev.key === "ArrowUp" || ev.key === "ArrowLeft" ? -1 : 0;
              if (!step) return;
              ev.preventDefault();
              const i = Overlaps.findIndex((o) => o.value === overlap);
              const next = Overlaps[(i + step + Overlaps.length) % Overlaps.length];
              setOverlap(next.value);
              ev.currentTarget.querySelectorAll<HTMLElement>("[role=radio]")[Overlaps.indexOf(next)]?.focus();
            }}>
            {Overlaps.map((o) => (
              <button key={o.value} type="button" role="radio" aria-checked={o.value === overlap} tabIndex={o.value === overlap ? 0 : -1} className="pick"
                onClick={() => setOverlap(o.value)}>
                <span className="pick-main">
                  <strong>{o.label}</strong>
                  <span className="pick-text">{o.what}</span>
                </span>
                <span className="pick-tick" aria-hidden="true">{o.value === overlap && <Icon name="check" size={14} />}</span>
              </button>
            ))}
          </div>
        </div>
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn primary" disabled={busy} onClick={() => void rotate()}>
          {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="rotateKey" size={14} />}Rotate secret
        </button>
      </div>
    </Dialog>
  );
}

// DeleteDialog asks before deleting an endpoint, saying what goes with it.
function DeleteDialog({ client, hook: w, rules, onDeleted, onClose }: {
  client: HooksClient; hook: Webhook; rules: string[]; onDeleted: () => void; onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const name = endpointName(w);
  const remove = async () => {
    setBusy(true);
    setError("");
    try {
      await client.remove(w.id);
      onDeleted();
    } catch (err) {
      setError(message(err));
      setBusy(false);
    }
  };
  const queued = w.pending + w.dead;
  return (
    <Dialog label="hook-delete-title" onClose={onClose}>
      <div className="dialog-head">
        <div>
          <h2 id="hook-delete-title">Delete {name}?</h2>
          <p>It is sent nothing more{queued ? `, and its ${deliveriesText(queued)} waiting or failed go with it` : ""}. This cannot be undone.</p>
        </div>
      </div>
      <div className="dialog-body">
        {error && <Notice kind="error"><p>Not deleted: {error}</p></Notice>}
        {rules.length > 0 ? (
          <Notice kind="warn"><p>{rules.length === 1 ? "The rule" : "The rules"} {rules.map((r) => `“${r}”`).join(", ")} {rules.length === 1 ? "sends" : "send"} to it: {rules.length === 1 ? "it skips" : "they skip"} that action from now on.</p></Notice>
        ) : <p className="hint hook-delete-what"><code>{shownURL(w.url)}</code> · {typesText(w.types)}</p>}
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn danger" disabled={busy} onClick={() => void remove()}>
          {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="trash" size={14} />}Delete endpoint
        </button>
      </div>
    </Dialog>
  );
}

const webhooksCss = `
.hook-row.off .hook-name { color: var(--muted); }
.hook-name { padding: 0; border: 0; background: none; color: var(--text); font: inherit; font-weight: var(--ed-weight-semibold); text-align: left; cursor: pointer;
  min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; border-radius: var(--ed-radius-sm); }
.hook-name:hover { color: var(--accent-text); text-decoration: underline; text-underline-offset: 2px; }
.hook-name:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.hook-url { font-family: var(--mono); font-size: var(--ed-text-xs); }
.hook-counts { display: inline-flex; gap: 6px; }
.hook-count { display: inline-flex; align-items: baseline; gap: 0; height: 24px; padding: 0 9px; border: 0; border-radius: var(--ed-radius-full);
  background: var(--subtle); color: var(--text); box-shadow: inset 0 0 0 1px var(--border); font: inherit; font-size: var(--ed-text-xs);
  font-weight: var(--ed-weight-semibold); line-height: 24px; font-variant-numeric: tabular-nums; cursor: pointer; white-space: nowrap; }
.hook-count span { margin-left: 4px; color: var(--muted); font-weight: var(--ed-weight-medium); }
.hook-count:hover { background: var(--hover); }
.hook-count:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.hook-count.dead.some { background: var(--danger-soft); color: var(--danger-text); box-shadow: none; }
.hook-count.dead.some span { color: var(--danger-text); }
.hooks-page .kit-side { gap: 14px; }
.hooks-stale { display: flex; align-items: center; gap: 6px; margin: 0; padding: 10px 20px; border-top: 1px solid var(--border); color: var(--danger-text); font-size: var(--ed-text-sm); }
.hooks-foot code, .hook-delete-what code { font-family: var(--mono); font-size: var(--ed-text-xs); }
.hooks-foot a { color: var(--accent-text); }
.hook-head-text { min-width: 0; }
.hook-head-text h1:focus { outline: none; }
.hook-head-text h1 { display: flex; align-items: center; gap: 10px; overflow-wrap: anywhere; }
.hook-lede code { font-family: var(--mono); font-size: var(--ed-text-sm); overflow-wrap: anywhere; }
.hook-actions { display: flex; align-items: center; flex-wrap: wrap; justify-content: flex-end; gap: 8px; margin-top: 20px; }
.hook-actions .switch { margin-right: 8px; }
.page-head .hook-actions .btn { margin-top: 0; }
.hook-facts { margin-bottom: 16px; }
.hook-facts dl { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1.3fr) minmax(0, .7fr); margin: 0; }
.hook-facts dl > div { padding: 14px 20px; border-left: 1px solid var(--border); min-width: 0; }
.hook-facts dl > div:first-child { border-left: 0; }
.hook-facts dt { margin-bottom: 6px; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); text-transform: uppercase; letter-spacing: .04em; }
.hook-facts dd { margin: 0; font-size: var(--ed-text-sm); }
.hook-types { display: flex; flex-wrap: wrap; gap: 4px; }
.hook-deliveries { overflow: hidden; }
.deliv-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 12px; padding: 6px 16px 0 12px; border-bottom: 1px solid var(--border); }
.deliv-head [role=tablist].tabs { border-bottom: 0; }
.deliv-tools { display: flex; align-items: center; gap: 6px; padding-bottom: 6px; }
.deliv-said:empty { display: none; }
.deliv-said { padding: 12px 16px; }
.deliv-said .notice { margin: 0; }
.deliv-scroll { overflow-x: auto; }
table.deliveries { width: 100%; border-collapse: collapse; font-size: var(--ed-text-sm); }
.deliveries th { padding: 9px 16px; text-align: left; font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; background: var(--subtle); border-bottom: 1px solid var(--border); white-space: nowrap; }
.deliveries td { padding: 10px 16px; border-bottom: 1px solid var(--border); vertical-align: middle; }
.deliveries tr:last-child td { border-bottom: 0; }
.deliveries tbody tr:hover { background: var(--subtle); }
.deliveries td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.deliveries td.actions { width: 1%; text-align: right; white-space: nowrap; }
.deliv-type { display: block; font-weight: var(--ed-weight-semibold); white-space: nowrap; }
.deliv-at { display: block; color: var(--muted); font-size: var(--ed-text-xs); white-space: nowrap; }
.deliv-error { max-width: 300px; }
.deliv-error > span:not(.hint) { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; overflow-wrap: anywhere;
  color: var(--danger-text); font-family: var(--mono); font-size: var(--ed-text-xs); }
.deliv-contact { display: inline-flex; align-items: center; gap: 5px; }
.deliv-more { padding: 10px 16px; border-top: 1px solid var(--border); }
.link-btn { display: inline-flex; align-items: center; gap: 5px; max-width: 220px; padding: 0; border: 0; border-radius: var(--ed-radius-sm); background: none;
  color: var(--accent-text); font: inherit; font-weight: var(--ed-weight-medium); text-align: left; cursor: pointer; }
.link-btn:hover { text-decoration: underline; text-underline-offset: 2px; }
.link-btn:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.link-btn .icon { flex: none; }
.kit-editor .input.mono { font-family: var(--mono); font-size: var(--ed-text-sm); }
.kit-controls > .field { max-width: 640px; }
.overlaps .pick-text { white-space: normal; }
.type-tools { display: flex; align-items: center; gap: 4px; margin-bottom: 8px; }
.type-tools .hint { margin-right: auto; }
.type-checks { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 16px; max-width: 640px; }
.type-check { align-items: flex-start; padding: 8px 10px; border: 1px solid var(--border); border-radius: var(--ed-radius-md); }
.type-check:has(input:checked) { border-color: color-mix(in srgb, var(--accent) 45%, var(--border)); background: var(--accent-soft); }
.type-check .box { margin-top: 1px; }
.type-check input { top: 18px; left: 10px; }
.type-check .check-text { font-weight: var(--ed-weight-medium); }
.type-check .check-text .hint { font-weight: var(--ed-weight-regular); font-size: var(--ed-text-xs); line-height: 1.4; }
@media (max-width: 1199px) { .hook-facts dl { grid-template-columns: minmax(0, 1fr); } .hook-facts dl > div { border-left: 0; border-top: 1px solid var(--border); } .hook-facts dl > div:first-child { border-top: 0; } }
`;

const sheet = document.createElement("style");
sheet.textContent = webhooksCss;
document.head.appendChild(sheet);
