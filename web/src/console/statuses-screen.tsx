// Settings → Statuses: the tenant's custom statuses under the status each
// one is (its base: open, pending, on hold, solved, closed), in the order
// agents see them in a conversation's status menu. Admins add one (its
// name, its base, its id made from the name until they type one), rename
// one, move one up or down within its base and remove one after a word on
// what that does; every change sends the whole list (statuses_set) and
// the edge's refusal, naming the status, is shown where it was made.
// Other agents see the list only. What is checked and said is
// custom-statuses.ts's.

import { useEffect, useRef, useState } from "react";
import type { CustomStatus, OutFrame } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import {
  Bases, Draft, draftOf, grouped, inserted, maxLabel, maxStatuses, moveWithin, newDraft, problems, refusalText, Refused, refusedAt, statusOf, withLabel,
} from "./custom-statuses";
import { Icon } from "./icons";
import { Page } from "./settings";
import { LoadError, Said, Skeleton } from "./settings-kit";
import { statusIcons, statusLabel } from "./status";
import { Badge, Dialog, Notice, Select, toast } from "./ui";

const what: Record<string, string> = {
  open: "Being worked on: the SLA clocks run.",
  pending: "Waiting on the customer: the clocks stand still.",
  on_hold: "Waiting on a third party, or snoozed: the clocks stand still.",
  solved: "Answered: the customer's reply reopens it.",
  closed: "Final: nothing reopens it.",
};

type Editing = { index: number; draft: Draft; key: number }; // index -1: a new one

