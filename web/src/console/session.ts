// The console's sign-in and what it says when the edge refuses an agent's
// sign-in or upload, free of React so unit tests drive it.

import { Refusal, refusal, tooMany } from "../throttle";

const unreachable = "The edge cannot be reached: check the connection and try again.";

// SignedIn is the answer to a sign-in: the agent's token, or what to tell
// the agent (with hint, a second line) when the edge refused it.
export type SignedIn = { token: string; error?: undefined } | { token?: undefined; error: string; hint?: string };

// signIn asks the edge for an agent token (POST /api/v1/login), once: a
// locked account (429 login_throttled) is explained with the wait, never
// retried.
export async function signIn(email: string, password: string): Promise<SignedIn> {
  const r = await fetch("/api/v1/login", { method: "POST", body: JSON.stringify({ email, password }) }).catch(() => undefined);
  if (!r) return { error: unreachable };
  if (!r.ok) return signInRefused(await refusal(r));
  const body = (await r.json().catch(() => ({}))) as { token?: unknown };
  return typeof body.token === "string" ? { token: body.token } : { error: `Sign-in failed: the edge answered ${r.status} without a token.` };
}

// signInRefused says why the edge refused a sign-in.
export function signInRefused(r: Refusal): SignedIn {
  switch (r.status) {
    case 0:
      return { error: unreachable };
    case 401:
      return { error: "Wrong e-mail or password." };
    case 429:
      return { error: tooMany("sign-ins", r.retryAfter), hint: "The password was not checked. An operator can lift the lock sooner." };
  }
  return { error: `Sign-in failed (${r.status})${r.message ? `: ${r.message}` : "."}` };
}

// uploadRefused says why a file from the console was not sent: for a 429
// how long to wait ("Too many uploads — try again in 2 min"), otherwise the
// edge's reason.
export function uploadRefused(name: string, r: Refusal): string {
  if (r.status === 429) return `${tooMany("uploads", r.retryAfter)}. ${name} was not sent.`;
  if (r.status === 0) return `${name} was not sent: the edge cannot be reached.`;
  return `${name} was not sent: ${r.message ?? `the edge answered ${r.status}`}`;
}
