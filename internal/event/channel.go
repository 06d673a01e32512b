package event

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// SocialChannels are the channels of messaging platforms (edge/channels):
// a conversation opened on one is answered there.
var SocialChannels = []string{"wechat", "wecom", "x", "telegram", "whatsapp"}

// MaxPlatformID bounds a platform's ids (of a customer, a chat, a
// message) and a pulling channel's cursor, in bytes; sealed, they grow by
// a third.
const MaxPlatformID = 1024

// Platform is where a social channel's message came from: the configured
// channel (its id), the customer's id on the platform (From; an openid,
// a user id, a phone number: kept in region like a contact's external
// id), the chat where it differs, and the platform's id of the message.
type Platform struct {
	Channel string `cbor:"1,keyasint"`
	From    string `cbor:"2,keyasint"`
	Chat    string `cbor:"3,keyasint,omitempty"`
	ID      string `cbor:"4,keyasint"`
}

func validPlatform(p *Platform) bool {
	return p == nil || ValidID(p.Channel) && p.From != "" && len(p.From) <= MaxPlatformID && len(p.Chat) <= MaxPlatformID &&
		p.ID != "" && len(p.ID) <= MaxPlatformID && utf8.ValidString(p.From+p.Chat+p.ID)
}

// The statuses of a channel.delivery beyond an e-mail's: the platform
// says the customer's device has the message, or that they read it.
const (
	DeliveryDelivered = "delivered"
	DeliveryRead      = "read"
)

// ChannelDeliveryStatuses are a channel.delivery event's statuses.
var ChannelDeliveryStatuses = []string{DeliverySent, DeliveryDeferred, DeliveryFailed, DeliveryDelivered, DeliveryRead}

// ChannelCursor is where a pulling channel (WeCom customer service) has
// read its platform's messages up to: the next pull starts there.
type ChannelCursor struct {
	Channel string `cbor:"1,keyasint"`
	Cursor  string `cbor:"2,keyasint,omitempty"`
}

// Template is a platform's pre-approved message template (WhatsApp's):
// its name, its language code and the values of its body's parameters,
// in order.
type Template struct {
	Name     string   `cbor:"1,keyasint" json:"name"`
	Language string   `cbor:"2,keyasint" json:"language"`
	Params   []string `cbor:"3,keyasint,omitempty" json:"params,omitempty"`
}

// Limits of a Template.
const (
	MaxTemplateParams = 20
	MaxTemplateParam  = 1024 // bytes; sealed, a third more
)

var (
	templateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	templateLang = regexp.MustCompile(`^[a-z]{2,3}(_[A-Za-z]{2,4})?$`)
)

// Check says what is wrong with t (nil: nothing; a nil t is none).
func (t *Template) Check() error {
	switch {
	case t == nil:
		return nil
	case !templateName.MatchString(t.Name):
		return fmt.Errorf("template name %q: 1-512 lower-case letters, digits and '_', as the platform approved it", t.Name)
	case !templateLang.MatchString(t.Language):
		return fmt.Errorf("template language %q: the platform's code, like en_US or pt_BR", t.Language)
	case len(t.Params) > MaxTemplateParams:
		return fmt.Errorf("template has %d parameters, at most %d", len(t.Params), MaxTemplateParams)
	}
	for i, p := range t.Params {
		if p == "" || len(p) > MaxTemplateParam*4/3+64 || !utf8.ValidString(p) {
			return fmt.Errorf("template parameter %d: 1-%d bytes of UTF-8", i+1, MaxTemplateParam)
		}
	}
	return nil
}

// ChannelConfig is a messaging platform's channel as the hub configured it
// (channel.configured; docs/channels.md): its id (in its webhook's URL,
// unique across tenants), the platform, the inbox its conversations go
// to, the region whose edges serve it, the platform API's base URL (empty:
// the platform's own), and its credentials, a JSON object of strings
// sealed to the region's public key (internal/sealbox) for the context
// ChannelContext: only that region's edges can read them. Keys are the
// credentials' names, for operators to see what is set. Deleted removes
// the channel.
type ChannelConfig struct {
	ID          string   `cbor:"1,keyasint"`
	Kind        string   `cbor:"2,keyasint"`
	Inbox       string   `cbor:"3,keyasint,omitempty"`
	Region      string   `cbor:"4,keyasint,omitempty"`
	APIBase     string   `cbor:"5,keyasint,omitempty"`
	Credentials string   `cbor:"6,keyasint,omitempty"`
	Keys        []string `cbor:"7,keyasint,omitempty"`
	Deleted     bool     `cbor:"8,keyasint,omitempty"`
}

// ChannelContext binds a channel's sealed credentials to its tenant and
// id: moved to another channel, they do not open.
func ChannelContext(tenant, id string) string {
	return "edgedesk channel credentials\x00" + tenant + "\x00" + id
}

// Limits of a ChannelConfig.
const (
	MaxChannelCredentials = 32       // keys
	MaxCredential         = 4 << 10  // bytes of one value
	MaxSealedCredentials  = 32 << 10 // bytes sealed
	maxAPIBase            = 2 << 10  // bytes
)

var (
	channelIDRE   = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	credentialKey = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	regionRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// ValidChannelID reports whether s can name a channel: 1-64 lower-case
// letters, digits, '-' or '_' (it is in the webhook's URL).
func ValidChannelID(s string) bool { return channelIDRE.MatchString(s) }

// ValidCredentialKey reports whether s can name a credential.
func ValidCredentialKey(s string) bool { return credentialKey.MatchString(s) }

// Check says what is wrong with c (nil: nothing).
func (c *ChannelConfig) Check() error {
	switch {
	case c == nil:
		return errors.New("no channel")
	case !ValidChannelID(c.ID):
		return fmt.Errorf("channel id %q: 1-64 lower-case letters, digits, '-' or '_'", c.ID)
	case !slices.Contains(SocialChannels, c.Kind):
		return fmt.Errorf("kind %q: one of %s", c.Kind, strings.Join(SocialChannels, ", "))
	case c.Deleted:
		return nil
	case !ValidID(c.Inbox):
		return fmt.Errorf("inbox %q: give the inbox its conversations go to", c.Inbox)
	case !regionRE.MatchString(c.Region):
		return fmt.Errorf("region %q: the region whose edges serve the channel", c.Region)
	case len(c.Credentials) > MaxSealedCredentials || !strings.HasPrefix(c.Credentials, "hpke1:"):
		return errors.New("credentials: sealed to the region's key, at most 32 KiB")
	case len(c.Keys) == 0 || len(c.Keys) > MaxChannelCredentials:
		return fmt.Errorf("credentials: 1 to %d of them", MaxChannelCredentials)
	}
	for _, k := range c.Keys {
		if !ValidCredentialKey(k) {
			return fmt.Errorf("credential %q: 1-64 lower-case letters, digits or '_'", k)
		}
	}
	if c.APIBase != "" {
		if err := CheckAPIBase(c.APIBase); err != nil {
			return fmt.Errorf("api_base %q: %w", c.APIBase, err)
		}
	}
	return nil
}

// CheckAPIBase allows a platform API's base URL: https, or http to a
// loopback address (tests, a local proxy).
func CheckAPIBase(s string) error {
	u, err := url.Parse(s)
	if err != nil || len(s) > maxAPIBase || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("give a base URL like https://api.example.com")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() || u.Hostname() == "localhost" {
			return nil
		}
		return fmt.Errorf("http only to a loopback address; use https")
	}
	return fmt.Errorf("use https")
}
