package imapsource

import (
	"fmt"

	"github.com/emersion/go-sasl"
)

// xoauth2 is the client side of Google's and Microsoft's XOAUTH2 SASL
// mechanism: an OAuth2 access token sent as a bearer in the initial
// response. On failure the server sends one challenge (a JSON status),
// answered with an empty response, and then NO.
type xoauth2 struct {
	user, token string
	failure     string // the server's JSON status, for the error message
}

var _ sasl.Client = (*xoauth2)(nil)

func (x *xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

func (x *xoauth2) Next(challenge []byte) ([]byte, error) {
	if x.failure != "" {
		return nil, fmt.Errorf("XOAUTH2: unexpected second challenge")
	}
	x.failure = string(challenge)
	return []byte{}, nil
}
