// Package channels carries customers' conversations on social and
// messaging platforms (WeChat Official Accounts, WeCom customer service,
// X direct messages, Telegram, WhatsApp) into the conversation core, and
// agents' replies back out. A platform is one package behind one
// interface (Adapter); the Service owns what every platform shares: the
// webhook endpoint (body limit, verification before parsing, refusal
// counted), mapping the platform's customer to a contact and a
// conversation, deduplication by the platform's message id, media into
// attachments, the outbox of replies and their delivery statuses, a
// pulling platform's cursor, and the platforms' access tokens (docs/channels.md).
package channels

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Request is a platform's webhook request as the Service read it: the
// body is whole and at most the kind's Limits.MaxBody (a longer one is
// refused before an adapter sees it).
type Request struct {
	Method string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Now is when it arrived: timestamps are checked against it.
	Now time.Time
}

// Response is what the platform is answered. Status 0 is 200.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// Refusal is a request an adapter refuses: Status is the one the platform
// expects, Code names the kind of failure (one of the Refuse* codes:
// counted in edgedesk_channel_refused_total) and Reason says what was
// wrong, for the log (never a secret, never the body).
type Refusal struct {
	Status int
	Code   string
	Reason string
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Reason }

// Refuse makes a Refusal.
func Refuse(status int, code, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Refusal codes.
const (
	RefuseSignature = "signature" // missing or wrong signature, token or CRC
	RefuseTimestamp = "timestamp" // outside the 5-minute window
	RefuseReplay    = "replay"    // a nonce or signature seen already
	RefuseAppID     = "appid"     // a ciphertext of another app
	RefuseDecrypt   = "decrypt"   // base64, length or padding wrong
	RefuseMalformed = "malformed" // not the platform's XML or JSON
	RefuseTooLarge  = "too_large" // over Limits.MaxBody
	RefuseMethod    = "method"    // a method the endpoint does not take
)

// Window is how far a signed timestamp may be from the edge's clock.
const Window = 5 * time.Minute

// Profile is what a platform says of a customer.
type Profile struct {
	Name     string // display name
	Handle   string // @username, where the platform has one
	Avatar   string // https URL of the picture
	Language string // the platform's locale or language code
	URL      string // the customer's page on the platform
}

// Media is a file a customer sent: Ref is what Fetch needs to get it
// (the platform's media id, file id or URL).
type Media struct {
	Kind string // image, voice, audio, video, file, sticker
	Ref  string
	Type string // MIME type, where the platform says
	Name string
	Size int64 // bytes, where the platform says (0 unknown)
}

// Inbound is one thing a platform told the edge.
type Inbound struct {
	// ID is the platform's id of the message or event, unique in the
	// channel: a platform's retry of it is recorded once.
	ID string
	// From is the customer's id on the platform (openid, user id, phone
	// number); Chat the conversation's where it differs (Telegram's
	// chat id, WeCom's open_kfid), else "".
	From    string
	Chat    string
	Profile Profile
	Text    string
	Media   []Media
	// Location is a shared place, as text ("lat,long label").
	Location string
	// Event is a platform event that is not a message ("subscribe",
	// "unsubscribe", "enter_session", …): recorded as a note.
	Event string
	// Status is a delivery status of a message the edge sent.
	Status *Status
	// Sync is a pulling platform's notice that there is something to
	// pull (the adapter is a Puller): its token for the pull.
	Sync string
	At   time.Time
}

// Status is what became of a message the edge sent: MessageID is the
// platform's id Send returned.
type Status struct {
	MessageID string
	State     string // StateDelivered, StateRead or StateFailed
	Detail    string
}

// Delivery states a platform reports.
const (
	StateDelivered = "delivered"
	StateRead      = "read"
	StateFailed    = "failed"
)

// Outbound is an agent's (or a rule's) reply to send.
type Outbound struct {
	// To and Chat are the Inbound's From and Chat of the customer.
	To, Chat string
	Text     string
	Files    []File
	// Key is unique per reply: a platform that takes an idempotency key
	// gets it.
	Key string
	// Template is a WhatsApp template to send instead of text (outside
	// the 24-hour window): name and language.
	Template *Template
}

// Template names a platform's pre-approved message template.
type Template struct {
	Name, Language string
	Params         []string
}

// File is an attachment of a reply.
type File struct {
	Name, Type string
	Size       int64
	Open       func() (io.ReadCloser, error)
}

// Sent is what the platform answered a send: the ids of the messages it
// made (one per text and file).
type Sent struct {
	MessageIDs []string
}

// SendError is a send the platform refused: Permanent when trying again
// cannot help (a blocked user, a closed window, a file too large), with
// the platform's reason.
type SendError struct {
	Permanent bool
	Reason    string
	// RetryAfter is how long the platform asked to wait (a rate limit's
	// retry-after); the next try is no sooner.
	RetryAfter time.Duration
}

func (e *SendError) Error() string { return e.Reason }

// Download is a fetched media's bytes; the caller closes Body.
type Download struct {
	Name, Type string
	Body       io.ReadCloser
}

// Adapter is one platform, for one configured channel (its credentials).
type Adapter interface {
	// Receive verifies r as the platform's (signature, token, timestamp),
	// before it parses anything the body says, and reads it. A challenge
	// (URL verification, CRC) is answered in the Response, with no
	// Inbound. A refusal is a *Refusal.
	Receive(ctx context.Context, r *Request) (Response, []Inbound, error)
	// Send sends a reply; a refusal is a *SendError.
	Send(ctx context.Context, m Outbound) (Sent, error)
	// Fetch gets a media a customer sent.
	Fetch(ctx context.Context, m Media) (Download, error)
}

// Puller is an adapter whose platform's webhook only says that there is
// something to pull (WeCom customer service). The Service keeps the
// cursor in the log and calls Pull from it, one pull at a time per
// channel; next is the cursor after batch, more says there is more.
type Puller interface {
	Pull(ctx context.Context, token, cursor string) (batch []Inbound, next string, more bool, err error)
}

// Limits are a platform's.
type Limits struct {
	// Window is how long after the customer's last message a free-form
	// reply may go (0: no window).
	Window time.Duration
	// MaxText is the longest text of one message, in characters
	// (Unicode code points); a longer reply is refused to the agent.
	MaxText int
	// MaxTextBytes is the same in bytes of UTF-8, where the platform
	// counts bytes (WeCom); 0: none.
	MaxTextBytes int
	// MaxFile is the largest file a reply may carry, in bytes.
	MaxFile int64
	// Deadline is how long the platform waits for its webhook's answer.
	Deadline time.Duration
	// MaxBody is the largest webhook body taken.
	MaxBody int64
	// Templates says the platform sends pre-approved templates
	// (Outbound.Template), also outside its window.
	Templates bool
}

// Kind is a channel kind: adding a platform is one package that
// declares its Kind and one line in the node's list of kinds.
type Kind struct {
	Name  string // "wechat", "wecom", "x", "telegram", "whatsapp"
	Label string // "WeChat", "WeCom", "X", "Telegram", "WhatsApp"
	// Credentials are the keys a channel of the kind must have, Optional
	// those it may have.
	Credentials, Optional []string
	Limits                Limits
	New                   func(o Options) (Adapter, error)
}

// Options make an adapter.
type Options struct {
	// Credentials are the channel's secrets and ids, by the Kind's keys.
	Credentials Credentials
	// APIBase is the platform API's base URL: "" is the platform's own
	// (tests point it at a local fake).
	APIBase string
	// HTTP calls the platform's API.
	HTTP *http.Client
	// Tokens caches access tokens across the region.
	Tokens TokenCache
	// ID names the channel (tokens are cached under it).
	ID  string
	Now func() time.Time
	Log *slog.Logger
}

// TokenCache holds platforms' access tokens.
type TokenCache interface {
	// Token returns the token named key, fetching it with fetch when
	// there is none or it is within a tenth of its life of expiring;
	// one fetch per key at a time across the region.
	Token(ctx context.Context, key string, fetch func(ctx context.Context) (token string, expires time.Time, err error)) (string, error)
	// Invalidate drops token (the platform said it expired) so that the
	// next Token fetches anew.
	Invalidate(ctx context.Context, key, token string)
}

// Credentials are a channel's secrets and ids. They print as their keys
// only: never a value in a log.
type Credentials map[string]string

func (c Credentials) String() string {
	return fmt.Sprintf("credentials%v", slices.Sorted(maps.Keys(c)))
}

// LogValue keeps the values out of structured logs.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Check says what is missing from or foreign to c for the platform k.
func (c Credentials) Check(k Kind) error {
	for _, want := range k.Credentials {
		if c[want] == "" {
			return fmt.Errorf("the %s credentials need %s (all of: %s)", k.Label, want, strings.Join(k.Credentials, ", "))
		}
	}
	for _, have := range slices.Sorted(maps.Keys(c)) {
		if !slices.Contains(k.Credentials, have) && !slices.Contains(k.Optional, have) {
			return fmt.Errorf("%q is not a %s credential (it takes %s)", have, k.Label, strings.Join(slices.Concat(k.Credentials, k.Optional), ", "))
		}
	}
	return nil
}

// Passive is an adapter whose platform takes a reply in the webhook's
// answer (a WeChat Official Account's passive reply, within its 5 s):
// Passive makes the answer to r that replies text to in's customer.
type Passive interface {
	Passive(r *Request, in Inbound, text string) (Response, error)
}

// Closer is an adapter whose platform keeps a session of its own with the
// customer (WeCom customer service): Close ends it when the conversation
// is solved or closed.
type Closer interface {
	Close(ctx context.Context, to, chat string) error
}
