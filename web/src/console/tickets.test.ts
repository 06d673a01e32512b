// Teams, custom fields, links and the date picker's calendar: the
// console's rules for them (teams.ts, fields.ts, links.ts, calendar.ts).
import { describe, expect, it } from "vitest";
import type { Agent, FieldDef } from "../protocol.gen";
import { addDays, addMonths, dayName, dayShort, monthName, sameDayIn, weeks } from "./calendar";
import {
  addOptions, checkValue, defOf, describe as describeField, draftOf, empty, fieldsText, formatDate, keyFrom, missingOf, missingRequired, move, newDraft,
  parseOptions, problems, realDate, refusedAt, solveRefusal, valueText, withLabel,
} from "./fields";
import type { Conv } from "./inbox";
import { directionOf, linkTargets, linkText, mergeTargets, mergeText, titleOf } from "./links";
import { shortcut } from "./shortcuts";
import { byName, inTeam, memberNames, membersLine, nameProblem, teamName, teamText } from "./teams";

const defs: FieldDef[] = [
  { key: "type", label: "Type", kind: "dropdown", options: ["question", "incident", "problem", "task"], required_on_solve: true },
  { key: "order", label: "Order number", kind: "text", required_on_solve: true },
  { key: "amount", label: "Amount", kind: "number" },
  { key: "due", label: "Due date", kind: "date" },
  { key: "gift", label: "Gift wrap", kind: "checkbox", required_on_solve: true },
  { key: "size", label: "Size, EU", kind: "dropdown", options: ["38", "39"] },
];

describe("field values", () => {
  it("are checked as the edge checks them", () => {
    const [type, order, amount, due, gift] = defs;
    expect(checkValue(order, "  #1042 ")).toEqual({ value: "#1042" });
    expect(checkValue(order, "   ")).toEqual({ value: "" });
    expect(checkValue(order, "包".repeat(1400))).toEqual({ error: "Order number: at most 4,000 characters" });
    expect(checkValue(amount, "12.50")).toEqual({ value: "12.50" });
    expect(checkValue(amount, "-3")).toEqual({ value: "-3" });
    expect(checkValue(amount, "1e3")).toEqual({ value: "1e3" });
    expect(checkValue(amount, "ten")).toEqual({ error: "Amount: “ten” is not a number" });
    expect(checkValue(due, "2026-02-29")).toEqual({ error: "Due date: “2026-02-29” is not a date (YYYY-MM-DD)" });
    expect(checkValue(due, "2028-02-29")).toEqual({ value: "2028-02-29" });
    expect(checkValue(type, "incident")).toEqual({ value: "incident" });
    expect(checkValue(type, "bug")).toEqual({ error: "Type: “bug” is not one of its options" });
    expect(checkValue(gift, "true")).toEqual({ value: "true" });
  });
  it("are shown for people: days, Yes and No, the type's label", () => {
    expect(formatDate("2026-12-04")).toBe("4 Dec 2026");
    expect(valueText(defs[3], "2026-01-31")).toBe("31 Jan 2026");
    expect(valueText(defs[4], "true")).toBe("Yes");
    expect(valueText(defs[0], "incident")).toBe("Incident");
    expect(valueText(defs[5], "38")).toBe("38");
    expect(realDate("2026-13-01")).toBe(false);
  });
  it("a checkbox that is not checked counts as empty", () => {
    expect([empty(defs[4], "false"), empty(defs[4], "true"), empty(defs[1], ""), empty(defs[1], "x")]).toEqual([true, false, true, false]);
    expect(missingRequired(defs, { type: "task", gift: "false" })).toEqual(["order", "gift"]);
  });
  it("a fields item says what changed, by labels and values, never keys", () => {
    expect(fieldsText({ set: { order: "1042", type: "incident" } }, defs, "You")).toBe("You set Order number to 1042 and Type to Incident");
    expect(fieldsText({ set: { gift: "true", due: "2026-12-24" }, clear: ["amount"] }, defs, "Bob"))
      .toBe("Bob set Due date to 24 Dec 2026, checked Gift wrap and cleared Amount");
    expect(fieldsText({ clear: ["gone"] }, defs, "You")).toBe("You cleared a removed field");
    expect(fieldsText(undefined, defs, "You")).toBe("You changed the fields");
    // before the fields are known: the key made readable, never "a removed field"
    expect(fieldsText({ set: { order_number: "7" } }, [], "You")).toBe("You set Order number to 7");
  });
});

describe("a Solve refused for want of fields", () => {
  it("is told from other refusals", () => {
    expect(solveRefusal("solving needs Type, Order number: set them first")).toBe(true);
    expect(solveRefusal("open → closed: only a solved conversation is closed")).toBe(false);
  });
  it("names the fields by label, found whole even with a comma in one", () => {
    expect(missingOf("solving needs Type, Order number: set them first", defs)).toEqual(["type", "order"]);
    expect(missingOf("solving needs Size, EU, Gift wrap: set them first", defs)).toEqual(["gift", "size"]);
    expect(missingOf("solving needs Nothing known: set them first", defs)).toEqual([]);
  });
});

