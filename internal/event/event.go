package event

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Version is the envelope version written by this code. Decoders accept any
// version up to it and refuse newer ones, whose meaning they cannot know.
const Version = 1

// Kind names what an event records.
type Kind string

// The kinds of event. New kinds may be added; a projector that meets a kind it
// does not know skips it.
const (
	KindTenantUpserted     Kind = "tenant.upserted"
	KindInboxUpserted      Kind = "inbox.upserted"
	KindAgentUpserted      Kind = "agent.upserted"
	KindContactUpserted    Kind = "contact.upserted"
	KindConversationOpened Kind = "conversation.opened"
	KindMessageCreated     Kind = "message.created"
	KindStatusChanged      Kind = "conversation.status_changed"
	KindConversationAssign Kind = "conversation.assigned"
	KindReadMarked         Kind = "conversation.read"
	KindAttachmentStored   Kind = "attachment.stored"
	KindCannedUpserted     Kind = "canned.upserted"
	KindMessageAnalyzed    Kind = "message.analyzed"
	KindPriorityChanged    Kind = "conversation.priority_changed"
	KindCallStarted        Kind = "call.started"
	KindCallJoined         Kind = "call.joined"
	KindCallEnded          Kind = "call.ended"
	KindConversationRated  Kind = "conversation.rated"
	KindPluginConfigured   Kind = "plugin.configured"
	KindAPIKeyCreated      Kind = "apikey.created"
	KindAPIKeyRevoked      Kind = "apikey.revoked"
	KindContactRekeyed     Kind = "contact.rekeyed"
	KindAttachmentExpired  Kind = "attachment.expired"
	KindEmailDelivery      Kind = "email.delivery"
	KindSLAStage           Kind = "conversation.sla"
	KindTagsChanged        Kind = "conversation.tags_changed"
	KindRulesSet           Kind = "automation.rules_set"
	KindMacrosSet          Kind = "automation.macros_set"
	KindAutoDue            Kind = "automation.due"
	KindAutoSkipped        Kind = "automation.skipped"
	KindTeamUpserted       Kind = "team.upserted"
	KindTeamChanged        Kind = "conversation.team_changed"
	KindFieldsSet          Kind = "ticket.fields_set"
	KindFieldsChanged      Kind = "conversation.fields_changed"
	KindLinked             Kind = "conversation.linked"
	KindMerged             Kind = "conversation.merged"
	KindViewsSet           Kind = "views.set"
	KindStatusesSet        Kind = "statuses.set"
	KindAutoExpanded       Kind = "automation.expanded"
	KindWebhookUpserted    Kind = "webhook.endpoint_upserted"
	KindWebhookResults     Kind = "webhook.results"
	KindWebhookReplay      Kind = "webhook.replay"
	KindAutoWebhook        Kind = "automation.webhook"
	KindChannelDelivery    Kind = "channel.delivery"
	KindChannelCursor      Kind = "channel.cursor"
	KindChannelConfigured  Kind = "channel.configured"
)

// Conversation (ticket) statuses: a conversation's lifecycle, whose
// transitions internal/ticket's table allows (docs/tickets.md).
const (
	StatusNew     = "new"     // no agent has answered or taken it up yet
	StatusOpen    = "open"    // being worked on
	StatusPending = "pending" // waiting on the customer
	StatusOnHold  = "on_hold" // waiting on a third party (or snoozed until a time)
	StatusSolved  = "solved"  // answered; a customer's reply reopens it
	StatusClosed  = "closed"  // final: a customer's reply starts a new one
)

// Statuses are the six statuses, in their lifecycle's order.
var Statuses = []string{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusSolved, StatusClosed}

// The statuses of logs written before the six (layout < 11), still read
// from the log and taken from clients: snoozed is on_hold with a time
// to wake up, resolved is solved.
const (
	StatusSnoozed  = "snoozed"
	StatusResolved = "resolved"
)

// CanonicalStatus is the status s names: one of Statuses, or a legacy
// name's (snoozed → on_hold, resolved → solved); "" for none.
func CanonicalStatus(s string) string {
	switch s {
	case StatusSnoozed:
		return StatusOnHold
	case StatusResolved:
		return StatusSolved
	}
	if slices.Contains(Statuses, s) {
		return s
	}
	return ""
}

// ValidStatus reports whether s is a conversation status, or a legacy
// name of one.
func ValidStatus(s string) bool { return CanonicalStatus(s) != "" }

// Done reports whether a conversation in status s is done with (solved or
// closed): it counts toward no agent's load and waits for nobody.
func Done(s string) bool {
	s = CanonicalStatus(s)
	return s == StatusSolved || s == StatusClosed
}

// Actor kinds.
const (
	ActorSystem   = "system"
	ActorAgent    = "agent"
	ActorCustomer = "customer"
)

