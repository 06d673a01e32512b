import { describe, expect, it } from "vitest";
import type { AutomationSchema, Rule } from "../protocol.gen";
import {
  actionDraft, actionOf, actionsText, automationSaid, conditionDraft, macroTypes, taskProblem, conditionOf, conditionText, durationText, fromSeconds, macroDraft, macroOf, macroProblems,
  move, newAction, skipText, newCondition, newRule, normalTags, place, readable, ruleDraft, ruleName, ruleOf, ruleOfActor, ruleProblems, searchMacros,
  summary, toggleTrigger, toSeconds, valueKind, whenText, withField, withOp, withType,
} from "./automation";

// the schema as the edge sends it (edge/gateway AutomationSchema), in part
const schema: AutomationSchema = {
  triggers: ["created", "message_in", "message_out", "note", "analyzed", "status_changed", "priority_changed", "tags_changed", "assigned", "sla_warning", "sla_breach", "time"],
  sinces: ["status", "created", "customer_message", "agent_message"],
  fields: [
    { name: "status", ops: ["is", "is_not", "in", "not_in"], values: ["new", "open", "pending", "on_hold", "solved", "closed"], doc: "" },
    { name: "priority", ops: ["is", "is_not", "in", "not_in"], values: ["low", "normal", "high", "urgent"], doc: "" },
    { name: "inbox", ops: ["is", "is_not", "in", "not_in", "present", "absent"], doc: "" },
    { name: "assignee", ops: ["is", "is_not", "in", "not_in", "present", "absent"], doc: "" },
    { name: "tags", ops: ["contains", "not_contains", "present", "absent"], doc: "" },
    { name: "language", ops: ["is", "is_not", "in", "not_in", "present", "absent"], doc: "" },
    { name: "text", ops: ["is", "is_not", "contains", "not_contains", "present", "absent"], triggers: ["message_in", "message_out", "note", "analyzed"], doc: "" },
    { name: "business_hours", ops: ["is"], doc: "" },
    { name: "attribute.<key>", ops: ["is", "is_not", "contains", "not_contains", "present", "absent"], doc: "" },
    { name: "team", ops: ["is", "is_not", "in", "not_in", "present", "absent"], doc: "" },
    { name: "field.<key>", ops: ["is", "is_not", "in", "not_in", "contains", "not_contains", "present", "absent"], doc: "" },
  ],
  actions: ["assign", "unassign", "set_status", "snooze", "set_priority", "add_tags", "remove_tags", "reply", "add_note"],
};

const names = {
  agent: (id: string) => ({ "agent-alice": "Alice", "agent-bob": "Bob" }[id] ?? "An agent"),
  inbox: (id: string) => ({ "demo-web": "Demo Shop" }[id] ?? "An inbox"),
};

const refunds: Rule = {
  id: "r1", name: "Refund requests", when: ["message_in"],
  conditions: [{ field: "text", op: "contains", value: "refund" }],
  actions: [{ type: "add_tags", tags: ["refund"] }, { type: "set_priority", value: "high" }],
};

describe("durations", () => {
  it("are whole minutes, hours or days, in seconds", () => {
    expect(toSeconds({ amount: "2", unit: "hours" })).toBe(7200);
    expect(toSeconds({ amount: " 3 ", unit: "days" })).toBe(259200);
    expect(toSeconds({ amount: "0", unit: "minutes" })).toBeNull();
    expect(toSeconds({ amount: "1.5", unit: "hours" })).toBeNull();
    expect(toSeconds({ amount: "", unit: "hours" })).toBeNull();
  });
  it("come back in the largest unit that holds them whole", () => {
    expect(fromSeconds(7200)).toEqual({ amount: "2", unit: "hours" });
    expect(fromSeconds(5400)).toEqual({ amount: "90", unit: "minutes" });
    expect(fromSeconds(172800)).toEqual({ amount: "2", unit: "days" });
    expect(fromSeconds(undefined, "days")).toEqual({ amount: "1", unit: "days" });
    expect([durationText(3600), durationText(5400), durationText(86400 * 3)]).toEqual(["1 hour", "90 minutes", "3 days"]);
  });
});

