package state

import "github.com/edgedesk/edgedesk/internal/event"

// Records are stored as deterministic CBOR. Their keys follow the same rule
// as events: new fields get new numbers.

// TenantRec is a tenant.
type TenantRec struct {
	ID            string   `cbor:"1,keyasint"`
	Name          string   `cbor:"2,keyasint,omitempty"`
	UpdatedAt     int64    `cbor:"3,keyasint"`
	Residency     []string `cbor:"4,keyasint,omitempty"`
	ResidencyMode string   `cbor:"5,keyasint,omitempty"`
	RecordCalls   bool     `cbor:"6,keyasint,omitempty"`
	// SLA is the tenant's service level policy (event.Tenant's).
	SLA *event.SLA `cbor:"7,keyasint,omitempty"`
}

// InboxRec is an inbox.
type InboxRec struct {
	ID             string   `cbor:"1,keyasint"`
	Tenant         string   `cbor:"2,keyasint"`
	Name           string   `cbor:"3,keyasint,omitempty"`
	Channel        string   `cbor:"4,keyasint,omitempty"`
	IdentitySecret string   `cbor:"5,keyasint,omitempty"`
	Prechat        []string `cbor:"6,keyasint,omitempty"`
	Skills         []string `cbor:"7,keyasint,omitempty"`
	Priority       string   `cbor:"8,keyasint,omitempty"` // of new conversations; "" is normal
	// Color, Greeting and ReplyTime are its branding in the chat widget
	// (event.Inbox); "" is unset.
	Color     string `cbor:"9,keyasint,omitempty"`
	Greeting  string `cbor:"10,keyasint,omitempty"`
	ReplyTime string `cbor:"11,keyasint,omitempty"`
}

// AgentRec is an agent.
type AgentRec struct {
	ID           string   `cbor:"1,keyasint"`
	Tenant       string   `cbor:"2,keyasint"`
	Email        string   `cbor:"3,keyasint"`
	Name         string   `cbor:"4,keyasint,omitempty"`
	PasswordHash string   `cbor:"5,keyasint,omitempty"`
	Role         string   `cbor:"6,keyasint,omitempty"`
	Skills       []string `cbor:"7,keyasint,omitempty"`
	Languages    []string `cbor:"8,keyasint,omitempty"`
	MaxChats     int      `cbor:"9,keyasint,omitempty"`
}

// AgentRef finds an agent by e-mail address.
type AgentRef struct {
	Tenant string `cbor:"1,keyasint"`
	Agent  string `cbor:"2,keyasint"`
}

// ContactRec is a customer.
type ContactRec struct {
	ID         string `cbor:"1,keyasint"`
	Tenant     string `cbor:"2,keyasint"`
	Inbox      string `cbor:"3,keyasint,omitempty"`
	ExternalID string `cbor:"4,keyasint,omitempty"`
	Name       string `cbor:"5,keyasint,omitempty"`
	Email      string `cbor:"6,keyasint,omitempty"`
	CreatedAt  int64  `cbor:"7,keyasint"`
	// Language and Attributes are what the website says of its signed-in
	// user (setUser): an ISO 639 code, and its attributes.
	Language   string            `cbor:"8,keyasint,omitempty"`
	Attributes map[string]string `cbor:"9,keyasint,omitempty"`
}

