// The open conversation: its header (customer, assignee, status, priority,
// snooze), its timeline (paged back to the first message as the agent
// scrolls up, with day separators and times), and the reply box (replies
// and private notes, files, canned responses). An e-mail conversation
// shows its subject, each mail as a card with its headers, its quoted part
// folded, its sender's verification and, for a reply, its delivery; its
// reply box names the recipients (To, Cc, Reply all). The header gives it
// to a team, links it to another conversation or merges it into one (the
// More menu), and says, where Solve was pressed, which fields a Solve
// refused needs; a customer's message splits off into a new conversation,
// and a message a search found is scrolled to and highlighted. A
// conversation from a messaging platform shows the platform's icon, its
// reply window above the reply box and, under each reply, what became of
// it (channel-ui.tsx).

import { RefObject, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Address, Agent, CustomStatus, Delivery, FieldDef, Macro, Rule, Team, Template } from "../protocol.gen";
import { fetchAttachment, Fetched, uploadAttachment } from "../widget/attachment";
import { Analysis, Connection, Item } from "../widget/protocol";
import { Cooldown, tooMany } from "../throttle";
import { Canned, Conv, matching, Priorities, reading, segments, who } from "./inbox";
import { canonical, noteOnly, statusesBefore, statusIcons, statusLabel, statusText } from "./status";
import { customText, pickerChoices, pickerValue, statusName } from "./custom-statuses";
import { agentName } from "./people";
import { custom, isoDate, presets, untilText } from "./snooze";
import { clock, full, Loaded, messages, Row, rows } from "./timeline";
import { uploadRefused } from "./session";
import { Icon, IconName } from "./icons";
import { automationSaid, ruleName, ruleOfActor } from "./automation";
import { MacroMenu } from "./macro-menu";
import { Avatar, Badge, Dialog, Menu, MenuItem, Option, Select, Tabs, toast } from "./ui";
import { CallButton, CallEntry } from "./callpanel";
import { SLAClock } from "./sla-clock";
import { TagEditor } from "./tag-editor";
import { tagsText } from "./tags";
import { stageOf, stageText } from "./sla";
import { addressLabel, addUnique, deliveryView, formatAddress, parseAddresses, recipientsFrame, replyAll, Thread, thread, verdict } from "./email";
import { empty, fieldsText } from "./fields";
import { byName, teamText } from "./teams";
import { linkText, mergeable, mergeText, Said } from "./links";
import { ConvRef, LinkDialog, MergeBanner, MergeDialog } from "./links-ui";
import { channelInfo } from "./channels";
import { ChannelAvatar, DeliveryMark, MarkIcon, useWindow, WindowBanner } from "./channel-ui";
import { repliesSince, Windows } from "./reply-window";
import { emptyDraft, TemplateCard, TemplateComposer } from "./template-ui";
import { Draft, loadRecent, remember, saveRecent } from "./templates";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// Actions are what the header and the keyboard shortcuts do to the open
// conversation.
export interface Actions {
  assign(agent: string): void;
  status(status: string, snoozeUntil?: number): void;
  priority(priority: string): void;
  // tags adds and removes tags; it resolves true when the edge took the
  // change (a refusal is said in a toast).
  tags(add: string[], remove: string[]): Promise<boolean>;
  // team gives the conversation to a team ("" none).
  team(team: string): void;
  // fields, link, merge and split resolve to the edge's refusal, or ""
  // once it took them (the caller says the refusal where it belongs).
  fields(values: Record<string, string>, clear: string[]): Promise<string>;
  link(other: string, remove?: boolean): Promise<string>;
  merge(into: string): Promise<string>;
  split(seq: number): Promise<string>;
}

// Hooks are what the actions tell the rest of the console.
export interface Hooks {
  // refused takes a refused status change: true when it says it itself
  // (a Solve that needs fields, beside Solve) rather than in a toast.
  refused?: (status: string, message: string) => boolean;
  teamName?: (id: string) => string;
  refresh?: (id: string) => void; // the other side of a link or a merge: the edge sends its change to none
  opened?: (c: Conv) => void; // a split's new conversation: opened for the agent
  customLabel?: (id: string) => string | undefined; // a custom status's label, by its id
}

export function actions(conn: Connection, conv: Conv, names: (id: string) => string, hooks: Hooks = {}): Actions {
  const answer = (what: string, refused = what) => (r: { type: string; message?: string }) => {
    if (r.type === "error") toast(`${refused}: ${r.message ?? "the edge refused it"}`, "error");
    else toast(what);
  };
  const refusal = (r: { type: string; message?: string; code?: string }) => (r.type === "error" ? r.message || r.code || "the edge refused it" : "");
  // what a status change says when done: "Solved", "On hold until 14:05"
  const done = (status: string, until?: number) =>
    hooks.customLabel?.(status) ? `Status: ${hooks.customLabel(status)}`
    : status === "on_hold" ? (until ? `On hold ${untilText(until)}` : "On hold")
      : status === "open" && canonical(conv.status) !== "new" ? "Reopened"
        : status === "pending" ? "Marked pending" : statusLabel(status);
  return {
    assign: (agent) => void conn.request({ type: "assign", conv: conv.id, agent })
      .then(answer(agent ? `Assigned to ${names(agent)}` : "Unassigned")),
    // the edge refuses a change its table does not allow: its message says why
    status: (status, until) => void conn.request({ type: "status", conv: conv.id, status, ...(until ? { snooze_until: until } : {}) })
      .then((r) => {
        if (r.type === "error" && hooks.refused?.(status, r.message ?? "")) return;
        answer(done(status, until), "The status was not changed")(r);
      }),
    priority: (priority) => void conn.request({ type: "priority", conv: conv.id, priority })
      .then(answer(`Priority ${priority}`)),
    // the edge lowers and checks the tags: its message says what is wrong
    tags: (add, remove) => conn.request({ type: "tags", conv: conv.id, ...(add.length ? { add_tags: add } : {}), ...(remove.length ? { remove_tags: remove } : {}) })
      .then((r) => {
        if (r.type !== "error") return true;
        toast(`The tags were not changed: ${r.message ?? "the edge refused it"}`, "error");
        return false;
      }),
    team: (team) => void conn.request({ type: "assign_team", conv: conv.id, team })
      .then(answer(team ? `Given to ${hooks.teamName?.(team) ?? "the team"}` : "No team now", "The team was not changed")),
    fields: (values, clear) => conn.request({ type: "set_fields", conv: conv.id, ...(Object.keys(values).length ? { values } : {}), ...(clear.length ? { clear } : {}) })
      .then(refusal),
    link: (other, remove) => conn.request({ type: "link", conv: conv.id, other, ...(remove ? { delete: true } : {}) }).then((r) => {
      const err = refusal(r);
      if (!err) {
        hooks.refresh?.(other);
        toast(remove ? "Unlinked" : "Linked");
      }
      return err;
    }),
    merge: (into) => conn.request({ type: "merge", conv: conv.id, into }).then((r) => {
      const err = refusal(r);
      if (!err) {
        hooks.refresh?.(into);
        toast("Merged: this conversation is closed");
      }
      return err;
    }),
    split: (seq) => conn.request({ type: "split", conv: conv.id, seq }).then((r) => {
      const err = refusal(r);
      if (err) return err;
      hooks.refresh?.(conv.id);
      if (r.conversation) hooks.opened?.(r.conversation);
      toast("Split into a new conversation");
      return "";
    }),
  };
}

// Refusal is a Solve the edge refused for want of fields: its words, and
// the fields it names (fields.ts's missingOf).
export interface Refusal {
  conv: string;
  message: string;
  missing: string[];
}

