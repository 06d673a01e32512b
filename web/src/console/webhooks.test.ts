import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./apikeys";
import {
  attemptsText, byName, changes, cleaned, deadText, Delivery, endpointName, errorText, HooksClient, pendingText, problems, refusalAt, refusalText, relative,
  replayedText, settingsOf, shownURL, signing, typeLabel, Types, typesText, usedBy, Webhook,
} from "./webhooks";

afterEach(() => vi.unstubAllGlobals());

const hook = (extra: Partial<Webhook> = {}): Webhook => ({
  id: "wh1", url: "https://crm.example.com/edgedesk?token=s3cret", description: "CRM", types: ["message.created"], disabled: false,
  secrets: [{ id: "s1", created_at: "2026-12-04T10:00:00Z" }], pending: 0, dead: 0, created_at: "2026-12-04T10:00:00Z", updated_at: "2026-12-04T10:00:00Z",
  ...extra,
});

const now = Date.parse("2026-12-05T12:00:00Z");
const at = (s: number) => new Date(now + s * 1000).toISOString();
const delivery = (id: string, extra: Partial<Delivery> = {}): Delivery =>
  ({ id, event_id: "e" + id, type: "message.created", conversation_id: "c1", created_at: at(-60), attempts: 0, ...extra });

describe("HooksClient", () => {
  it("lists, creates with an Idempotency-Key, patches, rotates, replays and deletes with the agent's token", async () => {
    const calls: [string, RequestInit][] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      if (init.method === "DELETE") return new Response(null, { status: 204 });
      if (url === "/api/v1/webhooks" && init.method === "GET") return new Response(JSON.stringify({ data: [hook()] }));
      return new Response(JSON.stringify({ ...hook(), secret: "whsec_x" }), { status: init.method === "POST" && url === "/api/v1/webhooks" ? 201 : 200 });
    }));
    const c = new HooksClient("agent-token");
    expect((await c.list())[0].description).toBe("CRM");
    const made = await c.create({ url: "https://x.test/h", description: "X", types: ["note.created"], disabled: false }, "console-1");
    expect(made.secret).toBe("whsec_x");
    await c.update("wh1", { disabled: true });
    await c.rotate("wh1", 3600);
    await c.replay("wh1", ["1042"]);
    await c.replay("wh1");
    await c.deliveries("wh1", "dead");
    await c.remove("wh1");
    expect(calls.map(([u, i]) => `${i.method} ${u}`)).toEqual([
      "GET /api/v1/webhooks", "POST /api/v1/webhooks", "PATCH /api/v1/webhooks/wh1", "POST /api/v1/webhooks/wh1/rotate", "POST /api/v1/webhooks/wh1/replay",
      "POST /api/v1/webhooks/wh1/replay", "GET /api/v1/webhooks/wh1/deliveries?state=dead&limit=50", "DELETE /api/v1/webhooks/wh1",
    ]);
    expect((calls[0][1].headers as Record<string, string>).Authorization).toBe("Bearer agent-token");
    expect(calls[1][1].headers).toMatchObject({ "Idempotency-Key": "console-1", "Content-Type": "application/json" });
    expect(calls[1][1].body).toBe('{"url":"https://x.test/h","description":"X","types":["note.created"],"disabled":false}');
    expect(calls[2][1].body).toBe('{"disabled":true}');
    expect(calls[3][1].body).toBe('{"overlap_s":3600}');
    expect(calls[4][1].body).toBe('{"ids":["1042"]}');
    expect(calls[5][1].body).toBe("{}");
  });
  it("throws the problem's detail", async () => {
    const detail = 'url "http://example.com/hook": http is only for a receiver on this machine (127.0.0.1, ::1, localhost): use https';
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ status: 422, detail }), { status: 422, headers: { "Content-Type": "application/problem+json" } })));
    const err = await new HooksClient("t").create({ url: "http://example.com/hook", description: "", types: ["message.created"], disabled: false }, "k").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([err.message, err.status, err.unsure]).toEqual([detail, 422, false]);
    expect(refusalAt(err.message)).toBe("url");
    expect(refusalText(err.message)).toBe("http is only for a receiver on this machine (127.0.0.1, ::1, localhost): use https");
  });
});

describe("endpoints in words", () => {
  it("names the types, every one as every event, many as a few and more", () => {
    expect(typeLabel("message.created")).toBe("New message");
    expect(typeLabel("rule.webhook")).toBe("Sent by a rule");
    expect(typesText(["message.created"])).toBe("New message");
    expect(typesText(["note.created", "message.created"])).toBe("New message and New private note");
    expect(typesText(["sla.warning", "sla.breached", "message.created", "contact.updated"])).toBe("New message, SLA warning and 2 more");
    expect(typesText(Types.map((t) => t.id))).toBe("Every event");
  });
  it("shows a URL without its query, and names an endpoint by its description first", () => {
    expect(shownURL("https://crm.example.com/edgedesk?token=s3cret")).toBe("https://crm.example.com/edgedesk?…");
    expect(shownURL("http://127.0.0.1:9/hook")).toBe("http://127.0.0.1:9/hook");
    expect(shownURL("https://example.com/")).toBe("https://example.com");
    expect(endpointName(hook())).toBe("CRM");
    expect(endpointName(hook({ description: " " }))).toBe("https://crm.example.com/edgedesk?…");
    expect(byName([hook({ id: "b", description: "Warehouse" }), hook({ id: "a", description: "analytics" }), hook({ id: "c" })]).map((w) => w.id)).toEqual(["a", "c", "b"]);
  });
  it("says how many secrets sign, and when the previous one stops", () => {
    expect(signing(hook(), now)).toBe("One signing secret");
    const two = hook({ secrets: [{ id: "s1", created_at: at(-86400), expires_at: at(3600) }, { id: "s2", created_at: at(0) }] });
    expect(signing(two, now)).toBe("2 signing secrets: the previous one stops in 1 hour");
    const expired = hook({ secrets: [{ id: "s1", created_at: at(-86400), expires_at: at(-60) }, { id: "s2", created_at: at(0) }] });
    expect(signing(expired, now)).toBe("One signing secret");
  });
  it("lists the rules that send to an endpoint", () => {
    const rules = [{ name: "Outages", actions: [{ type: "webhook", value: "wh1" }] }, { name: "Tags", actions: [{ type: "add_tags" }] }, { name: "Other", actions: [{ type: "webhook", value: "wh2" }] }];
    expect(usedBy("wh1", rules)).toEqual(["Outages"]);
  });
});

