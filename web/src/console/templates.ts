// WhatsApp's message templates as the console sends them: what a
// template's name, language and body parameters may be (the edge's own
// rules, internal/event/channel.go, checked before sending so that the
// agent is told where, not after), the line the conversation shows for a
// template reply (edge/conversation/platforms.go's TemplateText, to the
// character), the common language codes the composer offers, and the
// templates an agent sent lately, kept per tenant in this browser. Free of
// the DOM, so unit tests drive it; template-ui.tsx draws it.

import type { Template } from "../protocol.gen";

// The composer's limits, the edge's: a name of 1 to 512 characters, up
// to 20 parameters of up to 1,024 bytes each.
export const MaxName = 512;
export const MaxParams = 20;
export const MaxParamBytes = 1024;

// Languages are the codes WhatsApp's template languages are most often
// approved in, with their names; any other code of WhatsApp's may be typed.
export const Languages: { code: string; name: string }[] = [
  { code: "en_US", name: "English (US)" },
  { code: "en_GB", name: "English (UK)" },
  { code: "pt_BR", name: "Portuguese (Brazil)" },
  { code: "es_ES", name: "Spanish (Spain)" },
  { code: "es_MX", name: "Spanish (Mexico)" },
  { code: "fr_FR", name: "French" },
  { code: "de_DE", name: "German" },
  { code: "it_IT", name: "Italian" },
  { code: "id_ID", name: "Indonesian" },
  { code: "hi_IN", name: "Hindi" },
  { code: "ar", name: "Arabic" },
  { code: "zh_CN", name: "Chinese (Simplified)" },
  { code: "zh_TW", name: "Chinese (Traditional)" },
  { code: "ja_JP", name: "Japanese" },
  { code: "ko_KR", name: "Korean" },
  { code: "ru_RU", name: "Russian" },
  { code: "tr_TR", name: "Turkish" },
];

// languageName is a code's name among Languages, or "" for another code.
export function languageName(code: string): string {
  return Languages.find((l) => l.code === code)?.name ?? "";
}

// matchLanguages are the Languages whose code, a part of the code or a
// word of the name starts with q ("pt", "br", "brazil", "pt-br"), those
// whose code starts with it first; all of them for an empty q.
export function matchLanguages(q: string): { code: string; name: string }[] {
  const s = q.trim().toLowerCase().replace(/-/g, "_");
  if (!s) return Languages;
  const starts = Languages.filter((l) => l.code.toLowerCase().startsWith(s));
  const words = (l: { code: string; name: string }) => [...l.code.toLowerCase().split("_"), ...l.name.toLowerCase().split(/[^a-z]+/)];
  const has = Languages.filter((l) => !starts.includes(l) && (l.name.toLowerCase().startsWith(s) || words(l).some((w) => w && w.startsWith(s))));
  return [...starts, ...has];
}

// normalLanguage writes a typed code as WhatsApp's: "pt-br" is "pt_BR",
// "EN" is "en"; what is no code at all is left as typed, for the check to
// say so.
export function normalLanguage(s: string): string {
  const t = s.trim();
  const m = /^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2,4}))?$/.exec(t);
  if (!m) return t;
  const region = m[2] ? (m[2].length === 2 ? m[2].toUpperCase() : m[2].charAt(0).toUpperCase() + m[2].slice(1).toLowerCase()) : "";
  return m[1].toLowerCase() + (region ? "_" + region : "");
}

const nameRE = /^[a-z0-9_]+$/;
const languageRE = /^[a-z]{2,3}(_[A-Za-z]{2,4})?$/;

// nameProblem says what is wrong with a template's name, or "".
export function nameProblem(name: string): string {
  const n = name.trim();
  if (!n) return "Give the template's name, as WhatsApp approved it.";
  if (n.length > MaxName) return `At most ${MaxName} characters; this one has ${n.length}.`;
  if (!nameRE.test(n)) return "Only lower-case letters, digits and _ (order_update).";
  return "";
}

// suggestName is the name WhatsApp would have approved for a name typed
// otherwise ("Order Update" and "order-update" are order_update), or ""
// when there is none or it is the same.
export function suggestName(name: string): string {
  const s = name.trim().toLowerCase().replace(/[\s-]+/g, "_").replace(/[^a-z0-9_]/g, "").slice(0, MaxName);
  return s && s !== name.trim() && nameRE.test(s) ? s : "";
}

