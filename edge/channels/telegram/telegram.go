// Package telegram is the Telegram channel: a bot of the Telegram Bot API
// (https://core.telegram.org/bots/api) that customers talk to in private
// chats. Telegram POSTs each Update to the edge's webhook with the header
// X-Telegram-Bot-Api-Secret-Token set to the secret_token given to
// setWebhook (nothing is signed, and there is no timestamp); replies go by
// sendMessage, sendPhoto and sendDocument, and a customer's files come
// back by getFile and the file download URL. The bot token is the only
// credential on calls: there is no access token to cache or refresh.
package telegram

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Credential keys.
const (
	// KeyBotToken is the bot's token from @BotFather ("123456:ABC-…").
	KeyBotToken = "bot_token"
	// KeySecretToken is the secret_token the webhook was set with
	// (setWebhook): 1 to 256 of A-Z a-z 0-9 _ -.
	KeySecretToken = "secret_token"
)

// DefaultAPIBase is the Bot API's own base URL.
const DefaultAPIBase = "https://api.telegram.org"

// SecretHeader is the header Telegram carries the secret_token in.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Limits of the Bot API.
const (
	// MaxText is a message's longest text, in characters after entity
	// parsing (sendMessage: "1-4096 characters").
	MaxText = 4096
	// MaxPhoto is the largest photo sendPhoto takes (10 MB).
	MaxPhoto = 10 << 20
	// MaxFile is the largest file a bot sends (sendDocument: 50 MB).
	MaxFile = 50 << 20
	// MaxDownload is the largest file getFile lets a bot download (20 MB).
	MaxDownload = 20 << 20
	// MaxFetch is the most bytes Fetch reads of any file.
	MaxFetch = 64 << 20
)

// Bounds of what Receive keeps.
const (
	maxText  = 64 << 10
	maxID    = 256
	maxName  = 256
	maxDepth = 64 // JSON nesting: an Update nests about 8 deep
)

var (
	botTokenRE    = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,128}$`)
	secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// Kind is the Telegram channel kind.
func Kind() channels.Kind {
	return channels.Kind{
		Name:        "telegram",
		Label:       "Telegram",
		Credentials: []string{KeyBotToken, KeySecretToken},
		Limits: channels.Limits{
			Window:   0, // a bot may write to a chat at any time
			MaxText:  MaxText,
			MaxFile:  MaxFile,
			Deadline: 60 * time.Second,
			MaxBody:  1 << 20,
		},
		New: New,
	}
}

// adapter is one bot.
type adapter struct {
	token  string
	secret string
	base   string // no trailing slash
	http   *http.Client
	now    func() time.Time
	log    *slog.Logger
	// maxFile bounds an upload's bytes: MaxFile (tests lower it).
	maxFile int64
}

// New makes the adapter of one bot from its credentials.
func New(o channels.Options) (channels.Adapter, error) {
	token := o.Credentials[KeyBotToken]
	if !botTokenRE.MatchString(token) {
		return nil, errors.New("telegram: bot_token is not a bot token as @BotFather gives it (digits, a colon, then letters, digits, _ and -): copy it again from @BotFather")
	}
	secret := o.Credentials[KeySecretToken]
	if !secretTokenRE.MatchString(secret) {
		return nil, errors.New("telegram: secret_token must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (the secret_token given to setWebhook)")
	}
	base := o.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("telegram: the API base %q is not an http(s) URL: leave it empty for %s", base, DefaultAPIBase)
	}
	a := &adapter{
		token:   token,
		secret:  secret,
		base:    strings.TrimRight(base, "/"),
		http:    o.HTTP,
		now:     o.Now,
		log:     o.Log,
		maxFile: MaxFile,
	}
	if a.http == nil {
		a.http = &http.Client{
			Timeout: 15 * time.Second,
			Transport: &http.Transport{
				Proxy:           http.ProxyFromEnvironment,
				TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
			},
		}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("component", "telegram", "channel", o.ID)
	return a, nil
}