// Event is one entry of the event log. ID is the dedupe id: appending the
// same ID twice records one event. Seq is not encoded: it is the log's
// sequence, known once the log has stored the event.
type Event struct {
	V      int    `cbor:"1,keyasint"`
	ID     string `cbor:"2,keyasint"`
	Kind   Kind   `cbor:"3,keyasint"`
	Tenant string `cbor:"4,keyasint"`
	Origin string `cbor:"5,keyasint,omitempty"` // edge that accepted it
	TS     int64  `cbor:"6,keyasint"`           // unix milliseconds, set by the accepting edge
	Actor  Actor  `cbor:"7,keyasint"`

	TenantInfo   *Tenant         `cbor:"20,keyasint,omitempty"`
	Inbox        *Inbox          `cbor:"21,keyasint,omitempty"`
	Agent        *Agent          `cbor:"22,keyasint,omitempty"`
	Contact      *Contact        `cbor:"23,keyasint,omitempty"`
	Conversation *ConvOpened     `cbor:"24,keyasint,omitempty"`
	Message      *Message        `cbor:"25,keyasint,omitempty"`
	Status       *StatusChange   `cbor:"26,keyasint,omitempty"`
	Assign       *Assignment     `cbor:"27,keyasint,omitempty"`
	Read         *ReadMark       `cbor:"28,keyasint,omitempty"`
	Attachment   *Attachment     `cbor:"29,keyasint,omitempty"`
	Canned       *Canned         `cbor:"30,keyasint,omitempty"`
	Analysis     *Analysis       `cbor:"31,keyasint,omitempty"`
	Priority     *PriorityChange `cbor:"32,keyasint,omitempty"`
	Call         *Call           `cbor:"33,keyasint,omitempty"`
	Rating       *Rating         `cbor:"34,keyasint,omitempty"`
	PluginConfig *PluginConfig   `cbor:"35,keyasint,omitempty"`
	APIKey       *APIKey         `cbor:"40,keyasint,omitempty"`
	Rekey        *ContactRekey   `cbor:"45,keyasint,omitempty"`
	Delivery     *Delivery       `cbor:"46,keyasint,omitempty"`
	SLAStage     *SLAStage       `cbor:"47,keyasint,omitempty"`
	Tags         *TagsChange     `cbor:"48,keyasint,omitempty"`
	Rules        *RuleSet        `cbor:"49,keyasint,omitempty"`
	Macros       *MacroSet       `cbor:"50,keyasint,omitempty"`
	AutoDue      *AutoDue        `cbor:"51,keyasint,omitempty"`
	AutoSkip     *AutoSkip       `cbor:"52,keyasint,omitempty"`
	// Auto marks a change made by an automation rule (any kind).
	Auto        *AutoRef         `cbor:"53,keyasint,omitempty"`
	Team        *Team            `cbor:"54,keyasint,omitempty"`
	TeamChange  *TeamChange      `cbor:"55,keyasint,omitempty"`
	FieldSet    *FieldSet        `cbor:"56,keyasint,omitempty"`
	Fields      *FieldsChange    `cbor:"57,keyasint,omitempty"`
	Link        *Link            `cbor:"58,keyasint,omitempty"`
	Merge       *Merge           `cbor:"59,keyasint,omitempty"`
	Views       *ViewSet         `cbor:"60,keyasint,omitempty"`
	Statuses    *StatusSet       `cbor:"61,keyasint,omitempty"`
	AutoExpand  *AutoExpand      `cbor:"62,keyasint,omitempty"`
	Webhook     *WebhookEndpoint `cbor:"63,keyasint,omitempty"`
	HookResults *WebhookResults  `cbor:"64,keyasint,omitempty"`
	HookReplay  *WebhookReplay   `cbor:"65,keyasint,omitempty"`
	HookCall    *WebhookCall     `cbor:"66,keyasint,omitempty"`
	Cursor      *ChannelCursor   `cbor:"67,keyasint,omitempty"`
	ChannelConf *ChannelConfig   `cbor:"68,keyasint,omitempty"`

	Seq uint64 `cbor:"-"`
}

// Actor says who caused an event.
type Actor struct {
	Kind string `cbor:"1,keyasint"`
	ID   string `cbor:"2,keyasint,omitempty"`
}

// Tenant is a company using Edgedesk.
type Tenant struct {
	ID   string `cbor:"1,keyasint"`
	Name string `cbor:"2,keyasint,omitempty"`
	// Residency names the fields that stay in the tenant's region: the
	// edge encrypts them (or, with ResidencyMode "redact", blanks them)
	// before its log leaves for the hub. See ResidencyFields.
	Residency     []string `cbor:"3,keyasint,omitempty"`
	ResidencyMode string   `cbor:"4,keyasint,omitempty"`
	// RecordCalls records the tenant's calls on the edge that hosts them
	// (docs/calls.md).
	RecordCalls bool `cbor:"5,keyasint,omitempty"`
	// SLA is the tenant's service level policy (docs/metrics.md).
	SLA *SLA `cbor:"6,keyasint,omitempty"`
}

// SLA is a service level policy: targets in seconds by priority (low,
// normal, high, urgent; 0: none) and, with a time zone, the business
// hours they count in.
type SLA struct {
	FirstResponse [4]int64 `cbor:"1,keyasint" json:"first_response_s"`
	NextResponse  [4]int64 `cbor:"2,keyasint" json:"next_response_s"`
	Resolution    [4]int64 `cbor:"3,keyasint" json:"resolution_s"`
	// TimeZone (IANA, e.g. Europe/Berlin) sets business hours: Hours are
	// each weekday's (Sunday first) opening and closing, in minutes from
	// midnight; Holidays (YYYY-MM-DD) are closed.
	TimeZone string      `cbor:"4,keyasint,omitempty" json:"time_zone,omitempty"`
	Hours    [7][2]int32 `cbor:"5,keyasint" json:"hours"`
	Holidays []string    `cbor:"6,keyasint,omitempty" json:"holidays,omitempty"`
	// WarnAt is the share of a target (percent, 1 to 99) at which the
	// edge warns that a wait nears it; 0 is 80.
	WarnAt int `cbor:"7,keyasint,omitempty" json:"warn_at_percent,omitempty"`
	// Escalate is the priority a conversation is raised to when one of
	// its clocks passes its target ("": none); a higher one stays.
	Escalate string `cbor:"8,keyasint,omitempty" json:"escalate_priority,omitempty"`
	// EscalateTeam is the team a conversation is given to when one of
	// its clocks breaches ("" none).
	EscalateTeam string `cbor:"9,keyasint,omitempty" json:"escalate_team,omitempty"`
}