describe("rules in words", () => {
  it("says trigger, conditions and actions, agents and inboxes by name", () => {
    const s = summary(refunds, names);
    expect(s.when).toBe("When the customer writes");
    expect(s.conditions).toBe("Message text contains “refund”");
    expect(s.actions).toBe("Add the tag refund, set the priority to High");
    expect(s.text).toBe("When the customer writes, if message text contains “refund”: add the tag refund, set the priority to High");
    const r: Rule = {
      id: "r2", name: "VIP", when: ["created", "message_in", "assigned"], match: "any",
      conditions: [{ field: "assignee", op: "in", values: ["agent-alice", "agent-bob"] }, { field: "inbox", op: "is", value: "demo-web" },
        { field: "tags", op: "contains", values: ["vip", "gold"] }, { field: "status", op: "not_in", values: ["solved", "on_hold"] }],
      actions: [{ type: "assign", value: "agent-bob" }, { type: "snooze", after_s: 7200 }, { type: "reply", text: "Thanks for writing in: a specialist from our billing team will answer you shortly." }],
    };
    const t = summary(r, names);
    expect(t.when).toBe("When a conversation is created, the customer writes or the assignee changes");
    expect(t.conditions).toBe("Assignee is any of Alice, Bob or inbox is Demo Shop or tags include all of vip, gold or status is none of Solved, On hold");
    expect(t.actions).toBe("Assign to Bob, snooze for 2 hours, reply “Thanks for writing in: a specialist from our billing team…”");
    expect(t.text).not.toMatch(/agent-|demo-web/);
  });
  it("says time rules, attributes, business hours and present/absent", () => {
    expect(whenText({ when: ["time"], since: "customer_message", after_s: 172800 })).toBe("2 days after the customer's last message");
    expect(conditionText({ field: "attribute.plan", op: "is", value: "enterprise" }, names)).toBe("Attribute plan is “enterprise”");
    expect(conditionText({ field: "business_hours", op: "is", value: "false" }, names)).toBe("Outside business hours");
    expect(conditionText({ field: "assignee", op: "absent" }, names)).toBe("Assignee is not set");
    expect(conditionText({ field: "tags", op: "absent" }, names)).toBe("Tags are empty");
    expect(actionsText([{ type: "unassign" }, { type: "set_status", value: "on_hold" }, { type: "remove_tags", tags: ["a", "b"] }], names))
      .toBe("Unassign, set the status to On hold, remove the tags a, b");
  });
});

