package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// The API's resources as it shows them: built from the state's records
// here only, with times as RFC 3339 in UTC and ids named *_id.

// Conversation is a conversation.
type Conversation struct {
	ID             string `json:"id"`
	InboxID        string `json:"inbox_id"`
	ContactID      string `json:"contact_id"`
	ContactName    string `json:"contact_name,omitempty"`
	Status         string `json:"status"`
	SnoozeUntil    string `json:"snooze_until,omitempty"`
	AssigneeID     string `json:"assignee_id,omitempty"`
	Priority       string `json:"priority"`
	Channel        string `json:"channel"`
	Language       string `json:"language,omitempty"`
	Intent         string `json:"intent,omitempty"`
	Sentiment      string `json:"sentiment,omitempty"`
	OpenedAt       string `json:"opened_at"`
	LastActivityAt string `json:"last_activity_at"`
	MessageCount   int    `json:"message_count"`
	LastMessage    string `json:"last_message,omitempty"`
	// Subject is an e-mail conversation's: its first mail's.
	Subject string `json:"subject,omitempty"`
	// Tags are its tags, sorted; [] when none.
	Tags []string `json:"tags"`
	// SLA are its service level clocks, as the WebSocket protocol shows
	// them (docs/tickets.md); absent when none runs.
	SLA []SLAClock `json:"sla,omitempty"`
	// TeamID is the team it is given to; absent when none.
	TeamID string `json:"team_id,omitempty"`
	// CustomStatus is the tenant's custom status it is in (its base is
	// Status); absent when none.
	CustomStatus string `json:"custom_status,omitempty"`
	// Fields are its custom fields' values by key; {} when none.
	Fields map[string]string `json:"fields"`
	// Links are the conversations linked to it ([] when none);
	// MergedIntoID the one it was merged into, MergedFromIDs those merged
	// into it.
	Links         []Link   `json:"links"`
	MergedIntoID  string   `json:"merged_into_id,omitempty"`
	MergedFromIDs []string `json:"merged_from_ids,omitempty"`
}

// SLAClock is a service level clock of a conversation, with times as
// RFC 3339.
type SLAClock struct {
	Measure  string `json:"measure"`
	Since    string `json:"since"`
	TargetMS int64  `json:"target_ms"`
	Due      string `json:"due,omitempty"`
	WarnAt   string `json:"warn_at,omitempty"`
	Paused   bool   `json:"paused,omitempty"`
	LeftMS   int64  `json:"left_ms,omitempty"`
	Stage    string `json:"stage,omitempty"`
}

func slaView(clocks []state.SLAClock) []SLAClock {
	var out []SLAClock
	for _, k := range clocks {
		if k.Target <= 0 {
			continue
		}
		v := SLAClock{Measure: k.Measure, Since: rfc3339(k.Since), TargetMS: k.Target, Stage: k.Stage}
		switch {
		case k.Run == 0:
			v.Paused, v.LeftMS = true, max(0, k.Target-k.Spent)
		default:
			if k.Due != 0 {
				v.Due = rfc3339(k.Due)
			}
			if k.Warn != 0 {
				v.WarnAt = rfc3339(k.Warn)
			}
		}
		out = append(out, v)
	}
	return out
}

func conversationView(c *state.ConversationRec) Conversation {
	v := Conversation{ID: c.ID, InboxID: c.Inbox, ContactID: c.Contact, ContactName: c.ContactName, Status: c.Status,
		AssigneeID: c.Assignee, Priority: priority(c.Priority), Channel: channel(c.Channel), Language: c.Language,
		Intent: c.Intent, Sentiment: c.Sentiment, OpenedAt: rfc3339(c.OpenedAt), LastActivityAt: rfc3339(c.LastAt),
		MessageCount: c.Messages, LastMessage: c.LastText, Subject: c.Subject, Tags: nonNil(c.Tags), SLA: slaView(c.SLA), TeamID: c.Team,
		Fields: map[string]string{}}
	for _, f := range c.Fields {
		v.Fields[f.Key] = f.Value
	}
	v.Links = make([]Link, len(c.Links))
	for i, l := range c.Links {
		v.Links[i] = Link{ConversationID: l.Conv, Kind: l.Kind}
		if l.Ref != 0 {
			v.Links[i].MessageID = strconv.FormatUint(l.Ref, 10)
		}
	}
	v.MergedIntoID, v.MergedFromIDs, v.CustomStatus = c.MergedInto, c.MergedFrom, c.CustomStatus
	if c.SnoozeUntil != 0 {
		v.SnoozeUntil = rfc3339(c.SnoozeUntil)
	}
	return v
}

func priority(p string) string {
	if p == "" {
		return event.PriorityNormal
	}
	return p
}

func channel(c string) string {
	if c == "" {
		return string(conversation.Web)
	}
	return c
}

// Sender is who wrote a message: a customer, an agent, or the system (an
// API key, the operator, a plugin).
type Sender struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// Message is a message or a private note of a conversation.
type Message struct {
	ID             string   `json:"id"` // the message's sequence in the region's log, as text
	ConversationID string   `json:"conversation_id"`
	Sender         Sender   `json:"sender"`
	Text           string   `json:"text"`
	Attachments    []string `json:"attachments"`
	Private        bool     `json:"private"`
	Channel        string   `json:"channel"`
	ClientID       string   `json:"client_id,omitempty"`
	CreatedAt      string   `json:"created_at"`
	// Email is a mail's headers, on a message that came or went as one.
	Email *protocol.Email `json:"email,omitempty"`
	// Template is a reply sent as a platform's template (WhatsApp).
	Template *protocol.Template `json:"template,omitempty"`
}