// WarnShare is the share of a target at which the warning comes.
func (s *SLA) WarnShare() float64 {
	if s == nil || s.WarnAt <= 0 || s.WarnAt >= 100 {
		return 0.8
	}
	return float64(s.WarnAt) / 100
}

// SLA stages: a clock's wait nears its target, or passed it.
const (
	SLAWarning  = "warning"
	SLABreached = "breached"
)

// SLAStage is a service level clock of a conversation reaching its
// warning or its target (edge/clock records it, once per wait).
type SLAStage struct {
	Conv    string `cbor:"1,keyasint"`
	Measure string `cbor:"2,keyasint"` // first_response, next_response or resolution
	Stage   string `cbor:"3,keyasint"` // warning or breached
	Since   int64  `cbor:"4,keyasint"` // the wait's start (unix ms): which wait
	Due     int64  `cbor:"5,keyasint"` // when it came (unix ms)
}

// TagsChange adds tags to a conversation and removes others (each at most
// MaxTagsChange; tags as ValidTag has them).
type TagsChange struct {
	Conv   string   `cbor:"1,keyasint"`
	Add    []string `cbor:"2,keyasint,omitempty"`
	Remove []string `cbor:"3,keyasint,omitempty"`
}

// Bounds of tags: a conversation's, and one change's adds and removes.
const (
	MaxTags       = 32
	MaxTagsChange = 32
	MaxTagRunes   = 40
)

// ValidTag reports whether t is a tag: 1 to MaxTagRunes letters (in lower
// case where a letter has cases), digits, '-', '_' or '.', as a tag is
// kept (the conversation service lowers and trims what agents type).
func ValidTag(t string) bool {
	if t == "" || utf8.RuneCountInString(t) > MaxTagRunes || !utf8.ValidString(t) {
		return false
	}
	for _, r := range t {
		switch {
		case r == '-' || r == '_' || r == '.':
		case unicode.IsDigit(r):
		case unicode.IsLetter(r) && !unicode.IsUpper(r):
		default:
			return false
		}
	}
	return true
}

func validTags(c *TagsChange) bool {
	if c == nil || !ValidID(c.Conv) || len(c.Add) > MaxTagsChange || len(c.Remove) > MaxTagsChange || len(c.Add)+len(c.Remove) == 0 {
		return false
	}
	for _, t := range slices.Concat(c.Add, c.Remove) {
		if !ValidTag(t) {
			return false
		}
	}
	return true
}

// SLAMeasures are the measures of a policy.
var SLAMeasures = []string{"first_response", "next_response", "resolution"}

// Check says what is wrong with a policy, or nil.
func (s *SLA) Check() error {
	const year = 366 * 24 * 3600
	for _, ts := range [][4]int64{s.FirstResponse, s.NextResponse, s.Resolution} {
		for _, v := range ts {
			if v < 0 || v > year {
				return fmt.Errorf("sla: a target of %d s: give 0 (none) to a year", v)
			}
		}
	}
	if s.TimeZone != "" {
		if len(s.TimeZone) > 64 || strings.ContainsFunc(s.TimeZone, func(r rune) bool {
			return !(r == '/' || r == '_' || r == '-' || r == '+' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
		}) {
			return fmt.Errorf("sla: time zone %q: give an IANA name such as Europe/Berlin", s.TimeZone)
		}
	}
	for d, h := range s.Hours {
		if h[0] < 0 || h[1] > 24*60 || h[1] < h[0] {
			return fmt.Errorf("sla: hours of day %d: give opening ≤ closing, in minutes from 0 to 1440", d)
		}
	}
	if s.WarnAt < 0 || s.WarnAt > 99 {
		return fmt.Errorf("sla: warn_at_percent %d: give 1 to 99 (0: 80)", s.WarnAt)
	}
	if s.EscalateTeam != "" && !ValidID(s.EscalateTeam) {
		return fmt.Errorf("sla: escalate_team %q: give a team's id", s.EscalateTeam)
	}
	if s.Escalate != "" && !ValidPriority(s.Escalate) {
		return fmt.Errorf("sla: escalate_priority %q: give low, normal, high or urgent", s.Escalate)
	}
	if len(s.Holidays) > 1000 {
		return fmt.Errorf("sla: %d holidays: at most 1000", len(s.Holidays))
	}
	for _, h := range s.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return fmt.Errorf("sla: holiday %q: give YYYY-MM-DD", h)
		}
	}
	return nil
}

// ResidencyFields are the fields a residency policy can keep in region.
var ResidencyFields = []string{"message.text", "contact.name", "contact.email", "contact.external_id", "attachment.name", "contact.attributes"}

// Inbox is a channel a tenant receives conversations on. IdentitySecret signs
// customer identities (HMAC-SHA256 of the user id) for web inboxes.
type Inbox struct {
	ID             string `cbor:"1,keyasint"`
	Name           string `cbor:"2,keyasint,omitempty"`
	Channel        string `cbor:"3,keyasint,omitempty"`
	IdentitySecret string `cbor:"4,keyasint,omitempty"`
	// Prechat lists what the widget asks a new visitor before the chat
	// starts: "name", "email".
	Prechat []string `cbor:"5,keyasint,omitempty"`
	// Skills are what its conversations need of an agent: routing offers
	// them only to agents with every one.
	Skills []string `cbor:"6,keyasint,omitempty"`
	// Priority is the priority its new conversations start with ("" is
	// normal).
	Priority string `cbor:"7,keyasint,omitempty"`
	// Color, Greeting and ReplyTime are its branding in the chat widget:
	// a colour "#rrggbb", one line of at most MaxGreeting characters, and
	// the expected reply time (one of ReplyTimes); "" is unset.
	Color     string `cbor:"8,keyasint,omitempty"`
	Greeting  string `cbor:"9,keyasint,omitempty"`
	ReplyTime string `cbor:"10,keyasint,omitempty"`
}

