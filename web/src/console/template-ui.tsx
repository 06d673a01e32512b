// How the console shows and sends WhatsApp's message templates
// (templates.ts says what they may be): a template reply in the timeline
// as a card with the Template tag, its name, language and parameters, and
// the reply box's template composer, a panel above the box: the name, the
// language (the common codes, or any typed), the body parameters {{1}},
// {{2}}… as a list, a preview of the reply as the timeline will show it,
// and the templates sent lately as chips that fill the form in one click.
// The edge's refusal stays in the panel, with the form as it was.

import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Template } from "../protocol.gen";
import { Icon } from "./icons";
import {
  check, Draft, draftOf, languageName, Languages, matchLanguages, MaxParams, normalLanguage, ownText, suggestName, templateText, toTemplate,
} from "./templates";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// TemplateCard is a template reply's content in its bubble: the Template
// tag, the name and the language, the text its sender wrote (when not the
// edge's line), and the parameters in order. Empty values show as their
// placeholders (the composer's preview).
export function TemplateCard({ template: t, text }: { template: Template; text?: string }) {
  const own = ownText(text, t);
  const params = t.params ?? [];
  const lang = languageName(t.language);
  return (
    <span className="tpl-card">
      {/* read as "Template order_update in pt_BR"; drawn with the name under the tag and the language */}
      <span className="tpl-head">
        <span className="tpl-tag"><Icon name="template" size={11} />Template</span>
        <span className={`tpl-name${t.name ? "" : " empty"}`}>{t.name || "template_name"}</span>
        <span className={`tpl-lang${t.language ? "" : " empty"}`} title={lang || undefined}>
          <span className="sr-only">in </span>{t.language || "language"}
        </span>
      </span>
      {own && <span className="tpl-own">{own}</span>}
      {params.length > 0 && (
        <span className="tpl-params" role="list" aria-label="Parameters">
          {params.map((p, i) => (
            <span key={i} role="listitem" className={`tpl-param${p.trim() ? "" : " empty"}`}>
              <span className="tpl-ix" aria-hidden="true">{i + 1}</span>
              <span className="sr-only">{`{{${i + 1}}}: `}</span>
              {p.trim() || `{{${i + 1}}}`}
            </span>
          ))}
        </span>
      )}
    </span>
  );
}

