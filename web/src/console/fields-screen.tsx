// Settings → Fields: the conversation's type and the tenant's custom
// fields, in the order agents see them in the side panel (label, kind,
// key, "Needed to solve"). Admins add a field (its key made from the
// label until they type one), change one (label, kind, a drop-down's
// options: added, pasted as many lines, reordered, removed; needed to
// solve), move one up or down and delete one; the built-in type can only
// offer fewer of its four options and be needed to solve. Every change
// sends the whole list (fields_set); the edge's refusal is shown where
// it was made, naming the field. Other agents see the list only. What is
// checked and said is fields.ts's.

import { useEffect, useRef, useState } from "react";
import type { FieldDef, OutFrame } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import {
  addOptions, defOf, describe, Draft, draftOf, kindLabel, Kinds, maxFields, maxOptions, move, newDraft, optionLabel, parseOptions, Problem, problems,
  refusedAt, TypeKey, TypeOptions, withLabel,
} from "./fields";
import { Icon, IconName } from "./icons";
import { Page } from "./settings";
import { Checkbox, Dialog, Notice, Select, Switch, toast } from "./ui";

export const kindIcons: Record<string, IconName> = { text: "kindText", number: "hash", date: "date", dropdown: "kindDropdown", checkbox: "kindCheckbox" };

type Editing = { index: number; draft: Draft }; // index -1: a new field