// languageProblem says what is wrong with a language code, or "".
export function languageProblem(language: string): string {
  const l = normalLanguage(language);
  if (!l) return "Choose the language the template was approved in.";
  if (!languageRE.test(l)) return "A WhatsApp language code, like en_US, pt_BR or ar.";
  return "";
}

const bytes = (s: string) => new TextEncoder().encode(s).length;

// paramProblem says what is wrong with body parameter i (from 0), or "".
export function paramProblem(param: string, i: number): string {
  const p = param.trim();
  if (!p) return `{{${i + 1}}} is empty: fill it in or remove it.`;
  if (bytes(p) > MaxParamBytes) return `{{${i + 1}}} is too long: at most ${MaxParamBytes} bytes (a Chinese character is 3).`;
  return "";
}

// Draft is the composer's form, as typed.
export interface Draft {
  name: string;
  language: string;
  params: string[];
}

// Problems are what check found, field by field ("" where nothing).
export interface Problems {
  name: string;
  language: string;
  params: string[];
  count: number; // how many fields have one
}

// check says what is wrong with each field of a draft.
export function check(d: Draft): Problems {
  const name = nameProblem(d.name), language = languageProblem(d.language);
  const params = d.params.map(paramProblem);
  const count = [name, language, ...params].filter(Boolean).length + (d.params.length > MaxParams ? 1 : 0);
  return { name, language, params, count };
}

// toTemplate is the send frame's template of a draft: its name and
// parameters trimmed, its language as WhatsApp writes it, and no params
// when there are none.
export function toTemplate(d: Draft): Template {
  const params = d.params.map((p) => p.trim());
  return { name: d.name.trim(), language: normalLanguage(d.language), ...(params.length ? { params } : {}) };
}

// templateText is what the conversation says of a template reply sent
// without text, as the edge writes it: "Template order_update (pt_BR):
// #1042 · amanhã".
export function templateText(t: Template): string {
  const params = t.params ?? [];
  return `Template ${t.name} (${t.language})${params.length ? ": " + params.join(" · ") : ""}`;
}

// ownText is a template reply's text when its sender wrote one, or ""
// when the edge wrote it (templateText): the timeline shows the template
// rather than that line again.
export function ownText(text: string | undefined, t: Template): string {
  const s = (text ?? "").trim();
  return s === templateText(t) ? "" : s;
}

// The templates an agent sent lately, newest first, at most RecentMax,
// one per name and language (the latest parameters), kept in this
// browser per tenant.
export const RecentMax = 6;

export const recentKey = (tenant: string) => `edgedesk:console:templates:${tenant || "-"}`;

// remember puts t first among list, in place of the same name and
// language sent before.
export function remember(list: Template[], t: Template, max = RecentMax): Template[] {
  const rest = list.filter((x) => x.name !== t.name || x.language !== t.language);
  return [{ name: t.name, language: t.language, params: [...(t.params ?? [])] }, ...rest].slice(0, max);
}

// valid is a stored template the composer can refill: a good name and
// language, and parameters that are strings.
function valid(x: unknown): x is Template {
  const t = x as Template;
  return !!t && typeof t === "object" && typeof t.name === "string" && typeof t.language === "string" && !nameProblem(t.name) &&
    !languageProblem(t.language) && (t.params === undefined || (Array.isArray(t.params) && t.params.length <= MaxParams && t.params.every((p) => typeof p === "string")));
}

// loadRecent reads a tenant's recent templates; what is unreadable is
// left out.
export function loadRecent(tenant: string, store: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): Template[] {
  try {
    const saved = JSON.parse(store?.getItem(recentKey(tenant)) ?? "[]") as unknown;
    if (!Array.isArray(saved)) return [];
    return saved.filter(valid).slice(0, RecentMax).map((t) => ({ name: t.name, language: t.language, params: t.params ?? [] }));
  } catch {
    return [];
  }
}

export function saveRecent(tenant: string, list: Template[], store: Pick<Storage, "setItem"> | undefined = globalThis.localStorage): void {
  try {
    store?.setItem(recentKey(tenant), JSON.stringify(list.slice(0, RecentMax)));
  } catch {
    // storage full or refused: remembered for this page only
  }
}

// draftOf is the form a recent template fills in.
export function draftOf(t: Template): Draft {
  return { name: t.name, language: t.language, params: [...(t.params ?? [])] };
}
