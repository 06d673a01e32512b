// Package wecomtest is a local fake of WeCom's customer service (企业微信
// 「微信客服」) for tests: an httptest server on 127.0.0.1 with the API
// the wecom adapter calls, and the callbacks WeCom makes.
//
// What it fakes, and enforces as WeCom does:
//   - GET /cgi-bin/gettoken (corpid and corpsecret checked, 40013/40001),
//     access tokens of 2 hours; every other call needs a live one (41001
//     missing, 40014 unknown, 42001 expired: Expire ends them all);
//   - POST /cgi-bin/kf/sync_msg: the messages customers sent, per
//     open_kfid, from an opaque cursor (next_cursor advances, the same
//     cursor gives the same page, has_more says there is more); the
//     callback's token must be one it issued within 10 minutes (95007);
//   - POST /cgi-bin/kf/customer/batchget: the customers' nicknames;
//   - POST /cgi-bin/kf/send_msg: recorded per customer; refused past 48
//     hours of the customer's last message (95002), past 5 replies to it
//     (95001), and while the session's state is not 1, the API's (95018);
//     msgid at most 32 of [0-9a-zA-Z_-]; text at most 2048 bytes;
//   - POST /cgi-bin/kf/service_state/trans and /get: the session states
//     (0 new, 1 the API's, 2 queued, 3 a servicer's, 4 ended) and the
//     changes WeCom allows (95016 otherwise: nothing leaves 4 but a
//     customer's message);
//   - POST /cgi-bin/media/upload (multipart "media": an image is a JPEG or
//     PNG of up to 10 MB, a file up to 20 MB) and GET /cgi-bin/media/get;
//   - the callback: Say and the others queue a message, then POST the
//     encrypted kf_msg_or_event to the edge, signed with msg_signature.
package wecomtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels/channeltest"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// Session states.
const (
	StateNew       = 0
	StateAssistant = 1
	StateQueued    = 2
	StateServicer  = 3
	StateEnded     = 4
)

// allowed reports whether WeCom lets the API change a session from one
// state to another.
func allowed(from, to int) bool {
	switch from {
	case StateNew:
		return to == StateAssistant || to == StateQueued || to == StateServicer || to == StateEnded
	case StateAssistant:
		return to == StateQueued || to == StateServicer || to == StateEnded
	case StateQueued:
		return to == StateServicer || to == StateEnded
	case StateServicer:
		return to == StateQueued || to == StateServicer || to == StateEnded
	}
	return false // nothing leaves StateEnded but a customer's message
}

// Platform is the fake. Its zero value is not usable: call New.
type Platform struct {
	t                                   testing.TB
	srv                                 *httptest.Server
	crypt                               *wxcrypt.Crypt
	corpID, secret, token, aesKey, kfID string

	mu         sync.Mutex
	offset     time.Duration // the platform's clock ahead of time.Now
	access     map[string]time.Time
	fetches    int
	msgTokens  map[string]time.Time
	queue      []queued
	sessions   map[string]*session
	sent       map[string][]string
	media      map[string]stored
	nicknames  map[string]string
	pageSize   int
	seq        int
	lastHook   string
	lastBody   []byte
	lastSendID string
}

type queued struct {
	kf  string
	msg map[string]any
}

type session struct {
	state   int
	last    time.Time // the customer's last message
	replies int
}

type stored struct {
	name, ctype string
	data        []byte
}

var _ channeltest.Platform = (*Platform)(nil)

