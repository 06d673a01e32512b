// Package channeltest is what the tests of the social channels share: the
// Platform interface every platform's local fake (a package
// <kind>/<kind>test beside its adapter) implements, so that the edge's
// end-to-end tests drive each platform the same way, through a real node.
package channeltest

import "context"

// Platform is a local fake of a platform's documented API: it calls the
// edge's webhook as the platform does (signing, encrypting, retrying) and
// serves the API the adapter calls (sending, media, tokens), recording
// what the edge sent.
type Platform interface {
	// Kind is the channel kind's name ("telegram", …).
	Kind() string
	// APIBase is the fake API's base URL: the channel's api_base.
	APIBase() string
	// Credentials are a channel's credentials that the fake accepts.
	Credentials() map[string]string
	// Say makes customer user send text to the edge's webhook hook, as
	// the platform does; it returns the status the edge answered and
	// the platform's id of the message.
	Say(ctx context.Context, hook, user, text string) (status int, id string, err error)
	// SayImage makes user send an image (png's bytes, served by the
	// fake's media API for the adapter's Fetch).
	SayImage(ctx context.Context, hook, user string, png []byte) (status int, id string, err error)
	// Resend delivers the last webhook request again, byte for byte (a
	// platform's retry), and returns the edge's status.
	Resend(ctx context.Context, hook string) (int, error)
	// Forged sends a message from user whose signature (or token, or
	// ciphertext) is wrong; it returns the edge's status.
	Forged(ctx context.Context, hook, user, text string) (int, error)
	// Received returns what the edge sent to user, in order: texts as
	// they are, files as "file:<name>".
	Received(user string) []string
}

// Statuses is a Platform that reports delivery statuses (WhatsApp).
type Statuses interface {
	// Status reports that message id (one the edge sent) reached state
	// ("delivered", "read", "failed").
	Status(ctx context.Context, hook, user, id, state string) (int, error)
}
