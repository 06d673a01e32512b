// The agent's own preferences in this browser (localStorage): the theme
// and how to be told of a new conversation. Nothing of it goes to the edge.

export type ThemePref = "system" | "light" | "dark";

export interface Prefs {
  theme: ThemePref;
  sound: boolean; // a short tone on a new conversation
  desktop: boolean; // a desktop notification on a new conversation (when the browser allows it)
}

const key = "edgedesk:console:prefs";
export const defaults: Prefs = { theme: "system", sound: true, desktop: true };

// load reads the preferences, each one that is missing or unreadable at
// its default.
export function load(store: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): Prefs {
  try {
    const saved = JSON.parse(store?.getItem(key) ?? "{}") as Partial<Prefs>;
    return {
      theme: saved.theme === "light" || saved.theme === "dark" ? saved.theme : "system",
      sound: typeof saved.sound === "boolean" ? saved.sound : defaults.sound,
      desktop: typeof saved.desktop === "boolean" ? saved.desktop : defaults.desktop,
    };
  } catch {
    return { ...defaults };
  }
}

export function save(p: Prefs, store: Pick<Storage, "setItem"> | undefined = globalThis.localStorage): void {
  try {
    store?.setItem(key, JSON.stringify(p));
  } catch {
    // storage full or refused: the choice lasts for this page only
  }
}

// applyTheme sets the theme on the page: data-theme on <html> for an
// explicit choice, none for the system's (web/src/design/tokens.ts).
export function applyTheme(theme: ThemePref, root: HTMLElement = document.documentElement): void {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}
