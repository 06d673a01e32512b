// Settings → Views (admins): the built-in views every agent has, and the
// tenant's saved views in the order the list's views menu shows them,
// each in words with how many conversations it has now; moved up or down,
// shown in the list, edited, deleted after a word on what that does. The
// editor names a view and chooses its filters (statuses, assignee, team,
// priorities, tags, channel, inbox, SLA state, custom fields) and its
// order, every id by its name. Each change sends the whole list
// (views_set); the edge's refusal, naming the view and the filter, is
// shown beside the part it names, and the editor keeps what was typed.
// What views say and check is views.ts's.

import { useEffect, useRef, useState } from "react";
import type { Agent, FieldDef, Inbox, OutFrame, Team, View } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import { move, valueText } from "./fields";
import { Priorities } from "./inbox";
import { Icon } from "./icons";
import { agentName } from "./people";
import { Page } from "./settings";
import { EditorPage, LoadError, Said, Section, Skeleton, TagsField, ToggleChips } from "./settings-kit";
import { statusIcons, statusLabel, Statuses } from "./status";
import { byName } from "./teams";
import { channelInfo } from "./channels";
import { Avatar, Dialog, Notice, Option, Select, toast } from "./ui";
import { DatePicker } from "./datepicker";
import {
  addTags, Channels, countLabel, Draft, draftOf, filterWords, maxViews, Names, newDraft, Part, problems, refusalOf, refusalText, saved, SLAStates,
  Sorts, sortWords, viewIcon, viewOf,
} from "./views";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

interface Loaded {
  views: View[] | null; // the built-in ones, then the tenant's
  counts: Record<string, number>;
  error: string;
}

