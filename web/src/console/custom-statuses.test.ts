import { describe, expect, it } from "vitest";
import {
  customLabel, customText, draftOf, grouped, idFrom, inserted, moveWithin, newDraft, pickerChoices, pickerValue, problems, refusalText, refusedAt, reserved, statusName,
  statusOf, withLabel, type CustomStatus,
} from "./custom-statuses";

const list: CustomStatus[] = [
  { id: "waiting-carrier", label: "Waiting on the carrier", base: "on_hold" },
  { id: "escalated", label: "Escalated to engineering", base: "open" },
  { id: "parts", label: "Waiting for parts", base: "on_hold" },
  { id: "refunded", label: "Refunded", base: "solved" },
];

describe("a conversation's custom status", () => {
  it("names its badge when it is of the conversation's status", () => {
    expect(statusName({ status: "on_hold", custom_status: "parts" }, list)).toBe("Waiting for parts");
    expect(statusName({ status: "on_hold" }, list)).toBe("On hold");
    expect(customLabel({ status: "snoozed", custom_status: "parts" }, new Map(list.map((s) => [s.id, s])))).toBe("Waiting for parts");
  });
  it("is none when the tenant removed it or the status moved on", () => {
    expect(statusName({ status: "on_hold", custom_status: "gone" }, list)).toBe("On hold");
    expect(statusName({ status: "open", custom_status: "parts" }, list)).toBe("Open");
  });
  it("is what the timeline says was set", () => {
    const now = new Date(2026, 11, 4, 15, 20);
    expect(customText({ status: "on_hold" }, "You", "Waiting for parts", now)).toBe("You set the status to Waiting for parts");
    expect(customText({ status: "on_hold", snooze_until: new Date(2026, 11, 5, 9, 0).getTime() }, "Bob", "Waiting for parts", now))
      .toBe("Bob set the status to Waiting for parts until tomorrow, 9:00");
  });
});

describe("the status picker", () => {
  const values = (status: string) => pickerChoices(status, list).map((c) => (c.custom ? `  ${c.label}` : c.label));
  it("offers each status the lifecycle allows, each followed by its custom statuses in the tenant's order", () => {
    expect(values("open")).toEqual(["Open", "  Escalated to engineering", "Pending", "On hold", "  Waiting on the carrier", "  Waiting for parts", "Solved", "  Refunded"]);
    expect(values("solved")).toEqual(["Open", "  Escalated to engineering", "Pending", "On hold", "  Waiting on the carrier", "  Waiting for parts", "Solved", "  Refunded", "Closed"]);
  });
  it("offers nothing more for a closed conversation, which is final", () => {
    expect(values("closed")).toEqual(["Closed"]);
  });
  it("sends a custom status by its id, and shows the one the conversation is in", () => {
    expect(pickerChoices("open", list).find((c) => c.label === "Refunded")).toEqual({ value: "refunded", label: "Refunded", base: "solved", custom: true });
    expect(pickerValue({ status: "on_hold", custom_status: "parts" }, list)).toBe("parts");
    expect(pickerValue({ status: "open", custom_status: "parts" }, list)).toBe("open");
    expect(pickerValue({ status: "snoozed" }, list)).toBe("on_hold");
  });
});

describe("the editor", () => {
  it("makes ids of names, none of the statuses' own and none taken", () => {
    expect(idFrom("Waiting on the carrier")).toBe("waiting-on-the-carrier");
    expect(idFrom("Größe & Gewicht!")).toBe("grosse-gewicht");
    expect(idFrom("Open")).toBe("open-2");
    expect(idFrom("Resolved")).toBe("resolved-2");
    expect(idFrom("Refunded", ["refunded", "refunded-2"])).toBe("refunded-3");
    expect(idFrom("!!!")).toBe("status");
    expect(idFrom("x".repeat(80)).length).toBe(64);
    expect(reserved).toEqual(["new", "open", "pending", "on_hold", "solved", "closed", "snoozed", "resolved"]);
  });
  it("lets a new status's id follow its name until the admin types one, and keeps a saved one's", () => {
    let d = withLabel(newDraft(), "Waiting for parts", []);
    expect(d.id).toBe("waiting-for-parts");
    d = withLabel({ ...d, id: "parts", idEdited: true }, "Waiting for spare parts", []);
    expect(d.id).toBe("parts");
    expect(withLabel(draftOf(list[0]), "Carrier", []).id).toBe("waiting-carrier");
    expect(withLabel(newDraft(), "  ", []).id).toBe("");
  });
  it("says what keeps a status from being saved, and leaves the statuses' own names to the edge", () => {
    expect(problems(newDraft(), []).map((p) => p.at)).toEqual(["label", "id"]);
    expect(problems({ ...newDraft(), label: "x".repeat(61), id: "Bad Id" }, []).map((p) => p.text))
      .toEqual(["A status's name is at most 60 characters.", "An id is lower-case letters, digits, - and _, at most 64."]);
    expect(problems({ ...newDraft(), label: "Parts", id: "parts" }, ["parts"])[0].text).toBe("Another custom status has the id parts.");
    expect(problems({ ...newDraft(), label: "Parts", id: "parts", base: "new" }, [])[0].at).toBe("base");
    expect(problems({ ...newDraft(), label: "Resolved", id: "resolved" }, [])).toEqual([]);
    expect(statusOf({ ...newDraft("solved"), label: " Refunded ", id: " refunded " })).toEqual({ id: "refunded", label: "Refunded", base: "solved" });
  });
  it("groups the statuses by base, in the lifecycle's order", () => {
    expect(grouped(list).map((g) => [g.base, g.items.map((x) => x.index)])).toEqual([["open", [1]], ["pending", []], ["on_hold", [0, 2]], ["solved", [3]], ["closed", []]]);
  });
  it("moves a status within its base only", () => {
    expect(moveWithin(list, 2, -1).map((s) => s.id)).toEqual(["parts", "escalated", "waiting-carrier", "refunded"]);
    expect(moveWithin(list, 0, 1).map((s) => s.id)).toEqual(["parts", "escalated", "waiting-carrier", "refunded"]);
    expect(moveWithin(list, 0, -1)).toBe(list);
    expect(moveWithin(list, 3, 1)).toBe(list);
  });
  it("adds a new status after the last of its base", () => {
    const add = (base: string) => inserted(list, { id: "x", label: "X", base }).map((s) => s.id);
    expect(add("on_hold")).toEqual(["waiting-carrier", "escalated", "parts", "x", "refunded"]);
    // none of its base: before the first of a later base (only the order within a base shows)
    expect(add("pending")).toEqual(["x", "waiting-carrier", "escalated", "parts", "refunded"]);
    expect(add("closed")).toEqual(["waiting-carrier", "escalated", "parts", "refunded", "x"]);
    expect(inserted([], { id: "x", label: "X", base: "open" }).map((s) => s.id)).toEqual(["x"]);
    expect(inserted([list[3]], { id: "x", label: "X", base: "open" }).map((s) => s.id)).toEqual(["x", "refunded"]);
  });
  it("places the edge's refusal on the status and the part it names", () => {
    expect(refusedAt(`custom status 2 ("Resolved"): id "resolved" is a status already`)).toEqual({ index: 1, at: "id" });
    expect(refusedAt(`custom status 1 ("x"): label must be 1-60 characters`)).toEqual({ index: 0, at: "label" });
    expect(refusedAt("51 custom statuses: a tenant has at most 50")).toEqual({ index: -1, at: "list" });
    expect(refusalText(`custom status 2 ("Resolved"): id "resolved" is a status already`)).toBe(`id "resolved" is a status already`);
  });
});
