import { describe, expect, it } from "vitest";
import {
  addHoliday, draftOf, formatDuration, maxTarget, officeHours, overYear, parseDuration, placeOf, policyOf, problems, sameAsMonday, searchZones, times, timeText,
  zoneName, zoneOffset, zones, type SLAPolicy,
} from "./sla-policy";

// the demo tenant's policy: around the clock, a breach raises the priority to high
const demo: SLAPolicy = {
  first_response_s: [14400, 3600, 900, 300], next_response_s: [28800, 7200, 1800, 600], resolution_s: [259200, 28800, 14400, 3600],
  hours: [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]], escalate_priority: "high",
};

describe("durations", () => {
  it("are read as people write them", () => {
    const s = (t: string) => ("seconds" in parseDuration(t) ? (parseDuration(t) as { seconds: number }).seconds : -1);
    expect([s("1h 30m"), s("1h30m"), s("90m"), s("90 min"), s("1:30"), s("1.5h"), s("1,5h"), s("2d"), s("1d 4h"), s("4"), s("45 minutes"), s("30s")])
      .toEqual([5400, 5400, 5400, 5400, 5400, 5400, 5400, 172800, 100800, 14400, 2700, 30]);
    expect([s(""), s("  "), s("—"), s("none")]).toEqual([0, 0, 0, 0]);
  });
  it("say what is wrong with what is not one", () => {
    for (const t of ["soon", "1x", "h", "1h tomorrow", "-2h", "1:75"]) expect(parseDuration(t), t).toEqual({ error: "Write a duration such as 1h 30m, 45m or 2d." });
  });
  it("are written in hours and minutes, never days", () => {
    expect([formatDuration(0), formatDuration(300), formatDuration(5400), formatDuration(3600), formatDuration(259200), formatDuration(90)])
      .toEqual(["", "5m", "1h 30m", "1h", "72h", "1m 30s"]);
  });
  it("read back what they write", () => {
    for (const n of [60, 900, 5400, 28800, 259200, 3661]) expect(parseDuration(formatDuration(n))).toEqual({ seconds: n });
  });
});

describe("times of day", () => {
  it("are written as a clock", () => {
    expect([timeText(0), timeText(540), timeText(1020), timeText(1440), timeText(615)]).toEqual(["00:00", "09:00", "17:00", "24:00", "10:15"]);
  });
  it("are every half hour, closing up to midnight, with a policy's own besides", () => {
    const open = times(false), close = times(true);
    expect([open[0], open[open.length - 1], open.length]).toEqual([0, 1410, 48]);
    expect([close[0], close[close.length - 1], close.length]).toEqual([30, 1440, 48]);
    expect(times(false, [615]).includes(615)).toBe(true);
  });
});

describe("a policy to edit", () => {
  it("is the edge's policy as durations, around the clock, with office hours to start from", () => {
    const d = draftOf(demo, "Europe/Berlin");
    expect(d.targets.first_response).toEqual(["4h", "1h", "15m", "5m"]);
    expect(d.targets.resolution).toEqual(["72h", "8h", "4h", "1h"]);
    expect([d.business, d.zone, d.warn, d.escalatePriority, d.escalateTeam]).toEqual([false, "Europe/Berlin", "", "high", ""]);
    expect(d.days).toEqual(officeHours());
    expect(d.days.map((x) => x.open)).toEqual([false, true, true, true, true, true, false]);
  });
  it("sends back the same policy", () => {
    expect(policyOf(draftOf(demo))).toEqual(demo);
    const business: SLAPolicy = { ...demo, time_zone: "America/New_York", hours: [[0, 0], [480, 1080], [480, 1080], [480, 1080], [480, 1080], [480, 960], [600, 840]],
      holidays: ["2026-12-25", "2027-01-01"], warn_at_percent: 75, escalate_team: "billing" };
    expect(policyOf(draftOf(business))).toEqual(business);
  });
  it("closes a day with the same opening and closing, and leaves holidays out around the clock", () => {
    const d = { ...draftOf(demo), business: true, zone: "UTC", holidays: ["2026-12-25"] };
    d.days = d.days.map((x, i) => (i === 3 ? { ...x, open: false } : x));
    const p = policyOf(d);
    expect(p.hours[3]).toEqual([0, 0]);
    expect(p.hours[1]).toEqual([540, 1020]);
    expect([p.time_zone, p.holidays]).toEqual(["UTC", ["2026-12-25"]]);
    const around = policyOf({ ...d, business: false });
    expect([around.time_zone, around.holidays, around.hours.every(([a, b]) => a === 0 && b === 0)]).toEqual([undefined, undefined, true]);
  });
  it("gives Tuesday to Friday Monday's hours", () => {
    const days = officeHours().map((x, i) => (i === 1 ? { open: true, from: 480, to: 1110 } : x));
    expect(sameAsMonday(days).slice(1, 6).every((x) => x.from === 480 && x.to === 1110 && x.open)).toBe(true);
    expect(sameAsMonday(days)[6].open).toBe(false);
  });
  it("keeps holidays sorted, each once", () => {
    expect(addHoliday(addHoliday(["2026-12-25"], "2026-01-01"), "2026-12-25")).toEqual(["2026-01-01", "2026-12-25"]);
    expect(addHoliday(["2026-12-25"], "")).toEqual(["2026-12-25"]);
  });
});

