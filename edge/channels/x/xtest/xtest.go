// Package xtest is a local fake of X for the x channel's tests and the
// edge's end-to-end tests (a channeltest.Platform).
//
// It fakes, on an httptest server on 127.0.0.1:
//   - the Account Activity webhook's calls to the edge: the CRC (a GET
//     with crc_token whose answer it checks), and direct_message_events
//     and direct_message_mark_read_events deliveries with a users map,
//     signed in x-twitter-webhooks-signature as "sha256=" + base64
//     HMAC-SHA256(consumer secret, body); links in a text are shortened to
//     t.co links with url entities, as X does;
//   - POST /2/dm_conversations/with/{participant_id}/messages and POST
//     /2/media/upload (multipart, media_category dm_image, images of at
//     most 5 MB), enforcing an OAuth 1.0a HMAC-SHA1 signature by the
//     known consumer key and access token (timestamp within 5 minutes, no
//     nonce twice) and answering errors in X's v2 problem JSON;
//   - the DM media of SayImage, served signed-only like ton.twitter.com.
//
// Customers named by a non-numeric name ("alice") get a stable numeric
// X user id; Received takes either.
package xtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels/channeltest"
)

// The account and app the fake knows.
const (
	ConsumerKey       = "xtest-consumer-key"
	ConsumerSecret    = "xtest-consumer-secret"
	AccessToken       = "1500000000000000001-xtestAccessToken"
	AccessTokenSecret = "xtest-access-token-secret"
	BusinessID        = "1500000000000000001"
	BusinessHandle    = "edgedesk"
)

// Platform is the fake X.
type Platform struct {
	srv  *httptest.Server
	hook *http.Client

	mu       sync.Mutex
	v        verifier
	ids      map[string]string   // customer name → X user id
	names    map[string]string   // X user id → customer name
	received map[string][]string // by X user id
	uploads  map[string]string   // media id → file name
	media    map[string][]byte   // served path → bytes
	blocked  map[string]bool
	fail     []int
	calls    map[string]int
	last     *delivery
	seq      int64
}

type delivery struct {
	hook, sig string
	body      []byte
}

var _ channeltest.Platform = (*Platform)(nil)
var _ channeltest.Statuses = (*Platform)(nil)

