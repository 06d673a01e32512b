// The console's style for teams, fields, links, merges, splits, search,
// views and custom statuses: the header's team picker and More menu, the
// refusal beside Solve, the merge banner, the split action on a message
// and a search hit's highlight in the timeline; the side panel's fields
// and linked conversations; the link and merge dialogs; the Teams, Fields
// and Search pages; the list's views menu and a custom status in a row
// and the status picker. The Views, Statuses and SLA pages bring their
// own style with them. On the design system's tokens (design.ts), light
// and dark.

export const ticketCss = `
.console.screen-search, .console.screen-teams, .console.screen-fields, .console.screen-views, .console.screen-statuses,
.console.screen-sla { grid-template-columns: 60px minmax(0, 1fr); }

/* the list: a row's team, the team filter */
.tag.team-tag { flex: 0 1 auto; min-width: 32px; max-width: 110px; padding: 0 6px; border-radius: var(--ed-radius-full); background: var(--accent-soft);
  color: var(--accent-text); font-weight: var(--ed-weight-medium); overflow: hidden; }
.tag.team-tag .icon { flex: none; }
.tag.team-tag .tag-text { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.tag.merged-tag { color: var(--muted); }
.list-tools .team-filter { flex: none; max-width: 120px; padding: 0 8px; }
.list-tools .team-filter:not(.active) { width: 30px; padding: 0; justify-content: center; }
.list-tools .team-filter:not(.active) .value > span, .list-tools .team-filter:not(.active) .chev { display: none; }
.list-tools .team-filter.active { border-color: var(--accent); background: var(--accent-soft); color: var(--accent-text); }
.list-tools .team-filter.active .chev { display: none; }

/* the header: team, More, the refusal beside Solve */
.conv-props .team-select .icon { color: var(--muted); }
.conv-actions { position: relative; }
.solve-refused { position: absolute; top: calc(100% + 10px); right: 0; z-index: 25; width: 340px; padding: 12px 12px 10px; border: 1px solid color-mix(in srgb, var(--danger) 45%, var(--border));
  border-radius: var(--ed-radius-lg); background: var(--raised); box-shadow: var(--ed-shadow-lg); animation: pop var(--ed-duration-fast) ease-out; }
.solve-refused .arrow { position: absolute; top: -7px; right: 70px; width: 12px; height: 12px; transform: rotate(45deg); background: var(--raised);
  border-left: 1px solid color-mix(in srgb, var(--danger) 45%, var(--border)); border-top: 1px solid color-mix(in srgb, var(--danger) 45%, var(--border)); }
.solve-refused-head { display: flex; align-items: flex-start; gap: 8px; }
.solve-refused-head > .icon { margin-top: 2px; color: var(--danger-text); }
.solve-refused-head p { flex: 1; margin: 0; font-size: var(--ed-text-sm); line-height: 1.45; white-space: normal; }
.solve-refused-head strong { color: var(--danger-text); }
.solve-refused-head .btn { margin: -4px -4px 0 0; }
.solve-refused-fields { margin: 8px 0 0 24px; padding: 6px 8px; border-radius: var(--ed-radius-md); background: var(--danger-soft); color: var(--danger-text);
  font-size: var(--ed-text-sm); font-weight: var(--ed-weight-semibold); white-space: normal; }
.solve-refused-foot { display: flex; justify-content: flex-end; margin-top: 10px; }

/* the merge banner */
.merge-banner { display: flex; align-items: center; gap: 10px; padding: 10px 16px; border-bottom: 1px solid var(--warn-border); background: var(--warn-soft); color: var(--warn-text); }
.merge-banner > .icon { flex: none; }
.merge-banner p { flex: 1; min-width: 0; margin: 0; font-size: var(--ed-text-sm); line-height: 1.5; }
.merge-banner .conv-id { margin-left: 4px; font-size: var(--ed-text-xs); opacity: .85; }
.merge-banner .merge-note { display: block; font-size: var(--ed-text-xs); opacity: .9; }
.merge-banner .conv-ref { color: inherit; font-weight: var(--ed-weight-semibold); }
.merge-banner .badge { vertical-align: 1px; }
.merge-banner.from { border-bottom-color: var(--border); background: var(--ed-color-info-soft); color: var(--ed-color-info-text); }
.conv-ref { display: inline; max-width: 100%; padding: 0; border: 0; background: none; color: var(--accent-text); font: inherit; font-weight: var(--ed-weight-medium);
  text-align: left; text-decoration: underline; text-decoration-color: color-mix(in srgb, currentColor 35%, transparent); text-underline-offset: 2px; cursor: pointer; }
.conv-ref:hover { text-decoration-color: currentColor; }
.conv-ref:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; border-radius: 2px; }
.timeline .event .about { display: inline-flex; align-items: center; gap: 6px; min-width: 0; max-width: min(720px, 90vw); white-space: normal; text-align: center; }
.timeline .event .about .icon { flex: none; }

/* a customer's message: split it off (shown on pointing or focus); a search's hit */
.timeline .row { position: relative; }
.msg-actions { align-self: center; opacity: 0; transition: opacity var(--ed-duration-fast); }
.row:hover .msg-actions, .row:focus-within .msg-actions { opacity: 1; }
.msg-actions .btn { color: var(--muted); background: var(--surface); border-color: var(--border); box-shadow: var(--ed-shadow-sm); }
.msg-actions .btn:hover { color: var(--text); }
.mail-flags .msg-actions { align-self: auto; }
.mail-row:hover .msg-actions, .mail-row:focus-within .msg-actions { opacity: 1; }
@media (hover: none) { .msg-actions { opacity: 1; } }
.row.hit .msg, .row.hit .mail { animation: hit 4s ease-out; box-shadow: 0 0 0 2px var(--accent), 0 0 0 6px var(--focus); }
@keyframes hit { 0%, 70% { box-shadow: 0 0 0 2px var(--accent), 0 0 0 6px var(--focus); } 100% { box-shadow: 0 0 0 0 transparent; } }

/* the side panel: fields */
.panel-section h3 .req-note { margin-left: auto; font-weight: var(--ed-weight-medium); text-transform: none; letter-spacing: 0; }
.req { color: var(--danger-text); font-weight: var(--ed-weight-semibold); margin-left: 2px; }
.req-note > span[aria-hidden] { color: var(--danger-text); }
.pfields { display: flex; flex-direction: column; gap: 10px; padding: 0 16px 16px; }
.pfield { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.pfield-top { display: flex; align-items: center; justify-content: space-between; gap: 8px; min-height: 18px; }
.pfield-label { color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); }
.pfield .input { height: 30px; font-size: var(--ed-text-sm); }
.pfield .select-btn { width: 100%; height: 30px; justify-content: space-between; font-weight: var(--ed-weight-regular); }
.pfield .select-btn.unset .value > span:last-child { color: var(--muted); }
.pfield .switch { font-size: var(--ed-text-sm); }
.pfield-state { display: inline-flex; align-items: center; gap: 4px; color: var(--muted); font-size: var(--ed-text-xs); white-space: nowrap; }
.pfield-state.saved { color: var(--ok-text); }
.pfield .field-error { font-size: var(--ed-text-xs); }
.pfield.missing .input, .pfield.missing .select-btn { border-color: var(--danger); box-shadow: 0 0 0 1px var(--danger); }
.pfield.missing .switch .track { box-shadow: 0 0 0 2px var(--danger); }
.fields-missing { display: flex; align-items: flex-start; gap: 6px; margin: -2px 16px 10px; padding: 6px 8px; border-radius: var(--ed-radius-md);
  background: var(--danger-soft); color: var(--danger-text); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-medium); }
.fields-missing .icon { flex: none; margin-top: 1px; }
.panel-error { padding: 0 16px 16px; color: var(--danger-text); font-size: var(--ed-text-sm); }
.panel-error p { margin: 0 0 8px; }
.fields-section .facts-loading { padding: 0 16px 16px; }

/* the side panel: linked conversations */
.past-badges { display: inline-flex; gap: 4px; min-width: 0; }
.linked-item { display: flex; align-items: center; gap: 2px; }
.linked-item > button:first-child { flex: 1; min-width: 0; }
.linked-item .unlink { flex: none; color: var(--muted); }
.link-kind { color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); }
.linked-text { display: block; min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: var(--muted); font-size: var(--ed-text-sm); }
.linked-text strong { color: var(--text); font-weight: var(--ed-weight-semibold); }

/* the link and merge dialogs */
.link-search { margin-bottom: 12px; }
.pick-list { max-height: min(46vh, 420px); overflow-y: auto; margin: 0 -8px; padding: 0 8px; }
.pick-group + .pick-group { margin-top: 10px; }
.pick-group .menu-label { margin: 0 0 4px; padding: 0 2px; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold);
  text-transform: uppercase; letter-spacing: .04em; }
.picks { display: flex; flex-direction: column; gap: 4px; }
.pick { display: flex; align-items: center; gap: 10px; width: 100%; padding: 8px 10px; border: 1px solid var(--border); border-radius: var(--ed-radius-lg);
  background: var(--surface); color: var(--text); text-align: left; cursor: pointer; }
.pick:hover { background: var(--hover); }
.pick[aria-checked=true] { border-color: var(--accent); background: var(--accent-soft); box-shadow: inset 0 0 0 1px var(--accent); }
.pick:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--focus); border-color: var(--accent); }
.pick-main { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 1px; }
.pick-top { display: flex; align-items: baseline; gap: 8px; }
.pick-top strong { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pick .when { flex: none; color: var(--muted); font-size: var(--ed-text-xs); }
.pick-text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); font-size: var(--ed-text-sm); }
.pick-tick { flex: none; width: 16px; color: var(--accent-text); }
.pick-empty { margin: 8px 0; padding: 14px; border: 1px dashed var(--border-strong); border-radius: var(--ed-radius-lg); color: var(--muted); font-size: var(--ed-text-sm); }
.pick-empty p { margin: 0; }
.pick-empty p + p { margin-top: 6px; }
.pick-loading { display: flex; flex-direction: column; gap: 6px; }
.merge-what { margin: 14px 0 8px; padding: 10px 12px; border-radius: var(--ed-radius-lg); background: var(--warn-soft); color: var(--warn-text); font-size: var(--ed-text-sm); }
.merge-what-title { display: flex; align-items: center; gap: 6px; margin: 0 0 4px; font-weight: var(--ed-weight-semibold); }
.merge-what ul { margin: 0; padding-left: 20px; line-height: 1.5; }
.dialog-body > .notice { margin: 12px 0 0; }

/* Teams */
.team-list { list-style: none; margin: 0; padding: 0; }
.team-list li { display: grid; grid-template-columns: 36px minmax(0, 1fr) auto auto; gap: 14px; align-items: center; padding: 12px 16px 12px 20px; border-bottom: 1px solid var(--border); }
.team-list li:last-child { border-bottom: 0; }
.team-list li.editing { background: var(--selected); }
.team-icon { display: grid; place-items: center; width: 36px; height: 36px; border-radius: var(--ed-radius-lg); background: var(--accent-soft); color: var(--accent-text); }
.team-main { min-width: 0; }
.team-name { display: flex; align-items: center; gap: 8px; margin: 0 0 2px; }
.team-name strong { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.team-members { margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); font-size: var(--ed-text-sm); }
.avatar-stack { display: inline-flex; flex-direction: row; padding-left: 6px; }
.avatar-stack .avatar { margin-left: -6px; box-shadow: 0 0 0 2px var(--surface); }
.avatar-stack .avatar.more { background: var(--subtle); color: var(--muted); }
.team-skeleton { display: flex; align-items: center; gap: 14px; padding: 16px 20px; border-bottom: 1px solid var(--border); }
.team-skeleton .lines { flex: 1; display: flex; flex-direction: column; gap: 8px; }
.members-head { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
.members-head .hint { font-weight: var(--ed-weight-regular); }
.members-head .hint.over { color: var(--danger-text); }
.members-search { margin-bottom: 6px; }
.member-picks { display: flex; flex-direction: column; gap: 2px; max-height: 320px; overflow-y: auto; margin: 0 -4px; padding: 2px 4px; }
.member-pick { padding: 6px 6px; border-radius: var(--ed-radius-md); }
.member-pick:hover { background: var(--hover); }
.member-line { display: flex; align-items: center; gap: 8px; min-width: 0; }
.member-text { display: flex; flex-direction: column; min-width: 0; line-height: 1.3; }
.member-text > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.member-text .hint { font-size: var(--ed-text-xs); }
.team-form h2, .field-editor h2 { display: flex; align-items: center; gap: 8px; }

/* Fields */
.fields-grid { grid-template-columns: minmax(0, 1fr) 380px; }
@media (max-width: 1199px) { .fields-grid { grid-template-columns: minmax(0, 1fr); } }
.card-notice { padding: 12px 16px 0; }
.field-list { list-style: none; margin: 0; padding: 0; }
.field-list li { display: grid; grid-template-columns: 24px 32px minmax(0, 1fr) auto; gap: 12px; align-items: center; padding: 12px 16px 12px 20px; border-bottom: 1px solid var(--border); }
.field-list li:last-child { border-bottom: 0; }
.field-list li.editing { background: var(--selected); }
.field-list li.has-error { background: var(--danger-soft); box-shadow: inset 3px 0 0 var(--danger); }
.field-list .auto-order { display: grid; place-items: center; width: 24px; height: 24px; border-radius: var(--ed-radius-md); background: var(--subtle);
  color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); }
.field-kind { display: grid; place-items: center; width: 32px; height: 32px; border-radius: var(--ed-radius-md); border: 1px solid var(--border); background: var(--surface); color: var(--muted); }
.field-main { min-width: 0; }
.field-name { display: flex; align-items: center; flex-wrap: wrap; gap: 6px; margin: 0 0 2px; }
.badge.required { background: var(--danger-soft); color: var(--danger-text); }
.field-what { margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); font-size: var(--ed-text-sm); }
.field-what code { font-family: var(--mono); font-size: var(--ed-text-xs); padding: 1px 5px; border-radius: var(--ed-radius-sm); background: var(--subtle); color: var(--text); }
.state.compact { padding: 20px 24px 24px; border-top: 1px solid var(--border); }
.field-editor .input.mono { font-family: var(--mono); font-size: var(--ed-text-sm); }
.field-editor .input:disabled { background: var(--subtle); color: var(--muted); }
.field-editor .select-btn { width: 100%; }
.field-editor .switch-field { padding-top: 4px; border-top: 1px solid var(--border); padding-top: 14px; }
.field-editor .switch-text { display: flex; flex-direction: column; gap: 2px; }
.field-editor > .notice { margin-top: 4px; }
.field-editor > .field-error { margin-bottom: 10px; }
.type-options { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 16px; padding: 4px 0; }
.fields-help p { margin: 0 0 10px; line-height: 1.5; }
.options-editor .opt-list { list-style: none; margin: 0 0 6px; padding: 0; display: flex; flex-direction: column; gap: 4px; max-height: 300px; overflow-y: auto; }
.opt-list li { display: flex; align-items: center; gap: 6px; }
.opt-list .opt-n { flex: none; width: 22px; color: var(--muted); font-size: var(--ed-text-xs); text-align: right; font-variant-numeric: tabular-nums; }
.opt-list .input { flex: 1; min-width: 0; height: 30px; font-size: var(--ed-text-sm); }
.opt-list .row-actions .btn { width: 26px; height: 26px; }
.opt-add { display: flex; gap: 6px; }
.opt-add .input { flex: 1; min-width: 0; height: 32px; font-size: var(--ed-text-sm); }
.opt-paste { margin-top: 8px; }
.opt-paste textarea { margin-bottom: 8px; font-size: var(--ed-text-sm); }
.paste-btn { align-self: flex-start; margin-top: 4px; color: var(--accent-text); }

/* Search */
.search-page .settings-inner { max-width: 920px; }
.big-search { position: relative; display: flex; align-items: center; }
.big-search .icon:first-of-type { left: 14px; }
.big-search .input { height: 46px; padding-left: 42px; padding-right: 100px; border-radius: var(--ed-radius-lg); font-size: var(--ed-text-lg); box-shadow: var(--ed-shadow-sm); }
.big-search > .spin { position: absolute; right: 16px; left: auto; color: var(--muted); }
.big-search kbd { right: 12px; height: 22px; padding: 0 6px; }
.big-search .input::-webkit-search-cancel-button, .link-search .input::-webkit-search-cancel-button,
.members-search .input::-webkit-search-cancel-button { -webkit-appearance: none; appearance: none; }
.big-search .clear { position: absolute; right: 62px; color: var(--muted); }
.search-said { min-height: 20px; margin: 10px 2px 10px; color: var(--muted); font-size: var(--ed-text-sm); }
.hits { list-style: none; margin: 0; padding: 0; overflow: hidden; }
.hits.stale { opacity: .6; }
.hits li + li { border-top: 1px solid var(--border); }
.hit { display: flex; align-items: flex-start; gap: 12px; width: 100%; padding: 14px 16px; border: 0; background: var(--surface); color: var(--text); text-align: left; cursor: pointer; }
.hit:hover { background: var(--subtle); }
.hit:focus-visible { outline: none; box-shadow: inset 0 0 0 2px var(--accent); }
.hit-main { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 4px; }
.hit-top { display: flex; align-items: center; gap: 8px; min-width: 0; font-size: var(--ed-text-xs); color: var(--muted); }
.hit-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--text); font-size: var(--ed-text-md); }
.hit-top .tag.assignee { display: inline-flex; align-items: center; gap: 4px; }
.hit-when { margin-left: auto; flex: none; }
.hit-subject { font-weight: var(--ed-weight-semibold); font-size: var(--ed-text-sm); }
.hit-snippet { display: flex; align-items: baseline; gap: 8px; min-width: 0; font-size: var(--ed-text-sm); line-height: 1.5; }
.hit-snippet.note .hit-text { padding: 0 4px; border-radius: var(--ed-radius-sm); background: var(--ed-color-note); color: var(--ed-color-on-note); }
.hit-author { flex: none; display: inline-flex; align-items: center; gap: 3px; color: var(--muted); font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); }
.hit-text { min-width: 0; overflow-wrap: anywhere; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden; }
.hit-text mark, .hits mark { padding: 0 1px; border-radius: 3px; background: var(--ed-color-note); color: var(--ed-color-on-note); font-weight: var(--ed-weight-semibold);
  box-shadow: 0 0 0 1px var(--ed-color-note-border); }
.hit-go { flex: none; align-self: center; color: var(--muted); }
.hits-loading { overflow: hidden; }

/* the list's heading: the view shown and its count, the views menu */
.list-title h1 { flex: 1; min-width: 0; display: flex; }
.view-title { display: inline-flex; align-items: center; gap: 8px; min-width: 0; max-width: 100%; margin: -4px 0 -4px -8px; padding: 4px 6px 4px 8px;
  border: 0; border-radius: var(--ed-radius-md); background: none; color: var(--text); font: inherit; font-weight: inherit; text-align: left; cursor: pointer; }
.view-title:hover, .view-title[aria-expanded=true] { background: var(--hover); }
.view-title:focus-visible { outline: none; box-shadow: 0 0 0 2px var(--accent); }
.view-title .view-name { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.view-total { flex: none; padding: 0 7px; border-radius: var(--ed-radius-full); background: var(--subtle); color: var(--muted); box-shadow: inset 0 0 0 1px var(--border);
  font-size: var(--ed-text-xs); font-weight: var(--ed-weight-semibold); line-height: 20px; font-variant-numeric: tabular-nums; }
.view-title .chev { flex: none; margin-left: -2px; color: var(--muted); }
.view-summary { min-height: 28px; margin: -6px 0 6px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); font-size: var(--ed-text-xs);
  line-height: 28px; }
.list-filter { display: flex; margin: -6px 0 6px -10px; }
.list-filter .select-btn { max-width: 100%; color: var(--text); }
.popover.views-menu { width: 300px; max-width: 300px; }
.views-menu .menu-label { margin-top: 4px; }
.views-menu .view-item .icon { flex: none; color: var(--muted); }
.views-menu .view-item[aria-checked=true] { background: var(--selected); }
.views-menu .view-item[aria-checked=true] .icon { color: var(--accent-text); }
.views-menu .view-item-name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.view-count { flex: none; min-width: 26px; margin-left: auto; padding: 0 7px; border-radius: var(--ed-radius-full); color: var(--muted); font-size: var(--ed-text-xs);
  font-weight: var(--ed-weight-semibold); line-height: 20px; text-align: center; font-variant-numeric: tabular-nums; }
.view-item[aria-checked=true] .view-count { background: var(--accent); color: var(--on-accent); }
.views-loading { display: flex; align-items: center; gap: 6px; margin: 0; padding: 6px 8px; color: var(--muted); font-size: var(--ed-text-sm); }
.popover .view-manage { color: var(--accent-text); font-weight: var(--ed-weight-medium); }
.state-actions { display: flex; flex-wrap: wrap; justify-content: center; gap: 8px; }

/* custom statuses: a dot of the base's colour, in a row and under its base in the picker */
.status-dot { flex: none; display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: currentColor; }
.status-dot.open { background: var(--ed-color-info-text); }
.status-dot.pending { background: var(--ed-color-warn); }
.status-dot.on_hold { background: var(--muted); }
.status-dot.solved { background: var(--ok-text); }
.status-dot.closed { background: var(--border-strong); }
.popover [role=option].custom-choice { padding-left: 30px; }
.tag.custom-status { flex: 0 0.4 auto; min-width: 64px; max-width: 150px; gap: 4px; font-weight: var(--ed-weight-medium); }
/* a long custom status in the header's line is cut, never under the buttons: the id takes what room is left */
.who .sub { overflow: hidden; }
.who .sub .badge { flex: none; }
.who .sub .badge.status-badge { flex: 0 1 auto; min-width: 64px; max-width: 220px; }
.who .sub .conv-id { flex: 1 1 0; min-width: 0; }
.badge .badge-text { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.tag.custom-status .tag-text { min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.tag.custom-status .until { flex: none; }
`;