// Look is what the timeline and the header name and open things with:
// the tenant's teams and fields, the loaded conversations, and opening one.
export interface Look {
  teams: Team[];
  defs: FieldDef[];
  convs: Map<string, Conv>;
  onOpen: (id: string) => void;
  statuses?: CustomStatus[]; // the tenant's custom statuses
}

export function ConversationView({ conv, loaded, onOlder, conn, me, team, presence, typing, canned, token, uploadWait, reply, act, onDetails, detailsOpen, callSlot, knownTags = [],
  rules = [], macros = [], onMacros = () => undefined, look, refusal, onFixFields, onDismissRefusal, focus, onFocused }: {
  conv: Conv; loaded: Loaded; onOlder: () => void; conn: Connection; me: string; team: Map<string, Agent>; presence: Map<string, string>;
  typing: boolean; canned: Canned[]; token: string; uploadWait: Cooldown; reply: RefObject<HTMLTextAreaElement | null>; act: Actions;
  onDetails: () => void; detailsOpen: boolean; callSlot?: React.ReactNode;
  knownTags?: string[]; // the loaded conversations' tags, suggested when adding one
  rules?: Rule[]; // the automation rules: what a rule changed shows under its name
  macros?: Macro[]; // the reply box's Macros menu
  onMacros?: (m: Macro[]) => void; // the macros as the menu found them
  look: Look;
  refusal?: Refusal; // a Solve refused for want of fields, said beside Solve
  onFixFields: () => void; // open the side panel at the fields a Solve needs
  onDismissRefusal: () => void;
  focus?: number; // a message to scroll to and highlight (a search's hit)
  onFocused: () => void;
}) {
  // What the agent has on screen is read: tell the customer.
  let lastCustomer = 0;
  for (const it of loaded.items) if (it.kind === "message" && it.actor_kind === "customer") lastCustomer = it.seq;
  useEffect(() => {
    if (lastCustomer) void conn.request({ type: "read", conv: conv.id, seq: lastCustomer });
  }, [conv.id, lastCustomer]);
  const mail = conv.channel === "email" ? thread(loaded.items) : undefined;
  return (
    <section className="conversation" aria-label={`Conversation with ${who(conv)}`}>
      <Header conv={conv} me={me} team={team} presence={presence} act={act} onDetails={onDetails} detailsOpen={detailsOpen} callSlot={callSlot} knownTags={knownTags}
        look={look} conn={conn} refusal={refusal?.conv === conv.id ? refusal : undefined} onFixFields={onFixFields} onDismissRefusal={onDismissRefusal} />
      <MergeBanner conv={conv} convs={look.convs} onOpen={look.onOpen} />
      <Timeline conv={conv} loaded={loaded} onOlder={onOlder} team={team} me={me} token={token} mail={mail} rules={rules} look={look}
        onSplit={(seq) => void act.split(seq).then((err) => { if (err) toast(`Not split: ${err}`, "error"); })} focus={focus} onFocused={onFocused} />
      <p className="typing" aria-live="polite">{typing ? "The customer is typing…" : ""}</p>
      <Composer conv={conv} conn={conn} canned={canned} token={token} uploadWait={uploadWait} reply={reply} mail={mail}
        replies={repliesSince(loaded.items, conv.customer_at)}
        macros={<MacroMenu conv={conv.id} conn={conn} macros={macros} onMacros={onMacros} names={{ agent: (id) => agentName(id, team), inbox: () => "an inbox" }} />} />
    </section>
  );
}

function Header({ conv, me, team, presence, act, onDetails, detailsOpen, callSlot, knownTags, look, conn, refusal, onFixFields, onDismissRefusal }: {
  conv: Conv; me: string; team: Map<string, Agent>; presence: Map<string, string>; act: Actions; onDetails: () => void; detailsOpen: boolean;
  callSlot?: React.ReactNode; knownTags: string[]; look: Look; conn: Connection;
  refusal?: Refusal; onFixFields: () => void; onDismissRefusal: () => void;
}) {
  const [snoozing, setSnoozing] = useState(false);
  const [dialog, setDialog] = useState<"" | "link" | "merge">("");
  const name = who(conv);
  const agents: Option<string>[] = [
    { value: "", label: "Unassigned", icon: <span className="avatar xs empty" aria-hidden="true"><Icon name="user" size={12} /></span> },
    ...Array.from(team.values())
      .sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : agentName(a.id, team).localeCompare(agentName(b.id, team))))
      .map((a) => ({
        value: a.id, label: agentName(a.id, team) + (a.id === me ? " (you)" : ""),
        icon: <Avatar id={a.id} name={agentName(a.id, team)} size="xs" presence={presence.get(a.id) ?? "offline"} />,
        hint: presence.get(a.id) ?? "offline",
      })),
  ];
  // an assignee the team list does not have (yet) is still shown by name
  if (conv.assignee && !team.has(conv.assignee)) agents.push({ value: conv.assignee, label: agentName(conv.assignee, team) });
  // the picker offers what the lifecycle allows from here (status.ts), each
  // status followed by the tenant's custom statuses of it
  const status = canonical(conv.status);
  const customs = look.statuses ?? [];
  const statuses: Option<string>[] = pickerChoices(status, customs).map((c) => c.custom
    ? { value: c.value, label: c.label, icon: <span className={`status-dot ${c.base}`} aria-hidden="true" />, className: "custom-choice" }
    : { value: c.value, label: c.label, icon: <Icon name={statusIcons[c.value]} size={14} /> });
  const priorities: Option<string>[] = Priorities.slice().reverse().map((p) => ({ value: p, label: cap(p), icon: <Icon name="flag" size={14} className={`prio-${p}`} /> }));
  // teams by name; one deleted since is still shown as what it is
  const teams: Option<string>[] = [
    { value: "", label: "No team", icon: <span className="avatar xs empty" aria-hidden="true"><Icon name="team" size={12} /></span> },
    ...byName(look.teams).map((t) => ({ value: t.id, label: t.name, icon: <Icon name="team" size={14} />, hint: `${t.agents?.length ?? 0}` })),
  ];
  if (conv.team && !look.teams.some((t) => t.id === conv.team)) teams.push({ value: conv.team, label: "A removed team", icon: <Icon name="team" size={14} /> });
  return (
    <>
      <header className="conv-head">
        <div className="who">
          <ChannelAvatar id={conv.contact ?? conv.id} name={name} channel={conv.channel} />
          <div className="who-text">
            {conv.channel === "email" ? <h2 className="subject" title={conv.subject}>{conv.subject || "(no subject)"}</h2> : <h2>{name}</h2>}
            <p className="sub">
              {conv.channel === "email" && <span className="via"><Icon name="mail" size={12} />E-mail from {name}</span>}
              {channelInfo(conv.channel).social && <span className="via platform">{channelInfo(conv.channel).label}</span>}
              <Badge kind={`${status} status-badge`} icon={statusIcons[status]}><span className="badge-text" title={statusName(conv, customs)}>{statusName(conv, customs)}</span></Badge>
              {status === "on_hold" && conv.snooze_until ? <span>{untilText(conv.snooze_until)}</span> : null}
              {conv.priority && conv.priority !== "normal" && <Badge kind={conv.priority} icon="flag">{cap(conv.priority)}</Badge>}
              <span className="conv-id" title="Conversation id">#{conv.id}</span>
            </p>
          </div>
        </div>
        <div className="conv-actions">
          <CallButton conv={conv} />
          {/* snoozing puts the conversation on hold until a time; a closed one is final */}
          {status !== "closed" && (
            <Menu label="Snooze" title="Put on hold until a time" buttonClass="btn sm" placement="bottom-end" button={<><Icon name="alarm" size={14} />Snooze<Icon name="chevronDown" size={14} className="chev" /></>}>
              {(close) => (
                <>
                  <div className="menu-label">On hold until</div>
                  {presets().map((p) => (
                    <MenuItem key={p.id} icon="clock" hint={p.detail} onSelect={() => { close(); act.status("on_hold", p.until); }}>{p.label}</MenuItem>
                  ))}
                  <hr />
                  <MenuItem icon="calendar" onSelect={() => { close(false); setSnoozing(true); }}>Custom date and time…</MenuItem>
                </>
              )}
            </Menu>
          )}
          {status === "closed" ? (
            <span className="conv-closed" title="A closed conversation is final: a customer's next message starts a new one">
              <Icon name="lock" size={14} />Closed
            </span>
          ) : status === "solved" ? (
            <button type="button" className="btn sm" onClick={() => act.status("open")}><Icon name="reopen" size={14} />Reopen</button>
          ) : (
            <button type="button" className="btn sm primary" onClick={() => act.status("solved")} aria-keyshortcuts="e">
              <Icon name="resolve" size={14} />Solve<kbd aria-hidden="true">E</kbd>
            </button>
          )}
          <Menu label="More actions" title="More actions" buttonClass="btn sm icon-only ghost" placement="bottom-end" button={<Icon name="more" />}>
            {(close) => (
              <>
                <MenuItem icon="link" onSelect={() => { close(false); setDialog("link"); }}>Link conversation…</MenuItem>
                {mergeable(conv) && <MenuItem icon="merge" onSelect={() => { close(false); setDialog("merge"); }}>Merge into…</MenuItem>}
              </>
            )}
          </Menu>
          <button type="button" className="btn sm icon-only ghost details-toggle" aria-label="Customer details" aria-pressed={detailsOpen} onClick={onDetails} title="Customer details">
            <Icon name="panel" />
          </button>
          {refusal && <SolveRefused refusal={refusal} defs={look.defs} values={conv.fields} onFix={onFixFields} onDismiss={onDismissRefusal} />}
        </div>
      </header>
      <div className="conv-props" role="group" aria-label="Conversation properties">
        <Select label="Assignee" prefix="Assignee" value={conv.assignee ?? ""} options={agents} onChange={(v) => act.assign(v)} size="sm" className="ghost assignee" />
        <Select label="Team" prefix="Team" value={conv.team ?? ""} options={teams} onChange={(v) => act.team(v)} size="sm" className="ghost team-select" />
        <Select label="Conversation priority" prefix="Priority" value={conv.priority || "normal"} options={priorities} onChange={(v) => act.priority(v)} size="sm" className="ghost" />
        <Select label="Conversation status" prefix="Status" value={pickerValue(conv, customs)} options={statuses} size="sm" className="ghost"
          disabled={statuses.length < 2} onChange={(v) => act.status(v)} />
        <TagEditor tags={conv.tags ?? []} known={knownTags} onChange={act.tags} />
        <div className="sla-slot">{conv.sla?.length ? <SLAClock clocks={conv.sla} /> : null}</div>
      </div>
      {/* the call panel (callpanel.tsx): a call ringing, going on or the agent's own, full width above the timeline */}
      {callSlot}
      {snoozing && <SnoozeDialog onClose={() => setSnoozing(false)} onSnooze={(until) => { setSnoozing(false); act.status("on_hold", until); }} />}
      {dialog === "link" && <LinkDialog conv={conv} convs={look.convs} conn={conn} onClose={() => setDialog("")} onLink={(other) => act.link(other)} />}
      {dialog === "merge" && <MergeDialog conv={conv} convs={look.convs} conn={conn} onClose={() => setDialog("")} onMerge={(into) => act.merge(into)} />}
    </>
  );
}