describe("the fields editor", () => {
  it("makes a key of a label, unique, until the admin types one", () => {
    expect(keyFrom("Order number")).toBe("order_number");
    expect(keyFrom("Größe (EU)")).toBe("grosse_eu");
    expect(keyFrom("2nd try")).toBe("f_2nd_try");
    expect(keyFrom("包裹")).toBe("field");
    expect(keyFrom("Order number", ["order_number", "order_number_2"])).toBe("order_number_3");
    expect(keyFrom("a".repeat(40)).length).toBe(32);
    const d = withLabel(newDraft(), "Order number", []);
    expect(d.key).toBe("order_number");
    const typed = { ...d, key: "order", keyEdited: true };
    expect(withLabel(typed, "Order no.", []).key).toBe("order");
    const saved = draftOf(defs[1]);
    expect(withLabel(saved, "Order #", []).key).toBe("order");
  });
  it("reads options pasted as lines, or typed with commas, each once", () => {
    expect(parseOptions("Teapot\r\n  Cup \n\nTeapot\nSaucer\n")).toEqual(["Teapot", "Cup", "Saucer"]);
    expect(parseOptions("S, M,L,,M")).toEqual(["S", "M", "L"]);
    expect(addOptions(["S", "M"], ["M", "L", "L"])).toEqual(["S", "M", "L"]);
    expect(move(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(move(["a", "b"], 0, -1)).toEqual(["a", "b"]);
  });
  it("says what is missing before sending, as the edge would refuse it", () => {
    const other = { ...newDraft(), key: "order", label: "Order" };
    const d = { ...newDraft(), label: "", key: "Order", kind: "dropdown" };
    expect(problems(d, [other]).map((p) => p.at)).toEqual(["label", "key", "options"]);
    expect(problems({ ...d, label: "X", key: "order", options: ["a"] }, [other, d])[0].text).toBe("Another field has the key order.");
    const many = { ...d, label: "Product", key: "product", options: Array.from({ length: 501 }, (_, i) => `p${i}`) };
    expect(problems(many, [])[0].text).toBe("A drop-down has at most 500 options: this one has 501.");
    expect(problems({ ...d, label: "Product", key: "product", options: ["x".repeat(101)] }, [])[0].at).toBe("options");
    expect(problems({ ...d, label: "Size", key: "size", options: ["S", "M", "S"] }, []).map((p) => p.text)).toEqual(["“S” is an option twice."]);
    expect(problems({ ...d, label: "Size", key: "size", options: ["S", " "] }, []).map((p) => p.text)).toEqual(["An option is empty: write it or remove it."]);
  });
  it("sends options for a drop-down only, and places the edge's refusal", () => {
    expect(defOf({ ...draftOf(defs[1]), options: ["stale"] })).toEqual({ key: "order", label: "Order number", kind: "text", required_on_solve: true });
    expect(defOf(draftOf(defs[5]))).toEqual({ key: "size", label: "Size, EU", kind: "dropdown", options: ["38", "39"] });
    expect(refusedAt('field 2 ("product"): 10000 options: a drop-down has at most 500')).toBe(1);
    expect(refusedAt("something else")).toBe(-1);
    expect(describeField(defs[0])).toBe("Drop-down · 4 options");
    expect(describeField(defs[3])).toBe("Date");
  });
});

const team = new Map<string, Agent>([
  ["agent-alice", { id: "agent-alice", tenant: "demo", email: "alice@demo.test", name: "Alice" }],
  ["agent-bob", { id: "agent-bob", tenant: "demo", email: "bob@demo.test", name: "Bob" }],
  ["agent-carol", { id: "agent-carol", tenant: "demo", email: "carol@demo.test" }],
]);
const teams = [{ id: "t2", name: "support", agents: ["agent-bob"] }, { id: "t1", name: "Billing", agents: ["agent-carol", "agent-alice", "agent-bob"] }];

describe("teams", () => {
  it("are named, sorted and filtered by name and id", () => {
    expect(teamName("t1", teams)).toBe("Billing");
    expect(teamName("gone", teams)).toBe("a removed team");
    expect(byName(teams).map((t) => t.name)).toEqual(["Billing", "support"]);
    expect([inTeam({ team: "t1" }, ""), inTeam({}, "none"), inTeam({ team: "t1" }, "none"), inTeam({ team: "t1" }, "t1"), inTeam({}, "t1")])
      .toEqual([true, true, false, true, false]);
  });
  it("a team item says who gave the conversation to which team", () => {
    expect(teamText({ team: "t1" }, "You", teams)).toBe("You gave the conversation to Billing");
    expect(teamText({ team: "t1", unassigned: true }, "Bob", teams)).toBe("Bob gave the conversation to Billing; its assignee, not of the team, gave it up");
    expect(teamText({ team: "" }, "You", teams)).toBe("You took the conversation off its team");
  });
  it("members by name, the agent first as You", () => {
    expect(memberNames(teams[1], team, "agent-alice")).toEqual(["You", "Bob", "carol@demo.test"]);
    expect(membersLine(["You", "Bob", "Carol", "Dan", "Eve"])).toBe("You, Bob, Carol and 2 more");
    expect(membersLine(["Bob", "Carol"])).toBe("Bob and Carol");
    expect(membersLine([])).toBe("No members yet");
  });
  it("a name is one line, unique whatever its case", () => {
    expect(nameProblem("  ", teams)).toBe("Give the team a name.");
    expect(nameProblem("billing", teams)).toBe("There is a team called Billing already.");
    expect(nameProblem("BILLING", teams, "t1")).toBe("");
    expect(nameProblem("a\nb", teams)).toBe("A team's name is one line.");
  });
});

const conv = (id: string, extra: Partial<Conv> = {}): Conv => ({ id, status: "open", opened_at: 0, last_seq: 1, contact: "k1", ...extra });

describe("links and merges", () => {
  it("a conversation is named by its subject or last message, cut short", () => {
    expect(titleOf(conv("c1", { last_text: "Where is\nmy order?" }))).toBe("Where is my order?");
    expect(titleOf(conv("c1", { subject: "Refund", last_text: "x" }))).toBe("Refund");
    expect(titleOf(conv("c1", { last_text: "包".repeat(70) }), 10)).toBe("包".repeat(9) + "…");
    expect(titleOf(conv("c1"))).toBe("No messages yet");
  });
  it("a split link goes from the original to the conversation made of its message", () => {
    // the message (seq 16) is the original's, opened at 15; the new one opened at 28
    expect(directionOf({ kind: "split", ref: 16 }, { opened_seq: 15 })).toBe("split-off");
    expect(directionOf({ kind: "split", ref: 16 }, { opened_seq: 28 })).toBe("split-from");
    expect(directionOf({ kind: "related" }, { opened_seq: 28 })).toBe("related");
    expect(linkText({ other: "c9", kind: "split", ref: 16 }, { opened_seq: 15 }, "You")).toEqual({ before: "You split a customer's message off into", other: "c9", after: "" });
    expect(linkText({ other: "c9", kind: "related" }, { opened_seq: 1 }, "Bob").before).toBe("Bob linked this conversation to");
    expect(linkText({ other: "c9", kind: "related", removed: true }, { opened_seq: 1 }, "Bob").before).toBe("Bob unlinked");
  });
  it("a merged item reads from either side", () => {
    expect(mergeText({ conv: "a", into: "b" }, "a", "You")).toEqual({ before: "You merged this conversation into", other: "b", after: "" });
    expect(mergeText({ conv: "a", into: "b" }, "b", "You")).toEqual({ before: "You merged", other: "a", after: "into this conversation" });
  });
  it("merges only into the same customer's open conversations", () => {
    const me = conv("a", { last_seq: 5 });
    const all = [me, conv("b", { last_seq: 3 }), conv("c", { last_seq: 9 }), conv("d", { status: "closed" }), conv("e", { merged_into: "b" }), conv("f", { contact: "k2" })];
    expect(mergeTargets(me, all).map((c) => c.id)).toEqual(["c", "b"]);
  });
  it("links to the customer's others first, then what the search finds, not twice", () => {
    const me = conv("a", { links: [{ conv: "b", kind: "related" }] });
    const all = [me, conv("b"), conv("c", { last_text: "teapot" }), conv("d", { contact: "k2", last_text: "teapot lid" }), conv("e", { contact: "k3", last_text: "cup" })];
    expect(linkTargets(me, all, "")).toEqual({ same: [all[2]], others: [] });
    const found = linkTargets(me, all, "teapot");
    expect([found.same.map((c) => c.id), found.others.map((c) => c.id)]).toEqual([["c"], ["d"]]);
  });
});

describe("the calendar", () => {
  it("lays a month out in six weeks from Monday", () => {
    const w = weeks({ year: 2026, month: 12 }); // 1 December 2026 is a Tuesday
    expect(w.length).toBe(6);
    expect(w[0][0]).toEqual({ day: "2026-11-30", n: 30, inMonth: false });
    expect(w[0][1]).toEqual({ day: "2026-12-01", n: 1, inMonth: true });
    expect(w[4][3].day).toBe("2026-12-31");
    expect(w[5][6]).toEqual({ day: "2027-01-10", n: 10, inMonth: false });
  });
  it("moves by days and months across years, keeping the day where it can", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addMonths({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 });
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(sameDayIn("2026-01-31", { year: 2026, month: 2 })).toBe("2026-02-28");
  });
  it("names months and days", () => {
    expect(monthName({ year: 2026, month: 12 })).toBe("December 2026");
    expect(dayName("2026-12-04")).toBe("Friday 4 December 2026");
    expect(dayShort("2026-12-04")).toBe("Fri 4 Dec 2026");
  });
});

describe("the search shortcut", () => {
  it("Ctrl+K and ⌘K open search, even in a field; / stays the reply box's", () => {
    expect(shortcut({ key: "k", ctrlKey: true })).toBe("find");
    expect(shortcut({ key: "K", metaKey: true, target: { tagName: "TEXTAREA" } })).toBe("find");
    expect(shortcut({ key: "k" })).toBe("previous");
    expect(shortcut({ key: "/" })).toBe("canned");
  });
});