// Conversation priorities, lowest first. Routing offers waiting
// conversations to agents highest priority first, then oldest first.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Priorities are the priorities, lowest first.
var Priorities = []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// PriorityRank orders priorities: low −1, normal (or "") 0, high 1,
// urgent 2. It is the Priority a routing plugin gets.
func PriorityRank(p string) int {
	switch p {
	case PriorityLow:
		return -1
	case PriorityHigh:
		return 1
	case PriorityUrgent:
		return 2
	}
	return 0
}

// StoredPriority is how records keep a priority: normal as "".
func StoredPriority(p string) string {
	if p == PriorityNormal {
		return ""
	}
	return p
}

// ValidPriority reports whether p is a priority ("" is not: say normal).
func ValidPriority(p string) bool { return slices.Contains(Priorities, p) }

// ValidSkills checks a list of skills: each an id (letters, digits, '-'
// and '_'), each once, at most 32.
func ValidSkills(skills []string) error {
	if len(skills) > 32 {
		return fmt.Errorf("%d skills, at most 32", len(skills))
	}
	for i, s := range skills {
		if !ValidID(s) {
			return fmt.Errorf("skill %q: a skill is 1 to 64 letters, digits, '-' or '_'", s)
		}
		if slices.Contains(skills[:i], s) {
			return fmt.Errorf("skill %q given twice", s)
		}
	}
	return nil
}

func validResidency(t *Tenant) bool {
	for _, f := range t.Residency {
		if !slices.Contains(ResidencyFields, f) {
			return false
		}
	}
	return t.ResidencyMode == "" || t.ResidencyMode == "encrypt" || t.ResidencyMode == "redact"
}

// PrechatFields are the fields a pre-chat form can ask.
var PrechatFields = []string{"name", "email"}

// ValidPrechat checks a pre-chat field list: known fields, each once.
func ValidPrechat(fields []string) error {
	seen := map[string]bool{}
	for _, f := range fields {
		if !slices.Contains(PrechatFields, f) {
			return fmt.Errorf("unknown pre-chat field %q: the fields are %s", f, strings.Join(PrechatFields, ", "))
		}
		if seen[f] {
			return fmt.Errorf("pre-chat field %q given twice", f)
		}
		seen[f] = true
	}
	return nil
}

// Agent is a person answering conversations. PasswordHash is a bcrypt hash.
type Agent struct {
	ID           string   `cbor:"1,keyasint"`
	Email        string   `cbor:"2,keyasint"`
	Name         string   `cbor:"3,keyasint,omitempty"`
	PasswordHash string   `cbor:"4,keyasint,omitempty"`
	Role         string   `cbor:"5,keyasint,omitempty"`
	Skills       []string `cbor:"6,keyasint,omitempty"`
	Languages    []string `cbor:"7,keyasint,omitempty"`
	MaxChats     int      `cbor:"8,keyasint,omitempty"`
}

// Contact is a customer. ExternalID is the website's user id for identified
// customers; anonymous visitors have none.
type Contact struct {
	ID         string `cbor:"1,keyasint"`
	Inbox      string `cbor:"2,keyasint,omitempty"`
	ExternalID string `cbor:"3,keyasint,omitempty"`
	Name       string `cbor:"4,keyasint,omitempty"`
	Email      string `cbor:"5,keyasint,omitempty"`
	// Language is the user's language as their website gives it (an
	// ISO 639 code); Attributes, when not nil, replace the contact's.
	Language   string      `cbor:"6,keyasint,omitempty"`
	Attributes *Attributes `cbor:"7,keyasint,omitempty"`
}

// ContactRekey moves a contact from one id to another (contact.rekeyed):
// its record and its conversations. Edges before keyed contact ids gave a
// website's user an id anyone could derive from the user id; an edge that
// meets such a contact when the user signs in again moves it to the keyed
// id.
type ContactRekey struct {
	From string `cbor:"1,keyasint"`
	To   string `cbor:"2,keyasint"`
}

// ConvOpened starts a conversation. Assignee is the agent the edge's routing
// chose when it opened, empty when it waits in the queue.
type ConvOpened struct {
	Conv     string `cbor:"1,keyasint"`
	Inbox    string `cbor:"2,keyasint"`
	Contact  string `cbor:"3,keyasint"`
	Assignee string `cbor:"4,keyasint,omitempty"`
	ClientID string `cbor:"5,keyasint,omitempty"`
	// How the assignee was chosen: RoutedBy names the routing plugin
	// (name@version) or "builtin"; RouteNote is the reason it gave, or why
	// the built-in rule ran instead (RouteFallback).
	RoutedBy      string `cbor:"6,keyasint,omitempty"`
	RouteNote     string `cbor:"7,keyasint,omitempty"`
	RouteFallback bool   `cbor:"8,keyasint,omitempty"`
	Language      string `cbor:"9,keyasint,omitempty"`  // the visitor's browser language, a hint
	Priority      string `cbor:"10,keyasint,omitempty"` // the inbox's, "" for normal
	// Channel is how the conversation was opened; "" is the web.
	Channel string `cbor:"11,keyasint,omitempty"`
}

