// The console's design tokens and shared controls (buttons, fields,
// chips, badges, cards, dialogs, notices), in the console's blue. New
// screens use these classes instead of the browser's default controls.

export const designCss = `
:root {
  --accent: #2457d6; --accent-hover: #1c47b8; --accent-soft: #eef3ff; --focus: rgba(36, 87, 214, .28);
  --text: #111827; --muted: #555e6e; --border: #dde1e8; --border-strong: #c3c9d4;
  --surface: #fff; --subtle: #f6f7f9;
  --danger: #b3261e; --danger-hover: #931f18; --danger-soft: #fdecea; --danger-text: #8a1c12;
  --warn-soft: #fff6dd; --warn-border: #f0d58a; --warn-text: #5c4400;
  --ok-soft: #e6f4ea; --ok-text: #17602f;
  --radius: 8px; --shadow: 0 1px 2px rgba(16, 24, 40, .05);
  --shadow-lg: 0 20px 40px rgba(16, 24, 40, .18), 0 2px 6px rgba(16, 24, 40, .08);
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
.btn { display: inline-flex; align-items: center; justify-content: center; gap: 6px; height: 34px; padding: 0 14px;
  border: 1px solid var(--border-strong); border-radius: 6px; background: var(--surface); color: var(--text);
  font: inherit; font-weight: 500; line-height: 1; white-space: nowrap; cursor: pointer; transition: background .12s, border-color .12s; }
.btn:hover { background: var(--subtle); }
.btn:focus-visible, .input:focus-visible, .toggle input:focus-visible + .toggle-box { outline: none; box-shadow: 0 0 0 3px var(--focus); }
.btn:disabled { opacity: .6; cursor: default; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.btn.primary:hover:not(:disabled) { background: var(--accent-hover); border-color: var(--accent-hover); }
.btn.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
.btn.danger:hover:not(:disabled) { background: var(--danger-hover); border-color: var(--danger-hover); }
.btn.quiet-danger { color: var(--danger); }
.btn.quiet-danger:hover:not(:disabled) { background: var(--danger-soft); border-color: #f1b8b2; }
.btn.sm { height: 28px; padding: 0 10px; font-size: 13px; }
.btn svg { flex: none; }
.input { display: block; width: 100%; box-sizing: border-box; height: 36px; padding: 0 10px; border: 1px solid var(--border-strong);
  border-radius: 6px; background: var(--surface); color: var(--text); font: inherit; }
.select { height: 34px; padding: 0 30px 0 10px; border: 1px solid var(--border-strong); border-radius: 6px; color: var(--text); font: inherit;
  appearance: none; cursor: pointer; background: var(--surface) url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='6'%3E%3Cpath d='M1 1l4 4 4-4' fill='none' stroke='%23555e6e' stroke-width='1.5'/%3E%3C/svg%3E") no-repeat right 10px center; }
.select.sm { height: 28px; font-size: 13px; }
.select:focus-visible { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.input[aria-invalid=true] { border-color: var(--danger); }
.field { display: flex; flex-direction: column; gap: 6px; margin: 0 0 18px; }
.field > span { font-weight: 600; }
.hint { margin: 0; color: var(--muted); font-size: 13px; }
.chip { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 16px;
  background: #eceff4; color: #343b48; }
.chip-write { background: #e3ecff; color: #1c3f99; }
.chip-admin { background: #fdebd3; color: #6b3a00; }
.badge { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; font-weight: 500; }
.badge::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
.badge.active { color: var(--ok-text); }
.badge.revoked { color: var(--muted); }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.notice { display: flex; gap: 10px; align-items: flex-start; margin: 0 0 16px; padding: 10px 12px; border-radius: var(--radius);
  border: 1px solid; font-size: 13px; line-height: 1.45; }
.notice p { margin: 0; }
.notice svg { flex: none; margin-top: 1px; }
.notice.error { background: var(--danger-soft); border-color: #f1b8b2; color: var(--danger-text); }
.notice.warn { background: var(--warn-soft); border-color: var(--warn-border); color: var(--warn-text); }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
dialog.dialog { width: min(520px, calc(100vw - 32px)); padding: 0; border: 0; border-radius: 12px; color: var(--text);
  background: var(--surface); box-shadow: var(--shadow-lg); }
dialog.dialog::backdrop { background: rgba(17, 24, 39, .45); }
.dialog h2 { margin: 0; font-size: 18px; }
.dialog .dialog-head { padding: 20px 24px 0; }
.dialog .dialog-head p { margin: 6px 0 0; color: var(--muted); line-height: 1.45; }
.dialog .dialog-body { padding: 18px 24px 4px; }
.dialog .dialog-foot { display: flex; justify-content: flex-end; gap: 8px; padding: 14px 24px; margin-top: 8px;
  border-top: 1px solid var(--border); background: var(--subtle); border-radius: 0 0 12px 12px; }
.spinner { width: 14px; height: 14px; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%;
  animation: spin .7s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner, .skeleton { animation: none !important; } }
`;
