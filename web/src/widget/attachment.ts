// Attachments as both the widget and the console fetch them: with the
// session's bearer token (the edge serves an attachment only to the
// conversation's participants), named as the uploader named the file; and
// uploads, which the edge may refuse over a quota (429, Retry-After).

import { Refusal, refusal } from "../throttle";

export interface Fetched {
  url: string; // an object URL: revoke it when done
  name: string;
  image: boolean;
}

// fetchAttachment downloads attachment id from the edge at base, or answers
// undefined when the edge refuses or cannot be reached.
export async function fetchAttachment(base: string, id: string, token: string): Promise<Fetched | undefined> {
  const r = await fetch(`${base}/api/v1/attachments/${encodeURIComponent(id)}`, {
    headers: { Authorization: `Bearer ${token}` },
  }).catch(() => undefined);
  if (!r?.ok) return undefined;
  const blob = await r.blob();
  return {
    url: URL.createObjectURL(blob),
    name: attachmentName(r.headers.get("Content-Disposition"), id),
    image: blob.type.startsWith("image/"),
  };
}

// attachmentName reads the file name from a Content-Disposition header
// (RFC 6266: filename*=UTF-8''… wins over filename=…), or answers fallback.
export function attachmentName(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const extended = /filename\*\s*=\s*utf-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim()) || fallback;
    } catch {
      // malformed percent-encoding: try the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  const name = plain ? (plain[1] ?? plain[2]).replace(/\\(.)/g, "$1") : "";
  return name || fallback;
}

// Uploaded is the answer to an upload: the stored attachment's id, or
// why the edge refused it (status 0: it could not be reached).
export type Uploaded = { id: string; refused?: undefined } | { id?: undefined; refused: Refusal };

// uploadAttachment sends file to the edge at base with the session's
// token (POST /api/v1/attachments). It tries once: a refusal, a 429 over a
// quota among them, is the caller's to show, never retried here.
export async function uploadAttachment(base: string, token: string, file: File): Promise<Uploaded> {
  const r = await fetch(`${base}/api/v1/attachments?name=${encodeURIComponent(file.name)}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": file.type || "application/octet-stream" },
    body: file,
  }).catch(() => undefined);
  if (!r) return { refused: { status: 0 } };
  if (!r.ok) return { refused: await refusal(r) };
  const body = (await r.json().catch(() => ({}))) as { id?: unknown };
  return typeof body.id === "string" ? { id: body.id } : { refused: { status: r.status, message: "the edge's answer has no attachment id" } };
}
