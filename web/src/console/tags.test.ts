import { describe, expect, it } from "vitest";
import { knownTags, normalTag, overflow, suggest, tagsText } from "./tags";

describe("normalTag", () => {
  it("trims and lowers, and leaves the rest to the edge", () => {
    expect(normalTag("  VIP ")).toBe("vip");
    expect(normalTag("VIP Customer")).toBe("vip customer");
    expect(normalTag("   ")).toBe("");
  });
});

describe("knownTags and suggest", () => {
  const known = knownTags([{ tags: ["vip", "refund"] }, {}, { tags: ["refund", "returns", "billing"] }]);
  it("gathers the loaded conversations' tags, sorted, once each", () => {
    expect(known).toEqual(["billing", "refund", "returns", "vip"]);
  });
  it("suggests the ones that start with what is typed, case aside", () => {
    expect(suggest(known, "re")).toEqual(["refund", "returns"]);
    expect(suggest(known, " RE")).toEqual(["refund", "returns"]);
    expect(suggest(known, "fund")).toEqual([]);
    expect(suggest(known, "")).toEqual(known);
  });
  it("leaves out the conversation's own and keeps to the limit", () => {
    expect(suggest(known, "re", ["refund"])).toEqual(["returns"]);
    expect(suggest(known, "", [], 2)).toEqual(["billing", "refund"]);
  });
});

describe("overflow", () => {
  it("shows two, and counts the rest as +N", () => {
    expect(overflow(["a", "b", "c", "d"])).toEqual({ shown: ["a", "b"], more: 2, rest: ["c", "d"] });
    expect(overflow(["a", "b"])).toEqual({ shown: ["a", "b"], more: 0, rest: [] });
    expect(overflow(["a"])).toEqual({ shown: ["a"], more: 0, rest: [] });
    expect(overflow(undefined)).toEqual({ shown: [], more: 0, rest: [] });
  });
});

describe("tagsText", () => {
  const agent = { actor_kind: "agent", actor_id: "agent-alice" };
  it("says what was added and removed, by whom", () => {
    expect(tagsText({ ...agent, tags: { add: ["vip"] } }, "You")).toBe("You added the tag vip");
    expect(tagsText({ ...agent, tags: { add: ["refund", "vip"] } }, "You")).toBe("You added the tags refund, vip");
    expect(tagsText({ ...agent, tags: { remove: ["vip"] } }, "Alice")).toBe("Alice removed the tag vip");
    expect(tagsText({ ...agent, tags: { remove: ["a", "b"] } }, "Alice")).toBe("Alice removed the tags a, b");
    expect(tagsText({ ...agent, tags: { add: ["vip"], remove: ["refund"] } }, "Bob")).toBe("Bob added vip and removed refund");
  });
  it("names the rules, and says something of an empty change", () => {
    expect(tagsText({ actor_kind: "system", actor_id: "automation:vip", tags: { add: ["vip"] } }, "VIP customers")).toBe("VIP customers added the tag vip");
    expect(tagsText({ ...agent }, "You")).toBe("You changed the tags");
  });
});
