// The console's layout and screens, on the design system (design.ts) and
// its tokens: the rail, the conversation list, the open conversation, the
// contact panel, the settings pages and the sign-in page. From 1024 px to
// 2560 px wide: below 1200 px the contact panel lies over the
// conversation, above 1600 px the columns widen and the timeline keeps a
// readable measure.

export const consoleCss = `
/* Sign-in */
.login-page { min-height: 100vh; display: grid; place-items: center; padding: 24px;
  background: radial-gradient(1200px 600px at 50% -10%, var(--accent-soft), transparent 70%), var(--bg); }
.login { width: min(380px, 100%); padding: 28px 28px 24px; display: flex; flex-direction: column; box-shadow: var(--ed-shadow-md); }
.login .brand { display: flex; align-items: center; gap: 10px; margin-bottom: 22px; font-weight: var(--ed-weight-semibold); font-size: var(--ed-text-lg); }
.login h1 { margin: 0; font-size: var(--ed-text-2xl); }
.login > .hint { margin: 4px 0 20px; }
.login .field { margin-bottom: 14px; }
.login .btn { width: 100%; height: 38px; margin-top: 4px; }

/* Shell */
.console { --list-w: 320px; --contact-w: 300px; display: grid; grid-template-columns: 60px var(--list-w) minmax(0, 1fr);
  grid-template-rows: minmax(0, 1fr); height: 100vh; overflow: hidden; background: var(--bg); }
.console.screen-canned, .console.screen-inboxes, .console.screen-automation, .console.screen-apikeys { grid-template-columns: 60px minmax(0, 1fr); }
@media (min-width: 1600px) { .console { --list-w: 360px; --contact-w: 340px; } }
@media (max-width: 1199px) { .console { --list-w: 292px; } }
.offline-banner { position: fixed; top: 10px; left: 50%; z-index: 40; transform: translateX(-50%); display: flex; align-items: center; gap: 8px;
  margin: 0; padding: 6px 12px; border-radius: var(--ed-radius-full); background: var(--warn-soft); color: var(--warn-text);
  border: 1px solid var(--warn-border); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium); box-shadow: var(--ed-shadow-md); }

/* Rail */
.rail { display: flex; flex-direction: column; align-items: center; gap: 4px; padding: 12px 0; background: var(--surface);
  border-right: 1px solid var(--border); }
.rail-logo { margin-bottom: 14px; }
.rail-logo img { display: block; }
.rail-space { flex: 1; }
.rail-btn { position: relative; display: grid; place-items: center; width: 40px; height: 40px; border: 0; border-radius: var(--ed-radius-lg);
  background: none; color: var(--muted); cursor: pointer; transition: background var(--ed-duration-fast), color var(--ed-duration-fast); }
.rail-btn:hover { background: var(--hover); color: var(--text); }
.rail-btn[aria-current=page] { background: var(--accent-soft); color: var(--accent-text); }
.rail-btn:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.rail-btn.profile { margin-top: 6px; }
.rail-count::before { content: attr(data-count); }
.rail-count { position: absolute; top: 2px; right: 0; min-width: 18px; height: 18px; padding: 0 5px; border-radius: 9px; border: 2px solid var(--surface);
  background: var(--danger); color: #fff; font-size: 10px; font-weight: var(--ed-weight-semibold); line-height: 14px; text-align: center; }

/* Conversation list */
.list { display: flex; flex-direction: column; min-height: 0; background: var(--surface); border-right: 1px solid var(--border); }
.list-head { padding: 14px 14px 0; border-bottom: 1px solid var(--border); }
.list-title { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin-bottom: 10px; }
.list-title h1 { margin: 0; font-size: var(--ed-text-xl); }
.list-title .select-btn { margin-right: -6px; font-weight: var(--ed-weight-semibold); }
.list-tools { display: flex; gap: 6px; margin-bottom: 6px; }
.list-tools .search { flex: 1; min-width: 0; }
.list-tools .input { height: 30px; font-size: var(--ed-text-sm); }
.list-tools .sort { width: 30px; padding: 0; justify-content: center; }
.list-tools .sort .value > span, .list-tools .sort .chev { display: none; }
.list-head .tabs { border-bottom: 0; margin: 0 -6px; }
.list-body { flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; }
.list-body ul { list-style: none; margin: 0; padding: 0; }
.conv { display: flex; gap: 10px; width: 100%; height: 76px; padding: 10px 14px; border: 0; border-bottom: 1px solid var(--border);
  background: var(--surface); color: var(--text); text-align: left; cursor: pointer; overflow: hidden; }
.conv:hover { background: var(--subtle); }
.conv[aria-current=true] { background: var(--selected); box-shadow: inset 3px 0 0 var(--accent); }
.conv:focus-visible { outline: none; box-shadow: inset 0 0 0 2px var(--accent); }
.conv .avatar { margin-top: 1px; }
.conv-main { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 2px; }
.conv-top, .conv-bottom { display: flex; align-items: center; gap: 8px; min-width: 0; }
.conv-name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: var(--ed-weight-semibold); }
.conv-time { flex: none; color: var(--muted); font-size: var(--ed-text-xs); }
.preview { flex: 1; min-width: 0; display: flex; align-items: center; gap: 4px; overflow: hidden; white-space: nowrap; color: var(--muted); font-size: var(--ed-text-sm); }
.preview .clip { flex: none; }
.preview em { font-style: normal; opacity: .8; }
.conv.has-unread .preview { color: var(--text); font-weight: var(--ed-weight-medium); }
.conv.has-unread .conv-name::after { content: ""; }
.conv-tags { display: flex; align-items: center; gap: 6px; min-width: 0; overflow: hidden; white-space: nowrap; font-size: var(--ed-text-xs); color: var(--muted); }
.tag { display: inline-flex; align-items: center; gap: 3px; }
.tag.assignee { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.tag.status-new { color: var(--accent-text); }
.tag.status-open { color: var(--ed-color-info-text); }
.tag.status-pending { color: var(--warn-text); }
.tag.status-solved { color: var(--ok-text); }
.priority { display: inline-flex; align-items: center; gap: 3px; padding: 0 6px; border-radius: var(--ed-radius-full); font-weight: var(--ed-weight-semibold); }
.priority.urgent { background: var(--danger); color: #fff; }
.priority.high { background: var(--warn-soft); color: var(--warn-text); }
.priority.low { background: var(--subtle); color: var(--muted); }
.prio-urgent { color: var(--danger); } .prio-high { color: var(--ed-color-warn); } .prio-low { color: var(--muted); }
.conv-skeleton { display: flex; gap: 10px; height: 76px; padding: 12px 14px; border-bottom: 1px solid var(--border); }
.skeleton.round { width: 32px; height: 32px; border-radius: 50%; flex: none; }
.conv-skeleton .lines { flex: 1; display: flex; flex-direction: column; gap: 10px; padding-top: 4px; }
.list-empty { padding: 40px 20px; }
.list-more { display: flex; align-items: center; justify-content: center; gap: 8px; margin: 0; padding: 12px; color: var(--muted); font-size: var(--ed-text-sm); }

/* Work area */
.work { position: relative; display: flex; min-width: 0; min-height: 0; background: var(--surface); }
.no-conv { margin: auto; }
.conversation { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.conv-head { display: flex; align-items: center; gap: 12px; min-height: 60px; padding: 10px 16px 8px; }
.who { display: flex; align-items: center; gap: 10px; min-width: 0; flex: 1; }
.who-text { min-width: 0; }
.who h2 { margin: 0; font-size: var(--ed-text-lg); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.who .sub { display: flex; align-items: center; gap: 6px; margin: 3px 0 0; color: var(--muted); font-size: var(--ed-text-xs); white-space: nowrap; }
.conv-id { font-family: var(--mono); overflow: hidden; text-overflow: ellipsis; }
.conv-actions { display: flex; align-items: center; gap: 6px; flex: none; }
.conv-closed { display: inline-flex; align-items: center; gap: 6px; height: 28px; padding: 0 10px; border: 1px dashed var(--border-strong);
  border-radius: var(--ed-radius-md); color: var(--muted); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium); cursor: default; }
.conv-props { display: flex; align-items: center; gap: 2px; flex-wrap: wrap; padding: 0 12px 8px; border-bottom: 1px solid var(--border); }
.conv-props .select-btn { max-width: 260px; }
.conv-props .select-btn .prefix { margin-right: 2px; }
.conv-props .sla-slot { flex: 1 0 auto; display: flex; align-items: center; padding-left: 6px; }
/* tags (tag-editor.tsx): chips in the header, quiet labels in a list row */
.conv-tag-list { display: flex; align-items: center; flex-wrap: wrap; gap: 4px; min-width: 0; padding-left: 6px; }
.tag-chip { display: inline-flex; align-items: center; gap: 3px; max-width: 200px; height: 22px; padding: 0 2px 0 7px; line-height: 20px;
  font-weight: var(--ed-weight-medium); color: var(--text); }
.tag-chip .icon { flex: none; color: var(--muted); }
.tag-chip .tag-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tag-chip button { display: inline-grid; place-items: center; width: 18px; height: 18px; padding: 0; border: 0; border-radius: 50%;
  background: none; color: var(--muted); cursor: pointer; }
.tag-chip button:hover { background: var(--hover); color: var(--text); }
.tag-chip button:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.conv-props .add-tag { height: 24px; padding: 0 8px; gap: 4px; color: var(--muted); font-size: var(--ed-text-xs); }
.conv-props .add-tag:hover, .conv-props .add-tag[aria-expanded=true] { color: var(--text); }
.tag-popover { width: 240px; padding: 6px; }
.tag-popover .tag-input { height: 30px; font-size: var(--ed-text-sm); }
.tag-suggestions { margin-top: 4px; }
.tag-suggestions [role=option] { min-height: 28px; padding: 4px 8px; font-size: var(--ed-text-sm); }
.tag-suggestions [role=option] .icon { color: var(--muted); }
.tag-hint { margin: 6px 2px 0; color: var(--muted); font-size: var(--ed-text-xs); }
.conv-labels { display: inline-flex; align-items: center; gap: 4px; min-width: 0; overflow: hidden; }
.tag-label { flex: 0 1 auto; min-width: 0; max-width: 90px; overflow: hidden; text-overflow: ellipsis; padding: 0 6px; border-radius: var(--ed-radius-full);
  background: var(--subtle); color: var(--muted); font-weight: var(--ed-weight-medium); line-height: 16px; box-shadow: inset 0 0 0 1px var(--border); }
.tag-label.more { flex: none; max-width: none; }

/* SLA clocks (sla-clock.tsx): neutral, warning (amber), breached (red), paused (muted) */
.sla-clock { display: inline-flex; align-items: center; gap: 5px; flex: none; height: 22px; padding: 0 8px; border-radius: var(--ed-radius-full);
  border: 1px solid var(--border); background: var(--subtle); color: var(--text); font-size: var(--ed-text-xs);
  font-weight: var(--ed-weight-semibold); white-space: nowrap; font-variant-numeric: tabular-nums; cursor: default; }
.sla-clock .icon { color: var(--muted); }
.sla-clock.warning { border-color: var(--warn-border); background: var(--warn-soft); color: var(--warn-text); }
.sla-clock.warning .icon { color: inherit; }
.sla-clock.breached { border-color: var(--danger); background: var(--danger); color: #fff; }
.sla-clock.breached .icon { color: inherit; }
.sla-clock.paused { border-style: dashed; background: transparent; color: var(--muted); font-weight: var(--ed-weight-medium); }
/* in a list row: as quiet as the other tags until at risk */
.conv-tags .sla-clock { flex: 0 1 auto; min-width: 0; height: auto; padding: 0; gap: 3px; border: 0; background: none; color: var(--muted);
  line-height: inherit; font-weight: var(--ed-weight-medium); }
.conv-tags .sla-clock .sla-text { overflow: hidden; text-overflow: ellipsis; }
.conv-tags .sla-clock.warning, .conv-tags .sla-clock.breached { padding: 0 6px; }
.conv-tags .sla-clock.warning { background: var(--warn-soft); color: var(--warn-text); }
.conv-tags .sla-clock.breached { background: var(--danger); color: #fff; }
.timeline .sla-event.warning > span { color: var(--warn-text); }
.timeline .sla-event.breached > span { color: var(--danger-text); font-weight: var(--ed-weight-medium); }
.conv-props .callpanel[data-state=idle] { padding: 0; border: 0; background: none; }
.conv-props .callpanel:not([data-state=idle]) { flex-basis: calc(100% + 24px); margin: 8px -12px -8px; border-top: 1px solid var(--border); border-bottom: 0; }
.avatar.empty { background: var(--subtle); color: var(--muted); }
.with-details .details-toggle { background: var(--accent-soft); color: var(--accent-text); }

/* Call panel (calls engineer's; the console keeps it in its column) */
/* the call panel's style is callpanel.tsx's */

/* Timeline */
.timeline-box { position: relative; flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; padding: 0 20px 8px; background: var(--bg); }
.timeline-box:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.timeline-head { display: flex; justify-content: center; padding: 14px 0 4px; }
.paging { display: inline-flex; align-items: center; gap: 6px; margin: 0; color: var(--muted); font-size: var(--ed-text-xs); }
.paging.start { padding: 4px 10px; border-radius: var(--ed-radius-full); background: var(--surface); border: 1px solid var(--border); }
.timeline { list-style: none; margin: 0 auto; padding: 0; max-width: 920px; display: flex; flex-direction: column; }
.timeline .day { display: flex; align-items: center; gap: 12px; margin: 18px 0 8px; color: var(--muted); font-size: var(--ed-text-xs);
  font-weight: var(--ed-weight-semibold); }
.timeline .day::before, .timeline .day::after { content: ""; flex: 1; height: 1px; background: var(--border); }
.timeline .row { display: flex; gap: 10px; margin-top: 2px; }
.timeline .row.first { margin-top: 12px; }
.timeline .row.agent { flex-direction: row-reverse; }
.avatar-gap { flex: none; width: 24px; }
.bubble-col { display: flex; flex-direction: column; min-width: 0; max-width: min(72%, 640px); }
.row.agent .bubble-col { align-items: flex-end; }
.meta { display: flex; align-items: baseline; gap: 8px; margin: 0 2px 3px; font-size: var(--ed-text-xs); color: var(--muted); }
.meta strong { color: var(--text); font-weight: var(--ed-weight-semibold); }
.row.agent .meta { flex-direction: row-reverse; }
.note-tag { display: inline-flex; align-items: center; gap: 3px; color: var(--ed-color-on-note); }
.msg { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.45; }
.msg.customer { background: var(--surface); color: var(--ed-color-on-bubble-customer); border: 1px solid var(--border); border-top-left-radius: 4px; }
.row:not(.first) .msg.customer { border-top-left-radius: 14px; }
.msg.agent, .msg.system { background: var(--ed-color-bubble-agent); color: var(--ed-color-on-bubble-agent); border-top-right-radius: 4px; }
.row:not(.first) .msg.agent { border-top-right-radius: 14px; }
.msg.note { background: var(--ed-color-note); color: var(--ed-color-on-note); border: 1px dashed var(--ed-color-note-border); }
.msg.bare { padding: 0; border: 0; background: none; }
.msg.bare .attachment { margin-top: 0; }
.msg mark { background: var(--danger-soft); color: var(--danger-text); border-radius: 3px; padding: 0 2px; }
.msg.agent mark { background: rgba(255,255,255,.25); color: inherit; }
.reading { display: flex; align-items: center; gap: 4px; margin-top: 4px; font-size: var(--ed-text-xs); opacity: .85; white-space: normal; }
.attachment { display: block; margin-top: 4px; }
img.attachment { max-width: 280px; max-height: 200px; border-radius: var(--ed-radius-lg); background: var(--subtle); }
.attachment.file { display: flex; align-items: center; gap: 8px; padding: 8px 10px; border-radius: var(--ed-radius-md); background: var(--surface);
  color: var(--accent-text); border: 1px solid var(--border); text-decoration: none; font-weight: var(--ed-weight-medium); white-space: nowrap; }
.attachment.file span { overflow: hidden; text-overflow: ellipsis; }
.attachment.loading { display: inline-flex; align-items: center; gap: 6px; opacity: .8; font-size: var(--ed-text-sm); }
.timeline .event { display: flex; justify-content: center; align-items: center; gap: 8px; margin: 12px 0 4px; color: var(--muted); font-size: var(--ed-text-xs); }
.timeline .event > span { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.stars { display: inline-flex; flex-wrap: nowrap; gap: 1px; }
.stars .on { color: #e8a10c; }
.stars .off { color: var(--border-strong); }
/* the conversation: the macros menu, automation's authors and lines */
.macro-popover { width: 320px; max-width: 320px; padding: 6px; }
.macro-popover .input { height: 30px; font-size: var(--ed-text-sm); margin-bottom: 4px; }
.macro-popover [role=option] { flex-direction: column; align-items: flex-start; gap: 1px; white-space: normal; }
.macro-popover [role=option] .macro-what { color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-regular);
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.macro-popover .macro-empty { margin: 0; padding: 10px 8px; color: var(--muted); font-size: var(--ed-text-sm); white-space: normal; }
.macro-popover .menu-label { padding: 6px 8px 2px; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); text-transform: uppercase; letter-spacing: .04em; }
.composer-bar .macros-btn { gap: 4px; color: var(--muted); }
.composer-bar .macros-btn:hover, .composer-bar .macros-btn[aria-expanded=true] { color: var(--text); }
.avatar.auto { background: var(--accent-soft); color: var(--accent-text); }
.avatar.auto::before { content: none; }
.meta .auto-author { display: inline-flex; align-items: center; gap: 4px; }
.meta .auto-author .icon { color: var(--accent-text); }
.timeline .event .auto-by { display: inline-flex; align-items: center; gap: 3px; padding: 0 6px 0 4px; border-radius: var(--ed-radius-full);
  background: var(--accent-soft); color: var(--accent-text); font-weight: var(--ed-weight-semibold); }
.timeline .event.automation-event > span { max-width: min(640px, 90%); white-space: normal; text-align: left; padding: 4px 10px;
  border: 1px dashed var(--border-strong); border-radius: var(--ed-radius-md); background: var(--surface); color: var(--muted); }
.timeline .event.automation-event .icon { flex: none; color: var(--ed-color-warn); }
/* what a rule did rather than could not do: its webhook call, its plugin's note */
.timeline .event.automation-event.by-rule > span { border-style: solid; }
.timeline .event.automation-event.by-rule > span > .icon { color: var(--accent-text); }
.timeline .event.automation-event .auto-by .icon { color: inherit; }

.timeline-skeleton { display: flex; flex-direction: column; gap: 14px; max-width: 920px; margin: 20px auto; }
.skeleton.bubble { height: 36px; border-radius: 14px; }
.skeleton.bubble.right { align-self: flex-end; }
.latest { position: sticky; bottom: 8px; left: 50%; display: flex; margin: 0 auto; transform: none; box-shadow: var(--ed-shadow-md); border-radius: var(--ed-radius-full); }
.typing { margin: 0; padding: 0 20px; min-height: 20px; line-height: 20px; color: var(--muted); font-size: var(--ed-text-xs); font-style: italic; background: var(--bg); }

/* Composer */
.composer { position: relative; padding: 0 16px 14px; background: var(--bg); }
.composer-box { max-width: 952px; margin: 0 auto; border: 1px solid var(--border-strong); border-radius: var(--ed-radius-xl); background: var(--surface);
  box-shadow: var(--ed-shadow-sm); transition: border-color var(--ed-duration-fast), box-shadow var(--ed-duration-fast); }
.composer-box:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.composer.noting .composer-box { background: var(--ed-color-note); border-color: var(--ed-color-note-border); }
.composer.noting .composer-box:focus-within { box-shadow: 0 0 0 3px color-mix(in srgb, var(--ed-color-note-border) 55%, transparent); }
.composer-top { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 8px 8px 0; }
.composer-top .hint { font-size: var(--ed-text-xs); }
.composer-top .note-only { flex: none; display: inline-flex; align-items: center; gap: 6px; height: 26px; padding: 0 10px; border-radius: var(--ed-radius-md);
  border: 1px solid var(--ed-color-note-border); color: var(--ed-color-on-note); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-semibold); }
.composer.closed .composer-top { align-items: flex-start; }
.composer.closed .composer-top .hint { white-space: normal; text-align: right; }
.composer.noting .hint { color: var(--ed-color-on-note); }
.reply { display: block; width: 100%; min-height: 44px; max-height: 40vh; padding: 8px 12px; border: 0; background: transparent; resize: none;
  color: var(--text); line-height: 1.45; }
.composer.noting .reply { color: var(--ed-color-on-note); }
.reply:focus { outline: none; }
.reply::placeholder { color: var(--muted); }
.composer.noting .reply::placeholder { color: color-mix(in srgb, var(--ed-color-on-note) 75%, transparent); }
.composer-bar { display: flex; align-items: center; gap: 6px; padding: 4px 8px 8px; }
.composer-bar .spacer { flex: 1; }
.composer-bar .keys { font-size: var(--ed-text-xs); white-space: nowrap; }
.composer-bar .keys kbd { height: 18px; min-width: 18px; font-size: 10px; }
.attach { position: relative; cursor: pointer; }
.attach input { position: absolute; inset: 0; width: 100%; height: 100%; opacity: 0; cursor: pointer; }
.attach:focus-within { box-shadow: 0 0 0 3px var(--focus); }
.uploading { display: inline-flex; align-items: center; gap: 6px; }
.upload-error { display: flex; align-items: center; gap: 6px; max-width: 952px; margin: 8px auto 0; color: var(--danger-text); font-size: var(--ed-text-sm); }
.canned.popover { position: absolute; left: 16px; right: 16px; bottom: calc(100% - 6px); max-width: 952px; margin: 0 auto; max-height: 240px;
  list-style: none; animation: none; }
.canned li { display: flex; gap: 10px; align-items: baseline; padding: 8px 10px; border-radius: var(--ed-radius-md); cursor: pointer; }
.canned li.active { background: var(--selected); }
.canned li strong { flex: none; font-family: var(--mono); font-size: var(--ed-text-sm); color: var(--accent-text); }
.canned li span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--text); }
@media (max-width: 1279px) { .composer-bar .keys { display: none; } }

/* Contact panel */
.contact { flex: none; width: var(--contact-w); overflow-y: auto; border-left: 1px solid var(--border); background: var(--surface); }
@media (max-width: 1199px) {
  .contact { position: absolute; top: 0; right: 0; bottom: 0; z-index: 20; box-shadow: var(--ed-shadow-lg); }
}
.contact-head { position: relative; display: flex; align-items: center; gap: 12px; padding: 18px 16px 14px; }
.contact-head h2 { margin: 0; font-size: var(--ed-text-lg); overflow-wrap: anywhere; }
.contact-head .close { position: absolute; top: 10px; right: 10px; }
@media (min-width: 1200px) { .contact-head .close { display: none; } }
.facts { display: flex; flex-direction: column; gap: 8px; margin: 0; padding: 0 16px 16px; }
.fact { display: grid; grid-template-columns: 104px minmax(0, 1fr); gap: 8px; align-items: baseline; font-size: var(--ed-text-sm); }
.fact dt { display: flex; align-items: center; gap: 6px; color: var(--muted); }
.fact dt .icon { align-self: center; }
.fact dd { margin: 0; overflow-wrap: anywhere; }
.facts-loading { display: flex; flex-direction: column; gap: 10px; }
.panel-section { border-top: 1px solid var(--border); padding-top: 14px; }
.panel-section h3 { display: flex; align-items: center; gap: 6px; margin: 0 16px 10px; font-size: var(--ed-text-xs); color: var(--muted);
  text-transform: uppercase; letter-spacing: .05em; }
.panel-section > .hint { padding: 0 16px 16px; }
.past { list-style: none; margin: 0; padding: 0 8px 12px; }
.past button { display: flex; flex-direction: column; gap: 4px; width: 100%; padding: 8px; border: 0; border-radius: var(--ed-radius-md);
  background: none; color: var(--text); text-align: left; cursor: pointer; }
.past button:hover { background: var(--subtle); }
.past-top { display: flex; align-items: center; justify-content: space-between; }
.past .when { color: var(--muted); font-size: var(--ed-text-xs); }
.past-text { display: flex; align-items: center; gap: 4px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: var(--muted); font-size: var(--ed-text-sm); }

/* Settings pages */
.settings-work { grid-column: 2 / -1; background: var(--bg); }
.settings { flex: 1; overflow-y: auto; background: var(--bg); }
.settings-inner { max-width: 1040px; margin: 0 auto; padding: 32px 32px 48px; }
.settings-grid { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 20px; align-items: start; }
@media (max-width: 1199px) { .settings-grid { grid-template-columns: minmax(0, 1fr); } }
.card-head { padding: 12px 20px; border-bottom: 1px solid var(--border); color: var(--muted); font-size: var(--ed-text-sm); font-weight: var(--ed-weight-medium); }
.canned-list { list-style: none; margin: 0; padding: 0; }
.canned-list li { display: grid; grid-template-columns: 160px minmax(0, 1fr) auto; gap: 16px; align-items: start; padding: 14px 20px; border-bottom: 1px solid var(--border); }
.canned-list li:last-child { border-bottom: 0; }
.canned-list li.editing { background: var(--selected); }
.shortcut { justify-self: start; padding: 2px 8px; border-radius: var(--ed-radius-sm); background: var(--subtle); color: var(--accent-text);
  font-family: var(--mono); font-size: var(--ed-text-sm); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 100%; }
.canned-text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.row-actions { display: flex; gap: 2px; white-space: nowrap; }
.form-card { padding: 18px 20px 20px; }
.form-card h2 { margin: 0 0 14px; font-size: var(--ed-text-lg); }
.prefixed { display: flex; align-items: center; gap: 0; }
.prefixed > span { display: grid; place-items: center; height: 34px; padding: 0 10px; border: 1px solid var(--border-strong); border-right: 0;
  border-radius: var(--ed-radius-md) 0 0 var(--ed-radius-md); background: var(--subtle); color: var(--muted); font-family: var(--mono); }
.prefixed .input { border-radius: 0 var(--ed-radius-md) var(--ed-radius-md) 0; font-family: var(--mono); }
.form-actions { display: flex; justify-content: flex-end; gap: 8px; }
.inbox-cards { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 16px; }
.inbox-card { padding: 0; }
.inbox-head { display: flex; align-items: center; gap: 12px; padding: 16px 20px; border-bottom: 1px solid var(--border); }
.inbox-head h2 { margin: 0; font-size: var(--ed-text-lg); }
.inbox-head code { font-family: var(--mono); font-size: var(--ed-text-xs); }
.inbox-icon { display: grid; place-items: center; width: 36px; height: 36px; border-radius: var(--ed-radius-lg); background: var(--accent); color: #fff; }
.inbox-sections { display: flex; flex-direction: column; }
.inbox-section { display: grid; grid-template-columns: 260px minmax(0, 1fr); gap: 24px; padding: 18px 20px; border-top: 1px solid var(--border); }
.inbox-section:first-child { border-top: 0; }
.section-what h3 { margin: 0 0 4px; font-size: var(--ed-text-md); }
.section-controls { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 20px; align-items: start; max-width: 620px; }
.section-controls > .switch-row, .section-controls > .field:only-child { grid-column: 1 / -1; }
.section-controls .field { margin-bottom: 12px; }
.section-controls .field.wide { grid-column: 1 / -1; }
@media (max-width: 1199px) { .inbox-section { grid-template-columns: 200px minmax(0, 1fr); } }
.switch-row { display: flex; flex-wrap: wrap; gap: 10px 24px; padding-top: 2px; }
.inbox-section .select-btn { width: 100%; }
.swatches { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.swatch { display: grid; place-items: center; width: 26px; height: 26px; border: 2px solid var(--surface); border-radius: 50%; color: #fff; cursor: pointer;
  box-shadow: 0 0 0 1px var(--border-strong); }
.swatch[aria-checked=true] { box-shadow: 0 0 0 2px var(--text); }
.swatches .btn[aria-checked=true] { border-color: var(--accent); background: var(--accent-soft); color: var(--accent-text); }
.swatch:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--focus), 0 0 0 1px var(--accent); }

/* Snooze dialog, shortcuts */
.presets { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin-bottom: 18px; }
.btn.preset { flex-direction: column; align-items: flex-start; gap: 2px; height: auto; padding: 10px 12px; white-space: normal; text-align: left; }
.btn.preset .preset-when { color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-regular); }
.custom-when { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.custom-when .field { margin: 0; }
table.shortcuts { width: 100%; border-collapse: collapse; }
.shortcuts td { padding: 7px 0; border-bottom: 1px solid var(--border); }
.shortcuts td:first-child { width: 120px; white-space: nowrap; }
.shortcuts kbd + kbd { margin-left: 4px; }

/* E-mail: the list's subject, the header's, mails as cards, the recipients */
.preview .subject { flex: 0 1 auto; min-width: 0; max-width: 72%; overflow: hidden; text-overflow: ellipsis; color: var(--text); font-weight: var(--ed-weight-semibold); }
.preview .last { flex: 1 1 0; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.who h2.subject { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; white-space: normal; line-height: 1.3; }
.who .sub .via { flex: none; display: inline-flex; align-items: center; gap: 4px; color: var(--text); }
.timeline .row.mail-row { display: block; margin-top: 12px; }
.mail { border: 1px solid var(--border); border-radius: var(--ed-radius-lg); background: var(--surface); box-shadow: var(--ed-shadow-sm); }
.mail.out { background: color-mix(in srgb, var(--accent-soft) 55%, var(--surface)); border-color: color-mix(in srgb, var(--accent) 22%, var(--border)); }
.mail.undelivered { border-color: color-mix(in srgb, var(--danger) 45%, var(--border)); }
.mail-head { display: flex; align-items: flex-start; gap: 10px; padding: 10px 14px 0; }
.mail-head .avatar { margin-top: 2px; }
.mail-who { flex: 1; min-width: 0; }
.mail-from { margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: var(--ed-text-sm); }
.mail-from .addr { color: var(--muted); }
.mail-to { display: inline-flex; align-items: center; gap: 2px; max-width: 100%; margin: 1px 0 0 -4px; padding: 1px 4px; border: 0; border-radius: var(--ed-radius-sm);
  background: none; color: var(--muted); font-size: var(--ed-text-xs); text-align: left; cursor: pointer; }
.mail-to:hover { background: var(--hover); color: var(--text); }
.mail-to:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.mail-to-text { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.mail-to .chev { flex: none; transition: transform var(--ed-duration-fast); }
.mail-to[aria-expanded=true] .chev { transform: rotate(180deg); }
.mail-flags { display: flex; align-items: center; gap: 8px; flex: none; color: var(--muted); font-size: var(--ed-text-xs); padding-top: 1px; }
.badge.auto { background: var(--ed-color-info-soft); color: var(--ed-color-info-text); }
.badge.unverified { background: var(--danger-soft); color: var(--danger-text); cursor: help; }
.verified { display: inline-flex; color: var(--ok-text); cursor: help; }
.mail-headers { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 12px; margin: 8px 14px 0 48px; padding: 8px 10px;
  border-radius: var(--ed-radius-md); background: var(--subtle); font-size: var(--ed-text-xs); }
.mail-headers dt { color: var(--muted); }
.mail-headers dd { margin: 0; overflow-wrap: anywhere; }
.mail-headers .mono { font-family: var(--mono); }
.mail-body { padding: 8px 14px 10px 48px; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.55; }
.mail-body mark { background: var(--danger-soft); color: var(--danger-text); border-radius: 3px; padding: 0 2px; }
.quote-toggle { display: inline-grid; place-items: center; height: 18px; margin: -4px 0 10px 48px; padding: 0 8px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-sm); background: var(--subtle); color: var(--muted); font-size: 9px; letter-spacing: 1px; line-height: 1; cursor: pointer; }
.quote-toggle:hover { background: var(--hover); color: var(--text); }
.quote-toggle:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--focus); border-color: var(--accent); }
.quote-toggle[aria-expanded=true] { margin-bottom: 6px; }
.mail-quoted { margin: 0 14px 12px 48px; padding: 2px 0 2px 12px; border-left: 3px solid var(--border-strong); color: var(--muted);
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.5; font-size: var(--ed-text-sm); }
.mail .reading { margin: -4px 14px 10px 48px; color: var(--muted); }
.delivery { display: flex; align-items: center; justify-content: flex-end; gap: 5px; margin: -2px 0 0; padding: 0 14px 10px; color: var(--muted);
  font-size: var(--ed-text-xs); font-weight: var(--ed-weight-medium); }
/* the accent marks the last state a channel reports: a mail's Sent, a chat's Read */
.delivery.sent { color: var(--accent-text); }
.delivery.deferred { color: var(--warn-text); }
.delivery.failed { justify-content: flex-start; margin: 0 14px 10px 48px; padding: 6px 10px; border-radius: var(--ed-radius-md);
  background: var(--danger-soft); color: var(--danger-text); }
.reply-by { display: inline-flex; align-items: center; gap: 5px; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.reply-by strong { color: var(--text); font-weight: var(--ed-weight-semibold); }
.composer-top .hint { min-width: 0; overflow: hidden; }
.recipients { display: flex; flex-direction: column; margin: 6px 0 0; border-top: 1px solid var(--border); border-bottom: 1px solid var(--border); }
.rcpt + .rcpt { border-top: 1px solid var(--border); }
.rcpt-row { display: flex; align-items: center; gap: 8px; min-height: 36px; padding: 3px 8px 3px 12px; }
.rcpt-label { flex: none; width: 22px; color: var(--muted); font-size: var(--ed-text-sm); }
.rcpt-chips { flex: 1; min-width: 0; display: flex; flex-wrap: wrap; align-items: center; gap: 4px; margin: 0; padding: 0; list-style: none; }
.rcpt-chip { display: inline-flex; align-items: center; gap: 2px; max-width: 280px; height: 24px; padding: 0 2px 0 8px; border-radius: var(--ed-radius-full);
  background: var(--subtle); border: 1px solid var(--border); font-size: var(--ed-text-sm); }
.rcpt-chip > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.rcpt-chip button { display: inline-grid; place-items: center; width: 20px; height: 20px; border: 0; border-radius: 50%; background: none; color: var(--muted); cursor: pointer; }
.rcpt-chip button:hover { background: var(--hover); color: var(--text); }
.rcpt-chip button:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.rcpt-add { flex: 1; min-width: 160px; }
.rcpt-input { width: 100%; height: 26px; padding: 0 4px; border: 0; border-radius: var(--ed-radius-sm); background: transparent; color: var(--text); font: inherit; font-size: var(--ed-text-sm); }
.rcpt-input:focus { outline: none; box-shadow: 0 0 0 2px var(--focus); }
.rcpt-input::placeholder { color: var(--muted); opacity: 1; }
.rcpt.invalid .rcpt-input { box-shadow: inset 0 -2px 0 var(--danger); }
.rcpt-actions { display: flex; align-items: center; gap: 2px; flex: none; }
.rcpt-actions .btn { height: 26px; padding: 0 8px; }
.rcpt-actions .btn[aria-pressed=true] { background: var(--accent-soft); color: var(--accent-text); }
.rcpt-error { display: flex; align-items: center; gap: 6px; margin: 0; padding: 0 12px 6px 42px; color: var(--danger-text); font-size: var(--ed-text-xs); }
/* Channels (channel-ui.tsx): the channel's icon on the customer's avatar, a
   social customer's platform profile, the reply window, replies' ticks */
.channel-avatar { position: relative; flex: none; display: inline-grid; align-self: flex-start; }
.conv .channel-avatar { order: -1; margin-right: 3px; }
.who .channel-avatar { margin-right: 3px; }
.channel-badge { position: absolute; right: -7px; bottom: -6px; display: grid; place-items: center; width: 18px; height: 18px; border-radius: 50%;
  background: var(--surface); color: var(--text); box-shadow: 0 0 0 2px var(--surface), inset 0 0 0 1px var(--border-strong); }
.channel-avatar.lg .channel-badge { right: -5px; bottom: -4px; width: 22px; height: 22px; }
.conv:hover .channel-badge { box-shadow: 0 0 0 2px var(--subtle), inset 0 0 0 1px var(--border-strong); }
.conv[aria-current=true] .channel-badge { box-shadow: 0 0 0 2px var(--selected), inset 0 0 0 1px var(--border-strong); }
.who .sub .via.platform { font-weight: var(--ed-weight-medium); }
.platform-profile { display: flex; align-items: center; gap: 10px; margin: 0 16px 14px; padding: 10px 10px 10px 12px; border: 1px solid var(--border);
  border-radius: var(--ed-radius-lg); background: var(--subtle); }
.platform-mark { flex: none; display: grid; place-items: center; width: 34px; height: 34px; border-radius: var(--ed-radius-md); background: var(--surface);
  color: var(--text); box-shadow: inset 0 0 0 1px var(--border); }
.platform-text { flex: 1; min-width: 0; }
.platform-name { margin: 0; font-size: var(--ed-text-sm); font-weight: var(--ed-weight-semibold); }
.platform-handle { margin: 1px 0 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--text); font-size: var(--ed-text-sm);
  font-variant-numeric: tabular-nums; user-select: all; }
.platform-handle.none { color: var(--muted); user-select: auto; }
.platform-open { flex: none; gap: 4px; text-decoration: none; }
.reply-window { display: flex; align-items: center; gap: 8px; max-width: 952px; margin: 0 auto 8px; padding: 6px 12px; border-radius: var(--ed-radius-md);
  border: 1px solid var(--border); background: var(--surface); color: var(--muted); font-size: var(--ed-text-sm); }
.reply-window .icon { flex: none; }
.reply-window.open .icon { color: var(--ok-text); }
.reply-window.closing { border-color: var(--warn-border); background: var(--warn-soft); color: var(--warn-text); font-weight: var(--ed-weight-medium); }
.reply-window.closed { border-color: var(--border-strong); background: var(--subtle); color: var(--text); }
.reply-window.closed .icon { color: var(--muted); }
.chat-delivery { display: inline-flex; align-items: center; gap: 4px; margin: 3px 4px 0; color: var(--muted); font-size: var(--ed-text-xs); }
.chat-delivery.read { color: var(--accent-text); font-weight: var(--ed-weight-medium); }
.chat-delivery.deferred { color: var(--warn-text); }
.chat-delivery.failed { flex-direction: column; align-items: flex-end; margin-right: 0; }
.chat-delivery-why { display: inline-flex; align-items: center; gap: 4px; padding: 1px 4px; border: 0; border-radius: var(--ed-radius-sm); background: none;
  color: var(--danger-text); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); cursor: pointer; }
.chat-delivery-why:hover { background: var(--danger-soft); }
.chat-delivery-why:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.chat-delivery-why .chev { transition: transform var(--ed-duration-fast); }
.chat-delivery-why[aria-expanded=true] .chev { transform: rotate(180deg); }
.chat-delivery-detail { max-width: 420px; margin: 4px 0 0; padding: 6px 10px; border-radius: var(--ed-radius-md); background: var(--danger-soft);
  color: var(--danger-text); font-size: var(--ed-text-xs); line-height: 1.45; text-align: left; }
.row.agent .msg.undelivered { box-shadow: 0 0 0 2px color-mix(in srgb, var(--danger) 55%, transparent); }
.send-refused { display: flex; align-items: flex-start; gap: 8px; max-width: 952px; margin: 8px auto 0; padding: 8px 12px; border-radius: var(--ed-radius-md);
  border: 1px solid color-mix(in srgb, var(--danger) 40%, var(--border)); background: var(--danger-soft); color: var(--danger-text); font-size: var(--ed-text-sm); }
.send-refused .icon { flex: none; margin-top: 2px; }
/* WhatsApp templates (template-ui.tsx): the reply box's Template button,
   the closed window's call to action, the template composer above the box,
   and a template reply's card in its bubble */
.composer-bar .template-btn { gap: 5px; color: var(--muted); }
.composer-bar .template-btn:hover, .composer-bar .template-btn[aria-expanded=true] { color: var(--text); }
.composer-bar .template-btn[aria-expanded=true] { background: var(--hover); }
.reply-window.has-action { padding: 4px 4px 4px 12px; }
.reply-window.has-action > span { flex: 1; min-width: 0; }
.reply-window .window-action { flex: none; }
.reply-window .window-action .icon { color: inherit; }
.tpl-panel { position: absolute; z-index: 20; left: 16px; right: 16px; bottom: calc(100% + 6px); max-width: 952px; margin: 0 auto;
  display: flex; flex-direction: column; border: 1px solid var(--border-strong); border-radius: var(--ed-radius-xl); background: var(--raised);
  color: var(--text); box-shadow: var(--ed-shadow-lg); animation: pop var(--ed-duration-fast) ease-out; }
.tpl-top { display: flex; align-items: center; gap: 12px; padding: 12px 10px 12px 16px; border-bottom: 1px solid var(--border); }
.tpl-mark { flex: none; display: grid; place-items: center; width: 34px; height: 34px; border-radius: var(--ed-radius-md); background: var(--subtle);
  color: var(--text); box-shadow: inset 0 0 0 1px var(--border); }
.tpl-heading { flex: 1; min-width: 0; }
.tpl-heading h2 { margin: 0; font-size: var(--ed-text-md); font-weight: var(--ed-weight-semibold); }
.tpl-heading p { margin: 2px 0 0; color: var(--muted); font-size: var(--ed-text-sm); }
.tpl-section { flex: none; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); text-transform: uppercase; letter-spacing: .04em; }
.tpl-recent { display: flex; align-items: center; gap: 12px; min-height: 46px; padding: 8px 16px; border-bottom: 1px solid var(--border); background: var(--subtle); }
.tpl-recent-none { color: var(--muted); font-size: var(--ed-text-sm); }
.tpl-chips { display: flex; flex-wrap: wrap; gap: 6px; min-width: 0; }
.tpl-chip { display: inline-flex; align-items: center; gap: 6px; max-width: 280px; height: 28px; padding: 0 6px 0 9px; border: 1px solid var(--border-strong);
  border-radius: var(--ed-radius-full); background: var(--surface); color: var(--text); font-size: var(--ed-text-sm); cursor: pointer;
  transition: background var(--ed-duration-fast), border-color var(--ed-duration-fast); }
.tpl-chip:hover:not(:disabled) { border-color: var(--accent); background: var(--accent-soft); }
.tpl-chip:focus-visible { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.tpl-chip:disabled { opacity: .55; cursor: default; }
.tpl-chip .icon { color: var(--muted); }
.tpl-chip-name { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: var(--mono); font-size: 12px; }
.tpl-chip-lang { flex: none; padding: 0 6px; border-radius: var(--ed-radius-full); background: var(--subtle); color: var(--muted); font-size: var(--ed-text-xs);
  font-weight: var(--ed-weight-semibold); line-height: 18px; }
.tpl-body { display: grid; grid-template-columns: minmax(0, 1fr) minmax(230px, 40%); }
.tpl-form { display: flex; flex-direction: column; gap: 16px; min-width: 0; padding: 14px 16px 16px; }
.tpl-field { display: flex; flex-direction: column; gap: 6px; min-width: 0; }
.tpl-label { font-size: var(--ed-text-sm); font-weight: var(--ed-weight-semibold); }
.tpl-form .input { height: 32px; }
.tpl-name-input, .tpl-combo .tpl-input { font-family: var(--mono); font-size: 13px; }
.tpl-hint { margin: 0; color: var(--muted); font-size: var(--ed-text-xs); line-height: 1.45; }
.tpl-error { display: flex; flex-wrap: wrap; align-items: center; gap: 5px; margin: 0; color: var(--danger-text); font-size: var(--ed-text-xs); line-height: 1.45; }
.tpl-error .icon { flex: none; }
.tpl-fix { height: 20px; padding: 0 7px; border: 0; border-radius: var(--ed-radius-full); background: var(--accent-soft); color: var(--accent-text);
  font: var(--ed-weight-semibold) 11px/20px var(--mono); cursor: pointer; }
.tpl-fix:hover { text-decoration: underline; }
.tpl-fix:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.tpl-lang-field { position: relative; }
.tpl-combo { display: flex; align-items: center; height: 32px; border: 1px solid var(--border-strong); border-radius: var(--ed-radius-md); background: var(--surface); }
.tpl-combo:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus); }
.tpl-combo.invalid { border-color: var(--danger); }
.tpl-combo-icon { margin-left: 10px; color: var(--muted); }
.tpl-combo .tpl-input { flex: 1; min-width: 0; height: 100%; padding: 0 8px; border: 0; background: transparent; color: var(--text); }
.tpl-combo .tpl-input:focus { outline: none; }
.tpl-combo .tpl-input::placeholder { color: var(--muted); opacity: 1; }
.tpl-combo-name { flex: none; max-width: 55%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 2px; color: var(--muted);
  font-size: var(--ed-text-sm); pointer-events: none; }
.tpl-combo-toggle { flex: none; display: grid; place-items: center; width: 30px; height: 100%; border: 0; border-radius: 0 var(--ed-radius-md) var(--ed-radius-md) 0;
  background: none; color: var(--muted); cursor: pointer; }
.tpl-combo-toggle:hover:not(:disabled) { background: var(--hover); color: var(--text); }
.tpl-lang-field.open .tpl-combo-toggle .icon { transform: rotate(180deg); }
.tpl-options { position: absolute; z-index: 30; left: 0; right: 0; top: calc(100% + 4px); max-height: 236px; overflow-y: auto; margin: 0; padding: 4px;
  list-style: none; border: 1px solid var(--border); border-radius: var(--ed-radius-lg); background: var(--raised); box-shadow: var(--ed-shadow-md); }
.tpl-options [role=option] { display: flex; align-items: center; gap: 10px; min-height: 32px; padding: 5px 8px; border-radius: var(--ed-radius-md); cursor: pointer; }
.tpl-options .active { background: var(--hover); }
.tpl-options [aria-selected=true] .code { color: var(--accent-text); }
.tpl-options .code { flex: none; width: 50px; font-family: var(--mono); font-size: 12px; font-weight: var(--ed-weight-semibold); }
.tpl-options .lname { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: var(--ed-text-sm); }
.tpl-options .tick { margin-left: auto; color: var(--accent-text); }
.tpl-options-none { padding: 8px; color: var(--muted); font-size: var(--ed-text-sm); }
.tpl-params-head { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
.tpl-count { color: var(--muted); font-size: var(--ed-text-xs); font-variant-numeric: tabular-nums; }
.tpl-param-rows { display: flex; flex-direction: column; gap: 6px; max-height: 214px; overflow-y: auto; margin: -3px; padding: 3px; list-style: none; }
.tpl-param-row { display: grid; grid-template-columns: 44px minmax(0, 1fr) 28px; align-items: center; gap: 6px; }
.tpl-var { height: 22px; border-radius: var(--ed-radius-sm); background: var(--accent-soft); color: var(--accent-text); font: var(--ed-weight-semibold) 12px/22px var(--mono);
  text-align: center; }
.tpl-param-row .btn { color: var(--muted); }
.tpl-param-row .btn:hover:not(:disabled) { color: var(--danger-text); }
.tpl-param-row .tpl-error { grid-column: 2 / -1; }
.tpl-add { align-self: flex-start; margin-left: -8px; color: var(--accent-text); }
.tpl-add:disabled { color: var(--muted); }
.tpl-preview { display: flex; flex-direction: column; gap: 8px; min-width: 0; padding: 14px 16px 16px; border-left: 1px solid var(--border); background: var(--bg); }
.tpl-preview-chat { display: flex; flex-direction: column; align-items: flex-end; padding: 6px 0 2px; }
.tpl-preview .msg { max-width: 100%; }
.tpl-preview-line { margin: 4px 0 0; color: var(--muted); font-size: var(--ed-text-xs); line-height: 1.5; overflow-wrap: anywhere; }
.tpl-preview-line q { color: var(--text); font-family: var(--mono); font-size: 11.5px; }
.tpl-foot { display: flex; flex-direction: column; gap: 10px; padding: 10px 12px 12px 16px; border-top: 1px solid var(--border); }
.tpl-refused { display: flex; align-items: flex-start; gap: 8px; margin: 0; padding: 8px 12px; border-radius: var(--ed-radius-md);
  border: 1px solid color-mix(in srgb, var(--danger) 40%, var(--border)); background: var(--danger-soft); color: var(--danger-text); font-size: var(--ed-text-sm); line-height: 1.45; }
.tpl-refused .icon { flex: none; margin-top: 2px; }
.tpl-actions { display: flex; align-items: center; justify-content: flex-end; gap: 8px; }
.tpl-keys { margin-right: auto; color: var(--muted); font-size: var(--ed-text-xs); white-space: nowrap; }
.tpl-keys kbd { height: 18px; min-width: 18px; font-size: 10px; }
.tpl-send .spinner { width: 12px; height: 12px; }
@media (max-width: 1279px) { .tpl-keys { display: none; } }
/* a short window: the panel gives up its lede and the name's hint, so that it stays under the conversation's header */
@media (max-height: 820px) { .tpl-heading p, #tpl-name-hint { display: none; } .tpl-top { padding-top: 10px; padding-bottom: 10px; } .tpl-form { gap: 12px; } }
.msg.tpl-msg { min-width: 0; }
.tpl-card { display: flex; flex-direction: column; gap: 6px; white-space: normal; }
.tpl-head { display: grid; grid-template-columns: max-content max-content; justify-content: start; align-items: center; gap: 4px 6px; }
.tpl-head .tpl-name { grid-column: 1 / -1; grid-row: 2; }
.tpl-tag { display: inline-flex; align-items: center; gap: 4px; height: 18px; padding: 0 6px; border-radius: var(--ed-radius-sm);
  background: rgba(0, 0, 0, .2); font-size: 10.5px; font-weight: var(--ed-weight-semibold); letter-spacing: .05em; text-transform: uppercase; }
.tpl-name { min-width: 0; font-family: var(--mono); font-size: 13px; font-weight: var(--ed-weight-semibold); overflow-wrap: anywhere; }
.tpl-lang { padding: 0 5px; border-radius: var(--ed-radius-sm); box-shadow: inset 0 0 0 1px color-mix(in srgb, currentColor 55%, transparent);
  font-family: var(--mono); font-size: 11px; line-height: 17px; }
.tpl-own { white-space: pre-wrap; overflow-wrap: anywhere; }
.tpl-params { display: flex; flex-wrap: wrap; gap: 4px; }
.tpl-param { display: inline-flex; align-items: center; gap: 5px; max-width: 100%; min-height: 22px; padding: 1px 9px 1px 3px; border-radius: var(--ed-radius-full);
  background: rgba(0, 0, 0, .18); overflow-wrap: anywhere; }
.tpl-ix { flex: none; display: inline-grid; place-items: center; min-width: 16px; height: 16px; border-radius: 50%; background: var(--ed-color-on-bubble-agent);
  color: var(--ed-color-bubble-agent); font-size: 10px; font-weight: var(--ed-weight-semibold); }
.tpl-name.empty, .tpl-lang.empty, .tpl-param.empty { font-style: italic; font-weight: var(--ed-weight-regular); }
.tpl-param.empty { background: none; box-shadow: inset 0 0 0 1px color-mix(in srgb, currentColor 45%, transparent); }
`;
