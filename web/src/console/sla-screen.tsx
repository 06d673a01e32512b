// Settings → SLA: the tenant's service level policy. Targets for the first
// response, the next response and the resolution by priority, written as
// durations; around the clock or business hours (a time zone found by
// city or offset, each weekday open or closed from a time to a time,
// Sunday first, holidays from the calendar); the warning's share of a
// target; what a breach escalates to (a priority, a team by name). Saving
// sends the whole policy (sla_policy_set) and removing it sends delete;
// the edge's refusal is shown beside the part it names, the edits kept.
// Other agents see the policy, and nothing to change it. What is read,
// written and checked is sla-policy.ts's.

import { useEffect, useMemo, useState } from "react";
import type { OutFrame, SLAPolicy, Team } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import { dayName, dayShort } from "./calendar";
import { DatePicker } from "./datepicker";
import { Priorities } from "./inbox";
import { Icon } from "./icons";
import { Page } from "./settings";
import { LoadError, Said, Section, Skeleton } from "./settings-kit";
import {
  addHoliday, browserZone, Day, Draft, draftOf, formatDuration, Levels, maxTarget, Measure, Measures, overYear, parseDuration, Place, placeOf, policyOf, Problem, problems,
  Refused, sameAsMonday, times, timeText, Weekdays, zones as allZones,
} from "./sla-policy";
import { byName } from "./teams";
import { Dialog, Notice, Select, Switch, toast } from "./ui";
import { ZonePicker } from "./zone-picker";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
// the targets' columns: the most urgent first
const columns = [3, 2, 1, 0];

