// Package wecom is the WeCom customer service channel (企业微信「微信客服」):
// WeChat users write to a customer service account (open_kfid) that the
// business has put under the API. WeCom's callback only says that there is
// something to read (the kf_msg_or_event event, WXBizMsgCrypt-encrypted,
// receiver id = corpid); the adapter is a channels.Puller that reads the
// messages with /cgi-bin/kf/sync_msg from the cursor the Service keeps,
// replies with /cgi-bin/kf/send_msg after putting the session in the
// API's hands (service_state 1), and ends the session (service_state 4) as
// a channels.Closer.
//
// WeCom lets the business reply only within 48 hours of the customer's
// last message, and at most 5 messages per customer message; a send past
// either is a permanent SendError that says so.
package wecom

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// APIBase is WeCom's own API.
const APIBase = "https://qyapi.weixin.qq.com"

// Credential keys.
const (
	// CredCorpID is the enterprise's corpid (我的企业 → 企业ID): the
	// receiver id of the callback's ciphertext and gettoken's corpid.
	CredCorpID = "corpid"
	// CredSecret is the secret of the self-built app that is set in
	// 微信客服 → 可调用接口的应用: gettoken's corpsecret.
	CredSecret = "secret"
	// CredToken is the callback's Token (接收事件服务器 → Token).
	CredToken = "token"
	// CredAESKey is the callback's 43-character EncodingAESKey.
	CredAESKey = "encoding_aes_key"
	// CredOpenKfID (optional) is the customer service account the
	// channel is: only its messages are taken, and it is the account
	// replies go from when the conversation does not name one.
	CredOpenKfID = "open_kfid"
)

// Bounds of what the adapter keeps.
const (
	maxText  = 64 << 10 // a customer's text
	maxID    = 256      // ids, tokens, cursors
	maxName  = 256      // a nickname
	maxURL   = 2048     // an avatar's URL
	maxMedia = 64 << 20 // a fetched media
	maxReply = 16 << 20 // an API's JSON answer (sync_msg: up to 1000 messages)

	// sendTextBytes is send_msg's bound on text.content: 2048 bytes.
	sendTextBytes = 2048
	// imageBytes is the largest image WeCom takes as an image (10 MB);
	// a larger one goes as a file.
	imageBytes = 10 << 20
)

// Kind is the WeCom customer service channel kind.
func Kind() channels.Kind {
	return channels.Kind{
		Name:        "wecom",
		Label:       "WeCom",
		Credentials: []string{CredCorpID, CredSecret, CredToken, CredAESKey},
		Optional:    []string{CredOpenKfID},
		Limits: channels.Limits{
			Window:       48 * time.Hour,
			MaxText:      2048,
			MaxTextBytes: 2048, // send_msg counts bytes
			MaxFile:      20 << 20,
			Deadline:     5 * time.Second,
			MaxBody:      256 << 10,
		},
		New: func(o channels.Options) (channels.Adapter, error) { return New(o) },
	}
}

// Adapter is one WeCom customer service channel.
type Adapter struct {
	corpID, secret, kfID string
	crypt                *wxcrypt.Crypt
	base                 string
	http                 *http.Client
	tokens               channels.TokenCache
	id                   string
	now                  func() time.Time
	log                  *slog.Logger
}

var (
	_ channels.Adapter = (*Adapter)(nil)
	_ channels.Puller  = (*Adapter)(nil)
	_ channels.Closer  = (*Adapter)(nil)
)

// New makes the adapter of o's credentials.
func New(o channels.Options) (*Adapter, error) {
	c := o.Credentials
	for _, k := range []string{CredCorpID, CredSecret, CredToken, CredAESKey} {
		if strings.TrimSpace(c[k]) == "" {
			return nil, fmt.Errorf("wecom: the credential %q is missing: copy it from the WeCom admin console (微信客服 → API)", k)
		}
	}
	if len(c[CredCorpID]) > maxID || len(c[CredOpenKfID]) > maxID {
		return nil, errors.New("wecom: the corpid or open_kfid is longer than 256 bytes: check the credentials")
	}
	crypt, err := wxcrypt.New(c[CredToken], c[CredAESKey], c[CredCorpID])
	if err != nil {
		return nil, fmt.Errorf("wecom: %w: copy the callback's Token and EncodingAESKey from the WeCom admin console", err)
	}
	a := &Adapter{
		corpID: c[CredCorpID], secret: c[CredSecret], kfID: c[CredOpenKfID],
		crypt: crypt, base: strings.TrimRight(o.APIBase, "/"), http: o.HTTP,
		tokens: o.Tokens, id: o.ID, now: o.Now, log: o.Log,
	}
	if a.base == "" {
		a.base = APIBase
	}
	if _, err := url.Parse(a.base); err != nil {
		return nil, fmt.Errorf("wecom: the API base %q is not a URL", a.base)
	}
	if a.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		a.http = &http.Client{Timeout: 15 * time.Second, Transport: t}
	}
	if a.tokens == nil {
		a.tokens = &localTokens{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("component", "channels.wecom", "channel", o.ID)
	return a, nil
}

// localTokens is the adapter's own token cache when Options has none.
type localTokens struct {
	mu      sync.Mutex
	token   map[string]string
	expires map[string]time.Time
}

func (l *localTokens) Token(ctx context.Context, key string, fetch func(context.Context) (string, time.Time, error)) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.token[key]; ok && time.Until(l.expires[key]) > time.Minute {
		return t, nil
	}
	t, exp, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	if l.token == nil {
		l.token, l.expires = map[string]string{}, map[string]time.Time{}
	}
	l.token[key], l.expires[key] = t, exp
	return t, nil
}

func (l *localTokens) Invalidate(_ context.Context, key, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token[key] == token {
		delete(l.token, key)
	}
}
