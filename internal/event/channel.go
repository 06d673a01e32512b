package event

import "unicode/utf8"

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
