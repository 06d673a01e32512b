package protocol

// Item is one entry of a conversation's timeline, as clients see it: an
// event frame's item and a history frame's items.
type Item struct {
	Seq         uint64   `json:"seq"`
	Kind        string   `json:"kind"`
	Conv        string   `json:"conv"`
	TS          int64    `json:"ts"` // unix ms
	ActorKind   string   `json:"actor_kind"`
	ActorID     string   `json:"actor_id,omitempty"`
	ClientID    string   `json:"client_id,omitempty"`
	Text        string   `json:"text,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	Private     bool     `json:"private,omitempty"`
	Status      string   `json:"status,omitempty"`
	Assignee    string   `json:"assignee,omitempty"`
	ReadSeq     uint64   `json:"read_seq,omitempty"`
	SnoozeUntil int64    `json:"snooze_until,omitempty"`
	// Ref is the message an "analysis" item reads.
	Ref      uint64    `json:"ref,omitempty"`
	Analysis *Analysis `json:"analysis,omitempty"`
	// Priority is a "priority" item's new priority.
	Priority string `json:"priority,omitempty"`
	// Call is a "call" item's call: Status says started, joined or ended.
	Call *Call `json:"call,omitempty"`
	// Rating is a "rating" item's: the customer's CSAT score.
	Rating *Rating `json:"rating,omitempty"`
	// Channel is how a message came ("" is the web: the widget and the
	// console).
	Channel string `json:"channel,omitempty"`
	// ActorName is an agent's message's author's (or call item's agent's)
	// display name as it was when they wrote it (absent when the agent
	// has none): customers see agents by name, never by id.
	ActorName string `json:"actor_name,omitempty"`
	// Email is a message's e-mail headers, when it came or went as mail.
	Email *Email `json:"email,omitempty"`
	// Template is an agent's reply sent as a platform's pre-approved
	// template (WhatsApp).
	Template *Template `json:"template,omitempty"`
	// Delivery is a "delivery" item's (agents): what became of the mail
	// of the message at Ref.
	Delivery *Delivery `json:"delivery,omitempty"`
	// SLA is an "sla" item's (agents): a service level clock's warning or
	// breach.
	SLA *SLAStage `json:"sla,omitempty"`
	// Tags is a "tags" item's (agents): the tags added and removed.
	Tags *TagsChange `json:"tags,omitempty"`
	// Team is a "team" item's new team ("" none; agents); Unassigned says
	// the assignee, not of the team, gave the conversation up.
	Team       string `json:"team,omitempty"`
	Unassigned bool   `json:"unassigned,omitempty"`
	// CustomStatus is a "status" item's custom status (agents).
	CustomStatus string `json:"custom_status,omitempty"`
	// Fields is a "fields" item's (agents): the values set, the fields
	// cleared.
	Fields *FieldsChange `json:"fields,omitempty"`
	// Link is a "linked" item's (agents): the other conversation, the
	// link's kind (related, split) and a split's message, or removed.
	Link *Link `json:"link,omitempty"`
	// Merge is a "merged" item's (agents): the conversation merged and
	// the one it was merged into.
	Merge *Merge `json:"merge,omitempty"`
}

// TagsChange is what a "tags" item did.
type TagsChange struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// SLAStage is a service level clock reaching its warning or its target.
type SLAStage struct {
	Measure string `json:"measure"` // first_response, next_response or resolution
	Stage   string `json:"stage"`   // warning or breached
	Since   int64  `json:"since"`   // the wait's start (unix ms)
	Due     int64  `json:"due"`     // when it came (unix ms)
}

// Email is what a message that came or went as e-mail says beyond its
// text (docs/email.md).
type Email struct {
	MessageID  string    `json:"message_id,omitempty"`
	InReplyTo  string    `json:"in_reply_to,omitempty"`
	References []string  `json:"references,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	From       *Address  `json:"from,omitempty"`
	To         []Address `json:"to,omitempty"`
	Cc         []Address `json:"cc,omitempty"`
	// Quoted is the earlier conversation and signature the mail quoted,
	// cut from the text: shown folded.
	Quoted string `json:"quoted,omitempty"`
	// SPF, DKIM and DMARC are the edge's verdicts on a received mail:
	// pass, fail, softfail, neutral, none, temperror or permerror.
	SPF   string `json:"spf,omitempty"`
	DKIM  string `json:"dkim,omitempty"`
	DMARC string `json:"dmarc,omitempty"`
	// Auto marks a mail a machine sent (an auto-reply, a list, a bounce).
	Auto bool `json:"auto,omitempty"`
}

