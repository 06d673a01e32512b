// Search: every message of the tenant's conversations, by its words (the
// search frame, docs/search.md), from the rail or Ctrl+K anywhere. Each
// hit shows the customer, the conversation's status and team, who wrote
// it and when, and a snippet with the words found highlighted (React
// nodes built from the edge's code-point ranges, search.ts: never HTML).
// A hit opens its conversation at that message. What was searched stays
// when the agent comes back.

import { RefObject, useEffect, useRef } from "react";
import type { Agent, Team } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import { Icon } from "./icons";
import { Conv, who } from "./inbox";
import { agentName } from "./people";
import { Answer, answerOf, authorOf, highlight, queryProblem, SearchHit, searchFrame, totalText } from "./search";
import { canonical, statusLabel } from "./status";
import { teamName } from "./teams";
import { ago, full } from "./timeline";
import { Avatar, Badge } from "./ui";

// Found is the search page's state, kept by the console between visits.
export interface Found {
  text: string; // what is typed
  asked: string; // what the answer is for
  answer: Answer | null;
  error: string;
  loading: boolean;
}

export const noSearch: Found = { text: "", asked: "", answer: null, error: "", loading: false };

export function SearchPage({ conn, state, onState, onOpen, input, teams, team, me, convs }: {
  conn: Connection; state: Found; onState: (f: (s: Found) => Found) => void;
  onOpen: (hit: SearchHit) => void; input: RefObject<HTMLInputElement | null>;
  teams: Team[]; team: Map<string, Agent>; me: string;
  convs: Map<string, Conv>; // the list's, newer than a hit's when live events came since
}) {
  const asked = useRef(0);
  const run = (text: string) => {
    const problem = queryProblem(text);
    const n = ++asked.current;
    if (problem) {
      onState((s) => ({ ...s, asked: text.trim(), answer: null, loading: false, error: text.trim() ? problem : "" }));
      return;
    }
    onState((s) => ({ ...s, loading: true, error: "" }));
    void conn.request(searchFrame(text)).then((r) => {
      if (n !== asked.current) return; // a later search is on its way
      const a = answerOf(r);
      onState((s) => ("error" in a ? { ...s, loading: false, asked: text.trim(), answer: null, error: a.error }
        : { ...s, loading: false, asked: text.trim(), answer: a, error: "" }));
    });
  };
  // as the agent types, a moment after the last key
  useEffect(() => {
    if (state.text.trim() === state.asked && (state.answer || state.error)) return;
    const t = setTimeout(() => run(state.text), 300);
    return () => clearTimeout(t);
  }, [state.text]);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const results = useRef<HTMLOListElement>(null);
  const key = (ev: React.KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      run(state.text);
    } else if (ev.key === "ArrowDown") {
      ev.preventDefault();
      results.current?.querySelector<HTMLElement>("button.hit")?.focus();
    } else if (ev.key === "Escape" && state.text) {
      ev.preventDefault();
      onState((s) => ({ ...s, text: "" }));
    }
  };
  const move = (ev: React.KeyboardEvent<HTMLOListElement>) => {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    const all = Array.from(results.current?.querySelectorAll<HTMLElement>("button.hit") ?? []);
    const i = all.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    ev.preventDefault();
    if (ev.key === "ArrowUp" && i === 0) input.current?.focus();
    else all[Math.min(all.length - 1, Math.max(0, i + (ev.key === "ArrowDown" ? 1 : -1)))]?.focus();
  };
  const { answer, error, loading } = state;
  const q = state.asked;
  return (
    <div className="settings search-page" role="region" aria-labelledby="search-title">
      <div className="settings-inner">
        <div className="page-head">
          <div>
            <h1 id="search-title">Search</h1>
            <p className="lede">Every message, private note and e-mail subject of every conversation: all the words must be in it. Customers' names are in the conversation list's filter.</p>
          </div>
        </div>
        <form className="search big-search" role="search" onSubmit={(e) => { e.preventDefault(); run(state.text); }}>
          <label className="sr-only" htmlFor="message-search">Search messages</label>
          <Icon name="search" size={18} />
          <input ref={input} id="message-search" className="input" type="search" value={state.text} maxLength={400} autoComplete="off" spellCheck={false}
            placeholder="Search messages, e.g. refund teapot" aria-describedby="search-said"
            onChange={(e) => { const text = e.currentTarget.value; onState((s) => ({ ...s, text })); }} onKeyDown={key} />
          {state.text && (
            <button type="button" className="btn sm ghost icon-only clear" aria-label="Clear the search" title="Clear (Esc)"
              onClick={() => { onState((s) => ({ ...s, text: "" })); input.current?.focus(); }}><Icon name="close" size={14} /></button>
          )}
          {loading ? <Icon name="spinner" size={16} className="spin" /> : <kbd aria-hidden="true">Ctrl K</kbd>}
        </form>
        <p id="search-said" className="search-said" role="status">
          {loading ? "Searching…" : error ? "" : answer ? (answer.total ? `${totalText(answer)} for “${q}”` : "") : ""}
        </p>
        {error ? (
          <div className="card"><div className="state" role="alert">
            <div className="state-icon error"><Icon name="alert" size={22} /></div>
            <h2>Not searched</h2>
            <p>The edge says: {error}</p>
          </div></div>
        ) : loading && !answer ? (
          <div className="card hits-loading" aria-hidden="true">
            {[0, 1, 2, 3].map((i) => (
              <div key={i} className="conv-skeleton">
                <span className="skeleton round" /><span className="lines"><span className="skeleton" style={{ width: `${30 + i * 7}%` }} /><span className="skeleton" style={{ width: `${80 - i * 6}%` }} /></span>
              </div>
            ))}
          </div>
        ) : answer && answer.hits.length === 0 ? (
          <div className="card"><div className="state">
            <div className="state-icon"><Icon name="search" size={22} /></div>
            <h2>No messages match “{q}”</h2>
            <p>Every word must be in one message, spelt as written there: “parcel” does not find “parcels”. Try fewer or other words.</p>
          </div></div>
        ) : answer ? (
          <ol ref={results} className={`card hits${loading ? " stale" : ""}`} aria-label={`Messages that match “${q}”`} onKeyDown={move}>
            {answer.hits.map((h) => <Hit key={`${h.conversation.id}:${h.seq}`} hit={h} conv={convs.get(h.conversation.id) ?? (h.conversation as Conv)}
              teams={teams} team={team} me={me} onOpen={onOpen} />)}
          </ol>
        ) : (
          <div className="card"><div className="state">
            <div className="state-icon"><Icon name="find" size={22} /></div>
            <h2>Search every conversation</h2>
            <p>Type words from a message: an order number, a product, what the customer asked. <kbd>Ctrl</kbd> <kbd>K</kbd> brings you here from anywhere.</p>
          </div></div>
        )}
      </div>
    </div>
  );
}

