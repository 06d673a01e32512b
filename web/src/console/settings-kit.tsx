// What the Views, Statuses and SLA settings pages share, on the design
// system's controls: a list that could not be loaded, skeleton rows while
// it loads, an editor's page (back to the list, sections with what they
// are on the left, the foot with the edge's refusal and the buttons),
// toggle chips to pick several of a few, and a field of tags as chips. Its
// style sheet comes with the first of those pages opened.

import { ReactNode, useEffect, useRef, useState } from "react";
import { Icon } from "./icons";
import { Notice } from "./ui";

export function LoadError({ what, error, onRetry }: { what: string; error: string; onRetry: () => void }) {
  return (
    <div className="state" role="alert">
      <div className="state-icon error"><Icon name="alert" size={22} /></div>
      <h2>The {what} could not be loaded</h2>
      <p>{error}</p>
      <button type="button" className="btn" onClick={onRetry}><Icon name="reopen" size={14} />Try again</button>
    </div>
  );
}

export function Skeleton({ what, rows = 3 }: { what: string; rows?: number }) {
  return (
    <div className="kit-loading" aria-busy="true">
      <p role="status" className="sr-only">Loading {what}…</p>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="kit-skeleton" aria-hidden="true">
          <span className="skeleton" style={{ width: 28, height: 28, borderRadius: 8 }} />
          <span className="lines"><span className="skeleton" style={{ width: `${26 + i * 9}%` }} /><span className="skeleton" style={{ width: `${64 - i * 8}%` }} /></span>
        </div>
      ))}
    </div>
  );
}

// EditorPage is a page around an editor's form: back to the list, the
// title and what it is, the sections, and the foot with the edge's
// refusal (its own words), what is left to fix, and the buttons.
export function EditorPage({ title, crumb, lede, children, refusal, problems, busy, submit, onCancel, onSubmit }: {
  title: string; crumb: string; lede: string; children: ReactNode; refusal: string; problems: string[]; busy: boolean;
  submit: string; onCancel: () => void; onSubmit: () => void;
}) {
  const foot = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (refusal) foot.current?.scrollIntoView({ block: "nearest" });
  }, [refusal]);
  return (
    <div className="settings" role="region" aria-labelledby="kit-editor-title">
      <div className="settings-inner">
        <div className="page-head">
          <div>
            <button type="button" className="crumb kit-back" onClick={onCancel}><Icon name="chevronLeft" size={12} />{crumb}</button>
            <h1 id="kit-editor-title">{title}</h1>
            <p className="lede">{lede}</p>
          </div>
        </div>
        <form className="card kit-editor" aria-labelledby="kit-editor-title" noValidate onSubmit={(ev) => { ev.preventDefault(); onSubmit(); }}>
          {children}
          <div className="kit-foot" ref={foot}>
            {refusal ? (
              <Notice kind="error"><p><strong>Not saved.</strong> The edge says: {refusal}</p></Notice>
            ) : problems.length > 0 ? (
              <Notice kind="error"><p>{problems.length === 1 ? problems[0] : `${problems.length} things to fix, marked above.`}</p></Notice>
            ) : null}
            <div className="form-actions">
              <button type="button" className="btn" onClick={onCancel}>Cancel</button>
              <button type="submit" className="btn primary" disabled={busy}>
                {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" size={14} />}{submit}
              </button>
            </div>
          </div>
        </form>
      </div>
    </div>
  );
}

// Section is a part of an editor: what it is on the left, its controls on
// the right; marked when the edge's refusal points at it.
export function Section({ id, title, what, children, bad }: { id: string; title: string; what: ReactNode; children: ReactNode; bad?: boolean }) {
  return (
    <div className={`kit-section${bad ? " has-error" : ""}`} role="group" aria-labelledby={id}>
      <div className="section-what">
        <h2 id={id}>{title}</h2>
        <p className="hint">{what}</p>
      </div>
      <div className="kit-controls">{children}</div>
    </div>
  );
}

// Said is a problem under a control.
export function Said({ text, id }: { text?: string; id?: string }) {
  return text ? <p className="field-error kit-error" id={id}><Icon name="alert" size={12} />{text}</p> : null;
}

// ToggleChips picks any of a few options, each a button that is pressed
// or not; none pressed is said by empty.
export function ToggleChips<T extends string>({ label, options, values, onChange, empty }: {
  label: string; options: { value: T; label: string; icon?: ReactNode }[]; values: T[]; onChange: (v: T[]) => void; empty?: string;
}) {
  return (
    <div className="toggle-chips" role="group" aria-label={label}>
      {options.map((o) => {
        const on = values.includes(o.value);
        return (
          <button key={o.value} type="button" className="toggle-chip" aria-pressed={on}
            onClick={() => onChange(on ? values.filter((v) => v !== o.value) : options.map((x) => x.value).filter((v) => v === o.value || values.includes(v)))}>
            {on ? <Icon name="check" size={12} /> : o.icon}{o.label}
          </button>
        );
      })}
      {empty && values.length === 0 && <span className="hint toggle-empty">{empty}</span>}
    </div>
  );
}