describe("deliveries in words", () => {
  it("says times relative to now", () => {
    expect(relative(at(300), now)).toBe("in 5 minutes");
    expect(relative(at(-7200), now)).toBe("2 hours ago");
    expect(relative(at(-3), now)).toBe("just now");
    expect(relative(at(5), now)).toBe("in a few seconds");
    expect(relative(at(-86400), now)).toBe("yesterday");
    expect(relative(at(3599), now)).toBe("in 1 hour");
    expect(relative(at(59 * 60 + 10), now)).toBe("in 59 minutes");
    expect(relative(undefined, now)).toBe("");
  });
  it("says when a pending one goes: its next attempt, now, after the one before it, or not while disabled", () => {
    const first = delivery("1", { attempts: 1, next_attempt_at: at(300), error: "no answer: dial tcp 127.0.0.1:9: connect: connection refused" });
    const second = delivery("2", { type: "rule.webhook" });
    const other = delivery("3", { conversation_id: "c2" });
    const list = [first, second, other];
    expect(pendingText(first, list, false, now)).toBe("Next attempt in 5 minutes");
    expect(pendingText(second, list, false, now)).toBe("After the delivery before it");
    expect(pendingText(other, list, false, now)).toBe("Sending now");
    expect(pendingText(first, list, true, now)).toBe("Paused: the endpoint is disabled");
    // a next attempt a moment ahead is not "just now"
    const soon = delivery("4", { conversation_id: "c4", attempts: 1, next_attempt_at: new Date(now + 300).toISOString() });
    expect(pendingText(soon, [soon], false, now)).toBe("Next attempt in a few seconds");
    expect(attemptsText(0)).toBe("Not yet");
    expect(attemptsText(2)).toBe("2 attempts");
  });
  it("says what went wrong and when a dead one was given up", () => {
    expect(errorText(delivery("1", { status_code: 410, error: "HTTP 410: gone" }))).toBe("HTTP 410: gone");
    expect(errorText(delivery("1", { status_code: 503 }))).toBe("HTTP 503");
    expect(errorText(delivery("1"))).toBe("");
    expect(deadText(delivery("1", { last_attempt_at: at(-120) }), now)).toBe("Gave up 2 minutes ago");
  });
  it("says what a replay queued again", () => {
    expect(replayedText(1, 3)).toBe("1 delivery queued again, from the first attempt.");
    expect(replayedText("all", 3)).toBe("3 deliveries queued again, from the first attempt.");
    expect(replayedText("all", 620)).toBe("The oldest 500 deliveries queued again, from the first attempt: replay again for the other 120.");
  });
});

describe("the editor", () => {
  it("asks a URL, a short description and an event; the URL's rules are the edge's", () => {
    const ok = { url: "http://example.com/hook", description: "", types: ["message.created"], disabled: false };
    expect(problems(ok)).toEqual([]);
    expect(problems({ ...ok, url: " " }).map((p) => p.at)).toEqual(["url"]);
    expect(problems({ ...ok, url: "crm.example.com/hook" })[0].text).toBe("Give the whole URL, starting with https://");
    expect(problems({ ...ok, description: "x".repeat(201), types: [] }).map((p) => p.at)).toEqual(["description", "types"]);
  });
  it("places the edge's refusal at the part it names", () => {
    expect(refusalAt('type "x": one of conversation.created, …')).toBe("types");
    expect(refusalAt("types: give at least one of …")).toBe("types");
    expect(refusalAt("description: one line of at most 200 characters")).toBe("description");
    expect(refusalAt("the tenant has 100 webhook endpoints, the most it may have: remove one first")).toBe("");
    expect(refusalText("description: one line of at most 200 characters")).toBe("One line of at most 200 characters");
  });
  it("starts a new endpoint with new messages, and sends what an edit changed only, trimmed and in order", () => {
    expect(settingsOf()).toEqual({ url: "", description: "", types: ["message.created"], disabled: false });
    const w = hook({ types: ["note.created", "message.created"] });
    expect(changes(w, settingsOf(w))).toEqual({});
    expect(changes(w, { ...settingsOf(w), description: " CRM (EU) ", types: ["note.created", "conversation.created"] }))
      .toEqual({ description: "CRM (EU)", types: ["conversation.created", "note.created"] });
    expect(changes(w, { ...settingsOf(w), disabled: true })).toEqual({ disabled: true });
    expect(cleaned({ url: " https://x.test/h ", description: "", types: ["sla.breached", "conversation.created"], disabled: false }))
      .toEqual({ url: "https://x.test/h", description: "", types: ["conversation.created", "sla.breached"], disabled: false });
  });
});