// New starts a fake X, closed when t ends.
func New(t testing.TB) *Platform {
	p := &Platform{
		v: verifier{consumerKey: ConsumerKey, consumerSecret: ConsumerSecret,
			token: AccessToken, tokenSecret: AccessTokenSecret, nonces: map[string]bool{}},
		ids: map[string]string{}, names: map[string]string{}, received: map[string][]string{},
		uploads: map[string]string{}, media: map[string][]byte{}, blocked: map[string]bool{},
		calls: map[string]int{},
		hook:  &http.Client{Timeout: 15 * time.Second},
		seq:   1800000000000000000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2/dm_conversations/with/{participant}/messages", p.api(p.sendDM))
	mux.HandleFunc("POST /2/media/upload", p.api(p.upload))
	mux.HandleFunc("GET /1.1/ton/data/dm/", p.api(p.serveMedia))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Not Found", "no such endpoint in the fake X")
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// Kind is "x".
func (p *Platform) Kind() string { return "x" }

// APIBase is the fake's API base URL.
func (p *Platform) APIBase() string { return p.srv.URL }

// Credentials are the channel credentials the fake accepts.
func (p *Platform) Credentials() map[string]string {
	return map[string]string{
		"consumer_key": ConsumerKey, "consumer_secret": ConsumerSecret,
		"access_token": AccessToken, "access_token_secret": AccessTokenSecret,
		"user_id": BusinessID,
	}
}

// UserID is the X user id of customer user (user itself when numeric).
func (p *Platform) UserID(user string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.userID(user)
}

func (p *Platform) userID(user string) string {
	if isDigits(user) {
		return user
	}
	if id, ok := p.ids[user]; ok {
		return id
	}
	id := strconv.Itoa(2000000000 + len(p.ids) + 1)
	p.ids[user], p.names[id] = id, user
	return id
}

func (p *Platform) nextID() string {
	p.seq++
	return strconv.FormatInt(p.seq, 10)
}

// Block makes user refuse the business's direct messages (a 403).
func (p *Platform) Block(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked[p.userID(user)] = true
}

// Fail makes the next API calls fail with these statuses, in order.
func (p *Platform) Fail(statuses ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = append(p.fail, statuses...)
}

// Calls is how many signed calls reached endpoint ("dm", "upload", "media").
func (p *Platform) Calls(endpoint string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[endpoint]
}

// Received returns what the edge sent user: texts, and "file:<name>".
func (p *Platform) Received(user string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.received[p.userID(user)]...)
}

// Sign is X's signature of body under consumerSecret.
func Sign(consumerSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Say makes user send text to the business.
func (p *Platform) Say(ctx context.Context, hook, user, text string) (int, string, error) {
	body, id := p.message(user, text, nil)
	st, err := p.Deliver(ctx, hook, body)
	return st, id, err
}

// SayImage makes user send an image, served by the fake for Fetch.
func (p *Platform) SayImage(ctx context.Context, hook, user string, png []byte) (int, string, error) {
	body, id := p.message(user, "", png)
	st, err := p.Deliver(ctx, hook, body)
	return st, id, err
}

// Forged delivers user's text signed under a wrong consumer secret.
func (p *Platform) Forged(ctx context.Context, hook, user, text string) (int, error) {
	body, _ := p.message(user, text, nil)
	return p.post(ctx, hook, body, Sign("not-"+ConsumerSecret, body))
}

// Resend delivers the last delivery again, byte for byte.
func (p *Platform) Resend(ctx context.Context, hook string) (int, error) {
	p.mu.Lock()
	last := p.last
	p.mu.Unlock()
	if last == nil {
		return 0, errors.New("xtest: nothing delivered yet to resend")
	}
	return p.post(ctx, hook, last.body, last.sig)
}

// Status reports that user read the business's message id: X reports
// reads only (direct_message_mark_read_events).
func (p *Platform) Status(ctx context.Context, hook, user, id, state string) (int, error) {
	if state != "read" {
		return 0, fmt.Errorf("xtest: X reports only reads, not %q", state)
	}
	p.mu.Lock()
	uid := p.userID(user)
	users := p.usersMap(uid)
	p.mu.Unlock()
	body, err := json.Marshal(map[string]any{
		"for_user_id": BusinessID,
		"direct_message_mark_read_events": []any{map[string]any{
			"created_timestamp":  strconv.FormatInt(time.Now().UnixMilli(), 10),
			"sender_id":          uid,
			"target":             map[string]any{"recipient_id": BusinessID},
			"last_read_event_id": id,
		}},
		"users": users,
	})
	if err != nil {
		return 0, err
	}
	return p.Deliver(ctx, hook, body)
}

// Deliver posts body to hook signed as X signs it, and remembers it for
// Resend.
func (p *Platform) Deliver(ctx context.Context, hook string, body []byte) (int, error) {
	sig := Sign(ConsumerSecret, body)
	p.mu.Lock()
	p.last = &delivery{hook: hook, sig: sig, body: body}
	p.mu.Unlock()
	return p.post(ctx, hook, body, sig)
}

func (p *Platform) post(ctx context.Context, hook string, body []byte, sig string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Twitter-Webhooks-Signature", sig)
	resp, err := p.hook.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// CRC makes X's challenge-response check of hook and says whether its
// answer is right.
func (p *Platform) CRC(ctx context.Context, hook string) error {
	tok := make([]byte, 24)
	_, _ = rand.Read(tok)
	crc := base64.RawURLEncoding.EncodeToString(tok)
	sep := "?"
	if strings.Contains(hook, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hook+sep+"crc_token="+crc, nil)
	if err != nil {
		return err
	}
	resp, err := p.hook.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("xtest: the CRC was answered %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("xtest: the CRC was answered as %q, not JSON", ct)
	}
	var a struct {
		ResponseToken string `json:"response_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&a); err != nil {
		return fmt.Errorf("xtest: the CRC answer is not JSON: %w", err)
	}
	if a.ResponseToken != Sign(ConsumerSecret, []byte(crc)) {
		return errors.New("xtest: the CRC's response_token is wrong")
	}
	return nil
}

func isDigits(s string) bool {
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

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
