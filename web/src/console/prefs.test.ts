import { describe, expect, it } from "vitest";
import { defaults, load, save } from "./prefs";
import { shortcut, typing } from "./shortcuts";

const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};

describe("prefs", () => {
  it("are remembered, and unreadable ones are the defaults", () => {
    const store = memory();
    expect(load(store)).toEqual(defaults);
    save({ theme: "dark", sound: false, desktop: true }, store);
    expect(load(store)).toEqual({ theme: "dark", sound: false, desktop: true });
    store.setItem("edgedesk:console:prefs", "{not json");
    expect(load(store)).toEqual(defaults);
    store.setItem("edgedesk:console:prefs", '{"theme":"purple","sound":"yes"}');
    expect(load(store)).toEqual(defaults);
  });
});

describe("shortcuts", () => {
  const el = (tagName: string, type?: string, role?: string) => ({ tagName, type, getAttribute: (n: string) => (n === "role" ? role ?? null : null) });
  it("map keys to actions outside text fields", () => {
    expect(shortcut({ key: "j", target: el("BODY") })).toBe("next");
    expect(shortcut({ key: "k", target: el("BUTTON") })).toBe("previous");
    expect(shortcut({ key: "?", target: null })).toBe("help");
    expect(shortcut({ key: "/", target: el("DIV") })).toBe("canned");
    expect(shortcut({ key: "e", target: el("INPUT", "checkbox") })).toBe("solve");
  });
  it("leave the agent's typing alone", () => {
    expect(shortcut({ key: "j", target: el("TEXTAREA") })).toBeUndefined();
    expect(shortcut({ key: "j", target: el("INPUT", "search") })).toBeUndefined();
    expect(shortcut({ key: "a", target: el("DIV", undefined, "menuitemradio") })).toBeUndefined();
    expect(shortcut({ key: "e", ctrlKey: true, target: el("BODY") })).toBeUndefined();
    expect(shortcut({ key: "x", target: el("BODY") })).toBeUndefined();
    expect(typing({ tagName: "DIV", isContentEditable: true })).toBe(true);
  });
});