export function FieldsPage({ conn, admin, onFields }: { conn: Connection; admin: boolean; onFields: (f: FieldDef[]) => void }) {
  const [defs, setDefs] = useState<FieldDef[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [editing, setEditing] = useState<Editing | null>(null);
  const [listError, setListError] = useState<{ text: string; at: number } | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const took = (r: OutFrame) => {
    const list = r.fields ?? [];
    setDefs(list);
    onFields(list);
  };
  const load = async () => {
    setLoadError("");
    const r = await conn.request({ type: "fields" });
    if (r.type === "fields") took(r);
    else setLoadError(r.message ?? r.code ?? "the edge did not answer");
  };
  useEffect(() => {
    void load();
  }, [conn]);
  // send sends the whole list; it resolves to the edge's refusal, or "" once it took it
  const send = async (next: FieldDef[], done: string): Promise<string> => {
    setBusy(true);
    const r = await conn.request({ type: "fields_set", fields: next });
    setBusy(false);
    if (r.type !== "fields") return r.message ?? r.code ?? "the edge refused the fields";
    took(r);
    toast(done);
    return "";
  };
  const fromList = async (next: FieldDef[], done: string) => {
    const err = await send(next, done);
    setListError(err ? { text: err, at: refusedAt(err) } : null);
    return err;
  };
  const list = defs ?? [];
  const start = (index: number) => {
    setListError(null);
    setEditing({ index, draft: index < 0 ? newDraft() : draftOf(list[index]) });
  };
  return (
    <Page id="fields-title" title="Fields"
      lede="What agents record about each conversation, in the side panel: its type and your own fields, in this order. Rules test and set them; a field needed to solve keeps a conversation from being solved without a value."
      action={admin ? (
        <button type="button" className="btn primary" disabled={defs === null || list.length >= maxFields} onClick={() => start(-1)}>
          <Icon name="plus" size={14} />New field
        </button>
      ) : undefined}>
      <div className="settings-grid fields-grid" role="region" aria-label="Manage fields">
        <section className="card" aria-label="Fields">
          {listError && <div className="card-notice"><Notice kind="error"><p><strong>Not saved.</strong> The edge says: {listError.text}</p></Notice></div>}
          {defs === null && loadError ? (
            <div className="state" role="alert">
              <div className="state-icon error"><Icon name="alert" size={22} /></div>
              <h2>The fields could not be loaded</h2>
              <p>{loadError}</p>
              <button type="button" className="btn" onClick={() => void load()}><Icon name="reopen" size={14} />Try again</button>
            </div>
          ) : defs === null ? (
            <div className="list-skeleton" aria-busy="true">
              <p role="status" className="sr-only">Loading fields…</p>
              {[0, 1, 2].map((i) => (
                <div key={i} className="team-skeleton" aria-hidden="true">
                  <span className="lines"><span className="skeleton" style={{ width: `${24 + i * 10}%` }} /><span className="skeleton" style={{ width: "40%" }} /></span>
                </div>
              ))}
            </div>
          ) : (
            <>
              <div className="card-head"><span>{list.length} {list.length === 1 ? "field" : "fields"}, {list.filter((d) => d.required_on_solve).length} needed to solve · agents see them in this order</span></div>
              <ol className="field-list">
                {list.map((d, i) => {
                  const builtin = d.key === TypeKey;
                  return (
                    <li key={d.key} aria-label={d.label} className={`${editing?.index === i ? "editing" : ""}${listError?.at === i ? " has-error" : ""}`}>
                      <span className="auto-order" aria-hidden="true">{i + 1}</span>
                      <span className="field-kind" aria-hidden="true" title={kindLabel(d.kind)}><Icon name={kindIcons[d.kind] ?? "fields"} size={16} /></span>
                      <div className="field-main">
                        <p className="field-name">
                          <strong>{d.label}</strong>
                          {builtin && <span className="badge">Built-in</span>}
                          {d.required_on_solve && <span className="badge required">Needed to solve</span>}
                        </p>
                        <p className="field-what">
                          <span>{describe(d)}</span><span aria-hidden="true"> · </span><code title="The key rules and the API use">{d.key}</code>
                          {d.kind === "dropdown" && (d.options?.length ?? 0) > 0 && (
                            <span className="field-options" title={(d.options ?? []).map((o) => optionLabel(d, o)).join(", ")}>
                              <span aria-hidden="true"> · </span>{(d.options ?? []).slice(0, 4).map((o) => optionLabel(d, o)).join(", ")}{(d.options?.length ?? 0) > 4 ? ", …" : ""}
                            </span>
                          )}
                        </p>
                      </div>
                      {admin && (
                        <span className="row-actions">
                          {!builtin && <>
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${d.label} up`} title="Move up" disabled={busy || i <= 1}
                              onClick={() => void fromList(move(list, i, -1), `Moved ${d.label} up`)}><Icon name="up" size={14} /></button>
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${d.label} down`} title="Move down" disabled={busy || i === list.length - 1}
                              onClick={() => void fromList(move(list, i, 1), `Moved ${d.label} down`)}><Icon name="down" size={14} /></button>
                          </>}
                          <button type="button" className="btn sm ghost icon-only" aria-label={`Edit ${d.label}`} title="Edit" onClick={() => start(i)}><Icon name="edit" size={14} /></button>
                          {!builtin && (
                            <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete ${d.label}`} title="Delete" onClick={() => setDeleting(i)}>
                              <Icon name="trash" size={14} />
                            </button>
                          )}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ol>
              {list.length <= 1 && (
                <div className="state compact">
                  <p>No fields of your own yet. Add what agents should record, such as an order number, a product or a refund amount.</p>
                  {admin && <button type="button" className="btn" onClick={() => start(-1)}><Icon name="plus" size={14} />Add a field</button>}
                </div>
              )}
            </>
          )}
        </section>
        {admin && editing ? (
          <FieldEditor key={editing.draft.id} editing={editing} list={list} busy={busy} onCancel={() => setEditing(null)}
            onSave={async (d) => {
              const def = defOf(d);
              const next = editing.index < 0 ? [...list, def] : list.map((x, j) => (j === editing.index ? def : x));
              const err = await send(next, editing.index < 0 ? `Added ${def.label}` : `Saved ${def.label}`);
              if (!err) {
                setEditing(null);
                setListError(null);
              }
              return err;
            }} />
        ) : admin ? (
          <aside className="card form-card fields-help" aria-label="About fields">
            <h2>Fields in a conversation</h2>
            <p className="hint">Agents fill them in the side panel, beside the conversation: a text or a number, a date from the calendar, one option of a drop-down, or a checkbox.</p>
            <p className="hint">A field <strong>needed to solve</strong> is marked there; Solve is refused until it has a value, and the agent is shown which.</p>
            <p className="hint">Edit a field to change its label, its options or whether solving needs it; its key stays, so rules and the API keep finding it.</p>
          </aside>
        ) : (
          <Notice kind="info"><p>Only admins change fields. Fill them in the side panel of any conversation.</p></Notice>
        )}
      </div>
      {deleting !== null && list[deleting] && (
        <Dialog label="field-delete-title" onClose={() => setDeleting(null)}>
          <div className="dialog-head">
            <div>
              <h2 id="field-delete-title">Delete {list[deleting].label}?</h2>
              <p>Agents no longer see it. The values conversations have stay, unseen, and show again if a field with the key <code>{list[deleting].key}</code> is made later. Rules that test or set it are refused until changed.</p>
            </div>
          </div>
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={() => setDeleting(null)}>Cancel</button>
            <button type="button" className="btn danger" disabled={busy} onClick={async () => {
              const d = list[deleting];
              await fromList(list.filter((_, j) => j !== deleting), `Deleted ${d.label}`);
              if (editing?.index === deleting) setEditing(null);
              setDeleting(null);
            }}><Icon name="trash" size={14} />Delete field</button>
          </div>
        </Dialog>
      )}
    </Page>
  );
}

// FieldEditor edits one field (a new one at the end): label, key, kind, a
// drop-down's options and whether solving needs it; the type only its
// options and whether solving needs it.
function FieldEditor({ editing, list, busy, onSave, onCancel }: {
  editing: Editing; list: FieldDef[]; busy: boolean; onSave: (d: Draft) => Promise<string>; onCancel: () => void;
}) {
  const [d, setD] = useState(editing.draft);
  const [tried, setTried] = useState(false);
  const [refusal, setRefusal] = useState("");
  const label = useRef<HTMLInputElement>(null);
  const builtin = d.saved && d.key === TypeKey;
  const others = list.map((x, j) => (j === editing.index ? null : { ...draftOf(x), id: `o${j}` })).filter((x): x is Draft => x !== null);
  const all = problems(d, others);
  const said = (at: Problem["at"]) => (tried ? all.filter((p) => p.at === at) : []);
  useEffect(() => {
    if (!builtin) label.current?.focus();
  }, []);
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setTried(true);
    if (all.length || busy) return;
    setRefusal(await onSave(d));
  };
  const title = builtin ? "Type" : editing.index < 0 ? "New field" : `Edit ${editing.draft.label}`;
  return (
    <form className="card form-card field-editor" onSubmit={(ev) => void submit(ev)} aria-label={title} noValidate>
      <h2>{title}{builtin && <span className="badge">Built-in</span>}</h2>
      {builtin ? (
        <>
          <p className="hint">Every conversation has a type. Choose the types agents may pick; the four are always the same.</p>
          <div className="field" role="group" aria-labelledby="type-options-label">
            <span className="field-label" id="type-options-label">Offered types</span>
            <div className="type-options">
              {TypeOptions.map((o) => (
                <Checkbox key={o} label={optionLabel(d, o)} checked={d.options.includes(o)}
                  onChange={(on) => setD({ ...d, options: TypeOptions.filter((x) => (x === o ? on : d.options.includes(x))) })} />
              ))}
            </div>
            {said("options").map((p) => <span key={p.text} className="field-error">{p.text}</span>)}
          </div>
        </>
      ) : (
        <>
          <div className="field">
            <label className="field-label" htmlFor="fe-label">Label</label>
            <input ref={label} id="fe-label" className="input" value={d.label} maxLength={100} placeholder="Order number" aria-invalid={said("label").length ? true : undefined}
              aria-describedby={said("label").length ? "fe-label-error" : undefined} onChange={(e) => setD(withLabel(d, e.currentTarget.value, others))} />
            {said("label").map((p) => <span key={p.text} className="field-error" id="fe-label-error">{p.text}</span>)}
          </div>
          <div className="field">
            <label className="field-label" htmlFor="fe-key">Key</label>
            <input id="fe-key" className="input mono" value={d.key} maxLength={32} disabled={d.saved} spellCheck={false} autoComplete="off"
              aria-invalid={said("key").length ? true : undefined} aria-describedby={said("key").length ? "fe-key-hint fe-key-error" : "fe-key-hint"}
              onChange={(e) => setD({ ...d, key: e.currentTarget.value, keyEdited: true })} />
            <span className="hint" id="fe-key-hint">{d.saved ? "What rules and the API call it: it stays as it is." : "What rules and the API call it: made from the label until you type one."}</span>
            {said("key").map((p) => <span key={p.text} className="field-error" id="fe-key-error">{p.text}</span>)}
          </div>
          <div className="field">
            <span className="field-label" id="fe-kind">Kind</span>
            <Select label="Kind" value={d.kind} onChange={(kind) => setD({ ...d, kind })}
              options={Kinds.map((k) => ({ value: k.id, label: k.label, hint: k.hint, icon: <Icon name={kindIcons[k.id]} size={14} /> }))} />
          </div>
          {d.kind === "dropdown" && <OptionsEditor options={d.options} onChange={(options) => setD({ ...d, options })} problems={said("options")} />}
        </>
      )}
      <div className="field switch-field">
        <Switch label="Needed to solve" hint="Solve is refused until the field has a value (a checkbox: checked)." checked={d.required}
          onChange={(required) => setD({ ...d, required })} />
      </div>
      {refusal && <Notice kind="error"><p><strong>Not saved.</strong> The edge says: {refusal}</p></Notice>}
      {tried && all.length > 0 && <p className="field-error" role="alert">{all.length === 1 ? "One thing to fix" : `${all.length} things to fix`} before saving.</p>}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="submit" className="btn primary" disabled={busy}>
          {busy && <Icon name="spinner" size={14} className="spin" />}{editing.index < 0 ? "Add field" : "Save field"}
        </button>
      </div>
    </form>
  );
}

// OptionsEditor edits a drop-down's options: each in its own field, moved
// up and down or removed; new ones typed (commas part them) or pasted,
// many lines at once.
function OptionsEditor({ options, onChange, problems: said }: { options: string[]; onChange: (o: string[]) => void; problems: Problem[] }) {
  const [draft, setDraft] = useState("");
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState("");
  const add = (text: string) => {
    const more = parseOptions(text);
    if (more.length) onChange(addOptions(options, more));
    setDraft("");
  };
  return (
    <div className="field options-editor" role="group" aria-labelledby="fe-options-label">
      <span className="field-label members-head" id="fe-options-label">Options
        <span className={`hint${options.length > maxOptions ? " over" : ""}`}>{options.length} of at most {maxOptions}</span>
      </span>
      {options.length > 0 && (
        <ol className="opt-list">
          {options.map((o, i) => (
            <li key={i}>
              <span className="opt-n" aria-hidden="true">{i + 1}</span>
              <input className="input" value={o} aria-label={`Option ${i + 1}`} maxLength={200}
                onChange={(e) => onChange(options.map((x, j) => (j === i ? e.currentTarget.value : x)))} />
              <span className="row-actions">
                <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${o || `option ${i + 1}`} up`} title="Move up" disabled={i === 0}
                  onClick={() => onChange(move(options, i, -1))}><Icon name="up" size={14} /></button>
                <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${o || `option ${i + 1}`} down`} title="Move down" disabled={i === options.length - 1}
                  onClick={() => onChange(move(options, i, 1))}><Icon name="down" size={14} /></button>
                <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Remove ${o || `option ${i + 1}`}`} title="Remove"
                  onClick={() => onChange(options.filter((_, j) => j !== i))}><Icon name="close" size={14} /></button>
              </span>
            </li>
          ))}
        </ol>
      )}
      <div className="opt-add">
        <input className="input" value={draft} placeholder="Add an option, then Enter" aria-label="New option" autoComplete="off"
          onChange={(e) => setDraft(e.currentTarget.value)}
          onPaste={(e) => {
            const text = e.clipboardData.getData("text");
            if (/\r?\n/.test(text.trim())) {
              e.preventDefault();
              add(text);
            }
          }}
          onKeyDown={(e) => { if (e.key === "Enter" && !e.nativeEvent.isComposing) { e.preventDefault(); add(draft); } }} />
        <button type="button" className="btn" disabled={!draft.trim()} onClick={() => add(draft)}><Icon name="plus" size={14} />Add</button>
      </div>
      {pasting ? (
        <div className="opt-paste">
          <textarea className="input" rows={5} value={pasted} aria-label="Options, one a line" placeholder={"One option a line:\nTeapot\nCup\nSaucer"}
            onChange={(e) => setPasted(e.currentTarget.value)} />
          <div className="form-actions">
            <button type="button" className="btn sm" onClick={() => { setPasting(false); setPasted(""); }}>Cancel</button>
            <button type="button" className="btn sm primary" disabled={!pasted.trim()}
              onClick={() => { add(pasted); setPasted(""); setPasting(false); }}>Add {parseOptions(pasted).length || ""} options</button>
          </div>
        </div>
      ) : (
        <button type="button" className="btn sm ghost paste-btn" onClick={() => setPasting(true)}><Icon name="options" size={14} />Paste a list…</button>
      )}
      {said.map((p) => <span key={p.text} className="field-error" role="alert">{p.text}</span>)}
    </div>
  );
}