export function ViewsPage({ conn, team, me, teams, inboxes, defs, names, onViews, onShow }: {
  conn: Connection; team: Map<string, Agent>; me: string; teams: Team[]; inboxes: Map<string, Inbox>; defs: FieldDef[]; names: Names;
  onViews: (views: View[], counts: Record<string, number>) => void; // what the list's menu shows
  onShow: (id: string) => void; // show a view in the list
}) {
  const [loaded, setLoaded] = useState<Loaded>({ views: null, counts: {}, error: "" });
  const [editing, setEditing] = useState<{ index: number; draft: Draft } | null>(null); // index -1: a new view
  const [listError, setListError] = useState<{ text: string; at: number } | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const took = (r: OutFrame) => {
    const views = r.views ?? [];
    setLoaded({ views, counts: r.counts ?? {}, error: "" });
    onViews(views, r.counts ?? {});
  };
  const load = async () => {
    setLoaded((l) => ({ ...l, error: "" }));
    const r = await conn.request({ type: "views" });
    if (r.type === "views") took(r);
    else setLoaded((l) => ({ ...l, error: r.message ?? r.code ?? "the edge did not answer" }));
  };
  useEffect(() => {
    void load();
  }, [conn]);
  const own = saved(loaded.views ?? []);
  const builtin = (loaded.views ?? []).filter((v) => v.builtin);
  // send sends the tenant's whole list; it resolves to the edge's refusal, or "" once it took it
  const send = async (next: View[], done: string): Promise<string> => {
    setBusy(true);
    const r = await conn.request({ type: "views_set", views: next });
    setBusy(false);
    if (r.type !== "views") return r.message ?? r.code ?? "the edge refused the views";
    took(r);
    toast(done);
    return "";
  };
  const fromList = async (next: View[], done: string) => {
    const err = await send(next, done);
    setListError(err ? { text: err, at: refusalOf(err).view } : null);
  };

  if (editing) {
    return (
      <ViewEditor key={editing.index} first={editing.draft} isNew={editing.index < 0} busy={busy} team={team} me={me} teams={teams} inboxes={inboxes} defs={defs}
        names={names} onCancel={() => setEditing(null)}
        onSave={async (d) => {
          const v = viewOf(d);
          const next = editing.index < 0 ? [...own, v] : own.map((x, j) => (j === editing.index ? v : x));
          const err = await send(next, editing.index < 0 ? `Created the view ${v.name}` : `Saved the view ${v.name}`);
          if (!err) {
            setEditing(null);
            setListError(null);
            return null;
          }
          const at = refusalOf(err);
          return { text: err, at: at.view === (editing.index < 0 ? own.length : editing.index) ? at.at : "list" };
        }} />
    );
  }

  const start = (index: number) => {
    setListError(null);
    setEditing({ index, draft: index < 0 ? newDraft() : draftOf(own[index]) });
  };
  return (
    <Page id="views-title" title="Views"
      lede="A view is a list of conversations that match its filters, in its order, with how many there are. Every agent has the built-in views; the saved views are yours to make for the whole team, and show in the list's views menu in this order."
      action={<button type="button" className="btn primary" disabled={loaded.views === null || own.length >= maxViews} onClick={() => start(-1)}><Icon name="plus" size={14} />New view</button>}>
      <div className="kit-cards views-page" role="region" aria-label="Manage views">
        {listError && <Notice kind="error"><p><strong>Not saved.</strong> The edge says: {listError.text}</p></Notice>}
        <section className="card" aria-labelledby="saved-views-head">
          <div className="card-head" id="saved-views-head">
            {loaded.views === null ? "Saved views" : `Saved views · ${own.length} of ${maxViews} · agents see them in this order`}
          </div>
          {loaded.views === null && loaded.error ? <LoadError what="views" error={loaded.error} onRetry={() => void load()} />
            : loaded.views === null ? <Skeleton what="views" />
              : own.length === 0 ? (
                <div className="state">
                  <div className="state-icon"><Icon name="views" size={22} /></div>
                  <h2>No saved views yet</h2>
                  <p>Make the lists your team works from, such as “Urgent and unassigned”, “Waiting on billing” or “VIP customers”: each shows its count in the conversation list.</p>
                  <button type="button" className="btn primary" onClick={() => start(-1)}><Icon name="plus" size={14} />Create a view</button>
                </div>
              ) : (
                <ol className="kit-rows">
                  {own.map((v, i) => (
                    <ViewRow key={v.id} v={v} count={loaded.counts[v.id]} names={names} bad={listError?.at === i}>
                      <button type="button" className="btn sm ghost icon-only" aria-label={`Show ${v.name} in the list`} title="Show in the list" onClick={() => onShow(v.id)}><Icon name="openIn" size={14} /></button>
                      <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${v.name} up`} title="Move up" disabled={busy || i === 0}
                        onClick={() => void fromList(move(own, i, -1), `Moved ${v.name} up`)}><Icon name="up" size={14} /></button>
                      <button type="button" className="btn sm ghost icon-only" aria-label={`Move ${v.name} down`} title="Move down" disabled={busy || i === own.length - 1}
                        onClick={() => void fromList(move(own, i, 1), `Moved ${v.name} down`)}><Icon name="down" size={14} /></button>
                      <button type="button" className="btn sm ghost icon-only" aria-label={`Edit ${v.name}`} title="Edit" onClick={() => start(i)}><Icon name="edit" size={14} /></button>
                      <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete ${v.name}`} title="Delete" onClick={() => setDeleting(i)}><Icon name="trash" size={14} /></button>
                    </ViewRow>
                  ))}
                </ol>
              )}
        </section>
        {builtin.length > 0 && (
          <section className="card" aria-labelledby="builtin-views-head">
            <div className="card-head" id="builtin-views-head">Built-in views · every agent has them, each for themselves</div>
            <ul className="kit-rows">
              {builtin.map((v) => (
                <ViewRow key={v.id} v={v} count={loaded.counts[v.id]} names={names} builtin>
                  <button type="button" className="btn sm ghost icon-only" aria-label={`Show ${v.name} in the list`} title="Show in the list" onClick={() => onShow(v.id)}><Icon name="openIn" size={14} /></button>
                </ViewRow>
              ))}
            </ul>
          </section>
        )}
      </div>
      {deleting !== null && own[deleting] && (
        <Dialog label="view-delete-title" onClose={() => setDeleting(null)}>
          <div className="dialog-head">
            <div>
              <h2 id="view-delete-title">Delete the view {own[deleting].name}?</h2>
              <p>Agents no longer see it in the list's views menu; those who have it open go back to every conversation. Its conversations stay as they are.</p>
            </div>
          </div>
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={() => setDeleting(null)}>Cancel</button>
            <button type="button" className="btn danger" disabled={busy} onClick={async () => {
              const v = own[deleting];
              await fromList(own.filter((_, j) => j !== deleting), `Deleted the view ${v.name}`);
              setDeleting(null);
            }}><Icon name="trash" size={14} />Delete view</button>
          </div>
        </Dialog>
      )}
    </Page>
  );
}

