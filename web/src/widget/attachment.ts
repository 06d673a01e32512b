// Attachments as both the widget and the console fetch them: with the
// session's bearer token (the edge serves an attachment only to the
// conversation's participants), named as the uploader named the file.

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
