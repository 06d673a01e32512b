import { describe, expect, it } from "vitest";
import { custom, isoDate, presets, untilText } from "./snooze";

// Friday 4 December 2026, 15:20 in the machine's time zone.
const now = new Date(2026, 11, 4, 15, 20);

describe("presets", () => {
  it("are in an hour, tomorrow at 9:00 and next Monday at 9:00", () => {
    const [hour, tomorrow, week] = presets(now);
    expect(hour.until).toBe(now.getTime() + 3600_000);
    expect(new Date(tomorrow.until)).toEqual(new Date(2026, 11, 5, 9, 0));
    expect(new Date(week.until)).toEqual(new Date(2026, 11, 7, 9, 0));
    expect(week.detail).toBe("Mon 9:00");
  });
  it("next week from a Monday is the Monday after", () => {
    const monday = new Date(2026, 11, 7, 8, 0);
    expect(new Date(presets(monday)[2].until)).toEqual(new Date(2026, 11, 14, 9, 0));
  });
});

describe("custom", () => {
  it("reads a date and time in the agent's zone", () => {
    expect(custom("2026-12-24", "08:30", now)).toEqual({ until: new Date(2026, 11, 24, 8, 30).getTime() });
  });
  it("refuses the past, and what is not a date", () => {
    expect(custom("2026-12-01", "09:00", now)).toEqual({ error: "Choose a time in the future." });
    expect(custom("", "09:00", now)).toEqual({ error: "Choose a date." });
    expect(custom("2026-12-24", "9", now)).toEqual({ error: "Choose a time." });
  });
});

describe("untilText", () => {
  it("says when a snooze ends, in words", () => {
    expect(untilText(new Date(2026, 11, 4, 16, 5).getTime(), now)).toBe("until 16:05");
    expect(untilText(new Date(2026, 11, 5, 9, 0).getTime(), now)).toBe("until tomorrow, 9:00");
    expect(untilText(new Date(2026, 11, 8, 9, 0).getTime(), now)).toBe("until Tue 8 Dec, 9:00");
  });
  it("isoDate is an <input type=date> value", () => {
    expect(isoDate(now)).toBe("2026-12-04");
  });
});