// ViewRow is a view in the page's lists: its icon, name, filters and
// order in words, its count now, and its buttons.
function ViewRow({ v, count, names, bad, builtin, children }: {
  v: View; count?: number; names: Names; bad?: boolean; builtin?: boolean; children: React.ReactNode;
}) {
  const words = `${filterWords(v, names).join(" · ")} · ${sortWords(v.sort)}`;
  return (
    <li className={`kit-row${bad ? " has-error" : ""}`} aria-label={v.name}>
      <span className={`kit-icon${builtin ? " quiet" : ""}`} aria-hidden="true"><Icon name={viewIcon(v)} size={16} /></span>
      <div className="kit-main">
        <p className="kit-name"><strong>{v.name}</strong>{builtin && <span className="badge">Built-in</span>}</p>
        <p className="kit-what" title={words}>{words}</p>
      </div>
      <span className="kit-side">
        {count !== undefined && <span className="kit-count" title={`${count} conversations now (for you)`}>{countLabel(count)}<span className="sr-only"> conversations</span></span>}
        <span className="row-actions">{children}</span>
      </span>
    </li>
  );
}

// named adds an option for a value none of the options has (an agent, a
// team or a field removed since), so that a select never shows an id.
function named(options: Option<string>[], value: string, gone: string): Option<string>[] {
  return !value || options.some((o) => o.value === value) ? options : [...options, { value, label: gone }];
}

type Saved = { text: string; at: Part } | null;