export function SLAPage({ conn, admin, teams }: { conn: Connection; admin: boolean; teams: Team[] }) {
  // the policy as the edge has it: undefined while it loads, null when there is none
  const [policy, setPolicy] = useState<SLAPolicy | null | undefined>(undefined);
  const [loadError, setLoadError] = useState("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [tried, setTried] = useState(false);
  const [refused, setRefused] = useState<{ text: string; at: Refused } | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState(false);
  const zones = useMemo(allZones, []);
  const took = (r: OutFrame) => {
    setPolicy(r.policy ?? null);
    setDraft(r.policy ? draftOf(r.policy, browserZone()) : null);
    setTried(false);
    setRefused(null);
  };
  const load = async () => {
    setLoadError("");
    const r = await conn.request({ type: "sla_policy" });
    if (r.type === "sla_policy") took(r);
    else setLoadError(r.message ?? r.code ?? "the edge did not answer");
  };
  useEffect(() => {
    void load();
  }, [conn]);
  const all = draft ? problems(draft) : [];
  const shown = tried ? all : [];
  const saved = policy ? JSON.stringify(policyOf(draftOf(policy))) : "";
  const dirty = !!draft && (policy === null || (all.length === 0 && JSON.stringify(policyOf(draft)) !== saved) || (all.length > 0 && tried));
  const save = async () => {
    if (!draft) return;
    setTried(true);
    if (all.length || busy) return;
    setBusy(true);
    const r = await conn.request({ type: "sla_policy_set", policy: policyOf(draft) });
    setBusy(false);
    if (r.type !== "sla_policy") {
      const text = r.message ?? r.code ?? "the edge refused the policy";
      setRefused({ text, at: placeOf(text) });
      return;
    }
    took(r);
    toast("SLA policy saved");
  };
  const remove = async () => {
    setBusy(true);
    const r = await conn.request({ type: "sla_policy_set", delete: true });
    setBusy(false);
    setRemoving(false);
    if (r.type !== "sla_policy") {
      setRefused({ text: r.message ?? r.code ?? "the edge refused it", at: { at: "" } });
      return;
    }
    took(r);
    toast("SLA policy removed");
  };
  const set = (change: Partial<Draft>) => {
    setDraft((d) => (d ? { ...d, ...change } : d));
    setRefused(null);
  };
  return (
    <Page id="sla-title" title="SLA policy"
      lede="How fast your team answers and solves, by priority. Each conversation carries its clocks: agents see the most urgent in the list and the header, a warning comes before the target, and a breach can raise the priority or hand the conversation to a team.">
      <div role="region" aria-label="Service level policy">
        {policy === undefined && loadError ? <div className="card"><LoadError what="SLA policy" error={loadError} onRetry={() => void load()} /></div>
          : policy === undefined ? <div className="card"><Skeleton what="the SLA policy" rows={4} /></div>
            : !draft ? (
              <div className="card">
                <div className="state">
                  <div className="state-icon"><Icon name="sla" size={22} /></div>
                  <h2>No SLA policy</h2>
                  <p>Conversations have no clocks: nothing says when a first answer or a solution is due. Set targets by priority, in business hours or around the clock.</p>
                  {admin && <button type="button" className="btn primary" onClick={() => { setDraft(draftOf(undefined, browserZone())); setTried(false); }}><Icon name="plus" size={14} />Create a policy</button>}
                </div>
              </div>
            ) : (
              <form className="card kit-editor sla-form" aria-label="SLA policy" noValidate onSubmit={(ev) => { ev.preventDefault(); void save(); }}>
                <fieldset className="sla-fields" disabled={!admin}>
                  <Targets draft={draft} problems={shown} refused={refused} onChange={(targets) => set({ targets })} />
                  <Hours draft={draft} zones={zones} problems={shown} refused={refused} onChange={set} />
                  {draft.business && (
                    <Section id="sla-holidays" title="Holidays" what="Days the business is closed all day, in the policy's time zone: the clocks do not count them." bad={refused?.at.at === "holidays"}>
                      {draft.holidays.length > 0 ? (
                        <ul className="holidays" aria-label="Holidays">
                          {draft.holidays.map((h) => (
                            <li key={h} className="chip holiday" title={dayName(h)}>
                              <Icon name="holiday" size={12} /><span>{dayShort(h)}</span>
                              {admin && <button type="button" aria-label={`Remove the holiday ${dayName(h)}`} title="Remove" onClick={() => set({ holidays: draft.holidays.filter((x) => x !== h) })}><Icon name="close" size={11} /></button>}
                            </li>
                          ))}
                        </ul>
                      ) : <p className="hint sla-none">No holidays: every weekday counts as above.</p>}
                      {admin && (
                        <div className="field holiday-add">
                          <span className="field-label">Add a holiday</span>
                          <DatePicker label="Add a holiday" value="" onChange={(day) => set({ holidays: addHoliday(draft.holidays, day) })} />
                        </div>
                      )}
                      <Said text={refused?.at.at === "holidays" ? refused.text : undefined} />
                    </Section>
                  )}
                  <Section id="sla-warn" title="Warning" what="When agents are warned that a target is near: its clock turns amber, and rules can act on it." bad={refused?.at.at === "warn" || shown.some((p) => p.at === "warn")}>
                    <div className="sla-inline">
                      <label htmlFor="sla-warn-input">Warn at</label>
                      <input id="sla-warn-input" className="input sla-percent" inputMode="numeric" maxLength={2} value={draft.warn} placeholder="80"
                        aria-invalid={shown.some((p) => p.at === "warn") || refused?.at.at === "warn" || undefined} aria-describedby="sla-warn-error"
                        onChange={(e) => set({ warn: e.currentTarget.value.replace(/[^\d]/g, "") })} />
                      <span>% of the target</span>
                    </div>
                    <Said text={shown.find((p) => p.at === "warn")?.text ?? (refused?.at.at === "warn" ? refused.text : undefined)} id="sla-warn-error" />
                  </Section>
                  <Section id="sla-escalation" title="Escalation" what="What a breach does to the conversation, once per breach: it raises the priority (a higher one stays) and gives it to a team. Anything else is an automation rule on a breach." bad={refused?.at.at === "escalation"}>
                    <div className="kit-grid">
                      <div className="field">
                        <span className="field-label">Raise the priority to</span>
                        <Select label="Raise the priority to" value={draft.escalatePriority} disabled={!admin} onChange={(escalatePriority) => set({ escalatePriority })}
                          options={[{ value: "", label: "Leave it as it is" }, ...Priorities.slice(1).reverse().map((p) => ({ value: p, label: cap(p), icon: <Icon name="flag" size={14} className={`prio-${p}`} /> }))]} />
                      </div>
                      <div className="field">
                        <span className="field-label">Give it to the team</span>
                        <Select label="Give it to the team" value={draft.escalateTeam} disabled={!admin} onChange={(escalateTeam) => set({ escalateTeam })}
                          options={[{ value: "", label: "No team: it stays" }, ...byName(teams).map((t) => ({ value: t.id, label: t.name, icon: <Icon name="team" size={14} /> })),
                            ...(draft.escalateTeam && !teams.some((t) => t.id === draft.escalateTeam) ? [{ value: draft.escalateTeam, label: "A removed team" }] : [])]} />
                      </div>
                    </div>
                    <Said text={refused?.at.at === "escalation" ? refused.text : undefined} />
                  </Section>
                </fieldset>
                {admin && (
                  <div className="kit-foot sla-foot">
                    {refused ? <Notice kind="error"><p><strong>Not saved.</strong> The edge says: {refused.text}</p></Notice>
                      : shown.length > 0 ? <Notice kind="error"><p>{shown.length === 1 ? shown[0].text : `${shown.length} things to fix, marked above.`}</p></Notice> : null}
                    <div className="form-actions">
                      {policy && <button type="button" className="btn quiet-danger sla-remove" onClick={() => setRemoving(true)}><Icon name="trash" size={14} />Remove policy</button>}
                      {dirty && <button type="button" className="btn" onClick={() => { setDraft(policy ? draftOf(policy, browserZone()) : null); setTried(false); setRefused(null); }}>
                        {policy ? "Discard changes" : "Cancel"}</button>}
                      <button type="submit" className="btn primary" disabled={busy}>
                        {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" size={14} />}{policy ? "Save policy" : "Create policy"}
                      </button>
                    </div>
                  </div>
                )}
              </form>
            )}
        {!admin && <Notice kind="info"><p>Only admins change the SLA policy.</p></Notice>}
      </div>
      {removing && (
        <Dialog label="sla-remove-title" onClose={() => setRemoving(false)}>
          <div className="dialog-head">
            <div>
              <h2 id="sla-remove-title">Remove the SLA policy?</h2>
              <p>Waits that start from now get no clocks, warnings or breaches, and nothing escalates. What was measured so far stays in the reports.</p>
            </div>
          </div>
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={() => setRemoving(false)}>Cancel</button>
            <button type="button" className="btn danger" disabled={busy} onClick={() => void remove()}><Icon name="trash" size={14} />Remove policy</button>
          </div>
        </Dialog>
      )}
    </Page>
  );
}

// Targets are the policy's targets: a row a measure, a column a priority
// (urgent first), each a duration.
function Targets({ draft, problems, refused, onChange }: {
  draft: Draft; problems: Problem[]; refused: { text: string; at: Refused } | null; onChange: (t: Draft["targets"]) => void;
}) {
  const over = refused?.at.at === "targets" ? overYear(draft) : [];
  const bad = (measure: Measure, level: number) => problems.some((p) => p.cell?.measure === measure && p.cell.level === level) || over.some((o) => o.measure === measure && o.level === level);
  const general = problems.find((p) => p.at === "targets" && !p.cell)?.text;
  const cells = problems.filter((p) => p.cell);
  return (
    <Section id="sla-targets" title="Targets" bad={refused?.at.at === "targets" || problems.some((p) => p.at === "targets")}
      what={<>How long each wait may take, by the conversation's priority, in hours and minutes: <code className="sla-eg">1h 30m</code>, <code className="sla-eg">45m</code>, <code className="sla-eg">2d</code> (48h). Empty: no target.</>}>
      <table className="sla-targets">
        <thead>
          <tr>
            <td />
            {columns.map((i) => <th key={i} scope="col"><Icon name="flag" size={12} className={`prio-${Levels[i]}`} />{cap(Levels[i])}</th>)}
          </tr>
        </thead>
        <tbody>
          {Measures.map((m) => (
            <tr key={m.id}>
              <th scope="row"><span className="sla-measure">{m.label}</span><span className="hint">{m.what}</span></th>
              {columns.map((i) => (
                <td key={i}>
                  <input className="input sla-target" value={draft.targets[m.id][i]} placeholder="—" aria-label={`${m.label} target, ${Levels[i]} priority`}
                    aria-invalid={bad(m.id, i) || undefined} spellCheck={false} autoComplete="off" maxLength={24}
                    onChange={(e) => onChange({ ...draft.targets, [m.id]: draft.targets[m.id].map((x, j) => (j === i ? e.currentTarget.value : x)) })}
                    onBlur={(e) => {
                      // what people typed, written as the policy keeps it: "90m" → "1h 30m"
                      const r = parseDuration(e.currentTarget.value);
                      if ("seconds" in r && formatDuration(r.seconds) !== e.currentTarget.value) {
                        onChange({ ...draft.targets, [m.id]: draft.targets[m.id].map((x, j) => (j === i ? formatDuration(r.seconds) : x)) });
                      }
                    }} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {cells.map((p) => <Said key={p.text} text={p.text} />)}
      <Said text={general ?? (refused?.at.at === "targets" ? overText(draft, over) || refused.text.replace(/^sla: /, "") : undefined)} />
    </Section>
  );
}


// Hours are the business hours: around the clock, or each weekday's hours
// in a time zone.
function Hours({ draft, zones, problems, refused, onChange }: {
  draft: Draft; zones: string[]; problems: Problem[]; refused: { text: string; at: Refused } | null; onChange: (c: Partial<Draft>) => void;
}) {
  const zoneSaid = problems.find((p) => p.at === "zone")?.text ?? (refused?.at.at === "zone" ? refused.text : undefined);
  const hoursSaid = problems.find((p) => p.at === "hours" && p.day === undefined)?.text;
  const setDay = (i: number, change: Partial<Day>) => onChange({ days: draft.days.map((x, j) => (j === i ? { ...x, ...change } : x)) });
  const place: Place[] = ["zone", "hours"];
  return (
    <Section id="sla-hours" title="Business hours" what="When the clocks count. Around the clock, every minute does; in business hours, only the hours the business is open, in its time zone."
      bad={place.includes(refused?.at.at as Place) || problems.some((p) => place.includes(p.at))}>
      <Switch checked={draft.business} onChange={(business) => onChange({ business })} label="Count business hours only"
        hint={draft.business ? undefined : "Off: around the clock, every day of the year."} />
      {draft.business && (
        <div className="sla-hours">
          <div className="field sla-zone">
            <span className="field-label">Time zone</span>
            <ZonePicker label="Time zone" value={draft.zone} zones={zones} onChange={(zone) => onChange({ zone })} invalid={!!zoneSaid} describedBy="sla-zone-error" />
            <Said text={zoneSaid} id="sla-zone-error" />
          </div>
          <div className="sla-week" role="group" aria-label="Opening hours">
            {draft.days.map((d, i) => {
              const said = problems.find((p) => p.at === "hours" && p.day === i)?.text ?? (refused?.at.at === "hours" && refused.at.day === i ? refused.text : undefined);
              return (
                <div key={i} className={`sla-day${d.open ? "" : " closed"}${said ? " has-error" : ""}`}>
                  <Switch checked={d.open} onChange={(open) => setDay(i, { open })} label={Weekdays[i]} />
                  {d.open ? (
                    <span className="sla-span">
                      <Select label={`${Weekdays[i]} opens at`} value={String(d.from)} size="sm" onChange={(v) => setDay(i, { from: Number(v) })}
                        options={times(false, [d.from]).map((m) => ({ value: String(m), label: timeText(m) }))} />
                      <span className="hint">to</span>
                      <Select label={`${Weekdays[i]} closes at`} value={String(d.to)} size="sm" onChange={(v) => setDay(i, { to: Number(v) })}
                        options={times(true, [d.to]).map((m) => ({ value: String(m), label: timeText(m) }))} />
                    </span>
                  ) : <span className="hint sla-closed">Closed</span>}
                  {said && <Said text={said} />}
                </div>
              );
            })}
          </div>
          <button type="button" className="btn sm ghost sla-copy" disabled={!draft.days[1].open} onClick={() => onChange({ days: sameAsMonday(draft.days) })}>
            <Icon name="copy" size={14} />Monday's hours for Tuesday to Friday
          </button>
          <Said text={hoursSaid ?? (refused?.at.at === "hours" && refused.at.day === undefined ? refused.text : undefined)} />
        </div>
      )}
    </Section>
  );
}

// overText says which targets are longer than the edge takes, for its
// refusal of a target: "Resolution, low: 9000h is longer than a year…".
function overText(d: Draft, over: { measure: Measure; level: number }[]): string {
  if (!over.length) return "";
  const cells = over.map((o) => `${Measures.find((m) => m.id === o.measure)?.label}, ${Levels[o.level]}: ${d.targets[o.measure][o.level].trim()}`);
  return `${cells.join("; ")} ${over.length === 1 ? "is" : "are"} longer than a year (${maxTarget / 3600}h), the longest a target may be.`;
}

const slaCss = `
.sla-fields { margin: 0; padding: 0; border: 0; min-width: 0; }
.sla-targets { border-collapse: separate; border-spacing: 8px 6px; margin: -6px -8px; }
.sla-targets th { text-align: left; font-weight: var(--ed-weight-semibold); font-size: var(--ed-text-sm); white-space: nowrap; }
.sla-targets thead th { padding: 0 2px; }
.sla-targets thead th .icon { display: inline-block; vertical-align: -1px; margin-right: 5px; }
.sla-targets tbody th { padding-right: 8px; }
.sla-targets .sla-measure { display: block; }
.sla-targets tbody th .hint { display: block; max-width: 220px; font-weight: var(--ed-weight-regular); font-size: var(--ed-text-xs); white-space: normal; line-height: 1.35; }
.input.sla-target { width: 104px; font-variant-numeric: tabular-nums; }
.sla-hours { margin-top: 16px; }
.sla-zone { max-width: 420px; }
.zone-btn { width: 100%; }
.zone-btn .zone-offset { margin-left: 4px; color: var(--muted); font-weight: var(--ed-weight-regular); font-size: var(--ed-text-sm); }
.popover.zone-popover { display: flex; flex-direction: column; width: 360px; max-width: 360px; overflow: hidden; padding: 6px; }
.zone-search { margin-bottom: 4px; }
.zone-search .input { height: 32px; font-size: var(--ed-text-sm); }
.zone-list { flex: 1; min-height: 0; max-height: 300px; overflow-y: auto; }
.zone-list .zone-name { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.zone-hint { margin: 4px 6px 2px; color: var(--muted); font-size: var(--ed-text-xs); }
.sla-week { display: flex; flex-direction: column; max-width: 520px; border: 1px solid var(--border); border-radius: var(--ed-radius-lg); }
.sla-day { display: grid; grid-template-columns: 150px minmax(0, 1fr); align-items: center; gap: 4px 12px; min-height: 44px; padding: 4px 12px; border-top: 1px solid var(--border); }
.sla-day:first-child { border-top: 0; }
.sla-day.closed { background: var(--subtle); }
.sla-day.has-error { background: var(--danger-soft); }
.sla-day > .kit-error { grid-column: 1 / -1; margin: 0 0 4px; }
.sla-span { display: flex; align-items: center; gap: 8px; }
.sla-span .select-btn { width: 92px; font-variant-numeric: tabular-nums; }
.sla-closed { padding-left: 2px; }
.sla-copy { margin-top: 8px; color: var(--accent-text); }
.holidays { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 10px; padding: 0; list-style: none; }
.chip.holiday { display: inline-flex; align-items: center; gap: 5px; height: 26px; padding: 0 4px 0 9px; font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium); }
.chip.holiday .icon { color: var(--muted); }
.chip.holiday button { display: inline-grid; place-items: center; width: 20px; height: 20px; border: 0; border-radius: 50%; background: none; color: var(--muted); cursor: pointer; }
.chip.holiday button:hover { background: var(--hover); color: var(--text); }
.chip.holiday button:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.kit-controls .holiday-add > .date-btn { align-self: flex-start; width: auto; min-width: 220px; }
.sla-none { margin: 0 0 10px; }
.sla-eg { padding: 0 4px; border-radius: var(--ed-radius-sm); background: var(--subtle); color: var(--text); font-family: var(--mono); font-size: var(--ed-text-xs);
  box-shadow: inset 0 0 0 1px var(--border); white-space: nowrap; }
.holiday-add { margin: 4px 0 0; }
.sla-inline { display: flex; align-items: center; gap: 10px; font-size: var(--ed-text-sm); }
.sla-inline label { font-weight: var(--ed-weight-semibold); }
.input.sla-percent { width: 64px; text-align: right; font-variant-numeric: tabular-nums; }
.sla-foot .form-actions { align-items: center; }
.sla-foot .sla-remove { margin-right: auto; }
.sla-form .switch-text { display: flex; flex-direction: column; gap: 2px; font-weight: var(--ed-weight-medium); }
.sla-form .switch-text .hint { font-weight: var(--ed-weight-regular); }
`;

const sheet = document.createElement("style");
sheet.textContent = slaCss;
document.head.appendChild(sheet);
