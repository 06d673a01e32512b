import { describe, expect, it } from "vitest";
import type { Agent } from "../protocol.gen";
import { agentName, customerName, hue, initials, ofContact, ofConversation, visitorName } from "./people";

describe("customerName", () => {
  it("is the name, else the e-mail address, else Visitor and a suffix", () => {
    expect(customerName({ name: "Ada", email: "ada@x.test", id: "k1" })).toBe("Ada");
    expect(customerName({ email: "ada@x.test", id: "k1" })).toBe("ada@x.test");
    expect(customerName({ name: "  ", id: "vabc" })).toBe(visitorName("vabc"));
  });
  it("names a visitor the same in the list (conversation) and the panel (contact)", () => {
    const id = "v0190b3c4d5e6f7a8b9c0";
    expect(customerName(ofConversation({ contact: id }))).toBe(customerName(ofContact({ id })));
    expect(customerName(ofConversation({ contact: id, contact_name: "kim@x.test" }))).toBe(customerName(ofContact({ id, email: "kim@x.test" })));
  });
  it("gives visitors short suffixes that stay the same and tell them apart", () => {
    expect(visitorName("v1")).toMatch(/^Visitor [0-9A-HJKMNP-TV-Z]{4}$/);
    expect(visitorName("v1")).toBe(visitorName("v1"));
    const many = new Set(Array.from({ length: 200 }, (_, i) => visitorName("v0190b3c4" + i)));
    expect(many.size).toBeGreaterThan(195);
    expect(visitorName("")).toBe("Visitor");
  });
});

describe("agentName", () => {
  const team = new Map<string, Agent>([
    ["agent-alice", { id: "agent-alice", tenant: "t", email: "alice@demo.test", name: "Alice Martin" }],
    ["agent-bob", { id: "agent-bob", tenant: "t", email: "bob@demo.test" }],
  ]);
  it("is the name, else the e-mail address, never the id", () => {
    expect(agentName("agent-alice", team)).toBe("Alice Martin");
    expect(agentName("agent-bob", team)).toBe("bob@demo.test");
    expect(agentName("agent-carol", team)).toBe("An agent");
  });
});

describe("initials and hue", () => {
  it("takes the first and last word's first letters", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("Ada Byron Lovelace")).toBe("AL");
    expect(initials("kim@x.test")).toBe("K");
    expect(initials("jean-luc.picard@x.test")).toBe("JP");
    expect(initials("Visitor 7KQ2")).toBe("V");
    expect(initials("张伟")).toBe("张");
    expect(initials("微信用户 Li")).toBe("微");
    expect(initials("")).toBe("?");
  });
  it("gives a person the same of 8 colours everywhere", () => {
    expect(hue("agent-alice")).toBe(hue("agent-alice"));
    expect(hue("agent-alice")).toBeGreaterThanOrEqual(0);
    expect(hue("agent-alice")).toBeLessThan(8);
  });
});
