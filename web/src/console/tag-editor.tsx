// The open conversation's tags in its header: each a chip with a remove
// button, and "Add tag", a small popover where the agent types a tag (or
// picks one the loaded conversations have) and presses Enter. The edge
// judges the tag: its refusal is said in a toast, and the typed text stays
// to be fixed.

import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { Icon } from "./icons";
import { normalTag, suggest } from "./tags";
import { usePopover } from "./ui";

export function TagEditor({ tags, known, onChange }: {
  tags: string[]; known: string[];
  onChange: (add: string[], remove: string[]) => Promise<boolean>; // resolves true when the edge took it
}) {
  const p = usePopover("bottom-start");
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  const [active, setActive] = useState(-1); // a suggestion's index, -1 for what is typed
  const [busy, setBusy] = useState(false);
  const id = useRef("tags" + Math.random().toString(36).slice(2, 8)).current;
  const list = suggest(known, text, tags);
  useEffect(() => {
    // the panel is hidden until placed, and a hidden field takes no focus
    if (p.open && p.pos.visibility !== "hidden") input.current?.focus();
    else if (!p.open) {
      setText("");
      setActive(-1);
    }
  }, [p.open, p.pos]);
  useEffect(() => setActive(-1), [text]);
  const add = async (typed: string) => {
    const t = normalTag(typed);
    if (!t || busy) return;
    if (tags.includes(t)) {
      p.close();
      return;
    }
    setBusy(true);
    const ok = await onChange([t], []);
    setBusy(false);
    if (ok) p.close();
    else input.current?.focus();
  };
  const key = (ev: React.KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!list.length) return;
      const n = list.length + 1; // the suggestions and what is typed
      setActive((a) => ((a + 1 + (ev.key === "ArrowDown" ? 1 : -1) + n) % n) - 1);
    } else if (ev.key === "Enter" && !ev.nativeEvent.isComposing) {
      ev.preventDefault();
      void add(active >= 0 && list[active] ? list[active] : text);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      p.close();
    } else if (ev.key === "Tab") {
      p.close(false);
    }
  };
  const remove = async (t: string) => {
    p.trigger.current?.focus(); // the chip's button goes with it
    await onChange([], [t]);
  };
  return (
    <div className="conv-tag-list" role="group" aria-label="Tags">
      {tags.map((t) => (
        <span key={t} className="chip tag-chip">
          <Icon name="tag" size={11} />
          <span className="tag-name">{t}</span>
          <button type="button" aria-label={`Remove tag ${t}`} title={`Remove tag ${t}`} onClick={() => void remove(t)}>
            <Icon name="close" size={11} />
          </button>
        </span>
      ))}
      <button ref={p.trigger} type="button" className="btn sm ghost add-tag" aria-haspopup="dialog" aria-expanded={p.open}
        onClick={() => p.setOpen((o) => !o)}>
        <Icon name="plus" size={14} />Add tag
      </button>
      {p.open && createPortal(
        <div ref={p.panel} className="popover tag-popover" role="dialog" aria-label="Add a tag" style={p.pos}>
          <input ref={input} className="input tag-input" type="text" role="combobox" aria-label="Tag" placeholder="Type a tag…"
            aria-autocomplete="list" aria-expanded={list.length > 0} aria-controls={list.length ? `${id}-list` : undefined}
            aria-activedescendant={active >= 0 ? `${id}-${active}` : undefined} aria-busy={busy || undefined}
            autoComplete="off" spellCheck={false} maxLength={80} value={text}
            onChange={(e) => setText(e.currentTarget.value)} onKeyDown={key} />
          {list.length > 0 && (
            <div id={`${id}-list`} role="listbox" aria-label="Suggested tags" className="tag-suggestions">
              {list.map((t, i) => (
                <div key={t} id={`${id}-${i}`} role="option" aria-selected={i === active} className={i === active ? "active" : undefined}
                  onMouseDown={(e) => e.preventDefault()} onClick={() => void add(t)}>
                  <Icon name="tag" size={14} /><span>{t}</span>
                </div>
              ))}
            </div>
          )}
          <p className="tag-hint">{busy ? "Adding…" : <><kbd>Enter</kbd> adds it · letters, digits, - _ .</>}</p>
        </div>,
        document.body,
      )}
    </div>
  );
}
