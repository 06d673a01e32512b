// The console's design system: its style sheet, built on the shared design
// tokens (../design/tokens.ts, light and dark), and the classes of its one
// set of controls (ui.tsx: buttons, fields, selects and menus, dialogs,
// toasts, avatars, badges, tabs, switches, notices, skeletons). Screens use
// these and never the browser's default controls.

import { themeCss } from "../design/tokens";

// Short names for the tokens the console uses most, so its rules stay
// readable; every one is a token of the current theme.
const aliases = `
:root {
  --accent: var(--ed-color-accent); --accent-hover: var(--ed-color-accent-hover); --accent-soft: var(--ed-color-accent-soft);
  --accent-text: var(--ed-color-accent-text); --on-accent: var(--ed-color-on-accent); --focus: var(--ed-color-focus);
  --text: var(--ed-color-text); --muted: var(--ed-color-text-muted); --border: var(--ed-color-border); --border-strong: var(--ed-color-border-strong);
  --surface: var(--ed-color-surface); --raised: var(--ed-color-surface-raised); --subtle: var(--ed-color-subtle); --bg: var(--ed-color-bg);
  --hover: var(--ed-color-hover); --selected: var(--ed-color-selected);
  --danger: var(--ed-color-danger); --danger-hover: var(--ed-color-danger-hover); --danger-soft: var(--ed-color-danger-soft); --danger-text: var(--ed-color-danger-text);
  --warn-soft: var(--ed-color-warn-soft); --warn-border: var(--ed-color-note-border); --warn-text: var(--ed-color-warn-text);
  --ok-soft: var(--ed-color-success-soft); --ok-text: var(--ed-color-success-text);
  --radius: var(--ed-radius-lg); --shadow: var(--ed-shadow-sm); --shadow-lg: var(--ed-shadow-lg);
  --mono: var(--ed-font-mono);
}
`;

// Avatar colours: a soft background and a text colour of one hue that
// meets AA in both themes.
const avatars = `
.avatar.h0 { --av-soft: #dbe6ff; --av-tint: #1d3f9a; } .avatar.h1 { --av-soft: #d8f3e4; --av-tint: #125b34; }
.avatar.h2 { --av-soft: #fde2cf; --av-tint: #7a3411; } .avatar.h3 { --av-soft: #ecdcfb; --av-tint: #58218f; }
.avatar.h4 { --av-soft: #fbd9e4; --av-tint: #8a1c45; } .avatar.h5 { --av-soft: #d4f1f4; --av-tint: #0d5760; }
.avatar.h6 { --av-soft: #f6ecc4; --av-tint: #5e4a05; } .avatar.h7 { --av-soft: #e2e5ea; --av-tint: #353c48; }
.avatar { --av-bg: var(--av-soft); --av-fg: var(--av-tint); }
@media (prefers-color-scheme: dark) { :root:not([data-theme=light]) .avatar { --av-bg: color-mix(in srgb, var(--av-tint) 80%, #fff 8%); --av-fg: #f4f6fa; } }
:root[data-theme=dark] .avatar { --av-bg: color-mix(in srgb, var(--av-tint) 80%, #fff 8%); --av-fg: #f4f6fa; }
`;