// ConversationRec is a conversation's current state.
type ConversationRec struct {
	ID          string `cbor:"1,keyasint"`
	Tenant      string `cbor:"2,keyasint"`
	Inbox       string `cbor:"3,keyasint"`
	Contact     string `cbor:"4,keyasint"`
	Status      string `cbor:"5,keyasint"`
	SnoozeUntil int64  `cbor:"6,keyasint,omitempty"`
	Assignee    string `cbor:"7,keyasint,omitempty"`
	OpenedAt    int64  `cbor:"8,keyasint"`
	OpenedSeq   uint64 `cbor:"9,keyasint"`
	LastSeq     uint64 `cbor:"10,keyasint"`
	LastAt      int64  `cbor:"11,keyasint"`
	Messages    int    `cbor:"12,keyasint"`
	LastText    string `cbor:"13,keyasint,omitempty"`
	// ContactName is the customer's name, else e-mail address, as last
	// given: what agents see in their lists.
	ContactName string `cbor:"14,keyasint,omitempty"`
	// Language, Intent and Sentiment are the NLP plugin's reading of the
	// customer's latest analysed message.
	Language  string `cbor:"15,keyasint,omitempty"`
	Intent    string `cbor:"16,keyasint,omitempty"`
	Sentiment string `cbor:"17,keyasint,omitempty"`
	// RoutedBy, RouteNote and RouteFallback say how the conversation was
	// assigned when it opened (event.ConvOpened).
	RoutedBy      string `cbor:"18,keyasint,omitempty"`
	RouteNote     string `cbor:"19,keyasint,omitempty"`
	RouteFallback bool   `cbor:"20,keyasint,omitempty"`
	// Priority orders the queue of waiting conversations ("" is normal).
	Priority string `cbor:"21,keyasint,omitempty"`
	// Channel is how the conversation was opened ("" is the web).
	Channel string `cbor:"22,keyasint,omitempty"`
	// LastAttachment is the name of the first file of the last message
	// (as uploaded; its id when the name is unknown), "" when it had none:
	// with LastText, what agents see of the last message in their lists.
	LastAttachment string `cbor:"23,keyasint,omitempty"`
	// Subject is an e-mail conversation's subject: its first mail's.
	Subject string `cbor:"24,keyasint,omitempty"`
	// SolvedAt is when it was last solved (unix ms) while it is solved:
	// its days to be closed count from it.
	SolvedAt int64 `cbor:"25,keyasint,omitempty"`
	// SLA are its service level clocks (slaclock.go); Answered says an
	// agent has answered since it opened or was reopened.
	SLA      []SLAClock `cbor:"26,keyasint,omitempty"`
	Answered bool       `cbor:"27,keyasint,omitempty"`
	// SLAEnded: it was solved, and no reopening has started its clocks
	// again (a customer's reply, or a change to open, will).
	SLAEnded bool `cbor:"28,keyasint,omitempty"`
	// Tags are its tags, sorted.
	Tags []string `cbor:"29,keyasint,omitempty"`
	// StatusAt is when its status last changed (or it opened);
	// CustomerAt and AgentAt when the customer last wrote and an agent
	// (or a rule) last answered in public (unix ms): the moments time
	// rules count from.
	StatusAt   int64 `cbor:"30,keyasint,omitempty"`
	CustomerAt int64 `cbor:"31,keyasint,omitempty"`
	AgentAt    int64 `cbor:"32,keyasint,omitempty"`
	// AutoDue are its time rules' next times (automation.go).
	AutoDue []AutoDueRec `cbor:"33,keyasint,omitempty"`
	// Team is the team it is given to ("" none).
	Team string `cbor:"34,keyasint,omitempty"`
	// Fields are its custom fields' values, by key.
	Fields []event.FieldValue `cbor:"35,keyasint,omitempty"`
	// Links are the conversations linked to it; MergedInto the one it
	// was merged into (it is closed), MergedFrom those merged into it.
	Links      []ConvLink `cbor:"36,keyasint,omitempty"`
	MergedInto string     `cbor:"37,keyasint,omitempty"`
	MergedFrom []string   `cbor:"38,keyasint,omitempty"`
	// CustomStatus is the tenant's custom status it is in (its base is
	// Status); "" none. A change of Status by other means clears it.
	CustomStatus string `cbor:"39,keyasint,omitempty"`
}

