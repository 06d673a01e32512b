// Edgedesk's design tokens: colour, spacing, radius, type, shadow and
// motion, for a light and a dark theme, as CSS custom properties. The
// console (web/src/console/design.ts) and the widget build on them; they
// share no other styling. The names are a contract: add new ones, never
// rename or remove one (the widget and the console both read them).
//
// Every colour pair meant for text on a background (text on surface,
// text-muted on subtle, on-accent on accent, the *-text colours on their
// *-soft backgrounds) meets WCAG 2.1 AA (4.5:1) in both themes.
//
// Use themeCss(":root") (a page) or themeCss(":host") (a shadow root): the
// light theme by default, the dark one under prefers-color-scheme: dark,
// and an explicit data-theme="light" | "dark" on the root element (or the
// shadow host) wins over the system's choice.

export type Theme = "light" | "dark";

// Colours: semantic names, never "blue-500", so a theme can change them.
const light = {
  "--ed-color-bg": "#f5f6f8", // the app's backdrop, behind panels
  "--ed-color-surface": "#ffffff", // panels, cards, inputs
  "--ed-color-surface-raised": "#ffffff", // menus, dialogs, toasts
  "--ed-color-subtle": "#f0f2f5", // sunken areas, table heads, hover on surface
  "--ed-color-hover": "#eceff3",
  "--ed-color-selected": "#e8eefc", // the selected row of a list
  "--ed-color-border": "#e1e4ea",
  "--ed-color-border-strong": "#c5cbd5",
  "--ed-color-text": "#15181e",
  "--ed-color-text-muted": "#59606e", // secondary text, ≥ 4.5:1 on bg, surface and subtle
  "--ed-color-accent": "#2f5bd3", // primary buttons, links, the focus ring's hue
  "--ed-color-accent-hover": "#2449b0",
  "--ed-color-accent-soft": "#e8eefc",
  "--ed-color-accent-text": "#1f44a8", // accent-coloured text on surface or accent-soft
  "--ed-color-on-accent": "#ffffff",
  "--ed-color-focus": "rgba(47, 91, 211, 0.35)",
  "--ed-color-danger": "#c0322b",
  "--ed-color-danger-hover": "#a02822",
  "--ed-color-danger-soft": "#fdecea",
  "--ed-color-danger-text": "#9c241d",
  "--ed-color-warn": "#b76e00",
  "--ed-color-warn-soft": "#fff5dc",
  "--ed-color-warn-text": "#6b4300",
  "--ed-color-success": "#1f8a4c",
  "--ed-color-success-soft": "#e5f5ec",
  "--ed-color-success-text": "#17603a",
  "--ed-color-info-soft": "#e9f2fe",
  "--ed-color-info-text": "#1d4e89",
  "--ed-color-bubble-customer": "#eef0f4", // a customer's message
  "--ed-color-on-bubble-customer": "#15181e",
  "--ed-color-bubble-agent": "#2f5bd3", // an agent's message
  "--ed-color-on-bubble-agent": "#ffffff",
  "--ed-color-note": "#fff4d6", // a private note
  "--ed-color-note-border": "#f1d98c",
  "--ed-color-on-note": "#4d3800",
  "--ed-color-overlay": "rgba(15, 20, 30, 0.45)", // behind a modal dialog
  "--ed-color-presence-online": "#1f9d55",
  "--ed-color-presence-away": "#d89614",
  "--ed-color-presence-offline": "#9aa1ad",
  "--ed-shadow-sm": "0 1px 2px rgba(16, 24, 40, 0.06)",
  "--ed-shadow-md": "0 4px 12px rgba(16, 24, 40, 0.10), 0 1px 3px rgba(16, 24, 40, 0.06)",
  "--ed-shadow-lg": "0 20px 40px rgba(16, 24, 40, 0.18), 0 2px 6px rgba(16, 24, 40, 0.08)",
};

export type ColorToken = keyof typeof light;