function Hit({ hit, conv, teams, team, me, onOpen }: {
  hit: SearchHit; conv: Conv; teams: Team[]; team: Map<string, Agent>; me: string; onOpen: (h: SearchHit) => void;
}) {
  const name = who(conv);
  const status = canonical(conv.status);
  return (
    <li>
      <button type="button" className="hit" data-conv={conv.id} data-seq={hit.seq} onClick={() => onOpen(hit)}>
        <Avatar id={conv.contact ?? conv.id} name={name} />
        <span className="hit-main">
          <span className="hit-top">
            <strong className="hit-name">{name}</strong>
            <Badge kind={status}>{statusLabel(status)}</Badge>
            {conv.team && <span className="tag team-tag"><Icon name="team" size={11} />{teamName(conv.team, teams)}</span>}
            {conv.assignee && <span className="tag assignee"><Avatar id={conv.assignee} name={agentName(conv.assignee, team)} size="xs" />{conv.assignee === me ? "You" : agentName(conv.assignee, team)}</span>}
            <span className="hit-when"><time dateTime={new Date(hit.ts).toISOString()} title={full(hit.ts)}>{ago(hit.ts)}</time></span>
          </span>
          {conv.subject && <span className="hit-subject">{conv.subject}</span>}
          <span className={`hit-snippet${hit.private ? " note" : ""}`}>
            <span className={`hit-author ${hit.private ? "note" : hit.actor_kind}`}>{hit.private && <Icon name="note" size={11} />}{authorOf(hit)}</span>
            <span className="hit-text">
              {/* the words found, as React nodes from the edge's code-point ranges: never HTML */}
              {highlight(hit.snippet, hit.marks).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
            </span>
          </span>
        </span>
        <Icon name="chevronRight" size={16} className="hit-go" />
      </button>
    </li>
  );
}
