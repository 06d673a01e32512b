// The console's one set of controls, on design.ts's classes: buttons,
// selects (a button and a listbox), menus, dialogs, toasts, avatars,
// badges, tabs, switches and notices. Every screen uses these; none uses
// the browser's default controls.

import { ReactNode, useEffect, useLayoutEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { Icon, IconName } from "./icons";
import { hue, initials } from "./people";

const cx = (...names: (string | false | undefined | null)[]) => names.filter(Boolean).join(" ");

// Avatar shows a person's initials in a colour of their own, with their
// presence as a dot when given.
export function Avatar({ id, name, size, presence, label }: {
  id: string; name: string; size?: "xs" | "sm" | "lg"; presence?: string; label?: boolean;
}) {
  return (
    <span className={cx("avatar", `h${hue(id || name)}`, size)} aria-hidden={label ? undefined : true} role={label ? "img" : undefined}
      aria-label={label ? `${name}${presence ? `, ${presence}` : ""}` : undefined} data-initials={initials(name)}>
      {presence && <span className={`dot ${presence}`} />}
    </span>
  );
}

// StatusBadge shows a conversation's status (or a priority) in its colour.
export function Badge({ kind, children, icon }: { kind: string; children: ReactNode; icon?: IconName }) {
  return <span className={`badge ${kind}`}>{icon && <Icon name={icon} size={12} />}{children}</span>;
}

export function Notice({ kind, children }: { kind: "error" | "warn" | "info"; children: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role={kind === "error" ? "alert" : undefined}>
      <Icon name={kind === "info" ? "info" : "alert"} />
      <div className="notice-body">{children}</div>
    </div>
  );
}

// Switch is a checkbox drawn as a switch, with its label.
export function Switch({ checked, onChange, label, hint, disabled }: {
  checked: boolean; onChange: (on: boolean) => void; label: ReactNode; hint?: ReactNode; disabled?: boolean;
}) {
  return (
    <label className="switch">
      <input type="checkbox" role="switch" checked={checked} disabled={disabled} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span className="track" aria-hidden="true" />
      <span className="switch-text">{label}{hint && <span className="hint">{hint}</span>}</span>
    </label>
  );
}

// Checkbox is a checkbox drawn in the design system, with its label (a
// switch turns a setting on; a checkbox picks items of a list).
export function Checkbox({ checked, onChange, label, hint, disabled, className }: {
  checked: boolean; onChange: (on: boolean) => void; label: ReactNode; hint?: ReactNode; disabled?: boolean; className?: string;
}) {
  return (
    <label className={cx("check", className)}>
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span className="box" aria-hidden="true"><Icon name="check" size={12} /></span>
      <span className="check-text">{label}{hint && <span className="hint">{hint}</span>}</span>
    </label>
  );
}

// Tabs is a row of tabs; arrow keys move between them.
// A disabled tab (with why in its title) is shown but cannot be chosen.
export function Tabs<T extends string>({ label, value, tabs, onChange, className = "tabs" }: {
  label: string; value: T; tabs: { id: T; label: ReactNode; icon?: IconName; count?: number; className?: string; disabled?: boolean; title?: string }[];
  onChange: (v: T) => void; className?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const key = (ev: React.KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === value);
    const step = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    ev.preventDefault();
    let next = tabs[i];
    for (let n = 1; n < tabs.length; n++) {
      const t = tabs[(i + step * n + tabs.length * n) % tabs.length];
      if (!t.disabled) {
        next = t;
        break;
      }
    }
    if (!next || next.disabled) return;
    onChange(next.id);
    ref.current?.querySelectorAll<HTMLElement>("[role=tab]")[tabs.indexOf(next)]?.focus();
  };
  return (
    <div ref={ref} role="tablist" aria-label={label} className={className} onKeyDown={key}>
      {tabs.map((t) => (
        <button key={t.id} type="button" role="tab" className={t.className} aria-selected={t.id === value} tabIndex={t.id === value ? 0 : -1}
          disabled={t.disabled} title={t.title} onClick={() => onChange(t.id)}>
          {t.icon && <Icon name={t.icon} size={14} />}{t.label}
          {t.count !== undefined && <span className="tab-count">{t.count}</span>}
        </button>
      ))}
    </div>
  );
}

export type Placement = "bottom-start" | "bottom-end" | "top-start" | "right-end";

// usePopover keeps a floating panel next to its trigger while open, and
// closes it on Escape, a click elsewhere, or the window changing size.
export function usePopover(placement: Placement) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<React.CSSProperties>({ visibility: "hidden" });
  useLayoutEffect(() => {
    if (!open || !trigger.current || !panel.current) return;
    const t = trigger.current.getBoundingClientRect();
    const p = panel.current.getBoundingClientRect();
    const gap = 4;
    const vw = window.innerWidth, vh = window.innerHeight;
    let left = placement === "bottom-end" ? t.right - p.width : placement === "right-end" ? t.right + gap + 4 : t.left;
    let top = placement === "top-start" ? t.top - p.height - gap : placement === "right-end" ? t.bottom - p.height : t.bottom + gap;
    if (top + p.height > vh - 8) top = Math.max(8, t.top - p.height - gap); // no room below: above
    if (top < 8) top = 8;
    left = Math.min(Math.max(8, left), vw - p.width - 8);
    setPos({ left, top, minWidth: placement.startsWith("bottom") ? Math.max(180, t.width) : undefined });
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const away = (ev: Event) => {
      const n = ev.target as Node;
      if (!panel.current?.contains(n) && !trigger.current?.contains(n)) setOpen(false);
    };
    const resize = () => setOpen(false);
    document.addEventListener("pointerdown", away, true);
    window.addEventListener("resize", resize);
    return () => {
      document.removeEventListener("pointerdown", away, true);
      window.removeEventListener("resize", resize);
    };
  }, [open]);
  const close = (refocus = true) => {
    setOpen(false);
    setPos({ visibility: "hidden" });
    if (refocus) trigger.current?.focus();
  };
  return { open, setOpen, trigger, panel, pos, close };
}