describe("what keeps a policy from being saved", () => {
  it("is said by part", () => {
    const d = draftOf(demo);
    expect(problems(d)).toEqual([]);
    d.targets.first_response[2] = "soon";
    expect(problems(d)[0]).toMatchObject({ at: "targets", cell: { measure: "first_response", level: 2 } });
    expect(problems(d)[0].text).toMatch(/^First response, high: “soon” is not a duration/);
    const none = draftOf(undefined);
    expect(problems(none).map((p) => p.text)).toEqual(["Give one target at least: a policy without targets measures nothing."]);
  });
  it("checks the business hours only when there are some", () => {
    const d = { ...draftOf(demo), business: true, zone: "" };
    d.days = d.days.map((x, i) => (i === 2 ? { ...x, from: 1020, to: 540 } : x));
    expect(problems(d).map((p) => [p.at, p.day])).toEqual([["zone", undefined], ["hours", 2]]);
    expect(problems({ ...d, zone: "Europe/Berlin", days: d.days.map((x) => ({ ...x, open: false })) }).map((p) => p.text)).toEqual(["Open one day at least, or count around the clock."]);
    expect(problems({ ...d, business: false })).toEqual([]);
  });
  it("takes a warning of 1 to 99 %", () => {
    for (const [warn, ok] of [["", true], ["1", true], ["99", true], ["0", false], ["100", false], ["7.5", false], ["x", false]] as const) {
      expect(problems({ ...draftOf(demo), warn }).length === 0, warn).toBe(ok);
    }
  });
});

describe("the edge's refusal", () => {
  it("names the part it is about", () => {
    expect(placeOf("sla: a target of 32400000 s: give 0 (none) to a year")).toEqual({ at: "targets" });
    expect(placeOf(`sla: time zone "Mars/Base" is not one this edge knows: give an IANA name such as Europe/Berlin`)).toEqual({ at: "zone" });
    expect(placeOf("sla: hours of day 3: give opening ≤ closing, in minutes from 0 to 1440")).toEqual({ at: "hours", day: 3 });
    expect(placeOf(`sla: holiday "2026-13-01": give YYYY-MM-DD`)).toEqual({ at: "holidays" });
    expect(placeOf("sla: 1001 holidays: at most 1000")).toEqual({ at: "holidays" });
    expect(placeOf("sla: warn_at_percent 120: give 1 to 99 (0: 80)")).toEqual({ at: "warn" });
    expect(placeOf(`sla: escalate_team "billing": no such team`)).toEqual({ at: "escalation" });
    expect(placeOf("the edge could not store it now")).toEqual({ at: "" });
  });
  it("of a target is marked on the targets over a year", () => {
    const d = draftOf(demo);
    d.targets.resolution[0] = "9000h";
    d.targets.first_response[3] = `${maxTarget / 3600}h`;
    expect(overYear(d)).toEqual([{ measure: "resolution", level: 0 }]);
  });
});

describe("time zones", () => {
  it("are the browser's, UTC first", () => {
    const all = zones();
    expect(all[0]).toBe("UTC");
    expect(all).toContain("Europe/Berlin");
    expect(all.filter((z) => z === "UTC").length).toBe(1);
  });
  it("say their offset at a moment", () => {
    const winter = new Date(Date.UTC(2026, 0, 15)), summer = new Date(Date.UTC(2026, 6, 15));
    expect([zoneOffset("Europe/Berlin", winter), zoneOffset("Europe/Berlin", summer), zoneOffset("UTC", winter), zoneOffset("Asia/Kolkata", winter)])
      .toEqual(["UTC+01:00", "UTC+02:00", "UTC", "UTC+05:30"]);
    expect(zoneOffset("America/St_Johns", winter)).toBe("UTC−03:30");
    expect(zoneOffset("Mars/Olympus")).toBe("");
  });
  it("are found by city, region or offset, the city's own first", () => {
    const at = new Date(Date.UTC(2026, 0, 15));
    const list = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "Asia/Seoul", "Europe/Berlin", "Europe/Paris", "Africa/Lagos"];
    expect(searchZones(list, "new york", at)).toEqual(["America/New_York"]);
    expect(searchZones(list, "BERL", at)).toEqual(["Europe/Berlin"]);
    expect(searchZones(list, "europe", at)).toEqual(["Europe/Berlin", "Europe/Paris"]);
    expect(searchZones(list, "utc+9", at)).toEqual(["Asia/Seoul", "Asia/Tokyo"]);
    expect(searchZones(list, "+05:30", at)).toEqual(["Asia/Kolkata"]);
    expect(searchZones(list, "", at)).toEqual(list);
    expect(zoneName("America/Argentina/Buenos_Aires")).toBe("America/Argentina/Buenos Aires");
  });
});
