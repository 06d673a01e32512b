import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Conv } from "./inbox";
import {
  addTags, countLabel, draftOf, filterWords, newDraft, or, problems, refusalOf, refusalText, rows, saved, sortWords, summary, Throttle, viewIcon, viewOf,
  type Names, type View,
} from "./views";

const names: Names = {
  agent: (id) => ({ "agent-bob": "Bob" })[id] ?? "a removed agent",
  team: (id) => ({ billing: "Billing" })[id] ?? "a removed team",
  inbox: (id) => ({ "demo-web": "Demo Shop" })[id] ?? "an inbox",
  field: (key) => ({ order_type: "Order type", gift: "Gift wrap" })[key] ?? key,
  value: (key, v) => (key === "gift" ? (v === "true" ? "Yes" : "No") : v),
};

const mine: View = { id: "mine", name: "My open tickets", statuses: ["new", "open", "pending", "on_hold"], assignee: "me", sort: "due", builtin: true };

describe("a view in words", () => {
  it("says the built-in views as agents read them, the assignee first", () => {
    expect(filterWords(mine, names)).toEqual(["Assigned to you", "new, open, pending or on hold"]);
    expect(summary(mine, names)).toBe("Assigned to you · new, open, pending or on hold · SLA due soonest first");
    const queue: View = { id: "my-teams", name: "My teams' queue", team: "mine", assignee: "none", statuses: ["new", "open"], sort: "priority", builtin: true };
    expect(summary(queue, names)).toBe("Unassigned · of your teams · new or open · urgent first");
    expect(summary({ id: "overdue", name: "Overdue", sla: "breached", statuses: ["new", "open"], sort: "due" }, names)).toBe("New or open · SLA breached · SLA due soonest first");
  });
  it("names agents, teams, inboxes and fields, never their ids", () => {
    const v: View = {
      id: "v1", name: "Billing VIPs", assignee: "agent-bob", team: "billing", priorities: ["low", "urgent"], tags: ["vip", "refund"], channel: "email",
      inbox: "demo-web", sla: "warning", fields: { order_type: "Return", gift: "true" },
    };
    expect(filterWords(v, names)).toEqual([
      "Assigned to Bob", "of Billing", "urgent or low priority", "tagged vip and refund", "e-mail", "in Demo Shop", "SLA at risk", "Gift wrap is Yes", "Order type is Return",
    ]);
    expect(sortWords(undefined)).toBe("latest activity first");
  });
  it("says every conversation for a view without filters, and leaves out every status picked", () => {
    expect(filterWords({ id: "v", name: "All", statuses: ["new", "open", "pending", "on_hold", "solved", "closed"] }, names)).toEqual(["Every conversation"]);
  });
  it("joins choices with or", () => {
    expect([or([]), or(["a"]), or(["a", "b"]), or(["a", "b", "c"])]).toEqual(["", "a", "a or b", "a, b or c"]);
  });
  it("has an icon for each built-in view and one for saved views", () => {
    expect(["mine", "unassigned", "my-teams", "overdue"].map((id) => viewIcon({ id, builtin: true }))).toEqual(["user", "inbox", "team", "alert"]);
    expect(viewIcon({ id: "mine" })).toBe("views");
  });
});

describe("counts", () => {
  it("are short in the menu", () => {
    expect([countLabel(undefined), countLabel(0), countLabel(7), countLabel(1204), countLabel(12_345), countLabel(20_000)]).toEqual(["", "0", "7", "1,204", "12k", "20k"]);
  });
});

describe("a view's rows", () => {
  const conv = (id: string, name: string, seq: number): Conv => ({ id, status: "open", last_seq: seq, opened_at: 0, contact_name: name }) as Conv;
  it("keep the edge's order, take each conversation as the console has it now, and skip those it does not have", () => {
    const convs = new Map([["a", conv("a", "Ada", 5)], ["b", conv("b", "Bob", 9)], ["c", conv("c", "Cy", 1)]]);
    expect(rows(["c", "x", "a", "b"], convs).map((c) => c.id)).toEqual(["c", "a", "b"]);
    convs.set("a", { ...conv("a", "Ada Lovelace", 12) });
    expect(rows(["c", "a"], convs)[1].contact_name).toBe("Ada Lovelace");
  });
  it("are searched by the list's search", () => {
    const convs = new Map([["a", conv("a", "Ada", 5)], ["b", conv("b", "Bob", 9)]]);
    expect(rows(["a", "b"], convs, "bob").map((c) => c.id)).toEqual(["b"]);
  });
  it("leave the built-in views out of what views_set takes", () => {
    expect(saved([mine, { id: "v1", name: "VIP" }]).map((v) => v.id)).toEqual(["v1"]);
  });
});