describe("the editor's rows", () => {
  it("a new rule: the customer writes, the message text contains, add tags", () => {
    const d = newRule(schema);
    expect(d.when).toEqual(["message_in"]);
    expect(d.conditions).toEqual([{ field: "text", key: "", op: "contains", value: "", values: [] }]);
    expect(d.actions[0].type).toBe("add_tags");
    // without a message trigger, the text does not apply: the first field does
    expect(newCondition(schema, ["created"]).field).toBe("status");
  });
  it("a field's value control follows its operator", () => {
    const f = (n: string) => schema.fields.find((x) => x.name === n);
    expect(valueKind(f("status"), "status", "is")).toBe("enum");
    expect(valueKind(f("status"), "status", "in")).toBe("enums");
    expect(valueKind(f("assignee"), "assignee", "is")).toBe("agent");
    expect(valueKind(f("inbox"), "inbox", "not_in")).toBe("inboxes");
    expect(valueKind(f("tags"), "tags", "contains")).toBe("tags");
    expect(valueKind(f("tags"), "tags", "present")).toBe("none");
    expect(valueKind(f("business_hours"), "business_hours", "is")).toBe("bool");
    expect(valueKind(f("language"), "language", "in")).toBe("texts");
    expect(valueKind(f("attribute.<key>"), "attribute.<key>", "contains")).toBe("text");
  });
  it("changing the field keeps what fits, and an enumerated one starts at its first value", () => {
    let c = newCondition(schema, ["message_in"]);
    c = { ...c, value: "refund" };
    expect(withField(c, "attribute.<key>", schema)).toMatchObject({ op: "contains", value: "refund" });
    c = withField(c, "status", schema);
    expect(c).toMatchObject({ field: "status", op: "is", value: "new" });
    c = withOp({ ...c, value: "open" }, "in", schema);
    expect(c).toMatchObject({ op: "in", value: "", values: ["open"] });
    c = withOp(c, "is", schema);
    expect(c).toMatchObject({ op: "is", value: "open", values: [] });
    expect(withOp(withField(c, "assignee", schema), "present", schema)).toMatchObject({ op: "present", value: "", values: [] });
  });
  it("rows become the edge's conditions and actions, and come back", () => {
    const conds = [
      { field: "text", op: "contains", value: "refund" }, { field: "attribute.plan", op: "is", value: "enterprise" },
      { field: "tags", op: "contains", values: ["vip"] }, { field: "assignee", op: "absent" }, { field: "status", op: "in", values: ["open", "pending"] },
    ];
    for (const c of conds) expect(conditionOf(conditionDraft(c), schema)).toEqual(c);
    expect(conditionDraft({ field: "attribute.plan", op: "is", value: "x" })).toMatchObject({ field: "attribute.<key>", key: "plan" });
    expect(conditionOf({ field: "text", key: "", op: "contains", value: "  refund ", values: [] }, schema)).toEqual({ field: "text", op: "contains", value: "refund" });
    const acts = [
      { type: "assign", value: "agent-bob" }, { type: "unassign" }, { type: "set_status", value: "pending" }, { type: "snooze", after_s: 5400 },
      { type: "set_priority", value: "urgent" }, { type: "add_tags", tags: ["a", "b"] }, { type: "reply", text: "Hello" }, { type: "add_note", text: "See CRM" },
    ];
    for (const a of acts) expect(actionOf(actionDraft(a))).toEqual(a);
    // a type that takes another kind of value drops it; back again, the text stays
    const a = withType(withType({ ...newAction("reply"), text: "Hi" }, "set_status"), "reply");
    expect([a.value, a.text]).toEqual(["", "Hi"]);
    expect(withType({ ...newAction("assign"), value: "agent-bob" }, "set_priority").value).toBe("high");
  });
  it("a rule goes to the edge with since and after_s for a time rule only, match only when any", () => {
    expect(ruleOf(ruleDraft(refunds), schema)).toEqual(refunds);
    const d = { ...ruleDraft(refunds), when: toggleTrigger(refunds.when, "time"), after: { amount: "3", unit: "days" as const }, match: "any" as const, disabled: true };
    expect(d.when).toEqual(["time"]);
    expect(ruleOf(d, schema)).toMatchObject({ when: ["time"], since: "customer_message", after_s: 259200, match: "any", disabled: true });
    expect(ruleOf({ ...d, when: toggleTrigger(d.when, "created") }, schema)).not.toHaveProperty("after_s");
    expect(toggleTrigger(["created", "message_in"], "created")).toEqual(["message_in"]);
  });
  it("macros too", () => {
    const m = { id: "m1", name: "Refund", actions: [{ type: "add_tags", tags: ["refund"] }, { type: "set_status", value: "pending" }] };
    expect(macroOf(macroDraft(m))).toEqual(m);
    expect(macroDraft().actions.map((a) => a.type)).toEqual(["set_status"]);
  });
  it("says what is missing where it is, and leaves the number of conditions to the edge", () => {
    const d = newRule(schema);
    expect(ruleProblems(d, schema).map((p) => p.at)).toEqual(["name", "condition-0", "action-0"]);
    const ok = { ...d, name: "x", conditions: [], actions: [{ ...newAction("add_tags"), tags: ["refund"] }] };
    expect(ruleProblems(ok, schema)).toEqual([]);
    const attr = { ...ok, conditions: [{ field: "attribute.<key>", key: "no spaces", op: "is", value: "x", values: [] }] };
    expect(ruleProblems(attr, schema).map((p) => p.at)).toEqual(["condition-0-key"]);
    const timed = { ...ok, when: ["time"], after: { amount: "0", unit: "hours" as const } };
    expect(ruleProblems(timed, schema).map((p) => p.at)).toEqual(["after"]);
    expect(macroProblems({ id: "", name: " ", actions: [{ ...newAction("snooze"), after: { amount: "x", unit: "hours" } }] }).map((p) => p.at)).toEqual(["name", "action-0"]);
  });
  it("moves rows within the list only", () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 2, -1)).toEqual([1, 3, 2]);
    const l = [1, 2];
    expect(move(l, 1, 1)).toBe(l);
  });
  it("custom fields and teams: by key in the rows, by label and name in words", () => {
    const c = { field: "field.order_id", op: "is", value: "A-1" };
    expect(conditionDraft(c, schema)).toMatchObject({ field: "field.<key>", key: "order_id" });
    expect(conditionOf(conditionDraft(c, schema), schema)).toEqual(c);
    // contact.name is a field of its own, not a family's
    expect(conditionDraft({ field: "contact.name", op: "contains", value: "x" }, schema)).toMatchObject({ field: "contact.name", key: "" });
    const named = { ...names, team: (id: string) => ({ billing: "Billing" }[id] ?? id), field: (k: string) => ({ order_id: "Order number" }[k] ?? k) };
    expect(conditionText(c, named)).toBe("Order number is “A-1”");
    expect(conditionText({ field: "team", op: "in", values: ["billing"] }, named)).toBe("Team is any of Billing");
    expect(actionsText([{ type: "assign_team", value: "billing" }, { type: "set_field", field: "order_id", value: "A-1" }, { type: "set_field", field: "order_id" }], named))
      .toBe("Give to Billing, set Order number to “A-1”, clear Order number");
    expect(actionOf(actionDraft({ type: "set_field", field: "order_id", value: "A-1" }))).toEqual({ type: "set_field", field: "order_id", value: "A-1" });
    expect(actionOf({ ...newAction("set_field"), field: "order_id" })).toEqual({ type: "set_field", field: "order_id" });
    const d = { ...newRule(schema), name: "x", conditions: [{ field: "field.<key>", key: "", op: "is", value: "1", values: [] }], actions: [newAction("set_field")] };
    expect(ruleProblems(d, schema).map((p) => p.at)).toEqual(["condition-0-key", "action-0"]);
    // switching between families forgets the key
    expect(withField({ field: "attribute.<key>", key: "plan", op: "is", value: "x", values: [] }, "field.<key>", schema).key).toBe("");
    expect(valueKind(schema.fields.find((f) => f.name === "team"), "team", "in")).toBe("teams");
  });
  it("takes what the schema adds before the console knows it: a team's id, an unknown action's value", () => {
    expect(actionOf({ ...newAction("assign_team"), value: " billing " })).toEqual({ type: "assign_team", value: "billing" });
    expect(ruleProblems({ ...newRule(schema), name: "x", conditions: [], actions: [newAction("assign_team")] }, schema).map((p) => p.at)).toEqual(["action-0"]);
    expect(actionOf({ ...newAction("notify_slack"), value: "#support" })).toEqual({ type: "notify_slack", value: "#support" });
    expect(actionOf(newAction("notify_slack"))).toEqual({ type: "notify_slack" });
    expect(whenText({ when: ["team_changed", "escalated"] })).toBe("When the team changes or escalated");
    expect(conditionText({ field: "team", op: "is", value: "billing" }, names)).toBe("Team is “billing”");
  });
  it("webhook and plugin actions: rules only, an endpoint by its description, a task of letters, digits, - and _", () => {
    expect(macroTypes(["assign", "add_tags", "webhook", "plugin", "reply"])).toEqual(["assign", "add_tags", "reply"]);
    for (const a of [{ type: "webhook", value: "wh1" }, { type: "plugin", value: "triage" }]) expect(actionOf(actionDraft(a))).toEqual(a);
    expect(actionOf({ ...newAction("plugin"), value: " triage " })).toEqual({ type: "plugin", value: "triage" });
    // an endpoint is no task: changing the type forgets it
    expect(withType({ ...newAction("webhook"), value: "wh1" }, "plugin").value).toBe("");
    const d = { ...newRule(schema), name: "x", conditions: [], actions: [newAction("webhook"), { ...newAction("plugin"), value: "tri age" }] };
    expect(ruleProblems(d, schema).map((p) => [p.at, p.message])).toEqual([
      ["action-0", "Choose the webhook endpoint."], ["action-1", "A task is letters, digits, - and _ only, without spaces."]]);
    expect([taskProblem(""), taskProblem("x".repeat(65)), taskProblem("triage-v2_1")]).toEqual([
      "Give the task the plugin is asked, such as triage.", "A task is at most 64 characters.", ""]);
    const hooks = { ...names, webhook: (id: string) => ({ wh1: "CRM" }[id]) };
    expect(actionsText([{ type: "webhook", value: "wh1" }, { type: "plugin", value: "triage" }], hooks))
      .toBe("Send to the webhook “CRM”, ask the automation plugin for “triage”");
    expect(actionsText([{ type: "webhook", value: "gone" }], hooks)).toBe("Send to a webhook");
    expect(actionsText([{ type: "webhook", value: "wh1" }], names)).toBe("Send to a webhook");
  });
  it("custom statuses by label: the status set, and a condition on them", () => {
    const labels = { ...names, status: (id: string) => ({ carrier: "Waiting on the carrier" }[id]) };
    expect(actionsText([{ type: "set_status", value: "carrier" }, { type: "set_status", value: "pending" }], labels))
      .toBe("Set the status to Waiting on the carrier, set the status to Pending");
    expect(conditionText({ field: "custom_status", op: "in", values: ["carrier"] }, labels)).toBe("Custom status is any of Waiting on the carrier");
  });
  it("makes typed tags the edge's", () => {
    expect(normalTags("Refund, VIP  refund", ["vip"])).toEqual(["vip", "refund"]);
  });
});

