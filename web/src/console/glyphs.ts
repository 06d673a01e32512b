// The messaging platforms' glyphs, drawn for the console's icon set in
// Lucide's manner (a 24 × 24 box, 2 px round strokes in currentColor, a
// few small fills): simple marks that recall each platform, never its
// logo file. icons.tsx draws them like every other icon.

import type { IconNode } from "lucide";

// WhatsApp: a round speech bubble, its tail down on the left, with a
// telephone handset inside.
export const WhatsAppGlyph: IconNode = [
  ["path", { d: "M3.2 20.8 4.6 16.6A9 9 0 1 1 7.5 19.4Z" }],
  ["path", { d: "M9.3 7.6c.4-.3 1-.2 1.2.3l.6 1.4c.2.4 0 .8-.3 1.1l-.5.4a6.4 6.4 0 0 0 2.9 2.9l.4-.5c.3-.3.7-.5 1.1-.3l1.4.6c.5.2.6.8.3 1.2l-.5.7c-.5.6-1.3.8-2 .5a9.2 9.2 0 0 1-5.3-5.3c-.3-.7-.1-1.5.5-2Z",
    fill: "currentColor", stroke: "none" }],
];

// WeChat: two speech bubbles, the larger behind on the left, each with
// two eyes.
export const WeChatGlyph: IconNode = [
  ["path", { d: "M8.6 15.8a8.6 8.6 0 0 1-2.2-.5L3.6 16.6l.7-2.5C2.8 12.9 2 11.4 2 9.7 2 6.3 5.4 3.5 9.5 3.5c3.7 0 6.8 2.2 7.4 5.2" }],
  ["path", { d: "M15.7 9.5c-3.5 0-6.2 2.3-6.2 5.1s2.7 5.1 6.2 5.1c.7 0 1.3-.1 1.9-.3l2.4 1.2-.6-2.1c1.6-.9 2.6-2.3 2.6-3.9 0-2.8-2.8-5.1-6.3-5.1Z" }],
  ["path", { d: "M7 7.9h.01" }], ["path", { d: "M12 7.9h.01" }],
  ["path", { d: "M13.6 13.9h.01" }], ["path", { d: "M17.8 13.9h.01" }],
];

// WeCom (WeChat for work): a square speech bubble with a briefcase in it.
export const WeComGlyph: IconNode = [
  ["path", { d: "M21 15.5a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2Z" }],
  ["path", { d: "M10.3 8V7a1 1 0 0 1 1-1h1.4a1 1 0 0 1 1 1v1" }],
  ["rect", { x: "7", y: "8", width: "10", height: "6.5", rx: "1.2", fill: "currentColor", stroke: "none" }],
];

// Telegram: a paper plane in a circle.
export const TelegramGlyph: IconNode = [
  ["circle", { cx: "12", cy: "12", r: "10" }],
  ["path", { d: "m6.5 11.6 10.3-4.1-1.9 9.3-3.9-2.9-1.7 1.7-.1-2.9 4.8-4-6.3 3.1z", fill: "currentColor", strokeWidth: "1" }],
];

// X: the letter as the platform writes it, one stroke a band.
export const XGlyph: IconNode = [
  ["path", { d: "M4 4h4.6L20 20h-4.6Z" }],
  ["path", { d: "m19.6 4-6.7 7.3" }],
  ["path", { d: "m4.4 20 6.7-7.3" }],
];
