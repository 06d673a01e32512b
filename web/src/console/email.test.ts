import { describe, expect, it } from "vitest";
import type { Item } from "../protocol.gen";
import {
  addressError, addressKey, addUnique, deliveryView, formatAddress, parseAddresses, recipientsFrame, replyAll, thread, verdict,
} from "./email";
import { add, empty, page } from "./timeline";

const wei = { name: "Wei Zhang", address: "wei@example.cn" };
const li = { name: "Li Na", address: "li.na@example.cn" };
const mail = (seq: number, email: Item["email"], actor = "customer"): Item =>
  ({ seq, conv: "c1", kind: "message", ts: seq, actor_kind: actor, text: `m${seq}`, email });

describe("addresses", () => {
  it("formats with the name when there is one", () => {
    expect(formatAddress(wei)).toBe("Wei Zhang <wei@example.cn>");
    expect(formatAddress({ address: "kim@example.com" })).toBe("kim@example.com");
    expect(formatAddress({ name: " ", address: "kim@example.com" })).toBe("kim@example.com");
  });
  it("compares mailboxes without case and plus-tags", () => {
    expect(addressKey("Support+t0k3n@Demo-Shop.test")).toBe("support@demo-shop.test");
    expect(addressKey("support@demo-shop.test")).toBe("support@demo-shop.test");
  });
  it("checks an address as the edge does, saying what is wrong", () => {
    expect(addressError("kim@example.com")).toBe("");
    expect(addressError("li.na+work@mail.example.cn")).toBe("");
    expect(addressError("")).toBe("Give an e-mail address.");
    expect(addressError("kim")).toBe("“kim” is not an e-mail address: it has no @.");
    expect(addressError("kim@")).toMatch(/check the part after the @/);
    expect(addressError("kim@localhost")).toMatch(/check the part after the @/);
    expect(addressError("kim@example..com")).toMatch(/check the part after the @/);
    expect(addressError("@example.com")).toBe("“@example.com” is not an e-mail address.");
    expect(addressError("kim nguyen@example.com")).toBe("“kim nguyen@example.com” is not an e-mail address.");
    expect(addressError("a@b@example.com")).toBe("“a@b@example.com” is not an e-mail address.");
    expect(addressError("x".repeat(250) + "@example.com")).toMatch(/longer than an e-mail address can be/);
  });
  it("reads a typed or pasted list, names and quotes too", () => {
    expect(parseAddresses("kim@example.com")).toEqual({ addresses: [{ address: "kim@example.com" }], error: "" });
    expect(parseAddresses('Li Na <li.na@example.cn>, "Berg, Linus" <linus@example.se>; ada@example.com\n')).toEqual({
      addresses: [li, { name: "Berg, Linus", address: "linus@example.se" }, { address: "ada@example.com" }], error: "",
    });
    expect(parseAddresses("  ")).toEqual({ addresses: [], error: "" });
    const r = parseAddresses("ada@example.com, not an address");
    expect(r.addresses).toEqual([{ address: "ada@example.com" }]);
    expect(r.error).toBe("“not an address” is not an e-mail address: it has no @.");
  });
  it("adds each address once, case ignored", () => {
    expect(addUnique([wei], [{ address: "WEI@example.cn" }, li, li])).toEqual([wei, li]);
  });
});

