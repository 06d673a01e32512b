package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/gobwas/ws"

	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/internal/state"
)

// ProtocolVersion is the WebSocket protocol version this gateway speaks.
const ProtocolVersion = 1

// Error codes sent in error frames. They are part of the protocol.
const (
	CodeBadFrame     = "bad_frame"
	CodeUnknownType  = "unknown_type"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeInvalid      = "invalid"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeVersion      = "unsupported_version"
	// CodeQuotaExceeded (HTTP 429, with Retry-After) refuses an upload
	// over a quota; CodeLoginThrottled (HTTP 429, with Retry-After) a
	// sign-in while its account or address is locked after failures.
	CodeQuotaExceeded  = "quota_exceeded"
	CodeLoginThrottled = "login_throttled"
)

// Close codes (RFC 6455 private range) with the reason in the close frame.
const (
	CloseUnauthorized = 4001
	CloseVersion      = 4002
	CloseForbidden    = 4003
	CloseHelloTimeout = 4004
	CloseResync       = 4008
	CloseBadFrames    = 4400
	CloseDraining     = 1001
)

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

// InFrame is a frame from a client. Which fields apply depends on Type; a
// field the protocol does not define is an error.
type InFrame struct {
	Type string `json:"type"`
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
	On          bool     `json:"on,omitempty"`
	Seq         uint64   `json:"seq,omitempty"`
	Before      uint64   `json:"before,omitempty"`
	Limit       int      `json:"limit,omitempty"`
	Status      string   `json:"status,omitempty"`
	SnoozeUntil int64    `json:"snooze_until,omitempty"`
	Agent       string   `json:"agent,omitempty"`
	Presence    string   `json:"presence,omitempty"`
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
	// agent_set (admins): the agent (in Agent) and, when given, their
	// skills (in Skills) and languages; [] clears them, absent keeps them.
	Languages []string `json:"languages,omitzero"`
	// priority (agents): the conversation's new priority.
	Priority string `json:"priority,omitempty"`
	// call: the operation (start, join, signal, mute, video, leave), the
	// call, the role to join as, a signal for the media server, muted,
	// the most of the others' simulcast video wanted (low, medium, high).
	Op     string      `json:"op,omitempty"`
	Call   string      `json:"call,omitempty"`
	Role   string      `json:"role,omitempty"`
	Signal *sfu.Signal `json:"signal,omitempty"`
	Muted  *bool       `json:"muted,omitempty"`
	Video  string      `json:"video,omitempty"`
	// rate: the customer's score of a resolved conversation, 1 to 5.
	Score int `json:"score,omitempty"`
}

// Frame types from clients.
const (
	TypeHello     = "hello"
	TypeStart     = "start"
	TypeSend      = "send"
	TypeTyping    = "typing"
	TypeRead      = "read"
	TypeHistory   = "history"
	TypeAssign    = "assign"
	TypeStatus    = "status"
	TypePresence  = "presence"
	TypePing      = "ping"
	TypeConvs     = "conversations"
	TypeContact   = "contact"
	TypeCanned    = "canned"
	TypeCannedSet = "canned_set"
	TypeProfile   = "profile"
	TypeInboxes   = "inboxes"
	TypeInboxSet  = "inbox_set"
	TypeAgents    = "agents"
	TypeAgentSet  = "agent_set"
	TypePriority  = "priority"
	TypeCall      = "call"
	TypeRate      = "rate"
)

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

// ConvView is what a customer sees of a conversation.
type ConvView struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	OpenedAt int64  `json:"opened_at"`
	LastSeq  uint64 `json:"last_seq"`
	Assigned bool   `json:"assigned"`
}

func customerView(c *state.ConversationRec) *ConvView {
	return &ConvView{ID: c.ID, Status: c.Status, OpenedAt: c.OpenedAt, LastSeq: c.LastSeq, Assigned: c.Assignee != ""}
}

// OutFrame is a frame to a client.
type OutFrame struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`

	V             int               `json:"v,omitempty"`
	Session       *Session          `json:"session,omitempty"`
	Seq           uint64            `json:"seq,omitempty"`
	Conv          string            `json:"conv,omitempty"`
	Duplicate     bool              `json:"duplicate,omitempty"`
	Item          *state.Item       `json:"item,omitempty"`
	Conversation  any               `json:"conversation,omitempty"`
	Conversations any               `json:"conversations,omitempty"`
	Items         []state.Item      `json:"items,omitempty"`
	More          bool              `json:"more,omitempty"`
	Code          string            `json:"code,omitempty"`
	Message       string            `json:"message,omitempty"`
	ActorKind     string            `json:"actor_kind,omitempty"`
	ActorID       string            `json:"actor_id,omitempty"`
	On            bool              `json:"on,omitempty"`
	Agent         string            `json:"agent,omitempty"`
	Presence      string            `json:"presence,omitempty"`
	Agents        map[string]string `json:"agents,omitempty"`
	Since         uint64            `json:"since,omitempty"`
	Available     *bool             `json:"available,omitempty"`
	Prechat       []string          `json:"prechat,omitempty"`
	Contact       *state.ContactRec `json:"contact,omitempty"`
	Canned        []state.CannedRec `json:"canned,omitempty"`
	Inboxes       []state.InboxRec  `json:"inboxes,omitempty"`
	Team          []state.AgentRec  `json:"team,omitempty"`
	Extra         map[string]any    `json:"extra,omitempty"`
	Call          string            `json:"call,omitempty"`
	Signal        *sfu.Signal       `json:"signal,omitempty"`
}

// Frame types to clients.
const (
	OutWelcome  = "welcome"
	OutAck      = "ack"
	OutEvent    = "event"
	OutTyping   = "typing"
	OutPresence = "presence"
	// OutAvailability tells customers whether any agent of the tenant is
	// online (welcome carries the first answer).
	OutAvailability = "availability"
	OutHistory      = "history"
	OutConvs        = "conversations"
	OutContact      = "contact"
	OutCanned       = "canned"
	OutInboxes      = "inboxes"
	OutAgents       = "agents"
	OutError        = "error"
	OutResync       = "resync"
	OutPong         = "pong"
	OutResumed      = "resumed"
)

// marshal encodes a frame for the wire: a WebSocket text frame header
// followed by the JSON. It is built once and shared by every connection it
// goes to.
func marshal(f *OutFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		// OutFrame holds only JSON-safe types; reaching here is a bug.
		panic(fmt.Sprintf("gateway: marshal %s frame: %v", f.Type, err))
	}
	return wireFrame(ws.NewTextFrame(b))
}

// wireFrame compiles a server frame (unmasked) to its bytes, in one
// allocation of their size.
func wireFrame(f ws.Frame) []byte {
	buf := bytes.NewBuffer(make([]byte, 0, ws.HeaderSize(f.Header)+len(f.Payload)))
	if err := ws.WriteFrame(buf, f); err != nil {
		panic(fmt.Sprintf("gateway: compile frame: %v", err)) // only for invalid control frames
	}
	return buf.Bytes()
}
