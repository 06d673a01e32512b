import { afterEach, describe, expect, it, vi } from "vitest";
import { attachmentName, uploadAttachment } from "./attachment";

describe("attachmentName", () => {
  it("reads a plain file name, quoted or not", () => {
    expect(attachmentName('attachment; filename="notes.txt"', "id1")).toBe("notes.txt");
    expect(attachmentName("inline; filename=dot.png", "id1")).toBe("dot.png");
    expect(attachmentName('attachment; filename="say \\"hi\\".txt"', "id1")).toBe('say "hi".txt');
  });
  it("prefers the UTF-8 name", () => {
    expect(attachmentName("attachment; filename*=utf-8''%E5%8F%91%E7%A5%A8.pdf", "id1")).toBe("发票.pdf");
    expect(attachmentName("attachment; filename=\"x.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9.pdf", "id1")).toBe("été.pdf");
  });
  it("falls back to the id when there is no usable name", () => {
    expect(attachmentName(null, "id1")).toBe("id1");
    expect(attachmentName("attachment", "id1")).toBe("id1");
    expect(attachmentName('attachment; filename=""', "id1")).toBe("id1");
    expect(attachmentName("attachment; filename*=utf-8''%E5%ZZ", "id1")).toBe("id1");
  });
});

describe("uploadAttachment", () => {
  afterEach(() => vi.unstubAllGlobals());
  const file = new File(["hello"], "notes.txt", { type: "text/plain" });

  it("answers the stored attachment's id", async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify({ id: "a1", name: "notes.txt" }), { status: 201 }));
    vi.stubGlobal("fetch", fetch);
    expect(await uploadAttachment("https://edge.example", "tok", file)).toEqual({ id: "a1" });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe("https://edge.example/api/v1/attachments?name=notes.txt");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });
  it("answers a 429 over a quota with its wait, trying once", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ code: "quota_exceeded", message: "a session may upload 65536 bytes per 10m0s: retry later" }),
      { status: 429, headers: { "Retry-After": "112" } }));
    vi.stubGlobal("fetch", fetch);
    const up = await uploadAttachment("", "tok", file);
    expect(up.refused).toEqual({ status: 429, code: "quota_exceeded", message: "a session may upload 65536 bytes per 10m0s: retry later", retryAfter: 112 });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
  it("answers status 0 when the edge cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    expect(await uploadAttachment("", "tok", file)).toEqual({ refused: { status: 0 } });
  });
});