// New starts a fake with fresh credentials; it stops with t.
func New(t testing.TB) *Platform {
	key := make([]byte, 32)
	rand.Read(key)
	p := &Platform{
		t: t, corpID: "ww" + hexRand(8), secret: hexRand(20), token: hexRand(8),
		aesKey: strings.TrimRight(base64.StdEncoding.EncodeToString(key), "="),
		kfID:   "wk" + hexRand(12),
		access: map[string]time.Time{}, msgTokens: map[string]time.Time{},
		sessions: map[string]*session{}, sent: map[string][]string{},
		media: map[string]stored{}, nicknames: map[string]string{}, pageSize: 1000,
	}
	var err error
	if p.crypt, err = wxcrypt.New(p.token, p.aesKey, p.corpID); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", p.getToken)
	mux.HandleFunc("/cgi-bin/kf/sync_msg", p.authed(http.MethodPost, p.syncMsg))
	mux.HandleFunc("/cgi-bin/kf/customer/batchget", p.authed(http.MethodPost, p.batchGet))
	mux.HandleFunc("/cgi-bin/kf/send_msg", p.authed(http.MethodPost, p.sendMsg))
	mux.HandleFunc("/cgi-bin/kf/service_state/trans", p.authed(http.MethodPost, p.trans))
	mux.HandleFunc("/cgi-bin/kf/service_state/get", p.authed(http.MethodPost, p.stateGet))
	mux.HandleFunc("/cgi-bin/media/upload", p.authed(http.MethodPost, p.upload))
	mux.HandleFunc("/cgi-bin/media/get", p.authed(http.MethodGet, p.mediaGet))
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func hexRand(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Kind is "wecom".
func (p *Platform) Kind() string { return "wecom" }

// APIBase is the fake's URL.
func (p *Platform) APIBase() string { return p.srv.URL }

// Credentials are the channel's, with the fake's open_kfid.
func (p *Platform) Credentials() map[string]string {
	return map[string]string{"corpid": p.corpID, "secret": p.secret, "token": p.token, "encoding_aes_key": p.aesKey, "open_kfid": p.kfID}
}

// OpenKfID is the fake's customer service account.
func (p *Platform) OpenKfID() string { return p.kfID }

// Received is what the edge sent user: texts, and files as "file:<name>".
func (p *Platform) Received(user string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent[user]...)
}

// Expire ends every access token, as their 2 hours do.
func (p *Platform) Expire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.access {
		p.access[k] = time.Time{}
	}
}

// TokenFetches counts gettoken's answers with a token.
func (p *Platform) TokenFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches
}

// Advance moves the platform's clock (the 48-hour window; not the
// callbacks' timestamps, which are the edge's now).
func (p *Platform) Advance(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.offset += d
}

// PageSize makes sync_msg answer at most n messages a call.
func (p *Platform) PageSize(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pageSize = n
}

// State is user's session state; SetState sets it (a servicer taking it
// in the WeCom app is SetState(user, StateServicer)).
func (p *Platform) State(user string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.sessions[user]; s != nil {
		return s.state
	}
	return StateEnded
}

// SetState sets user's session state.
func (p *Platform) SetState(user string, state int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.sessions[user]; s != nil {
		s.state = state
	}
}

// LastSendID is the msgid of the last message the edge sent.
func (p *Platform) LastSendID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastSendID
}

func (p *Platform) now() time.Time { return time.Now().Add(p.offset) }

// answer writes WeCom's JSON: errcode, errmsg and fields.
func answer(w http.ResponseWriter, code int, msg string, fields map[string]any) {
	out := map[string]any{"errcode": code, "errmsg": msg}
	for k, v := range fields {
		out[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(out)
}

func (p *Platform) getToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		answer(w, 43001, "require GET method", nil)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Get("corpid") != p.corpID:
		answer(w, 40013, "invalid corpid", nil)
		return
	case q.Get("corpsecret") != p.secret:
		answer(w, 40001, "invalid credential", nil)
		return
	}
	tok := "AT" + hexRand(24)
	p.mu.Lock()
	p.access[tok] = p.now().Add(2 * time.Hour)
	p.fetches++
	p.mu.Unlock()
	answer(w, 0, "ok", map[string]any{"access_token": tok, "expires_in": 7200})
}

// authed checks the method and the access token before h, which runs
// with p.mu held.
func (p *Platform) authed(method string, h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			answer(w, map[string]int{http.MethodGet: 43001, http.MethodPost: 43002}[method], "require "+method+" method", nil)
			return
		}
		tok := r.URL.Query().Get("access_token")
		p.mu.Lock()
		defer p.mu.Unlock()
		exp, ok := p.access[tok]
		switch {
		case tok == "":
			answer(w, 41001, "access_token missing", nil)
		case !ok:
			answer(w, 40014, "invalid access_token", nil)
		case !p.now().Before(exp):
			answer(w, 42001, "access_token expired", nil)
		default:
			h(w, r)
		}
	}
}

// decode reads r's JSON body into v strictly, answering 47001 when it is
// not.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		answer(w, 47001, "data format error: "+err.Error(), nil)
		return false
	}
	return true
}