// items are the focusable entries of a menu or listbox.
export const entries = (root: HTMLElement | null) =>
  Array.from(root?.querySelectorAll<HTMLElement>("[role=option],[role^=menuitem]") ?? []).filter((e) => !e.hasAttribute("aria-disabled"));

// roving moves the focus between a popover's entries with the arrow keys,
// Home and End, and by a typed first letter.
export function roving(ev: React.KeyboardEvent, root: HTMLElement | null, close: () => void) {
  const all = entries(root);
  const i = all.indexOf(document.activeElement as HTMLElement);
  const go = (n: number) => all[(n + all.length) % all.length]?.focus();
  switch (ev.key) {
    case "ArrowDown": ev.preventDefault(); go(i + 1); return;
    case "ArrowUp": ev.preventDefault(); go(i - 1); return;
    case "Home": ev.preventDefault(); go(0); return;
    case "End": ev.preventDefault(); go(all.length - 1); return;
    case "Escape": ev.preventDefault(); ev.stopPropagation(); close(); return;
    case "Tab": ev.preventDefault(); close(); return;
  }
  if (ev.key.length === 1 && /\S/.test(ev.key)) {
    const k = ev.key.toLowerCase();
    const from = all.slice(i + 1).concat(all.slice(0, i + 1));
    from.find((e) => (e.textContent ?? "").trim().toLowerCase().startsWith(k))?.focus();
  }
}

export interface Option<T extends string> {
  value: T;
  label: string;
  icon?: ReactNode; // drawn before the label, in the list and on the button
  hint?: string; // after the label, in the list only
  className?: string; // the option's, in the list (a custom status under its base)
}

// Select is a button that shows the chosen option and opens a listbox of
// the options. Its value attribute holds the chosen value, as a <select>'s
// would; its name is the label and the chosen option's ("Assignee:
// Alice"), so that what it shows is part of its name.
export function Select<T extends string>({ label, value, options, onChange, prefix, size, className, placement = "bottom-start", hideLabel = true, disabled, again = [], id: buttonId, describedBy }: {
  label: string; value: T; options: Option<T>[]; onChange: (v: T) => void; prefix?: string; size?: "sm";
  className?: string; placement?: Placement; hideLabel?: boolean; disabled?: boolean;
  id?: string; // the button's, for a <label htmlFor>
  describedBy?: string; // what is wrong with it, said under it
  again?: T[]; // values that call onChange when chosen while chosen already (on hold: until another time)
}) {
  const p = usePopover(placement);
  const current = options.find((o) => o.value === value);
  const id = useRef("sel" + Math.random().toString(36).slice(2, 8)).current;
  useEffect(() => {
    if (!p.open) return;
    const sel = p.panel.current?.querySelector<HTMLElement>("[aria-selected=true]") ?? entries(p.panel.current)[0];
    sel?.focus();
  }, [p.open]);
  const pick = (v: T) => {
    p.close();
    if (v !== value || again.includes(v)) onChange(v);
  };
  return (
    <>
      <button ref={p.trigger} id={buttonId} type="button" className={cx("btn select-btn", size, className)} value={value} disabled={disabled}
        aria-describedby={describedBy} aria-haspopup="listbox" aria-expanded={p.open} aria-controls={p.open ? id : undefined}
        aria-label={hideLabel ? `${label}: ${current?.label ?? value}` : undefined}
        onClick={() => p.setOpen((o) => !o)}
        onKeyDown={(ev) => { if (ev.key === "ArrowDown" || ev.key === "ArrowUp") { ev.preventDefault(); p.setOpen(true); } }}>
        <span className="value">
          {prefix && <span className="prefix">{prefix} </span>}
          {current?.icon}
          <span>{current?.label ?? value}</span>
        </span>
        <Icon name="chevronDown" size={14} className="chev" />
      </button>
      {p.open && createPortal(
        <div ref={p.panel} id={id} className="popover" role="listbox" aria-label={label} style={p.pos}
          onKeyDown={(ev) => roving(ev, p.panel.current, () => p.close())}>
          {options.map((o) => (
            <div key={o.value} role="option" tabIndex={-1} aria-selected={o.value === value} className={o.className}
              onClick={() => pick(o.value)} onKeyDown={(ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(o.value); } }}>
              {o.icon}
              <span>{o.label}</span>
              {o.hint && <span className="opt-hint" aria-hidden="true">{o.hint}</span>}
              {o.value === value && <Icon name="check" size={14} className="tick" />}
            </div>
          ))}
        </div>,
        document.body,
      )}
    </>
  );
}

