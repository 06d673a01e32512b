// Package abi is the contract between the Edgedesk host and its
// WebAssembly plugins (docs/plugins.md): the exports a plugin provides, the
// host functions it may import, how bytes cross, the result codes, and the
// messages of each plugin kind. Both sides import it: the host, and a
// plugin through wasm/pdk.
//
// # Calling convention (version 1)
//
// A plugin exports:
//
//	edgedesk_abi() -> i32                      the ABI version it was built for
//	edgedesk_alloc(size u32) -> ptr u32        a buffer of size bytes for the next call's input
//	edgedesk_call(op u32, ptr u32, len u32) -> u64
//
// The host writes the input (CBOR) into the buffer edgedesk_alloc returned
// and calls edgedesk_call. The buffer stays the plugin's input buffer until
// the next edgedesk_alloc, so the host asks for one only when an input
// does not fit the last; the result packs the output's address in the
// high 32 bits and its length in the low 32. The output is a CBOR Result:
// a status, a message when the status is not OK, and the op's answer.
// Memory the plugin returns stays valid until its next call.
//
// The host offers, in module "edgedesk", only the functions of the
// capabilities the plugin's manifest grants, and WASI with no files, no
// environment, no arguments and no network. A plugin that imports anything
// else is refused before it runs.
package abi

// Version is the ABI version this package describes.
const Version = 1

// Export names.
const (
	ExportABI   = "edgedesk_abi"
	ExportAlloc = "edgedesk_alloc"
	ExportCall  = "edgedesk_call"
)

// HostModule is the import module of the host functions.
const HostModule = "edgedesk"

// Ops a plugin answers (edgedesk_call's first argument).
const (
	OpRoute    uint32 = 1 // RouteRequest → RouteDecision
	OpAnalyze  uint32 = 2 // AnalyzeRequest → Analysis
	OpAutomate uint32 = 3 // AutomateRequest → Automation
)

// Status codes of a Result.
const (
	StatusOK          = 0
	StatusBadInput    = 1 // the plugin could not decode its input
	StatusUnsupported = 2 // the plugin does not answer this op
	StatusFailed      = 3 // the plugin failed; Message says why
)

// Capabilities a manifest may grant, each a set of host functions.
const (
	CapLog     = "log"     // log(level i32, ptr u32, len u32)
	CapClock   = "clock"   // now_ms() i64
	CapKV      = "kv"      // kv_get, kv_set: a store scoped to the plugin and tenant
	CapConfig  = "config"  // config_get: the plugin's configuration
	CapMetrics = "metrics" // metric_add(name ptr u32, len u32, delta i64)
)

// HostFunctions maps each capability to the host functions it grants.
var HostFunctions = map[string][]string{
	CapLog:     {"log"},
	CapClock:   {"now_ms"},
	CapKV:      {"kv_get", "kv_set"},
	CapConfig:  {"config_get"},
	CapMetrics: {"metric_add"},
}

// Log levels of the log host function.
const (
	LogDebug = 0
	LogInfo  = 1
	LogWarn  = 2
	LogError = 3
)

// Result is what edgedesk_call returns.
type Result struct {
	Status  int    `cbor:"1,keyasint"`
	Message string `cbor:"2,keyasint,omitempty"`
	Output  []byte `cbor:"3,keyasint,omitempty"`
}

// Kinds of plugin.
const (
	KindRouting    = "routing"
	KindNLP        = "nlp"
	KindAutomation = "automation"
)

// RouteRequest asks a routing plugin who gets a conversation. Fields are
// added with new keys, after the others: a plugin built before a field
// skips it, and a plugin built after it finds it zero (or nil) in the
// request of an edge that does not send it.
type RouteRequest struct {
	Tenant       string        `cbor:"1,keyasint"`
	Conversation string        `cbor:"2,keyasint"`
	Inbox        string        `cbor:"3,keyasint,omitempty"`
	Language     string        `cbor:"4,keyasint,omitempty"` // the customer's, when known
	Skills       []string      `cbor:"5,keyasint,omitempty"` // what the conversation needs
	Priority     int           `cbor:"6,keyasint,omitempty"` // higher first
	Agents       []AgentStatus `cbor:"7,keyasint"`
	// Channel is how the customer reached the tenant: "web" (the chat
	// widget) today, later "email", "api", …; the inbox's channel.
	Channel string `cbor:"8,keyasint,omitempty"`
	// Contact is what the edge knows of the customer; nil from an edge
	// that does not say.
	Contact *Contact `cbor:"9,keyasint,omitempty"`
	// Reading is the NLP plugin's latest reading of the customer's
	// messages in this conversation; nil before one was read (a new
	// conversation has none: routing runs before its first message).
	Reading *Reading `cbor:"10,keyasint,omitempty"`
	// Team is the team the conversation is given to ("" none): Agents
	// are then only the team's members.
	Team string `cbor:"11,keyasint,omitempty"`
}

