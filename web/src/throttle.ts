// What the widget and the console tell a person the edge asked to wait
// (HTTP 429 with Retry-After: a refused upload over its quota, a locked
// sign-in), and the client-side wait that keeps them from trying again
// before the edge would take it. Free of the DOM, for unit tests.

// Refusal is what an HTTP endpoint of the edge said when it refused a
// request: its status, the code and message of the gateway's
// {"code","message"} body (docs/protocol.md) or the detail of the REST
// API's problem+json (docs/api.md), and Retry-After in seconds.
export interface Refusal {
  status: number; // 0: the edge could not be reached
  code?: string;
  message?: string;
  retryAfter?: number;
}

// retryAfterSeconds reads a Retry-After header: delta-seconds, or an HTTP
// date (answered as the seconds from now until then, at least 1).
// Anything else is undefined.
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  const v = header?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at) || !/[a-z]/i.test(v)) return undefined; // a date names its day or month
  return Math.max(1, Math.ceil((at - now) / 1000));
}

// refusal reads a refused answer's body (JSON or not) and Retry-After.
export async function refusal(r: Response): Promise<Refusal> {
  const out: Refusal = { status: r.status, retryAfter: retryAfterSeconds(r.headers.get("Retry-After")) };
  const body = (await r.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (body && typeof body === "object") {
    if (typeof body.code === "string") out.code = body.code;
    const text = body.detail ?? body.message ?? body.title;
    if (typeof text === "string" && text) out.message = text;
  }
  return out;
}

export type Lang = "en" | "zh";

// wait says how long to wait, rounded up (never sooner than the edge
// allows): "45 s", "2 min", "1 h 5 min"; in Chinese "45 秒", "2 分钟".
// Each number and its unit are joined by a no-break space.
export function wait(seconds: number, lang: Lang = "en"): string {
  const s = Math.max(1, Math.ceil(seconds));
  // a no-break space keeps "14 min" on one line
  const [sec, min, hour] = lang === "zh" ? ["\u00a0秒", "\u00a0分钟", "\u00a0小时"] : ["\u00a0s", "\u00a0min", "\u00a0h"];
  if (s < 60) return `${s}${sec}`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m}${min}`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${h}${hour} ${rest}${min}` : `${h}${hour}`;
}

// What was throttled: uploads (the quota_exceeded code) or sign-ins
// (login_throttled).
export type Throttled = "uploads" | "sign-ins";

const phrases = {
  en: { uploads: "Too many uploads", "sign-ins": "Too many failed sign-ins", again: (w: string) => ` — try again in ${w}`, later: " — try again later" },
  zh: { uploads: "上传过于频繁", "sign-ins": "登录失败次数过多", again: (w: string) => `，请 ${w}后再试`, later: "，请稍后再试" },
};

// tooMany is the message for a 429: "Too many uploads — try again in 2 min".
export function tooMany(what: Throttled, retryAfter: number | undefined, lang: Lang = "en"): string {
  const p = phrases[lang];
  return p[what] + (retryAfter === undefined ? p.later : p.again(wait(retryAfter, lang)));
}

// Cooldown remembers until when the edge asked to wait, so that a client
// does not ask again sooner: no retry loop, and the message it shows
// counts down with each new attempt.
export class Cooldown {
  private until = 0;
  constructor(private now: () => number = Date.now) {}

  // hold starts the wait the edge asked for (seconds; none: a minute).
  hold(retryAfter: number | undefined): void {
    this.until = this.now() + Math.max(1, retryAfter ?? 60) * 1000;
  }

  // remaining is the seconds still to wait, 0 when none.
  remaining(): number {
    const ms = this.until - this.now();
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }
}
