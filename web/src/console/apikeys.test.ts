import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, ApiKey, idempotencyKey, KeysClient, nameProblem, ordered } from "./apikeys";

afterEach(() => vi.unstubAllGlobals());

const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: "https://edgedesk.dev/problems/x", title: "Title", status, detail }),
    { status, headers: { "Content-Type": "application/problem+json" } });

describe("KeysClient", () => {
  it("lists the keys with the agent's token as the bearer", async () => {
    const keys: ApiKey[] = [{ id: "k1", name: "Ops", scopes: ["admin"], created_at: "2026-12-04T14:50:12.345Z" }];
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify({ data: keys })));
    vi.stubGlobal("fetch", fetch);
    expect(await new KeysClient("agent-token").list()).toEqual(keys);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe("/api/v1/api-keys");
    expect(init.method).toBe("GET");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer agent-token");
  });
  it("creates with JSON and the submit's Idempotency-Key", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) =>
      new Response(JSON.stringify({ id: "k2", name: "Sync", scopes: ["read"], created_at: "2026-12-04T15:00:00Z", token: "edk_k2_secret" }), { status: 201 }));
    vi.stubGlobal("fetch", fetch);
    const k = await new KeysClient("t").create("Sync", ["read"], "console-abc");
    expect(k.token).toBe("edk_k2_secret");
    const init = fetch.mock.calls[0][1];
    expect(init.method).toBe("POST");
    expect(init.body).toBe('{"name":"Sync","scopes":["read"]}');
    expect(init.headers).toMatchObject({ "Idempotency-Key": "console-abc", "Content-Type": "application/json" });
  });
  it("revokes by id", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetch);
    await new KeysClient("t").revoke("k3");
    expect(fetch.mock.calls[0][0]).toBe("/api/v1/api-keys/k3");
    expect(fetch.mock.calls[0][1].method).toBe("DELETE");
  });
  it("throws the problem's detail", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => problem(403, "this needs a key with scope admin; this one has write")));
    const err = await new KeysClient("t").list().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe("this needs a key with scope admin; this one has write");
    expect(err.status).toBe(403);
    expect(err.unsure).toBe(false);
  });
  it("falls back to the title, then the status", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ title: "Unavailable", status: 503 }), { status: 503 })));
    const err = await new KeysClient("t").list().catch((e) => e);
    expect(err.message).toBe("Unavailable");
    expect(err.unsure).toBe(true);
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>", { status: 502, statusText: "Bad Gateway" })));
    expect((await new KeysClient("t").list().catch((e) => e)).message).toBe("The edge answered 502 Bad Gateway.");
  });
  it("says when the edge cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    const err = await new KeysClient("t").create("x", ["read"], "k").catch((e) => e);
    expect(err.status).toBe(0);
    expect(err.unsure).toBe(true);
  });
});

describe("idempotencyKey", () => {
  it("is fresh per submit and fits the header", () => {
    const a = idempotencyKey();
    expect(a).toMatch(/^console-[0-9a-f]{32}$/);
    expect(idempotencyKey()).not.toBe(a);
  });
});

describe("nameProblem", () => {
  it("checks what the edge checks", () => {
    expect(nameProblem("Order sync")).toBe("");
    expect(nameProblem("  ")).toMatch(/Give the key a name/);
    expect(nameProblem("é".repeat(51))).toMatch(/too long/); // 102 bytes
    expect(nameProblem("x".repeat(100))).toBe("");
    expect(nameProblem("a\tb")).toMatch(/control characters/);
  });
});

describe("ordered", () => {
  it("lists active keys newest first, then revoked ones", () => {
    const k = (id: string, created: string, revoked?: string): ApiKey => ({ id, name: id, scopes: ["read"], created_at: created, revoked_at: revoked });
    const got = ordered([
      k("old", "2026-12-01T10:00:00Z"),
      k("gone", "2026-12-03T10:00:00Z", "2026-12-04T10:00:00.5Z"),
      k("new", "2026-12-02T10:00:00.25Z"),
      k("gone-earlier", "2026-12-03T11:00:00Z", "2026-12-04T09:00:00Z"),
    ]);
    expect(got.map((x) => x.id)).toEqual(["new", "old", "gone", "gone-earlier"]);
  });
});