// SolveRefused says, under Solve, why the edge did not solve the
// conversation (its own words: "solving needs Type, Order number: set
// them first") and leads to the fields, in the side panel. It goes once
// the fields it named have values.
function SolveRefused({ refusal, defs, values, onFix, onDismiss }: {
  refusal: Refusal; defs: FieldDef[]; values?: Record<string, string>; onFix: () => void; onDismiss: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>(".btn.primary")?.focus({ preventScroll: true });
  }, [refusal.message]);
  const left = refusal.missing.filter((k) => empty(defs.find((d) => d.key === k), values?.[k]));
  if (refusal.missing.length > 0 && left.length === 0) return null;
  return (
    <div ref={ref} className="solve-refused" role="alert" onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); onDismiss(); } }}>
      <span className="arrow" aria-hidden="true" />
      <div className="solve-refused-head">
        <Icon name="alert" size={16} />
        <p><strong>Not solved.</strong> {cap(refusal.message)}.</p>
        <button type="button" className="btn sm ghost icon-only" aria-label="Dismiss" title="Dismiss" onClick={onDismiss}><Icon name="close" size={14} /></button>
      </div>
      {left.length > 0 && (
        <p className="solve-refused-fields">{left.map((k) => defs.find((d) => d.key === k)?.label ?? k).join(" · ")}</p>
      )}
      <div className="solve-refused-foot">
        <button type="button" className="btn sm primary" onClick={onFix}><Icon name="fields" size={14} />Fill in the fields</button>
      </div>
    </div>
  );
}

// SnoozeDialog offers the presets and a date and time of the agent's
// choosing: the conversation is on hold until then.
export function SnoozeDialog({ onClose, onSnooze }: { onClose: () => void; onSnooze: (until: number) => void }) {
  const tomorrow = new Date(Date.now() + 86400_000);
  const [date, setDate] = useState(isoDate(tomorrow));
  const [time, setTime] = useState("09:00");
  const [error, setError] = useState("");
  const submit = (ev: React.FormEvent) => {
    ev.preventDefault();
    const r = custom(date, time);
    if ("error" in r) setError(r.error);
    else onSnooze(r.until);
  };
  return (
    <Dialog label="snooze-title" onClose={onClose}>
      <form onSubmit={submit}>
        <div className="dialog-head">
          <div>
            <h2 id="snooze-title">Snooze until</h2>
            <p>The conversation is on hold until then: it leaves the new and open list and comes back open at this time, or as soon as the customer writes.</p>
          </div>
        </div>
        <div className="dialog-body">
          <div className="presets" role="group" aria-label="Presets">
            {presets().map((p) => (
              <button key={p.id} type="button" className="btn preset" onClick={() => onSnooze(p.until)}>
                <Icon name="clock" size={14} /><span>{p.label}</span><span className="preset-when">{p.detail}</span>
              </button>
            ))}
          </div>
          <div className="custom-when">
            <label className="field"><span>Date</span>
              <input className="input" type="date" value={date} min={isoDate(new Date())} onChange={(e) => setDate(e.currentTarget.value)} required />
            </label>
            <label className="field"><span>Time</span>
              <input className="input" type="time" value={time} onChange={(e) => setTime(e.currentTarget.value)} required />
            </label>
          </div>
          {error && <p className="field-error" role="alert">{error}</p>}
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary">Snooze</button>
        </div>
      </form>
    </Dialog>
  );
}

