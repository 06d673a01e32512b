package state

import "github.com/edgedesk/edgedesk/internal/event"

// Records are stored as deterministic CBOR. Their keys follow the same rule
// as events: new fields get new numbers.

// TenantRec is a tenant.
type TenantRec struct {
	ID            string   `cbor:"1,keyasint" json:"id"`
	Name          string   `cbor:"2,keyasint,omitempty" json:"name,omitempty"`
	UpdatedAt     int64    `cbor:"3,keyasint" json:"updated_at"`
	Residency     []string `cbor:"4,keyasint,omitempty" json:"residency,omitempty"`
	ResidencyMode string   `cbor:"5,keyasint,omitempty" json:"residency_mode,omitempty"`
	RecordCalls   bool     `cbor:"6,keyasint,omitempty" json:"record_calls,omitempty"`
}

// InboxRec is an inbox.
type InboxRec struct {
	ID             string   `cbor:"1,keyasint" json:"id"`
	Tenant         string   `cbor:"2,keyasint" json:"tenant"`
	Name           string   `cbor:"3,keyasint,omitempty" json:"name,omitempty"`
	Channel        string   `cbor:"4,keyasint,omitempty" json:"channel,omitempty"`
	IdentitySecret string   `cbor:"5,keyasint,omitempty" json:"-"`
	Prechat        []string `cbor:"6,keyasint,omitempty" json:"prechat,omitempty"`
	Skills         []string `cbor:"7,keyasint,omitempty" json:"skills,omitempty"`
	Priority       string   `cbor:"8,keyasint,omitempty" json:"priority,omitempty"` // of new conversations; "" is normal
}

// AgentRec is an agent.
type AgentRec struct {
	ID           string   `cbor:"1,keyasint" json:"id"`
	Tenant       string   `cbor:"2,keyasint" json:"tenant"`
	Email        string   `cbor:"3,keyasint" json:"email"`
	Name         string   `cbor:"4,keyasint,omitempty" json:"name,omitempty"`
	PasswordHash string   `cbor:"5,keyasint,omitempty" json:"-"`
	Role         string   `cbor:"6,keyasint,omitempty" json:"role,omitempty"`
	Skills       []string `cbor:"7,keyasint,omitempty" json:"skills,omitempty"`
	Languages    []string `cbor:"8,keyasint,omitempty" json:"languages,omitempty"`
	MaxChats     int      `cbor:"9,keyasint,omitempty" json:"max_chats,omitempty"`
}

// AgentRef finds an agent by e-mail address.
type AgentRef struct {
	Tenant string `cbor:"1,keyasint"`
	Agent  string `cbor:"2,keyasint"`
}

// ContactRec is a customer.
type ContactRec struct {
	ID         string `cbor:"1,keyasint" json:"id"`
	Tenant     string `cbor:"2,keyasint" json:"tenant"`
	Inbox      string `cbor:"3,keyasint,omitempty" json:"inbox,omitempty"`
	ExternalID string `cbor:"4,keyasint,omitempty" json:"external_id,omitempty"`
	Name       string `cbor:"5,keyasint,omitempty" json:"name,omitempty"`
	Email      string `cbor:"6,keyasint,omitempty" json:"email,omitempty"`
	CreatedAt  int64  `cbor:"7,keyasint" json:"created_at"`
	// Language and Attributes are what the website says of its signed-in
	// user (setUser): an ISO 639 code, and its attributes.
	Language   string            `cbor:"8,keyasint,omitempty" json:"language,omitempty"`
	Attributes map[string]string `cbor:"9,keyasint,omitempty" json:"attributes,omitempty"`
}

