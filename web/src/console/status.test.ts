/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import doc from "../../../docs/tickets.md?raw";
import { allowed, canonical, choices, filterOf, inFilter, noteOnly, solvable, statusesBefore, StatusFilters, statusLabel, statusText, Statuses } from "./status";

// Friday 4 December 2026, 15:20 in the machine's time zone.
const now = new Date(2026, 11, 4, 15, 20);

describe("the statuses", () => {
  it("are six, with the labels agents read", () => {
    expect(Statuses.map(statusLabel)).toEqual(["New", "Open", "Pending", "On hold", "Solved", "Closed"]);
  });
  it("read the legacy names as the six's", () => {
    expect([canonical("snoozed"), canonical("resolved"), canonical("open"), canonical(undefined)]).toEqual(["on_hold", "solved", "open", ""]);
    expect(statusLabel("resolved")).toBe("Solved");
  });
});

describe("the changes an agent may make", () => {
  it("follow the table of docs/tickets.md, the edge's", () => {
    // the documented table: | `from` | `to` | made by | how |
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| `([a-z_]+)` \| ([a-z, ]+) \|/gm)];
    expect(rows.length).toBeGreaterThan(10);
    const byAgent = new Set(rows.filter((r) => r[3].split(", ").includes("agent")).map((r) => `${r[1]}>${r[2]}`));
    for (const from of Statuses) {
      for (const to of Statuses) {
        // the status itself is no change, and only on hold takes it again (a new time)
        const want = byAgent.has(`${from}>${to}`) || (from === "on_hold" && to === "on_hold");
        expect(allowed(from, to), `${from} → ${to}`).toBe(want);
      }
    }
  });
  it("are what the picker offers, with the status itself", () => {
    expect(choices("new")).toEqual(["new", "open", "pending", "on_hold", "solved"]);
    expect(choices("open")).toEqual(["open", "pending", "on_hold", "solved"]);
    expect(choices("solved")).toEqual(["open", "pending", "on_hold", "solved", "closed"]);
    expect(choices("closed")).toEqual(["closed"]);
    expect(choices("resolved")).toEqual(choices("solved"));
  });
  it("solve all but a solved or closed conversation", () => {
    expect(Statuses.filter(solvable)).toEqual(["new", "open", "pending", "on_hold"]);
  });
});

describe("the list's status filters", () => {
  it("start with new and open, then unsolved, every status, and each alone", () => {
    expect(StatusFilters.map((f) => f.label)).toEqual(["New and open", "Unsolved", "All statuses", "New", "Open", "Pending", "On hold", "Solved", "Closed"]);
  });
  it("group statuses", () => {
    expect(Statuses.filter((s) => inFilter(s, "new_open"))).toEqual(["new", "open"]);
    expect(Statuses.filter((s) => inFilter(s, "unsolved"))).toEqual(["new", "open", "pending", "on_hold"]);
    expect(Statuses.filter((s) => inFilter(s, ""))).toEqual(Statuses);
    expect(inFilter("snoozed", "on_hold")).toBe(true);
  });
  it("do not know an older console's", () => {
    expect(filterOf("snoozed")).toBeUndefined();
    expect(filterOf("resolved")).toBeUndefined();
  });
});

describe("statusText", () => {
  const agent = (status: string, extra = {}) => ({ status, actor_kind: "agent", actor_id: "agent-alice", ...extra });
  it("says what an agent did", () => {
    expect(statusText(agent("solved"), "You")).toBe("You solved the conversation");
    expect(statusText(agent("pending"), "Sam")).toBe("Sam marked the conversation pending");
    expect(statusText(agent("on_hold", { snooze_until: new Date(2026, 11, 5, 9, 0).getTime() }), "Alice", "open", now))
      .toBe("Alice put the conversation on hold until tomorrow, 9:00");
    expect(statusText(agent("on_hold"), "Alice")).toBe("Alice put the conversation on hold");
    expect(statusText(agent("closed"), "You", "solved")).toBe("You closed the conversation");
  });
  it("opens a new conversation, reopens any other", () => {
    expect(statusText(agent("open"), "You", "new")).toBe("You opened the conversation");
    expect(statusText(agent("open"), "You", "solved")).toBe("You reopened the conversation");
    expect(statusText(agent("open"), "You")).toBe("You reopened the conversation");
  });
  it("names the clock's changes, the customer's and the rules'", () => {
    const timer = (status: string) => ({ status, actor_kind: "system", actor_id: "timer" });
    expect(statusText(timer("open"), "Edgedesk", "on_hold")).toBe("Reopened: the snooze ended");
    expect(statusText(timer("closed"), "Edgedesk", "solved")).toBe("Closed automatically");
    expect(statusText({ status: "open", actor_kind: "customer" }, "The customer", "pending")).toBe("Reopened: the customer replied");
    expect(statusText({ status: "solved", actor_kind: "system", actor_id: "automation:stale" }, "Stale tickets")).toBe("Stale tickets solved the conversation");
  });
  it("reads a legacy item as the six's", () => {
    expect(statusText(agent("resolved"), "You")).toBe("You solved the conversation");
  });
});

describe("statusesBefore", () => {
  it("follows the opening, each change and the messages that moved it", () => {
    const before = statusesBefore([
      { seq: 1, kind: "opened", status: "new" },
      { seq: 2, kind: "message" },
      { seq: 3, kind: "message", status: "open" }, // an agent's first answer
      { seq: 4, kind: "status", status: "solved" },
      { seq: 5, kind: "message", status: "open" }, // the customer's reply
      { seq: 6, kind: "status", status: "pending" },
    ]);
    expect([before.get(4), before.get(6)]).toEqual(["open", "open"]);
  });
  it("does not guess before the first status it saw", () => {
    const before = statusesBefore([{ seq: 7, kind: "status", status: "open" }, { seq: 8, kind: "status", status: "solved" }]);
    expect([before.get(7), before.get(8)]).toEqual([undefined, "open"]);
  });
});

describe("noteOnly", () => {
  it("says why a closed conversation takes notes only", () => {
    expect(noteOnly("closed")).toMatch(/closed: it takes private notes only/);
    expect(Statuses.filter((s) => noteOnly(s) === "")).toEqual(["new", "open", "pending", "on_hold", "solved"]);
  });
});
