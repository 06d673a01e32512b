// The agent's profile menu (availability, theme, how new conversations are
// announced, the keyboard shortcuts, sign out) and the shortcuts overlay.

import type { Agent, Presence } from "../protocol.gen";
import { agentName } from "./people";
import { Prefs, ThemePref } from "./prefs";
import { Shortcuts } from "./shortcuts";
import { Icon } from "./icons";
import { Avatar, Dialog, Menu, MenuItem } from "./ui";

export function ProfileMenu({ me, team, presence, onPresence, prefs, onPrefs, onHelp, onSignOut }: {
  me: string; team: Map<string, Agent>; presence: string; onPresence: (p: Presence) => void; prefs: Prefs; onPrefs: (p: Prefs) => void;
  onHelp: () => void; onSignOut: () => void;
}) {
  const name = agentName(me, team);
  const email = team.get(me)?.email ?? "";
  const setDesktop = (on: boolean) => {
    onPrefs({ ...prefs, desktop: on });
    if (on && "Notification" in window && Notification.permission === "default") void Notification.requestPermission();
  };
  return (
    <Menu label="Profile and settings" title={`${name} (${presence})`} buttonClass="rail-btn profile" placement="right-end"
      button={<Avatar id={me} name={name} presence={presence} />}>
      {(close) => {
        const desktopBlocked = "Notification" in window && Notification.permission === "denied";
        return <>
          <div className="menu-head">
            <Avatar id={me} name={name} presence={presence} />
            <div><strong>{name}</strong><span>{email}</span></div>
          </div>
          <hr />
          <div className="menu-label">Availability</div>
          {(["online", "away"] as Presence[]).map((p) => (
            <MenuItem key={p} kind="radio" checked={presence === p} onSelect={() => { onPresence(p); close(); }}>
              <span className={`presence ${p}`}>{p === "online" ? "Online" : "Away"}</span>
            </MenuItem>
          ))}
          <hr />
          <div className="menu-label">Theme</div>
          {([["system", "System", "system"], ["light", "Light", "sun"], ["dark", "Dark", "moon"]] as const).map(([t, label, icon]) => (
            <MenuItem key={t} kind="radio" icon={icon} checked={prefs.theme === t} onSelect={() => onPrefs({ ...prefs, theme: t as ThemePref })}>{label}</MenuItem>
          ))}
          <hr />
          <div className="menu-label">New conversations</div>
          <MenuItem kind="checkbox" icon="sound" checked={prefs.sound} onSelect={() => onPrefs({ ...prefs, sound: !prefs.sound })}>Play a sound</MenuItem>
          <MenuItem kind="checkbox" icon="bell" checked={prefs.desktop && !desktopBlocked} onSelect={() => setDesktop(!prefs.desktop)}
            hint={desktopBlocked ? "blocked" : undefined}>Desktop notification</MenuItem>
          <hr />
          <MenuItem icon="keyboard" hint={<kbd>?</kbd>} onSelect={() => { close(false); onHelp(); }}>Keyboard shortcuts</MenuItem>
          <MenuItem icon="signOut" onSelect={() => { close(false); onSignOut(); }}>Sign out</MenuItem>
        </>;
      }}
    </Menu>
  );
}

export function HelpDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog label="help-title" onClose={onClose}>
      <div className="dialog-head">
        <div>
          <h2 id="help-title">Keyboard shortcuts</h2>
          <p>They work anywhere but in a text field; Escape leaves one.</p>
        </div>
        <button type="button" className="btn sm ghost icon-only" aria-label="Close" onClick={onClose} autoFocus><Icon name="close" /></button>
      </div>
      <div className="dialog-body">
        <table className="shortcuts">
          <tbody>
            {Shortcuts.map((s) => (
              <tr key={s.action}>
                <td>{s.keys.map((k) => <kbd key={k}>{k}</kbd>)}</td>
                <td>{s.what}</td>
              </tr>
            ))}
            <tr><td><kbd>Enter</kbd></td><td>Send the reply (<kbd>Shift</kbd>+<kbd>Enter</kbd>: a new line)</td></tr>
            <tr><td><kbd>↑</kbd> <kbd>↓</kbd></td><td>Move in menus and canned responses</td></tr>
          </tbody>
        </table>
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}