// Timeline shows the loaded items and asks for the page before them when
// the agent scrolls near its top, keeping what the agent looks at in
// place; new items at the bottom follow only when it was at the bottom.
function Timeline({ conv, loaded, onOlder, team, me, token, mail, rules, look, onSplit, focus, onFocused }: {
  conv: Conv; loaded: Loaded; onOlder: () => void; team: Map<string, Agent>; me: string; token: string; mail?: Thread; rules: Rule[];
  look: Look; onSplit: (seq: number) => void; focus?: number; onFocused: () => void;
}) {
  const [hit, setHit] = useState(0); // the message a search found, highlighted a moment
  const box = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const view = useRef({ fromBottom: 0, first: 0, conv: "" });
  const [away, setAway] = useState(false); // scrolled up from the latest
  const first = loaded.items[0]?.seq ?? 0;
  const older = () => {
    const b = box.current;
    if (b && loaded.more && !loaded.loading && b.scrollTop < 400) onOlder();
  };
  useLayoutEffect(() => {
    const b = box.current;
    if (!b) return;
    const v = view.current;
    if (v.conv !== conv.id) {
      v.conv = conv.id;
      v.fromBottom = 0;
      setAway(false);
    }
    // Older items came in above, or new ones below: keep the distance from
    // the bottom (which keeps the latest in view when at the bottom, and
    // what the agent reads in place when they paged back).
    if (first !== v.first || v.fromBottom < 40) b.scrollTop = b.scrollHeight - b.clientHeight - v.fromBottom;
    v.first = first;
    older(); // a page that showed too little to scroll (readings only, say) asks for the next at once
  }, [loaded, conv.id]);
  // Images that load later grow the list: stay at the bottom when there.
  useEffect(() => {
    const b = box.current;
    if (!b || !list.current || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      if (view.current.fromBottom < 40) b.scrollTop = b.scrollHeight;
    });
    ro.observe(list.current);
    return () => ro.disconnect();
  }, [conv.id]);
  const scrolled = () => {
    const b = box.current!;
    view.current.fromBottom = b.scrollHeight - b.clientHeight - b.scrollTop;
    setAway(view.current.fromBottom > 400);
    older();
  };
  // a message a search found: paged back to, then scrolled to the middle and highlighted
  useEffect(() => {
    if (!focus) return;
    const b = box.current;
    const el = b?.querySelector<HTMLElement>(`[data-seq="${focus}"]`);
    if (b && el) {
      el.scrollIntoView({ block: "center" });
      view.current.fromBottom = b.scrollHeight - b.clientHeight - b.scrollTop;
      setAway(view.current.fromBottom > 400);
      setHit(focus);
      onFocused();
      return;
    }
    if (loaded.loading) return;
    if (loaded.more && (loaded.oldest === 0 || focus < loaded.oldest)) onOlder();
    else if (loaded.items.length) onFocused(); // not in this conversation's history: nothing to show
  }, [focus, loaded]);
  useEffect(() => {
    if (!hit) return;
    const t = setTimeout(() => setHit(0), 4000);
    return () => clearTimeout(t);
  }, [hit]);
  const laid = rows(loaded.items);
  const before = statusesBefore(loaded.items); // a status line says reopened or opened by what came before
  return (
    // focusable, so that the keyboard scrolls it too
    <div className="timeline-box" ref={box} onScroll={scrolled} tabIndex={0} role="region" aria-label="Conversation history">
      <div className="timeline-head">
        {loaded.more ? (
          <p className="paging" role="status">{loaded.loading ? <><Icon name="spinner" className="spin" size={14} />Loading earlier messages…</> : "Scroll up for earlier messages"}</p>
        ) : (
          <p className="paging start">Start of the conversation · {messages(loaded)} {messages(loaded) === 1 ? "message" : "messages"}</p>
        )}
      </div>
      {loaded.items.length === 0 && loaded.loading ? (
        <div className="timeline-skeleton" aria-hidden="true">
          {[60, 40, 70, 35].map((w, i) => <span key={i} className={`skeleton bubble ${i % 2 ? "right" : ""}`} style={{ width: `${w}%` }} />)}
        </div>
      ) : null}
      <ol className="timeline" ref={list} aria-live="polite" aria-label="Messages">
        {laid.map((r) => <TimelineRow key={r.key} row={r} conv={conv} team={team} me={me} token={token} readings={loaded.readings} rules={rules}
          look={look} onSplit={onSplit} hit={r.kind !== "day" && r.item.seq === hit}
          mail={mail} delivery={loaded.deliveries.get(r.kind === "day" ? 0 : r.item.seq)?.delivery}
          prev={r.kind === "event" ? before.get(r.item.seq) : undefined} />)}
      </ol>
      {away && (
        <button type="button" className="btn sm latest" onClick={() => { const b = box.current!; b.scrollTop = b.scrollHeight; }}>
          <Icon name="chevronDown" size={14} />Latest messages
        </button>
      )}
    </div>
  );
}

function TimelineRow({ row, conv, team, me, token, readings, mail, delivery, prev, rules, look, onSplit, hit }: {
  row: Row; conv: Conv; team: Map<string, Agent>; me: string; token: string; readings: Map<number, Analysis>; mail?: Thread; delivery?: Delivery; rules: Rule[];
  prev?: string; // a status item's: the status before it, when loaded
  look: Look; onSplit: (seq: number) => void;
  hit: boolean; // the message a search found
}) {
  if (row.kind === "day") return <li className="day"><span>{row.label}</span></li>;
  const it = row.item;
  if (row.kind === "event" && it.kind === "call") {
    return <CallEntry item={it} conv={conv} names={(id) => (id === me ? "you" : agentName(id, team))}
      time={<time dateTime={new Date(it.ts).toISOString()} title={full(it.ts)}>{clock(it.ts)}</time>} />;
  }
  // what automation could not do, or a loop it stopped, what a rule sent
  // to a webhook, a plugin's note: a quiet line of its own, under the
  // rule's name when it is the rule's
  if (row.kind === "event" && it.kind === "automation") {
    const rule = ruleOfActor(it);
    const said = automationSaid(it.text ?? "", rule ? ruleName(rule, rules) : "");
    return (
      <li className={`event automation-event${said.by ? " by-rule" : ""}`}>
        <span><Icon name={said.webhook ? "webhook" : "automation"} size={14} />
          {said.by ? <span><span className="auto-by" title="Automation rule"><Icon name="automation" size={11} />{said.by}</span>{said.text}</span> : said.text}
        </span>
        <time dateTime={new Date(it.ts).toISOString()} title={full(it.ts)}>{clock(it.ts)}</time>
      </li>
    );
  }
  if (row.kind === "event") return <li className={it.kind === "sla" ? `event sla-event ${stageOf(it)?.stage ?? ""}` : `event ${it.kind}-event`}>{eventLine(it, team, me, prev, rules, conv, look)}<time dateTime={new Date(it.ts).toISOString()} title={full(it.ts)}>{clock(it.ts)}</time></li>;
  // a mail received, or an agent's reply in an e-mail conversation (sent as mail)
  if (it.email || (mail && it.actor_kind === "agent" && !it.private)) {
    return <MailRow it={it} conv={conv} team={team} me={me} token={token} reading={readings.get(it.seq)} mail={mail} delivery={delivery} hit={hit}
      split={it.actor_kind === "customer" && !it.private ? <SplitButton seq={it.seq} onSplit={onSplit} /> : undefined} />;
  }
  const customer = it.actor_kind === "customer";
  const rule = ruleOfActor(it); // a rule's reply or note: under the rule's name
  const author = customer ? who(conv) : it.actor_kind === "agent" ? (it.actor_id === me ? "You" : agentName(it.actor_id ?? "", team)) : rule ? ruleName(rule, rules) : "Edgedesk";
  const side = customer ? "customer" : "agent";
  const r = readings.get(it.seq);
  const platform = !customer && !it.private && channelInfo(conv.channel).social; // a reply sent through a messaging platform
  return (
    <li className={`row ${side}${it.private ? " is-note" : ""}${row.first ? " first" : ""}${hit ? " hit" : ""}`} data-seq={it.seq}>
      {!row.first ? <span className="avatar-gap" />
        : rule ? <span className="avatar sm auto" aria-hidden="true"><Icon name="automation" size={13} /></span>
          : <Avatar id={customer ? conv.contact ?? conv.id : it.actor_id ?? ""} name={customer ? who(conv) : it.actor_kind === "agent" ? agentName(it.actor_id ?? "", team) : "Edgedesk"} size="sm" />}
      <div className="bubble-col">
        {row.first && (
          <div className="meta">
            {rule ? <strong className="auto-author" title="Automation rule"><Icon name="automation" size={12} />{author}<span className="sr-only"> (automation rule)</span></strong>
              : <strong>{author}</strong>}
            {it.private && <span className="note-tag"><Icon name="note" size={12} />Private note</span>}
            <time dateTime={new Date(it.ts).toISOString()} title={full(it.ts)}>{clock(it.ts)}</time>
          </div>
        )}
        <div className={`msg ${it.actor_kind}${it.private ? " note" : ""}${it.text || it.template ? "" : " bare"}${it.template ? " tpl-msg" : ""}${platform && delivery?.status === "failed" ? " undelivered" : ""}`}
          title={row.first ? undefined : full(it.ts)}>
          {/* Text is rendered as text: React escapes it. A template reply shows the template (template-ui.tsx). */}
          {it.template ? <TemplateCard template={it.template} text={it.text} /> : segments(it.text ?? "", r?.pii).map((s, i) =>
            s.pii ? <mark key={i} title={`personal data: ${s.pii}`}>{s.text}</mark> : <span key={i}>{s.text}</span>)}
          {(it.attachments ?? []).map((id) => <Attachment key={id} id={id} token={token} />)}
          {r && <small className="reading"><Icon name="nlp" size={12} />{reading(r)}</small>}
        </div>
        {/* a reply sent through a messaging platform: what became of it */}
        {platform && <DeliveryMark delivery={delivery} seq={it.seq} />}
      </div>
      {customer && !it.private && <SplitButton seq={it.seq} onSplit={onSplit} />}
    </li>
  );
}

