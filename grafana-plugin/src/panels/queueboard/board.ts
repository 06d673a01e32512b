// The queue board's rows, read from the data source's live queue frames
// (fields time, then "waiting <region>" and "longest <region>" with a
// region label each, and "online <region>", "busy <region>", "away
// <region>" when the region's agents are known).
import type { DataFrame } from "@grafana/data";

export interface BoardRow {
  region: string;
  waiting: number;
  longestMs: number;
  agents?: { online: number; busy: number; away: number }; // unknown when the region's edge has not said
  level: "ok" | "warn" | "breach"; // the longest wait against the target
}

// boardRows is each region's latest figures, the longest waits first; a
// wait past the target is a breach, past half of it a warning.
export function boardRows(frames: DataFrame[], targetMs: number): BoardRow[] {
  const by = new Map<string, BoardRow>();
  for (const f of frames) {
    for (const field of f.fields) {
      const region = field.labels?.region;
      const figure = field.name.split(" ")[0];
      if (!region || !["waiting", "longest", "online", "busy", "away"].includes(figure)) continue;
      const values = field.values as ArrayLike<number | null>;
      const last = values.length > 0 ? values[values.length - 1] : null;
      if (last === null || last === undefined) continue;
      const row: BoardRow = by.get(region) ?? { region, waiting: 0, longestMs: 0, level: "ok" };
      if (figure === "waiting") row.waiting = Number(last);
      else if (figure === "longest") row.longestMs = Number(last);
      else {
        row.agents ??= { online: 0, busy: 0, away: 0 };
        row.agents[figure as "online" | "busy" | "away"] = Number(last);
      }
      by.set(region, row);
    }
  }
  const rows = [...by.values()];
  for (const r of rows) {
    r.level = targetMs > 0 && r.longestMs > targetMs ? "breach" : targetMs > 0 && r.longestMs > targetMs / 2 ? "warn" : "ok";
  }
  return rows.sort((a, b) => b.longestMs - a.longestMs || a.region.localeCompare(b.region));
}

// wait shows a duration the way a queue board does: 42 s, 3 min 5 s, 1 h 2 min.
export function wait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}