// ConversationRec is a conversation's current state.
type ConversationRec struct {
	ID          string `cbor:"1,keyasint" json:"id"`
	Tenant      string `cbor:"2,keyasint" json:"tenant"`
	Inbox       string `cbor:"3,keyasint" json:"inbox"`
	Contact     string `cbor:"4,keyasint" json:"contact"`
	Status      string `cbor:"5,keyasint" json:"status"`
	SnoozeUntil int64  `cbor:"6,keyasint,omitempty" json:"snooze_until,omitempty"`
	Assignee    string `cbor:"7,keyasint,omitempty" json:"assignee,omitempty"`
	OpenedAt    int64  `cbor:"8,keyasint" json:"opened_at"`
	OpenedSeq   uint64 `cbor:"9,keyasint" json:"opened_seq"`
	LastSeq     uint64 `cbor:"10,keyasint" json:"last_seq"`
	LastAt      int64  `cbor:"11,keyasint" json:"last_at"`
	Messages    int    `cbor:"12,keyasint" json:"messages"`
	LastText    string `cbor:"13,keyasint,omitempty" json:"last_text,omitempty"`
	// ContactName is the customer's name, else e-mail address, as last
	// given: what agents see in their lists.
	ContactName string `cbor:"14,keyasint,omitempty" json:"contact_name,omitempty"`
	// Language, Intent and Sentiment are the NLP plugin's reading of the
	// customer's latest analysed message.
	Language  string `cbor:"15,keyasint,omitempty" json:"language,omitempty"`
	Intent    string `cbor:"16,keyasint,omitempty" json:"intent,omitempty"`
	Sentiment string `cbor:"17,keyasint,omitempty" json:"sentiment,omitempty"`
	// RoutedBy, RouteNote and RouteFallback say how the conversation was
	// assigned when it opened (event.ConvOpened).
	RoutedBy      string `cbor:"18,keyasint,omitempty" json:"routed_by,omitempty"`
	RouteNote     string `cbor:"19,keyasint,omitempty" json:"route_note,omitempty"`
	RouteFallback bool   `cbor:"20,keyasint,omitempty" json:"route_fallback,omitempty"`
	// Priority orders the queue of waiting conversations ("" is normal).
	Priority string `cbor:"21,keyasint,omitempty" json:"priority,omitempty"`
}

// Item is one entry of a conversation's timeline, as clients see it.
type Item struct {
	Seq         uint64   `cbor:"1,keyasint" json:"seq"`
	Kind        string   `cbor:"2,keyasint" json:"kind"`
	Conv        string   `cbor:"3,keyasint" json:"conv"`
	TS          int64    `cbor:"4,keyasint" json:"ts"`
	ActorKind   string   `cbor:"5,keyasint" json:"actor_kind"`
	ActorID     string   `cbor:"6,keyasint,omitempty" json:"actor_id,omitempty"`
	ClientID    string   `cbor:"7,keyasint,omitempty" json:"client_id,omitempty"`
	Text        string   `cbor:"8,keyasint,omitempty" json:"text,omitempty"`
	Attachments []string `cbor:"9,keyasint,omitempty" json:"attachments,omitempty"`
	Private     bool     `cbor:"10,keyasint,omitempty" json:"private,omitempty"`
	Status      string   `cbor:"11,keyasint,omitempty" json:"status,omitempty"`
	Assignee    string   `cbor:"12,keyasint,omitempty" json:"assignee,omitempty"`
	ReadSeq     uint64   `cbor:"13,keyasint,omitempty" json:"read_seq,omitempty"`
	SnoozeUntil int64    `cbor:"14,keyasint,omitempty" json:"snooze_until,omitempty"`
	// Ref is the message an "analysis" item reads.
	Ref      uint64          `cbor:"15,keyasint,omitempty" json:"ref,omitempty"`
	Analysis *event.Analysis `cbor:"16,keyasint,omitempty" json:"analysis,omitempty"`
	// Priority is a "priority" item's new priority.
	Priority string `cbor:"17,keyasint,omitempty" json:"priority,omitempty"`
	// Call is a "call" item's call: Status says started, joined or ended.
	Call *event.Call `cbor:"18,keyasint,omitempty" json:"call,omitempty"`
	// Rating is a "rating" item's: the customer's CSAT score.
	Rating *event.Rating `cbor:"19,keyasint,omitempty" json:"rating,omitempty"`
}

// AttachmentRec describes a stored upload.
type AttachmentRec struct {
	ID       string `cbor:"1,keyasint" json:"id"`
	Tenant   string `cbor:"2,keyasint" json:"-"`
	Name     string `cbor:"3,keyasint,omitempty" json:"name,omitempty"`
	Type     string `cbor:"4,keyasint" json:"type"`
	Size     int64  `cbor:"5,keyasint" json:"size"`
	SHA256   string `cbor:"6,keyasint" json:"sha256"`
	Uploader string `cbor:"7,keyasint" json:"-"` // actor kind ":" actor id
}

// ReadRec is a read marker.
type ReadRec struct {
	Seq uint64 `cbor:"1,keyasint"`
	TS  int64  `cbor:"2,keyasint"`
}

// CannedRec is a canned response.
type CannedRec struct {
	ID       string `cbor:"1,keyasint" json:"id"`
	Shortcut string `cbor:"2,keyasint" json:"shortcut"`
	Text     string `cbor:"3,keyasint" json:"text"`
}

// PluginConfigRec is a plugin's configuration for a tenant
// (plugin.configured): a JSON object, compact.
type PluginConfigRec struct {
	Plugin    string `cbor:"1,keyasint"`
	Tenant    string `cbor:"2,keyasint"`
	Config    []byte `cbor:"3,keyasint"`
	UpdatedAt int64  `cbor:"4,keyasint"` // unix ms of the event
	Seq       uint64 `cbor:"5,keyasint"` // of the event
}