// Contact is the customer as routing sees them.
type Contact struct {
	// Identified: the website vouched for the customer as its signed-in
	// user (the widget's setUser, with the identity hash checked).
	Identified bool `cbor:"1,keyasint,omitempty"`
	// Attributes are what the website says of its user (setUser's
	// attributes): at most MaxAttributes, each key 1 to MaxAttributeKey
	// bytes of letters, digits, '_', '-' and '.', each value 1 to
	// MaxAttributeValue bytes of UTF-8; numbers and booleans as the JSON
	// had them ("42", "true"). The identity hash covers the user's id
	// only: a user can change their own attributes in their browser, so
	// route on them for service, not for what a customer is entitled to.
	Attributes map[string]string `cbor:"2,keyasint,omitempty"`
	// Language is the user's language as the website gave it (an
	// ISO 639 code); RouteRequest.Language is the browser's.
	Language string `cbor:"3,keyasint,omitempty"`
	// Conversations counts the customer's other conversations on the
	// edge, of any status, up to MaxConversations.
	Conversations int `cbor:"4,keyasint,omitempty"`
}

// Limits of a Contact, which the edge keeps to.
const (
	MaxAttributes     = 64
	MaxAttributeKey   = 64
	MaxAttributeValue = 256
	// MaxConversations is the most Contact.Conversations counts: a
	// customer with more has that many.
	MaxConversations = 1000
)

// Reading is the NLP plugin's latest reading of a conversation, as the
// edge keeps it on the conversation (Analysis has the fields' values).
type Reading struct {
	// Language is the language read in the customer's messages, or the
	// browser's when the plugin recognised none.
	Language  string `cbor:"1,keyasint,omitempty"`
	Intent    string `cbor:"2,keyasint,omitempty"`
	Sentiment string `cbor:"3,keyasint,omitempty"`
}

// AgentStatus is an agent as routing sees them. Agents are the bulk of a
// request, so each is an array of its fields in this order rather than a
// map: half the items to read. New fields go at the end; a reader skips
// the ones it does not know and takes missing ones as zero.
type AgentStatus struct {
	_         struct{} `cbor:",toarray"`
	ID        string
	Online    bool
	Skills    []string
	Languages []string
	Load      int   // open conversations
	MaxChats  int   // 0: no limit
	IdleSince int64 // unix ms of the last assignment
}

// RouteDecision is a routing plugin's answer: an agent, or none (the
// conversation waits in the queue), and why.
type RouteDecision struct {
	Agent  string `cbor:"1,keyasint,omitempty"`
	Reason string `cbor:"2,keyasint,omitempty"`
}

// AnalyzeRequest asks an NLP plugin to read a customer's message.
type AnalyzeRequest struct {
	Tenant   string `cbor:"1,keyasint"`
	Text     string `cbor:"2,keyasint"`
	Language string `cbor:"3,keyasint,omitempty"` // a hint (the visitor's browser language), may be wrong or empty
}

// Analysis is an NLP plugin's reading of a message. Confidences are
// percentages (0–100); the encoding has no floats.
type Analysis struct {
	Language           string `cbor:"1,keyasint,omitempty"` // ISO 639-1 ("en", "zh", …); empty: not recognised
	LanguageConfidence int    `cbor:"2,keyasint,omitempty"`
	Intent             string `cbor:"3,keyasint,omitempty"` // e.g. "billing", "refund"; empty: not recognised or no model for the language
	IntentConfidence   int    `cbor:"4,keyasint,omitempty"`
	Sentiment          string `cbor:"5,keyasint,omitempty"` // "positive", "neutral" or "negative"
	SentimentScore     int    `cbor:"6,keyasint,omitempty"` // −100 (angry) … 100 (delighted)
	PII                []PII  `cbor:"7,keyasint,omitempty"`
	Redacted           string `cbor:"8,keyasint,omitempty"` // Text with every PII span replaced by its kind in brackets ("[email]"); empty when there is none
}

// PII is personal data found in a message: its kind and its byte span in
// the text.
type PII struct {
	Kind  string `cbor:"1,keyasint"` // "email", "phone", "card", "id"
	Start int    `cbor:"2,keyasint"`
	End   int    `cbor:"3,keyasint"`
}

// Kinds of PII.
const (
	PIIEmail = "email"
	PIIPhone = "phone"
	PIICard  = "card" // a payment card number that passes the Luhn check
	PIIID    = "id"   // a national ID number (China's resident ID with its check digit, a US SSN)
)