// Item is one entry of a conversation's timeline. Clients see it as the
// gateway's view of it (edge/protocol's Item).
type Item struct {
	Seq         uint64   `cbor:"1,keyasint"`
	Kind        string   `cbor:"2,keyasint"`
	Conv        string   `cbor:"3,keyasint"`
	TS          int64    `cbor:"4,keyasint"`
	ActorKind   string   `cbor:"5,keyasint"`
	ActorID     string   `cbor:"6,keyasint,omitempty"`
	ClientID    string   `cbor:"7,keyasint,omitempty"`
	Text        string   `cbor:"8,keyasint,omitempty"`
	Attachments []string `cbor:"9,keyasint,omitempty"`
	Private     bool     `cbor:"10,keyasint,omitempty"`
	Status      string   `cbor:"11,keyasint,omitempty"`
	Assignee    string   `cbor:"12,keyasint,omitempty"`
	ReadSeq     uint64   `cbor:"13,keyasint,omitempty"`
	SnoozeUntil int64    `cbor:"14,keyasint,omitempty"`
	// Ref is the message an "analysis" item reads.
	Ref      uint64          `cbor:"15,keyasint,omitempty"`
	Analysis *event.Analysis `cbor:"16,keyasint,omitempty"`
	// Priority is a "priority" item's new priority.
	Priority string `cbor:"17,keyasint,omitempty"`
	// Call is a "call" item's call: Status says started, joined or ended.
	Call *event.Call `cbor:"18,keyasint,omitempty"`
	// Rating is a "rating" item's: the customer's CSAT score.
	Rating *event.Rating `cbor:"19,keyasint,omitempty"`
	// Channel is how a message came ("" is the web).
	Channel string `cbor:"20,keyasint,omitempty"`
	// ActorName is an agent's message's author's (or call item's agent's)
	// display name when it was written ("" when the agent has none): what
	// the customer sees.
	ActorName string `cbor:"21,keyasint,omitempty"`
	// Email is a message's e-mail headers (event.Message's Email).
	Email *event.Email `cbor:"22,keyasint,omitempty"`
	// Delivery is a "delivery" item's: what became of the e-mail of the
	// message at Ref.
	Delivery *event.Delivery `cbor:"23,keyasint,omitempty"`
	// SLA is an "sla" item's: a clock's warning or breach.
	SLA *event.SLAStage `cbor:"24,keyasint,omitempty"`
	// Tags is a "tags" item's: the tags added and removed.
	Tags *event.TagsChange `cbor:"25,keyasint,omitempty"`
	// Team is a "team" item's new team ("" none); Unassigned says the
	// assignee, not of the team, gave the conversation up.
	Team       string `cbor:"26,keyasint,omitempty"`
	Unassigned bool   `cbor:"27,keyasint,omitempty"`
	// Fields is a "fields" item's: the values set and the fields cleared.
	Fields *event.FieldsChange `cbor:"28,keyasint,omitempty"`
	// Link is a "linked" item's (Conv is this conversation's side);
	// Merge a "merged" item's.
	Link  *event.Link  `cbor:"29,keyasint,omitempty"`
	Merge *event.Merge `cbor:"30,keyasint,omitempty"`
	// CustomStatus is a "status" item's custom status.
	CustomStatus string `cbor:"31,keyasint,omitempty"`
	// Template is a message's platform template (event.Message's).
	Template *event.Template `cbor:"32,keyasint,omitempty"`
}

// AttachmentRec describes a stored upload.
type AttachmentRec struct {
	ID       string `cbor:"1,keyasint"`
	Tenant   string `cbor:"2,keyasint"`
	Name     string `cbor:"3,keyasint,omitempty"`
	Type     string `cbor:"4,keyasint"`
	Size     int64  `cbor:"5,keyasint"`
	SHA256   string `cbor:"6,keyasint"`
	Uploader string `cbor:"7,keyasint"` // actor kind ":" actor id
}

// ReadRec is a read marker.
type ReadRec struct {
	Seq uint64 `cbor:"1,keyasint"`
	TS  int64  `cbor:"2,keyasint"`
}

// CannedRec is a canned response.
type CannedRec struct {
	ID       string `cbor:"1,keyasint"`
	Shortcut string `cbor:"2,keyasint"`
	Text     string `cbor:"3,keyasint"`
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
