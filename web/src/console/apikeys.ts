// The tenant's REST API keys as the console manages them (docs/api.md):
// list, create (the token is in that answer only) and revoke, with the
// agent's console token as the bearer (an admin agent acts with scope
// admin). Free of React, so unit tests drive it.

// Scopes are the scopes a key may have, each with what it allows; admin
// grants write, write grants read.
export const Scopes: { id: string; title: string; what: string }[] = [
  { id: "read", title: "Read", what: "Read conversations, contacts and the other data." },
  { id: "write", title: "Write", what: "Create and change data. Includes read." },
  { id: "admin", title: "Admin", what: "Manage API keys too. Includes write and read." },
];

export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  created_at: string; // RFC 3339
  revoked_at?: string;
}

// NewKey is the answer that created a key: the only one with its token.
export interface NewKey extends ApiKey {
  token: string;
}

// ApiError is a refused request: message is what to show (the problem's
// detail), status the HTTP status (0: no answer).
export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "ApiError";
  }
  // unsure: the edge may or may not have done it (no answer, or 503): a
  // create is retried with the same Idempotency-Key.
  get unsure(): boolean {
    return this.status === 0 || this.status === 503;
  }
}

// problemText is what to show of a refused answer: the problem+json
// detail, else its title, else the status.
export async function problemText(r: Response): Promise<string> {
  const p = (await r.json().catch(() => undefined)) as { detail?: unknown; title?: unknown; message?: unknown } | undefined;
  for (const v of [p?.detail, p?.title, p?.message]) if (typeof v === "string" && v.trim()) return v;
  return `The edge answered ${r.status}${r.statusText ? ` ${r.statusText}` : ""}.`;
}

// RestClient calls the REST API of the edge at base ("" for the console's
// own origin) with token as the bearer: a refusal throws an ApiError with
// the problem's detail.
export class RestClient {
  constructor(private token: string, private base = "") {}

  protected async call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...init.headers };
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(this.base + path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }).catch(() => undefined);
    if (!r) throw new ApiError("The edge cannot be reached: check the connection and try again.", 0);
    if (!r.ok) throw new ApiError(await problemText(r), r.status);
    return r;
  }
}

// KeysClient calls the API keys routes.
export class KeysClient extends RestClient {
  async list(): Promise<ApiKey[]> {
    const r = await this.call("GET", "/api/v1/api-keys");
    const body = (await r.json()) as { data?: ApiKey[] };
    return body.data ?? [];
  }

  // create makes a key; idempotencyKey names this submit, so that a repeat
  // of it (say after no answer) makes no second key.
  async create(name: string, scopes: string[], idempotencyKey: string): Promise<NewKey> {
    const r = await this.call("POST", "/api/v1/api-keys", { body: { name, scopes }, headers: { "Idempotency-Key": idempotencyKey } });
    return (await r.json()) as NewKey;
  }

  async revoke(id: string): Promise<void> {
    await this.call("DELETE", `/api/v1/api-keys/${encodeURIComponent(id)}`);
  }
}

// idempotencyKey is a fresh random id for one submit (crypto.randomUUID
// needs a secure context; getRandomValues does not).
export function idempotencyKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// nameProblem says what is wrong with a key's name, or "": 1–100 bytes of
// UTF-8 text without control characters (as the edge checks).
export function nameProblem(name: string): string {
  if (!name.trim()) return "Give the key a name.";
  if (new TextEncoder().encode(name).length > 100) return "The name is too long: at most 100 bytes.";
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "The name cannot contain control characters.";
  return "";
}

// ordered lists active keys first, newest first, then revoked ones, most
// recently revoked first.
export function ordered(keys: ApiKey[]): ApiKey[] {
  const at = (iso?: string) => (iso ? Date.parse(iso) || 0 : 0);
  return [...keys].sort((a, b) => {
    if (!a.revoked_at !== !b.revoked_at) return a.revoked_at ? 1 : -1;
    return at(b.revoked_at) - at(a.revoked_at) || at(b.created_at) - at(a.created_at) || a.id.localeCompare(b.id);
  });
}

// when shows an RFC 3339 time as a short local date and time.
export function when(iso: string, locale?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(t);
}