// Message is a message in a conversation. ClientID is the sender's id for it:
// a second message with the same ClientID in the same conversation is the
// same message and is not recorded again. Private messages are notes between
// agents that the customer never sees.
type Message struct {
	Conv        string   `cbor:"1,keyasint"`
	ClientID    string   `cbor:"2,keyasint"`
	Text        string   `cbor:"3,keyasint,omitempty"`
	Attachments []string `cbor:"4,keyasint,omitempty"`
	Private     bool     `cbor:"5,keyasint,omitempty"`
	// Channel is how the message came ("api", later "email", …); "" is
	// the web (the widget and the console), as in events before channels.
	Channel string `cbor:"6,keyasint,omitempty"`
	// Email is an e-mail's envelope and headers: a mail received, or the
	// recipients an agent chose for a reply sent as mail.
	Email *Email `cbor:"7,keyasint,omitempty"`
	// Platform is, on a customer's message that came by a social
	// channel, who sent it there and the platform's id of it.
	Platform *Platform `cbor:"8,keyasint,omitempty"`
	// Template is, on an agent's reply in a conversation on a platform
	// that has them (WhatsApp), the pre-approved template it sends
	// instead of free text (outside the platform's window).
	Template *Template `cbor:"9,keyasint,omitempty"`
}

// Email is what a message that came or goes as e-mail says beyond its
// text. The edge's e-mail channel fills it from a mail it received
// (docs/email.md); an agent's reply names To and Cc when they differ from
// the conversation's customer.
type Email struct {
	MessageID  string    `cbor:"1,keyasint,omitempty"` // without the angle brackets
	InReplyTo  string    `cbor:"2,keyasint,omitempty"`
	References []string  `cbor:"3,keyasint,omitempty"`
	Subject    string    `cbor:"4,keyasint,omitempty"`
	From       *Address  `cbor:"5,keyasint,omitempty"`
	To         []Address `cbor:"6,keyasint,omitempty"`
	Cc         []Address `cbor:"7,keyasint,omitempty"`
	// Quoted is the earlier conversation the mail quoted and its
	// signature, cut from Text: kept, and shown folded.
	Quoted string `cbor:"8,keyasint,omitempty"`
	// SPF, DKIM and DMARC are the receiving edge's verdicts on the mail
	// (pass, fail, softfail, neutral, none, temperror, permerror), never
	// the sender's word.
	SPF   string `cbor:"9,keyasint,omitempty"`
	DKIM  string `cbor:"10,keyasint,omitempty"`
	DMARC string `cbor:"11,keyasint,omitempty"`
	// Auto marks a mail sent by a machine (Auto-Submitted, Precedence
	// bulk/list/junk, List-Id, a mailer daemon): it never gets an
	// automatic answer.
	Auto bool `cbor:"12,keyasint,omitempty"`
}

// Address is an e-mail address and its display name.
type Address struct {
	Name string `cbor:"1,keyasint,omitempty" json:"name,omitempty"`
	Addr string `cbor:"2,keyasint" json:"address"`
}

// Delivery is what became of a message sent as e-mail: Status is sent
// (the relay took it), deferred (it will be tried again), failed (it will
// not be: the relay refused it for good, or it bounced later).
type Delivery struct {
	Conv      string `cbor:"1,keyasint"`
	Ref       uint64 `cbor:"2,keyasint"` // the message's seq
	Status    string `cbor:"3,keyasint"`
	MessageID string `cbor:"4,keyasint,omitempty"`
	Detail    string `cbor:"5,keyasint,omitempty"` // the relay's answer, or the bounce's reason
	Attempts  int    `cbor:"6,keyasint,omitempty"`
	// Next is when a deferred delivery is tried again (unix ms).
	Next int64 `cbor:"7,keyasint,omitempty"`
}

// The statuses of a Delivery.
const (
	DeliverySent     = "sent"
	DeliveryDeferred = "deferred"
	DeliveryFailed   = "failed"
)

// StatusChange moves a conversation to a status. SnoozeUntil (unix ms), with
// on_hold (or the legacy snoozed), is when it wakes up: back to open.
type StatusChange struct {
	Conv        string `cbor:"1,keyasint"`
	Status      string `cbor:"2,keyasint"`
	SnoozeUntil int64  `cbor:"3,keyasint,omitempty"`
	// Due is, on a change the clock makes (internal/ticket's Timer), the
	// time it was made for: the snooze's end (to open), or when the
	// conversation was solved (to closed). It applies only while the
	// conversation still waits for that time.
	Due int64 `cbor:"4,keyasint,omitempty"`
	// Custom is the tenant's custom status it is set to (one whose base
	// is Status); "" none.
	Custom string `cbor:"5,keyasint,omitempty"`
}

// Assignment gives a conversation to an agent; an empty Agent unassigns it.
// When routing assigned a waiting conversation, RoutedBy, RouteNote and
// RouteFallback say how, as in ConvOpened.
type Assignment struct {
	Conv          string `cbor:"1,keyasint"`
	Agent         string `cbor:"2,keyasint,omitempty"`
	RoutedBy      string `cbor:"3,keyasint,omitempty"`
	RouteNote     string `cbor:"4,keyasint,omitempty"`
	RouteFallback bool   `cbor:"5,keyasint,omitempty"`
}

// PriorityChange sets a conversation's priority.
type PriorityChange struct {
	Conv     string `cbor:"1,keyasint"`
	Priority string `cbor:"2,keyasint"`
}

// Call is a voice or video call in a conversation: started, joined by a
// participant (Role), ended (Duration, Reason).
type Call struct {
	ID       string `cbor:"1,keyasint" json:"id"`
	Conv     string `cbor:"2,keyasint" json:"conv"`
	Role     string `cbor:"3,keyasint,omitempty" json:"role,omitempty"`        // customer, agent, supervisor
	Duration int64  `cbor:"4,keyasint,omitempty" json:"duration_ms,omitempty"` // ended: since it started
	Reason   string `cbor:"5,keyasint,omitempty" json:"reason,omitempty"`      // ended: why
	Node     string `cbor:"6,keyasint,omitempty" json:"node,omitempty"`        // started: the node whose media server hosts it
	// ended: what the media server received from the participants, all
	// together: packets, packets lost on the way, the worst jitter (ms)
	PacketsReceived uint64  `cbor:"7,keyasint,omitempty" json:"packets_received,omitempty"`
	PacketsLost     int64   `cbor:"8,keyasint,omitempty" json:"packets_lost,omitempty"`
	JitterMS        float64 `cbor:"9,keyasint,omitempty" json:"jitter_ms,omitempty"`
	// ended: the longest round trip between the media server and a
	// participant, the last measured (ms)
	RTTMS float64 `cbor:"11,keyasint,omitempty" json:"rtt_ms,omitempty"`
	// started: the call is recorded, which the customer is told
	Recorded bool `cbor:"10,keyasint,omitempty" json:"recorded,omitempty"`
}

