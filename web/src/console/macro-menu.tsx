// The reply box's Macros button: the tenant's macros by name (with what
// each does under it, and a search field once there are more than a
// few); choosing one applies it to the open conversation with the macro
// frame. The edge makes its actions all or none: a toast says it was
// applied, or why not.

import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import type { Macro } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import { actionsText, Names, readable, searchMacros } from "./automation";
import { Icon } from "./icons";
import { toast, usePopover } from "./ui";

// searchFrom is how many macros make the menu offer a search field.
const searchFrom = 7;

export function MacroMenu({ conv, conn, macros, onMacros, names }: {
  conv: string; conn: Connection; macros: Macro[]; onMacros: (m: Macro[]) => void; names: Names;
}) {
  const p = usePopover("top-start");
  const [q, setQ] = useState("");
  const [busy, setBusy] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const id = useRef("macros" + Math.random().toString(36).slice(2, 8)).current;
  useEffect(() => {
    if (!p.open) {
      setQ("");
      return;
    }
    // an admin may have changed them since the console loaded them
    void conn.request({ type: "macros" }).then((r) => {
      if (r.type === "macros") onMacros(r.macros ?? []);
    });
  }, [p.open]);
  // the panel is hidden until placed, and a hidden element takes no focus
  useEffect(() => {
    if (!p.open || p.pos.visibility === "hidden") return;
    (input.current ?? p.panel.current?.querySelector<HTMLElement>("[role=option]"))?.focus();
  }, [p.open, p.pos]);
  const shown = searchMacros(macros, q);
  const apply = async (m: Macro) => {
    if (busy) return;
    setBusy(m.id);
    const r = await conn.request({ type: "macro", conv, macro: m.id });
    setBusy("");
    p.close();
    if (r.type === "error") toast(`“${m.name}” was not applied: ${readable(r.message ?? "the edge refused it")}`, "error");
    else toast(`Applied “${m.name}”`);
  };
  const key = (ev: React.KeyboardEvent) => {
    const options = Array.from(p.panel.current?.querySelectorAll<HTMLElement>("[role=option]") ?? []);
    const i = options.indexOf(document.activeElement as HTMLElement);
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!options.length) return;
      const step = ev.key === "ArrowDown" ? 1 : -1;
      if (i < 0) options[step > 0 ? 0 : options.length - 1].focus();
      else if (i + step < 0 && input.current) input.current.focus();
      else options[(i + step + options.length) % options.length].focus();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      p.close();
    } else if (ev.key === "Tab") {
      p.close(false);
    }
  };
  return (
    <>
      <button ref={p.trigger} type="button" className="btn sm ghost macros-btn" aria-haspopup="dialog" aria-expanded={p.open}
        title="Apply a macro" onClick={() => p.setOpen((o) => !o)}>
        <Icon name="macro" size={14} />Macros<Icon name="chevronDown" size={12} className="chev" />
      </button>
      {p.open && createPortal(
        <div ref={p.panel} className="popover macro-popover" role="dialog" aria-label="Apply a macro" style={p.pos} onKeyDown={key}>
          {macros.length >= searchFrom && (
            <input ref={input} className="input" type="text" value={q} placeholder="Search macros…" aria-label="Search macros" autoComplete="off"
              aria-controls={`${id}-list`} spellCheck={false}
              onChange={(e) => setQ(e.currentTarget.value)}
              onKeyDown={(e) => { if (e.key === "Enter" && shown[0]) { e.preventDefault(); void apply(shown[0]); } }} />
          )}
          {macros.length === 0 ? (
            <p className="macro-empty">No macros yet. Admins make them under Automation, in the rail.</p>
          ) : shown.length === 0 ? (
            <p className="macro-empty" role="status">No macro is called that.</p>
          ) : (
            <>
              <div className="menu-label" aria-hidden="true">Apply to this conversation</div>
              <div id={`${id}-list`} role="listbox" aria-label="Macros">
                {shown.map((m) => (
                  <div key={m.id} role="option" tabIndex={-1} aria-selected={false} aria-disabled={busy !== "" || undefined}
                    aria-describedby={`${id}-${m.id}`} onClick={() => void apply(m)}
                    onKeyDown={(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); void apply(m); } }}>
                    <span>{busy === m.id ? <Icon name="spinner" size={12} className="spin" /> : null}{m.name}</span>
                    <span className="macro-what" id={`${id}-${m.id}`}>{actionsText(m.actions, names)}</span>
                  </div>
                ))}
              </div>
            </>
          )}
        </div>,
        document.body,
      )}
    </>
  );
}