// SplitButton splits a customer's message off into a new conversation:
// shown as the agent points at the message (or tabs to it).
function SplitButton({ seq, onSplit }: { seq: number; onSplit: (seq: number) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <span className="msg-actions">
      <button type="button" className="btn sm ghost icon-only" aria-label="Split into new conversation" title="Split into new conversation" disabled={busy}
        onClick={() => { setBusy(true); onSplit(seq); setTimeout(() => setBusy(false), 1500); }}>
        <Icon name={busy ? "spinner" : "split"} size={14} className={busy ? "spin" : undefined} />
      </button>
    </span>
  );
}

// MailRow is one e-mail as a card: who sent it to whom (the To and Cc in
// one line that opens the full headers), the sender's verification, an
// automatic mail's badge, the text with the quoted conversation folded
// behind "•••", and for an agent's reply what became of its mail.
function MailRow({ it, conv, team, me, token, reading: r, mail, delivery, hit, split }: {
  it: Item; conv: Conv; team: Map<string, Agent>; me: string; token: string; reading?: Analysis; mail?: Thread; delivery?: Delivery;
  hit?: boolean; split?: React.ReactNode; // the split action of a customer's mail
}) {
  const [headers, setHeaders] = useState(false);
  const [quoted, setQuoted] = useState(false);
  const customer = it.actor_kind === "customer";
  const e = it.email ?? {};
  const name = customer ? e.from?.name?.trim() || who(conv) : it.actor_id === me ? "You" : agentName(it.actor_id ?? "", team);
  const address = customer ? e.from?.address : undefined;
  // an agent's reply goes to its To, else to the customer alone
  const to: Address[] = e.to?.length ? e.to : !customer && mail?.customer ? [mail.customer] : [];
  const cc = e.cc ?? [];
  const v = customer ? verdict(e) : undefined;
  const d = customer ? undefined : deliveryView(delivery);
  const id = `mail-${it.seq}`;
  const when = <time dateTime={new Date(it.ts).toISOString()} title={full(it.ts)}>{clock(it.ts)}</time>;
  return (
    <li className={`row mail-row ${customer ? "customer" : "agent"}${hit ? " hit" : ""}`} data-seq={it.seq}>
      <article className={`mail ${customer ? "in" : "out"}${d?.state === "failed" ? " undelivered" : ""}`} aria-labelledby={`${id}-from`}>
        <header className="mail-head">
          <Avatar id={customer ? conv.contact ?? conv.id : it.actor_id ?? ""} name={name} size="sm" />
          <div className="mail-who">
            <p className="mail-from" id={`${id}-from`}>
              <span className="sr-only">E-mail from </span><strong>{name}</strong>
              {address && <span className="addr"> &lt;{address}&gt;</span>}
            </p>
            <button type="button" className="mail-to" aria-expanded={headers} aria-controls={headers ? `${id}-headers` : undefined} onClick={() => setHeaders((h) => !h)}>
              <span className="mail-to-text">
                {to.length > 0 ? <>to {to.map(addressLabel).join(", ")}</> : "to the customer"}
                {cc.length > 0 && <> · cc {cc.map(addressLabel).join(", ")}</>}
              </span>
              <span className="sr-only">, all headers</span>
              <Icon name="chevronDown" size={12} className="chev" />
            </button>
          </div>
          <div className="mail-flags">
            {split}
            {e.auto && <Badge kind="auto" icon="bot">Automatic mail</Badge>}
            {v?.state === "fail" && <span className="badge unverified" title={v.detail}><Icon name="unverified" size={12} />{v.label}</span>}
            {v?.state === "pass" && <span className="verified" title={`${v.label}: ${v.detail}`}><Icon name="verified" size={14} /><span className="sr-only">{v.label}</span></span>}
            {when}
          </div>
        </header>
        {headers && (
          <dl className="mail-headers" id={`${id}-headers`}>
            <dt>From</dt><dd>{e.from ? formatAddress(e.from) : name}</dd>
            {to.length > 0 && <><dt>To</dt><dd>{to.map(formatAddress).join(", ")}</dd></>}
            {cc.length > 0 && <><dt>Cc</dt><dd>{cc.map(formatAddress).join(", ")}</dd></>}
            {(e.subject || conv.subject) && <><dt>Subject</dt><dd>{e.subject || conv.subject}</dd></>}
            <dt>Date</dt><dd>{full(it.ts)}</dd>
            {(e.message_id || delivery?.message_id) && <><dt>Message-ID</dt><dd className="mono">&lt;{e.message_id || delivery?.message_id}&gt;</dd></>}
            {e.in_reply_to && <><dt>In-Reply-To</dt><dd className="mono">&lt;{e.in_reply_to}&gt;</dd></>}
            {v && v.detail && <><dt>Verified</dt><dd>{v.detail}</dd></>}
            {delivery && <><dt>Delivery</dt><dd>{delivery.status}{delivery.attempts ? `, ${delivery.attempts} ${delivery.attempts === 1 ? "attempt" : "attempts"}` : ""}{delivery.detail ? `: ${delivery.detail}` : ""}</dd></>}
          </dl>
        )}
        <div className="mail-body">
          {/* Text is rendered as text: React escapes it. */}
          {segments(it.text ?? "", r?.pii).map((s, i) =>
            s.pii ? <mark key={i} title={`personal data: ${s.pii}`}>{s.text}</mark> : <span key={i}>{s.text}</span>)}
          {(it.attachments ?? []).map((a) => <Attachment key={a} id={a} token={token} />)}
        </div>
        {e.quoted && (
          <>
            <button type="button" className="quote-toggle" aria-expanded={quoted} aria-controls={quoted ? `${id}-quoted` : undefined}
              aria-label={quoted ? "Hide the quoted text" : "Show the quoted text"} title={quoted ? "Hide the quoted text" : "Show the quoted text"}
              onClick={() => setQuoted((q) => !q)}>
              <span aria-hidden="true">•••</span>
            </button>
            {quoted && <div className="mail-quoted" id={`${id}-quoted`}>{e.quoted}</div>}
          </>
        )}
        {r && <small className="reading"><Icon name="nlp" size={12} />{reading(r)}</small>}
        {d && (
          <p className={`delivery ${d.state}`}>
            <MarkIcon mark={d} />{d.text}
          </p>
        )}
      </article>
    </li>
  );
}