// Rating is a customer's rating of a resolved conversation (CSAT): a
// score from 1 (very unhappy) to 5 (very happy).
type Rating struct {
	Conv  string `cbor:"1,keyasint" json:"-"`
	Score int    `cbor:"2,keyasint" json:"score"`
}

// CallRoles are the roles of a call's participants.
var CallRoles = []string{"customer", "agent", "supervisor"}

// ReadMark says a reader has read a conversation up to a log sequence.
type ReadMark struct {
	Conv string `cbor:"1,keyasint"`
	Seq  uint64 `cbor:"2,keyasint"`
}

// Attachment is a stored upload. The bytes live in the attachment store; the
// log records what they are.
type Attachment struct {
	ID     string `cbor:"1,keyasint"`
	Name   string `cbor:"2,keyasint,omitempty"`
	Type   string `cbor:"3,keyasint"`
	Size   int64  `cbor:"4,keyasint"`
	SHA256 string `cbor:"5,keyasint"`
}

// Canned is a canned response of a tenant: text an agent inserts by its
// shortcut. Deleted removes it.
type Canned struct {
	ID       string `cbor:"1,keyasint"`
	Shortcut string `cbor:"2,keyasint,omitempty"`
	Text     string `cbor:"3,keyasint,omitempty"`
	Deleted  bool   `cbor:"4,keyasint,omitempty"`
}

// Analysis is what the NLP plugin read in a customer's message (the
// message at log sequence Message): its language, intent and sentiment,
// and where personal data is. Confidences are percentages.
type Analysis struct {
	Conv               string    `cbor:"1,keyasint" json:"-"`
	Message            uint64    `cbor:"2,keyasint" json:"-"`
	Language           string    `cbor:"3,keyasint,omitempty" json:"language,omitempty"`
	LanguageConfidence int       `cbor:"4,keyasint,omitempty" json:"language_confidence,omitempty"`
	Intent             string    `cbor:"5,keyasint,omitempty" json:"intent,omitempty"`
	IntentConfidence   int       `cbor:"6,keyasint,omitempty" json:"intent_confidence,omitempty"`
	Sentiment          string    `cbor:"7,keyasint,omitempty" json:"sentiment,omitempty"`
	SentimentScore     int       `cbor:"8,keyasint,omitempty" json:"sentiment_score,omitempty"`
	PII                []PIISpan `cbor:"9,keyasint,omitempty" json:"pii,omitempty"`
	Plugin             string    `cbor:"10,keyasint,omitempty" json:"plugin,omitempty"` // name@version that read it
}

// PIISpan is personal data in a message: its kind and byte span.
type PIISpan struct {
	Kind  string `cbor:"1,keyasint" json:"kind"`
	Start int    `cbor:"2,keyasint" json:"start"`
	End   int    `cbor:"3,keyasint" json:"end"`
}

// MaxPIISpans bounds the spans of one analysis.
const MaxPIISpans = 64

func validAnalysis(a *Analysis) bool {
	if a == nil || !ValidID(a.Conv) || a.Message == 0 || len(a.PII) > MaxPIISpans ||
		len(a.Language) > 16 || len(a.Intent) > 64 || len(a.Sentiment) > 16 || len(a.Plugin) > 128 ||
		a.LanguageConfidence < 0 || a.LanguageConfidence > 100 || a.IntentConfidence < 0 || a.IntentConfidence > 100 ||
		a.SentimentScore < -100 || a.SentimentScore > 100 {
		return false
	}
	for _, p := range a.PII {
		if !ValidID(p.Kind) || p.Start < 0 || p.End <= p.Start {
			return false
		}
	}
	return true
}

// NewID returns a random 128-bit identifier in lower-case base32 (26
// characters), safe in NATS subjects and store keys.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return strings.ToLower(b32.EncodeToString(b[:]))
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// MaxIDLen is the longest id accepted from outside.
const MaxIDLen = 64

// ValidID reports whether s can be an id: 1 to 64 characters of ASCII
// letters, digits, '-' and '_'. Ids become parts of store keys and NATS
// subjects, so nothing else is allowed.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Conv returns the conversation an event belongs to, or "".
func (e *Event) Conv() string {
	switch {
	case e.Conversation != nil:
		return e.Conversation.Conv
	case e.Message != nil:
		return e.Message.Conv
	case e.Status != nil:
		return e.Status.Conv
	case e.SLAStage != nil:
		return e.SLAStage.Conv
	case e.Tags != nil:
		return e.Tags.Conv
	case e.AutoDue != nil:
		return e.AutoDue.Conv
	case e.AutoSkip != nil:
		return e.AutoSkip.Conv
	case e.AutoExpand != nil:
		return e.AutoExpand.Conv
	case e.HookCall != nil:
		return e.HookCall.Conv
	case e.TeamChange != nil:
		return e.TeamChange.Conv
	case e.Fields != nil:
		return e.Fields.Conv
	case e.Link != nil:
		return e.Link.Conv
	case e.Merge != nil:
		return e.Merge.Conv
	case e.Assign != nil:
		return e.Assign.Conv
	case e.Read != nil:
		return e.Read.Conv
	case e.Analysis != nil:
		return e.Analysis.Conv
	case e.Priority != nil:
		return e.Priority.Conv
	case e.Call != nil:
		return e.Call.Conv
	case e.Delivery != nil:
		return e.Delivery.Conv
	}
	return ""
}

