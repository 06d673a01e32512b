import { describe, expect, it } from "vitest";
import { attachmentName } from "./attachment";

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
