// Linked, merged and split conversations on screen: a conversation named
// in a line (ConvRef, which opens it), the header's "Link conversation…"
// and "Merge into…" dialogs, the panel's "Linked conversations" and the
// banner of a merged conversation. What they say and which conversations
// they offer is links.ts's.

import { useEffect, useMemo, useState } from "react";
import type { Connection } from "../widget/protocol";
import { Conv, who } from "./inbox";
import { Icon } from "./icons";
import { directionLabel, directionOf, linkTargets, mergeTargets, titleOf } from "./links";
import { answerOf, searchFrame } from "./search";
import { canonical, statusLabel } from "./status";
import { ago, full } from "./timeline";
import { Avatar, Badge, Dialog, Notice } from "./ui";

// ConvRef names another conversation in a line by its subject or last
// message, a button that opens it; one the console does not have is its id.
export function ConvRef({ id, convs, onOpen, max = 40 }: { id: string; convs: Map<string, Conv>; onOpen: (id: string) => void; max?: number }) {
  const c = convs.get(id);
  return (
    <button type="button" className="conv-ref" title={`Open ${c ? `${who(c)}'s conversation` : "the conversation"} #${id}`} onClick={() => onOpen(id)}>
      {c ? <>“{titleOf(c, max)}”</> : <>#{id}</>}
    </button>
  );
}

// openedAgo says when a conversation opened: "just now", "5m ago", "4 Nov".
const openedAgo = (ts: number) => {
  const a = ago(ts);
  return a === "now" ? "just now" : /^\d+[mhd]$/.test(a) ? `${a} ago` : `on ${a}`;
};

// Pick is one conversation to choose in a dialog: the customer, what it
// is about, its status and when it was last active.
function Pick({ c, chosen, onChoose, name, sub }: { c: Conv; chosen: boolean; onChoose: () => void; name: string; sub?: string }) {
  const at = c.last_at ?? c.opened_at;
  return (
    <button type="button" role="radio" aria-checked={chosen} className="pick" onClick={onChoose} data-conv={c.id}>
      <Avatar id={c.contact ?? c.id} name={who(c)} size="sm" />
      <span className="pick-main">
        <span className="pick-top"><strong>{name}</strong><span className="when" title={full(at)}>{ago(at)}</span></span>
        <span className="pick-text">{sub ?? titleOf(c, 80)}</span>
      </span>
      <Badge kind={canonical(c.status)}>{statusLabel(c.status)}</Badge>
      <span className="pick-tick" aria-hidden="true">{chosen && <Icon name="check" size={14} />}</span>
    </button>
  );
}

// Picks is a group of Pick radios; the arrow keys move between them.
function Picks({ label, labelledBy, children }: { label?: string; labelledBy?: string; children: React.ReactNode }) {
  const key = (ev: React.KeyboardEvent<HTMLDivElement>) => {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    const all = Array.from(ev.currentTarget.closest(".pick-list, .dialog-body")?.querySelectorAll<HTMLElement>("[role=radio]") ?? []);
    const i = all.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    ev.preventDefault();
    all[(i + (ev.key === "ArrowDown" ? 1 : -1) + all.length) % all.length]?.focus();
  };
  return <div role="radiogroup" aria-label={label} aria-labelledby={labelledBy} className="picks" onKeyDown={key}>{children}</div>;
}

// LinkDialog links the conversation to another: the customer's others
// first, then, as the agent types, conversations whose customer, last
// message or id match and those whose messages the edge's search finds.
export function LinkDialog({ conv, convs, conn, onClose, onLink }: {
  conv: Conv; convs: Map<string, Conv>; conn: Connection; onClose: () => void;
  onLink: (other: string) => Promise<string>; // the edge's refusal, or ""
}) {
  const [q, setQ] = useState("");
  const [chosen, setChosen] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [found, setFound] = useState<{ q: string; convs: Conv[]; error: string } | null>(null);
  const { same, others } = useMemo(() => linkTargets(conv, convs.values(), q), [conv, convs, q]);
  // the edge's search finds conversations by the words of any message
  useEffect(() => {
    const words = q.trim();
    if (words.length < 2) {
      setFound(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      void conn.request(searchFrame(words, 20)).then((r) => {
        if (!live) return;
        const a = answerOf(r);
        if ("error" in a) setFound({ q: words, convs: [], error: a.error });
        else {
          const linked = new Set([conv.id, ...(conv.links ?? []).map((l) => l.conv), ...same.map((c) => c.id), ...others.map((c) => c.id)]);
          const list: Conv[] = [];
          for (const h of a.hits) {
            if (linked.has(h.conversation.id)) continue;
            linked.add(h.conversation.id);
            list.push(convs.get(h.conversation.id) ?? (h.conversation as Conv));
          }
          setFound({ q: words, convs: list, error: "" });
        }
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q]);
  const submit = async () => {
    if (!chosen || busy) return;
    setBusy(true);
    const err = await onLink(chosen);
    setBusy(false);
    if (err) setError(err);
    else onClose();
  };
  const group = (title: string, list: Conv[]) => list.length > 0 && (
    <div className="pick-group">
      <p className="menu-label" id={`lg-${title.replace(/\W+/g, "")}`}>{title}</p>
      <Picks labelledBy={`lg-${title.replace(/\W+/g, "")}`}>
        {list.map((c) => <Pick key={c.id} c={c} name={who(c)} chosen={chosen === c.id} onChoose={() => setChosen(c.id)} />)}
      </Picks>
    </div>
  );
  const nothing = same.length === 0 && others.length === 0 && !(found && found.convs.length);
  return (
    <Dialog label="link-title" onClose={onClose} wide>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="dialog-head">
          <div>
            <h2 id="link-title">Link conversation</h2>
            <p>Linked conversations list each other in the side panel, so whoever opens one finds the other. Nothing else changes.</p>
          </div>
        </div>
        <div className="dialog-body">
          <label className="search link-search">
            <span className="sr-only">Find a conversation</span>
            <Icon name="search" size={14} />
            <input className="input" type="search" value={q} autoFocus placeholder="Customer, words of a message, or #id" autoComplete="off"
              onChange={(e) => { setQ(e.currentTarget.value); setChosen(""); }} />
          </label>
          <div className="pick-list">
            {group(`${who(conv)}'s other conversations`, same)}
            {group("Other conversations", others)}
            {found && found.q === q.trim() && group("Found in messages", found.convs)}
            {found && found.error && <p className="hint">The message search failed: {found.error}</p>}
            {nothing && (
              <p className="pick-empty">{q.trim() ? <>No conversation matches “{q.trim()}”{found ? "" : "…"}.</> : `${who(conv)} has no other conversation. Search for another customer's.`}</p>
            )}
          </div>
          {error && <Notice kind="error"><p>Not linked: {error}</p></Notice>}
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={!chosen || busy}><Icon name="link" size={14} />Link</button>
        </div>
      </form>
    </Dialog>
  );
}

// MergeDialog merges the conversation into another of the same customer:
// the customer's others that are still open, from the edge's contact
// record (the side panel's past conversations), then what merging does,
// before the agent confirms.
export function MergeDialog({ conv, convs, conn, onClose, onMerge }: {
  conv: Conv; convs: Map<string, Conv>; conn: Connection; onClose: () => void;
  onMerge: (into: string) => Promise<string>; // the edge's refusal, or ""
}) {
  const [list, setList] = useState<Conv[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [chosen, setChosen] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const load = () => {
    setLoadError("");
    if (!conv.contact) {
      setList(mergeTargets(conv, convs.values()));
      return;
    }
    void conn.request({ type: "contact", contact: conv.contact }).then((r) => {
      if (r.type !== "contact") {
        setLoadError(r.message ?? "the edge did not answer");
        setList(mergeTargets(conv, convs.values()));
        return;
      }
      // the edge's record, with what live events brought since
      const theirs = (r.conversations ?? []).map((c) => { const mine = convs.get(c.id); return mine && mine.last_seq >= c.last_seq ? mine : c; });
      setList(mergeTargets(conv, theirs));
    });
  };
  useEffect(load, [conv.id]);
  const target = list?.find((c) => c.id === chosen);
  const submit = async () => {
    if (!target || busy) return;
    setBusy(true);
    const err = await onMerge(target.id);
    setBusy(false);
    if (err) setError(err);
    else onClose();
  };
  const name = who(conv);
  return (
    <Dialog label="merge-title" onClose={onClose} wide>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="dialog-head">
          <div>
            <h2 id="merge-title">Merge into another conversation</h2>
            <p>Choose which of {name}'s open conversations this one becomes part of.</p>
          </div>
        </div>
        <div className="dialog-body">
          {list === null ? (
            <div className="pick-loading" aria-busy="true"><p role="status" className="sr-only">Loading {name}'s conversations…</p>
              {[0, 1].map((i) => <span key={i} className="skeleton" style={{ height: 44, borderRadius: 8 }} />)}</div>
          ) : list.length === 0 ? (
            <div className="pick-empty">
              <p><strong>Nothing to merge into.</strong> {name} has no other open conversation: a closed or merged one takes nothing more.</p>
              {loadError && <p className="hint">The customer's conversations could not be loaded: {loadError}</p>}
            </div>
          ) : (
            <Picks label={`${name}'s open conversations`}>
              {list.map((c) => <Pick key={c.id} c={c} name={titleOf(c, 60)} chosen={chosen === c.id} onChoose={() => setChosen(c.id)}
                sub={`Opened ${openedAgo(c.opened_at)}${c.messages ? ` · ${c.messages} ${c.messages === 1 ? "message" : "messages"}` : ""} · #${c.id}`} />)}
            </Picks>
          )}
          {target && (
            <div className="merge-what" role="note">
              <p className="merge-what-title"><Icon name="merge" size={14} />What merging does</p>
              <ul>
                <li>This conversation is <strong>closed</strong> and points to the one chosen, “{titleOf(target, 40)}”: its banner leads there.</li>
                <li>Every message stays where it was written, and the one chosen lists this one as merged into it, one click away.</li>
                <li>A merge cannot be undone.</li>
              </ul>
            </div>
          )}
          {error && <Notice kind="error"><p>Not merged: {error}</p></Notice>}
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn danger" disabled={!target || busy}><Icon name="merge" size={14} />Merge and close this one</button>
        </div>
      </form>
    </Dialog>
  );
}

// MergeBanner stands above the timeline of a merged conversation ("Merged
// into … — Open") and of one others were merged into ("Merged from …").
export function MergeBanner({ conv, convs, onOpen }: { conv: Conv; convs: Map<string, Conv>; onOpen: (id: string) => void }) {
  if (conv.merged_into) {
    const into = convs.get(conv.merged_into);
    return (
      <div className="merge-banner" role="note">
        <Icon name="merge" size={16} />
        <p>Merged into <ConvRef id={conv.merged_into} convs={convs} onOpen={onOpen} max={60} /> <span className="conv-id">#{conv.merged_into}</span>
          {into ? <> · <Badge kind={canonical(into.status)}>{statusLabel(into.status)}</Badge></> : null}
          <span className="merge-note">This conversation is closed: continue there.</span>
        </p>
        <button type="button" className="btn sm primary" onClick={() => onOpen(conv.merged_into!)}>Open<Icon name="openIn" size={14} /></button>
      </div>
    );
  }
  if (conv.merged_from?.length) {
    return (
      <div className="merge-banner from" role="note">
        <Icon name="merge" size={16} />
        <p>Merged from {conv.merged_from.map((id, i) => <span key={id}>{i > 0 && ", "}<ConvRef id={id} convs={convs} onOpen={onOpen} /></span>)}
          <span className="merge-note">{conv.merged_from.length === 1 ? "Its messages stay in its own timeline." : "Their messages stay in their own timelines."}</span>
        </p>
      </div>
    );
  }
  return null;
}

// LinkedSection lists the conversation's links in the side panel: each
// other conversation with its status, what it is about and how it is
// linked (related, split off this one, split from); a click opens it, and
// a related link can be removed.
export function LinkedSection({ conv, convs, onOpen, onUnlink }: {
  conv: Conv; convs: Map<string, Conv>; onOpen: (id: string) => void; onUnlink: (id: string) => void;
}) {
  const links = conv.links ?? [];
  const merged = [...(conv.merged_into ? [{ conv: conv.merged_into, label: "Merged into" }] : []), ...(conv.merged_from ?? []).map((id) => ({ conv: id, label: "Merged from" }))];
  return (
    <section className="panel-section" aria-labelledby="linked-title">
      <h3 id="linked-title"><Icon name="link" size={14} />Linked conversations{links.length + merged.length ? ` (${links.length + merged.length})` : ""}</h3>
      {links.length + merged.length === 0 ? (
        <p className="hint">None. Link a related one with <strong>More actions</strong> (<span className="sr-only">the </span>•••) in the header.</p>
      ) : (
        <ul className="past linked">
          {[...merged.map((m) => ({ id: m.conv, label: m.label, related: false })),
            ...links.map((l) => ({ id: l.conv, label: directionLabel[directionOf(l, conv)], related: l.kind === "related" }))].map(({ id, label, related }) => {
            const c = convs.get(id);
            return (
              <li key={`${label}:${id}`} className="linked-item">
                <button type="button" onClick={() => onOpen(id)} title={c ? `${who(c)}: ${titleOf(c, 200)}` : `#${id}`}>
                  <span className="past-top">
                    <span className="link-kind">{label}</span>
                    {c && <Badge kind={canonical(c.status)}>{statusLabel(c.status)}</Badge>}
                  </span>
                  <span className="linked-text">{c ? <><strong>{who(c)}</strong> · {titleOf(c)}</> : <>#{id}</>}</span>
                </button>
                {related && (
                  <button type="button" className="btn sm ghost icon-only unlink" aria-label={`Unlink ${c ? titleOf(c) : `#${id}`}`} title="Unlink" onClick={() => onUnlink(id)}>
                    <Icon name="unlink" size={14} />
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