describe("the edge's refusals", () => {
  it("name rules by their names and say where they point", () => {
    const m = `rule 2 ("r7f3", "Refund requests"): condition 1: unknown field "colour": the fields are status, priority`;
    expect(readable(m)).toBe(`rule 2 (“Refund requests”): condition 1: unknown field "colour": the fields are status, priority`);
    expect(place(m)).toEqual({ item: 1, condition: 0 });
    const cycle = `rules form a cycle: "a", "A" → "b", "B \\"x\\"" → "a", "A": each one's actions trigger the next; add a condition that breaks it`;
    expect(readable(cycle)).toBe(`rules form a cycle: “A” → “B "x"” → “A”: each one's actions trigger the next; add a condition that breaks it`);
    expect(place(cycle)).toEqual({});
    expect(place(`macro 1 ("m1", "Refund"): action 2 (set_status): value "new"`)).toEqual({ item: 0, action: 1 });
    expect(place(`rule 1 ("r1", "x"): action 1 (assign): no such agent "bob"`)).toEqual({ item: 0, action: 0 });
  });
});

describe("automation in the timeline", () => {
  it("says what a rule could not do with the rule's name in quotation marks", () => {
    expect(skipText(`rule "Close \\"now\\"" could not set status: open → closed: only a solved conversation is closed`))
      .toBe("“Close \"now\"” could not set status: open → closed: only a solved conversation is closed");
    expect(skipText("a loop was stopped")).toBe("a loop was stopped");
  });
  it("says a rule's webhook call and its plugin's note under the rule's name", () => {
    expect(automationSaid('Sent to the webhook "CRM \\"EU\\""', "Outages")).toEqual({ by: "Outages", text: " sent the conversation to the webhook “CRM \"EU\"”", webhook: true });
    expect(automationSaid('Triage: the customer wrote "down"', "Triage")).toEqual({ by: "Triage", text: ': Triage: the customer wrote "down"' });
    expect(automationSaid('rule "Triage" asked the automation plugin "triage": no automation plugin is installed', "Triage"))
      .toEqual({ text: '“Triage” asked the automation plugin "triage": no automation plugin is installed' });
    expect(automationSaid("a loop was stopped", "")).toEqual({ text: "a loop was stopped" });
  });
  it("names an item's rule, or says Automation", () => {
    expect(ruleOfActor({ actor_kind: "system", actor_id: "automation:r1" })).toBe("r1");
    expect(ruleOfActor({ actor_kind: "agent", actor_id: "agent-alice" })).toBe("");
    expect(ruleName("r1", [refunds])).toBe("Refund requests");
    expect(ruleName("gone", [refunds])).toBe("Automation");
  });
  it("finds macros by the words of their name", () => {
    const ms = [{ id: "1", name: "Refund: send label", actions: [] }, { id: "2", name: "Escalate to billing", actions: [] }, { id: "3", name: "Close as spam", actions: [] }];
    expect(searchMacros(ms, "").map((m) => m.id)).toEqual(["3", "2", "1"]);
    expect(searchMacros(ms, "LABEL ref").map((m) => m.id)).toEqual(["1"]);
  });
});