// Validate checks that an event is well formed: known envelope fields and the
// one body its kind requires.
func (e *Event) Validate() error {
	if e.V < 1 || e.V > Version {
		return fmt.Errorf("%w: version %d, this node reads up to %d", ErrMalformed, e.V, Version)
	}
	if !ValidID(e.ID) {
		return fmt.Errorf("%w: bad event id %q", ErrMalformed, e.ID)
	}
	if !ValidID(e.Tenant) {
		return fmt.Errorf("%w: bad tenant id %q", ErrMalformed, e.Tenant)
	}
	var ok bool
	switch e.Kind {
	case KindTenantUpserted:
		ok = e.TenantInfo != nil && e.TenantInfo.ID == e.Tenant && validResidency(e.TenantInfo) &&
			(e.TenantInfo.SLA == nil || e.TenantInfo.SLA.Check() == nil)
	case KindInboxUpserted:
		ok = e.Inbox != nil && ValidID(e.Inbox.ID) && ValidPrechat(e.Inbox.Prechat) == nil && ValidSkills(e.Inbox.Skills) == nil &&
			(e.Inbox.Priority == "" || ValidPriority(e.Inbox.Priority)) && validBranding(e.Inbox)
	case KindAgentUpserted:
		ok = e.Agent != nil && ValidID(e.Agent.ID) && e.Agent.Email != ""
	case KindContactUpserted:
		ok = e.Contact != nil && ValidID(e.Contact.ID) && len(e.Contact.Language) <= 16 && validAttributes(e.Contact.Attributes)
	case KindConversationOpened:
		ok = e.Conversation != nil && ValidID(e.Conversation.Conv) && ValidID(e.Conversation.Contact) && ValidID(e.Conversation.Inbox) &&
			(e.Conversation.Priority == "" || ValidPriority(e.Conversation.Priority))
	case KindMessageCreated:
		ok = e.Message != nil && ValidID(e.Message.Conv) && ValidID(e.Message.ClientID) && validEmail(e.Message.Email) &&
			validPlatform(e.Message.Platform) && e.Message.Template.Check() == nil
	case KindChannelDelivery:
		d := e.Delivery
		ok = d != nil && ValidID(d.Conv) && d.Ref > 0 && slices.Contains(ChannelDeliveryStatuses, d.Status) &&
			len(d.MessageID) <= 4<<10 && len(d.Detail) <= 4<<10 && d.Attempts >= 0
	case KindChannelConfigured:
		ok = e.ChannelConf.Check() == nil
	case KindChannelCursor:
		ok = e.Cursor != nil && ValidID(e.Cursor.Channel) && len(e.Cursor.Cursor) <= MaxPlatformID
	case KindStatusChanged:
		ok = e.Status != nil && ValidID(e.Status.Conv) && ValidStatus(e.Status.Status) && (e.Status.Custom == "" || ValidID(e.Status.Custom))
	case KindConversationAssign:
		ok = e.Assign != nil && ValidID(e.Assign.Conv) && (e.Assign.Agent == "" || ValidID(e.Assign.Agent))
	case KindReadMarked:
		ok = e.Read != nil && ValidID(e.Read.Conv)
	case KindAttachmentStored, KindAttachmentExpired:
		ok = e.Attachment != nil && ValidID(e.Attachment.ID)
	case KindContactRekeyed:
		ok = e.Rekey != nil && ValidID(e.Rekey.From) && ValidID(e.Rekey.To) && e.Rekey.From != e.Rekey.To
	case KindCannedUpserted:
		ok = e.Canned != nil && ValidID(e.Canned.ID) && (e.Canned.Deleted || ValidID(e.Canned.Shortcut) && e.Canned.Text != "")
	case KindMessageAnalyzed:
		ok = validAnalysis(e.Analysis)
	case KindPriorityChanged:
		ok = e.Priority != nil && ValidID(e.Priority.Conv) && ValidPriority(e.Priority.Priority)
	case KindConversationRated:
		ok = e.Rating != nil && ValidID(e.Rating.Conv) && e.Rating.Score >= 1 && e.Rating.Score <= 5 && e.Actor.Kind == ActorCustomer
	case KindPluginConfigured:
		ok = e.PluginConfig != nil && ValidPluginName(e.PluginConfig.Plugin) && CheckPluginConfig(e.PluginConfig.Config) == nil
	case KindAPIKeyCreated, KindAPIKeyRevoked:
		ok = validAPIKey(e.APIKey, e.Kind == KindAPIKeyCreated)
	case KindTagsChanged:
		ok = validTags(e.Tags)
	case KindRulesSet:
		ok = validRuleSet(e.Rules)
	case KindMacrosSet:
		ok = validMacroSet(e.Macros)
	case KindTeamUpserted:
		ok = validTeam(e.Team)
	case KindTeamChanged:
		ok = e.TeamChange != nil && ValidID(e.TeamChange.Conv) && (e.TeamChange.Team == "" || ValidID(e.TeamChange.Team))
	case KindViewsSet:
		ok = validViewSet(e.Views)
	case KindStatusesSet:
		ok = validStatusSet(e.Statuses)
	case KindLinked:
		l := e.Link
		ok = l != nil && ValidID(l.Conv) && ValidID(l.Other) && l.Conv != l.Other && (l.Kind == LinkRelated || l.Kind == LinkSplit)
	case KindMerged:
		ok = e.Merge != nil && ValidID(e.Merge.Conv) && ValidID(e.Merge.Into) && e.Merge.Conv != e.Merge.Into
	case KindFieldsSet:
		ok = validFieldSet(e.FieldSet)
	case KindFieldsChanged:
		ok = validFieldsChange(e.Fields)
	case KindAutoDue:
		ok = e.AutoDue != nil && ValidID(e.AutoDue.Conv) && ValidID(e.AutoDue.Rule) && e.AutoDue.Due > 0
	case KindAutoSkipped:
		ok = e.AutoSkip != nil && ValidID(e.AutoSkip.Conv) && len(e.AutoSkip.Reason) <= maxReasonBytes && e.Auto != nil
	case KindWebhookUpserted:
		ok = validWebhookEndpoint(e.Webhook)
	case KindWebhookResults:
		ok = validWebhookResults(e.HookResults)
	case KindWebhookReplay:
		ok = e.HookReplay != nil && ValidID(e.HookReplay.Endpoint) && len(e.HookReplay.Seqs) <= MaxWebhookReplay
	case KindAutoWebhook:
		ok = e.HookCall != nil && ValidID(e.HookCall.Conv) && ValidID(e.HookCall.Endpoint) && e.Auto != nil
	case KindAutoExpanded:
		ok = validAutoExpand(e.AutoExpand) && e.Auto != nil && e.Auto.Plugin
	case KindSLAStage:
		st := e.SLAStage
		ok = st != nil && ValidID(st.Conv) && slices.Contains(SLAMeasures, st.Measure) && (st.Stage == SLAWarning || st.Stage == SLABreached) &&
			st.Since > 0 && st.Due > 0
	case KindEmailDelivery:
		d := e.Delivery
		ok = d != nil && ValidID(d.Conv) && d.Ref > 0 && slices.Contains([]string{DeliverySent, DeliveryDeferred, DeliveryFailed}, d.Status) &&
			len(d.MessageID) <= 4<<10 && len(d.Detail) <= 4<<10 && d.Attempts >= 0 // sealed fields grow by a third
	case KindCallStarted, KindCallJoined, KindCallEnded:
		ok = e.Call != nil && ValidID(e.Call.ID) && ValidID(e.Call.Conv) && (e.Call.Role == "" || slices.Contains(CallRoles, e.Call.Role)) &&
			e.Call.Duration >= 0 && len(e.Call.Reason) <= 200
	default:
		// Unknown kinds from newer nodes are kept in the log and skipped by
		// projectors; they are not malformed.
		ok = true
	}
	if !ok {
		return fmt.Errorf("%w: %s event without a valid body", ErrMalformed, e.Kind)
	}
	if !validAutoRef(e.Auto) {
		return fmt.Errorf("%w: %s event with a malformed automation reference", ErrMalformed, e.Kind)
	}
	return nil
}

