// ZonePicker chooses a time zone among the browser's (several hundred): a
// button showing the zone and its offset now, and a popover with a field
// that finds zones by city, region or offset ("berlin", "new york",
// "utc+9") and the zones found. The arrow keys move in the list, Enter
// chooses, Escape closes; the field keeps the focus throughout (the
// active zone is its aria-activedescendant).

import { useEffect, useMemo, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { Icon } from "./icons";
import { searchZones, zoneName, zoneOffset } from "./sla-policy";
import { usePopover } from "./ui";

// shown is how many zones the list draws at most: typing narrows it.
const shown = 80;

export function ZonePicker({ label, value, zones, onChange, disabled, invalid, describedBy }: {
  label: string; value: string; zones: string[]; onChange: (zone: string) => void; disabled?: boolean; invalid?: boolean; describedBy?: string;
}) {
  const p = usePopover("bottom-start");
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const id = useRef("zone" + Math.random().toString(36).slice(2, 8)).current;
  const now = useMemo(() => new Date(), [p.open]);
  const found = useMemo(() => searchZones(zones, text, now), [zones, text, now]);
  const drawn = found.slice(0, shown);
  useEffect(() => {
    if (p.open && p.pos.visibility !== "hidden") {
      input.current?.focus();
      const at = drawn.indexOf(value);
      setActive(at < 0 ? 0 : at);
    } else if (!p.open) setText("");
  }, [p.open, p.pos]);
  useEffect(() => setActive(0), [text]);
  useEffect(() => {
    list.current?.querySelector<HTMLElement>(`#${id}-${active}`)?.scrollIntoView({ block: "nearest" });
  }, [active, p.open]);
  const pick = (zone: string) => {
    p.close();
    if (zone && zone !== value) onChange(zone);
  };
  const key = (ev: React.KeyboardEvent<HTMLInputElement>) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 8, PageUp: -8 };
    if (ev.key in step) {
      ev.preventDefault();
      if (drawn.length) setActive((a) => Math.min(drawn.length - 1, Math.max(0, a + step[ev.key])));
    } else if (ev.key === "Enter" && !ev.nativeEvent.isComposing) {
      ev.preventDefault();
      if (drawn[active]) pick(drawn[active]);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      p.close();
    } else if (ev.key === "Tab") {
      p.close(false);
    }
  };
  const offset = value ? zoneOffset(value) : "";
  return (
    <>
      <button ref={p.trigger} type="button" className="btn select-btn zone-btn" disabled={disabled} aria-haspopup="dialog" aria-expanded={p.open}
        aria-invalid={invalid || undefined} aria-describedby={describedBy}
        onClick={() => p.setOpen((o) => !o)} onKeyDown={(ev) => { if (ev.key === "ArrowDown") { ev.preventDefault(); p.setOpen(true); } }}>
        {/* named by what it shows: "Time zone: Europe/Berlin UTC+01:00" */}
        <span className="sr-only">{label}: </span>
        <span className="value">
          <Icon name="globe" size={14} />
          {value ? <span>{zoneName(value)}</span> : <span className="placeholder">Choose a time zone</span>}
          {offset && <span className="zone-offset">{offset}</span>}
        </span>
        <Icon name="chevronDown" size={14} className="chev" />
      </button>
      {p.open && createPortal(
        <div ref={p.panel} className="popover zone-popover" role="dialog" aria-label={`${label}: find a time zone`} style={p.pos}>
          <div className="search zone-search">
            <Icon name="search" size={14} />
            <input ref={input} className="input" type="text" role="combobox" aria-label="Find a time zone" placeholder="City, region or offset: Berlin, UTC+9"
              aria-autocomplete="list" aria-expanded="true" aria-controls={`${id}-list`} aria-activedescendant={drawn[active] ? `${id}-${active}` : undefined}
              autoComplete="off" spellCheck={false} value={text} onChange={(e) => setText(e.currentTarget.value)} onKeyDown={key} />
          </div>
          <div ref={list} id={`${id}-list`} role="listbox" aria-label="Time zones" className="zone-list">
            {drawn.map((z, i) => (
              <div key={z} id={`${id}-${i}`} role="option" aria-selected={z === value} className={i === active ? "active" : undefined}
                onMouseDown={(e) => e.preventDefault()} onMouseMove={() => setActive(i)} onClick={() => pick(z)}>
                <span className="zone-name">{zoneName(z)}</span>
                <span className="opt-hint">{zoneOffset(z, now)}</span>
                {z === value && <Icon name="check" size={14} className="tick" />}
              </div>
            ))}
          </div>
          <p className="zone-hint" role="status">
            {found.length === 0 ? <>No time zone matches “{text.trim()}”.</>
              : found.length > shown ? <>{found.length} zones: type to narrow them.</>
                : <>{found.length} {found.length === 1 ? "zone" : "zones"}</>}
          </p>
        </div>,
        document.body,
      )}
    </>
  );
}