// Address is an e-mail address and its display name.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Delivery is what became of a message sent as e-mail: sent (the relay
// took it), deferred (tried again at Next), failed (for good).
type Delivery struct {
	Status    string `json:"status"`
	MessageID string `json:"message_id,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Attempts  int    `json:"attempts,omitempty"`
	Next      int64  `json:"next,omitempty"` // unix ms
}

// Analysis is the NLP plugin's reading of a customer's message (agents
// only).
type Analysis struct {
	Language           string    `json:"language,omitempty"`
	LanguageConfidence int       `json:"language_confidence,omitempty"`
	Intent             string    `json:"intent,omitempty"`
	IntentConfidence   int       `json:"intent_confidence,omitempty"`
	Sentiment          string    `json:"sentiment,omitempty"`
	SentimentScore     int       `json:"sentiment_score,omitempty"`
	PII                []PIISpan `json:"pii,omitempty"`
	Plugin             string    `json:"plugin,omitempty"` // name@version that read it
}

// PIISpan is personal data in a message: its kind and its span in bytes of
// the UTF-8 text.
type PIISpan struct {
	Kind  string `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Call is a call item's call.
type Call struct {
	ID       string `json:"id"`
	Conv     string `json:"conv"`
	Role     string `json:"role,omitempty"`        // customer, agent, supervisor
	Duration int64  `json:"duration_ms,omitempty"` // ended: since it started
	Reason   string `json:"reason,omitempty"`      // ended: why
	Node     string `json:"node,omitempty"`        // started: the node whose media server hosts it
	// ended: what the media server received from the participants, all
	// together: packets, packets lost on the way, the worst jitter (ms)
	PacketsReceived uint64  `json:"packets_received,omitempty"`
	PacketsLost     int64   `json:"packets_lost,omitempty"`
	JitterMS        float64 `json:"jitter_ms,omitempty"`
	// ended: the longest round trip between the media server and a
	// participant, the last measured (ms)
	RTTMS float64 `json:"rtt_ms,omitempty"`
	// started: the call is recorded, which the customer is told
	Recorded bool `json:"recorded,omitempty"`
}

// Rating is a rating item's: the customer's score of a resolved
// conversation, from 1 (very unhappy) to 5 (very happy).
type Rating struct {
	Score int `json:"score"`
}

// Conversation is a conversation as frames carry it, in one of two views.
// Agents get every field but Assigned and ReadSeq. Customers get ID,
// Status, OpenedAt, LastSeq and Assigned, always, ReadSeq in history
// frames, and nothing else: what the agents' view adds is their business.
//
// One type carries both so that a frame's conversation fields have one
// type and decode without knowing who asked. The fields only agents get
// are omitted when zero, and are never zero in agents' view (every
// conversation has a tenant, inbox, contact, opening sequence and last
// activity); Messages, which is 0 in a conversation without messages, is
// a pointer, as is Assigned, which only customers get. So each view's JSON
// has its own fields and no others.
type Conversation struct {
	ID          string `json:"id"`
	Tenant      string `json:"tenant,omitempty"`  // agents
	Inbox       string `json:"inbox,omitempty"`   // agents
	Contact     string `json:"contact,omitempty"` // agents
	Status      string `json:"status"`
	SnoozeUntil int64  `json:"snooze_until,omitempty"`
	Assignee    string `json:"assignee,omitempty"`
	OpenedAt    int64  `json:"opened_at"`            // unix ms
	OpenedSeq   uint64 `json:"opened_seq,omitempty"` // agents
	LastSeq     uint64 `json:"last_seq"`
	LastAt      int64  `json:"last_at,omitempty"`   // agents; unix ms
	Messages    *int   `json:"messages,omitempty"`  // agents
	LastText    string `json:"last_text,omitempty"` // a preview of the last message
	// LastAttachment names the first file of the last message (agents),
	// absent when it had none.
	LastAttachment string `json:"last_attachment,omitempty"`
	// ContactName is the customer's name, else e-mail address, as last
	// given: what agents see in their lists.
	ContactName string `json:"contact_name,omitempty"`
	// Language, Intent and Sentiment are the NLP plugin's reading of the
	// customer's latest analysed message.
	Language  string `json:"language,omitempty"`
	Intent    string `json:"intent,omitempty"`
	Sentiment string `json:"sentiment,omitempty"`
	// RoutedBy, RouteNote and RouteFallback say how the conversation was
	// assigned when it opened.
	RoutedBy      string `json:"routed_by,omitempty"`
	RouteNote     string `json:"route_note,omitempty"`
	RouteFallback bool   `json:"route_fallback,omitempty"`
	// Priority orders the queue of waiting conversations ("" is normal).
	Priority string `json:"priority,omitempty"`
	// Channel is how the conversation was opened ("" is the web).
	Channel string `json:"channel,omitempty"`
	// CustomerAt is when the customer last wrote (agents; unix ms): a
	// messaging platform's reply window runs from it (docs/channels.md).
	CustomerAt int64 `json:"customer_at,omitempty"`
	// Subject is an e-mail conversation's subject (agents).
	Subject string `json:"subject,omitempty"`
	// SLA are its service level clocks (agents): the waits its tenant's
	// policy sets a target for that run now, or stand still while it is
	// pending or on hold (docs/tickets.md).
	SLA []SLAClock `json:"sla,omitempty"`
	// Tags are its tags, sorted (agents).
	Tags []string `json:"tags,omitempty"`
	// Team is the team it is given to (agents; absent: none).
	Team string `json:"team,omitempty"`
	// CustomStatus is the tenant's custom status it is in (agents; its
	// base is Status); absent: none.
	CustomStatus string `json:"custom_status,omitempty"`
	// Fields are its custom fields' values by key (agents): numbers as
	// written, dates YYYY-MM-DD, checkboxes "true" or "false".
	Fields map[string]string `json:"fields,omitempty"`
	// Links are the conversations linked to it (agents); MergedInto the
	// one it was merged into, MergedFrom those merged into it.
	Links      []ConvLink `json:"links,omitempty"`
	MergedInto string     `json:"merged_into,omitempty"`
	MergedFrom []string   `json:"merged_from,omitempty"`
	// Assigned says whether an agent has the conversation (customers).
	Assigned *bool `json:"assigned,omitempty"`
	// ReadSeq is how far an agent has read the conversation (customers,
	// in a history frame): the widget's "Seen" after a reload, as read
	// items tell it live.
	ReadSeq uint64 `json:"read_seq,omitempty"`
}

// SLAClock is one service level clock of a conversation: a wait for a
// first or a next answer, or the time to solve it.
type SLAClock struct {
	// Measure is first_response, next_response or resolution.
	Measure string `json:"measure"`
	// Since is when the wait began (unix ms).
	Since int64 `json:"since"`
	// Target is the policy's target at the conversation's priority, in
	// ms of business hours (or of the clock, without them).
	Target int64 `json:"target_ms"`
	// Due is when the target is reached (unix ms); absent while the clock
	// stands still (Paused).
	Due int64 `json:"due,omitempty"`
	// WarnAt is when the warning comes (unix ms), absent when it came,
	// or while paused.
	WarnAt int64 `json:"warn_at,omitempty"`
	// Paused: the conversation is pending or on hold, and Left (ms of
	// business time) is what remains of the target.
	Paused bool  `json:"paused,omitempty"`
	Left   int64 `json:"left_ms,omitempty"`
	// Stage is "" (running in time), warning or breached.
	Stage string `json:"stage,omitempty"`
}

// Contact is a customer, as agents see them.
type Contact struct {
	ID         string `json:"id"`
	Tenant     string `json:"tenant"`
	Inbox      string `json:"inbox,omitempty"`
	ExternalID string `json:"external_id,omitempty"` // a website's signed-in user: their id there
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	CreatedAt  int64  `json:"created_at"` // unix ms
	// Language and Attributes are what the website says of its signed-in
	// user: an ISO 639 code, and its attributes.
	Language   string            `json:"language,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Canned is a canned response: text an agent inserts by its shortcut.
type Canned struct {
	ID       string `json:"id"`
	Shortcut string `json:"shortcut"`
	Text     string `json:"text"`
}

// Rule is an automation rule (docs/automation.md): when one of its
// triggers (When) happens to a conversation and its conditions hold (all,
// or any with Match "any"), its actions run in order, once. A time rule
// (When ["time"]) runs AfterS seconds after the moment Since names.
type Rule struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Disabled   bool        `json:"disabled,omitempty"`
	When       []string    `json:"when"`
	Since      string      `json:"since,omitempty"`
	AfterS     int64       `json:"after_s,omitempty"`
	Match      string      `json:"match,omitempty"`
	Conditions []Condition `json:"conditions"`
	Actions    []Action    `json:"actions"`
}

// Condition tests a field: Value for is, is_not, contains, not_contains;
// Values for in, not_in and the tags' contains and not_contains; nothing
// for present and absent.
type Condition struct {
	Field  string   `json:"field"`
	Op     string   `json:"op"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
}

// Action is one change of a rule or a macro: Value is an agent id, a
// status or a priority; Tags are added or removed; Text is a reply's or
// a note's; AfterS is a snooze's length in seconds.
type Action struct {
	Type   string   `json:"type"`
	Value  string   `json:"value,omitempty"`
	Tags   []string `json:"tags,omitempty"`
	Text   string   `json:"text,omitempty"`
	AfterS int64    `json:"after_s,omitempty"`
	// Field is the custom field set_field sets (Value "" clears it).
	Field string `json:"field,omitempty"`
}

// Macro is a named list of actions an agent applies in one step.
type Macro struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Actions []Action `json:"actions"`
}

