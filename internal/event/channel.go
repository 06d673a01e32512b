package event

import (
	"fmt"
	"regexp"
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