// eventLine says what a status change, assignment, priority, tags change,
// call, rating, opening or service level warning or breach was, by whom.
function eventLine(it: Item, team: Map<string, Agent>, me: string, prev: string | undefined, rules: Rule[], conv: Conv, look: Look) {
  const rule = ruleOfActor(it);
  const by = it.actor_kind === "agent" ? (it.actor_id === me ? "You" : agentName(it.actor_id ?? "", team)) : it.actor_kind === "customer" ? "The customer"
    : rule ? ruleName(rule, rules) : "Edgedesk";
  // a line by a rule names it with the automation mark
  const said = (icon: IconName, text: string) => rule && text.startsWith(by) ? (
    <span><Icon name={icon} size={14} /><span><span className="auto-by" title="Automation rule"><Icon name="automation" size={11} />{by}</span>{text.slice(by.length)}</span></span>
  ) : <span><Icon name={icon} size={14} />{text}</span>;
  switch (it.kind) {
    case "opened":
      return <span><Icon name="conversations" size={14} />The customer started the conversation</span>;
    case "status": {
      const custom = it.custom_status ? look.statuses?.find((x) => x.id === it.custom_status)?.label : undefined;
      return said(statusIcons[canonical(it.status)] ?? "info", custom ? customText(it, by, custom) : statusText(it, by, prev));
    }
    case "assigned":
      return said("assigned", it.assignee ? `${by} assigned the conversation to ${it.assignee === me ? "you" : agentName(it.assignee, team)}` : `${by} unassigned the conversation`);
    case "priority":
      return said("flag", `${by} set the priority to ${it.priority || "normal"}`);
    case "rating": {
      const score = it.rating?.score ?? 0;
      return (
        <span className="rating" aria-label={`The customer rated the conversation ${score} of 5`}>
          <span aria-hidden="true" className="stars">{[1, 2, 3, 4, 5].map((n) => <Icon key={n} name="star" size={14} fill={n <= score} className={n <= score ? "on" : "off"} />)}</span>
          <span aria-hidden="true">The customer rated the conversation {score}/5</span>
        </span>
      );
    }
    case "call": {
      const c = it.call;
      const long = c?.duration_ms ? ` · ${Math.floor(c.duration_ms / 60000)}:${String(Math.floor(c.duration_ms / 1000) % 60).padStart(2, "0")}` : "";
      const text = it.status === "started" ? `${by} started a call` : it.status === "joined" ? `${by} joined the call` : `The call ended${long}`;
      return <span><Icon name="phone" size={14} />{text}</span>;
    }
    case "tags":
      return said("tag", tagsText(it, by));
    case "team":
      return said("team", teamText(it, by, look.teams));
    case "fields":
      return said("fields", fieldsText(it.fields, look.defs, by));
    case "linked":
      return about(it.link?.kind === "split" ? "split" : it.link?.removed ? "unlink" : "link", linkText(it.link, conv, by), look);
    case "merged":
      return about("merge", mergeText(it.merge, conv.id, by), look);
    case "sla": {
      const s = stageOf(it);
      if (!s) break;
      return <span><Icon name={s.stage === "breached" ? "alert" : "clock"} size={14} />{stageText(s, it.ts)}</span>;
    }
  }
  return <span>{it.kind}</span>;
}

// about is a line that names another conversation, which it opens.
function about(icon: IconName, s: Said, look: Look) {
  return (
    <span className="about">
      <Icon name={icon} size={14} />
      <span>{s.before} <ConvRef id={s.other} convs={look.convs} onOpen={look.onOpen} />{s.after ? ` ${s.after}` : ""}</span>
    </span>
  );
}

// Attachment fetches an attachment with the agent's token: an image is
// shown, anything else offered as a download under its name.
function Attachment({ id, token }: { id: string; token: string }) {
  const [file, setFile] = useState<Fetched | null>(null);
  useEffect(() => {
    let url = "";
    let live = true;
    void fetchAttachment("", id, token).then((f) => {
      if (!f) return;
      url = f.url;
      if (live) setFile(f);
      else URL.revokeObjectURL(url);
    });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, token]);
  if (!file) return <span className="attachment loading"><Icon name="clip" size={14} />Loading file…</span>;
  return file.image ? <img className="attachment" src={file.url} alt={file.name} /> : (
    <a className="attachment file" href={file.url} download={file.name} rel="noopener noreferrer">
      <Icon name="file" size={18} /><span>{file.name}</span><Icon name="download" size={14} />
    </a>
  );
}

