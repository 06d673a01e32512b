package event

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Outbound webhooks (docs/webhooks.md): a tenant's endpoints are set one
// at a time (webhook.endpoint_upserted); what happens to its
// conversations is queued for each endpoint that asks for it by the
// projector, at the event's place in the log; the node that sends says
// what became of each delivery in batches (webhook.results), so that
// every node of a region, and the one that sends after a fail-over,
// knows; an admin replays what failed for good (webhook.replay). A rule's
// `webhook` action is an automation.webhook event, queued for the
// endpoint it names.

// The types of the deliveries an endpoint asks for.
const (
	HookConversationCreated = "conversation.created"
	HookConversationUpdated = "conversation.updated" // assigned, team, priority, tags, custom fields, custom status
	HookStatusChanged       = "conversation.status_changed"
	HookMessageCreated      = "message.created" // public messages, the customer's and agents'
	HookNoteCreated         = "note.created"    // private notes
	HookSLAWarning          = "sla.warning"
	HookSLABreached         = "sla.breached"
	HookContactUpdated      = "contact.updated"
	// HookRule is a rule's webhook action: sent to the endpoint it names,
	// whatever the endpoint's types.
	HookRule = "rule.webhook"
)

// HookTypes are the types an endpoint may ask for, in the order the docs
// print them.
var HookTypes = []string{HookConversationCreated, HookConversationUpdated, HookStatusChanged, HookMessageCreated, HookNoteCreated,
	HookSLAWarning, HookSLABreached, HookContactUpdated}

// WebhookEndpoint is the body of webhook.endpoint_upserted: a tenant's
// endpoint, whole.
type WebhookEndpoint struct {
	ID          string `cbor:"1,keyasint"`
	URL         string `cbor:"2,keyasint,omitempty"`
	Description string `cbor:"3,keyasint,omitempty"`
	// Types are the types of deliveries it gets (HookTypes).
	Types    []string `cbor:"4,keyasint,omitempty"`
	Disabled bool     `cbor:"5,keyasint,omitempty"`
	// Secrets sign its deliveries: every one not expired signs each.
	Secrets []WebhookSecret `cbor:"6,keyasint,omitempty"`
	Deleted bool            `cbor:"7,keyasint,omitempty"`
}

// WebhookSecret is a signing secret of an endpoint: its 32 bytes sealed
// with the region's key (Sealed, edge/residency: the log never holds it
// in clear, and the hub cannot open it), when it was made and when it
// stops signing (0: never; a rotated secret signs beside its successor
// until then).
type WebhookSecret struct {
	ID        string `cbor:"1,keyasint"`
	Sealed    string `cbor:"2,keyasint"`
	CreatedAt int64  `cbor:"3,keyasint"`
	ExpiresAt int64  `cbor:"4,keyasint,omitempty"`
}

// WebhookCall is the body of automation.webhook: a rule's webhook action
// for conversation Conv, to endpoint Endpoint.
type WebhookCall struct {
	Conv     string `cbor:"1,keyasint"`
	Endpoint string `cbor:"2,keyasint"`
}

// What became of a delivery (WebhookResult.Status).
const (
	HookSent  = "sent"  // the endpoint answered 2xx: the delivery is over
	HookRetry = "retry" // it failed; it is tried again at NextAt
	HookDead  = "dead"  // it failed for good: kept for a replay
)

// WebhookResults is the body of webhook.results: what became of
// deliveries, in the order they were made.
type WebhookResults struct {
	Results []WebhookResult `cbor:"1,keyasint"`
}

// WebhookResult is what became of one delivery: the endpoint, and the
// sequence of the event it tells of (a delivery's id with the tenant).
type WebhookResult struct {
	Endpoint string `cbor:"1,keyasint"`
	Seq      uint64 `cbor:"2,keyasint"`
	Status   string `cbor:"3,keyasint"`
	Attempts int    `cbor:"4,keyasint,omitempty"`
	NextAt   int64  `cbor:"5,keyasint,omitempty"`
	// Code is the endpoint's HTTP status (0: no answer), Error what was
	// wrong, for the admin.
	Code  int    `cbor:"6,keyasint,omitempty"`
	Error string `cbor:"7,keyasint,omitempty"`
	At    int64  `cbor:"8,keyasint,omitempty"`
	// Order is the delivery's order: its conversation's id, or "c." and
	// its contact's.
	Order string `cbor:"9,keyasint"`
}

// WebhookReplay is the body of webhook.replay: an endpoint's dead
// deliveries to send again (Seqs; none: every one, up to
// MaxWebhookReplay).
type WebhookReplay struct {
	Endpoint string   `cbor:"1,keyasint"`
	Seqs     []uint64 `cbor:"2,keyasint,omitempty"`
}

// Bounds of webhooks.
const (
	MaxWebhookEndpoints   = 100
	MaxWebhookURL         = 2048
	MaxWebhookDescription = 200
	MaxWebhookSecrets     = 4
	MaxWebhookResults     = 500
	MaxWebhookReplay      = 500
	maxWebhookError       = 300
)

// ValidWebhookURL says what is wrong with an endpoint's URL, or "": an
// absolute https URL (http only to a loopback address, for tests and a
// receiver on the same machine), without user information or fragment.
func ValidWebhookURL(raw string) string {
	if raw == "" || len(raw) > MaxWebhookURL || !utf8.ValidString(raw) {
		return "give the endpoint's URL: https://…, at most 2,048 bytes"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || !u.IsAbs():
		return "not an absolute URL"
	case u.User != nil:
		return "a URL with a user or password: give credentials in the URL's path or query, or verify the signature"
	case u.Fragment != "":
		return "a URL with a fragment (#…)"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && loopback(u.Hostname()):
		return ""
	case u.Scheme == "http":
		return "http is only for a receiver on this machine (127.0.0.1, ::1, localhost): use https"
	}
	return "scheme " + u.Scheme + ": https"
}

func loopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

func validWebhookEndpoint(w *WebhookEndpoint) bool {
	if w == nil || !ValidID(w.ID) {
		return false
	}
	if w.Deleted {
		return true
	}
	if ValidWebhookURL(w.URL) != "" || len(w.Description) > MaxWebhookDescription*4 || len(w.Types) == 0 || len(w.Types) > len(HookTypes) ||
		len(w.Secrets) == 0 || len(w.Secrets) > MaxWebhookSecrets {
		return false
	}
	for _, t := range w.Types {
		if !slices.Contains(HookTypes, t) {
			return false
		}
	}
	for _, s := range w.Secrets {
		if !ValidID(s.ID) || s.Sealed == "" || len(s.Sealed) > 256 || s.CreatedAt <= 0 || s.ExpiresAt < 0 {
			return false
		}
	}
	return true
}

func validWebhookResults(r *WebhookResults) bool {
	if r == nil || len(r.Results) == 0 || len(r.Results) > MaxWebhookResults {
		return false
	}
	for _, x := range r.Results {
		if !ValidID(x.Endpoint) || x.Seq == 0 || len(x.Order) == 0 || len(x.Order) > 2+MaxIDLen || x.Attempts < 0 || x.Code < 0 || x.Code > 999 || len(x.Error) > maxWebhookError ||
			!slices.Contains([]string{HookSent, HookRetry, HookDead}, x.Status) {
			return false
		}
	}
	return true
}
