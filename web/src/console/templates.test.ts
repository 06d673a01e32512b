import { describe, expect, it } from "vitest";
import type { Template } from "../protocol.gen";
import {
  check, draftOf, Languages, languageName, languageProblem, loadRecent, matchLanguages, MaxParams, nameProblem, normalLanguage, ownText,
  paramProblem, recentKey, remember, RecentMax, saveRecent, suggestName, templateText, toTemplate,
} from "./templates";

const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
};

describe("template names", () => {
  it("are 1-512 lower-case letters, digits and _, as the edge takes them", () => {
    expect(nameProblem("order_update")).toBe("");
    expect(nameProblem("  order_update_2 ")).toBe("");
    expect(nameProblem("")).toBe("Give the template's name, as WhatsApp approved it.");
    expect(nameProblem("   ")).toMatch(/^Give/);
    expect(nameProblem("Order Update")).toBe("Only lower-case letters, digits and _ (order_update).");
    expect(nameProblem("order-update")).toMatch(/^Only lower-case/);
    expect(nameProblem("pedido_é")).toMatch(/^Only lower-case/);
    expect(nameProblem("a".repeat(512))).toBe("");
    expect(nameProblem("a".repeat(513))).toBe("At most 512 characters; this one has 513.");
  });
  it("are suggested as WhatsApp would have approved them", () => {
    expect(suggestName("Order Update")).toBe("order_update");
    expect(suggestName("order-update ")).toBe("order_update");
    expect(suggestName("Shipping  Notice!")).toBe("shipping_notice");
    expect(suggestName("order_update")).toBe(""); // nothing to change
    expect(suggestName("!!!")).toBe(""); // nothing to make of it
  });
});

describe("template languages", () => {
  it("offer the common WhatsApp codes, each once, with names", () => {
    const codes = Languages.map((l) => l.code);
    expect(codes).toEqual(["en_US", "en_GB", "pt_BR", "es_ES", "es_MX", "fr_FR", "de_DE", "it_IT", "id_ID", "hi_IN", "ar", "zh_CN", "zh_TW", "ja_JP",
      "ko_KR", "ru_RU", "tr_TR"]);
    expect(new Set(codes).size).toBe(codes.length);
    expect(languageName("pt_BR")).toBe("Portuguese (Brazil)");
    expect(languageName("pt_PT")).toBe("");
  });
  it("are found by code or name, codes first", () => {
    expect(matchLanguages("").length).toBe(Languages.length);
    expect(matchLanguages("pt").map((l) => l.code)).toEqual(["pt_BR"]);
    expect(matchLanguages("pt-br").map((l) => l.code)).toEqual(["pt_BR"]);
    expect(matchLanguages("es").map((l) => l.code)).toEqual(["es_ES", "es_MX"]); // not "Portuguese": words start with it
    expect(matchLanguages("br").map((l) => l.code)).toEqual(["pt_BR"]);
    expect(matchLanguages("mex").map((l) => l.code)).toEqual(["es_MX"]);
    expect(matchLanguages("chinese").map((l) => l.code)).toEqual(["zh_CN", "zh_TW"]);
    expect(matchLanguages("en").map((l) => l.code)).toEqual(["en_US", "en_GB"]);
    expect(matchLanguages("klingon")).toEqual([]);
  });
  it("are written as WhatsApp writes them", () => {
    expect(normalLanguage("pt-br")).toBe("pt_BR");
    expect(normalLanguage(" EN ")).toBe("en");
    expect(normalLanguage("zh_hant")).toBe("zh_Hant");
    expect(normalLanguage("portuguese")).toBe("portuguese"); // no code: left for the check
  });
  it("are checked as the edge checks them", () => {
    for (const ok of ["en_US", "ar", "pt-br", "fil", "zh_HK"]) expect(languageProblem(ok)).toBe("");
    expect(languageProblem("")).toBe("Choose the language the template was approved in.");
    expect(languageProblem("portuguese")).toBe("A WhatsApp language code, like en_US, pt_BR or ar.");
    expect(languageProblem("en_USAXX")).toMatch(/^A WhatsApp language code/);
  });
});

describe("template parameters", () => {
  it("are filled in and at most 1,024 bytes", () => {
    expect(paramProblem("#1042", 0)).toBe("");
    expect(paramProblem(" ", 1)).toBe("{{2}} is empty: fill it in or remove it.");
    expect(paramProblem("a".repeat(1024), 0)).toBe("");
    expect(paramProblem("a".repeat(1025), 2)).toBe("{{3}} is too long: at most 1024 bytes (a Chinese character is 3).");
    expect(paramProblem("茶".repeat(342), 0)).toMatch(/too long/); // 1,026 bytes
  });
});