// emailView is a message's mail headers as the WebSocket protocol shows
// them too; nil for none.
func emailView(m *event.Email) *protocol.Email {
	if m == nil {
		return nil
	}
	v := &protocol.Email{MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Subject: m.Subject,
		Quoted: m.Quoted, SPF: m.SPF, DKIM: m.DKIM, DMARC: m.DMARC, Auto: m.Auto}
	if m.From != nil {
		v.From = &protocol.Address{Name: m.From.Name, Address: m.From.Addr}
	}
	for _, a := range m.To {
		v.To = append(v.To, protocol.Address{Name: a.Name, Address: a.Addr})
	}
	for _, a := range m.Cc {
		v.Cc = append(v.Cc, protocol.Address{Name: a.Name, Address: a.Addr})
	}
	return v
}

func messageView(it *state.Item) Message {
	atts := it.Attachments
	if atts == nil {
		atts = []string{}
	}
	return Message{ID: strconv.FormatUint(it.Seq, 10), ConversationID: it.Conv, Sender: Sender{Type: it.ActorKind, ID: it.ActorID},
		Text: it.Text, Attachments: atts, Private: it.Private, Channel: channel(it.Channel), ClientID: it.ClientID,
		CreatedAt: rfc3339(it.TS), Email: emailView(it.Email), Template: templateView(it.Template)}
}

func templateView(t *event.Template) *protocol.Template {
	if t == nil {
		return nil
	}
	return &protocol.Template{Name: t.Name, Language: t.Language, Params: t.Params}
}

// Contact is a customer.
type Contact struct {
	ID         string            `json:"id"`
	InboxID    string            `json:"inbox_id,omitempty"`
	ExternalID string            `json:"external_id,omitempty"`
	Name       string            `json:"name,omitempty"`
	Email      string            `json:"email,omitempty"`
	Language   string            `json:"language,omitempty"`
	Attributes map[string]string `json:"attributes"`
	CreatedAt  string            `json:"created_at"`
}

func contactView(c *state.ContactRec) Contact {
	attrs := c.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return Contact{ID: c.ID, InboxID: c.Inbox, ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Language: c.Language,
		Attributes: attrs, CreatedAt: rfc3339(c.CreatedAt)}
}

// Inbox is an inbox (never its identity secret).
type Inbox struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Channel  string   `json:"channel"`
	Prechat  []string `json:"prechat"`
	Skills   []string `json:"skills"`
	Priority string   `json:"priority"`
	// Color, Greeting and ReplyTime are its branding in the chat widget,
	// absent when unset.
	Color     string `json:"color,omitempty"`
	Greeting  string `json:"greeting,omitempty"`
	ReplyTime string `json:"reply_time,omitempty"`
}

func inboxView(in *state.InboxRec) Inbox {
	return Inbox{ID: in.ID, Name: in.Name, Channel: channel(in.Channel), Prechat: nonNil(in.Prechat), Skills: nonNil(in.Skills),
		Priority: priority(in.Priority), Color: in.Color, Greeting: in.Greeting, ReplyTime: in.ReplyTime}
}

// Agent is an agent (never a password hash) and their presence in the
// region now.
type Agent struct {
	ID        string   `json:"id"`
	Name      string   `json:"name,omitempty"`
	Email     string   `json:"email"`
	Role      string   `json:"role"`
	Skills    []string `json:"skills"`
	Languages []string `json:"languages"`
	MaxChats  int      `json:"max_chats,omitempty"`
	Presence  string   `json:"presence"`
}

func agentView(a *state.AgentRec, presence map[string]string) Agent {
	p := presence[a.ID]
	if p == "" {
		p = "offline"
	}
	role := a.Role
	if role == "" {
		role = "agent"
	}
	return Agent{ID: a.ID, Name: a.Name, Email: a.Email, Role: role, Skills: nonNil(a.Skills), Languages: nonNil(a.Languages),
		MaxChats: a.MaxChats, Presence: p}
}

// Canned is a canned response.
type Canned struct {
	ID       string `json:"id"`
	Shortcut string `json:"shortcut"`
	Text     string `json:"text"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// List is a page of a collection: next_cursor, when there is more, is
// the cursor query parameter of the next page.
type List[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// fail answers the conversation core's refusal, or a failure of the store
// or the log, as a problem.
func (a *API) fail(w http.ResponseWriter, err error) {
	var ce *conversation.Error
	switch {
	case errors.As(err, &ce):
		status, kind := map[conversation.Code]int{conversation.Invalid: http.StatusUnprocessableEntity, conversation.NotFound: http.StatusNotFound,
			conversation.Forbidden: http.StatusForbidden}[ce.Code], map[conversation.Code]string{conversation.Invalid: "invalid-request",
			conversation.NotFound: "not-found", conversation.Forbidden: "forbidden"}[ce.Code]
		if status == 0 {
			status, kind = http.StatusServiceUnavailable, "unavailable"
		}
		problem(w, status, kind, ce.Msg)
	case errors.Is(err, journal.ErrRefused):
		problem(w, http.StatusUnprocessableEntity, "invalid-request", "the edge refused to store this (its log could not read it back): retrying will not help")
	default:
		a.log.Warn("an API request failed", "err", err)
		problem(w, http.StatusServiceUnavailable, "unavailable", "the log or the state store does not answer: retry (with the same Idempotency-Key)")
	}
}

// parseTime reads an RFC 3339 time as unix milliseconds.
func parseTime(s string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, errors.New("a time in RFC 3339, like 2026-12-04T18:00:00Z")
	}
	return t.UnixMilli(), nil
}
