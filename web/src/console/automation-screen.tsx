// The console's automation settings: the tenant's rules, in the order
// they run (each in words: trigger → conditions → actions, a switch, move
// up and down, edit, delete), the rule editor (name, triggers, a time
// rule's wait, conditions on the schema's fields with a control that fits
// each value, actions), and the macros agents apply in a conversation,
// with the same action rows. Saving sends the whole list (rules_set,
// macros_set); the edge's refusal names the rule and the problem and is
// shown beside the form, which keeps the admin's edits. Other agents see
// the lists only. The rules themselves, in words and as rows, are
// automation.ts's. A rule's webhook action names one of the tenant's
// endpoints, which admins' pages ask the REST API for (webhooks.ts).

import { useEffect, useMemo, useRef, useState } from "react";
import type { Agent, AutomationSchema, CustomStatus, FieldDef, Inbox, Macro, OutFrame, Rule, Team } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import {
  ActionDraft, actionLabel, actionStatuses, actionsText, macroTypes, applies, attributeField, ConditionDraft, customField, Duration, fieldLabel, keyed, macroDraft, MacroDraft, macroOf,
  macroProblems, move, Names, newAction, newCondition, newRule, normalTags, opLabel, place, Place, Problem, readable, replace, ruleDraft,
  RuleDraft, ruleOf, ruleProblems, schemaField, sinceLabel, summary, toggleTrigger, triggerLabel, Units, valueKind, valueLabel, withField, withOp,
  withType,
} from "./automation";
import { Priorities } from "./inbox";
import { Icon, IconName } from "./icons";
import { agentName } from "./people";
import { statusIcons, statusLabel } from "./status";
import { Avatar, Dialog, Menu, MenuItem, Notice, Option, Select, Switch, Tabs, toast } from "./ui";
import { ApiError } from "./apikeys";
import { byName as hooksByName, endpointName, HooksClient, shownURL, Webhook } from "./webhooks";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const maxConditions = 20;
const maxActions = 10;

// Hooks are the tenant's webhook endpoints as the editors offer them:
// null while they load.
interface Hooks {
  list: Webhook[] | null;
  error: string;
  retry: () => void;
  open?: () => void; // the Webhooks page
}

// Look is what the editors name ids with and offer to choose from: the
// agents, inboxes and teams by name, the custom fields and statuses by
// label, the webhook endpoints by description (teams, fields and
// statuses empty when the edge has none or does not say).
interface Look {
  team: Map<string, Agent>;
  inboxes: Map<string, Inbox>;
  teams: Team[];
  defs: FieldDef[];
  statuses: CustomStatus[];
  hooks: Hooks;
  names: Names;
}

// namesOf names the ids of rules: agents from the team, inboxes and
// teams by name, custom fields and statuses by label, webhook endpoints
// by description (one removed since, or not listed, as such).
export function namesOf(team: Map<string, Agent>, inboxes: Map<string, Inbox>, teams: Team[] = [], defs: FieldDef[] = [],
  statuses: CustomStatus[] = [], hooks: Webhook[] | null = null): Names {
  return {
    agent: (id) => agentName(id, team), inbox: (id) => inboxes.get(id)?.name || "An inbox",
    team: (id) => teams.find((t) => t.id === id)?.name ?? `the team ${id}`,
    field: (key) => defs.find((d) => d.key === key)?.label ?? `Field ${key}`,
    status: (id) => statuses.find((x) => x.id === id)?.label,
    webhook: (id) => { const w = hooks?.find((x) => x.id === id); return w ? endpointName(w) : undefined; },
  };
}

// Loaded is a list as the page holds it: null while it loads.
interface Loaded<T> {
  list: T[] | null;
  error: string; // why it could not be loaded
}

type Editing =
  | { kind: "rule"; index: number; draft: RuleDraft } // index -1: a new rule
  | { kind: "macro"; index: number; draft: MacroDraft };