describe("a template draft", () => {
  it("is checked field by field", () => {
    expect(check({ name: "order_update", language: "pt_BR", params: ["#1042"] })).toEqual({ name: "", language: "", params: [""], count: 0 });
    const bad = check({ name: "Order", language: "", params: ["#1042", ""] });
    expect(bad.count).toBe(3);
    expect(bad.name).toMatch(/^Only lower-case/);
    expect(bad.language).toMatch(/^Choose/);
    expect(bad.params).toEqual(["", "{{2}} is empty: fill it in or remove it."]);
    expect(check({ name: "a", language: "en", params: Array(MaxParams + 1).fill("x") }).count).toBe(1);
  });
  it("becomes the send frame's template", () => {
    expect(toTemplate({ name: " order_update ", language: "pt-br", params: [" #1042 ", "amanhã"] }))
      .toEqual({ name: "order_update", language: "pt_BR", params: ["#1042", "amanhã"] });
    expect(toTemplate({ name: "welcome", language: "en_US", params: [] })).toEqual({ name: "welcome", language: "en_US" });
  });
});

describe("a template reply's text", () => {
  it("is the edge's line, to the character", () => {
    // edge/conversation/platforms.go TemplateText; edge/channels_test.go expects this one
    expect(templateText({ name: "order_update", language: "pt_BR", params: ["#1042", "amanhã"] })).toBe("Template order_update (pt_BR): #1042 · amanhã");
    expect(templateText({ name: "order_update", language: "pt_BR", params: ["#1042"] })).toBe("Template order_update (pt_BR): #1042");
    expect(templateText({ name: "welcome", language: "en_US" })).toBe("Template welcome (en_US)");
    expect(templateText({ name: "welcome", language: "en_US", params: [] })).toBe("Template welcome (en_US)");
  });
  it("is shown only when its sender wrote it", () => {
    const t = { name: "order_update", language: "pt_BR", params: ["#1042"] };
    expect(ownText("Template order_update (pt_BR): #1042", t)).toBe("");
    expect(ownText(undefined, t)).toBe("");
    expect(ownText("Seu pedido #1042 saiu para entrega", t)).toBe("Seu pedido #1042 saiu para entrega");
  });
});

describe("recent templates", () => {
  const a = { name: "order_update", language: "pt_BR", params: ["#1042"] };
  const b = { name: "welcome", language: "en_US", params: [] };
  it("are newest first, one per name and language, with the latest parameters", () => {
    let list = remember([], a);
    list = remember(list, b);
    expect(list.map((t) => t.name)).toEqual(["welcome", "order_update"]);
    list = remember(list, { ...a, params: ["#2093"] });
    expect(list).toEqual([{ ...a, params: ["#2093"] }, b]);
    list = remember(list, { ...a, language: "en_US" }); // another language is another template
    expect(list.length).toBe(3);
  });
  it("keep at most six", () => {
    let list: Template[] = [];
    for (let i = 0; i < 9; i++) list = remember(list, { name: `t${i}`, language: "en_US", params: [] });
    expect(list.length).toBe(RecentMax);
    expect(list[0].name).toBe("t8");
    expect(list[RecentMax - 1].name).toBe("t3");
  });
  it("are kept per tenant, and what is unreadable is left out", () => {
    const store = memory();
    expect(loadRecent("demo", store)).toEqual([]);
    saveRecent("demo", [a, b], store);
    expect(loadRecent("demo", store)).toEqual([a, b]);
    expect(loadRecent("other", store)).toEqual([]);
    expect(store.m.has(recentKey("demo"))).toBe(true);
    store.setItem(recentKey("demo"), "{not json");
    expect(loadRecent("demo", store)).toEqual([]);
    store.setItem(recentKey("demo"), JSON.stringify([{ name: "Bad Name", language: "en" }, { name: "ok", language: 7 }, "x", { name: "fine", language: "en" }]));
    expect(loadRecent("demo", store)).toEqual([{ name: "fine", language: "en", params: [] }]);
    store.setItem(recentKey("demo"), JSON.stringify({ name: "fine" }));
    expect(loadRecent("demo", store)).toEqual([]);
  });
  it("refill the form", () => {
    const d = draftOf(a);
    expect(d).toEqual({ name: "order_update", language: "pt_BR", params: ["#1042"] });
    d.params.push("x");
    expect(a.params).toEqual(["#1042"]); // a copy
  });
});