// Bounds of an Email (RFC 5322 lines are at most 998 characters; an
// address at most 254).
const (
	MaxMessageID  = 998
	MaxSubject    = 998
	MaxAddress    = 254
	MaxRecipients = 100
	MaxReferences = 100
	MaxQuoted     = 64 << 10
)

// validEmail is what every node checks of an Email in the log: its counts
// and sizes. Its fields may be sealed by a residency policy, so their
// syntax is the accepting edge's check (Check).
func validEmail(m *Email) bool {
	if m == nil {
		return true
	}
	const field = 4 << 10
	if len(m.References) > MaxReferences || len(m.To)+len(m.Cc) > MaxRecipients || len(m.Quoted) > 2*MaxQuoted ||
		len(m.MessageID) > field || len(m.InReplyTo) > field || len(m.Subject) > field {
		return false
	}
	for _, r := range m.References {
		if len(r) > field {
			return false
		}
	}
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		if len(a.Addr) > field || len(a.Name) > field {
			return false
		}
	}
	return m.From == nil || len(m.From.Addr) <= field && len(m.From.Name) <= field
}

// Check says what is wrong with an Email, or nil.
func (m *Email) Check() error {
	switch {
	case len(m.MessageID) > MaxMessageID || len(m.InReplyTo) > MaxMessageID:
		return fmt.Errorf("message id longer than %d bytes", MaxMessageID)
	case len(m.References) > MaxReferences:
		return fmt.Errorf("more than %d references", MaxReferences)
	case len(m.Subject) > MaxSubject:
		return fmt.Errorf("subject longer than %d bytes", MaxSubject)
	case len(m.To)+len(m.Cc) > MaxRecipients:
		return fmt.Errorf("more than %d recipients", MaxRecipients)
	case len(m.Quoted) > MaxQuoted:
		return fmt.Errorf("quoted text longer than %d bytes", MaxQuoted)
	}
	for _, r := range m.References {
		if len(r) > MaxMessageID {
			return fmt.Errorf("reference longer than %d bytes", MaxMessageID)
		}
	}
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		if err := a.Check(); err != nil {
			return err
		}
	}
	if m.From != nil {
		return m.From.Check()
	}
	return nil
}

// Check says what is wrong with an address, or nil: a local part, one @
// and a domain, at most MaxAddress bytes, no spaces or control characters.
func (a Address) Check() error {
	local, domain, ok := strings.Cut(a.Addr, "@")
	switch {
	case len(a.Addr) > MaxAddress || len(a.Name) > MaxAddress:
		return fmt.Errorf("address %.40q longer than %d bytes", a.Addr, MaxAddress)
	case !ok || local == "" || domain == "" || strings.Contains(domain, "@"):
		return fmt.Errorf("%.60q is not an e-mail address", a.Addr)
	case strings.ContainsFunc(a.Addr, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' }):
		return fmt.Errorf("%.60q is not an e-mail address", a.Addr)
	case strings.ContainsFunc(a.Name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return fmt.Errorf("the name of %.60q has control characters", a.Addr)
	}
	return nil
}