export function AutomationPage({ conn, admin, team, inboxes, onRules, onMacros, token, statuses = [], onWebhooks }: {
  conn: Connection; admin: boolean; team: Map<string, Agent>; inboxes: Map<string, Inbox>;
  onRules: (r: Rule[]) => void; onMacros: (m: Macro[]) => void; // what the rest of the console shows
  token: string; // the agent's console token: an admin's lists the webhook endpoints
  statuses?: CustomStatus[]; // the tenant's custom statuses
  onWebhooks?: () => void; // open the Webhooks page
}) {
  const [tab, setTab] = useState<"rules" | "macros">("rules");
  const [rules, setRules] = useState<Loaded<Rule>>({ list: null, error: "" });
  const [macros, setMacros] = useState<Loaded<Macro>>({ list: null, error: "" });
  const [schema, setSchema] = useState<AutomationSchema | undefined>();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [listError, setListError] = useState<{ text: string; at: Place } | null>(null); // a refused switch, move or delete
  const [deleting, setDeleting] = useState<{ kind: "rule" | "macro"; index: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [teams, setTeams] = useState<Team[]>([]);
  const [defs, setDefs] = useState<FieldDef[]>([]);
  const hooksClient = useMemo(() => new HooksClient(token), [token]);
  const [hookList, setHookList] = useState<{ list: Webhook[] | null; error: string }>({ list: null, error: "" });
  const loadHooks = async () => {
    setHookList((h) => ({ ...h, error: "" }));
    try {
      setHookList({ list: await hooksClient.list(), error: "" });
    } catch (err) {
      setHookList({ list: null, error: err instanceof ApiError ? err.message : String(err) });
    }
  };
  useEffect(() => {
    if (admin) void loadHooks();
  }, [admin, hooksClient]);
  const names = namesOf(team, inboxes, teams, defs, statuses, hookList.list);
  const look: Look = { team, inboxes, teams, defs, statuses, names, hooks: { ...hookList, retry: () => void loadHooks(), open: onWebhooks } };

  const tookRules = (r: OutFrame) => {
    setRules({ list: r.rules ?? [], error: "" });
    if (r.schema) setSchema(r.schema);
    onRules(r.rules ?? []);
  };
  const tookMacros = (r: OutFrame) => {
    setMacros({ list: r.macros ?? [], error: "" });
    onMacros(r.macros ?? []);
  };
  const loadRules = async () => {
    setRules((x) => ({ ...x, error: "" }));
    const r = await conn.request({ type: "rules" });
    if (r.type === "rules") tookRules(r);
    else setRules((x) => ({ list: x.list, error: r.message ?? r.code ?? "the edge did not answer" }));
  };
  const loadMacros = async () => {
    setMacros((x) => ({ ...x, error: "" }));
    const r = await conn.request({ type: "macros" });
    if (r.type === "macros") tookMacros(r);
    else setMacros((x) => ({ list: x.list, error: r.message ?? r.code ?? "the edge did not answer" }));
  };
  useEffect(() => {
    void loadRules();
    void loadMacros();
    // teams and custom fields by name in the editors (an edge without them says so: ids and keys are typed then)
    void conn.request({ type: "teams" }).then((r) => { if (r.type === "teams") setTeams(r.teams ?? []); });
    void conn.request({ type: "fields" }).then((r) => { if (r.type === "fields") setDefs(r.fields ?? []); });
  }, [conn]);

  // saveRules sends the whole list; it resolves to the edge's refusal
  // (readable), or "" once the list is the edge's.
  const saveRules = async (next: Rule[], done: string): Promise<string> => {
    setBusy(true);
    const r = await conn.request({ type: "rules_set", rules: next });
    setBusy(false);
    if (r.type !== "rules") return readable(r.message ?? "the edge refused the rules");
    tookRules(r);
    toast(done);
    return "";
  };
  const saveMacros = async (next: Macro[], done: string): Promise<string> => {
    setBusy(true);
    const r = await conn.request({ type: "macros_set", macros: next });
    setBusy(false);
    if (r.type !== "macros") return readable(r.message ?? "the edge refused the macros");
    tookMacros(r);
    toast(done);
    return "";
  };
  // a change from the list (a switch, a move, a delete): a refusal shows above it
  const fromList = async (p: Promise<string>) => {
    const err = await p;
    setListError(err ? { text: err, at: place(err) } : null);
    return err;
  };

  const ruleList = rules.list ?? [];
  const macroList = macros.list ?? [];

  if (editing?.kind === "rule") {
    const { index } = editing;
    return (
      <RuleEditor key={index} draft={editing.draft} schema={schema} look={look} busy={busy}
        isNew={index < 0} onCancel={() => setEditing(null)}
        onSave={async (d) => {
          const rule = ruleOf(d, schema);
          const next = index < 0 ? [...ruleList, rule] : replace(ruleList, index, rule);
          const err = await saveRules(next, index < 0 ? `Created “${rule.name}”` : `Saved “${rule.name}”`);
          if (!err) {
            setEditing(null);
            setListError(null);
            return null;
          }
          const at = place(err);
          // the edge's place for this rule, when it is about this rule
          return { text: err, at: at.item === (index < 0 ? ruleList.length : index) ? at : {} };
        }} />
    );
  }
  if (editing?.kind === "macro") {
    const { index } = editing;
    return (
      <MacroEditor key={index} draft={editing.draft} look={look} types={macroTypes(schema?.actions ?? allActions)} busy={busy} isNew={index < 0} onCancel={() => setEditing(null)}
        onSave={async (d) => {
          const m = macroOf(d);
          const next = index < 0 ? [...macroList, m] : replace(macroList, index, m);
          const err = await saveMacros(next, index < 0 ? `Created “${m.name}”` : `Saved “${m.name}”`);
          if (!err) {
            setEditing(null);
            setListError(null);
            return null;
          }
          const at = place(err);
          return { text: err, at: at.item === (index < 0 ? macroList.length : index) ? at : {} };
        }} />
    );
  }

  const newOne = () => {
    setListError(null);
    if (tab === "rules") setEditing({ kind: "rule", index: -1, draft: newRule(schema) });
    else setEditing({ kind: "macro", index: -1, draft: macroDraft() });
  };
  const ready = tab === "rules" ? rules.list !== null && schema !== undefined : macros.list !== null;
  return (
    <div className="settings" role="region" aria-labelledby="automation-title">
      <div className="settings-inner">
        <div className="page-head">
          <div>
            <p className="crumb">Settings</p>
            <h1 id="automation-title">Automation</h1>
            <p className="lede">
              Rules act on conversations by themselves when something happens: they tag, prioritise, assign and answer. Macros
              are the same actions in one click, for an agent to apply to the conversation they have open.
            </p>
          </div>
          {admin && (
            <button type="button" className="btn primary" onClick={newOne} disabled={!ready}>
              <Icon name="plus" size={14} />{tab === "rules" ? "New rule" : "New macro"}
            </button>
          )}
        </div>
        <Tabs label="Automation" value={tab} onChange={(t) => { setTab(t); setListError(null); }}
          tabs={[
            { id: "rules", label: "Rules", icon: "automation", count: rules.list?.length },
            { id: "macros", label: "Macros", icon: "macro", count: macros.list?.length },
          ]} />
        <div className="auto-body">
          {listError && <Notice kind="error"><p>{listError.text}</p></Notice>}
          {tab === "rules" ? (
            <RulesList loaded={rules} names={names} admin={admin} busy={busy} bad={listError?.at.item}
              onRetry={() => void loadRules()} onNew={newOne}
              onEdit={(i) => { setListError(null); setEditing({ kind: "rule", index: i, draft: ruleDraft(ruleList[i], schema) }); }}
              onToggle={(i, on) => void fromList(saveRules(replace(ruleList, i, { ...ruleList[i], disabled: on ? undefined : true }),
                `“${ruleList[i].name}” ${on ? "turned on" : "turned off"}`))}
              onMove={(i, step) => void fromList(saveRules(move(ruleList, i, step), `Moved “${ruleList[i].name}” ${step < 0 ? "up" : "down"}`))}
              onDelete={(i) => setDeleting({ kind: "rule", index: i })} />
          ) : (
            <MacrosList loaded={macros} names={names} admin={admin} bad={listError?.at.item}
              onRetry={() => void loadMacros()} onNew={newOne}
              onEdit={(i) => { setListError(null); setEditing({ kind: "macro", index: i, draft: macroDraft(macroList[i]) }); }}
              onDelete={(i) => setDeleting({ kind: "macro", index: i })} />
          )}
          {!admin && (
            <Notice kind="info"><p>Only admins change rules and macros. Apply a macro from the <strong>Macros</strong> button under any reply box.</p></Notice>
          )}
        </div>
      </div>
      {deleting && (
        <ConfirmDelete kind={deleting.kind} name={(deleting.kind === "rule" ? ruleList : macroList)[deleting.index]?.name ?? ""} busy={busy}
          onClose={() => setDeleting(null)}
          onDelete={async () => {
            const { kind, index } = deleting;
            const name = (kind === "rule" ? ruleList : macroList)[index]?.name ?? "";
            const err = await fromList(kind === "rule"
              ? saveRules(ruleList.filter((_, j) => j !== index), `Deleted “${name}”`)
              : saveMacros(macroList.filter((_, j) => j !== index), `Deleted “${name}”`));
            setDeleting(null);
            return err;
          }} />
      )}
    </div>
  );
}

// Skeleton rows while a list loads.
function Loading({ what }: { what: string }) {
  return (
    <div className="auto-loading" aria-busy="true">
      <p role="status" className="sr-only">Loading {what}…</p>
      {[0, 1, 2].map((i) => (
        <div key={i} className="auto-skeleton" aria-hidden="true">
          <span className="skeleton" style={{ width: 22, height: 22, borderRadius: 6 }} />
          <span className="lines"><span className="skeleton" style={{ width: `${30 + i * 8}%` }} /><span className="skeleton" style={{ width: `${70 - i * 10}%` }} /></span>
        </div>
      ))}
    </div>
  );
}

function LoadError({ what, error, onRetry }: { what: string; error: string; onRetry: () => void }) {
  return (
    <div className="state" role="alert">
      <div className="state-icon error"><Icon name="alert" size={22} /></div>
      <h2>The {what} could not be loaded</h2>
      <p>{error}</p>
      <button type="button" className="btn" onClick={onRetry}><Icon name="reopen" size={14} />Try again</button>
    </div>
  );
}

function RulesList({ loaded, names, admin, busy, bad, onRetry, onNew, onEdit, onToggle, onMove, onDelete }: {
  loaded: Loaded<Rule>; names: Names; admin: boolean; busy: boolean; bad?: number;
  onRetry: () => void; onNew: () => void; onEdit: (i: number) => void; onToggle: (i: number, on: boolean) => void;
  onMove: (i: number, step: number) => void; onDelete: (i: number) => void;
}) {
  const { list, error } = loaded;
  const on = list?.filter((r) => !r.disabled).length ?? 0;
  return (
    <section className="card auto-card" aria-label="Rules">
      {list === null && error ? <LoadError what="rules" error={error} onRetry={onRetry} />
        : list === null ? <Loading what="rules" />
          : list.length === 0 ? (
            <div className="state">
              <div className="state-icon"><Icon name="automation" size={22} /></div>
              <h2>No rules yet</h2>
              <p>A rule watches for something, such as a customer writing or a conversation waiting too long, checks its conditions and acts: tags, sets the priority, assigns or answers.</p>
              {admin && <button type="button" className="btn primary" onClick={onNew}><Icon name="plus" size={14} />Create a rule</button>}
            </div>
          ) : (
            <>
              <div className="card-head"><span>{list.length} {list.length === 1 ? "rule" : "rules"}, {on} on · they run from the top, in this order</span></div>
              <ol className="auto-list">
                {list.map((r, i) => {
                  const s = summary(r, names);
                  return (
                    <li key={r.id || i} className={`auto-item${r.disabled ? " off" : ""}${bad === i ? " has-error" : ""}`} aria-label={r.name}>
                      <span className="auto-order" aria-hidden="true">{i + 1}</span>
                      <div className="auto-main">
                        <p className="auto-name">
                          <strong>{r.name}</strong>
                          {r.disabled && <span className="badge">Off</span>}
                        </p>
                        <p className="auto-summary" title={s.text}>
                          <span className="sr-only">{s.text}</span>
                          <span aria-hidden="true">
                            <span className="seg when"><Icon name={r.when.includes("time") ? "clock" : "automation"} size={12} />{s.when}</span>
                            {s.conditions && <><Icon name="chevronRight" size={12} className="sep" /><span className="seg">{s.conditions}</span></>}
                            <Icon name="chevronRight" size={12} className="sep" />
                            <span className="seg then">{s.actions || "Nothing"}</span>
                          </span>
                        </p>
                      </div>
                      {admin ? (
                        <>
                          <Switch label={<span className="sr-only">{`Run “${r.name}”`}</span>} checked={!r.disabled} disabled={busy} onChange={(v) => onToggle(i, v)} />
                          <span className="row-actions">
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Move “${r.name}” up`} title="Move up" disabled={i === 0 || busy} onClick={() => onMove(i, -1)}><Icon name="up" size={14} /></button>
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Move “${r.name}” down`} title="Move down" disabled={i === list.length - 1 || busy} onClick={() => onMove(i, 1)}><Icon name="down" size={14} /></button>
                            <button type="button" className="btn sm ghost icon-only" aria-label={`Edit “${r.name}”`} title="Edit" onClick={() => onEdit(i)}><Icon name="edit" size={14} /></button>
                            <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete “${r.name}”`} title="Delete" onClick={() => onDelete(i)}><Icon name="trash" size={14} /></button>
                          </span>
                        </>
                      ) : (
                        <span className={`badge ${r.disabled ? "" : "active"}`}>{r.disabled ? "Off" : "On"}</span>
                      )}
                    </li>
                  );
                })}
              </ol>
              {error && <p className="auto-foot-error" role="alert">{error} <button type="button" className="btn sm" onClick={onRetry}>Try again</button></p>}
            </>
          )}
    </section>
  );
}

function MacrosList({ loaded, names, admin, bad, onRetry, onNew, onEdit, onDelete }: {
  loaded: Loaded<Macro>; names: Names; admin: boolean; bad?: number;
  onRetry: () => void; onNew: () => void; onEdit: (i: number) => void; onDelete: (i: number) => void;
}) {
  const { list, error } = loaded;
  return (
    <section className="card auto-card" aria-label="Macros">
      {list === null && error ? <LoadError what="macros" error={error} onRetry={onRetry} />
        : list === null ? <Loading what="macros" />
          : list.length === 0 ? (
            <div className="state">
              <div className="state-icon"><Icon name="macro" size={22} /></div>
              <h2>No macros yet</h2>
              <p>A macro is a few actions an agent applies in one click, such as tagging a refund, answering with the return policy and marking the conversation pending.</p>
              {admin && <button type="button" className="btn primary" onClick={onNew}><Icon name="plus" size={14} />Create a macro</button>}
            </div>
          ) : (
            <>
              <div className="card-head"><span>{list.length} {list.length === 1 ? "macro" : "macros"} · agents apply them from the reply box</span></div>
              <ul className="auto-list">
                {list.map((m, i) => {
                  const text = actionsText(m.actions, names);
                  return (
                    <li key={m.id || i} className={`auto-item macro${bad === i ? " has-error" : ""}`} aria-label={m.name}>
                      <span className="auto-order icon" aria-hidden="true"><Icon name="macro" size={14} /></span>
                      <div className="auto-main">
                        <p className="auto-name"><strong>{m.name}</strong></p>
                        <p className="auto-summary" title={text}><span className="seg then">{text || "Nothing"}</span></p>
                      </div>
                      {admin && (
                        <span className="row-actions">
                          <button type="button" className="btn sm ghost icon-only" aria-label={`Edit “${m.name}”`} title="Edit" onClick={() => onEdit(i)}><Icon name="edit" size={14} /></button>
                          <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete “${m.name}”`} title="Delete" onClick={() => onDelete(i)}><Icon name="trash" size={14} /></button>
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
    </section>
  );
}

function ConfirmDelete({ kind, name, busy, onClose, onDelete }: {
  kind: "rule" | "macro"; name: string; busy: boolean; onClose: () => void; onDelete: () => Promise<string>;
}) {
  return (
    <Dialog label="delete-title" onClose={onClose}>
      <div className="dialog-head">
        <div>
          <h2 id="delete-title">Delete “{name}”?</h2>
          <p>{kind === "rule"
            ? "The rule stops running at once. What it changed in conversations stays as it is."
            : "Agents can no longer apply it. What it changed in conversations stays as it is."}</p>
        </div>
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn danger" disabled={busy} onClick={() => void onDelete()}>
          <Icon name="trash" size={14} />Delete {kind}
        </button>
      </div>
    </Dialog>
  );
}

// Refusal is the edge's answer to a save: its message, and where in the
// edited rule or macro it points.
type Refusal = { text: string; at: Place } | null;

// EditorFrame is the page around an editor: back to the list, the title,
// the form and its foot with the problem and the buttons.
function EditorFrame({ title, crumb, lede, children, error, problems, busy, isNew, what, onCancel, onSubmit }: {
  title: string; crumb: string; lede: string; children: React.ReactNode; error: string; problems: Problem[]; busy: boolean; isNew: boolean;
  what: "rule" | "macro"; onCancel: () => void; onSubmit: () => void;
}) {
  const foot = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) foot.current?.scrollIntoView({ block: "nearest" });
  }, [error]);
  return (
    <div className="settings" role="region" aria-labelledby="editor-title">
      <div className="settings-inner">
        <div className="page-head">
          <div>
            <button type="button" className="crumb back" onClick={onCancel}><Icon name="chevronRight" size={12} className="flip" />{crumb}</button>
            <h1 id="editor-title">{title}</h1>
            <p className="lede">{lede}</p>
          </div>
        </div>
        <form className="card auto-editor" aria-labelledby="editor-title" noValidate
          onSubmit={(ev) => { ev.preventDefault(); onSubmit(); }}>
          {children}
          <div className="auto-editor-foot" ref={foot}>
            {error ? (
              <Notice kind="error">
                <p><strong>Not saved.</strong> The edge says:</p>
                {error.split("\n").map((l, i) => <p key={i} className="edge-says">{l}</p>)}
              </Notice>
            ) : problems.length > 0 ? (
              <Notice kind="error"><p>{problems.length === 1 ? problems[0].message : `${problems.length} things to fix, marked above.`}</p></Notice>
            ) : null}
            <div className="form-actions">
              <button type="button" className="btn" onClick={onCancel}>Cancel</button>
              <button type="submit" className="btn primary" disabled={busy}>
                {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" size={14} />}{isNew ? `Create ${what}` : `Save ${what}`}
              </button>
            </div>
          </div>
        </form>
      </div>
    </div>
  );
}

// Section is a part of an editor: what it is on the left, its controls on
// the right.
function Section({ id, title, what, children }: { id: string; title: string; what: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="auto-section" role="group" aria-labelledby={id}>
      <div className="section-what">
        <h2 id={id}>{title}</h2>
        <p className="hint">{what}</p>
      </div>
      <div className="auto-controls">{children}</div>
    </div>
  );
}

// Problem text under a control, by its place.
function Said({ problems, at, id }: { problems: Problem[]; at: string; id?: string }) {
  const p = problems.find((x) => x.at === at);
  return p ? <p className="field-error auto-error" id={id}><Icon name="alert" size={12} />{p.message}</p> : null;
}

function RuleEditor({ draft: first, schema, look, busy, isNew, onCancel, onSave }: {
  draft: RuleDraft; schema?: AutomationSchema; look: Look; busy: boolean; isNew: boolean;
  onCancel: () => void; onSave: (d: RuleDraft) => Promise<Refusal>;
}) {
  const [d, setD] = useState(first);
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState<Refusal>(null);
  const name = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (isNew) name.current?.focus();
  }, []);
  const problems = tried ? ruleProblems(d, schema) : [];
  const set = (change: Partial<RuleDraft>) => setD((x) => ({ ...x, ...change }));
  const save = async () => {
    setTried(true);
    if (ruleProblems(d, schema).length) {
      setRefused(null);
      return;
    }
    setRefused(await onSave(d));
  };
  const timed = d.when.includes("time");
  const fields = (schema?.fields ?? []).filter((f) => applies(f, d.when));
  return (
    <EditorFrame title={isNew ? "New rule" : `Edit “${first.name}”`} crumb="Automation rules" what="rule" busy={busy} isNew={isNew}
      lede="When one of its triggers happens to a conversation and its conditions hold, the rule makes its actions, in order, once."
      error={refused?.text ?? ""} problems={problems} onCancel={onCancel} onSubmit={() => void save()}>
      <Section id="rule-name" title="Name" what="What agents see beside the rule's changes in a conversation.">
        <div className="name-row">
          <label className="field">
            <span className="sr-only">Rule name</span>
            <input ref={name} className="input" value={d.name} maxLength={100} placeholder="Refund requests" aria-label="Rule name"
              aria-invalid={problems.some((p) => p.at === "name") || undefined} aria-describedby="rule-name-error"
              onChange={(e) => set({ name: e.currentTarget.value })} />
          </label>
          <Switch label="Active" checked={!d.disabled} onChange={(on) => set({ disabled: !on })} />
        </div>
        <Said problems={problems} at="name" id="rule-name-error" />
      </Section>
      <Section id="rule-when" title="When" what="Any of these happening to a conversation runs the rule. After a time runs alone.">
        <div className="trigger-chips" role="group" aria-label="Triggers">
          {(schema?.triggers ?? []).map((t) => {
            const on = d.when.includes(t);
            return (
              <button key={t} type="button" className="trigger" aria-pressed={on} onClick={() => set({ when: toggleTrigger(d.when, t) })}>
                {on ? <Icon name="check" size={12} /> : t === "time" ? <Icon name="clock" size={12} /> : null}{triggerLabel(t)}
              </button>
            );
          })}
        </div>
        <Said problems={problems} at="when" />
        {timed && (
          <div className="time-row">
            <span>Run</span>
            <DurationField label="Wait" value={d.after} onChange={(after) => set({ after })} invalid={problems.some((p) => p.at === "after")} />
            <span>after</span>
            <Select label="Counted from" value={d.since} onChange={(since) => set({ since })}
              options={(schema?.sinces ?? []).map((s) => ({ value: s, label: sinceLabel(s) }))} />
          </div>
        )}
        <Said problems={problems} at="after" />
      </Section>
      <Section id="rule-if" title="If" what={<>Its conditions on the conversation and what happened. Every rule needs at least one.</>}>
        <div className="match-row">
          <span>Run when</span>
          <Select<"all" | "any"> label="Match" size="sm" value={d.match} onChange={(match) => set({ match })}
            options={[{ value: "all", label: "all" }, { value: "any", label: "any" }]} />
          <span>of these conditions hold</span>
        </div>
        {d.conditions.length === 0 ? (
          <p className={`hint auto-none${refused?.at.item !== undefined && /: no conditions/.test(refused.text) ? " bad" : ""}`}>
            No conditions yet: add one, or the edge refuses a rule that would run on everything.
          </p>
        ) : (
          <ol className="auto-rows">
            {d.conditions.map((c, i) => (
              <ConditionRow key={i} c={c} i={i} schema={schema} fields={fields} look={look} problems={problems}
                bad={refused?.at.condition === i}
                onChange={(c2) => set({ conditions: replace(d.conditions, i, c2) })}
                onRemove={() => set({ conditions: d.conditions.filter((_, j) => j !== i) })} />
            ))}
          </ol>
        )}
        <button type="button" className="btn sm ghost add-row" disabled={d.conditions.length >= maxConditions}
          onClick={() => set({ conditions: [...d.conditions, newCondition(schema, d.when)] })}>
          <Icon name="plus" size={14} />Add condition
        </button>
      </Section>
      <Section id="rule-then" title="Then" what="What the rule does, in this order. Its changes show in the conversation under the rule's name.">
        <ActionRows actions={d.actions} types={schema?.actions} look={look} problems={problems} bad={refused?.at.action} onChange={(actions) => set({ actions })} />
      </Section>
    </EditorFrame>
  );
}

function MacroEditor({ draft: first, look, types, busy, isNew, onCancel, onSave }: {
  draft: MacroDraft; look: Look; types?: string[]; busy: boolean; isNew: boolean;
  onCancel: () => void; onSave: (d: MacroDraft) => Promise<Refusal>;
}) {
  const [d, setD] = useState(first);
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState<Refusal>(null);
  const name = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (isNew) name.current?.focus();
  }, []);
  const problems = tried ? macroProblems(d) : [];
  const save = async () => {
    setTried(true);
    if (macroProblems(d).length) {
      setRefused(null);
      return;
    }
    setRefused(await onSave(d));
  };
  return (
    <EditorFrame title={isNew ? "New macro" : `Edit “${first.name}”`} crumb="Macros" what="macro" busy={busy} isNew={isNew}
      lede="An agent applies a macro to the conversation they have open: its actions are made in order, all or none."
      error={refused?.text ?? ""} problems={problems} onCancel={onCancel} onSubmit={() => void save()}>
      <Section id="macro-name" title="Name" what="What agents look for in the Macros menu of the reply box.">
        <label className="field">
          <span className="sr-only">Macro name</span>
          <input ref={name} className="input" value={d.name} maxLength={100} placeholder="Refund: send the return label" aria-label="Macro name"
            aria-invalid={problems.some((p) => p.at === "name") || undefined} onChange={(e) => { const v = e.currentTarget.value; setD((x) => ({ ...x, name: v })); }} />
        </label>
        <Said problems={problems} at="name" />
      </Section>
      <Section id="macro-actions" title="Actions" what="What applying it does, in this order. If one cannot be made (a reply to a closed conversation, say), none is.">
        <ActionRows actions={d.actions} types={types} look={look} problems={problems} bad={refused?.at.action} onChange={(actions) => setD((x) => ({ ...x, actions }))} />
      </Section>
    </EditorFrame>
  );
}

// agentOptions are the team by name, as a select offers them.
function agentOptions(team: Map<string, Agent>): Option<string>[] {
  return Array.from(team.values())
    .map((a) => ({ value: a.id, label: agentName(a.id, team), icon: <Avatar id={a.id} name={agentName(a.id, team)} size="xs" /> }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

function teamOptions(teams: Team[]): Option<string>[] {
  return teams.map((t) => ({ value: t.id, label: t.name || "A team", icon: <Icon name="inboxes" size={14} /> })).sort((a, b) => a.label.localeCompare(b.label));
}

function inboxOptions(inboxes: Map<string, Inbox>): Option<string>[] {
  return Array.from(inboxes.values()).map((x) => ({ value: x.id, label: x.name || "An inbox", icon: <Icon name="inbox" size={14} /> }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

// choose puts a placeholder before options while nothing is chosen, so
// that a select never shows an id or nothing.
function choose(options: Option<string>[], value: string, placeholder: string): Option<string>[] {
  return value && options.some((o) => o.value === value) ? options : [{ value, label: placeholder }, ...options];
}

function ConditionRow({ c, i, schema, fields, look, problems, bad, onChange, onRemove }: {
  c: ConditionDraft; i: number; schema?: AutomationSchema; fields: AutomationSchema["fields"]; look: Look;
  problems: Problem[]; bad: boolean; onChange: (c: ConditionDraft) => void; onRemove: () => void;
}) {
  const { team, inboxes, teams, defs, statuses, names } = look;
  const n = i + 1;
  const f = schemaField(schema, c.field);
  // a custom field's values: a drop-down's options, a checkbox's two; the
  // tenant's custom statuses by label
  const def = c.field === customField ? defs.find((d) => d.key === c.key) : undefined;
  const customs = c.field === "custom_status" && statuses.length ? statuses : undefined;
  const choices = def?.kind === "dropdown" && def.options?.length ? def.options : def?.kind === "checkbox" ? ["true", "false"]
    : customs ? [...customs].sort((a, b) => actionStatuses.indexOf(a.base) - actionStatuses.indexOf(b.base)).map((x) => x.id) : undefined;
  let kind = valueKind(f, c.field, c.op);
  if (choices && (kind === "text" || kind === "texts")) kind = kind === "text" ? "enum" : "enums";
  if ((kind === "team" || kind === "teams") && teams.length === 0) kind = kind === "team" ? "text" : "texts";
  const enumValues = choices ?? f?.values ?? [];
  const enumLabel = (v: string) => (def?.kind === "checkbox" ? (v === "true" ? "Checked" : "Not checked")
    : customs ? `${customs.find((x) => x.id === v)?.label ?? v} (${statusLabel(customs.find((x) => x.id === v)?.base)})` : choices ? v : valueLabel(c.field, v));
  const options = fields.map((x) => ({ value: x.name, label: fieldLabel(x.name), hint: x.name === attributeField ? "the customer's" : x.name === customField ? "the conversation's" : undefined }));
  if (!options.some((o) => o.value === c.field)) options.push({ value: c.field, label: fieldLabel(c.field), hint: "not for these triggers" });
  const err = `cond-${i}-error`;
  const invalid = problems.some((p) => p.at === `condition-${i}`);
  const label = `Condition ${n} value`;
  let control: React.ReactNode = null;
  switch (kind) {
    case "enum":
      control = <Select label={label} value={c.value} onChange={(value) => onChange({ ...c, value })}
        options={choose(enumValues.map((v) => ({ value: v, label: enumLabel(v), icon: c.field === "status" ? <Icon name={statusIcons[v] ?? "dot"} size={14} /> : c.field === "priority" ? <Icon name="flag" size={14} className={`prio-${v}`} /> : undefined })), c.value, "Choose…")} />;
      break;
    case "bool":
      control = <Select label={label} value={c.value || "true"} onChange={(value) => onChange({ ...c, value })}
        options={[{ value: "true", label: "Within business hours" }, { value: "false", label: "Outside business hours" }]} />;
      break;
    case "enums":
      control = <MultiPick label={`Condition ${n} values`} values={c.values} onChange={(values) => onChange({ ...c, values })}
        options={enumValues.map((v) => ({ value: v, label: enumLabel(v) }))} />;
      break;
    case "team":
      control = <Select label={label} value={c.value} onChange={(value) => onChange({ ...c, value })} options={choose(teamOptions(teams), c.value, "Choose a team…")} />;
      break;
    case "teams":
      control = <MultiPick label={`Condition ${n} teams`} values={c.values} onChange={(values) => onChange({ ...c, values })} options={teamOptions(teams)} names={names.team} />;
      break;
    case "agent":
      control = <Select label={label} value={c.value} onChange={(value) => onChange({ ...c, value })} options={choose(agentOptions(team), c.value, "Choose an agent…")} />;
      break;
    case "agents":
      control = <MultiPick label={`Condition ${n} agents`} values={c.values} onChange={(values) => onChange({ ...c, values })} options={agentOptions(team)} names={names.agent} />;
      break;
    case "inbox":
      control = <Select label={label} value={c.value} onChange={(value) => onChange({ ...c, value })} options={choose(inboxOptions(inboxes), c.value, "Choose an inbox…")} />;
      break;
    case "inboxes":
      control = <MultiPick label={`Condition ${n} inboxes`} values={c.values} onChange={(values) => onChange({ ...c, values })} options={inboxOptions(inboxes)} names={names.inbox} />;
      break;
    case "tags":
      control = <ChipsField label={`Condition ${n} tags`} values={c.values} onChange={(values) => onChange({ ...c, values })} tags invalid={invalid} describedBy={err} />;
      break;
    case "texts":
      control = <ChipsField label={`Condition ${n} values`} values={c.values} onChange={(values) => onChange({ ...c, values })} invalid={invalid} describedBy={err} />;
      break;
    case "text":
      control = <input className="input" value={c.value} aria-label={label} placeholder={c.field === "text" ? "refund" : "value"} maxLength={256}
        aria-invalid={invalid || undefined} aria-describedby={invalid ? err : undefined} onChange={(e) => onChange({ ...c, value: e.currentTarget.value })} />;
      break;
  }
  const ops = f?.ops ?? [c.op];
  return (
    <li className={`auto-row cond-row${bad ? " has-error" : ""}`}>
      <div className={`cond-field${keyed(c.field) ? " with-key" : ""}`}>
        <Select label={`Condition ${n} field`} value={c.field} options={options} onChange={(name) => onChange(withField(c, name, schema))} />
        {c.field === customField && defs.length > 0 ? (
          <Select label={`Condition ${n} custom field`} value={c.key} className="key"
            onChange={(key) => onChange({ ...c, key, value: "", values: [] })}
            options={choose(defs.map((d) => ({ value: d.key, label: d.label || d.key })), c.key, "Which field…")} />
        ) : keyed(c.field) && (
          <input className="input key" value={c.key} aria-label={`Condition ${n} ${c.field === attributeField ? "attribute" : "field"} key`}
            placeholder={c.field === attributeField ? "plan" : "key"} maxLength={64} spellCheck={false}
            aria-invalid={problems.some((p) => p.at === `condition-${i}-key`) || undefined} onChange={(e) => onChange({ ...c, key: e.currentTarget.value })} />
        )}
      </div>
      {ops.length > 1 ? (
        <Select label={`Condition ${n} operator`} value={c.op} options={ops.map((o) => ({ value: o, label: opLabel(c.field, o) }))} onChange={(op) => onChange(withOp(c, op, schema))} />
      ) : <span className="op-text">{opLabel(c.field, c.op)}</span>}
      <div className="auto-value">{control}</div>
      <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Remove condition ${n}`} title="Remove" onClick={onRemove}><Icon name="trash" size={14} /></button>
      <div className="row-errors">
        <Said problems={problems} at={`condition-${i}-key`} />
        <Said problems={problems} at={`condition-${i}`} id={err} />
      </div>
    </li>
  );
}

const actionIcons: Record<string, IconName> = {
  assign: "assign", unassign: "user", assign_team: "inboxes", set_status: "resolve", snooze: "alarm", set_priority: "flag", add_tags: "tag", remove_tags: "tag", reply: "send", add_note: "note",
  set_field: "fields", webhook: "webhook", plugin: "plugin",
};

// statusOptions are the statuses an action sets, each followed by the
// tenant's custom statuses of it, as the conversation's status picker
// offers them.
function statusOptions(statuses: CustomStatus[]): Option<string>[] {
  return actionStatuses.flatMap((s) => [
    { value: s, label: statusLabel(s), icon: <Icon name={statusIcons[s]} size={14} /> },
    ...statuses.filter((c) => c.base === s).map((c) => ({ value: c.id, label: c.label, icon: <span className={`status-dot ${c.base}`} aria-hidden="true" />, className: "custom-choice" })),
  ]);
}

// named adds an option for a value none of the options has (one removed
// since), so that a select never shows an id.
function named(options: Option<string>[], value: string, gone: string): Option<string>[] {
  return !value || options.some((o) => o.value === value) ? options : [...options, { value, label: gone }];
}

// WebhookPick chooses one of the tenant's webhook endpoints by its
// description; while they load, when they cannot be listed, and when
// there is none yet, it says so (with the way to the Webhooks page).
function WebhookPick({ label, value, hooks, invalid, describedBy, onChange }: {
  label: string; value: string; hooks: Hooks; invalid: boolean; describedBy: string; onChange: (v: string) => void;
}) {
  if (hooks.list === null && hooks.error) {
    return (
      <span className="hint hook-none" role="alert">
        <Icon name="alert" size={14} />The endpoints could not be listed: {hooks.error}
        <button type="button" className="btn sm ghost" onClick={hooks.retry}>Try again</button>
      </span>
    );
  }
  if (hooks.list === null) return <span className="hint hook-none"><Icon name="spinner" size={14} className="spin" />Loading the webhook endpoints…</span>;
  if (hooks.list.length === 0) {
    return (
      <span className={`hint hook-none${invalid ? " bad" : ""}`}>
        <Icon name="webhook" size={14} />No webhook endpoints yet.
        {hooks.open && <button type="button" className="btn sm ghost add-row" onClick={hooks.open}>Add one on the Webhooks page<Icon name="chevronRight" size={12} /></button>}
      </span>
    );
  }
  const options = hooksByName(hooks.list).map((w) => ({ value: w.id, label: endpointName(w), hint: w.disabled ? "disabled" : w.description ? shownURL(w.url) : undefined,
    icon: <Icon name="webhook" size={14} /> }));
  return <Select label={label} value={value} onChange={onChange} describedBy={invalid ? describedBy : undefined}
    options={value ? named(options, value, "A removed endpoint") : [{ value: "", label: "Choose an endpoint…" }, ...options]} />;
}
const allActions = ["assign", "unassign", "set_status", "snooze", "set_priority", "add_tags", "remove_tags", "reply", "add_note", "webhook", "plugin"];

// ActionRows are the actions of a rule or a macro, in order: each its type
// and the control its value needs.
function ActionRows({ actions, types = allActions, look, problems, bad, onChange }: {
  actions: ActionDraft[]; types?: string[]; look: Look; problems: Problem[]; bad?: number; onChange: (a: ActionDraft[]) => void;
}) {
  return (
    <>
      {actions.length === 0 ? <p className="hint auto-none">No actions yet: add what it does.</p> : (
        <ol className="auto-rows">
          {actions.map((a, i) => (
            <ActionRow key={i} a={a} i={i} last={i === actions.length - 1} types={types} look={look} problems={problems} bad={bad === i}
              onChange={(a2) => onChange(replace(actions, i, a2))} onMove={(step) => onChange(move(actions, i, step))}
              onRemove={() => onChange(actions.filter((_, j) => j !== i))} />
          ))}
        </ol>
      )}
      <button type="button" className="btn sm ghost add-row" disabled={actions.length >= maxActions}
        onClick={() => onChange([...actions, newAction(actions.some((a) => a.type === "add_tags") ? "set_priority" : "add_tags")])}>
        <Icon name="plus" size={14} />Add action
      </button>
    </>
  );
}

function ActionRow({ a, i, last, types, look, problems, bad, onChange, onMove, onRemove }: {
  a: ActionDraft; i: number; last: boolean; types: string[]; look: Look; problems: Problem[]; bad: boolean;
  onChange: (a: ActionDraft) => void; onMove: (step: number) => void; onRemove: () => void;
}) {
  const { team, teams, defs, statuses, hooks } = look;
  const n = i + 1;
  const err = `act-${i}-error`;
  const invalid = problems.some((p) => p.at === `action-${i}`);
  let control: React.ReactNode;
  switch (a.type) {
    case "assign":
      control = <Select label={`Action ${n} agent`} value={a.value} onChange={(value) => onChange({ ...a, value })} options={choose(agentOptions(team), a.value, "Choose an agent…")} />;
      break;
    case "unassign":
      control = <span className="hint">Back to the queue, for routing to offer again.</span>;
      break;
    case "assign_team":
      // the teams by name; an edge that does not list them takes the team's id
      control = teams.length ? (
        <Select label={`Action ${n} team`} value={a.value} onChange={(value) => onChange({ ...a, value })} options={choose(teamOptions(teams), a.value, "Choose a team…")} />
      ) : (
        <input className="input mono" value={a.value} aria-label={`Action ${n} team`} placeholder="The team's id, such as billing" maxLength={64} spellCheck={false}
          aria-invalid={invalid || undefined} aria-describedby={invalid ? err : undefined} onChange={(e) => onChange({ ...a, value: e.currentTarget.value })} />
      );
      break;
    case "set_field": {
      // the field by its label, and a value that fits it (none clears it)
      const def = defs.find((d) => d.key === a.field);
      const values = def?.kind === "dropdown" ? def.options ?? [] : def?.kind === "checkbox" ? ["true", "false"] : undefined;
      control = (
        <span className="field-set">
          {defs.length ? (
            <Select label={`Action ${n} field`} value={a.field} onChange={(field) => onChange({ ...a, field, value: "" })}
              options={choose(defs.map((d) => ({ value: d.key, label: d.label || d.key })), a.field, "Which field…")} />
          ) : (
            <input className="input mono" value={a.field} aria-label={`Action ${n} field`} placeholder="The field's key" maxLength={64} spellCheck={false}
              aria-invalid={invalid || undefined} onChange={(e) => onChange({ ...a, field: e.currentTarget.value })} />
          )}
          {values ? (
            <Select label={`Action ${n} field value`} value={a.value} onChange={(value) => onChange({ ...a, value })}
              options={[{ value: "", label: "Cleared" }, ...values.map((v) => ({ value: v, label: def?.kind === "checkbox" ? (v === "true" ? "Checked" : "Not checked") : v }))]} />
          ) : (
            <input className="input" value={a.value} aria-label={`Action ${n} field value`} placeholder="Value (empty clears it)" maxLength={256}
              onChange={(e) => onChange({ ...a, value: e.currentTarget.value })} />
          )}
        </span>
      );
      break;
    }
    case "set_status":
      control = <Select label={`Action ${n} status`} value={a.value} onChange={(value) => onChange({ ...a, value })}
        options={named(statusOptions(statuses), a.value, "A removed status")} />;
      break;
    case "webhook":
      control = <WebhookPick label={`Action ${n} endpoint`} value={a.value} hooks={hooks} invalid={invalid} describedBy={err} onChange={(value) => onChange({ ...a, value })} />;
      break;
    case "plugin":
      control = (
        <span className="task-field">
          <input className="input mono" value={a.value} aria-label={`Action ${n} task`} placeholder="triage" maxLength={64} spellCheck={false} autoComplete="off"
            aria-invalid={invalid || undefined} aria-describedby={invalid ? `${err} act-${i}-hint` : `act-${i}-hint`} onChange={(e) => onChange({ ...a, value: e.currentTarget.value })} />
          <span className="hint" id={`act-${i}-hint`}>The task the automation plugin is asked, such as triage: it answers the actions to make, in this one's place. Letters, digits, - and _.</span>
        </span>
      );
      break;
    case "set_priority":
      control = <Select label={`Action ${n} priority`} value={a.value} onChange={(value) => onChange({ ...a, value })}
        options={Priorities.slice().reverse().map((p) => ({ value: p, label: cap(p), icon: <Icon name="flag" size={14} className={`prio-${p}`} /> }))} />;
      break;
    case "snooze":
      control = <DurationField label={`Action ${n} snooze for`} value={a.after} onChange={(after) => onChange({ ...a, after })} invalid={invalid} />;
      break;
    case "add_tags": case "remove_tags":
      control = <ChipsField label={`Action ${n} tags`} values={a.tags} onChange={(tags) => onChange({ ...a, tags })} tags invalid={invalid} describedBy={err} />;
      break;
    case "reply": case "add_note":
      control = <textarea className={`input${a.type === "add_note" ? " note" : ""}`} rows={2} value={a.text} maxLength={4096}
        aria-label={`Action ${n} ${a.type === "reply" ? "reply" : "note"}`} aria-invalid={invalid || undefined} aria-describedby={invalid ? err : undefined}
        placeholder={a.type === "reply" ? "Thanks for writing in: we are on it." : "Only agents see this note."}
        onChange={(e) => onChange({ ...a, text: e.currentTarget.value })} />;
      break;
    default:
      // an action this console does not know yet: its value as text
      control = <input className="input" value={a.value} aria-label={`Action ${n} value`} placeholder="Value" maxLength={256}
        onChange={(e) => onChange({ ...a, value: e.currentTarget.value })} />;
  }
  return (
    <li className={`auto-row act-row${bad ? " has-error" : ""}`}>
      <span className="step" aria-hidden="true">{n}</span>
      <Select label={`Action ${n}`} value={a.type} onChange={(t) => onChange(withType(a, t))}
        options={types.map((t) => ({ value: t, label: actionLabel(t), icon: <Icon name={actionIcons[t] ?? "automation"} size={14} /> }))} />
      <div className="auto-value">{control}</div>
      <span className="row-actions">
        <button type="button" className="btn sm ghost icon-only" aria-label={`Move action ${n} up`} title="Move up" disabled={i === 0} onClick={() => onMove(-1)}><Icon name="up" size={14} /></button>
        <button type="button" className="btn sm ghost icon-only" aria-label={`Move action ${n} down`} title="Move down" disabled={last} onClick={() => onMove(1)}><Icon name="down" size={14} /></button>
        <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Remove action ${n}`} title="Remove" onClick={onRemove}><Icon name="trash" size={14} /></button>
      </span>
      <div className="row-errors"><Said problems={problems} at={`action-${i}`} id={err} /></div>
    </li>
  );
}

// DurationField is a whole number and its unit: minutes, hours or days.
function DurationField({ label, value, onChange, invalid }: { label: string; value: Duration; onChange: (d: Duration) => void; invalid?: boolean }) {
  return (
    <span className="duration" role="group" aria-label={label}>
      <input className="input num" inputMode="numeric" value={value.amount} aria-label={`${label}: how many`} maxLength={6} aria-invalid={invalid || undefined}
        onChange={(e) => onChange({ ...value, amount: e.currentTarget.value.replace(/[^\d]/g, "") })} />
      <Select label={`${label}: unit`} value={value.unit} onChange={(unit) => onChange({ ...value, unit })}
        options={Units.map((u) => ({ value: u, label: u }))} />
    </span>
  );
}

// ChipsField is a list of values as chips: Enter, a comma or leaving the
// field makes what was typed chips; Backspace in the empty field takes
// the last back. With tags, they are made tags (lower case).
function ChipsField({ label, values, onChange, tags, invalid, describedBy }: {
  label: string; values: string[]; onChange: (v: string[]) => void; tags?: boolean; invalid?: boolean; describedBy?: string;
}) {
  const [draft, setDraft] = useState("");
  const commit = () => {
    if (!draft.trim()) return;
    onChange(tags ? normalTags(draft, values) : [...values, ...draft.split(",").map((x) => x.trim()).filter((x) => x && !values.includes(x))]);
    setDraft("");
  };
  return (
    <div className={`chips-field${invalid ? " invalid" : ""}`}>
      {values.map((v) => (
        <span key={v} className="chip tag-chip">
          {tags && <Icon name="tag" size={11} />}
          <span className="tag-name">{v}</span>
          <button type="button" aria-label={`Remove ${v} from ${label}`} title={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
            <Icon name="close" size={11} />
          </button>
        </span>
      ))}
      <input className="chips-input" value={draft} aria-label={label} placeholder={values.length ? "" : tags ? "Type a tag, then Enter" : "Type, then Enter"}
        aria-invalid={invalid || undefined} aria-describedby={invalid ? describedBy : undefined} autoComplete="off" spellCheck={false} maxLength={256}
        onChange={(e) => setDraft(e.currentTarget.value)} onBlur={commit}
        onKeyDown={(ev) => {
          if ((ev.key === "Enter" || ev.key === ",") && !ev.nativeEvent.isComposing) {
            ev.preventDefault();
            commit();
          } else if (ev.key === "Backspace" && draft === "" && values.length) {
            ev.preventDefault();
            setDraft(values[values.length - 1]);
            onChange(values.slice(0, -1));
          }
        }} />
    </div>
  );
}

// MultiPick chooses several of a list: a button naming what is chosen and
// a menu of checkable entries.
function MultiPick({ label, values, options, onChange, names }: {
  label: string; values: string[]; options: Option<string>[]; onChange: (v: string[]) => void; names?: (id: string) => string;
}) {
  const name = (v: string) => options.find((o) => o.value === v)?.label ?? (names ? names(v) : v);
  const text = values.length ? values.map(name).join(", ") : "Choose…";
  return (
    <Menu label={`${label}: ${values.length ? text : "none"}`} buttonClass="btn select-btn multi"
      button={<><span className="value"><span className={values.length ? undefined : "placeholder"}>{text}</span></span><Icon name="chevronDown" size={14} className="chev" /></>}>
      {() => options.map((o) => (
        <MenuItem key={o.value} kind="checkbox" checked={values.includes(o.value)}
          onSelect={() => onChange(values.includes(o.value) ? values.filter((v) => v !== o.value) : [...values, o.value])}>
          {o.label}
        </MenuItem>
      ))}
    </Menu>
  );
}

// the page's style sheet, added to the document when the page is first
// opened (main.tsx loads this module then); the conversation's parts of
// automation (the Macros menu, the timeline's lines) are styles.ts's
const automationCss = `
.auto-body { margin-top: 16px; }
.auto-card { overflow: hidden; }
.auto-list { list-style: none; margin: 0; padding: 0; }
.auto-item { display: grid; grid-template-columns: 24px minmax(0, 1fr) auto auto; gap: 14px; align-items: center; padding: 12px 16px 12px 20px;
  border-bottom: 1px solid var(--border); }
.auto-item:last-child { border-bottom: 0; }
.auto-item.macro { grid-template-columns: 24px minmax(0, 1fr) auto; }
.auto-item.has-error { background: var(--danger-soft); box-shadow: inset 3px 0 0 var(--danger); }
.auto-order { display: grid; place-items: center; width: 24px; height: 24px; border-radius: var(--ed-radius-md); background: var(--subtle);
  color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); font-variant-numeric: tabular-nums; }
.auto-order.icon { background: var(--accent-soft); color: var(--accent-text); }
.auto-main { min-width: 0; }
.auto-name { display: flex; align-items: center; gap: 8px; margin: 0 0 3px; }
.auto-name strong { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
/* a rule in words: trigger › conditions › actions, as one sentence that wraps to two lines at most */
.auto-summary { margin: 0; color: var(--muted); font-size: var(--ed-text-sm); line-height: 1.5; display: -webkit-box; -webkit-box-orient: vertical;
  -webkit-line-clamp: 2; overflow: hidden; overflow-wrap: anywhere; }
.auto-summary .icon { display: inline-block; vertical-align: -2px; }
.auto-summary .seg.when { color: var(--text); font-weight: var(--ed-weight-medium); }
.auto-summary .seg.when .icon { margin-right: 4px; color: var(--accent-text); }
.auto-summary .seg.then { color: var(--text); }
.auto-summary .sep { margin: 0 5px; color: var(--muted); }
.auto-item.off .auto-name strong, .auto-item.off .auto-summary .seg { color: var(--muted); }
.auto-item .switch { margin-right: 4px; }
.auto-loading { padding: 4px 0; }
.auto-skeleton { display: flex; gap: 14px; align-items: center; padding: 14px 20px; border-bottom: 1px solid var(--border); }
.auto-skeleton .lines { flex: 1; display: flex; flex-direction: column; gap: 8px; }
.auto-foot-error { display: flex; align-items: center; gap: 8px; margin: 0; padding: 10px 20px; color: var(--danger-text); font-size: var(--ed-text-sm); }
.auto-body > .notice.info { margin-top: 16px; }
.crumb.back { display: inline-flex; align-items: center; gap: 4px; padding: 2px 6px; margin-left: -6px; border: 0; border-radius: var(--ed-radius-sm);
  background: none; cursor: pointer; }
.crumb.back:hover { background: var(--hover); color: var(--text); }
.crumb.back:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.icon.flip { transform: rotate(180deg); }
.auto-editor { padding: 0; }
.auto-section { display: grid; grid-template-columns: 200px minmax(0, 1fr); gap: 24px; padding: 18px 20px; border-top: 1px solid var(--border); }
.auto-section:first-child { border-top: 0; }
.auto-section .section-what h2 { margin: 0 0 4px; font-size: var(--ed-text-md); }
.auto-controls { min-width: 0; }
.auto-controls .field { margin: 0; }
.name-row { display: flex; align-items: center; gap: 20px; }
.name-row .field { flex: 1; max-width: 460px; }
.trigger-chips { display: flex; flex-wrap: wrap; gap: 6px; }
.trigger { display: inline-flex; align-items: center; gap: 5px; height: 28px; padding: 0 11px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-full); background: var(--surface); color: var(--text); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium);
  cursor: pointer; white-space: nowrap; }
.trigger:hover { background: var(--hover); }
.trigger .icon { color: var(--muted); }
.trigger[aria-pressed=true] { border-color: var(--accent); background: var(--accent-soft); color: var(--accent-text); }
.trigger[aria-pressed=true] .icon { color: inherit; }
.trigger:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--focus); border-color: var(--accent); }
.time-row, .match-row { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; color: var(--text); font-size: var(--ed-text-sm); }
.time-row { margin-top: 14px; padding: 10px 12px; border-radius: var(--ed-radius-md); background: var(--subtle); }
.match-row { margin-bottom: 10px; }
.match-row .select-btn { font-weight: var(--ed-weight-semibold); }
.duration { display: inline-flex; align-items: center; gap: 6px; }
.duration .input.num { width: 64px; text-align: right; font-variant-numeric: tabular-nums; }
.duration .select-btn { min-width: 104px; }
.auto-rows { list-style: none; margin: 0 0 8px; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.auto-row { display: grid; gap: 8px; align-items: start; padding: 8px; border: 1px solid var(--border); border-radius: var(--ed-radius-lg); background: var(--subtle); }
.auto-row.has-error { border-color: var(--danger); box-shadow: 0 0 0 1px var(--danger); }
.cond-row { grid-template-columns: minmax(0, 1.15fr) minmax(0, .85fr) minmax(0, 1.5fr) 28px; }
.act-row { grid-template-columns: 24px minmax(0, 190px) minmax(0, 1fr) auto; }
.auto-row .select-btn { width: 100%; height: 34px; }
.auto-row > .btn.icon-only, .auto-row .row-actions { margin-top: 3px; }
.auto-row .row-errors { grid-column: 1 / -1; display: flex; flex-direction: column; gap: 2px; }
.auto-row .row-errors:empty { display: none; }
.act-row .row-errors { grid-column: 2 / -1; }
.auto-error { display: flex; align-items: center; gap: 5px; margin-top: 6px; }
.auto-row .auto-error { margin-top: 0; }
.cond-field { display: flex; gap: 6px; min-width: 0; }
.cond-field .select-btn { flex: 1 1 auto; min-width: 0; }
.cond-field .input.key { flex: 0 0 42%; font-family: var(--mono); font-size: var(--ed-text-sm); }
.cond-field .select-btn.key { flex: 0 0 48%; }
.field-set { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px; }
.op-text { display: flex; align-items: center; height: 34px; padding: 0 10px; color: var(--muted); }
.auto-value { min-width: 0; }
.auto-value .input.mono { font-family: var(--mono); font-size: var(--ed-text-sm); }
.auto-value > .hint { display: flex; align-items: center; min-height: 34px; }
.auto-value textarea.input { min-height: 60px; }
.auto-value textarea.input.note { background: var(--ed-color-note); color: var(--ed-color-on-note); border-style: dashed; }
.step { display: grid; place-items: center; width: 24px; height: 34px; color: var(--muted); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-semibold);
  font-variant-numeric: tabular-nums; }
.select-btn.multi .placeholder, .select-btn .placeholder { color: var(--muted); font-weight: var(--ed-weight-regular); }
.chips-field { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; min-height: 34px; padding: 4px 6px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-md); background: var(--surface); cursor: text; }
.chips-field:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.chips-field.invalid { border-color: var(--danger); }
.chips-input { flex: 1; min-width: 120px; height: 24px; padding: 0 4px; border: 0; background: transparent; color: var(--text); font: inherit; font-size: var(--ed-text-sm); }
.chips-input:focus { outline: none; }
.chips-input::placeholder { color: var(--muted); opacity: 1; }
.add-row { color: var(--accent-text); }
.task-field { display: flex; flex-direction: column; gap: 4px; }
.task-field .input { max-width: 260px; }
.task-field .hint { font-size: var(--ed-text-xs); line-height: 1.45; }
.auto-value > .hint.hook-none { display: flex; align-items: center; flex-wrap: wrap; gap: 6px; }
.hook-none .icon { color: var(--muted); }
.hook-none.bad { color: var(--danger-text); }
.auto-none { margin: 0 0 8px; padding: 10px 12px; border: 1px dashed var(--border-strong); border-radius: var(--ed-radius-lg); }
.auto-none.bad { border-color: var(--danger); color: var(--danger-text); background: var(--danger-soft); }
.auto-editor-foot { position: sticky; bottom: 0; padding: 14px 20px; border-top: 1px solid var(--border); background: var(--surface);
  border-radius: 0 0 var(--ed-radius-lg) var(--ed-radius-lg); }
.auto-editor-foot .notice { margin-bottom: 12px; }
.auto-editor-foot .notice-body { flex-direction: column; align-items: flex-start; gap: 2px; }
@media (max-width: 1199px) {
  .auto-section { grid-template-columns: minmax(0, 1fr); gap: 10px; }
  .cond-row { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) 28px; }
  .cond-row .auto-value { grid-column: 1 / 3; }
}
`;

const sheet = document.createElement("style");
sheet.textContent = automationCss;
document.head.appendChild(sheet);
