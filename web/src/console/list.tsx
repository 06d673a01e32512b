// The conversation list: the views menu (every conversation, the built-in
// views and the tenant's saved ones, each with its count), search, and
// for every conversation the sort, the team filter and the status filter
// above the conversations. Only the rows in view (and a few around them)
// are in the page, so a list of thousands scrolls and opens as fast as
// one of ten.

import { memo, RefObject, useEffect, useLayoutEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import type { Agent, CustomStatus, Team, View } from "../protocol.gen";
import { Conv, preview, Sort, Sorts, Unread, who } from "./inbox";
import { agentName } from "./people";
import { untilText } from "./snooze";
import { canonical, filterOf, StatusFilters, statusLabel } from "./status";
import { customLabel } from "./custom-statuses";
import { ago, full } from "./timeline";
import { Icon } from "./icons";
import { Avatar, entries, roving, Select, usePopover } from "./ui";
import { SLAClock } from "./sla-clock";
import { overflow } from "./tags";
import { byName, teamName } from "./teams";
import { countLabel, filterWords, Names, summary, viewIcon } from "./views";
import { ChannelAvatar } from "./channel-ui";

// rowHeight is the height of one row, in pixels (the CSS's .conv too).
export const rowHeight = 76;
const overscan = 6;

export interface ListState {
  view: string; // a view's id (views.ts): "" for every conversation, with the filters below
  status: string; // a status filter's id (status.ts's StatusFilters): "" for any
  query: string;
  sort: Sort;
  team?: string; // teams.ts's TeamFilter: "" any, "none", or a team's id
}

// ViewList is what the list knows of the view it shows: its
// conversations' ids in the view's order (the edge's), how many it has in
// all, and while it loads or why it could not.
export interface ViewList {
  view: string;
  ids: string[];
  total: number;
  loading: boolean;
  error: string;
}

export function ConversationList({ shown, allCount, state, onState, selected, onOpen, unread, team, me, loading, loadingMore, search, scrollTo, teams = [],
  views, viewCounts, viewList, names, statuses = [], onManageViews, onRetryView, viewsButton }: {
  shown: Conv[]; allCount: number; state: ListState; onState: (s: Partial<ListState>) => void; selected: string;
  onOpen: (id: string) => void; unread: Unread; team: Map<string, Agent>; me: string; loading: boolean; loadingMore: boolean;
  search: RefObject<HTMLInputElement | null>; scrollTo: number; // a row to bring into view (changes with j/k)
  teams?: Team[];
  views: View[] | null; // the built-in views, then the tenant's (null until the edge said)
  viewCounts: Record<string, number>;
  viewList: ViewList | null; // the view shown, when one is
  names: Names; // what a view's filters name, in words
  statuses?: CustomStatus[]; // the tenant's custom statuses: a row shows its own
  onManageViews?: () => void; // admins: Settings → Views
  onRetryView: () => void;
  viewsButton: RefObject<HTMLButtonElement | null>; // the views menu's button (v opens it)
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  useLayoutEffect(() => {
    const b = box.current;
    if (!b) return;
    const measure = () => setScroll({ top: b.scrollTop, height: b.clientHeight });
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
  // a new view, filter or search starts at the top
  useEffect(() => {
    if (box.current) box.current.scrollTop = 0;
  }, [state.view, state.status, state.query, state.sort, state.team]);
  const first = Math.max(0, Math.floor(scroll.top / rowHeight) - overscan);
  const last = Math.min(shown.length, Math.ceil((scroll.top + scroll.height) / rowHeight) + overscan);
  const view = state.view ? views?.find((v) => v.id === state.view) : undefined;
  const inView = state.view !== "";
  const statusOptions = StatusFilters.map((f) => ({ value: f.id, label: f.label, hint: f.hint }));
  const filter = inView ? undefined : filterOf(state.status);
  const noun = filter?.statuses.length ? `${filter.label.toLowerCase()} conversations` : "conversations";
  // the team filter: any team, none, or one (a team deleted since still filters by its id)
  const teamFilter = inView ? "" : state.team ?? "";
  const teamOptions = [
    { value: "", label: "All teams", icon: <Icon name="team" size={14} /> },
    { value: "none", label: "No team", icon: <Icon name="team" size={14} /> },
    ...byName(teams).map((t) => ({ value: t.id, label: t.name, icon: <Icon name="team" size={14} /> })),
  ];
  if (teamFilter && teamFilter !== "none" && !teams.some((t) => t.id === teamFilter)) teamOptions.push({ value: teamFilter, label: "A removed team", icon: <Icon name="team" size={14} /> });
  const teamNames = new Map(teams.map((t) => [t.id, t.name]));
  const customs = new Map(statuses.map((x) => [x.id, x]));
  const viewName = view?.name ?? (inView ? "A view" : "All conversations");
  const showing = inView ? viewList?.view === state.view ? viewList : null : null;
  const busy = loading || (inView && (!showing || (showing.loading && showing.ids.length === 0)));
  const failed = inView && showing && !showing.loading && showing.error && showing.ids.length === 0 ? showing.error : "";
  const total = inView ? showing?.total ?? viewCounts[state.view] : allCount;
  return (
    <nav className="list" aria-label="Conversations">
      <div className="list-head">
        <div className="list-title">
          <h1><ViewsMenu views={views} counts={viewCounts} current={state.view} name={viewName} total={total} allCount={allCount} button={viewsButton}
            onPick={(v) => onState({ view: v, query: "" })} onManage={onManageViews} /></h1>
        </div>
        {/* what the list shows: a view's filters and order in words, or every conversation's status filter */}
        {inView ? (view && <p className="view-summary" title={summary(view, names)}>{summary(view, names)}</p>) : (
          <div className="list-filter">
            <Select label="Status filter" value={state.status} options={statusOptions} onChange={(status) => onState({ status })} size="sm" className="ghost" />
          </div>
        )}
        <div className="list-tools">
          <label className="search">
            <span className="sr-only">Search conversations</span>
            <Icon name="search" size={14} />
            <input ref={search} className="input" type="search" placeholder={inView ? `Search ${viewName}` : "Search name, message or id"} value={state.query}
              onChange={(e) => onState({ query: e.currentTarget.value })}
              onKeyDown={(e) => { if (e.key === "Escape") { onState({ query: "" }); e.currentTarget.blur(); } }} />
          </label>
          {!inView && (teams.length > 0 || teamFilter) && (
            <Select label="Team filter" value={teamFilter} options={teamOptions} onChange={(team) => onState({ team })} size="sm" placement="bottom-end"
              className={`team-filter${teamFilter ? " active" : ""}`} />
          )}
          {!inView && <Select label="Sort" value={state.sort} options={Sorts.map((s) => ({ value: s.id, label: s.label, icon: <Icon name="sort" size={14} /> }))}
            onChange={(sort) => onState({ sort })} size="sm" placement="bottom-end" className="sort" />}
        </div>
      </div>
      <div className="list-body" ref={box} onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}>
        {busy ? (
          <div className="list-loading" role="status" aria-label={inView ? `Loading ${viewName}` : "Loading conversations"}>
            {Array.from({ length: 8 }, (_, i) => (
              <div key={i} className="conv-skeleton" aria-hidden="true">
                <span className="skeleton round" /><span className="lines"><span className="skeleton" style={{ width: "55%" }} /><span className="skeleton" style={{ width: "85%" }} /></span>
              </div>
            ))}
          </div>
        ) : failed ? (
          <div className="state list-empty" role="alert">
            <div className="state-icon error"><Icon name="alert" size={20} /></div>
            <h2>{viewName} could not be loaded</h2>
            <p>{failed}</p>
            <span className="state-actions">
              <button type="button" className="btn sm" onClick={onRetryView}><Icon name="reopen" size={14} />Try again</button>
              <button type="button" className="btn sm ghost" onClick={() => onState({ view: "", query: "" })}>Show all conversations</button>
            </span>
          </div>
        ) : shown.length === 0 ? (
          inView ? (
            <div className="state list-empty">
              <div className="state-icon"><Icon name={state.query ? "search" : view ? viewIcon(view) : "views"} size={20} /></div>
              <h2>{state.query ? "No matches" : state.view === "overdue" ? "Nothing overdue" : `Nothing in ${viewName}`}</h2>
              <p>
                {state.query ? <>Nothing in {viewName} matches “{state.query}”.</>
                  : state.view === "overdue" ? "No open conversation has passed its SLA target. Nice."
                    : view ? <>It shows conversations that are {filterWords(view, names).join(", ").replace(/^./, (c) => c.toLowerCase())}: none are, right now.</> : "None right now."}
              </p>
              <button type="button" className="btn sm" onClick={() => onState({ query: "", view: "" })}>Show all conversations</button>
            </div>
          ) : (
            <div className="state list-empty">
              <div className="state-icon"><Icon name={state.query ? "search" : "inbox"} size={20} /></div>
              <h2>{state.query ? "No matches" : teamFilter ? `No ${noun} of ${teamFilter === "none" ? "no team" : teamName(teamFilter, teams)}` : `No ${noun}`}</h2>
              <p>{state.query ? <>Nothing in the loaded {noun} matches “{state.query}”.</> : "New ones show here as customers write."}</p>
              {(state.query || state.status || teamFilter) && (
                <button type="button" className="btn sm" onClick={() => onState({ query: "", status: "", team: "" })}>Show every conversation</button>
              )}
            </div>
          )
        ) : (
          <ul style={{ paddingTop: first * rowHeight, paddingBottom: (shown.length - last) * rowHeight }}
            aria-label={inView ? `${shown.length} ${shown.length === 1 ? "conversation" : "conversations"} in ${viewName}` : `${shown.length} ${noun}`}>
            {shown.slice(first, last).map((c) => (
              <Row key={c.id} c={c} selected={c.id === selected} unread={unread.of(c.id)} onOpen={onOpen} team={team} me={me} showStatus={(filter?.statuses.length ?? 0) !== 1}
                teamName={c.team ? teamNames.get(c.team) ?? "A removed team" : ""} custom={customLabel(c, customs)} />
            ))}
          </ul>
        )}
        {loadingMore && !inView && <p className="list-more" role="status"><Icon name="spinner" className="spin" size={14} />Loading older conversations…</p>}
        {inView && showing && !state.query && showing.total > showing.ids.length && (
          <p className="list-more">The first {showing.ids.length.toLocaleString("en")} of {showing.total.toLocaleString("en")}, in the view's order</p>
        )}
      </div>
    </nav>
  );
}

// ViewsMenu is the list's heading: the view shown and its count, a button
// that opens the views: every conversation, the built-in views and the
// tenant's saved ones, each with how many conversations it has; admins
// manage the saved ones from it.
function ViewsMenu({ views, counts, current, name, total, allCount, button, onPick, onManage }: {
  views: View[] | null; counts: Record<string, number>; current: string; name: string; total: number | undefined; allCount: number;
  button: RefObject<HTMLButtonElement | null>; onPick: (id: string) => void; onManage?: () => void;
}) {
  const p = usePopover("bottom-start");
  // the views' button is also the one the v key opens
  useEffect(() => {
    button.current = p.trigger.current;
  });
  useEffect(() => {
    if (!p.open || p.pos.visibility === "hidden") return;
    const all = entries(p.panel.current);
    (all.find((e) => e.getAttribute("aria-checked") === "true") ?? all[0])?.focus();
  }, [p.open, p.pos]);
  const pick = (id: string) => {
    p.close();
    if (id !== current) onPick(id);
  };
  const builtin = (views ?? []).filter((v) => v.builtin);
  const own = (views ?? []).filter((v) => !v.builtin);
  const item = (id: string, label: string, icon: Parameters<typeof Icon>[0]["name"], n: number | undefined) => (
    <div key={id} role="menuitemradio" tabIndex={-1} aria-checked={id === current} className="view-item"
      aria-label={n === undefined ? label : `${label}, ${countLabel(n)} ${n === 1 ? "conversation" : "conversations"}`}
      onClick={() => pick(id)} onKeyDown={(ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(id); } }}>
      <Icon name={icon} size={15} />
      <span className="view-item-name">{label}</span>
      <span className="view-count" aria-hidden="true">{countLabel(n)}</span>
    </div>
  );
  return (
    <>
      {/* its name is what it shows: "View: Refunds 3 conversations" */}
      <button ref={p.trigger} type="button" className="view-title" aria-haspopup="menu" aria-expanded={p.open}
        title="Switch view (v)" onClick={() => p.setOpen((o) => !o)}
        onKeyDown={(ev) => { if (ev.key === "ArrowDown") { ev.preventDefault(); p.setOpen(true); } }}>
        <span className="sr-only">View: </span>
        <span className="view-name">{name}</span>
        {total !== undefined && <span className="view-total">{countLabel(total)}<span className="sr-only"> {total === 1 ? "conversation" : "conversations"}</span></span>}
        <Icon name="chevronDown" size={16} className="chev" />
      </button>
      {p.open && createPortal(
        <div ref={p.panel} className="popover views-menu" role="menu" aria-label="Views" style={p.pos}
          onKeyDown={(ev) => roving(ev, p.panel.current, () => p.close())}>
          {item("", "All conversations", "conversations", allCount)}
          <div className="menu-label" role="presentation">Views</div>
          {views === null ? <p className="views-loading" role="status"><Icon name="spinner" className="spin" size={14} />Loading the views…</p>
            : builtin.map((v) => item(v.id, v.name, viewIcon(v), counts[v.id]))}
          {own.length > 0 && <div className="menu-label" role="presentation">Saved views</div>}
          {own.map((v) => item(v.id, v.name, viewIcon(v), counts[v.id]))}
          {onManage && <>
            <hr />
            <div role="menuitem" tabIndex={-1} className="view-manage" onClick={() => { p.close(false); onManage(); }}
              onKeyDown={(ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); p.close(false); onManage(); } }}>
              <Icon name="edit" size={14} /><span>{own.length ? "Manage saved views…" : "Create a saved view…"}</span>
            </div>
          </>}
        </div>,
        document.body,
      )}
    </>
  );
}

