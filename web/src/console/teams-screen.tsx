// Settings → Teams: the tenant's teams, each with its members' avatars and
// names and how many they are; admins make a team (a name and its members,
// picked by name from the agents), change it, and delete it after a word
// on what that does (team_set). The edge's refusal shows in the form,
// which keeps what was typed. Other agents see the list only.

import { useEffect, useMemo, useState } from "react";
import type { Agent, OutFrame, Team } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import { Icon } from "./icons";
import { agentName } from "./people";
import { Page } from "./settings";
import { byName, countText, memberNames, membersLine, nameProblem } from "./teams";
import { Avatar, Checkbox, Dialog, Notice, toast } from "./ui";

export function TeamsPage({ conn, admin, team, me, onTeams }: {
  conn: Connection; admin: boolean; team: Map<string, Agent>; me: string;
  onTeams: (t: Team[]) => void; // what the rest of the console shows
}) {
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [editing, setEditing] = useState<Team | null>(null); // null: a new team
  const [deleting, setDeleting] = useState<Team | null>(null);
  const took = (r: OutFrame) => {
    const list = (r as OutFrame & { teams?: Team[] }).teams ?? [];
    setTeams(list);
    onTeams(list);
    return list;
  };
  const load = async () => {
    setLoadError("");
    const r = await conn.request({ type: "teams" });
    if (r.type === "teams") took(r);
    else setLoadError(r.message ?? r.code ?? "the edge did not answer");
  };
  useEffect(() => {
    void load();
  }, [conn]);
  // save sends a team; it resolves to the edge's refusal, or "" once it took it
  const save = async (id: string, name: string, members: string[]): Promise<string> => {
    const r = await conn.request({ type: "team_set", team: id, name: name.trim(), members });
    if (r.type !== "teams") return r.message ?? r.code ?? "the edge refused the team";
    took(r);
    toast(id ? `Saved ${name.trim()}` : `Created ${name.trim()}`);
    setEditing(null);
    return "";
  };
  const remove = async (t: Team): Promise<string> => {
    const r = await conn.request({ type: "team_set", team: t.id, delete: true });
    if (r.type !== "teams") return r.message ?? r.code ?? "the edge refused it";
    took(r);
    toast(`Deleted ${t.name}`);
    if (editing?.id === t.id) setEditing(null);
    return "";
  };
  const sorted = teams ? byName(teams) : null;
  return (
    <Page id="teams-title" title="Teams"
      lede="A team is a group of agents that conversations are given to. Given to a team, a conversation is offered to its members only, and an assignee from outside it gives it up.">
      <div className="settings-grid" role="region" aria-label="Manage teams">
        <section className="card" aria-label="Teams">
          {sorted === null && loadError ? (
            <div className="state" role="alert">
              <div className="state-icon error"><Icon name="alert" size={22} /></div>
              <h2>The teams could not be loaded</h2>
              <p>{loadError}</p>
              <button type="button" className="btn" onClick={() => void load()}><Icon name="reopen" size={14} />Try again</button>
            </div>
          ) : sorted === null ? (
            <div className="list-skeleton" aria-busy="true">
              <p role="status" className="sr-only">Loading teams…</p>
              {[0, 1, 2].map((i) => (
                <div key={i} className="team-skeleton" aria-hidden="true">
                  <span className="lines"><span className="skeleton" style={{ width: `${28 + i * 9}%` }} /><span className="skeleton" style={{ width: "46%" }} /></span>
                  <span className="skeleton round" />
                </div>
              ))}
            </div>
          ) : sorted.length === 0 ? (
            <div className="state">
              <div className="state-icon"><Icon name="team" size={22} /></div>
              <h2>No teams yet</h2>
              <p>Group agents by what they handle, such as Billing or Returns, then give conversations to a team from the conversation's header or with a rule.</p>
            </div>
          ) : (
            <>
              <div className="card-head"><span>{sorted.length} {sorted.length === 1 ? "team" : "teams"}</span></div>
              <ul className="team-list">
                {sorted.map((t) => {
                  const names = memberNames(t, team, me);
                  return (
                    <li key={t.id} className={editing?.id === t.id ? "editing" : undefined} aria-label={t.name}>
                      <span className="team-icon" aria-hidden="true"><Icon name="team" size={16} /></span>
                      <div className="team-main">
                        <p className="team-name"><strong>{t.name}</strong><span className="badge">{countText(t.agents?.length ?? 0)}</span></p>
                        <p className="team-members" title={names.join(", ")}>{membersLine(names, 4)}</p>
                      </div>
                      <span className="avatar-stack" aria-hidden="true">
                        {(t.agents ?? []).slice(0, 5).map((id) => <Avatar key={id} id={id} name={agentName(id, team)} size="sm" />)}
                        {(t.agents?.length ?? 0) > 5 && <span className="avatar sm more" data-initials={`+${(t.agents?.length ?? 0) - 5}`} />}
                      </span>
                      {admin && (
                        <span className="row-actions">
                          <button type="button" className="btn sm ghost icon-only" aria-label={`Edit ${t.name}`} title="Edit" onClick={() => setEditing(t)}><Icon name="edit" size={14} /></button>
                          <button type="button" className="btn sm ghost icon-only quiet-danger" aria-label={`Delete ${t.name}`} title="Delete" onClick={() => setDeleting(t)}><Icon name="trash" size={14} /></button>
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </section>
        {admin ? (
          <TeamForm key={editing?.id ?? "new"} editing={editing} teams={teams ?? []} team={team} me={me} onSave={save} onCancel={() => setEditing(null)} />
        ) : (
          <Notice kind="info"><p>Only admins make and change teams. Give a conversation to a team from its header.</p></Notice>
        )}
      </div>
      {deleting && <ConfirmDelete team={deleting} onClose={() => setDeleting(null)} onDelete={async () => { const err = await remove(deleting); if (!err) setDeleting(null); return err; }} />}
    </Page>
  );
}

// TeamForm makes or changes a team: its name and its members, picked by
// name from the tenant's agents (a search once there are many).
function TeamForm({ editing, teams, team, me, onSave, onCancel }: {
  editing: Team | null; teams: Team[]; team: Map<string, Agent>; me: string;
  onSave: (id: string, name: string, members: string[]) => Promise<string>; onCancel: () => void;
}) {
  const [name, setName] = useState(editing?.name ?? "");
  const [members, setMembers] = useState<string[]>(editing?.agents ?? []);
  const [q, setQ] = useState("");
  const [error, setError] = useState(""); // the edge's
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const problem = nameProblem(name, teams, editing?.id);
  const agents = useMemo(() => Array.from(team.values())
    .map((a) => ({ id: a.id, name: agentName(a.id, team), email: a.email }))
    .sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name))), [team, me]);
  const shown = agents.filter((a) => !q.trim() || `${a.name} ${a.email}`.toLowerCase().includes(q.trim().toLowerCase()));
  // members the agents' list does not have (yet) stay members
  const unknown = members.filter((id) => !team.has(id));
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setTried(true);
    if (problem || busy) return;
    setBusy(true);
    const err = await onSave(editing?.id ?? "", name, members);
    setBusy(false);
    setError(err);
    if (!err && !editing) {
      setName("");
      setMembers([]);
      setTried(false);
    }
  };
  const toggle = (id: string, on: boolean) => setMembers((m) => (on ? [...m, id] : m.filter((x) => x !== id)));
  return (
    <form className="card form-card team-form" onSubmit={(ev) => void submit(ev)} aria-label={editing ? `Edit ${editing.name}` : "New team"} noValidate>
      <h2>{editing ? `Edit ${editing.name}` : "New team"}</h2>
      {error && <Notice kind="error"><p><strong>Not saved.</strong> The edge says: {error}</p></Notice>}
      <div className="field">
        <label className="field-label" htmlFor="team-name">Name</label>
        <input id="team-name" className="input" value={name} maxLength={100} placeholder="e.g. Returns" aria-invalid={tried && problem ? true : undefined}
          aria-describedby={tried && problem ? "team-name-error" : undefined} onChange={(e) => { setName(e.currentTarget.value); setError(""); }} />
        {tried && problem && <span className="field-error" id="team-name-error">{problem}</span>}
      </div>
      <div className="field" role="group" aria-labelledby="team-members-label">
        <span className="field-label members-head" id="team-members-label">Members <span className="hint">{countText(members.length)}</span></span>
        {agents.length > 6 && (
          <label className="search members-search">
            <span className="sr-only">Find an agent</span>
            <Icon name="search" size={14} />
            <input className="input" type="search" value={q} placeholder="Find an agent by name" onChange={(e) => setQ(e.currentTarget.value)} />
          </label>
        )}
        <div className="member-picks">
          {agents.length === 0 ? <p className="hint">Loading the agents…</p>
            : shown.length === 0 ? <p className="hint">No agent is called “{q.trim()}”.</p>
              : shown.map((a) => (
                <Checkbox key={a.id} className="member-pick" checked={members.includes(a.id)} onChange={(on) => toggle(a.id, on)}
                  label={<span className="member-line"><Avatar id={a.id} name={a.name} size="sm" /><span className="member-text"><span>{a.name}{a.id === me ? " (you)" : ""}</span><span className="hint">{a.email}</span></span></span>} />
              ))}
          {unknown.length > 0 && <p className="hint">and {unknown.length} {unknown.length === 1 ? "agent" : "agents"} the console does not know</p>}
        </div>
      </div>
      <div className="form-actions">
        {editing && <button type="button" className="btn" onClick={onCancel}>Cancel</button>}
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? <Icon name="spinner" size={14} className="spin" /> : editing ? null : <Icon name="plus" size={14} />}{editing ? "Save team" : "Create team"}
        </button>
      </div>
    </form>
  );
}

function ConfirmDelete({ team, onClose, onDelete }: { team: Team; onClose: () => void; onDelete: () => Promise<string> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  return (
    <Dialog label="team-delete-title" onClose={onClose}>
      <div className="dialog-head">
        <div>
          <h2 id="team-delete-title">Delete {team.name}?</h2>
          <p>Its {countText(team.agents?.length ?? 0)} stay agents. Conversations given to it keep it by name as “a removed team” until they are given to another, and routing offers them to everyone again.</p>
        </div>
      </div>
      {error && <div className="dialog-body"><Notice kind="error"><p>Not deleted: {error}</p></Notice></div>}
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn danger" disabled={busy}
          onClick={async () => { setBusy(true); const err = await onDelete(); setBusy(false); setError(err); }}>
          <Icon name="trash" size={14} />Delete team
        </button>
      </div>
    </Dialog>
  );
}