// LanguageField is a language code's field: it offers the common codes
// (their names beside them) as the agent types, and takes any other code;
// arrow keys move through the offer, Enter or a click takes one, Escape
// closes it. Leaving the field writes the code as WhatsApp does (pt-br is
// pt_BR).
function LanguageField({ id, value, onChange, onEnter, onLeave, invalid, describedBy, disabled, input }: {
  id: string; value: string; onChange: (v: string) => void; onLeave: () => void;
  onEnter: (took: boolean) => void; // Enter pressed (took: on an offered code, or a click on one)
  invalid: boolean; describedBy?: string; disabled: boolean;
  input: React.RefObject<HTMLInputElement | null>;
}) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [typed, setTyped] = useState(false); // filter by what was typed, else offer them all
  const list = useRef<HTMLUListElement>(null);
  // the value as last changed: a code taken and the blur that follows are one event
  const current = useRef(value);
  current.current = value;
  const shown = typed ? matchLanguages(value) : matchLanguages("");
  const listId = `${id}-list`;
  // the offer opens on the chosen code; typing highlights the first match
  // at once (Enter right after typing takes it)
  const openAll = () => {
    setTyped(false);
    setActive(Languages.findIndex((l) => l.code === current.current));
    setOpen(true);
  };
  useLayoutEffect(() => {
    if (active < 0) return;
    list.current?.children[active]?.scrollIntoView({ block: "nearest" });
  }, [active, open]);
  const take = (code: string) => {
    current.current = code;
    onChange(code);
    setOpen(false);
    setTyped(false);
  };
  // tidy writes what was typed as WhatsApp writes it
  const tidy = () => {
    const v = current.current, n = normalLanguage(v);
    if (n !== v) {
      current.current = n;
      onChange(n);
    }
  };
  const key = (ev: React.KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!open) {
        openAll();
        return;
      }
      if (!shown.length) return;
      setActive((a) => (a + (ev.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length);
    } else if (ev.key === "Escape" && open) {
      ev.preventDefault();
      ev.stopPropagation(); // the list closes, not the panel
      setOpen(false);
    } else if (ev.key === "Enter" && !ev.nativeEvent.isComposing && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      if (open && active >= 0 && shown[active]) {
        take(shown[active].code);
        onEnter(true);
        return;
      }
      setOpen(false);
      tidy();
      onEnter(false);
    } else if (ev.key === "Tab" && open) {
      setOpen(false);
    }
  };
  const name = languageName(normalLanguage(value));
  return (
    <div className={`tpl-lang-field${open ? " open" : ""}`}>
      <div className={`tpl-combo${invalid ? " invalid" : ""}`}>
        <Icon name="language" size={14} className="tpl-combo-icon" />
        <input ref={input} id={id} className="tpl-input" type="text" role="combobox" aria-autocomplete="list" aria-expanded={open}
          aria-controls={open ? listId : undefined} aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid={invalid || undefined} aria-describedby={describedBy} value={value} readOnly={disabled} placeholder="en_US"
          autoComplete="off" spellCheck={false} maxLength={16}
          onChange={(e) => {
            const v = e.currentTarget.value;
            current.current = v;
            onChange(v);
            setTyped(true);
            setActive(matchLanguages(v).length ? 0 : -1);
            setOpen(true);
          }}
          onClick={() => { if (!open) openAll(); }}
          onBlur={(e) => {
            if (list.current?.contains(e.relatedTarget as Node)) return;
            setOpen(false);
            setTyped(false);
            tidy();
            onLeave();
          }}
          onKeyDown={key} />
        {name && !open && <span className="tpl-combo-name" aria-hidden="true">{name}</span>}
        <button type="button" className="tpl-combo-toggle" tabIndex={-1} aria-label="Common languages" aria-expanded={open} aria-controls={open ? listId : undefined}
          disabled={disabled} onMouseDown={(e) => e.preventDefault()}
          onClick={() => { if (open) setOpen(false); else openAll(); input.current?.focus(); }}>
          <Icon name="chevronDown" size={14} />
        </button>
      </div>
      {open && (
        <ul ref={list} id={listId} className="tpl-options" role="listbox" aria-label="Common WhatsApp languages">
          {shown.length === 0 ? (
            <li className="tpl-options-none" role="presentation">Not a common one: Enter takes “{normalLanguage(value)}” as typed.</li>
          ) : shown.map((l, i) => (
            <li key={l.code} id={`${listId}-${i}`} role="option" aria-selected={l.code === value} className={i === active ? "active" : undefined}
              onMouseDown={(e) => e.preventDefault()} onMouseEnter={() => setActive(i)} onClick={() => { take(l.code); onEnter(true); }}>
              <span className="code">{l.code}</span><span className="lname">{l.name}</span>
              {l.code === value && <Icon name="check" size={14} className="tick" />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const emptyDraft = (): Draft => ({ name: "", language: "", params: [] });

// TemplateComposer is the reply box's panel that sends a template: the
// form, its preview, the recent templates, and Send. send resolves to the
// edge's refusal, or "" once the template went; the panel closes then.
export function TemplateComposer({ platform, draft, onDraft, recent, send, onClose, customer }: {
  platform: string; // "WhatsApp"
  draft: Draft; onDraft: (d: Draft) => void;
  recent: Template[];
  send: (t: Template) => Promise<string>;
  onClose: () => void;
  customer: string; // the customer's name, in the panel's lede
}) {
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState("");
  const [tried, setTried] = useState(false); // Send was pressed: every problem shows
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const nameInput = useRef<HTMLInputElement>(null);
  const langInput = useRef<HTMLInputElement>(null);
  const params = useRef<(HTMLInputElement | null)[]>([]);
  const sendBtn = useRef<HTMLButtonElement>(null);
  const focusNext = useRef<number | "send" | null>(null);
  // the draft as last changed: Enter may send in the same event that changed it
  const latest = useRef(draft);
  latest.current = draft;
  const problems = check(draft);
  const shown = (field: string, problem: string) => (tried || touched[field] ? problem : "");
  // a field left with something in it says what is wrong with it; an
  // empty one waits for Send
  const leave = (field: string, value: string) => {
    if (value.trim()) setTouched((t) => (t[field] ? t : { ...t, [field]: true }));
  };
  useEffect(() => {
    // the first field to fill in
    if (!draft.name) nameInput.current?.focus();
    else if (!draft.language) langInput.current?.focus();
    else {
      const i = draft.params.findIndex((p) => !p.trim());
      if (i >= 0) params.current[i]?.focus();
      else nameInput.current?.focus();
    }
  }, []);
  // a row added, or a recent template taken: the focus goes where it was meant to
  useEffect(() => {
    const f = focusNext.current;
    if (f === null) return;
    focusNext.current = null;
    if (f === "send") sendBtn.current?.focus();
    else {
      const el = params.current[f];
      el?.focus();
      el?.select(); // its value chosen: typing replaces it
    }
  });
  const change = (d: Draft) => {
    latest.current = d;
    onDraft(d);
    if (refused) setRefused("");
  };
  const setParam = (i: number, v: string) => change({ ...draft, params: draft.params.map((p, j) => (j === i ? v : p)) });
  const addParam = () => {
    if (draft.params.length >= MaxParams) return;
    focusNext.current = draft.params.length;
    change({ ...draft, params: [...draft.params, ""] });
  };
  const removeParam = (i: number) => {
    const next = draft.params.filter((_, j) => j !== i);
    focusNext.current = next.length ? Math.min(i, next.length - 1) : null;
    if (!next.length) setTimeout(() => langInput.current?.focus());
    setTouched((t) => {
      // the rows after it move up one, and what was said of them with them
      const n: Record<string, boolean> = { name: !!t.name, language: !!t.language };
      next.forEach((_, j) => { if (t[`p${j < i ? j : j + 1}`]) n[`p${j}`] = true; });
      return n;
    });
    change({ ...draft, params: next });
  };
  // a recent template fills the form: the focus goes to its first
  // parameter (what changes from one customer to the next), else to Send
  const fill = (t: Template) => {
    const d = draftOf(t);
    setTouched({});
    setTried(false);
    change(d);
    focusNext.current = d.params.length ? 0 : "send";
  };
  const submit = async () => {
    if (busy) return;
    const d = latest.current;
    const p = check(d);
    setTried(true);
    if (p.count > 0) {
      // the focus goes to the first field to fix
      if (p.name) nameInput.current?.focus();
      else if (p.language) langInput.current?.focus();
      else params.current[p.params.findIndex(Boolean)]?.focus();
      return;
    }
    setBusy(true);
    setRefused("");
    const why = await send(toTemplate(d));
    setBusy(false);
    if (why) setRefused(why);
  };
  // Enter goes to the next field, and sends from the last one
  const enterIn = (field: "name" | "language" | number, took = false) => {
    const last = latest.current.params.length - 1;
    if (field === "name") langInput.current?.focus();
    else if (field === "language") {
      if (last >= 0) params.current[0]?.focus();
      else if (took) sendBtn.current?.focus(); // a code chosen in the list: not sent yet
      else void submit();
    } else if (field < last) params.current[field + 1]?.focus();
    else void submit();
  };
  const enterKey = (field: "name" | number) => (ev: React.KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === "Enter" && !ev.nativeEvent.isComposing && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      enterIn(field);
    }
  };
  const key = (ev: React.KeyboardEvent) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      if (!busy) onClose();
    } else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      void submit();
    }
  };
  const nameError = shown("name", problems.name);
  const langError = shown("language", problems.language);
  const suggestion = nameError ? suggestName(draft.name) : "";
  const preview = toTemplate(draft);
  const line = templateText({ ...preview, params: draft.params.map((p, i) => p.trim() || `{{${i + 1}}}`) });
  return (
    <div className="tpl-panel" role="dialog" aria-modal="false" aria-labelledby="tpl-title" aria-describedby="tpl-lede" aria-busy={busy || undefined} onKeyDown={key}>
      <div className="tpl-top">
        <span className="tpl-mark" aria-hidden="true"><Icon name="whatsapp" size={18} /></span>
        <div className="tpl-heading">
          <h2 id="tpl-title">Send a {platform} template</h2>
          <p id="tpl-lede">An approved template reaches {customer} also after the 24-hour window.</p>
        </div>
        <button type="button" className="btn sm ghost icon-only" aria-label="Close the template composer" title="Close (Esc)" onClick={onClose} disabled={busy}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <div className="tpl-recent" role="group" aria-labelledby="tpl-recent-label">
        <span className="tpl-section" id="tpl-recent-label">Recent</span>
        {recent.length === 0 ? (
          <span className="tpl-recent-none">None yet: the templates you send are kept here, to reuse in one click.</span>
        ) : (
          <span className="tpl-chips">
            {recent.map((t) => (
              <button key={`${t.name}/${t.language}`} type="button" className="tpl-chip" disabled={busy} title={templateText(t)}
                aria-label={`Use ${t.name} ${t.language}: ${[languageName(t.language), `${t.params?.length ?? 0} ${t.params?.length === 1 ? "parameter" : "parameters"}`].filter(Boolean).join(", ")}`}
                onClick={() => fill(t)}>
                <Icon name="history" size={12} /><span className="tpl-chip-name">{t.name}</span>{" "}<span className="tpl-chip-lang">{t.language}</span>
              </button>
            ))}
          </span>
        )}
      </div>
      <div className="tpl-body">
        <div className="tpl-form">
          <div className="tpl-field">
            <label className="tpl-label" htmlFor="tpl-name">Name</label>
            <input ref={nameInput} id="tpl-name" className="input tpl-name-input" type="text" value={draft.name}
              readOnly={busy} placeholder="order_update" autoComplete="off" spellCheck={false} autoCapitalize="off"
              aria-invalid={nameError ? true : undefined} aria-describedby={nameError ? "tpl-name-error" : "tpl-name-hint"}
              onChange={(e) => change({ ...draft, name: e.currentTarget.value })} onBlur={() => leave("name", latest.current.name)}
              onKeyDown={enterKey("name")} />
            {nameError ? (
              <p className="tpl-error" id="tpl-name-error">
                <Icon name="alert" size={12} /><span>{nameError}</span>
                {suggestion && (
                  <button type="button" className="tpl-fix" onClick={() => { change({ ...draft, name: suggestion }); nameInput.current?.focus(); }}>
                    Use {suggestion}
                  </button>
                )}
              </p>
            ) : <p className="tpl-hint" id="tpl-name-hint">Exactly as approved in WhatsApp Manager.</p>}
          </div>
          <div className="tpl-field">
            <label className="tpl-label" htmlFor="tpl-language">Language</label>
            <LanguageField id="tpl-language" value={draft.language} input={langInput} disabled={busy}
              invalid={!!langError} describedBy={langError ? "tpl-language-error" : undefined}
              onChange={(v) => change({ ...latest.current, language: v })} onEnter={(took) => enterIn("language", took)}
              onLeave={() => leave("language", latest.current.language)} />
            {langError && <p className="tpl-error" id="tpl-language-error"><Icon name="alert" size={12} /><span>{langError}</span></p>}
          </div>
          <div className="tpl-field" role="group" aria-labelledby="tpl-params-label">
            <div className="tpl-params-head">
              <span className="tpl-label" id="tpl-params-label">Body parameters</span>
              <span className="tpl-count">{draft.params.length} of {MaxParams}</span>
            </div>
            {draft.params.length === 0 && <p className="tpl-hint">None: for a template whose body has no {"{{1}}"}.</p>}
            {draft.params.length > 0 && (
              <ol className="tpl-param-rows">
                {draft.params.map((p, i) => {
                  const err = shown(`p${i}`, problems.params[i]);
                  return (
                    <li key={i} className={`tpl-param-row${err ? " invalid" : ""}`}>
                      <span className="tpl-var" aria-hidden="true">{`{{${i + 1}}}`}</span>
                      <input ref={(el) => { params.current[i] = el; }} className="input" type="text" value={p} readOnly={busy}
                        aria-label={`Parameter {{${i + 1}}}`} aria-invalid={err ? true : undefined} aria-describedby={err ? `tpl-p${i}-error` : undefined}
                        placeholder={i === 0 ? "#1042" : `Value of {{${i + 1}}}`} autoComplete="off"
                        onChange={(e) => setParam(i, e.currentTarget.value)} onBlur={() => leave(`p${i}`, latest.current.params[i] ?? "")}
                        onKeyDown={enterKey(i)} />
                      <button type="button" className="btn sm ghost icon-only" aria-label={`Remove parameter {{${i + 1}}}`} title="Remove" disabled={busy}
                        onClick={() => removeParam(i)}>
                        <Icon name="trash" size={14} />
                      </button>
                      {err && <p className="tpl-error" id={`tpl-p${i}-error`}><Icon name="alert" size={12} /><span>{err}</span></p>}
                    </li>
                  );
                })}
              </ol>
            )}
            <button type="button" className="btn sm ghost tpl-add" onClick={addParam} disabled={busy || draft.params.length >= MaxParams}
              title={draft.params.length >= MaxParams ? `At most ${MaxParams} parameters` : undefined}>
              <Icon name="plus" size={14} />Add parameter {`{{${draft.params.length + 1 > MaxParams ? MaxParams : draft.params.length + 1}}}`}
            </button>
          </div>
        </div>
        <div className="tpl-preview" aria-labelledby="tpl-preview-label" role="group">
          <span className="tpl-section" id="tpl-preview-label">Preview</span>
          <div className="tpl-preview-chat">
            <div className="msg agent tpl-msg">
              <TemplateCard template={{ ...preview, params: draft.params }} />
            </div>
          </div>
          <p className="tpl-preview-line" title={line}>
            <span>Listed as</span> <q>{line}</q>
          </p>
          <p className="tpl-hint">{platform} fills the approved body with the parameters, in order.</p>
        </div>
      </div>
      <div className="tpl-foot">
        {refused && (
          <p className="tpl-refused" role="alert" id="tpl-refused">
            <Icon name="alert" size={14} /><span><strong>Not sent.</strong> {cap(refused)}{/[.!?]$/.test(refused) ? "" : "."}</span>
          </p>
        )}
        {!refused && tried && problems.count > 0 && (
          <p className="tpl-refused quiet" role="alert">
            <Icon name="alert" size={14} /><span>{problems.count === 1 ? "One thing to fix, marked above." : `${problems.count} things to fix, marked above.`}</span>
          </p>
        )}
        <div className="tpl-actions">
          <span className="tpl-keys"><kbd>Esc</kbd> closes · <kbd>Enter</kbd> in the last field sends</span>
          <button type="button" className="btn sm" onClick={onClose} disabled={busy}>Cancel</button>
          <button ref={sendBtn} type="button" className="btn sm primary tpl-send" onClick={() => void submit()} disabled={busy}
            aria-describedby={refused ? "tpl-refused" : undefined}>
            {busy ? <><span className="spinner" aria-hidden="true" />Sending…</> : <><Icon name="send" size={14} />Send template</>}
          </button>
        </div>
      </div>
    </div>
  );
}
