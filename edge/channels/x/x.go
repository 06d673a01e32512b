// Package x is the X (formerly Twitter) channel: customers' direct
// messages to the business account, received through the Account
// Activity API's webhook (its CRC challenge and the
// x-twitter-webhooks-signature HMAC-SHA256 under the app's consumer
// secret), and replies sent with the API v2 direct-message endpoint,
// signed with OAuth 1.0a in the business account's user context
// (github.com/dghubble/oauth1). Images go up through POST /2/media/upload
// (media_category dm_image) first. A customer's media is fetched from its
// media_url_https with the same OAuth signature, which X's DM media need.
//
// X signs no timestamp: a retried delivery is recognised by its event id,
// which is each Inbound's ID.
package x

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// DefaultAPIBase is X's API: direct messages, media upload and the
// account's user context all live on it.
const DefaultAPIBase = "https://api.x.com"

// Credential keys of a channel of kind "x".
const (
	// CredConsumerKey is the app's API key (consumer key).
	CredConsumerKey = "consumer_key"
	// CredConsumerSecret is the app's API key secret: it signs the CRC
	// answer, checks the webhook's signature and signs API calls.
	CredConsumerSecret = "consumer_secret"
	// CredAccessToken is the business account's OAuth 1.0a access token.
	CredAccessToken = "access_token"
	// CredAccessTokenSecret is that access token's secret.
	CredAccessTokenSecret = "access_token_secret"
	// CredUserID is the business account's numeric user id: deliveries
	// for another account are refused, and its own sends are echoes.
	CredUserID = "user_id"
)

// Bounds of what the adapter keeps from a delivery.
const (
	maxText   = 64 << 10 // a message's text, after t.co links are expanded
	maxID     = 256      // an event, user or media id
	maxName   = 256      // a display or screen name
	maxURL    = 2048     // a media or avatar URL
	maxURLs   = 1000     // url entities of one message
	maxMedia  = 64 << 20 // a fetched media
	maxImage  = 5 << 20  // an image a reply carries (X: 5 MB)
	maxAnswer = 64 << 10 // an API answer read
	maxCRC    = 1024     // a crc_token
)

// Kind is the X channel kind.
func Kind() channels.Kind {
	return channels.Kind{
		Name:  "x",
		Label: "X",
		Credentials: []string{
			CredConsumerKey, CredConsumerSecret,
			CredAccessToken, CredAccessTokenSecret, CredUserID,
		},
		Limits: channels.Limits{
			Window:   0,                // X has no reply window for DMs
			MaxText:  10000,            // a DM's text is at most 10,000 characters
			MaxFile:  maxImage,         // images in DMs are at most 5 MB
			Deadline: 10 * time.Second, // X drops a delivery unanswered in about 10 s
			MaxBody:  1 << 20,
		},
		New: New,
	}
}

// Adapter is one X business account's channel.
type Adapter struct {
	consumerSecret []byte
	userID         string
	base           string // API base, no trailing slash
	baseURL        *url.URL
	signed         *http.Client // signs every request with OAuth 1.0a
	now            func() time.Time
	log            *slog.Logger
}

var _ channels.Adapter = (*Adapter)(nil)

// New makes an X adapter from o's credentials.
func New(o channels.Options) (channels.Adapter, error) {
	return newAdapter(o)
}

func newAdapter(o channels.Options) (*Adapter, error) {
	for _, k := range Kind().Credentials {
		if strings.TrimSpace(o.Credentials[k]) == "" {
			return nil, fmt.Errorf("x: credential %q is missing: copy it from the app's Keys and tokens page in the X developer portal", k)
		}
	}
	uid := o.Credentials[CredUserID]
	if !numeric(uid) || len(uid) > maxID {
		return nil, fmt.Errorf("x: credential %q must be the business account's numeric user id (not its @handle)", CredUserID)
	}
	base := strings.TrimRight(o.APIBase, "/")
	if base == "" {
		base = DefaultAPIBase
	}
	bu, err := url.Parse(base)
	if err != nil || (bu.Scheme != "https" && bu.Scheme != "http") || bu.Host == "" {
		return nil, fmt.Errorf("x: api base %q is not an http(s) URL: leave it empty for X's own", o.APIBase)
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{
			Timeout: 15 * time.Second,
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
				TLSHandshakeTimeout: 10 * time.Second,
				MaxIdleConnsPerHost: 4,
			},
		}
	}
	a := &Adapter{
		consumerSecret: []byte(o.Credentials[CredConsumerSecret]),
		userID:         uid,
		base:           base,
		baseURL:        bu,
		now:            o.Now,
		log:            o.Log,
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("component", "channel.x", "channel", o.ID)
	cfg := oauth1.NewConfig(o.Credentials[CredConsumerKey], o.Credentials[CredConsumerSecret])
	tok := oauth1.NewToken(o.Credentials[CredAccessToken], o.Credentials[CredAccessTokenSecret])
	// The context only carries hc's transport into the signing transport.
	a.signed = cfg.Client(context.WithValue(context.Background(), oauth1.HTTPClient, hc), tok)
	a.signed.Timeout = hc.Timeout
	a.signed.Jar = hc.Jar
	a.signed.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("x: too many redirects")
		}
		if !a.trusted(req.URL) {
			return fmt.Errorf("x: refusing a redirect to %s: not an X host", req.URL.Host)
		}
		return nil
	}
	return a, nil
}

// trusted says whether u is X's (or the configured API base's): only
// those get a request signed with the account's tokens.
func (a *Adapter) trusted(u *url.URL) bool {
	if u == nil || u.User != nil {
		return false
	}
	if u.Scheme == a.baseURL.Scheme && strings.EqualFold(u.Host, a.baseURL.Host) {
		return true
	}
	if u.Scheme != "https" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, d := range []string{"x.com", "twitter.com", "twimg.com"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// numeric says whether s is a non-empty string of ASCII digits, as X's
// ids are.
func numeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readLimited reads at most max bytes of r and says whether there was more.
func readLimited(r io.Reader, max int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > max {
		return b[:max], true, nil
	}
	return b, false, nil
}
