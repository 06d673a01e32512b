// The widget's style sheet, inside its shadow root: the design tokens
// shared with the console (../design/tokens.ts: light, dark following the
// system, or the theme the website forces) under .ed, the widget's root
// element, and the widget's own rules built on them. The inbox's brand
// colour is --ed-brand, and the text written on it --ed-on-brand.

import { themeCss } from "../design/tokens";

// phone is when the widget opens full screen: a narrow or a short window.
export const phone = "(max-width: 480px), (max-height: 520px)";

export const css = `
:host { all: initial !important; display: block !important; }
${themeCss(".ed")}
.ed { --ed-brand: var(--ed-color-accent); --ed-on-brand: var(--ed-color-on-accent); --ed-star: #d98b00;
  font-family: var(--ed-font-sans); font-size: var(--ed-text-md); line-height: var(--ed-leading-normal); color: var(--ed-color-text);
  -webkit-font-smoothing: antialiased; -webkit-tap-highlight-color: transparent; }
.ed *, .ed *::before, .ed *::after { box-sizing: border-box; }
.ed [hidden] { display: none !important; }
button, input, select, textarea { font: inherit; color: inherit; margin: 0; }
button { cursor: pointer; -webkit-appearance: none; appearance: none; }
.icon { flex: none; display: block; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
:focus { outline: none; }
:focus-visible { outline: 2px solid var(--ed-color-accent); outline-offset: 2px; }

.bubble { position: fixed; right: calc(20px + env(safe-area-inset-right, 0px)); bottom: calc(20px + env(safe-area-inset-bottom, 0px));
  z-index: 2147483646; width: 56px; height: 56px; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center;
  background: var(--ed-brand); color: var(--ed-on-brand); box-shadow: var(--ed-shadow-lg);
  transition: transform var(--ed-duration-normal) ease, box-shadow var(--ed-duration-normal) ease; }
.bubble:hover { transform: scale(1.06); }
.bubble:active { transform: scale(.96); }
.bubble .icon { grid-area: 1 / 1; transition: opacity var(--ed-duration-fast) ease, transform var(--ed-duration-normal) ease; }
.bubble .when-closed { fill: currentColor; }
.bubble .when-open, .bubble[aria-expanded=true] .when-closed { opacity: 0; transform: rotate(-60deg) scale(.6); }
.bubble[aria-expanded=true] .when-open { opacity: 1; transform: none; }
.badge { position: absolute; top: -3px; right: -3px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: #c0322b; color: #fff; font-size: 12px; font-weight: 600; line-height: 20px; text-align: center; box-shadow: 0 0 0 2px #fff; }

.panel { position: fixed; right: calc(20px + env(safe-area-inset-right, 0px)); bottom: calc(88px + env(safe-area-inset-bottom, 0px));
  z-index: 2147483647; width: 380px; height: min(680px, calc(100vh - 112px)); display: flex; flex-direction: column; overflow: hidden;
  background: var(--ed-color-surface); border: 1px solid var(--ed-color-border); border-radius: 16px; box-shadow: var(--ed-shadow-lg);
  transform-origin: bottom right; animation: ed-in var(--ed-duration-normal) ease-out; }
@keyframes ed-in { from { opacity: 0; transform: translateY(12px) scale(.98); } }

header { flex: none; display: flex; align-items: center; gap: 12px; padding: 14px 8px 14px 16px; background: var(--ed-brand); color: var(--ed-on-brand); }
header .who { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: var(--ed-text-lg); font-weight: 600; line-height: 1.25; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
header p { margin: 2px 0 0; font-size: var(--ed-text-sm); line-height: 1.3; overflow: hidden; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; }
header :focus-visible { outline-color: var(--ed-on-brand); outline-offset: -2px; }
.avatars { display: flex; flex: none; }
.avatars .avatar { width: 36px; height: 36px; font-size: var(--ed-text-sm); background: var(--ed-on-brand); color: var(--ed-brand); box-shadow: 0 0 0 2px var(--ed-brand); }
.avatars .avatar + .avatar { margin-left: -10px; }
.actions { display: flex; flex: none; }
.hbtn { width: 40px; height: 40px; padding: 0; border: 0; border-radius: 10px; display: grid; place-items: center; background: transparent; color: inherit; }
.hbtn:hover { background: color-mix(in srgb, currentColor 16%, transparent); }
.hbtn .on-phone { display: none; }

.banner { flex: none; padding: 8px 16px; background: var(--ed-color-warn-soft); color: var(--ed-color-warn-text); font-size: var(--ed-text-sm); }
.away { flex: none; margin: 12px 12px 0; padding: 12px; border-radius: 12px; background: var(--ed-color-info-soft); color: var(--ed-color-info-text); font-size: var(--ed-text-sm); }
.away p { margin: 0; }
.away form { display: flex; gap: 6px; margin-top: 8px; }
.away input { flex: 1; min-width: 0; height: 36px; padding: 0 10px; border: 1px solid var(--ed-color-border-strong); border-radius: 8px;
  background: var(--ed-color-surface); color: var(--ed-color-text); }
.away button, .primary { height: 36px; padding: 0 14px; border: 0; border-radius: 8px; background: var(--ed-brand); color: var(--ed-on-brand); font-weight: 600; white-space: nowrap; }

.prechat { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 14px; padding: 20px 16px; }
.prechat p { margin: 0 0 2px; font-size: var(--ed-text-lg); font-weight: 600; }
.prechat label { display: flex; flex-direction: column; gap: 6px; font-size: var(--ed-text-sm); font-weight: 500; }
.prechat input { height: 42px; padding: 0 12px; border: 1px solid var(--ed-color-border-strong); border-radius: 10px; background: var(--ed-color-surface); color: var(--ed-color-text); font-size: var(--ed-text-md); }
.prechat input:focus { border-color: var(--ed-color-accent); box-shadow: 0 0 0 3px var(--ed-color-focus); }
.prechat .primary { height: 42px; margin-top: 4px; border-radius: 10px; }

.log { flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; padding: 8px 16px 12px; display: flex; flex-direction: column; }
.log:focus-visible { outline-offset: -2px; }
.older { align-self: center; margin: 8px 0 4px; padding: 6px 12px; border: 0; border-radius: 999px; background: var(--ed-color-subtle);
  color: var(--ed-color-accent-text); font-size: var(--ed-text-sm); font-weight: 500; }
.older:disabled { cursor: default; color: var(--ed-color-text-muted); }
.day { display: flex; align-items: center; gap: 10px; margin: 18px 0 6px; font-size: var(--ed-text-xs); font-weight: 500; color: var(--ed-color-text-muted); }
.day::before, .day::after { content: ""; flex: 1; height: 1px; background: var(--ed-color-border); }
.row { display: flex; align-items: flex-end; gap: 8px; margin-top: 3px; }
.row.first { margin-top: 14px; }
.row.customer { justify-content: flex-end; }
.stack { display: flex; flex-direction: column; align-items: flex-start; min-width: 0; max-width: 80%; }
.row.customer .stack { align-items: flex-end; }
.avatar { flex: none; width: 28px; height: 28px; border-radius: 50%; display: grid; place-items: center; overflow: hidden;
  background: var(--ed-brand); color: var(--ed-on-brand); font-size: 11px; font-weight: 600; letter-spacing: .02em; line-height: 1; }
.row .avatar { visibility: hidden; }
.row.last .avatar { visibility: visible; }
.author { margin: 0 12px 4px; font-size: var(--ed-text-xs); font-weight: 500; color: var(--ed-color-text-muted); }
.msg, .greet { max-width: 100%; padding: 9px 14px; border-radius: 18px; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.4; }
.msg.agent, .greet { background: var(--ed-color-subtle); color: var(--ed-color-text); }
.msg.customer { background: var(--ed-brand); color: var(--ed-on-brand); }
.row.agent:not(.first) .msg { border-top-left-radius: 6px; }
.row.agent:not(.last) .msg { border-bottom-left-radius: 6px; }
.row.customer:not(.first) .msg { border-top-right-radius: 6px; }
.row.customer:not(.last) .msg { border-bottom-right-radius: 6px; }
.msg a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.msg.media { padding: 0; background: none; border-radius: 14px; overflow: hidden; }
.msg a.picture { display: block; text-decoration: none; }
.msg img { display: block; max-width: 100%; max-height: 240px; border-radius: 14px; }
.msg:not(.media) img { margin: 6px 0 2px; border-radius: 10px; }
.msg .placeholder { display: block; width: 180px; height: 120px; border-radius: 14px; background: var(--ed-color-hover); }
.msg a.file, .msg .file { display: flex; align-items: center; gap: 8px; margin: 2px 0; text-decoration: none; font-weight: 500; }
.msg a.file span { text-decoration: underline; text-underline-offset: 2px; overflow-wrap: anywhere; }
.msg.media .file { padding: 9px 14px; border-radius: 14px; background: var(--ed-color-subtle); color: var(--ed-color-text); }
.row.customer .msg.media .file { background: var(--ed-brand); color: var(--ed-on-brand); }
.meta { display: flex; align-items: center; gap: 4px; margin: 4px 6px 0; font-size: var(--ed-text-xs); color: var(--ed-color-text-muted); }
.meta .state { display: inline-flex; align-items: center; gap: 3px; }
.row.customer[data-state=seen] .meta .icon { color: var(--ed-color-accent-text); }

.typing { flex: none; display: flex; align-items: center; gap: 8px; min-height: 24px; padding: 0 16px 4px; font-size: var(--ed-text-xs); color: var(--ed-color-text-muted); }
.dots { display: none; gap: 3px; padding: 6px 9px; border-radius: 12px; background: var(--ed-color-subtle); }
.typing.on .dots { display: inline-flex; }
.dots i { width: 5px; height: 5px; border-radius: 50%; background: var(--ed-color-text-muted); animation: ed-dot 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }
@keyframes ed-dot { 0%, 60%, 100% { opacity: .35; transform: none; } 30% { opacity: 1; transform: translateY(-2px); } }

.rating { flex: none; display: flex; align-items: center; justify-content: space-between; gap: 8px; flex-wrap: nowrap; padding: 8px 12px 8px 16px;
  border-top: 1px solid var(--ed-color-border); }
.rating p { margin: 0; min-width: 0; font-weight: 500; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stars { display: flex; flex: none; }
.stars button { width: 32px; height: 32px; padding: 0; border: 0; border-radius: 8px; display: grid; place-items: center; background: none;
  color: var(--ed-color-text-muted); }
.stars button .icon { transition: transform var(--ed-duration-fast) ease; }
.stars:hover button, .stars:focus-within button { color: var(--ed-star); }
.stars:hover button .icon, .stars:focus-within button .icon { fill: currentColor; }
.stars button:hover ~ button, .stars button:focus-visible ~ button { color: var(--ed-color-text-muted); }
.stars button:hover ~ button .icon, .stars button:focus-visible ~ button .icon { fill: none; }
.stars button:hover .icon { transform: scale(1.15); }

.notice { flex: none; margin: 0 12px 6px; padding: 8px 12px; border-radius: 10px; background: var(--ed-color-danger-soft); color: var(--ed-color-danger-text); font-size: var(--ed-text-sm); }
form.chat { flex: none; display: flex; align-items: flex-end; gap: 2px; margin: 4px 12px 12px; padding: 4px; border: 1px solid var(--ed-color-border-strong);
  border-radius: 24px; background: var(--ed-color-surface); }
form.chat:focus-within { border-color: var(--ed-brand); box-shadow: 0 0 0 3px color-mix(in srgb, var(--ed-brand) 28%, transparent); }
form.chat textarea { flex: 1; min-width: 0; height: 36px; max-height: 120px; padding: 8px 6px; border: 0; resize: none; overflow-y: auto;
  background: transparent; color: var(--ed-color-text); font: inherit; font-size: 15px; line-height: 20px; }
form.chat textarea:focus-visible { outline: none; }
form.chat textarea::placeholder, .away input::placeholder, .prechat input::placeholder { color: var(--ed-color-text-muted); opacity: 1; }
input[type=file] { display: none; }
.attach, .send { flex: none; width: 36px; height: 36px; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center; }
.attach { background: transparent; color: var(--ed-color-text-muted); }
.attach:hover { background: var(--ed-color-hover); color: var(--ed-color-text); }
.send { background: var(--ed-color-subtle); color: var(--ed-color-text-muted); transition: background var(--ed-duration-fast), color var(--ed-duration-fast); }
form.chat.ready .send { background: var(--ed-brand); color: var(--ed-on-brand); }


@media ${phone} {
  .panel { inset: 0; width: auto; height: auto; border: 0; border-radius: 0; box-shadow: none; animation-name: ed-up; }
  header { padding: calc(10px + env(safe-area-inset-top, 0px)) calc(6px + env(safe-area-inset-right, 0px)) 10px calc(14px + env(safe-area-inset-left, 0px)); }
  .log { padding-left: calc(12px + env(safe-area-inset-left, 0px)); padding-right: calc(12px + env(safe-area-inset-right, 0px)); }
  form.chat { margin: 4px calc(10px + env(safe-area-inset-right, 0px)) calc(10px + env(safe-area-inset-bottom, 0px)) calc(10px + env(safe-area-inset-left, 0px)); }
  form.chat textarea, .away input, .prechat input { font-size: 16px; }
  .rating { padding-bottom: 8px; }
  .bubble { right: calc(16px + env(safe-area-inset-right, 0px)); bottom: calc(16px + env(safe-area-inset-bottom, 0px)); }
  .bubble[aria-expanded=true] { display: none; }
  .hbtn .on-phone { display: block; }
  .hbtn .on-desk { display: none; }
}
@keyframes ed-up { from { transform: translateY(24px); opacity: 0; } }
@media (prefers-reduced-motion: reduce) {
  .panel, .dots i { animation: none; }
  .bubble, .bubble .icon, .stars button .icon { transition: none; }
}
`;
