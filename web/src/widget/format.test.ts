import { describe, expect, it } from "vitest";
import { contrast, dayLabel, initials, links, onColor, sameGroup, validColor } from "./format";

describe("initials", () => {
  it("takes the first and last words' first letters", () => {
    expect(initials("Alice")).toBe("A");
    expect(initials("alice martin")).toBe("AM");
    expect(initials("  Jean Paul  Sartre ")).toBe("JS");
    expect(initials("李娜")).toBe("李");
    expect(initials("")).toBe("");
    expect(initials("Demo Shop (pre-chat form)")).toBe("DS");
    expect(initials("“Anna” – Support")).toBe("AS");
  });
});

describe("onColor", () => {
  it("writes on any brand colour with 4.5:1 or more", () => {
    for (const c of ["#2f5bd3", "#ffcc00", "#777777", "#0b7a5c", "#ff0000", "#000000", "#ffffff", "#e5e7eb", "#5b83f0"]) {
      expect(contrast(c, onColor(c))).toBeGreaterThanOrEqual(4.5);
    }
    expect(onColor("#ffcc00")).toBe("#111318");
    expect(onColor("#2f5bd3")).toBe("#ffffff");
    expect(onColor("#777777")).toBe("#000000");
  });

  it("takes only #rrggbb", () => {
    expect(validColor("#0b7a5c")).toBe(true);
    for (const c of ["red", "#fff", "#0b7a5c;x:y", "", undefined, "url(x)"]) expect(validColor(c)).toBe(false);
  });
});

describe("dayLabel", () => {
  const words = { today: "Today", yesterday: "Yesterday" };
  const now = new Date(2026, 2, 10, 15, 0).getTime();
  it("says today, yesterday, or the date", () => {
    expect(dayLabel(new Date(2026, 2, 10, 0, 5).getTime(), now, "en-GB", words)).toBe("Today");
    expect(dayLabel(new Date(2026, 2, 9, 23, 59).getTime(), now, "en-GB", words)).toBe("Yesterday");
    expect(dayLabel(new Date(2026, 2, 3, 12).getTime(), now, "en-GB", words)).toMatch(/^Tue,? 3 Mar$/);
    expect(dayLabel(new Date(2025, 11, 24, 12).getTime(), now, "en-GB", words)).toMatch(/^Wed,? 24 Dec 2025$/);
  });
});

describe("sameGroup", () => {
  it("groups one author's messages a few minutes apart", () => {
    const a = { who: "agent", actor: "agent:a1", ts: 0 };
    expect(sameGroup(a, { who: "agent", actor: "agent:a1", ts: 60_000 })).toBe(true);
    expect(sameGroup(a, { who: "agent", actor: "agent:a2", ts: 60_000 })).toBe(false);
    expect(sameGroup(a, { who: "customer", ts: 60_000 })).toBe(false);
    expect(sameGroup(a, { who: "agent", actor: "agent:a1", ts: 10 * 60_000 })).toBe(false);
    expect(sameGroup(undefined, a)).toBe(false);
  });
});

describe("links", () => {
  it("finds web addresses and leaves the rest text", () => {
    expect(links("see https://example.com/a?b=1, then")).toEqual([
      { text: "see " }, { text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" }, { text: ", then" },
    ]);
    expect(links("javascript:alert(1) <img src=x onerror=alert(1)>")).toEqual([{ text: "javascript:alert(1) <img src=x onerror=alert(1)>" }]);
    expect(links("")).toEqual([]);
  });
});
