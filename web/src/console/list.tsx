// The conversation list: search, sort, the team filter, the mine /
// unassigned / all tabs and the status filter above the conversations. Only the rows in view (and
// a few around them) are in the page, so a list of thousands scrolls and
// opens as fast as one of ten.

import { memo, RefObject, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Agent, Team } from "../protocol.gen";
import { Conv, Filter, preview, Sort, Sorts, Unread, who } from "./inbox";
import { agentName } from "./people";
import { untilText } from "./snooze";
import { canonical, filterOf, StatusFilters, statusLabel } from "./status";
import { ago, full } from "./timeline";
import { Icon } from "./icons";
import { Avatar, Select, Tabs } from "./ui";
import { SLAClock } from "./sla-clock";
import { overflow } from "./tags";
import { byName, teamName } from "./teams";

// rowHeight is the height of one row, in pixels (the CSS's .conv too).
export const rowHeight = 76;
const overscan = 6;

export interface ListState {
  filter: Filter;
  status: string; // a status filter's id (status.ts's StatusFilters): "" for any
  query: string;
  sort: Sort;
  team?: string; // teams.ts's TeamFilter: "" any, "none", or a team's id
}

export function ConversationList({ shown, counts, state, onState, selected, onOpen, unread, team, me, loading, loadingMore, search, scrollTo, teams = [] }: {
  shown: Conv[]; counts: Record<Filter, number>; state: ListState; onState: (s: Partial<ListState>) => void; selected: string;
  onOpen: (id: string) => void; unread: Unread; team: Map<string, Agent>; me: string; loading: boolean; loadingMore: boolean;
  search: RefObject<HTMLInputElement | null>; scrollTo: number; // a row to bring into view (changes with j/k)
  teams?: Team[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useLayoutEffect(() => {
    const b = box.current;
    if (!b) return;
    const measure = () => setView({ top: b.scrollTop, height: b.clientHeight });
    measure();
    const ro = typeof ResizeObserver === "undefined" ? undefined : new ResizeObserver(measure);
    ro?.observe(b);
    return () => ro?.disconnect();
  }, []);
  // bring the selected row into view when the keyboard moved to it
  useEffect(() => {
    const b = box.current;
    if (!b || scrollTo < 0) return;
    const top = scrollTo * rowHeight;
    if (top < b.scrollTop) b.scrollTop = top;
    else if (top + rowHeight > b.scrollTop + b.clientHeight) b.scrollTop = top + rowHeight - b.clientHeight;
  }, [scrollTo]);
  // a new filter or search starts at the top
  useEffect(() => {
    if (box.current) box.current.scrollTop = 0;
  }, [state.filter, state.status, state.query, state.sort, state.team]);
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(shown.length, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  const statusOptions = StatusFilters.map((f) => ({ value: f.id, label: f.label, hint: f.hint }));
  const filter = filterOf(state.status);
  const noun = filter?.statuses.length ? `${filter.label.toLowerCase()} conversations` : "conversations";
  // the team filter: any team, none, or one (a team deleted since still filters by its id)
  const teamFilter = state.team ?? "";
  const teamOptions = [
    { value: "", label: "All teams", icon: <Icon name="team" size={14} /> },
    { value: "none", label: "No team", icon: <Icon name="team" size={14} /> },
    ...byName(teams).map((t) => ({ value: t.id, label: t.name, icon: <Icon name="team" size={14} /> })),
  ];
  if (teamFilter && teamFilter !== "none" && !teams.some((t) => t.id === teamFilter)) teamOptions.push({ value: teamFilter, label: "A removed team", icon: <Icon name="team" size={14} /> });
  const teamNames = new Map(teams.map((t) => [t.id, t.name]));
  return (
    <nav className="list" aria-label="Conversations">
      <div className="list-head">
        <div className="list-title">
          <h1>Conversations</h1>
          <Select label="Status filter" value={state.status} options={statusOptions} onChange={(status) => onState({ status })} size="sm" className="ghost" />
        </div>
        <div className="list-tools">
          <label className="search">
            <span className="sr-only">Search conversations</span>
            <Icon name="search" size={14} />
            <input ref={search} className="input" type="search" placeholder="Search name, message or id" value={state.query}
              onChange={(e) => onState({ query: e.currentTarget.value })}
              onKeyDown={(e) => { if (e.key === "Escape") { onState({ query: "" }); e.currentTarget.blur(); } }} />
          </label>
          {(teams.length > 0 || teamFilter) && (
            <Select label="Team filter" value={teamFilter} options={teamOptions} onChange={(team) => onState({ team })} size="sm" placement="bottom-end"
              className={`team-filter${teamFilter ? " active" : ""}`} />
          )}
          <Select label="Sort" value={state.sort} options={Sorts.map((s) => ({ value: s.id, label: s.label, icon: <Icon name="sort" size={14} /> }))}
            onChange={(sort) => onState({ sort })} size="sm" placement="bottom-end" className="sort" />
        </div>
        <Tabs label="Assignment" value={state.filter} onChange={(filter) => onState({ filter })}
          tabs={[
            { id: "mine", label: "Mine", count: counts.mine },
            { id: "unassigned", label: "Unassigned", count: counts.unassigned },
            { id: "all", label: "All", count: counts.all },
          ]} />
      </div>
      <div className="list-body" ref={box} onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}>
        {loading ? (
          <div className="list-loading" role="status" aria-label="Loading conversations">
            {Array.from({ length: 8 }, (_, i) => (
              <div key={i} className="conv-skeleton" aria-hidden="true">
                <span className="skeleton round" /><span className="lines"><span className="skeleton" style={{ width: "55%" }} /><span className="skeleton" style={{ width: "85%" }} /></span>
              </div>
            ))}
          </div>
        ) : shown.length === 0 ? (
          <div className="state list-empty">
            <div className="state-icon"><Icon name={state.query ? "search" : "inbox"} size={20} /></div>
            <h2>{state.query ? "No matches" : teamFilter ? `No ${noun} of ${teamFilter === "none" ? "no team" : teamName(teamFilter, teams)}` : `No ${noun}`}</h2>
            <p>
              {state.query ? <>Nothing in the loaded {noun} matches “{state.query}”.</>
                : state.filter === "mine" ? <>None are assigned to you. Unassigned ones wait under <em>Unassigned</em>.</>
                  : state.filter === "unassigned" ? "Every one has an agent. Nice." : "New ones show here as customers write."}
            </p>
            {(state.query || state.filter !== "all" || state.status || teamFilter) && (
              <button type="button" className="btn sm" onClick={() => onState({ query: "", filter: "all", status: "", team: "" })}>Show every conversation</button>
            )}
          </div>
        ) : (
          <ul style={{ paddingTop: first * rowHeight, paddingBottom: (shown.length - last) * rowHeight }} aria-label={`${shown.length} ${noun}`}>
            {shown.slice(first, last).map((c) => (
              <Row key={c.id} c={c} selected={c.id === selected} unread={unread.of(c.id)} onOpen={onOpen} team={team} me={me} showStatus={(filter?.statuses.length ?? 0) !== 1}
                teamName={c.team ? teamNames.get(c.team) ?? "A removed team" : ""} />
            ))}
          </ul>
        )}
        {loadingMore && <p className="list-more" role="status"><Icon name="spinner" className="spin" size={14} />Loading older conversations…</p>}
      </div>
    </nav>
  );
}

// Row is one conversation; it draws again only when what it shows changed
// (onOpen must keep its identity).
const Row = memo(function Row({ c, selected, unread, onOpen, team, me, showStatus, teamName: tn }: {
  c: Conv; selected: boolean; unread: number; onOpen: (id: string) => void; team: Map<string, Agent>; me: string; showStatus: boolean;
  teamName: string; // the team it is given to, "" none
}) {
  const name = who(c);
  const p = preview(c);
  const at = c.last_at ?? c.opened_at;
  return (
    <li>
      <button type="button" className={`conv${unread ? " has-unread" : ""}`} data-conv={c.id} aria-current={selected} onClick={() => onOpen(c.id)}>
        <Avatar id={c.contact ?? c.id} name={name} />
        <span className="conv-main">
          <span className="conv-top">
            <strong className="conv-name">{name}</strong>
            {at ? <time className="conv-time" dateTime={new Date(at).toISOString()} title={full(at)}>{ago(at)}</time> : null}
          </span>
          <span className="conv-bottom">
            <span className="preview">
              {/* an e-mail conversation: a mail icon, its subject, then the last message */}
              {c.channel === "email" && <><Icon name="mail" size={12} className="clip" /><span className="sr-only">E-mail: </span></>}
              {c.channel === "email" && c.subject && <strong className="subject">{c.subject}</strong>}
              {p.attachment && <Icon name="clip" size={12} className="clip" />}
              {p.text ? <span className="last">{c.channel === "email" && c.subject ? <span aria-hidden="true">– </span> : null}{p.text}</span>
                : c.channel === "email" && c.subject ? null : <em>No messages yet</em>}
            </span>
            {unread ? <span className="unread count" aria-label={`${unread} unread`}>{unread}</span> : null}
          </span>
          <span className="conv-tags">
            {canonical(c.status) === "on_hold" ? (
              c.snooze_until ? <span className="tag status-on_hold" title="On hold until a time"><Icon name="alarm" size={11} />On hold {untilText(c.snooze_until)}</span>
                : <span className="tag status-on_hold"><Icon name="pause" size={11} />On hold</span>
            ) : showStatus && <span className={`tag status-${canonical(c.status)}`}>{statusLabel(c.status)}</span>}
            {c.priority && c.priority !== "normal" && <span className={`priority ${c.priority}`}><Icon name="flag" size={11} />{c.priority}</span>}
            {c.sla?.length ? <SLAClock clocks={c.sla} compact /> : null}
            {tn && <span className="tag team-tag" title={`Team: ${tn}`}><Icon name="team" size={11} /><span className="sr-only">Team: </span><span className="tag-text">{tn}</span></span>}
            {c.merged_into && <span className="tag merged-tag" title="Merged into another conversation"><Icon name="merge" size={11} />Merged</span>}
            {c.assignee && (
              <span className="tag assignee" title={`Assigned to ${agentName(c.assignee, team)}`}>
                <Avatar id={c.assignee} name={agentName(c.assignee, team)} size="xs" />{c.assignee === me ? "You" : agentName(c.assignee, team)}
              </span>
            )}
            {c.tags?.length ? <Labels tags={c.tags} /> : null}
          </span>
        </span>
      </button>
    </li>
  );
});

// Labels are a row's tags: the first two as quiet chips, then "+N" for
// the rest (named in its tooltip).
function Labels({ tags }: { tags: string[] }) {
  const { shown, more, rest } = overflow(tags);
  return (
    <span className="conv-labels">
      <span className="sr-only">Tags: </span>
      {shown.map((t) => <span key={t} className="tag-label">{t}</span>)}
      {more > 0 && <span className="tag-label more" title={rest.join(", ")}>+{more}<span className="sr-only"> more: {rest.join(", ")}</span></span>}
    </span>
  );
}