// AutomationSchema is what rules may say, for an editor of rules: the
// triggers, the moments time rules count from, the fields conditions
// test and the action types.
type AutomationSchema struct {
	Triggers []string      `json:"triggers"`
	Sinces   []string      `json:"sinces"`
	Fields   []FieldSchema `json:"fields"`
	Actions  []string      `json:"actions"`
}

// FieldSchema is a field conditions test: its operators, its values when
// it has a list of them, the triggers it has a value for (absent: all)
// and what it is. The field "attribute.<key>" stands for any attribute
// of the customer.
type FieldSchema struct {
	Name     string   `json:"name"`
	Ops      []string `json:"ops"`
	Values   []string `json:"values,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	Doc      string   `json:"doc"`
}

// FieldDef is a custom field of the tenant's conversations: its key,
// label, kind (text, number, date, dropdown, checkbox), a drop-down's
// options, and whether solving needs it. The type (key "type") is
// always there.
type FieldDef struct {
	Key             string   `json:"key"`
	Label           string   `json:"label"`
	Kind            string   `json:"kind"`
	Options         []string `json:"options,omitempty"`
	RequiredOnSolve bool     `json:"required_on_solve,omitempty"`
}

// ConvLink is a link to another conversation: related (by an agent) or
// split (one was split off the other; Ref: the message).
type ConvLink struct {
	Conv string `json:"conv"`
	Kind string `json:"kind"`
	Ref  uint64 `json:"ref,omitempty"`
}

// Link is what a "linked" item did: Other linked to (or, Removed, from)
// the item's conversation.
type Link struct {
	Other   string `json:"other"`
	Kind    string `json:"kind"`
	Ref     uint64 `json:"ref,omitempty"`
	Removed bool   `json:"removed,omitempty"`
}

// Merge is what a "merged" item says: Conv was merged into Into.
type Merge struct {
	Conv string `json:"conv"`
	Into string `json:"into"`
}

// SearchHit is a message a search found (agents): its conversation (as
// lists show it), its sequence, time and author's kind, whether it is a
// private note, and a snippet of it with the matches marked ([start,
// end) in Unicode code points of the snippet).
type SearchHit struct {
	Conversation Conversation `json:"conversation"`
	Seq          uint64       `json:"seq"`
	TS           int64        `json:"ts"`
	ActorKind    string       `json:"actor_kind"`
	Private      bool         `json:"private,omitempty"`
	Snippet      string       `json:"snippet"`
	Marks        [][2]int     `json:"marks"`
}

// View is a saved view of conversations: those that match every filter
// given, in the order Sort names (last_activity, due, priority,
// created). Assignee "me" and Team "mine" are the agent looking, "none"
// none; SLA is breached, warning or running; Fields are custom field
// values that must match. The built-in views (mine, unassigned,
// my-teams, overdue) come first.
type View struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Statuses   []string          `json:"statuses,omitempty"`
	Assignee   string            `json:"assignee,omitempty"`
	Team       string            `json:"team,omitempty"`
	Priorities []string          `json:"priorities,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Channel    string            `json:"channel,omitempty"`
	Inbox      string            `json:"inbox,omitempty"`
	SLA        string            `json:"sla,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Sort       string            `json:"sort,omitempty"`
	// Builtin marks the views every agent has; they are not changed.
	Builtin bool `json:"builtin,omitempty"`
}

// SLAPolicy is a tenant's service level policy (docs/tickets.md): targets
// in seconds by priority (low, normal, high, urgent; 0 none), business
// hours (an IANA time zone; each weekday's, Sunday first, opening and
// closing in minutes from midnight; holidays YYYY-MM-DD), the warning's
// share of a target (1-99; 0 is 80) and a breach's escalation.
type SLAPolicy struct {
	FirstResponse [4]int64    `json:"first_response_s"`
	NextResponse  [4]int64    `json:"next_response_s"`
	Resolution    [4]int64    `json:"resolution_s"`
	TimeZone      string      `json:"time_zone,omitempty"`
	Hours         [7][2]int32 `json:"hours"`
	Holidays      []string    `json:"holidays,omitempty"`
	WarnAt        int         `json:"warn_at_percent,omitempty"`
	Escalate      string      `json:"escalate_priority,omitempty"`
	EscalateTeam  string      `json:"escalate_team,omitempty"`
}

// CustomStatus is a tenant's own status: its id (what a status frame
// names), its label, and the one of the six it is.
type CustomStatus struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Base  string `json:"base"`
}

// FieldsChange is what a "fields" item did.
type FieldsChange struct {
	Set   map[string]string `json:"set,omitempty"`
	Clear []string          `json:"clear,omitempty"`
}

// Team is a group of agents conversations are given to.
type Team struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Agents []string `json:"agents"`
}

// Inbox is an inbox, as agents see it: never its identity secret.
type Inbox struct {
	ID       string   `json:"id"`
	Tenant   string   `json:"tenant"`
	Name     string   `json:"name,omitempty"`
	Channel  string   `json:"channel,omitempty"`
	Prechat  []string `json:"prechat,omitempty"`  // what its pre-chat form asks: name, email
	Skills   []string `json:"skills,omitempty"`   // what its conversations need of an agent
	Priority string   `json:"priority,omitempty"` // of its new conversations; "" is normal
	// Color, Greeting and ReplyTime are its branding in the chat widget
	// (see Brand).
	Color     string `json:"color,omitempty"`
	Greeting  string `json:"greeting,omitempty"`
	ReplyTime string `json:"reply_time,omitempty"`
}

// Brand is a customer's inbox as the chat widget shows it, in the
// customer's welcome: its name, brand colour ("#rrggbb"), greeting (one
// line of text) and expected reply time ("minutes", "hours" or "day":
// "Usually replies in a few minutes", "in an hour", "in a day"). Each but
// the id is absent when unset.
type Brand struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	Color     string `json:"color,omitempty"`
	Greeting  string `json:"greeting,omitempty"`
	ReplyTime string `json:"reply_time,omitempty"`
}

// Agent is an agent, as the team sees them: never their password hash.
type Agent struct {
	ID        string   `json:"id"`
	Tenant    string   `json:"tenant"`
	Email     string   `json:"email"`
	Name      string   `json:"name,omitempty"`
	Role      string   `json:"role,omitempty"` // admin, or agent when empty
	Skills    []string `json:"skills,omitempty"`
	Languages []string `json:"languages,omitempty"`
	MaxChats  int      `json:"max_chats,omitempty"`
}

// Signal is a signaling message between a client and the edge's media
// server for a call: an offer, an answer or an ICE candidate.
type Signal struct {
	Type      string        `json:"type" ts:"\"offer\" | \"answer\" | \"candidate\""`
	SDP       string        `json:"sdp,omitempty"`
	Candidate *ICECandidate `json:"candidate,omitempty"`
}

// ICECandidate is an ICE candidate as the browser's
// RTCIceCandidate.toJSON() gives it (RTCIceCandidateInit).
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex"`
	UsernameFragment *string `json:"usernameFragment"`
}

// Attachment is a stored upload: the answer to POST /api/v1/attachments.
type Attachment struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Login is the body of POST /api/v1/login.
type Login struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginReply is the answer to a successful sign-in: a bearer token for
// hello and the HTTP API, the agent, and how long the token lasts.
type LoginReply struct {
	Agent     Agent  `json:"agent"`
	ExpiresIn int    `json:"expires_in"` // seconds
	Token     string `json:"token"`
}

// APIError is the body of every HTTP error: a code (Code*) and what was
// wrong.
type APIError struct {
	Code    string `json:"code" ts:"Code"`
	Message string `json:"message"`
}

// Template is a platform's pre-approved message template (WhatsApp's): an
// agent's reply outside the platform's window (docs/channels.md). Name
// and Language as the platform approved it (en_US, pt_BR); Params the
// values of its body's parameters, in order.
type Template struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"`
}