export function StatusesPage({ conn, admin, onStatuses }: { conn: Connection; admin: boolean; onStatuses: (s: CustomStatus[]) => void }) {
  const [list, setList] = useState<CustomStatus[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [editing, setEditing] = useState<Editing>({ index: -1, draft: newDraft(), key: 0 });
  const [listError, setListError] = useState<{ text: string; at: Refused } | null>(null);
  const [removing, setRemoving] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const took = (r: OutFrame) => {
    const next = r.statuses ?? [];
    setList(next);
    onStatuses(next);
  };
  const load = async () => {
    setLoadError("");
    const r = await conn.request({ type: "statuses" });
    if (r.type === "statuses") took(r);
    else setLoadError(r.message ?? r.code ?? "the edge did not answer");
  };
  useEffect(() => {
    void load();
  }, [conn]);
  // send sends the whole list; it resolves to the edge's refusal, or "" once it took it
  const send = async (next: CustomStatus[], done: string): Promise<string> => {
    setBusy(true);
    const r = await conn.request({ type: "statuses_set", statuses: next });
    setBusy(false);
    if (r.type !== "statuses") return r.message ?? r.code ?? "the edge refused the statuses";
    took(r);
    toast(done);
    return "";
  };
  const fromList = async (next: CustomStatus[], done: string) => {
    const err = await send(next, done);
    setListError(err ? { text: err, at: refusedAt(err) } : null);
  };
  const all = list ?? [];
  const start = (index: number, base?: string) => {
    setListError(null);
    setEditing((e) => ({ index, draft: index < 0 ? newDraft(base) : draftOf(all[index]), key: e.key + 1 }));
  };
  const full = all.length >= maxStatuses;
  return (
    <Page id="statuses-title" title="Statuses"
      lede="Name the states your team works with. Each custom status is one of the statuses conversations have, its base: “Waiting on the carrier” and “Waiting for parts” are both On hold. Agents pick them in a conversation's status menu, under their base; the SLA clocks, routing and reports go by the base, and customers see the base only.">
      <div className="settings-grid fields-grid" role="region" aria-label="Manage statuses">
        <section className="card" aria-label="Custom statuses">
          {listError && <div className="card-notice"><Notice kind="error"><p><strong>Not saved.</strong> The edge says: {listError.text}</p></Notice></div>}
          {list === null && loadError ? <LoadError what="statuses" error={loadError} onRetry={() => void load()} />
            : list === null ? <Skeleton what="statuses" rows={5} />
              : (
                <>
                  <div className="card-head">{all.length === 0 ? "No custom statuses yet" : `${all.length} custom ${all.length === 1 ? "status" : "statuses"} of ${maxStatuses}`} · agents see them in this order</div>
                  {grouped(all).map((g) => (
                    <div key={g.base} className="status-group" role="group" aria-labelledby={`base-${g.base}`}>
                      <div className="status-base">
                        <Badge kind={g.base} icon={statusIcons[g.base]}><span id={`base-${g.base}`}>{statusLabel(g.base)}</span></Badge>
                        <span className="hint" title={what[g.base]}>{what[g.base]}</span>
                        {admin && (
                          <button type="button" className="btn sm ghost add-status" disabled={full} aria-label={`Add a status under ${statusLabel(g.base)}`}
                            onClick={() => start(-1, g.base)}><Icon name="plus" size={14} />Add</button>
                        )}
                      </div>
                      {g.items.length > 0 && (
                        <ol className="status-items">
                          {g.items.map(({ status: s, index }, k) => (
                            <li key={s.id} aria-label={s.label}
                              className={`status-item${editing.index === index ? " editing" : ""}${listError?.at.index === index ? " has-error" : ""}`}>
                              <span className={`status-dot ${s.base}`} aria-hidden="true" />
                              <span className="status-main">
                                <strong>{s.label}</strong>
                                <code title="What the API, rules and macros call it">{s.id}</code>
                              </span>
                              {admin && (
                                <span className="row-actions">
                                  <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${s.label} up`} title="Move up" disabled={busy || k === 0}
                                    onClick={() => void fromList(moveWithin(all, index, -1), `Moved ${s.label} up`)}><Icon name="up" size={14} /></button>
                                  <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${s.label} down`} title="Move down" disabled={busy || k === g.items.length - 1}
                                    onClick={() => void fromList(moveWithin(all, index, 1), `Moved ${s.label} down`)}><Icon name="down" size={14} /></button>
                                  <button type="button" className="btn sm ghost icon-only" aria-label={`Rename ${s.label}`} title="Rename" onClick={() => start(index)}><Icon name="edit" size={14} /></button>
                                  <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Remove ${s.label}`} title="Remove" onClick={() => setRemoving(index)}><Icon name="trash" size={14} /></button>
                                </span>
                              )}
                            </li>
                          ))}
                        </ol>
                      )}
                    </div>
                  ))}
                </>
              )}
        </section>
        {admin ? (
          <StatusForm key={editing.key} editing={editing} list={all} busy={busy || list === null} full={full}
            onCancel={() => start(-1)}
            onSave={async (d) => {
              const s = statusOf(d);
              const next = editing.index < 0 ? inserted(all, s) : all.map((x, j) => (j === editing.index ? s : x));
              const err = await send(next, editing.index < 0 ? `Added ${s.label}` : `Renamed to ${s.label}`);
              if (!err) {
                start(-1, editing.index < 0 ? d.base : undefined);
                return null;
              }
              const at = refusedAt(err);
              const mine = next.findIndex((x) => x.id === s.id);
              return { text: err, at: at.index === mine ? at.at : "list" };
            }} />
        ) : (
          <Notice kind="info"><p>Only admins change the statuses. Pick one in any conversation's status menu.</p></Notice>
        )}
      </div>
      {removing !== null && all[removing] && (
        <Dialog label="status-remove-title" onClose={() => setRemoving(null)}>
          <div className="dialog-head">
            <div>
              <h2 id="status-remove-title">Remove {all[removing].label}?</h2>
              <p>Agents can no longer pick it. Conversations in it stay {statusLabel(all[removing].base)} and show as that from now on. Rules and macros that set it no longer can.</p>
            </div>
          </div>
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={() => setRemoving(null)}>Cancel</button>
            <button type="button" className="btn danger" disabled={busy} onClick={async () => {
              const s = all[removing];
              await fromList(all.filter((_, j) => j !== removing), `Removed ${s.label}`);
              if (editing.index === removing) start(-1);
              setRemoving(null);
            }}><Icon name="trash" size={14} />Remove status</button>
          </div>
        </Dialog>
      )}
    </Page>
  );
}

// StatusForm adds a custom status (its name, base and id) or renames one
// (its id and base stay: conversations and rules name it by its id).
function StatusForm({ editing, list, busy, full, onSave, onCancel }: {
  editing: Editing; list: CustomStatus[]; busy: boolean; full: boolean;
  onSave: (d: Draft) => Promise<{ text: string; at: Refused["at"] } | null>; onCancel: () => void;
}) {
  const [d, setD] = useState(editing.draft);
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState<{ text: string; at: Refused["at"] } | null>(null);
  const label = useRef<HTMLInputElement>(null);
  const isNew = editing.index < 0;
  const taken = list.filter((_, j) => j !== editing.index).map((x) => x.id);
  const all = problems(d, taken);
  const said = (at: "label" | "id" | "base") => (tried ? all.find((p) => p.at === at)?.text : undefined) ?? (refused?.at === at ? refusalText(refused.text) : undefined);
  useEffect(() => {
    if (editing.key > 0) label.current?.focus();
  }, []);
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setTried(true);
    if (all.length || busy) return;
    const r = await onSave(d);
    setRefused(r);
    if (!r && isNew) {
      setD(newDraft(d.base));
      setTried(false);
    }
  };
  const change = (next: Draft) => {
    setD(next);
    setRefused(null);
  };
  const title = isNew ? "New status" : `Rename ${editing.draft.label}`;
  return (
    <form className="card form-card status-form" onSubmit={(ev) => void submit(ev)} aria-label={title} noValidate>
      <h2>{title}</h2>
      {refused && refused.at === "list" && <Notice kind="error"><p><strong>Not saved.</strong> The edge says: {refused.text}</p></Notice>}
      {isNew && full && <Notice kind="warn"><p>A tenant has at most {maxStatuses} custom statuses: remove one to add another.</p></Notice>}
      <div className="field">
        <label className="field-label" htmlFor="status-label">Name</label>
        <input ref={label} id="status-label" className="input" value={d.label} maxLength={maxLabel} placeholder="Waiting on the carrier"
          aria-invalid={said("label") ? true : undefined} aria-describedby={said("label") ? "status-label-error" : undefined}
          onChange={(e) => change(withLabel(d, e.currentTarget.value, taken))} />
        <Said text={said("label")} id="status-label-error" />
      </div>
      <div className="field">
        <span className="field-label" id="status-base-label">Status it is</span>
        {isNew ? (
          <Select label="Status it is" value={d.base} onChange={(base) => change({ ...d, base })} describedBy="status-base-hint"
            options={Bases.map((b) => ({ value: b, label: statusLabel(b), icon: <Icon name={statusIcons[b]} size={14} /> }))} />
        ) : (
          <span className="status-fixed"><Badge kind={d.base} icon={statusIcons[d.base]}>{statusLabel(d.base)}</Badge></span>
        )}
        <span className="hint" id="status-base-hint">{isNew ? what[d.base] : "It stays: conversations in it keep their status."}</span>
        <Said text={said("base")} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="status-id">Id</label>
        <input id="status-id" className="input mono" value={d.id} maxLength={64} disabled={!isNew} spellCheck={false} autoComplete="off"
          aria-invalid={said("id") ? true : undefined} aria-describedby={said("id") ? "status-id-hint status-id-error" : "status-id-hint"}
          onChange={(e) => change({ ...d, id: e.currentTarget.value, idEdited: true })} />
        <span className="hint" id="status-id-hint">{isNew ? "What the API, rules and macros set it by: made from the name until you type one." : "What the API, rules and macros set it by: it stays."}</span>
        <Said text={said("id")} id="status-id-error" />
      </div>
      <div className="form-actions">
        {!isNew && <button type="button" className="btn" onClick={onCancel}>Cancel</button>}
        <button type="submit" className="btn primary" disabled={busy || (isNew && full)}>
          {busy ? <span className="spinner" aria-hidden="true" /> : isNew ? <Icon name="plus" size={14} /> : <Icon name="check" size={14} />}{isNew ? "Add status" : "Save"}
        </button>
      </div>
    </form>
  );
}

const statusesCss = `
.status-group { border-bottom: 1px solid var(--border); }
.status-group:last-child { border-bottom: 0; }
.status-base { display: flex; align-items: center; gap: 10px; min-height: 48px; padding: 10px 16px 10px 20px; }
.status-base .hint { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status-base .add-status { flex: none; color: var(--accent-text); }
.status-items { list-style: none; margin: 0 0 8px; padding: 0; }
.status-item { display: grid; grid-template-columns: 8px minmax(0, 1fr) auto; gap: 12px; align-items: center; min-height: 44px; margin: 0 12px 0 32px; padding: 4px 4px 4px 12px;
  border-left: 2px solid var(--border); }
.status-item.editing { background: var(--selected); border-radius: 0 var(--ed-radius-md) var(--ed-radius-md) 0; }
.status-item.has-error { background: var(--danger-soft); border-left-color: var(--danger); }
.status-main { display: flex; align-items: baseline; gap: 10px; min-width: 0; }
.status-main strong { flex: 0 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status-main code { flex: 0 100 auto; min-width: 48px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 1px 5px; border-radius: var(--ed-radius-sm); background: var(--subtle); color: var(--muted); font-family: var(--mono); font-size: var(--ed-text-xs); }
.status-form .select-btn { width: 100%; }
.status-form .input.mono { font-family: var(--mono); font-size: var(--ed-text-sm); }
.status-form .input:disabled { background: var(--subtle); color: var(--muted); }
.status-fixed { display: flex; align-items: center; min-height: 34px; }
`;

const sheet = document.createElement("style");
sheet.textContent = statusesCss;
document.head.appendChild(sheet);