describe("the editor", () => {
  it("starts a new view with what needs an agent now", () => {
    const d = newDraft();
    expect([d.id, d.statuses, d.sort]).toEqual(["", ["new", "open"], "last_activity"]);
  });
  it("sends only the filters given, in their usual order", () => {
    const d = { ...newDraft(), name: "  VIP  ", statuses: ["pending", "new"], priorities: ["urgent", "low"], tags: ["VIP", "vip"], fields: [{ key: "order_type", value: " Return " }, { key: "", value: "" }] };
    expect(viewOf(d)).toEqual({ id: "", name: "VIP", statuses: ["new", "pending"], priorities: ["low", "urgent"], tags: ["vip"], fields: { order_type: "Return" } });
    expect(viewOf({ ...d, sort: "due", assignee: "me", team: "none", channel: "web", inbox: "demo-web", sla: "breached" })).toMatchObject({
      sort: "due", assignee: "me", team: "none", channel: "web", inbox: "demo-web", sla: "breached",
    });
  });
  it("edits a view and sends it back as it was", () => {
    const v: View = { id: "v1", name: "Billing", assignee: "none", team: "billing", statuses: ["open"], fields: { order_type: "Return" }, sort: "priority" };
    expect(viewOf(draftOf(v))).toEqual(v);
  });
  it("adds tags as typed, separated by commas, in lower case, each once; a space stays for the edge to judge", () => {
    expect(addTags(["vip"], "Refund, VIP,  big spender ,")).toEqual(["vip", "refund", "big spender"]);
  });
  it("says what keeps a view from being saved", () => {
    expect(problems(newDraft(), names).map((p) => p.text)).toEqual(["Give the view a name."]);
    expect(problems({ ...newDraft(), name: "x".repeat(101) }, names)[0].text).toBe("A view's name is at most 100 characters.");
    const fields = [{ key: "", value: "" }, { key: "order_type", value: "" }, { key: "gift", value: "true" }, { key: "gift", value: "false" }];
    expect(problems({ ...newDraft(), name: "VIP", fields }, names)).toEqual([
      { at: "fields", field: 0, text: "Choose the field of filter 1, or remove it." },
      { at: "fields", field: 1, text: "Choose the value Order type must have." },
      { at: "fields", field: 3, text: "Gift wrap is filtered twice: keep one." },
    ]);
  });
});

describe("the edge's refusal", () => {
  it("points to the view and the filter it names", () => {
    expect(refusalOf(`view 2 ("VIP"): tag "big spender": a tag is 1 to 40 letters, digits, '-', '_' or '.', without spaces`)).toEqual({ view: 1, at: "tags" });
    expect(refusalOf(`view 1 ("A (b)"): team "x": mine, none or a team's id`)).toEqual({ view: 0, at: "team" });
    expect(refusalOf(`view 3 ("x"): name must be 1-100 characters`)).toEqual({ view: 2, at: "name" });
    expect(refusalOf(`view 1 ("x"): no custom field "size"`)).toEqual({ view: 0, at: "fields" });
    expect(refusalOf(`view 1 ("x"): Order number: "ten" is not a number`)).toEqual({ view: 0, at: "fields" });
    expect(refusalOf("101 views: a tenant has at most 100")).toEqual({ view: -1, at: "list" });
  });
  it("is said without the view's name under the part it names", () => {
    expect(refusalText(`view 2 ("VIP"): tag "big spender": no spaces`)).toBe(`tag "big spender": no spaces`);
    expect(refusalText("101 views: a tenant has at most 100")).toBe("101 views: a tenant has at most 100");
  });
});

describe("the throttle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  it("runs at once, then at most once a period however often it is asked, and once more for what was asked meanwhile", () => {
    let runs = 0;
    const t = new Throttle(() => runs++, 3000, () => Date.now());
    t.poke();
    expect(runs).toBe(1);
    for (let i = 0; i < 10; i++) t.poke();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(2999);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(2);
    t.poke();
    expect(runs).toBe(3);
  });
  it("runs nothing more once cancelled", () => {
    let runs = 0;
    const t = new Throttle(() => runs++, 1000, () => Date.now());
    t.poke();
    t.poke();
    t.cancel();
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(1);
  });
});
