// The contact panel beside the open conversation: who the customer is,
// the conversation's fields (fields-panel.tsx) and linked conversations,
// what routing and the NLP plugin decided about this conversation, and the
// customer's past conversations.

import { ReactNode, useEffect, useState } from "react";
import type { Agent, Contact, FieldDef, Inbox, Team } from "../protocol.gen";
import type { Connection } from "../widget/protocol";
import { Conv, preview, who } from "./inbox";
import { agentName, customerName, ofContact } from "./people";
import { ago, full } from "./timeline";
import { canonical, statusLabel } from "./status";
import { Icon, IconName } from "./icons";
import { Badge } from "./ui";
import { FieldsSection, Save } from "./fields-panel";
import { LinkedSection } from "./links-ui";
import { teamName } from "./teams";
import { channelInfo, profile, ProfileKeys } from "./channels";
import { ChannelAvatar, PlatformProfile } from "./channel-ui";

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// languageName is an ISO 639 code's name in the agent's language ("de" →
// "German"), or the code where the browser knows no name for it.
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames([navigator.language || "en"], { type: "language" }).of(code) ?? code;
  } catch {
    return code; // not a well-formed code
  }
}

const sentimentKind: Record<string, string> = { negative: "urgent", positive: "positive", neutral: "low" };

// Fields is what the panel's Fields section needs: the tenant's fields
// (null while they load, with why when they could not be), saving, and
// what a refused Solve named.
export interface Fields {
  defs: FieldDef[] | null;
  error: string;
  retry: () => void;
  save: Save;
  missing: string[];
  focus: number;
}

