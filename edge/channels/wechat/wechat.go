// Package wechat is the channel of a WeChat Official Account (公众号,
// developers.weixin.qq.com/doc/offiaccount): WeChat posts the customers'
// messages and events to the edge's webhook, signed with the account's
// token and, in compatible and safe mode, encrypted with its
// EncodingAESKey (WXBizMsgCrypt, package wxcrypt); the edge answers a
// message within WeChat's 5 seconds with a passive reply (Passive) or
// "success", and replies later through the customer-service message API
// (客服消息), which takes an access token and allows replies only within
// 48 hours of the customer's last message.
package wechat

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// DefaultAPIBase is WeChat's API.
const DefaultAPIBase = "https://api.weixin.qq.com"

// Credential keys.
const (
	KeyAppID   = "appid"            // the account's AppID (wx…)
	KeySecret  = "appsecret"        // the account's AppSecret
	KeyToken   = "token"            // the server configuration's Token
	KeyAESKey  = "encoding_aes_key" // the EncodingAESKey (43 characters)
	KeyMode    = "mode"             // "safe", "compatible" or "plain"
	KeyAccount = "account"          // the account's original id (gh_…)
)

// Message modes (消息加解密方式) of the account's server configuration.
const (
	// ModeSafe takes only encrypted messages (安全模式).
	ModeSafe = "safe"
	// ModeCompatible takes encrypted and plaintext messages (兼容模式).
	ModeCompatible = "compatible"
	// ModePlain takes plaintext messages (明文模式).
	ModePlain = "plain"
)

// Bounds of what a request may carry.
const (
	maxID   = 256      // ids: openid, MsgId, media id, gh_ id
	maxText = 64 << 10 // a text of the customer's
	maxName = 256      // a name, a MsgType, an Event
)

// Kind is the WeChat Official Account channel kind.
func Kind() channels.Kind {
	return channels.Kind{
		Name:        "wechat",
		Label:       "WeChat",
		Credentials: []string{KeyAppID, KeySecret, KeyToken},
		Optional:    []string{KeyAESKey, KeyMode, KeyAccount},
		Limits: channels.Limits{
			// Customer-service messages: 48 hours after the
			// customer's last message (客服消息).
			Window: 48 * time.Hour,
			// A text of a customer-service message: 2048 characters.
			MaxText: 2048,
			// An image of the temporary media API: 10 MB.
			MaxFile: 10 << 20,
			// WeChat drops the connection after 5 s and retries.
			Deadline: 5 * time.Second,
			// A message is a few kilobytes; compatible mode about
			// triples it.
			MaxBody: 256 << 10,
		},
		New: New,
	}
}

// Adapter is one Official Account.
type Adapter struct {
	appid, secret, token, account, mode string
	crypt                               *wxcrypt.Crypt // nil without an EncodingAESKey
	base                                string
	http                                *http.Client
	tokens                              channels.TokenCache
	id                                  string
	now                                 func() time.Time
	log                                 *slog.Logger
}

var (
	_ channels.Adapter = (*Adapter)(nil)
	_ channels.Passive = (*Adapter)(nil)
)

// New makes the adapter of a channel's credentials.
func New(o channels.Options) (channels.Adapter, error) {
	c := o.Credentials
	a := &Adapter{
		appid:   strings.TrimSpace(c[KeyAppID]),
		secret:  strings.TrimSpace(c[KeySecret]),
		token:   strings.TrimSpace(c[KeyToken]),
		account: strings.TrimSpace(c[KeyAccount]),
		mode:    strings.ToLower(strings.TrimSpace(c[KeyMode])),
		base:    strings.TrimRight(o.APIBase, "/"),
		http:    o.HTTP,
		tokens:  o.Tokens,
		id:      o.ID,
		now:     o.Now,
		log:     o.Log,
	}
	if a.appid == "" || a.secret == "" || a.token == "" {
		return nil, errors.New("wechat: appid, appsecret and token are required: copy them from the account's 开发 → 基本配置 page")
	}
	if len(a.appid) > maxID || len(a.account) > maxID {
		return nil, fmt.Errorf("wechat: the appid or account is over %d bytes: copy it again", maxID)
	}
	if key := strings.TrimSpace(c[KeyAESKey]); key != "" {
		cr, err := wxcrypt.New(a.token, key, a.appid)
		if err != nil {
			return nil, fmt.Errorf("wechat: encoding_aes_key: %w", err)
		}
		a.crypt = cr
	}
	switch a.mode {
	case "":
		a.mode = ModePlain
		if a.crypt != nil {
			a.mode = ModeSafe
		}
	case ModeSafe, ModeCompatible:
		if a.crypt == nil {
			return nil, fmt.Errorf("wechat: mode %q needs the encoding_aes_key of the account's server configuration", a.mode)
		}
	case ModePlain:
	default:
		return nil, fmt.Errorf("wechat: mode is %q: it is one of safe, compatible or plain", a.mode)
	}
	if a.base == "" {
		a.base = DefaultAPIBase
	}
	if a.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		a.http = &http.Client{Timeout: 15 * time.Second, Transport: t}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.tokens == nil {
		a.tokens = &localTokens{now: a.now}
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a.log = a.log.With("component", "channels.wechat", "channel", a.id)
	return a, nil
}

// localTokens is the token cache of an adapter made without one (a
// tool, a test): one token, refetched when it is near its end.
type localTokens struct {
	now     func() time.Time
	mu      sync.Mutex
	token   string
	expires time.Time
}

func (l *localTokens) Token(ctx context.Context, _ string, fetch func(context.Context) (string, time.Time, error)) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token != "" && l.expires.Sub(l.now()) > 10*time.Minute {
		return l.token, nil
	}
	t, exp, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	l.token, l.expires = t, exp
	return t, nil
}

func (l *localTokens) Invalidate(_ context.Context, _, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token == token {
		l.token = ""
	}
}
