// Package whatsapp is the WhatsApp Business Platform's Cloud API channel
// (developers.facebook.com/docs/whatsapp/cloud-api): Meta's webhook (a
// GET handshake on the verify token, then POSTs signed with
// X-Hub-Signature-256, HMAC-SHA256 of the raw body under the app secret)
// brings customers' messages and the delivery statuses of the edge's
// replies; replies go out through the Graph API's /messages endpoint with
// the channel's long-lived access token, files through /media first, and
// a customer's media comes back through the media id's URL.
//
// There is no signed timestamp: Meta retries a failed delivery for days,
// so an old message is taken, and its retry is recognised by its wamid
// (the Inbound's ID).
package whatsapp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Credential keys of a WhatsApp channel.
const (
	// KeyAccessToken is the Graph API access token (a system user's
	// permanent token with whatsapp_business_messaging).
	KeyAccessToken = "access_token"
	// KeyAppSecret is the Meta app's secret: the webhook's
	// X-Hub-Signature-256 is keyed with it.
	KeyAppSecret = "app_secret"
	// KeyVerifyToken is the token typed into the app's webhook settings:
	// the GET handshake carries it as hub.verify_token.
	KeyVerifyToken = "verify_token"
	// KeyPhoneNumberID is the business phone number's id (not the
	// number): the webhook's metadata.phone_number_id and the path of
	// the send and upload endpoints.
	KeyPhoneNumberID = "phone_number_id"
	// KeyAPIVersion is the Graph API version (optional, "v21.0").
	KeyAPIVersion = "api_version"
)

// DefaultAPIBase is the Graph API's base URL.
const DefaultAPIBase = "https://graph.facebook.com"

// DefaultAPIVersion is the Graph API version used when the channel names
// none.
const DefaultAPIVersion = "v21.0"

// Bounds of what Receive keeps and Fetch downloads.
const (
	maxID    = 256      // ids: a longer one is refused
	maxName  = 256      // names, MIME types, file names: cut at a rune
	maxText  = 64 << 10 // texts: a longer one is refused
	maxDepth = 32       // JSON nesting: Meta's payloads are about 10 deep
	// MaxFetch is the largest media Fetch downloads.
	MaxFetch = 64 << 20
	// maxAnswer bounds an API answer the adapter reads (not media).
	maxAnswer = 1 << 20
)

// Limits of the Cloud API: a free-form reply within 24 hours of the
// customer's last message (the customer service window), text bodies of
// 4096 characters, documents of 100 MB (the largest media type), and the
// webhook's answer within 20 s; a webhook body is a few kilobytes, 1 MiB
// leaves room for batches.
var limits = channels.Limits{
	Window:   24 * time.Hour,
	MaxText:  4096,
	MaxFile:  100 << 20,
	Deadline: 20 * time.Second,
	MaxBody:  1 << 20,
	// outside the window, only a template
	Templates: true,
}

// Kind is the WhatsApp channel kind.
func Kind() channels.Kind {
	return channels.Kind{
		Name:        "whatsapp",
		Label:       "WhatsApp",
		Credentials: []string{KeyAccessToken, KeyAppSecret, KeyVerifyToken, KeyPhoneNumberID},
		Optional:    []string{KeyAPIVersion},
		Limits:      limits,
		New:         func(o channels.Options) (channels.Adapter, error) { return New(o) },
	}
}

var (
	versionRE = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,3}$`)
	numericRE = regexp.MustCompile(`^[0-9]{1,64}$`)
)

// Adapter is one WhatsApp business phone number's channel.
type Adapter struct {
	token, secret, verify, phoneID string
	base                           *url.URL // API base with the version: {base}/{version}
	http                           *http.Client
	now                            func() time.Time
	log                            *slog.Logger
}

var _ channels.Adapter = (*Adapter)(nil)

// New makes the adapter of o's credentials.
func New(o channels.Options) (*Adapter, error) {
	c := o.Credentials
	for _, k := range []string{KeyAccessToken, KeyAppSecret, KeyVerifyToken, KeyPhoneNumberID} {
		if strings.TrimSpace(c[k]) == "" {
			return nil, fmt.Errorf("whatsapp: the credential %q is missing: copy it from the Meta app's WhatsApp settings", k)
		}
	}
	if !numericRE.MatchString(c[KeyPhoneNumberID]) {
		return nil, errors.New("whatsapp: phone_number_id is the number's id in WhatsApp Manager (digits), not the phone number")
	}
	version := c[KeyAPIVersion]
	if version == "" {
		version = DefaultAPIVersion
	}
	if !versionRE.MatchString(version) {
		return nil, fmt.Errorf("whatsapp: api_version %q is not a Graph API version such as %q", version, DefaultAPIVersion)
	}
	raw := o.APIBase
	if raw == "" {
		raw = DefaultAPIBase
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("whatsapp: the API base %q is not an http(s) URL", raw)
	}
	base = base.JoinPath(version)
	a := &Adapter{
		token:   c[KeyAccessToken],
		secret:  c[KeyAppSecret],
		verify:  c[KeyVerifyToken],
		phoneID: c[KeyPhoneNumberID],
		base:    base,
		http:    o.HTTP,
		now:     o.Now,
		log:     o.Log,
	}
	if a.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		a.http = &http.Client{Timeout: 15 * time.Second, Transport: t}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("component", "channels.whatsapp", "channel", o.ID)
	return a, nil
}

// endpoint is the API URL of path's segments, each escaped.
func (a *Adapter) endpoint(segments ...string) string {
	return a.base.JoinPath(segments...).String()
}

// authorized makes a request to the Graph API with the bearer token.
func (a *Adapter) authorized(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	return req, nil
}