function ViewEditor({ first, isNew, busy, team, me, teams, inboxes, defs, names, onCancel, onSave }: {
  first: Draft; isNew: boolean; busy: boolean; team: Map<string, Agent>; me: string; teams: Team[]; inboxes: Map<string, Inbox>; defs: FieldDef[];
  names: Names; onCancel: () => void; onSave: (d: Draft) => Promise<Saved>;
}) {
  const [d, setD] = useState(first);
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState<Saved>(null);
  const name = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (isNew) name.current?.focus();
  }, []);
  const all = problems(d, names);
  const shown = tried ? all : [];
  const said = (at: Part) => shown.find((p) => p.at === at)?.text;
  const set = (change: Partial<Draft>) => {
    setD((x) => ({ ...x, ...change }));
    setRefused(null);
  };
  const save = async () => {
    setTried(true);
    if (all.length || busy) return;
    setRefused(await onSave(d));
  };
  // the edge's refusal, under the part it names
  const edge = (at: Part) => (refused?.at === at ? refusalText(refused.text) : undefined);
  const agents: Option<string>[] = named([
    { value: "", label: "Anyone or no one" },
    { value: "me", label: "The agent looking" },
    { value: "none", label: "No one (unassigned)" },
    ...Array.from(team.values()).map((a) => ({ value: a.id, label: agentName(a.id, team) + (a.id === me ? " (you)" : ""), icon: <Avatar id={a.id} name={agentName(a.id, team)} size="xs" /> }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  ], d.assignee, "A removed agent");
  const teamOptions: Option<string>[] = named([
    { value: "", label: "Any team or none" },
    { value: "mine", label: "The agent's teams" },
    { value: "none", label: "No team" },
    ...byName(teams).map((t) => ({ value: t.id, label: t.name, icon: <Icon name="team" size={14} /> })),
  ], d.team, "A removed team");
  const inboxOptions: Option<string>[] = named([
    { value: "", label: "Any inbox" },
    ...Array.from(inboxes.values()).map((x) => ({ value: x.id, label: x.name || "An inbox", icon: <Icon name="inbox" size={14} /> })).sort((a, b) => a.label.localeCompare(b.label)),
  ], d.inbox, "A removed inbox");
  const usable = defs;
  return (
    <EditorPage title={isNew ? "New view" : `Edit ${first.name}`} crumb="Views" submit={isNew ? "Create view" : "Save view"} busy={busy}
      lede="A conversation shows in the view when it matches every filter given. Filters left at “any” do not narrow it."
      refusal={refused?.text ?? ""} problems={shown.map((p) => p.text)} onCancel={onCancel} onSubmit={() => void save()}>
      <Section id="view-name" title="Name" what="What agents see in the list's views menu." bad={!!edge("name")}>
        <div className="field">
          <input ref={name} className="input" value={d.name} maxLength={100} placeholder="Urgent and unassigned" aria-label="View name"
            aria-invalid={said("name") || edge("name") ? true : undefined} aria-describedby="view-name-error" onChange={(e) => set({ name: e.currentTarget.value })} />
          <Said text={said("name") ?? edge("name")} id="view-name-error" />
        </div>
      </Section>
      <Section id="view-who" title="Conversations" what="Which conversations it shows: those of any of the statuses and priorities picked, with every tag given. “The agent looking” is each agent for themselves."
        bad={["statuses", "assignee", "team", "priorities", "tags", "channel", "inbox", "sla"].includes(refused?.at ?? "")}>
        <div className="kit-grid">
          <div className="field wide">
            <span className="field-label" id="view-statuses">Status</span>
            <ToggleChips label="Status" values={d.statuses} onChange={(statuses) => set({ statuses })} empty="None picked: any status."
              options={Statuses.map((s) => ({ value: s, label: statusLabel(s), icon: <Icon name={statusIcons[s]} size={12} /> }))} />
            <Said text={edge("statuses")} />
          </div>
          <div className="field">
            <span className="field-label">Assignee</span>
            <Select label="Assignee" value={d.assignee} options={agents} onChange={(assignee) => set({ assignee })} describedBy="view-assignee-error" />
            <Said text={edge("assignee")} id="view-assignee-error" />
          </div>
          <div className="field">
            <span className="field-label">Team</span>
            <Select label="Team" value={d.team} options={teamOptions} onChange={(t) => set({ team: t })} describedBy="view-team-error" />
            <Said text={edge("team")} id="view-team-error" />
          </div>
          <div className="field wide">
            <span className="field-label">Priority</span>
            <ToggleChips label="Priority" values={d.priorities} onChange={(priorities) => set({ priorities })} empty="None picked: any priority."
              options={Priorities.slice().reverse().map((p) => ({ value: p, label: cap(p), icon: <Icon name="flag" size={12} className={`prio-${p}`} /> }))} />
            <Said text={edge("priorities")} />
          </div>
          <div className="field wide">
            <span className="field-label">Tags</span>
            <TagsField label="Tags" values={d.tags} onChange={(tags) => set({ tags })} add={addTags} placeholder="Type a tag, then Enter: it must have all of them"
              invalid={!!edge("tags")} describedBy="view-tags-error" />
            <Said text={edge("tags")} id="view-tags-error" />
          </div>
          <div className="field">
            <span className="field-label">Channel</span>
            <Select label="Channel" value={d.channel} options={Channels.map((c) => ({ value: c.id, label: c.label, icon: <Icon name={c.id ? channelInfo(c.id).icon : "conversations"} size={14} /> }))}
              onChange={(channel) => set({ channel })} />
            <Said text={edge("channel")} />
          </div>
          <div className="field">
            <span className="field-label">Inbox</span>
            <Select label="Inbox" value={d.inbox} options={inboxOptions} onChange={(inbox) => set({ inbox })} />
            <Said text={edge("inbox")} />
          </div>
          <div className="field">
            <span className="field-label">SLA</span>
            <Select label="SLA" value={d.sla} options={SLAStates.map((s) => ({ value: s.id, label: s.label, icon: <Icon name={s.id === "breached" ? "alert" : "sla"} size={14} /> }))}
              onChange={(sla) => set({ sla })} />
            <Said text={edge("sla")} />
          </div>
        </div>
      </Section>
      <Section id="view-fields" title="Custom fields" what="Conversations whose fields have these values, each of them." bad={!!edge("fields")}>
        {d.fields.length === 0 ? <p className="hint kit-none">No field filters. {usable.length ? "Add one to narrow the view by a field's value." : "The tenant has no custom fields yet."}</p> : (
          <ol className="view-field-rows">
            {d.fields.map((f, i) => {
              const def = defs.find((x) => x.key === f.key);
              const n = i + 1;
              const problem = shown.find((p) => p.at === "fields" && p.field === i)?.text;
              return (
                <li key={i} className={`view-field-row${problem ? " has-error" : ""}`}>
                  <Select label={`Field filter ${n} field`} value={f.key}
                    options={named([{ value: "", label: "Choose a field…" }, ...usable.map((x) => ({ value: x.key, label: x.label }))], f.key, "A removed field")}
                    onChange={(key) => set({ fields: d.fields.map((x, j) => (j === i ? { key, value: "" } : x)) })} />
                  <span className="view-field-is">is</span>
                  <FieldValue def={def} value={f.value} label={`Field filter ${n} value`} invalid={!!problem}
                    onChange={(value) => set({ fields: d.fields.map((x, j) => (j === i ? { ...x, value } : x)) })} />
                  <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Remove field filter ${n}`} title="Remove"
                    onClick={() => set({ fields: d.fields.filter((_, j) => j !== i) })}><Icon name="trash" size={14} /></button>
                  {problem && <Said text={problem} />}
                </li>
              );
            })}
          </ol>
        )}
        {usable.length > 0 && (
          <button type="button" className="btn sm ghost add-filter" disabled={d.fields.length >= usable.length}
            onClick={() => set({ fields: [...d.fields, { key: usable.find((x) => !d.fields.some((f) => f.key === x.key))?.key ?? "", value: "" }] })}>
            <Icon name="plus" size={14} />Add a field filter
          </button>
        )}
        <Said text={edge("fields")} />
      </Section>
      <Section id="view-sort" title="Order" what="How the view lists its conversations." bad={!!edge("sort")}>
        <div className="field view-sort">
          <Select label="Order" value={d.sort} options={Sorts.map((s) => ({ value: s.id, label: s.label, icon: <Icon name="sort" size={14} /> }))}
            onChange={(sort) => set({ sort })} />
          <Said text={edge("sort")} />
        </div>
      </Section>
    </EditorPage>
  );
}

// FieldValue is the control for a value of a custom field: a drop-down's
// options, a checkbox's two states, a day from the calendar, or what is
// typed.
function FieldValue({ def, value, label, invalid, onChange }: {
  def?: FieldDef; value: string; label: string; invalid: boolean; onChange: (v: string) => void;
}) {
  if (!def) return <span className="hint view-field-none">Choose a field first</span>;
  switch (def.kind) {
    case "dropdown":
      return <Select label={label} value={value} onChange={onChange}
        options={[...(value ? [] : [{ value: "", label: "Choose a value…" }]), ...(def.options ?? []).map((o) => ({ value: o, label: valueText(def, o) }))]} />;
    case "checkbox":
      return <Select label={label} value={value} onChange={onChange}
        options={[...(value ? [] : [{ value: "", label: "Choose…" }]), { value: "true", label: "Checked" }, { value: "false", label: "Not checked" }]} />;
    case "date":
      return <DatePicker label={label} value={value} onChange={onChange} />;
  }
  return <input className="input" value={value} aria-label={label} aria-invalid={invalid || undefined} maxLength={200}
    inputMode={def.kind === "number" ? "decimal" : undefined} placeholder={def.kind === "number" ? "A number" : "The exact value"}
    onChange={(e) => onChange(e.currentTarget.value)} />;
}

const viewsCss = `
.kit-none { max-width: 640px; margin: 0 0 8px; padding: 10px 12px; border: 1px dashed var(--border-strong); border-radius: var(--ed-radius-lg); }
.view-field-rows { list-style: none; margin: 0 0 8px; padding: 0; display: flex; flex-direction: column; gap: 8px; max-width: 640px; }
.view-field-row { display: grid; grid-template-columns: minmax(0, 1fr) auto minmax(0, 1fr) 28px; gap: 8px; align-items: center; padding: 8px;
  border: 1px solid var(--border); border-radius: var(--ed-radius-lg); background: var(--subtle); }
.view-field-row.has-error { border-color: var(--danger); }
.view-field-row > .kit-error { grid-column: 1 / -1; margin: 0; }
.view-field-row .select-btn { width: 100%; }
.view-field-is { color: var(--muted); font-size: var(--ed-text-sm); }
.view-field-none { padding-left: 4px; }
.add-filter { color: var(--accent-text); }
.view-sort { max-width: 310px; margin: 0; }
/* the counts in one column, whatever buttons a row has */
.views-page .row-actions { min-width: 148px; justify-content: flex-end; }
.view-sort .select-btn { width: 100%; }
`;

const sheet = document.createElement("style");
sheet.textContent = viewsCss;
document.head.appendChild(sheet);