describe("reply all", () => {
  const first = mail(1, { from: wei, to: [{ name: "Demo Shop", address: "support@demo-shop.test" }], subject: "Teapot" });
  const last = mail(5, {
    from: wei, to: [{ address: "support+t0k3n@demo-shop.test" }, { name: "Omar", address: "omar@example.com" }],
    cc: [li, { address: "SUPPORT@demo-shop.test" }, { address: "wei@example.cn" }],
  });
  it("reads the customer, the inbox's address (the first mail's To) and the last mail", () => {
    const t = thread([first, mail(2, undefined, "agent"), last]);
    expect(t.customer).toEqual(wei);
    expect(t.inbox).toBe("support@demo-shop.test");
    expect(t.last).toBe(last.email);
    expect(thread([mail(1, undefined)])).toEqual({});
  });
  it("adds the last mail's To and Cc but the inbox (and its plus-addresses) and the customer again", () => {
    expect(replyAll(thread([first, last]))).toEqual({ to: [wei, { name: "Omar", address: "omar@example.com" }], cc: [li] });
  });
  it("adds nobody when only the inbox was written to", () => {
    expect(replyAll(thread([first]))).toEqual({ to: [wei], cc: [] });
  });
  it("sends to only when it is not the customer alone", () => {
    expect(recipientsFrame(wei, [wei], [])).toEqual({});
    expect(recipientsFrame(wei, [{ address: "WEI@example.cn" }], [li])).toEqual({ cc: [li] });
    expect(recipientsFrame(wei, [wei, { name: " ", address: "omar@example.com" }], [])).toEqual({ to: [wei, { address: "omar@example.com" }] });
    expect(recipientsFrame(undefined, [], [])).toEqual({});
  });
});

describe("verification", () => {
  it("warns on the first failure of DMARC, DKIM and SPF, with every verdict", () => {
    expect(verdict({ spf: "softfail", dkim: "none", dmarc: "fail" })).toEqual({
      state: "fail", label: "Sender not verified: DMARC fail", detail: "SPF softfail · DKIM none · DMARC fail",
    });
    expect(verdict({ spf: "fail", dkim: "pass" }).label).toBe("Sender not verified: SPF fail");
    expect(verdict({ spf: "pass", dkim: "permerror", dmarc: "pass" }).label).toBe("Sender not verified: DKIM permerror");
  });
  it("calls a DMARC pass, or an SPF or DKIM pass without DMARC, verified", () => {
    expect(verdict({ spf: "pass", dkim: "pass", dmarc: "pass" })).toEqual({ state: "pass", label: "Verified sender", detail: "SPF pass · DKIM pass · DMARC pass" });
    expect(verdict({ dkim: "pass", dmarc: "none" }).state).toBe("pass");
    expect(verdict({ spf: "neutral", dmarc: "temperror" }).state).toBe("unknown");
    expect(verdict({}).state).toBe("unknown");
  });
});

describe("delivery", () => {
  it("says what became of a reply's mail", () => {
    expect(deliveryView(undefined)).toEqual({ state: "sending", text: "Sending…" });
    expect(deliveryView({ status: "sent", message_id: "x@y" })).toEqual({ state: "sent", text: "Sent" });
    const next = new Date(2026, 11, 4, 14, 5).getTime();
    expect(deliveryView({ status: "deferred", attempts: 3, next })).toEqual({ state: "deferred", text: "Retrying at 14:05 (attempt 3)" });
    expect(deliveryView({ status: "failed", detail: "552 5.2.2 Mailbox full" })).toEqual({ state: "failed", text: "Not delivered: 552 5.2.2 Mailbox full" });
    expect(deliveryView({ status: "failed" }).text).toBe("Not delivered");
  });
  it("keeps the latest delivery item of a message, whatever order pages come in", () => {
    const d = (seq: number, ref: number, status: string): Item =>
      ({ seq, conv: "c1", kind: "delivery", ts: seq, actor_kind: "system", private: true, ref, delivery: { status } });
    let l = page(empty("c1"), [mail(10, undefined, "agent"), d(12, 10, "failed")], true);
    expect(l.deliveries.get(10)?.delivery.status).toBe("failed");
    l = page(l, [d(11, 10, "deferred")], false); // older, paged in later
    expect(l.deliveries.get(10)?.delivery.status).toBe("failed");
    expect(l.items.map((x) => x.seq)).toEqual([10]);
    const same = add(l, [d(12, 10, "failed")]);
    expect(same).toBe(l);
    expect(add(l, [d(13, 10, "sent")]).deliveries.get(10)?.delivery.status).toBe("sent");
  });
});