export const designCss = themeCss(":root") + aliases + avatars + `
*, *::before, *::after { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font-family: var(--ed-font-sans); font-size: var(--ed-text-md); line-height: var(--ed-leading-normal);
  color: var(--text); background: var(--bg); -webkit-font-smoothing: antialiased; }
button, input, textarea, select { font: inherit; color: inherit; }
a { color: var(--accent-text); }
h1, h2, h3, h4 { line-height: var(--ed-leading-tight); }
.icon { flex: none; display: block; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
kbd { display: inline-grid; place-items: center; min-width: 20px; height: 20px; padding: 0 5px; border: 1px solid var(--border-strong);
  border-bottom-width: 2px; border-radius: var(--ed-radius-sm); background: var(--surface); color: var(--text);
  font: 500 11px/1 var(--ed-font-sans); }

/* Buttons */
.btn { display: inline-flex; align-items: center; justify-content: center; gap: 6px; height: 32px; padding: 0 12px;
  border: 1px solid var(--border-strong); border-radius: var(--ed-radius-md); background: var(--surface); color: var(--text);
  font-weight: var(--ed-weight-medium); font-size: var(--ed-text-md); line-height: 1; white-space: nowrap; cursor: pointer;
  transition: background var(--ed-duration-fast), border-color var(--ed-duration-fast), color var(--ed-duration-fast); }
.btn:hover:not(:disabled) { background: var(--hover); }
.btn:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--focus); border-color: var(--accent); }
.btn:disabled { opacity: .55; cursor: default; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.btn.primary:hover:not(:disabled) { background: var(--accent-hover); border-color: var(--accent-hover); }
.btn.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
.btn.danger:hover:not(:disabled) { background: var(--danger-hover); border-color: var(--danger-hover); }
.btn.quiet-danger { color: var(--danger-text); }
.btn.quiet-danger:hover:not(:disabled) { background: var(--danger-soft); }
.btn.ghost { border-color: transparent; background: transparent; }
.btn.ghost:hover:not(:disabled) { background: var(--hover); }
.btn.sm { height: 28px; padding: 0 10px; font-size: var(--ed-text-sm); }
.btn.icon-only { width: 32px; padding: 0; }
.btn.sm.icon-only { width: 28px; }
.btn .chev { color: var(--muted); margin-right: -2px; }
.btn.primary .chev { color: inherit; }
.btn .btn-label { overflow: hidden; text-overflow: ellipsis; }
.btn kbd { margin-left: 2px; height: 18px; min-width: 18px; border-color: currentColor; background: transparent; color: inherit; opacity: .75; }
/* on the accent, a faded key would fall under 4.5:1: the key keeps the text's colour, its border is what fades */
.btn.primary kbd { opacity: 1; border-color: color-mix(in srgb, currentColor 55%, transparent); }

/* Fields */
.input { display: block; width: 100%; height: 34px; padding: 0 10px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-md); background: var(--surface); color: var(--text); }
textarea.input { height: auto; padding: 8px 10px; resize: vertical; line-height: var(--ed-leading-normal); }
.input::placeholder { color: var(--muted); opacity: 1; }
.input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.input[aria-invalid=true] { border-color: var(--danger); }
.field { display: flex; flex-direction: column; gap: 6px; margin: 0 0 16px; }
.field > span:first-child, .field-label { font-weight: var(--ed-weight-semibold); font-size: var(--ed-text-sm); }
.hint { margin: 0; color: var(--muted); font-size: var(--ed-text-sm); }
.field-error { margin: 0; color: var(--danger-text); font-size: var(--ed-text-sm); }
.search { position: relative; }
.search .icon { position: absolute; left: 10px; top: 50%; transform: translateY(-50%); color: var(--muted); pointer-events: none; }
.search .input { padding-left: 32px; }
.search kbd { position: absolute; right: 8px; top: 50%; transform: translateY(-50%); }

/* Switch: a checkbox drawn as a switch */
.switch { position: relative; display: inline-flex; align-items: center; gap: 10px; cursor: pointer; user-select: none; }
.switch input { position: absolute; z-index: 1; left: 0; top: 50%; width: 32px; height: 18px; margin: -9px 0 0; opacity: 0; cursor: pointer; }
.switch .track { position: relative; flex: none; width: 32px; height: 18px; border-radius: 9px; background: var(--border-strong);
  transition: background var(--ed-duration-fast); }
.switch .track::after { content: ""; position: absolute; top: 2px; left: 2px; width: 14px; height: 14px; border-radius: 50%;
  background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.3); transition: transform var(--ed-duration-fast); }
.switch input:checked + .track { background: var(--accent); }
.switch input:checked + .track::after { transform: translateX(14px); }
.switch input:focus-visible + .track { box-shadow: 0 0 0 3px var(--focus); }
.switch input:disabled + .track { opacity: .5; }

/* Checkbox: a checkbox drawn as a box with a tick */
.check { position: relative; display: inline-flex; align-items: center; gap: 10px; min-width: 0; cursor: pointer; user-select: none; }
.check input { position: absolute; z-index: 1; left: 0; top: 50%; width: 18px; height: 18px; margin: -9px 0 0; opacity: 0; cursor: pointer; }
.check .box { flex: none; display: grid; place-items: center; width: 18px; height: 18px; border: 1.5px solid var(--border-strong); border-radius: 5px;
  background: var(--surface); color: transparent; transition: background var(--ed-duration-fast), border-color var(--ed-duration-fast); }
.check input:checked + .box { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.check input:focus-visible + .box { box-shadow: 0 0 0 3px var(--focus); border-color: var(--accent); }
.check input:disabled + .box { opacity: .5; }
.check input:disabled ~ .check-text { color: var(--muted); }
.check-text { display: flex; flex-direction: column; min-width: 0; }

/* Date picker (datepicker.tsx): a button and a month's calendar */
.date-btn .value .icon { color: var(--muted); }
.date-btn .placeholder { color: var(--muted); font-weight: var(--ed-weight-regular); }
.popover.calendar { width: 280px; max-width: 280px; padding: 10px; }
.cal-head { display: flex; align-items: center; justify-content: space-between; gap: 6px; margin-bottom: 6px; }
.cal-head strong { font-size: var(--ed-text-md); }
.cal { width: 100%; border-collapse: collapse; table-layout: fixed; }
.cal th { padding: 2px 0 6px; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); text-align: center; }
.cal td { padding: 1px; text-align: center; }
.cal .day { display: grid; place-items: center; width: 100%; height: 32px; border: 0; border-radius: var(--ed-radius-md); background: none;
  color: var(--text); font-size: var(--ed-text-sm); font-variant-numeric: tabular-nums; cursor: pointer; }
.cal .day:hover { background: var(--hover); }
.cal .day.out { color: var(--muted); }
.cal .day[aria-current=date] { box-shadow: inset 0 0 0 1px var(--accent); color: var(--accent-text); font-weight: var(--ed-weight-semibold); }
.cal .day[aria-pressed=true] { background: var(--accent); color: var(--on-accent); font-weight: var(--ed-weight-semibold); }
.cal .day:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent), 0 0 0 4px var(--focus); }
.cal-foot { display: flex; justify-content: space-between; gap: 6px; margin-top: 8px; padding-top: 8px; border-top: 1px solid var(--border); }

/* Select (a button and a listbox) and menus */
.select-btn { justify-content: space-between; min-width: 0; }
.select-btn .value { display: inline-flex; align-items: center; gap: 6px; min-width: 0; overflow: hidden; }
.select-btn .value > span { overflow: hidden; text-overflow: ellipsis; }
.select-btn .prefix { color: var(--muted); font-weight: var(--ed-weight-regular); }
.popover { position: fixed; z-index: 50; min-width: 180px; max-width: 320px; max-height: min(420px, calc(100vh - 24px)); overflow-y: auto;
  padding: 4px; border: 1px solid var(--border); border-radius: var(--ed-radius-lg); background: var(--raised);
  box-shadow: var(--ed-shadow-md); animation: pop var(--ed-duration-fast) ease-out; }
.popover[role=menu] { max-height: calc(100vh - 16px); }
@keyframes pop { from { transform: translateY(-3px); } }
.popover [role=option], .popover [role^=menuitem] { display: flex; align-items: center; gap: 8px; width: 100%; min-height: 32px;
  padding: 6px 8px; border: 0; border-radius: var(--ed-radius-md); background: none; color: var(--text); text-align: left;
  font-size: var(--ed-text-md); cursor: pointer; white-space: nowrap; }
.popover [role=option]:hover, .popover [role^=menuitem]:hover, .popover .active { background: var(--hover); }
.popover [role=option]:focus-visible, .popover [role^=menuitem]:focus-visible { outline: none; background: var(--hover); box-shadow: inset 0 0 0 2px var(--accent); }
.popover [aria-selected=true], .popover [aria-checked=true] { font-weight: var(--ed-weight-semibold); }
.popover .tick { margin-left: auto; color: var(--accent-text); }
.popover .opt-hint { margin-left: auto; padding-left: 16px; color: var(--muted); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-regular); }
.popover .opt-hint + .tick { margin-left: 8px; }
.popover hr { height: 1px; margin: 4px -4px; border: 0; background: var(--border); }
.popover .menu-label { padding: 6px 8px 2px; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold);
  text-transform: uppercase; letter-spacing: .04em; }
.popover .menu-head { display: flex; align-items: center; gap: 10px; padding: 8px 8px 10px; }
.popover .menu-head strong { display: block; }
.popover .menu-head span { color: var(--muted); font-size: var(--ed-text-sm); }
.popover .menu-row { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 6px 8px; }

/* Avatars, presence, badges, chips */
.avatar { position: relative; flex: none; display: inline-grid; place-items: center; width: 32px; height: 32px; border-radius: 50%;
  background: var(--av-bg); color: var(--av-fg); font-size: 12px; font-weight: var(--ed-weight-semibold); letter-spacing: .02em; user-select: none; }
.avatar::before { content: attr(data-initials); }
.avatar.xs { width: 20px; height: 20px; font-size: 9px; }
.avatar.sm { width: 24px; height: 24px; font-size: 10px; }
.avatar.lg { width: 48px; height: 48px; font-size: 17px; }
.avatar .dot { position: absolute; right: -1px; bottom: -1px; width: 10px; height: 10px; border-radius: 50%; border: 2px solid var(--surface); }
.avatar.xs .dot, .avatar.sm .dot { width: 8px; height: 8px; border-width: 1.5px; }
.dot.online, .presence.online::before { background: var(--ed-color-presence-online); }
.dot.away, .presence.away::before { background: var(--ed-color-presence-away); }
.dot.offline, .presence.offline::before { background: var(--ed-color-presence-offline); }
.presence { display: inline-flex; align-items: center; gap: 6px; }
.presence::before { content: ""; width: 8px; height: 8px; border-radius: 50%; }
.badge { display: inline-flex; align-items: center; gap: 5px; height: 20px; padding: 0 8px; border-radius: var(--ed-radius-full);
  font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); white-space: nowrap; background: var(--subtle); color: var(--muted); }
.badge .icon { margin-left: -2px; }
/* a conversation's six statuses (status.ts) */
.badge.new { background: var(--accent-soft); color: var(--accent-text); }
.badge.open { background: var(--ed-color-info-soft); color: var(--ed-color-info-text); }
.badge.pending { background: var(--warn-soft); color: var(--warn-text); }
.badge.on_hold { background: var(--subtle); color: var(--muted); }
.badge.solved { background: var(--ok-soft); color: var(--ok-text); }
.badge.closed { background: var(--subtle); color: var(--muted); box-shadow: inset 0 0 0 1px var(--border); }
.badge.positive { background: var(--ok-soft); color: var(--ok-text); }
.badge.urgent { background: var(--danger); color: #fff; }
.badge.high { background: var(--warn-soft); color: var(--warn-text); }
.badge.low { background: var(--subtle); color: var(--muted); }
.badge.active { background: var(--ok-soft); color: var(--ok-text); }
.badge.revoked { background: var(--subtle); color: var(--muted); }
.count { display: inline-grid; place-items: center; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: var(--accent); color: var(--on-accent); font-size: 11px; font-weight: var(--ed-weight-semibold); }
.chip { display: inline-block; padding: 2px 8px; border-radius: var(--ed-radius-full); font-size: var(--ed-text-xs);
  font-weight: var(--ed-weight-semibold); line-height: 16px; background: var(--subtle); color: var(--text); border: 1px solid var(--border); }
.chip-write { background: var(--ed-color-info-soft); color: var(--ed-color-info-text); border-color: transparent; }
.chip-admin { background: var(--warn-soft); color: var(--warn-text); border-color: transparent; }

/* Tabs */
[role=tablist].tabs { display: flex; gap: 2px; border-bottom: 1px solid var(--border); }
.tabs [role=tab] { position: relative; display: inline-flex; align-items: center; gap: 6px; height: 36px; padding: 0 10px; border: 0;
  background: none; color: var(--muted); font-weight: var(--ed-weight-medium); cursor: pointer; white-space: nowrap; }
.tabs [role=tab]:hover { color: var(--text); }
.tabs [role=tab][aria-selected=true] { color: var(--text); }
.tabs [role=tab][aria-selected=true]::after { content: ""; position: absolute; left: 8px; right: 8px; bottom: -1px; height: 2px;
  border-radius: 2px; background: var(--accent); }
.tabs [role=tab] .tab-count { color: var(--muted); font-weight: var(--ed-weight-regular); font-size: var(--ed-text-sm); }
.tabs [role=tab]:focus-visible { outline: none; box-shadow: inset 0 0 0 2px var(--accent); border-radius: var(--ed-radius-md); }
.segmented { display: inline-flex; padding: 2px; border-radius: var(--ed-radius-md); background: var(--subtle); border: 1px solid var(--border); }
.segmented [role=tab] { height: 26px; padding: 0 10px; border: 0; border-radius: 4px; background: none; color: var(--muted);
  font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium); cursor: pointer; display: inline-flex; align-items: center; gap: 6px; }
.segmented [role=tab][aria-selected=true] { background: var(--surface); color: var(--text); box-shadow: var(--ed-shadow-sm); }
.segmented [role=tab].note[aria-selected=true] { background: var(--ed-color-note); color: var(--ed-color-on-note); }
/* a tab that cannot be chosen now: faded, with why in its title */
.tabs [role=tab]:disabled, .segmented [role=tab]:disabled { cursor: not-allowed; opacity: .55; }
.tabs [role=tab]:disabled:hover { color: var(--muted); }

/* Cards, notices, skeletons, states */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--ed-radius-lg); box-shadow: var(--shadow); }
.notice { display: flex; gap: 10px; align-items: flex-start; margin: 0 0 16px; padding: 10px 12px; border-radius: var(--ed-radius-lg);
  border: 1px solid; font-size: var(--ed-text-sm); line-height: 1.45; }
.notice p { margin: 0; }
.notice .icon { margin-top: 1px; }
.notice.error { background: var(--danger-soft); border-color: color-mix(in srgb, var(--danger) 35%, transparent); color: var(--danger-text); }
.notice.warn { background: var(--warn-soft); border-color: var(--warn-border); color: var(--warn-text); }
.notice.info { background: var(--ed-color-info-soft); border-color: transparent; color: var(--ed-color-info-text); }
.skeleton { display: block; height: 10px; border-radius: 5px; background: linear-gradient(90deg, var(--subtle) 25%, var(--hover) 50%, var(--subtle) 75%);
  background-size: 200% 100%; animation: shimmer 1.2s ease-in-out infinite; }
@keyframes shimmer { from { background-position: 100% 0; } to { background-position: -100% 0; } }
.spinner { width: 14px; height: 14px; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: spin .7s linear infinite; }
.icon.spin { animation: spin .9s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
.state { display: flex; flex-direction: column; align-items: center; gap: 8px; padding: 48px 24px; text-align: center; }
.state h2 { margin: 6px 0 0; font-size: var(--ed-text-lg); }
.state p { margin: 0 0 8px; max-width: 380px; color: var(--muted); line-height: 1.5; }
.state-icon { display: grid; place-items: center; width: 44px; height: 44px; border-radius: 50%; background: var(--accent-soft); color: var(--accent-text); }
.state-icon.error { background: var(--danger-soft); color: var(--danger-text); }

/* Dialogs and toasts */
dialog.dialog { width: min(520px, calc(100vw - 32px)); padding: 0; border: 1px solid var(--border); border-radius: var(--ed-radius-xl);
  color: var(--text); background: var(--raised); box-shadow: var(--shadow-lg); }
dialog.dialog.wide { width: min(640px, calc(100vw - 32px)); }
dialog.dialog::backdrop { background: var(--ed-color-overlay); }
.dialog h2 { margin: 0; font-size: var(--ed-text-xl); }
.dialog .dialog-head { display: flex; align-items: flex-start; justify-content: space-between; gap: 12px; padding: 20px 24px 0; }
.dialog .dialog-head p { margin: 6px 0 0; color: var(--muted); line-height: 1.45; }
.dialog .dialog-body { padding: 18px 24px 4px; }
.dialog .dialog-foot { display: flex; justify-content: flex-end; gap: 8px; padding: 14px 24px; margin-top: 8px;
  border-top: 1px solid var(--border); background: var(--subtle); border-radius: 0 0 var(--ed-radius-xl) var(--ed-radius-xl); }
.toasts { position: fixed; left: 50%; bottom: 20px; z-index: 60; display: flex; flex-direction: column; align-items: center; gap: 8px;
  transform: translateX(-50%); pointer-events: none; }
.toast { display: flex; align-items: center; gap: 10px; max-width: 520px; padding: 10px 14px; border-radius: var(--ed-radius-lg);
  background: var(--ed-color-text); color: var(--ed-color-surface); box-shadow: var(--ed-shadow-lg); font-size: var(--ed-text-sm);
  pointer-events: auto; animation: pop var(--ed-duration-normal) ease-out; }
.toast.error { background: var(--danger); color: #fff; }
.toast .icon { opacity: .9; }
@media (prefers-reduced-motion: reduce) { *, *::before, *::after { animation: none !important; transition: none !important; } }
`;