// Composer writes replies and private notes: Enter sends, Shift+Enter
// starts a new line, "/" offers the canned responses, and files go as a
// reply or a note. A closed conversation takes notes only (the edge
// refuses a reply there): the box says so. Above it, a messaging
// platform's reply window: once closed, Reply is disabled and the box
// takes notes. A reply the edge refuses stays in the box, with the edge's
// reason under it until the agent changes it. On WhatsApp, Template (and,
// once the window closed, the banner's Send a template) opens the template
// composer (template-ui.tsx) above the box.
function Composer({ conv, conn, canned, token, uploadWait, reply, mail, macros, replies = 0 }: {
  conv: Conv; conn: Connection; canned: Canned[]; token: string; uploadWait: Cooldown; reply: RefObject<HTMLTextAreaElement | null>;
  mail?: Thread; // an e-mail conversation's: the reply goes as mail
  macros?: React.ReactNode; // the Macros menu, beside the clip
  replies?: number; // replies since the customer's last message (WeCom allows 5)
}) {
  const [text, setText] = useState("");
  const [noting, setNote] = useState(false);
  const closed = noteOnly(conv.status); // why only a note goes, or ""
  const win = useWindow(conv.channel, conv.customer_at, replies);
  const shut = win.state === "closed"; // the platform takes no reply now
  const note = noting || closed !== "" || shut;
  const [active, setActive] = useState(0);
  const [sending, setSending] = useState(false);
  const [refused, setRefused] = useState(""); // the edge's reason for the last send it refused
  // WhatsApp's templates: the composer's panel, its draft (kept while it
  // is closed and opened again in this conversation) and the tenant's
  // templates sent lately in this browser
  const templated = !!Windows[conv.channel ?? ""]?.templates && !closed;
  const tenant = conv.tenant ?? "";
  const [tplOpen, setTplOpen] = useState(false);
  const [tplDraft, setTplDraft] = useState<Draft>(emptyDraft);
  const [recent, setRecent] = useState<Template[]>(() => loadRecent(tenant));
  const tplButton = useRef<HTMLButtonElement>(null);
  const tplOpener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    setText("");
    setNote(false);
    setRefused("");
    setTplOpen(false);
    setTplDraft(emptyDraft());
    setRecent(loadRecent(tenant));
  }, [conv.id]);
  const openTemplate = (ev: React.MouseEvent<HTMLElement>) => {
    tplOpener.current = ev.currentTarget;
    setRecent(loadRecent(tenant)); // another tab may have sent one since
    setTplOpen((o) => !o);
  };
  const closeTemplate = () => {
    setTplOpen(false);
    // back to what opened it (the banner's button is gone once the customer wrote again)
    const back = tplOpener.current?.isConnected ? tplOpener.current : tplButton.current;
    setTimeout(() => back?.focus());
  };
  // sendTemplate sends the reply as the template, and resolves to the
  // edge's refusal, or "" once it took it: remembered, the panel closed
  const sendTemplate = async (t: Template): Promise<string> => {
    const r = await conn.request({ type: "send", conv: conv.id, client_id: clientID(), text: "", template: t });
    if (r.type === "error") return r.message || r.code || "the edge refused it";
    const list = remember(loadRecent(tenant), t);
    saveRecent(tenant, list);
    setRecent(list);
    setTplDraft(emptyDraft());
    closeTemplate();
    return "";
  };
  // An e-mail reply's recipients: the customer alone, until the agent
  // chooses Reply all or adds others.
  const customer = mail?.customer;
  const [to, setTo] = useState<Address[]>([]);
  const [cc, setCc] = useState<Address[]>([]);
  const [all, setAll] = useState(false);
  const [showCc, setShowCc] = useState(false);
  const [drafts, setDrafts] = useState({ to: "", cc: "" });
  const [errors, setErrors] = useState({ to: "", cc: "" });
  const ccInput = useRef<HTMLInputElement>(null);
  const resetRecipients = () => {
    setTo(customer ? [customer] : []);
    setCc([]);
    setAll(false);
    setShowCc(false);
    setDrafts({ to: "", cc: "" });
    setErrors({ to: "", cc: "" });
  };
  useEffect(resetRecipients, [conv.id, customer?.address, customer?.name]);
  const everyone = mail ? replyAll(mail) : { to: [], cc: [] };
  const others = everyone.to.length + everyone.cc.length - (customer ? 1 : 0);
  const toggleAll = () => {
    if (all) {
      resetRecipients();
      return;
    }
    setAll(true);
    setTo((t) => addUnique(t.length ? t : everyone.to, everyone.to));
    setCc((c) => addUnique(c, everyone.cc));
    if (everyone.cc.length) setShowCc(true);
  };
  // recipients reads the fields into the frame's to and cc (what is still
  // typed in them too), or says what is wrong and returns null.
  const recipients = (): { to?: Address[]; cc?: Address[] } | null => {
    if (!mail || note) return {};
    const t = parseAddresses(drafts.to), c = parseAddresses(drafts.cc);
    if (t.error || c.error) {
      setErrors({ to: t.error, cc: c.error });
      return null;
    }
    const allTo = addUnique(to, t.addresses), allCc = addUnique(cc, c.addresses);
    if (customer && allTo.length === 0) {
      setErrors({ to: "Add at least one recipient.", cc: "" });
      return null;
    }
    setTo(allTo);
    setCc(allCc);
    setDrafts({ to: "", cc: "" });
    return recipientsFrame(customer, allTo, allCc);
  };
  // "/" opens the canned responses whose shortcut or text matches what
  // follows it; Enter (or a click) puts the chosen one in the reply.
  const suggestions = text.startsWith("/") ? matching(canned, text.slice(1)) : [];
  useEffect(() => setActive(0), [text.startsWith("/") ? text : ""]);
  // the "/" shortcut outside the box starts a canned response in it
  useEffect(() => {
    const r = reply.current;
    if (!r) return;
    const slash = () => setText((t) => (t.startsWith("/") ? t : "/" + t));
    r.addEventListener("edgedesk:canned", slash);
    return () => r.removeEventListener("edgedesk:canned", slash);
  }, [conv.id]);
  const useCanned = (c: Canned) => {
    setText(c.text);
    reply.current?.focus();
  };
  // The customer sees the agent type: "on" at most every 3 s, "off" after
  // 4 s without a key or when the reply goes.
  const typed = useRef({ at: 0, off: undefined as ReturnType<typeof setTimeout> | undefined });
  const stopTyping = () => {
    const t = typed.current;
    clearTimeout(t.off);
    if (t.at) conn.notify({ type: "typing", conv: conv.id, on: false });
    t.at = 0;
  };
  const keyTyped = () => {
    const t = typed.current;
    clearTimeout(t.off);
    if (Date.now() - t.at > 3000) {
      t.at = Date.now();
      conn.notify({ type: "typing", conv: conv.id, on: true });
    }
    t.off = setTimeout(stopTyping, 4000);
  };
  // grow the box with its text, up to a third of the window
  useLayoutEffect(() => {
    const r = reply.current;
    if (!r) return;
    r.style.height = "auto";
    r.style.height = `${Math.min(r.scrollHeight + 2, window.innerHeight / 3)}px`;
  }, [text]);
  const send = async () => {
    const t = text.trim();
    if (!t || sending) return;
    const rcpt = recipients();
    if (!rcpt) return;
    setText("");
    stopTyping();
    setSending(true);
    setRefused("");
    const r = await conn.request({ type: "send", conv: conv.id, client_id: clientID(), text: t, private: note, ...rcpt });
    setSending(false);
    if (r.type === "error") {
      setText(t);
      setRefused(r.message || r.code || "the edge refused it");
    } else if (mail && !note) {
      resetRecipients();
    }
  };
  const key = (ev: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length > 0) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        setActive((a) => (a + (ev.key === "ArrowDown" ? 1 : -1) + suggestions.length) % suggestions.length);
        return;
      }
      if (ev.key === "Enter" || ev.key === "Tab") {
        ev.preventDefault();
        useCanned(suggestions[Math.min(active, suggestions.length - 1)]);
        return;
      }
      if (ev.key === "Escape") {
        ev.preventDefault();
        setText(text.slice(1));
        return;
      }
    }
    if (ev.key === "Enter" && !ev.shiftKey && !ev.nativeEvent.isComposing) {
      ev.preventDefault();
      void send();
    }
  };
  // attach uploads a file with the agent's token, then sends a message (or
  // a note) that carries it. After a 429 (over a quota) nothing is uploaded
  // until the edge's Retry-After has passed: the agent is told how long.
  const [uploadError, setUploadError] = useState("");
  const [uploading, setUploading] = useState("");
  const attach = async (ev: React.ChangeEvent<HTMLInputElement>) => {
    const input = ev.currentTarget;
    const f = input.files?.[0];
    if (!f) return;
    input.value = "";
    const left = uploadWait.remaining();
    if (left) {
      setUploadError(`${tooMany("uploads", left)}. ${f.name} was not sent.`);
      return;
    }
    setUploading(f.name);
    const up = await uploadAttachment("", token, f);
    setUploading("");
    if (up.refused) {
      if (up.refused.status === 429) uploadWait.hold(up.refused.retryAfter);
      setUploadError(uploadRefused(f.name, up.refused));
      return;
    }
    setUploadError("");
    const rcpt = recipients();
    if (!rcpt) return;
    setRefused("");
    const r = await conn.request({ type: "send", conv: conv.id, client_id: clientID(), text: "", attachments: [up.id], private: note, ...rcpt });
    if (r.type === "error") setRefused(r.message || r.code || `${f.name} was refused`); // the edge's words name the file where it matters
  };
  return (
    <form className={`composer${note ? " noting" : ""}${closed ? " closed" : ""}`} onSubmit={(ev) => { ev.preventDefault(); void send(); }}>
      {!closed && <WindowBanner window={win} id={`window-${conv.id}`} action={shut && templated ? (
        <button type="button" className="btn sm primary window-action" aria-haspopup="dialog" aria-expanded={tplOpen} onClick={openTemplate}>
          <Icon name="template" size={14} />Send a template
        </button>
      ) : undefined} />}
      {tplOpen && templated && (
        <TemplateComposer platform={channelInfo(conv.channel).label} customer={who(conv)} draft={tplDraft} onDraft={setTplDraft} recent={recent}
          send={sendTemplate} onClose={closeTemplate} />
      )}
      {suggestions.length > 0 && (
        <ul className="canned popover" role="listbox" aria-label="Canned responses">
          {suggestions.map((c, i) => (
            <li key={c.id} role="option" aria-selected={i === active} className={i === active ? "active" : undefined}
              onMouseDown={(e) => { e.preventDefault(); useCanned(c); }}>
              <strong>/{c.shortcut}</strong><span>{c.text}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-box">
        <div className="composer-top">
          {closed ? <span className="note-only"><Icon name="lock" size={14} />Private note</span> : (
            <Tabs label="Write" className="segmented" value={note ? "note" : "reply"} onChange={(v) => setNote(v === "note")}
              tabs={[{ id: "reply", label: "Reply", disabled: shut, title: shut ? `${channelInfo(conv.channel).label} takes no reply now: see above` : undefined },
                { id: "note", label: "Private note", icon: "note", className: "note" }]} />
          )}
          <span className="hint">{closed ? closed : note ? "Only agents see notes." : mail
            ? <span className="reply-by"><Icon name="mail" size={12} /><span>Reply by e-mail to {to.length ? <strong>{formatAddress(to[0])}</strong> : "the customer"}{to.length > 1 ? ` and ${to.length - 1} more` : ""}</span></span>
            : <>Type <kbd>/</kbd> for canned responses</>}</span>
        </div>
        {mail && !note && (
          <div className="recipients">
            <Recipients label="To" list={to} onList={setTo} draft={drafts.to} onDraft={(v) => setDrafts((d) => ({ ...d, to: v }))}
              error={errors.to} onError={(v) => setErrors((e) => ({ ...e, to: v }))}>
              <button type="button" className="btn sm ghost" aria-pressed={all} onClick={toggleAll} disabled={others <= 0 && !all}
                title={others > 0 ? "Add everyone on the customer's last mail" : "Nobody else was on the customer's last mail"}>
                <Icon name="replyAll" size={14} />Reply all
              </button>
              {!showCc && cc.length === 0 && (
                <button type="button" className="btn sm ghost" onClick={() => { setShowCc(true); setTimeout(() => ccInput.current?.focus()); }}>Cc</button>
              )}
            </Recipients>
            {(showCc || cc.length > 0) && (
              <Recipients label="Cc" list={cc} onList={setCc} draft={drafts.cc} onDraft={(v) => setDrafts((d) => ({ ...d, cc: v }))}
                error={errors.cc} onError={(v) => setErrors((e) => ({ ...e, cc: v }))} input={ccInput} />
            )}
          </div>
        )}
        <textarea ref={reply} className="reply" aria-label={note ? "Private note" : "Reply"} rows={2} value={text}
          aria-describedby={[win.state !== "none" && !closed ? `window-${conv.id}` : "", refused ? `refused-${conv.id}` : ""].filter(Boolean).join(" ") || undefined}
          aria-invalid={refused ? true : undefined}
          placeholder={note ? "Write a private note… (the customer never sees it)" : mail ? `Write your e-mail to ${who(conv)}… (/ for canned responses)` : `Reply to ${who(conv)}…`}
          onChange={(e) => { setText(e.currentTarget.value); if (refused) setRefused(""); if (!note) keyTyped(); }} onKeyDown={key} />
        <div className="composer-bar">
          <label className="btn sm ghost icon-only attach" title="Attach a file">
            <Icon name="clip" />
            <input type="file" aria-label="Attach a file" onChange={(e) => void attach(e)} />
          </label>
          {macros}
          {templated && (
            <button ref={tplButton} type="button" className="btn sm ghost template-btn" aria-haspopup="dialog" aria-expanded={tplOpen}
              title={`Send an approved ${channelInfo(conv.channel).label} template`} onClick={openTemplate}>
              <Icon name="template" size={14} />Template
            </button>
          )}
          {uploading && <span className="hint uploading"><Icon name="spinner" className="spin" size={14} />Uploading {uploading}…</span>}
          <span className="spacer" />
          <span className="hint keys"><kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line</span>
          <button type="submit" className="btn sm primary send" disabled={!text.trim() || sending}>
            <Icon name={note ? "note" : "send"} size={14} />{note ? "Add note" : "Send"}
          </button>
        </div>
      </div>
      {refused && (
        <p role="alert" className="send-refused" id={`refused-${conv.id}`}>
          <Icon name="alert" size={14} /><span><strong>Not sent.</strong> {cap(refused)}{/[.!?]$/.test(refused) ? "" : "."}</span>
        </p>
      )}
      {uploadError && <p role="alert" className="upload-error"><Icon name="alert" size={14} />{uploadError}</p>}
    </form>
  );
}

// Recipients is a field of e-mail addresses as chips: Enter, a comma or
// leaving the field makes what was typed chips (a pasted list too),
// Backspace in the empty field takes the last one back, and an address
// that is not one is said under the field.
function Recipients({ label, list, onList, draft, onDraft, error, onError, input, children }: {
  label: string; list: Address[]; onList: (l: Address[]) => void; draft: string; onDraft: (v: string) => void;
  error: string; onError: (e: string) => void; input?: RefObject<HTMLInputElement | null>; children?: React.ReactNode;
}) {
  const id = `rcpt-${label.toLowerCase()}`;
  const commit = () => {
    const r = parseAddresses(draft);
    if (r.error) {
      onError(r.error);
      return;
    }
    onList(addUnique(list, r.addresses));
    onDraft("");
    onError("");
  };
  const key = (ev: React.KeyboardEvent<HTMLInputElement>) => {
    if ((ev.key === "Enter" || ev.key === "," || ev.key === ";") && draft.trim()) {
      ev.preventDefault();
      commit();
    } else if (ev.key === "Enter") {
      ev.preventDefault(); // never submits the reply
    } else if (ev.key === "Backspace" && draft === "" && list.length > 0) {
      ev.preventDefault();
      const last = list[list.length - 1];
      onList(list.slice(0, -1));
      onDraft(formatAddress(last));
    }
  };
  return (
    <div className={`rcpt${error ? " invalid" : ""}`}>
      <div className="rcpt-row" role="group" aria-labelledby={`${id}-label`}>
        <span className="rcpt-label" id={`${id}-label`}>{label}</span>
        <ul className="rcpt-chips">
          {list.map((a) => (
            <li key={a.address} className="rcpt-chip" title={formatAddress(a)}>
              <span>{addressLabel(a)}</span>
              <button type="button" aria-label={`Remove ${formatAddress(a)} from ${label}`} onClick={() => onList(list.filter((x) => x !== a))}>
                <Icon name="close" size={12} />
              </button>
            </li>
          ))}
          <li className="rcpt-add">
            <input ref={input} className="rcpt-input" type="text" value={draft} aria-label={`Add a recipient in ${label}`} aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined} placeholder={list.length ? "" : "Name <address> or address"} autoComplete="off" spellCheck={false}
              onChange={(e) => { onDraft(e.currentTarget.value); if (error) onError(""); }} onKeyDown={key} onBlur={() => { if (draft.trim()) commit(); }} />
          </li>
        </ul>
        {children && <span className="rcpt-actions">{children}</span>}
      </div>
      {error && <p className="rcpt-error" id={`${id}-error`} role="alert"><Icon name="alert" size={12} />{error}</p>}
    </div>
  );
}

// clientID names one send, so that the edge stores it once however often
// it is retried.
export const clientID = () => "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
