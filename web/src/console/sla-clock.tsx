// SLAClock shows the most urgent service level clock of a conversation
// (sla.ts chooses it and words it), in the header and in each list row:
// red once breached, amber when at risk, muted while paused. Every clock
// on screen ticks from one shared 30 s timer.

import { useEffect, useState } from "react";
import { Icon } from "./icons";
import { onTick, view, type SLAClock as Clock } from "./sla";

// useNow is the time, drawn again at each tick of the shared timer.
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => onTick(setNow), []);
  return now;
}

export function SLAClock({ clocks, compact }: { clocks: Clock[] | undefined; compact?: boolean }) {
  useNow(); // draws again at each tick; a new conversation draws at once, with the time then
  const v = view(clocks, Date.now(), compact);
  if (!v) return null;
  const icon = v.tone === "breached" ? "alert" : v.tone === "paused" ? "pause" : "clock";
  return (
    <span className={`sla-clock${v.tone === "neutral" ? "" : ` ${v.tone}`}`} role="timer" aria-label={v.label} title={v.title}
      data-measure={v.clock.measure}>
      <Icon name={icon} size={compact ? 11 : 12} />
      <span className="sla-text">{v.text}</span>
    </span>
  );
}
