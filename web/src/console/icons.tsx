// The console's icons: Lucide's (the lucide package, ISC), drawn as
// inline SVG from its icon data, and the messaging platforms' glyphs drawn
// in the same manner (glyphs.ts). Only the icons imported here end up in
// the bundle.

import { createElement } from "react";
import type { IconNode } from "lucide";
import {
  AlarmClock, ArrowDown, ArrowDownUp, ArrowUp, AtSign, Bell, Bot, CalendarClock, Check, ChevronDown, ChevronRight, CircleCheck, CircleDot, CircleHelp, CirclePause, Clock, Copy,
  Download, Ellipsis, FileText, Flag, Globe, Hash, Inbox, Info, Keyboard, KeyRound, Languages, Layers, LoaderCircle, Lock, LogOut, Mail,
  MessageSquareText, MessagesSquare, Monitor, Moon, PanelRight, Paperclip, Pencil, Phone, Plus, ReplyAll, RotateCcw, Route, Search, SendHorizontal,
  ShieldAlert, ShieldCheck, Sparkles, Star, StickyNote, Sun, Tag, Trash2, TriangleAlert, UserRound, UserRoundCheck, UserRoundPlus, Volume2, WandSparkles, WifiOff, X, Zap,
  ArrowUpRight, CalendarDays, CaseSensitive, ChevronLeft, ChevronsUpDown, ClipboardList, GitMerge, Link, ListChecks, Split, SquareCheck, TextSearch, Unlink, Users,
  CalendarX, CircleDotDashed, ListFilter, Timer, Webhook, RotateCcwKey, Puzzle, RefreshCw, CheckCheck, CodeXml, LayoutTemplate, History,
} from "lucide";
import { TelegramGlyph, WeChatGlyph, WeComGlyph, WhatsAppGlyph, XGlyph } from "./glyphs";

export const icons = {
  alarm: AlarmClock, down: ArrowDown, sort: ArrowDownUp, up: ArrowUp, automation: Zap, macro: WandSparkles, at: AtSign, bell: Bell, bot: Bot, calendar: CalendarClock, check: Check, chevronDown: ChevronDown,
  chevronRight: ChevronRight, resolve: CircleCheck, dot: CircleDot, help: CircleHelp, pause: CirclePause, clock: Clock, copy: Copy, download: Download, more: Ellipsis,
  file: FileText, flag: Flag, globe: Globe, hash: Hash, inbox: Inbox, info: Info, keyboard: Keyboard, key: KeyRound, language: Languages,
  inboxes: Layers, spinner: LoaderCircle, lock: Lock, signOut: LogOut, mail: Mail, canned: MessageSquareText, conversations: MessagesSquare,
  system: Monitor, moon: Moon, panel: PanelRight, clip: Paperclip, edit: Pencil, phone: Phone, plus: Plus, reopen: RotateCcw,
  replyAll: ReplyAll, route: Route, search: Search, send: SendHorizontal, unverified: ShieldAlert, verified: ShieldCheck, nlp: Sparkles, star: Star, note: StickyNote, sun: Sun, tag: Tag, trash: Trash2,
  alert: TriangleAlert, user: UserRound, assigned: UserRoundCheck, assign: UserRoundPlus, sound: Volume2, offline: WifiOff, close: X,
  team: Users, link: Link, unlink: Unlink, merge: GitMerge, split: Split, date: CalendarDays, chevronLeft: ChevronLeft, fields: ClipboardList,
  kindText: CaseSensitive, kindDropdown: ChevronsUpDown, kindCheckbox: SquareCheck, options: ListChecks, openIn: ArrowUpRight, find: TextSearch,
  views: ListFilter, statuses: CircleDotDashed, sla: Timer, holiday: CalendarX,
  webhook: Webhook, rotateKey: RotateCcwKey, plugin: Puzzle, refresh: RefreshCw, checks: CheckCheck, template: LayoutTemplate, history: History,
  // the channels (channels.ts): the web, the API, and the messaging platforms
  web: Globe, api: CodeXml, whatsapp: WhatsAppGlyph, wechat: WeChatGlyph, wecom: WeComGlyph, telegram: TelegramGlyph, x: XGlyph,
} satisfies Record<string, IconNode>;

export type IconName = keyof typeof icons;

// Icon draws one icon, hidden from assistive technology: the control it
// sits in carries the words. With label it is an image of that name
// instead (role img, and a title for the pointer), for an icon that says
// something no text beside it does.
export function Icon({ name, size = 16, className, fill, label }: { name: IconName; size?: number; className?: string; fill?: boolean; label?: string }) {
  return (
    <svg className={className ? `icon ${className}` : "icon"} width={size} height={size} viewBox="0 0 24 24" focusable="false"
      {...(label ? { role: "img", "aria-label": label } : { "aria-hidden": true })}
      fill={fill ? "currentColor" : "none"} stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round">
      {label && <title>{label}</title>}
      {icons[name].map(([tag, attrs], i) => createElement(tag, { key: i, ...attrs }))}
    </svg>
  );
}
