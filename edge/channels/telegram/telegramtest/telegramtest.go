// Package telegramtest is a local fake of the Telegram Bot API for tests.
//
// It fakes, on 127.0.0.1: the bot methods the adapter calls —
// sendMessage (JSON or form), sendPhoto and sendDocument (multipart),
// getFile — and the file download URL {base}/file/bot<token>/<file_path>.
// It enforces what the Bot API does: the bot token in the path (401
// Unauthorized otherwise), chat_id and text present, text at most 4096
// characters, a chat the bot knows (a user who wrote to it), photos at most
// 10 MB and files 50 MB, downloads at most 20 MB; and it answers in the
// API's shape {"ok":false,"error_code":…,"description":…}. A user can block
// the bot (403) and the bot can be rate limited (429 with retry_after).
//
// As Telegram calls a webhook, it POSTs JSON Updates with the
// X-Telegram-Bot-Api-Secret-Token header set to the secret_token.
package telegramtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"hash/fnv"
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

var _ channeltest.Platform = (*Platform)(nil)

// Platform is the fake Bot API of one bot, and the Telegram that calls its
// webhook.
type Platform struct {
	srv    *httptest.Server
	token  string
	secret string
	client *http.Client

	mu       sync.Mutex
	names    map[int64]string // user id → the name tests use
	known    map[int64]bool   // chats that wrote to the bot
	blocked  map[int64]bool
	received map[int64][]string
	files    map[string][]byte // file_id → bytes
	paths    map[string]string // file_path → file_id
	calls    map[string]int
	limited  int // the next n sends answer 429
	update   int64
	msgs     map[int64]int64 // per chat, the last message_id
	last     []byte
}

// New starts the fake; it stops when t ends.
func New(t testing.TB) *Platform {
	p := &Platform{
		token:    "123456789:" + strings.ReplaceAll(rand.Text(), "A", "_"),
		secret:   "s3cret-" + rand.Text(),
		client:   &http.Client{Timeout: 10 * time.Second},
		names:    map[int64]string{},
		known:    map[int64]bool{},
		blocked:  map[int64]bool{},
		received: map[int64][]string{},
		files:    map[string][]byte{},
		paths:    map[string]string{},
		calls:    map[string]int{},
		msgs:     map[int64]int64{},
		update:   10000,
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// Kind is "telegram".
func (p *Platform) Kind() string { return "telegram" }

// APIBase is the fake's base URL.
func (p *Platform) APIBase() string { return p.srv.URL }

// Credentials are the bot's token and the webhook's secret token.
func (p *Platform) Credentials() map[string]string {
	return map[string]string{"bot_token": p.token, "secret_token": p.secret}
}

// UserID is the numeric Telegram id of the user a test names: a number is
// itself, any other name a stable id from its hash.
func (p *Platform) UserID(user string) int64 {
	id, err := strconv.ParseInt(user, 10, 64)
	if err != nil || id <= 0 {
		h := fnv.New32a()
		h.Write([]byte(user))
		id = 1_000_000_000 + int64(h.Sum32()%1_000_000_000)
	}
	p.mu.Lock()
	p.names[id] = user
	p.mu.Unlock()
	return id
}

// Block makes user block the bot: sends to them answer 403.
func (p *Platform) Block(user string) {
	id := p.UserID(user)
	p.mu.Lock()
	p.blocked[id] = true
	p.mu.Unlock()
}

// Limit makes the next n sends answer 429 Too Many Requests.
func (p *Platform) Limit(n int) {
	p.mu.Lock()
	p.limited = n
	p.mu.Unlock()
}

// Calls is how many times the bot called method.
func (p *Platform) Calls(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[method]
}

// Received is what the bot sent to user: texts, and files as "file:<name>".
func (p *Platform) Received(user string) []string {
	id := p.UserID(user)
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.received[id]...)
}

// AddFile serves data as a file the bot may getFile and download; it
// returns the file_id.
func (p *Platform) AddFile(data []byte, ext string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.files) + 1
	id := fmt.Sprintf("AgACAgIAAxkBAAI%04d_%s", n, strings.ToLower(rand.Text()[:8]))
	p.files[id] = data
	p.paths[fmt.Sprintf("photos/file_%d%s", n, ext)] = id
	return id
}

// Message makes the JSON of a message from user in their private chat with
// the bot, with content's fields (text, photo, …); it returns the message
// and its id, as the adapter names it ("<chat>:<message_id>").
func (p *Platform) Message(user string, content map[string]any) (map[string]any, string) {
	uid := p.UserID(user)
	p.mu.Lock()
	p.known[uid] = true
	p.msgs[uid]++
	mid := p.msgs[uid]
	p.mu.Unlock()
	from := map[string]any{"id": uid, "is_bot": false, "first_name": user, "language_code": "en"}
	if strings.Trim(user, "abcdefghijklmnopqrstuvwxyz0123456789_") == "" && len(user) >= 4 {
		from["username"] = user
	}
	m := map[string]any{
		"message_id": mid, "from": from, "date": time.Now().Unix(),
		"chat": map[string]any{"id": uid, "type": "private", "first_name": user},
	}
	for k, v := range content {
		m[k] = v
	}
	return m, fmt.Sprintf("%d:%d", uid, mid)
}

// Update posts an Update with field (message, edited_message, …) set to
// value to hook, signed with the secret token; it returns the status.
func (p *Platform) Update(ctx context.Context, hook, field string, value any) (int, error) {
	p.mu.Lock()
	p.update++
	u := map[string]any{"update_id": p.update, field: value}
	p.mu.Unlock()
	body, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	return p.Post(ctx, hook, p.secret, body)
}

// Post posts body to hook as Telegram does, with secret as the secret
// token header ("" leaves it out), and keeps it for Resend.
func (p *Platform) Post(ctx context.Context, hook, secret string, body []byte) (int, error) {
	p.mu.Lock()
	p.last = body
	p.mu.Unlock()
	return p.post(ctx, hook, secret, body)
}

func (p *Platform) post(ctx context.Context, hook, secret string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Say makes user send text in their private chat with the bot.
func (p *Platform) Say(ctx context.Context, hook, user, text string) (int, string, error) {
	m, id := p.Message(user, map[string]any{"text": text})
	status, err := p.Update(ctx, hook, "message", m)
	return status, id, err
}

// SayImage makes user send a photo: two sizes, the larger of them png.
func (p *Platform) SayImage(ctx context.Context, hook, user string, png []byte) (int, string, error) {
	thumb := p.AddFile([]byte("thumbnail"), ".jpg")
	full := p.AddFile(png, ".png")
	m, id := p.Message(user, map[string]any{"photo": []map[string]any{
		{"file_id": thumb, "file_unique_id": "t" + thumb[len(thumb)-8:], "width": 90, "height": 90, "file_size": 9},
		{"file_id": full, "file_unique_id": "f" + full[len(full)-8:], "width": 800, "height": 600, "file_size": len(png)},
	}})
	status, err := p.Update(ctx, hook, "message", m)
	return status, id, err
}

// Resend posts the last update again, byte for byte.
func (p *Platform) Resend(ctx context.Context, hook string) (int, error) {
	p.mu.Lock()
	body := p.last
	p.mu.Unlock()
	return p.post(ctx, hook, p.secret, body)
}

// Forged posts a message from user with a wrong secret token.
func (p *Platform) Forged(ctx context.Context, hook, user, text string) (int, error) {
	m, _ := p.Message(user, map[string]any{"text": text})
	body, _ := json.Marshal(map[string]any{"update_id": 1, "message": m})
	return p.post(ctx, hook, "forged-"+rand.Text(), body)
}