const dark: Record<ColorToken, string> = {
  "--ed-color-bg": "#0f1115",
  "--ed-color-surface": "#171a20",
  "--ed-color-surface-raised": "#1f232b",
  "--ed-color-subtle": "#1c2027",
  "--ed-color-hover": "#252a33",
  "--ed-color-selected": "#1f2b47",
  "--ed-color-border": "#2b3039",
  "--ed-color-border-strong": "#3d4450",
  "--ed-color-text": "#e8eaee",
  "--ed-color-text-muted": "#a2a9b6",
  "--ed-color-accent": "#5b83f0",
  "--ed-color-accent-hover": "#7696f3",
  "--ed-color-accent-soft": "#1f2b47",
  "--ed-color-accent-text": "#9cb6ff",
  "--ed-color-on-accent": "#0b1020",
  "--ed-color-focus": "rgba(120, 155, 255, 0.45)",
  "--ed-color-danger": "#c9443d", // white text on it: 4.8:1
  "--ed-color-danger-hover": "#b93a33",
  "--ed-color-danger-soft": "#3a1d1c",
  "--ed-color-danger-text": "#ffaaa4",
  "--ed-color-warn": "#e0a33a",
  "--ed-color-warn-soft": "#3a2d12",
  "--ed-color-warn-text": "#f6d28f",
  "--ed-color-success": "#43b77a",
  "--ed-color-success-soft": "#16301f",
  "--ed-color-success-text": "#8fdcae",
  "--ed-color-info-soft": "#172a42",
  "--ed-color-info-text": "#a6c8f5",
  "--ed-color-bubble-customer": "#252a33",
  "--ed-color-on-bubble-customer": "#e8eaee",
  "--ed-color-bubble-agent": "#3559c0",
  "--ed-color-on-bubble-agent": "#ffffff",
  "--ed-color-note": "#3a3118",
  "--ed-color-note-border": "#6a5825",
  "--ed-color-on-note": "#f4e2ad",
  "--ed-color-overlay": "rgba(0, 0, 0, 0.6)",
  "--ed-color-presence-online": "#43b77a",
  "--ed-color-presence-away": "#e0a33a",
  "--ed-color-presence-offline": "#7b8391",
  "--ed-shadow-sm": "0 1px 2px rgba(0, 0, 0, 0.4)",
  "--ed-shadow-md": "0 4px 14px rgba(0, 0, 0, 0.45), 0 1px 3px rgba(0, 0, 0, 0.4)",
  "--ed-shadow-lg": "0 20px 44px rgba(0, 0, 0, 0.6), 0 2px 6px rgba(0, 0, 0, 0.45)",
};

// Spacing, radius, type and motion are the same in both themes.
const scale = {
  "--ed-space-0": "2px",
  "--ed-space-1": "4px",
  "--ed-space-2": "8px",
  "--ed-space-3": "12px",
  "--ed-space-4": "16px",
  "--ed-space-5": "20px",
  "--ed-space-6": "24px",
  "--ed-space-8": "32px",
  "--ed-space-10": "40px",
  "--ed-radius-sm": "4px",
  "--ed-radius-md": "6px",
  "--ed-radius-lg": "8px",
  "--ed-radius-xl": "12px",
  "--ed-radius-full": "999px",
  "--ed-font-sans": 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif',
  "--ed-font-mono": 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  "--ed-text-xs": "12px",
  "--ed-text-sm": "13px",
  "--ed-text-md": "14px",
  "--ed-text-lg": "16px",
  "--ed-text-xl": "18px",
  "--ed-text-2xl": "22px",
  "--ed-leading-tight": "1.25",
  "--ed-leading-normal": "1.45",
  "--ed-weight-regular": "400",
  "--ed-weight-medium": "500",
  "--ed-weight-semibold": "600",
  "--ed-duration-fast": "120ms",
  "--ed-duration-normal": "200ms",
};

export type ScaleToken = keyof typeof scale;
export type Token = ColorToken | ScaleToken;

// tokens holds every value, by theme: tokens.dark["--ed-color-text"].
export const tokens: Record<Theme, Record<Token, string>> = {
  light: { ...light, ...scale },
  dark: { ...dark, ...scale },
};

// v names a token as a CSS value: v("--ed-color-text") is
// "var(--ed-color-text)".
export const v = (t: Token) => `var(${t})`;

// declarations is the CSS declarations of a theme's colours ("--ed-…: …;"),
// and with all, its spacing, radius and type too.
export function declarations(theme: Theme, all = true): string {
  const set: Record<string, string> = all ? tokens[theme] : theme === "light" ? light : dark;
  return Object.entries(set).map(([k, val]) => `${k}: ${val};`).join(" ");
}

// themeCss is the style sheet that defines the tokens under root (":root"
// for a page, ":host" for a shadow root): light by default, dark when the
// system prefers it, and data-theme="light" | "dark" on root overriding
// the system.
export function themeCss(root = ":root"): string {
  const is = (attr: string) => (root === ":host" ? `:host(${attr})` : `${root}${attr}`);
  return `
${root} { ${declarations("light")} color-scheme: light; }
@media (prefers-color-scheme: dark) { ${is(":not([data-theme=light])")} { ${declarations("dark", false)} color-scheme: dark; } }
${is("[data-theme=dark]")} { ${declarations("dark", false)} color-scheme: dark; }
${is("[data-theme=light]")} { color-scheme: light; }
`;
}