// Menu is a button that opens a menu. children gets close, to call when an
// entry is chosen.
export function Menu({ label, button, buttonClass, children, placement = "bottom-start", title }: {
  label: string; button: ReactNode; buttonClass?: string; children: (close: (refocus?: boolean) => void) => ReactNode; placement?: Placement; title?: string;
}) {
  const p = usePopover(placement);
  // the panel is hidden until placed, and a hidden element takes no focus
  useEffect(() => {
    if (p.open && p.pos.visibility !== "hidden") entries(p.panel.current)[0]?.focus();
  }, [p.open, p.pos]);
  return (
    <>
      <button ref={p.trigger} type="button" className={buttonClass ?? "btn"} aria-haspopup="menu" aria-expanded={p.open} aria-label={label} title={title}
        onClick={() => p.setOpen((o) => !o)}
        // Escape closes it before its first entry has the focus too (a key pressed at once)
        onKeyDown={(ev) => { if (ev.key === "Escape" && p.open) { ev.preventDefault(); p.close(); } }}>
        {button}
      </button>
      {p.open && createPortal(
        <div ref={p.panel} className="popover" role="menu" aria-label={label} style={p.pos}
          onKeyDown={(ev) => roving(ev, p.panel.current, () => p.close())}>
          {children(p.close)}
        </div>,
        document.body,
      )}
    </>
  );
}

// MenuItem is an entry of a Menu: a command, or with checked a choice
// (radio) or a toggle (checkbox).
export function MenuItem({ onSelect, children, icon, checked, kind, hint }: {
  onSelect: () => void; children: ReactNode; icon?: IconName; checked?: boolean; kind?: "radio" | "checkbox"; hint?: ReactNode;
}) {
  const role = kind === "radio" ? "menuitemradio" : kind === "checkbox" ? "menuitemcheckbox" : "menuitem";
  return (
    <div role={role} tabIndex={-1} aria-checked={kind ? checked : undefined}
      onClick={onSelect} onKeyDown={(ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onSelect(); } }}>
      {icon && <Icon name={icon} />}
      <span>{children}</span>
      {hint && <span className="opt-hint">{hint}</span>}
      {kind && checked && <Icon name="check" size={14} className="tick" />}
    </div>
  );
}

// Dialog is a modal <dialog> in the document's body (outside the console's
// layout), labelled by the element with id label. Escape closes it when
// canEscape.
export function Dialog({ label, children, onClose, canEscape = true, wide }: {
  label: string; children: ReactNode; onClose: () => void; canEscape?: boolean; wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return createPortal(
    <dialog ref={ref} className={cx("dialog", wide && "wide")} aria-labelledby={label}
      onCancel={(e) => { e.preventDefault(); if (canEscape) onClose(); }}>
      {children}
    </dialog>,
    document.body,
  );
}

// Toasts: short messages at the bottom of the page that go by themselves.
type Toast = { id: number; text: string; kind: "info" | "error" };
let toasts: Toast[] = [];
let listeners: ((t: Toast[]) => void)[] = [];
let nextToast = 0;

// toast shows a message for a few seconds (errors longer).
export function toast(text: string, kind: "info" | "error" = "info") {
  const t = { id: ++nextToast, text, kind };
  toasts = [...toasts.slice(-2), t];
  listeners.forEach((l) => l(toasts));
  setTimeout(() => {
    toasts = toasts.filter((x) => x !== t);
    listeners.forEach((l) => l(toasts));
  }, kind === "error" ? 7000 : 3500);
}

export function Toaster() {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.push(setList);
    return () => {
      listeners = listeners.filter((l) => l !== setList);
    };
  }, []);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={cx("toast", t.kind === "error" && "error")}>
          <Icon name={t.kind === "error" ? "alert" : "check"} />
          {t.text}
        </div>
      ))}
    </div>
  );
}
