package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// InFrame is a frame from a client. Which fields apply depends on Type; a
// field the protocol does not define is an error.
type InFrame struct {
	Type string `json:"type" ts:"InType"`
	ID   string `json:"id,omitempty"` // request id, echoed in the reply

	// hello
	V       int           `json:"v,omitempty"`
	Token   string        `json:"token,omitempty"`
	Inbox   string        `json:"inbox,omitempty"`
	Visitor string        `json:"visitor,omitempty"`
	User    *UserIdentity `json:"user,omitempty"`
	Resume  *uint64       `json:"resume,omitempty"`
	Scope   string        `json:"scope,omitempty"`

	// conversation operations
	Conv        string   `json:"conv,omitempty"`
	ClientID    string   `json:"client_id,omitempty"`
	Text        string   `json:"text,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	Private     bool     `json:"private,omitempty"`
	// To and Cc (agents, e-mail conversations): whom the reply goes to
	// when not only to the customer (reply all, added copies).
	To []Address `json:"to,omitempty"`
	Cc []Address `json:"cc,omitempty"`
	// Template (agents, conversations on WhatsApp): the reply is this
	// pre-approved template (text may be empty).
	Template    *Template `json:"template,omitempty"`
	On          bool      `json:"on,omitempty"`
	Seq         uint64    `json:"seq,omitempty"`
	Before      uint64    `json:"before,omitempty"`
	Limit       int       `json:"limit,omitempty"`
	Status      string    `json:"status,omitempty"`
	SnoozeUntil int64     `json:"snooze_until,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	Presence    string    `json:"presence,omitempty" ts:"Presence"`
	// contact (agents)
	Contact string `json:"contact,omitempty"`
	// start (customers): the browser's language tag, a routing hint
	Lang string `json:"lang,omitempty"`
	// profile (anonymous customers)
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// canned_set (admins): the canned response's id (new when empty), its
	// shortcut and text (in Text), or delete.
	Canned   string `json:"canned,omitempty"`
	Shortcut string `json:"shortcut,omitempty"`
	Delete   bool   `json:"delete,omitempty"`
	// inbox_set (admins): the inbox (in Inbox) and its pre-chat fields;
	// when given, its skills and the priority of its new conversations.
	Prechat []string `json:"prechat,omitempty"`
	Skills  []string `json:"skills,omitzero"` // [] clears them; absent keeps them
	// inbox_set (admins), its branding in the chat widget, each when
	// given ("" unsets it, absent keeps it): a colour "#rrggbb", a
	// greeting (one line, at most 280 characters) and the expected reply
	// time ("minutes", "hours", "day").
	Color     *string `json:"color,omitempty"`
	Greeting  *string `json:"greeting,omitempty"`
	ReplyTime *string `json:"reply_time,omitempty"`
	// agent_set (admins): the agent (in Agent) and, when given, their
	// skills (in Skills) and languages; [] clears them, absent keeps them.
	Languages []string `json:"languages,omitzero"`
	// priority (agents): the conversation's new priority.
	Priority string `json:"priority,omitempty"`
	// tags (agents): tags to add to the conversation and to remove.
	AddTags    []string `json:"add_tags,omitempty"`
	RemoveTags []string `json:"remove_tags,omitempty"`
	// call: the operation (start, join, decline, signal, mute, video,
	// leave), the call, the role to join as, a signal for the media
	// server, muted, the most of the others' simulcast video wanted (low,
	// medium, high).
	Op     string  `json:"op,omitempty" ts:"CallOp"`
	Call   string  `json:"call,omitempty"`
	Role   string  `json:"role,omitempty"`
	Signal *Signal `json:"signal,omitempty"`
	Muted  *bool   `json:"muted,omitempty"`
	Video  string  `json:"video,omitempty"`
	// rate: the customer's score of a resolved conversation, 1 to 5.
	Score int `json:"score,omitempty"`
	// rules_set (admins): all of the tenant's rules, in the order they
	// run; macros_set (admins): all of its macros; macro (agents): the
	// macro to apply to the conversation (in Conv).
	Rules  []Rule  `json:"rules,omitzero"`
	Macros []Macro `json:"macros,omitzero"`
	Macro  string  `json:"macro,omitempty"`
	// team_set (admins): the team (its id; new when empty), its name (in
	// Name) and its members, or delete; assign_team (agents): the team to
	// give the conversation (in Conv) to ("" none).
	Team    string   `json:"team,omitempty"`
	Members []string `json:"members,omitzero"`
	// fields_set (admins): all of the tenant's custom fields, in order;
	// set_fields (agents): the conversation's (in Conv) values to set by
	// key, and the keys to clear.
	Fields []FieldDef        `json:"fields,omitzero"`
	Values map[string]string `json:"values,omitzero"`
	Clear  []string          `json:"clear,omitzero"`
	// link (agents): the conversation to link the one in Conv to (or,
	// with Delete, to unlink); merge (agents): the conversation to merge
	// the one in Conv into. split (agents) takes Conv and Seq.
	Other string `json:"other,omitempty"`
	Into  string `json:"into,omitempty"`
	// views_set (admins): all of the tenant's saved views; view
	// (agents): the view whose conversations to list (with Limit).
	Views []View `json:"views,omitzero"`
	View  string `json:"view,omitempty"`
	// sla_policy_set (admins): the tenant's service level policy (with
	// Delete: none).
	Policy *SLAPolicy `json:"policy,omitempty"`
	// statuses_set (admins): all of the tenant's custom statuses.
	Statuses []CustomStatus `json:"statuses,omitzero"`
}

