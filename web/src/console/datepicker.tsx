// DatePicker chooses a day (YYYY-MM-DD) in the design system: a button
// that shows the day, and a month's calendar in a popover. The arrow keys
// move a day or a week, Page Up and Page Down a month, Home and End to
// the week's ends, Enter or Space choose, Escape closes; "Today" and
// "Clear" below. The calendar itself is calendar.ts's.

import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { addDays, addMonths, dayName, dayShort, iso, Month, monthName, monthOf, parts, sameDayIn, today, weekdays, weeks } from "./calendar";
import { Icon } from "./icons";
import { usePopover } from "./ui";

const dayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export function DatePicker({ label, value, onChange, id, disabled, describedBy, className }: {
  label: string; value: string; onChange: (day: string) => void; // "" clears it
  id?: string; disabled?: boolean; describedBy?: string; className?: string;
}) {
  const p = usePopover("bottom-start");
  const now = today();
  const [focus, setFocus] = useState(parts(value) ? value : now);
  const [month, setMonth] = useState<Month>(monthOf(focus));
  const grid = useRef<HTMLTableElement>(null);
  const moved = useRef(false); // the keyboard moved: focus the day
  useEffect(() => {
    if (!p.open) return;
    const start = parts(value) ? value : now;
    setFocus(start);
    setMonth(monthOf(start));
  }, [p.open]);
  // the panel is hidden until placed, and a hidden element takes no focus
  useEffect(() => {
    if (!p.open || p.pos.visibility === "hidden") return;
    grid.current?.querySelector<HTMLElement>(`[data-day="${focus}"]`)?.focus();
  }, [p.open, p.pos]);
  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    grid.current?.querySelector<HTMLElement>(`[data-day="${focus}"]`)?.focus();
  }, [focus, month]);
  const go = (day: string) => {
    moved.current = true;
    setFocus(day);
    setMonth(monthOf(day));
  };
  const pick = (day: string) => {
    p.close();
    if (day !== value) onChange(day);
  };
  const key = (ev: React.KeyboardEvent) => {
    const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (ev.key in step) go(addDays(focus, step[ev.key]));
    else if (ev.key === "PageUp" || ev.key === "PageDown") go(sameDayIn(focus, addMonths(monthOf(focus), ev.key === "PageUp" ? -1 : 1)));
    else if (ev.key === "Home" || ev.key === "End") {
      const [y, m, d] = focus.split("-").map(Number);
      const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
      go(addDays(focus, ev.key === "Home" ? -weekday : 6 - weekday));
    } else return;
    ev.preventDefault();
  };
  const shown = parts(value) ? dayShort(value) : "";
  // the day Tab reaches: the focused one when its month is shown, else the 1st
  const f = monthOf(focus);
  const tabbable = f.year === month.year && f.month === month.month ? focus : iso(month.year, month.month, 1);
  return (
    <>
      <button ref={p.trigger} id={id} type="button" className={`btn select-btn date-btn${className ? ` ${className}` : ""}`} disabled={disabled}
        aria-haspopup="dialog" aria-expanded={p.open} aria-label={`${label}: ${shown || "Choose a date"}`} title={shown ? dayName(value) : undefined} aria-describedby={describedBy}
        onClick={() => p.setOpen((o) => !o)}>
        <span className="value">
          <Icon name="date" size={14} />
          {shown ? <span>{shown}</span> : <span className="placeholder">Choose a date</span>}
        </span>
        <Icon name="chevronDown" size={14} className="chev" />
      </button>
      {p.open && createPortal(
        <div ref={p.panel} className="popover calendar" role="dialog" aria-label={`${label}: choose a date`} style={p.pos}
          onKeyDown={(ev) => { if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); p.close(); } }}>
          <div className="cal-head">
            <button type="button" className="btn sm ghost icon-only" aria-label="Previous month" title="Previous month"
              onClick={() => setMonth((m) => addMonths(m, -1))}><Icon name="chevronLeft" size={14} /></button>
            <strong aria-live="polite">{monthName(month)}</strong>
            <button type="button" className="btn sm ghost icon-only" aria-label="Next month" title="Next month"
              onClick={() => setMonth((m) => addMonths(m, 1))}><Icon name="chevronRight" size={14} /></button>
          </div>
          <table ref={grid} className="cal" onKeyDown={key}>
            <thead>
              <tr>{weekdays.map((w, i) => <th key={w} scope="col" abbr={dayNames[i]}>{w}</th>)}</tr>
            </thead>
            <tbody>
              {weeks(month).map((week) => (
                <tr key={week[0].day}>
                  {week.map((c) => (
                    <td key={c.day}>
                      <button type="button" className={`day${c.inMonth ? "" : " out"}`} data-day={c.day} tabIndex={c.day === tabbable ? 0 : -1}
                        aria-label={dayName(c.day)} aria-pressed={c.day === value} aria-current={c.day === now ? "date" : undefined}
                        onFocus={() => setFocus(c.day)} onClick={() => pick(c.day)}>{c.n}</button>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="cal-foot">
            <button type="button" className="btn sm" onClick={() => pick(now)}>Today</button>
            {value && <button type="button" className="btn sm ghost quiet-danger" onClick={() => pick("")}>Clear</button>}
          </div>
        </div>,
        document.body,
      )}
    </>
  );
}
