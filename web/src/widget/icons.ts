// The widget's icons: Lucide's (the lucide package, ISC), the console's set
// too, drawn as inline SVG from its icon data, so that no emoji font is
// needed. Only the icons imported here end up in the bundle.

import type { IconNode } from "lucide";
import { Check, CheckCheck, ChevronDown, Clock, FileText, MessageCircle, Paperclip, SendHorizontal, Star, TriangleAlert, Video, X } from "lucide";

export const icons = {
  chat: MessageCircle, close: X, minimize: ChevronDown, attach: Paperclip, send: SendHorizontal, call: Video, star: Star,
  file: FileText, sent: Check, seen: CheckCheck, sending: Clock, alert: TriangleAlert,
} satisfies Record<string, IconNode>;

export type IconName = keyof typeof icons;

const svgNS = "http://www.w3.org/2000/svg";

// icon draws one icon, hidden from assistive technology: the control it
// sits in carries the words.
export function icon(name: IconName, size = 20): SVGSVGElement {
  const svg = document.createElementNS(svgNS, "svg");
  for (const [k, v] of Object.entries({ width: size, height: size, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor",
    "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false", class: "icon" })) {
    svg.setAttribute(k, String(v));
  }
  for (const [tag, attrs] of icons[name]) {
    const el = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}
