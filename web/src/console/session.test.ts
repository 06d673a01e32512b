import { afterEach, describe, expect, it, vi } from "vitest";
import { signIn, uploadRefused } from "./session";

afterEach(() => vi.unstubAllGlobals());

// answer makes fetch answer once with status, body and headers.
function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("signIn", () => {
  it("answers the token", async () => {
    answer(200, { token: "t1", agent: { id: "agent-alice" }, expires_in: 43200 });
    expect(await signIn("alice@demo.test", "pw")).toEqual({ token: "t1" });
  });
  it("says a wrong password is wrong", async () => {
    answer(401, { code: "unauthorized", message: "wrong e-mail or password" });
    expect(await signIn("alice@demo.test", "nope")).toEqual({ error: "Wrong e-mail or password." });
  });
  it("explains a locked account with the wait, once", async () => {
    const fetch = answer(429, { code: "login_throttled", message: "too many failed sign-ins for this account: try again in 840 s, or ask an operator to lift the lock" }, { "Retry-After": "840" });
    const r = await signIn("alice@demo.test", "nope");
    expect(r.error).toBe("Too many failed sign-ins — try again in 14\u00a0min");
    expect(r.token).toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(1); // no retry
  });
  it("says when the edge cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    expect((await signIn("a@b.c", "x")).error).toMatch(/cannot be reached/);
  });
  it("shows any other refusal with its status and message", async () => {
    answer(400, { code: "bad_frame", message: "body must be {\"email\":…,\"password\":…}" });
    expect((await signIn("a@b.c", "x")).error).toBe("Sign-in failed (400): body must be {\"email\":…,\"password\":…}");
  });
});

describe("uploadRefused", () => {
  it("says how long to wait after a 429", () => {
    expect(uploadRefused("notes.txt", { status: 429, code: "quota_exceeded", retryAfter: 112 })).toBe("Too many uploads — try again in 2\u00a0min. notes.txt was not sent.");
  });
  it("gives the edge's reason otherwise", () => {
    expect(uploadRefused("tool.exe", { status: 415, message: "allowed types: image/png, …" })).toBe("tool.exe was not sent: allowed types: image/png, …");
    expect(uploadRefused("a.txt", { status: 0 })).toBe("a.txt was not sent: the edge cannot be reached.");
    expect(uploadRefused("a.txt", { status: 500 })).toBe("a.txt was not sent: the edge answered 500");
  });
});
