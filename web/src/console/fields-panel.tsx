// The "Fields" section of the side panel: the conversation's type and the
// tenant's custom fields, each with a control that fits its kind (a text
// or number field saved on Enter or when left, the date picker, a
// drop-down, a switch), saved with set_fields as the agent changes them.
// A field Solve needs is marked; after a Solve refused for want of them,
// those still empty are outlined and said, and the first gets the focus
// when the agent asks for it.

import { useEffect, useRef, useState } from "react";
import type { FieldDef } from "../protocol.gen";
import { DatePicker } from "./datepicker";
import { checkValue, empty, optionLabel, TypeKey } from "./fields";
import { Icon } from "./icons";
import type { Conv } from "./inbox";
import { Option, Select, Switch } from "./ui";

// Save sets (values) or clears (clear) fields; it resolves to the edge's
// refusal, or "" once taken.
export type Save = (values: Record<string, string>, clear: string[]) => Promise<string>;

export function FieldsSection({ conv, defs, error, onRetry, onSave, missing, focusToken }: {
  conv: Conv; defs: FieldDef[] | null; error: string; onRetry: () => void; onSave: Save;
  missing: string[]; // the fields a refused Solve named
  focusToken: number; // changes when the agent asks to fill them in: the first missing one gets the focus
}) {
  const box = useRef<HTMLElement>(null);
  const values = conv.fields ?? {};
  const still = (defs ?? []).filter((d) => missing.includes(d.key) && empty(d, values[d.key]));
  useEffect(() => {
    if (!focusToken) return;
    const el = box.current?.querySelector<HTMLElement>(".pfield.missing input, .pfield.missing button");
    box.current?.scrollIntoView({ block: "nearest" });
    el?.focus({ preventScroll: true });
  }, [focusToken]);
  const required = (defs ?? []).filter((d) => d.required_on_solve).length;
  return (
    <section ref={box} className="panel-section fields-section" aria-labelledby="fields-title">
      <h3 id="fields-title"><Icon name="fields" size={14} />Fields
        {required > 0 && <span className="req-note" title="Marked fields need a value before the conversation is solved"><span aria-hidden="true">*</span> needed to solve</span>}
      </h3>
      {still.length > 0 && (
        <p className="fields-missing" role="status"><Icon name="alert" size={14} />Fill in {still.map((d) => d.label).join(", ")} to solve this conversation.</p>
      )}
      {defs === null && error ? (
        <div className="panel-error" role="alert">
          <p>The fields could not be loaded: {error}</p>
          <button type="button" className="btn sm" onClick={onRetry}><Icon name="reopen" size={14} />Try again</button>
        </div>
      ) : defs === null ? (
        <div className="facts-loading" aria-hidden="true"><span className="skeleton" style={{ width: "75%" }} /><span className="skeleton" style={{ width: "55%" }} /></div>
      ) : (
        <div className="pfields">
          {defs.map((d) => (
            <FieldControl key={`${conv.id}:${d.key}`} def={d} value={values[d.key] ?? ""} onSave={onSave} missing={still.includes(d)} />
          ))}
        </div>
      )}
    </section>
  );
}

// FieldControl is one field: its label (marked when Solve needs it), its
// control, and what became of the last change: saving, saved, or why not.
function FieldControl({ def, value, onSave, missing }: { def: FieldDef; value: string; onSave: Save; missing: boolean }) {
  const id = `pf-${def.key}`;
  const [draft, setDraft] = useState(value);
  const [state, setState] = useState<"" | "saving" | "saved">("");
  const [error, setError] = useState("");
  const editing = useRef(false);
  // a change from elsewhere (a colleague, a rule) shows unless the agent is typing
  useEffect(() => {
    if (!editing.current) setDraft(value);
  }, [value]);
  useEffect(() => {
    if (state !== "saved") return;
    const t = setTimeout(() => setState(""), 1800);
    return () => clearTimeout(t);
  }, [state]);
  const save = async (raw: string) => {
    const c = checkValue(def, raw);
    if ("error" in c) {
      setError(c.error);
      return;
    }
    setError("");
    if (c.value === value) {
      setDraft(value);
      return;
    }
    setDraft(c.value); // shown at once; back to what the edge has if it refuses
    setState("saving");
    const err = await onSave(c.value === "" ? {} : { [def.key]: c.value }, c.value === "" ? [def.key] : []);
    if (err) {
      setState("");
      setError(err);
      if (def.kind !== "text" && def.kind !== "number") setDraft(value);
    } else {
      setState("saved");
    }
  };
  const errId = `${id}-error`;
  const said = error ? errId : missing ? `${id}-missing` : undefined;
  let control: React.ReactNode;
  switch (def.kind) {
    case "dropdown": {
      const options: Option<string>[] = [{ value: "", label: "Not set" }, ...(def.options ?? []).map((o) => ({ value: o, label: optionLabel(def, o) }))];
      if (draft && !(def.options ?? []).includes(draft)) options.push({ value: draft, label: optionLabel(def, draft) });
      control = <Select id={id} label={def.label} value={draft} options={options} size="sm" className={`pf-select${draft ? "" : " unset"}`} describedBy={said}
        onChange={(v) => void save(v)} />;
      break;
    }
    case "date":
      control = <DatePicker id={id} label={def.label} value={draft} className="sm" describedBy={said} onChange={(v) => void save(v)} />;
      break;
    case "checkbox":
      control = <Switch label={<span>{def.label}{def.required_on_solve && <Req />}</span>} checked={draft === "true"} onChange={(on) => void save(on ? "true" : "false")} />;
      break;
    default:
      control = (
        <input id={id} className="input sm" value={draft} inputMode={def.kind === "number" ? "decimal" : undefined} autoComplete="off"
          placeholder={def.kind === "number" ? "A number" : "Not set"} aria-invalid={error || missing ? true : undefined} aria-describedby={said}
          onFocus={() => { editing.current = true; }}
          onChange={(e) => { setDraft(e.currentTarget.value); if (error) setError(""); }}
          onBlur={(e) => { editing.current = false; void save(e.currentTarget.value); }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.nativeEvent.isComposing) { e.preventDefault(); void save(draft); }
            else if (e.key === "Escape") { setDraft(value); setError(""); e.currentTarget.blur(); }
          }} />
      );
  }
  return (
    <div className={`pfield kind-${def.kind}${missing ? " missing" : ""}${def.key === TypeKey ? " is-type" : ""}`} data-field={def.key}>
      {def.kind !== "checkbox" && (
        <div className="pfield-top">
          <label className="pfield-label" htmlFor={id}>{def.label}{def.required_on_solve && <Req />}</label>
          <Status state={state} />
        </div>
      )}
      {def.kind === "checkbox" ? <div className="pfield-top">{control}<Status state={state} /></div> : control}
      {error ? <p className="field-error" id={errId} role="alert">{error}</p>
        : missing ? <p className="field-error" id={`${id}-missing`}>Needed to solve</p> : null}
    </div>
  );
}

function Req() {
  return <span className="req" title="Needed to solve"><span aria-hidden="true">*</span><span className="sr-only"> (needed to solve)</span></span>;
}

function Status({ state }: { state: "" | "saving" | "saved" }) {
  return (
    <span className={`pfield-state ${state}`} role="status">
      {state === "saving" ? <><Icon name="spinner" size={12} className="spin" />Saving…</> : state === "saved" ? <><Icon name="check" size={12} />Saved</> : null}
    </span>
  );
}