export function ContactPanel({ conv, conn, team, inboxes, me, onOpen, onClose, fields, convs, teams, onUnlink }: {
  conv: Conv; conn: Connection; team: Map<string, Agent>; inboxes: Map<string, Inbox>; me: string; onOpen: (id: string) => void; onClose?: () => void;
  fields: Fields; convs: Map<string, Conv>; teams: Team[];
  onUnlink: (id: string) => void;
}) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [past, setPast] = useState<Conv[] | null>(null);
  useEffect(() => {
    let live = true;
    setContact(null);
    setPast(null);
    if (!conv.contact) return;
    void conn.request({ type: "contact", contact: conv.contact }).then((r) => {
      if (!live) return;
      if (r.type !== "contact") {
        setPast([]); // no record of the customer (yet): the conversation's name stays
        return;
      }
      setContact(r.contact ?? null);
      setPast((r.conversations ?? []).filter((c) => c.id !== conv.id));
    });
    return () => {
      live = false;
    };
  }, [conv.id, conv.contact]);
  // the contact record when it came, the conversation's name until then:
  // the same name either way (people.ts)
  const name = contact ? customerName(ofContact(contact)) : who(conv);
  // a social customer's platform profile, from the attributes its channel
  // keeps: shown as the profile, not among the attributes
  const platform = profile(conv.channel, contact);
  const attrs = Object.entries(contact?.attributes ?? {}).filter(([k]) => !platform || !ProfileKeys.includes(k));
  const channel = channelInfo(conv.channel);
  return (
    <aside className="contact" aria-label="Customer">
      <div className="contact-head">
        <ChannelAvatar id={conv.contact ?? conv.id} name={name} size="lg" channel={conv.channel} />
        <div>
          <h2>{name}</h2>
          <p className="hint">{conv.channel === "email" ? "Writes by e-mail" : channel.social ? `Writes on ${platform?.platform ?? channel.label}`
            : contact?.external_id ? "Signed-in user" : contact?.email ? "Visitor with an e-mail address" : "Anonymous visitor"}</p>
        </div>
        {onClose && (
          <button type="button" className="btn sm ghost icon-only close" aria-label="Close customer details" onClick={onClose}><Icon name="close" /></button>
        )}
      </div>
      {platform && contact && <PlatformProfile profile={platform} channel={conv.channel} />}
      <dl className="facts">
        {contact?.email && <Fact icon="mail" term="E-mail"><a href={`mailto:${contact.email}`}>{contact.email}</a></Fact>}
        {contact?.external_id && <Fact icon="hash" term="User id">{contact.external_id}</Fact>}
        {contact?.language && <Fact icon="language" term="Language">{contact.language}</Fact>}
        {contact && <Fact icon="clock" term="First seen"><time dateTime={new Date(contact.created_at).toISOString()} title={full(contact.created_at)}>{full(contact.created_at)}</time></Fact>}
        {attrs.map(([k, v]) => <Fact key={k} icon="info" term={k}>{v}</Fact>)}
        {!contact && past === null && <div className="facts-loading" aria-hidden="true"><span className="skeleton" style={{ width: "70%" }} /><span className="skeleton" style={{ width: "45%" }} /></div>}
      </dl>

      <FieldsSection conv={conv} defs={fields.defs} error={fields.error} onRetry={fields.retry} onSave={fields.save} missing={fields.missing} focusToken={fields.focus} />

      <LinkedSection conv={conv} convs={convs} onOpen={onOpen} onUnlink={onUnlink} />

      <section className="panel-section" aria-labelledby="routing-title">
        <h3 id="routing-title"><Icon name="route" size={14} />Routing and NLP</h3>
        <dl className="facts">
          <Fact icon="assigned" term="Assignee">{conv.assignee ? (conv.assignee === me ? "You" : agentName(conv.assignee, team)) : "Unassigned"}</Fact>
          <Fact icon="team" term="Team">{conv.team ? teamName(conv.team, teams) : "None"}</Fact>
          <Fact icon="route" term="Routed by">
            {conv.routed_by ? <>{conv.routed_by}{conv.route_fallback && <> <Badge kind="pending">built-in rule</Badge></>}</> : "Not routed"}
          </Fact>
          {conv.route_note && <Fact icon="info" term="Why">{conv.route_note}</Fact>}
          <Fact icon="flag" term="Priority">{cap(conv.priority || "normal")}</Fact>
          <Fact icon="language" term="Language">{conv.language ? languageName(conv.language) : "Not read yet"}</Fact>
          <Fact icon="nlp" term="Intent">{conv.intent || "Not read yet"}</Fact>
          <Fact icon="nlp" term="Sentiment">
            {conv.sentiment ? <Badge kind={sentimentKind[conv.sentiment] ?? "low"}>{cap(conv.sentiment)}</Badge> : "Not read yet"}
          </Fact>
          <Fact icon={channel.icon} term="Channel">{channel.label}</Fact>
          {conv.subject && <Fact icon="mail" term="Subject">{conv.subject}</Fact>}
          {conv.inbox && <Fact icon="inbox" term="Inbox">{inboxes.get(conv.inbox)?.name || conv.inbox}</Fact>}
          <Fact icon="clock" term="Opened"><time dateTime={new Date(conv.opened_at).toISOString()}>{full(conv.opened_at)}</time></Fact>
        </dl>
      </section>

      <section className="panel-section" aria-labelledby="past-title">
        <h3 id="past-title"><Icon name="conversations" size={14} />Past conversations{past && past.length > 0 ? ` (${past.length})` : ""}</h3>
        {past === null ? (
          <div className="facts-loading" aria-hidden="true"><span className="skeleton" style={{ width: "80%" }} /><span className="skeleton" style={{ width: "60%" }} /></div>
        ) : past.length === 0 ? (
          <p className="hint">This is the customer's first conversation.</p>
        ) : (
          <ul className="past">
            {past.map((c) => {
              const p = preview(c);
              return (
                <li key={c.id}>
                  <button type="button" onClick={() => onOpen(c.id)}>
                    <span className="past-top"><span className="past-badges"><Badge kind={canonical(c.status)}>{statusLabel(c.status)}</Badge>
                      {c.merged_into && <Badge kind="low" icon="merge">{c.merged_into === conv.id ? "Merged into this one" : "Merged"}</Badge>}</span>
                      <span className="when">{ago(c.last_at ?? c.opened_at)}</span></span>
                    <span className="past-text">{p.attachment && <Icon name="clip" size={12} />}{p.text || "No messages"}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </aside>
  );
}

function Fact({ icon, term, children }: { icon: IconName; term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt><Icon name={icon} size={14} /><span>{term}</span></dt>
      <dd>{children}</dd>
    </div>
  );
}
