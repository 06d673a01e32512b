import { FieldType, toDataFrame } from "@grafana/data";
import { describe, expect, it } from "vitest";

import { boardRows, wait } from "./board";

// a live queue frame as the backend streams it
function queueFrame(t: number, regions: Record<string, [number, number]>) {
  const fields: any[] = [{ name: "time", type: FieldType.time, values: [t] }];
  for (const [region, [waiting, longest]] of Object.entries(regions)) {
    fields.push({ name: `waiting ${region}`, type: FieldType.number, values: [waiting], labels: { region } });
    fields.push({ name: `longest ${region}`, type: FieldType.number, values: [longest], labels: { region } });
  }
  return toDataFrame({ fields });
}

describe("boardRows", () => {
  it("takes each region's latest figures, longest waits first, judged against the target", () => {
    const rows = boardRows([queueFrame(1, { eu: [3, 90_000], us: [1, 20_000] }), queueFrame(2, { eu: [4, 400_000], ap: [2, 150_000] })], 300_000);
    expect(rows).toEqual([
      { region: "eu", waiting: 4, longestMs: 400_000, level: "breach" },
      { region: "ap", waiting: 2, longestMs: 150_000, level: "ok" },
      { region: "us", waiting: 1, longestMs: 20_000, level: "ok" },
    ]);
    expect(boardRows([queueFrame(1, { eu: [1, 200_000] })], 300_000)[0].level).toBe("warn");
  });
  it("reads the agents of the regions whose edge said", () => {
    const f = queueFrame(1, { eu: [1, 5_000], us: [0, 0] });
    f.fields.push(
      ...(["online", "busy", "away"] as const).map((n, i) =>
        toDataFrame({ fields: [{ name: `${n} eu`, type: FieldType.number, values: [[4, 3, 1][i]], labels: { region: "eu" } }] }).fields[0],
      ),
    );
    const rows = boardRows([f], 300_000);
    expect(rows.find((r) => r.region === "eu")?.agents).toEqual({ online: 4, busy: 3, away: 1 });
    expect(rows.find((r) => r.region === "us")?.agents).toBeUndefined();
  });
  it("ignores fields that are not the queue's", () => {
    const f = toDataFrame({ fields: [{ name: "p50", type: FieldType.number, values: [5], labels: { region: "eu" } }] });
    expect(boardRows([f], 0)).toEqual([]);
  });
});

describe("wait", () => {
  it("reads like a queue board", () => {
    expect(wait(42_000)).toBe("42 s");
    expect(wait(185_000)).toBe("3 min 5 s");
    expect(wait(180_000)).toBe("3 min");
    expect(wait(3_720_000)).toBe("1 h 2 min");
  });
});