// Row is one conversation; it draws again only when what it shows changed
// (onOpen must keep its identity).
const Row = memo(function Row({ c, selected, unread, onOpen, team, me, showStatus, teamName: tn, custom }: {
  c: Conv; selected: boolean; unread: number; onOpen: (id: string) => void; team: Map<string, Agent>; me: string; showStatus: boolean;
  teamName: string; // the team it is given to, "" none
  custom: string; // its custom status's label, "" none
}) {
  const name = who(c);
  const p = preview(c);
  const at = c.last_at ?? c.opened_at;
  return (
    <li>
      <button type="button" className={`conv${unread ? " has-unread" : ""}`} data-conv={c.id} data-channel={c.channel || "web"} aria-current={selected} onClick={() => onOpen(c.id)}>
        <span className="conv-main">
          <span className="conv-top">
            <strong className="conv-name">{name}</strong>
            {at ? <time className="conv-time" dateTime={new Date(at).toISOString()} title={full(at)}>{ago(at)}</time> : null}
          </span>
          <span className="conv-bottom">
            <span className="preview">
              {/* an e-mail conversation: its subject, then the last message (its icon is on the avatar) */}
              {c.channel === "email" && c.subject && <strong className="subject">{c.subject}</strong>}
              {p.attachment && <Icon name="clip" size={12} className="clip" />}
              {p.text ? <span className="last">{c.channel === "email" && c.subject ? <span aria-hidden="true">– </span> : null}{p.text}</span>
                : c.channel === "email" && c.subject ? null : <em>No messages yet</em>}
            </span>
            {unread ? <span className="unread count" aria-label={`${unread} unread`}>{unread}</span> : null}
          </span>
          <span className="conv-tags">
            {custom ? (
              <span className={`tag custom-status status-${canonical(c.status)}`} title={`${statusLabel(c.status)}: ${custom}`}>
                <span className="tag-text">{custom}</span>
                {canonical(c.status) === "on_hold" && c.snooze_until ? <span className="until"> {untilText(c.snooze_until)}</span> : null}
              </span>
            ) : canonical(c.status) === "on_hold" ? (
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
        {/* drawn first (CSS order), read after the row's words: its name is the channel's */}
        <ChannelAvatar id={c.contact ?? c.id} name={name} channel={c.channel} />
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