// TagsField is a list of tags as chips: Enter, a comma or leaving the
// field makes what was typed tags (add says how); Backspace in the empty
// field takes the last one back to be changed.
export function TagsField({ label, values, onChange, add, invalid, describedBy, placeholder }: {
  label: string; values: string[]; onChange: (v: string[]) => void; add: (have: string[], typed: string) => string[];
  invalid?: boolean; describedBy?: string; placeholder?: string;
}) {
  const [draft, setDraft] = useState("");
  const commit = () => {
    if (!draft.trim()) return;
    onChange(add(values, draft));
    setDraft("");
  };
  return (
    <div className={`tags-field${invalid ? " invalid" : ""}`}>
      {values.map((v) => (
        <span key={v} className="chip tag-chip">
          <Icon name="tag" size={11} />
          <span className="tag-name">{v}</span>
          <button type="button" aria-label={`Remove ${v} from ${label}`} title={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
            <Icon name="close" size={11} />
          </button>
        </span>
      ))}
      <input className="tags-input" value={draft} aria-label={label} placeholder={values.length ? "" : placeholder}
        aria-invalid={invalid || undefined} aria-describedby={describedBy} autoComplete="off" spellCheck={false} maxLength={80}
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

const kitCss = `
.kit-loading { padding: 4px 0; }
.kit-skeleton { display: flex; gap: 14px; align-items: center; padding: 14px 20px; border-bottom: 1px solid var(--border); }
.kit-skeleton:last-child { border-bottom: 0; }
.kit-skeleton .lines { flex: 1; display: flex; flex-direction: column; gap: 8px; }
.crumb.kit-back { display: inline-flex; align-items: center; gap: 4px; padding: 2px 6px; margin-left: -6px; border: 0; border-radius: var(--ed-radius-sm);
  background: none; cursor: pointer; }
.crumb.kit-back:hover { background: var(--hover); color: var(--text); }
.crumb.kit-back:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.kit-editor { padding: 0; }
.kit-section { display: grid; grid-template-columns: 220px minmax(0, 1fr); gap: 24px; padding: 20px; border-top: 1px solid var(--border); }
.kit-section:first-child { border-top: 0; }
.kit-section.has-error { background: color-mix(in srgb, var(--danger-soft) 40%, transparent); box-shadow: inset 3px 0 0 var(--danger); }
.kit-section .section-what h2 { margin: 0 0 4px; font-size: var(--ed-text-md); }
.kit-section .section-what .hint { line-height: 1.5; }
.kit-controls { min-width: 0; }
.kit-controls > .field:last-child { margin-bottom: 0; }
.kit-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px 20px; max-width: 640px; }
.kit-grid .field { margin: 0; }
.kit-grid .field.wide { grid-column: 1 / -1; }
.kit-grid .select-btn, .kit-controls .field > .select-btn { width: 100%; }
.kit-error { display: flex; align-items: center; gap: 5px; margin-top: 6px; }
.kit-foot { position: sticky; bottom: 0; z-index: 2; padding: 14px 20px; border-top: 1px solid var(--border); background: var(--surface);
  border-radius: 0 0 var(--ed-radius-lg) var(--ed-radius-lg); }
.kit-foot .notice { margin-bottom: 12px; }
.toggle-chips { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.toggle-chip { display: inline-flex; align-items: center; gap: 5px; height: 28px; padding: 0 11px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-full); background: var(--surface); color: var(--text); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium);
  cursor: pointer; white-space: nowrap; }
.toggle-chip:hover { background: var(--hover); }
.toggle-chip .icon { color: var(--muted); }
.toggle-chip[aria-pressed=true] { border-color: var(--accent); background: var(--accent-soft); color: var(--accent-text); }
.toggle-chip .icon.prio-urgent { color: var(--danger); }
.toggle-chip .icon.prio-high { color: var(--ed-color-warn); }
.toggle-chip[aria-pressed=true] .icon { color: inherit; }
.toggle-chip:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--focus); border-color: var(--accent); }
.toggle-empty { margin-left: 4px; }
.tags-field { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; min-height: 34px; padding: 4px 6px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-md); background: var(--surface); cursor: text; }
.tags-field:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.tags-field.invalid { border-color: var(--danger); }
.tags-input { flex: 1; min-width: 120px; height: 24px; padding: 0 4px; border: 0; background: transparent; color: var(--text); font: inherit; font-size: var(--ed-text-sm); }
.tags-input:focus { outline: none; }
.tags-input::placeholder { color: var(--muted); opacity: 1; }
.kit-rows { list-style: none; margin: 0; padding: 0; }
.kit-row { display: grid; grid-template-columns: 32px minmax(0, 1fr) auto; gap: 14px; align-items: center; padding: 12px 16px 12px 20px; border-bottom: 1px solid var(--border); }
.kit-row:last-child { border-bottom: 0; }
.kit-row.has-error { background: var(--danger-soft); box-shadow: inset 3px 0 0 var(--danger); }
.kit-row.editing { background: var(--selected); }
.kit-icon { display: grid; place-items: center; width: 32px; height: 32px; border-radius: var(--ed-radius-lg); background: var(--accent-soft); color: var(--accent-text); }
.kit-icon.quiet { background: var(--subtle); color: var(--muted); }
.kit-main { min-width: 0; }
.kit-name { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; margin: 0 0 2px; }
.kit-name strong { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.kit-what { margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); font-size: var(--ed-text-sm); }
.kit-side { display: flex; align-items: center; gap: 10px; }
.kit-count { min-width: 32px; padding: 0 8px; border-radius: var(--ed-radius-full); background: var(--subtle); color: var(--text); box-shadow: inset 0 0 0 1px var(--border);
  font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); line-height: 22px; text-align: center; font-variant-numeric: tabular-nums; }
.kit-cards { display: flex; flex-direction: column; gap: 16px; }
.kit-cards > .notice { margin: 0; }
@media (max-width: 1199px) { .kit-section { grid-template-columns: minmax(0, 1fr); gap: 10px; } }
`;

const sheet = document.createElement("style");
sheet.textContent = kitCss;
document.head.appendChild(sheet);