// UserIdentity is what a website says about its logged-in user, signed with
// the inbox's identity secret (the hash covers the id).
type UserIdentity struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Hash  string `json:"hash"`
	// Language is the user's language tag as the website knows it;
	// Attributes, when given, replace the contact's ({} clears them;
	// routing plugins get them): strings, numbers and booleans.
	Language   string            `json:"language,omitempty"`
	Attributes map[string]Scalar `json:"attributes,omitzero"`
}

// Scalar is a JSON string, number, boolean or null as text: a number as
// it was written ("42", "4.5"), a boolean as "true" or "false", null as
// "". It encodes as a JSON string. Objects and arrays are refused.
type Scalar string

// UnmarshalJSON reads a scalar.
func (v *Scalar) UnmarshalJSON(b []byte) error {
	switch c := b[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Scalar(s)
	case c == 'n':
		*v = ""
	case c == 't' || c == 'f' || c == '-' || c >= '0' && c <= '9':
		*v = Scalar(b)
	default:
		return errors.New("an attribute is a string, a number, a boolean or null")
	}
	return nil
}

// ErrFrame is wrapped by every decoding error.
var ErrFrame = errors.New("bad frame")

// DecodeFrame parses one client frame strictly: valid JSON, one object,
// only the protocol's fields, a known type.
func DecodeFrame(b []byte) (*InFrame, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f InFrame
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	// Only white space may follow the object. (dec.More is false before a
	// stray '}' or ']', so it let such trailing junk through.)
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one JSON value", ErrFrame)
	}
	if f.Type == "" {
		return nil, fmt.Errorf("%w: no type", ErrFrame)
	}
	if len(f.ID) > 64 {
		return nil, fmt.Errorf("%w: id longer than 64 characters", ErrFrame)
	}
	return &f, nil
}

// OutFrame is a frame to a client. Which fields are set depends on Type
// and on who the client is (docs/protocol.md).
type OutFrame struct {
	Type string `json:"type" ts:"OutType"`
	ID   string `json:"id,omitempty"`

	V         int      `json:"v,omitempty"`
	Session   *Session `json:"session,omitempty"`
	Seq       uint64   `json:"seq,omitempty"`
	Conv      string   `json:"conv,omitempty"`
	Duplicate bool     `json:"duplicate,omitempty"`
	Item      *Item    `json:"item,omitempty"`
	// Conversation and Conversations are agents' full views, customers'
	// reduced ones (see Conversation). A list is sent even when empty.
	Conversation  *Conversation  `json:"conversation,omitempty"`
	Conversations []Conversation `json:"conversations,omitzero"`
	Items         []Item         `json:"items,omitempty"`
	More          bool           `json:"more,omitempty"`
	Code          string         `json:"code,omitempty" ts:"Code"`
	Message       string         `json:"message,omitempty"`
	ActorKind     string         `json:"actor_kind,omitempty"`
	ActorID       string         `json:"actor_id,omitempty"`
	On            bool           `json:"on,omitempty"`
	Agent         string         `json:"agent,omitempty"`
	Presence      string         `json:"presence,omitempty" ts:"Presence"`
	// Agents is each agent's presence (agents' welcome).
	Agents    map[string]string `json:"agents,omitempty" ts:"Record<string, Presence>"`
	Since     uint64            `json:"since,omitempty"`
	Available *bool             `json:"available,omitempty"`
	Prechat   []string          `json:"prechat,omitempty"`
	Contact   *Contact          `json:"contact,omitempty"`
	Canned    []Canned          `json:"canned,omitempty"`
	// Rules and Macros answer rules and macros frames (sent even when
	// empty); Schema, with rules, is what rules may say.
	Rules  []Rule            `json:"rules,omitzero"`
	Macros []Macro           `json:"macros,omitzero"`
	Schema *AutomationSchema `json:"schema,omitempty"`
	// Fields answers fields and fields_set: the custom fields, the type
	// first.
	Fields []FieldDef `json:"fields,omitzero"`
	// Policy answers sla_policy and sla_policy_set: the tenant's service
	// level policy (absent: none).
	Policy *SLAPolicy `json:"policy,omitempty"`
	// Statuses answers statuses and statuses_set.
	Statuses []CustomStatus `json:"statuses,omitzero"`
	// Views and Counts answer views and views_set: the views an agent
	// sees and how many conversations each has.
	Views  []View         `json:"views,omitzero"`
	Counts map[string]int `json:"counts,omitempty"`
	// Hits answer search (sent even when none), best first; Total is how
	// many messages match in all (and, for view, how many conversations
	// the view has).
	Hits  []SearchHit `json:"hits,omitzero"`
	Total int         `json:"total,omitempty"`
	// Teams answers teams and team_set (sent even when empty).
	Teams   []Team  `json:"teams,omitzero"`
	Inboxes []Inbox `json:"inboxes,omitempty"`
	Team    []Agent `json:"team,omitempty"`
	Extra   *Extra  `json:"extra,omitempty"`
	// Call is the call of an ack or a call_signal, and of the error
	// refusing a second call in a conversation: the call to join.
	Call   string  `json:"call,omitempty"`
	Signal *Signal `json:"signal,omitempty"`
	// Inbox is the customer's inbox as the widget shows it (customers'
	// welcome).
	Inbox *Brand `json:"inbox,omitempty"`
}

// Extra is what a history frame adds for agents: the conversation's
// customer.
type Extra struct {
	Contact *Contact `json:"contact,omitempty"`
}

// Session describes the authenticated client, in the welcome frame.
type Session struct {
	Role    string `json:"role"`
	Tenant  string `json:"tenant"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Inbox   string `json:"inbox,omitempty"`
	Token   string `json:"token,omitempty"`   // bearer token for HTTP and reconnects
	Visitor string `json:"visitor,omitempty"` // anonymous visitors keep this to stay the same visitor
}
