import type { PanelProps } from "@grafana/data";

import { boardRows, wait } from "./board";

export interface BoardOptions {
  targetMinutes: number; // the first response target the longest wait is judged against
}

const colors = { ok: "#1a7f37", warn: "#b8860b", breach: "#c62828" };

// QueueBoard shows each region's live queue: the customers waiting, the
// longest wait, coloured against the target, and the agents online and
// busy where the region's edge said.
export function QueueBoard({ data, options, width, height }: PanelProps<BoardOptions>) {
  const rows = boardRows(data.series, (options.targetMinutes ?? 0) * 60_000);
  if (rows.length === 0) {
    return <p style={{ margin: 8 }}>No region has reported yet.</p>;
  }
  return (
    <div className="queue-board" style={{ width, height, overflow: "auto", display: "flex", flexWrap: "wrap", alignItems: "flex-start", gap: 8, padding: 4, boxSizing: "border-box" }}>
      {rows.map((r) => (
        <section
          key={r.region}
          className={`region ${r.level}`}
          aria-label={`Region ${r.region}`}
          style={{ border: `2px solid ${colors[r.level]}`, borderRadius: 8, padding: "8px 12px", minWidth: 150 }}
        >
          <h3 style={{ margin: 0, fontSize: 16 }}>{r.region}</h3>
          <p className="waiting" style={{ margin: "4px 0", fontSize: 28, fontWeight: 600 }}>
            {r.waiting} <span style={{ fontSize: 14, fontWeight: 400 }}>waiting</span>
          </p>
          <p className="longest" style={{ margin: 0, color: colors[r.level] }}>
            longest {wait(r.longestMs)}
          </p>
          <p className="agents" style={{ margin: "4px 0 0", fontSize: 13 }}>
            {r.agents ? `${r.agents.online} online · ${r.agents.busy} busy${r.agents.away ? ` · ${r.agents.away} away` : ""}` : "agents unknown"}
          </p>
        </section>
      ))}
    </div>
  );
}
