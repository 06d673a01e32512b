package wechat

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wechat/wechattest"
)

// hook is a webhook in front of an adapter, as the Service serves it.
type hook struct {
	*httptest.Server
	mu sync.Mutex
	in []channels.Inbound
}

func (h *hook) inbound() []channels.Inbound {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]channels.Inbound(nil), h.in...)
}

// webhook serves a's Receive, answering a message with a passive reply
// when passive is not "".
func webhook(t *testing.T, a *Adapter, passive string) *hook {
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, Kind().Limits.MaxBody))
		req := &channels.Request{Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: time.Now()}
		resp, in, err := a.Receive(r.Context(), req)
		var rf *channels.Refusal
		if errors.As(err, &rf) {
			http.Error(w, rf.Code, rf.Status)
			return
		}
		if err != nil {
			http.Error(w, "error", 500)
			return
		}
		h.mu.Lock()
		h.in = append(h.in, in...)
		h.mu.Unlock()
		if passive != "" && len(in) == 1 && in[0].Event == "" {
			if resp, err = a.Passive(req, in[0], passive); err != nil {
				t.Errorf("passive: %v", err)
			}
		}
		w.Header().Set("Content-Type", resp.ContentType)
		_, _ = w.Write(resp.Body)
	}))
	t.Cleanup(h.Close)
	return h
}

// memTokens is a TokenCache that counts, and can hold a stale token.
type memTokens struct {
	mu           sync.Mutex
	tok          map[string]string
	invalidated  int
	fetchedByKey map[string]int
}

func newTokens() *memTokens {
	return &memTokens{tok: map[string]string{}, fetchedByKey: map[string]int{}}
}

func (m *memTokens) Token(ctx context.Context, key string, fetch func(context.Context) (string, time.Time, error)) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tok[key]; ok {
		return t, nil
	}
	t, _, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	m.tok[key] = t
	m.fetchedByKey[key]++
	return t, nil
}

func (m *memTokens) Invalidate(_ context.Context, key, token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok[key] == token {
		delete(m.tok, key)
		m.invalidated++
	}
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func file(name, typ string, data []byte) channels.File {
	return channels.File{Name: name, Type: typ, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	p := wechattest.New(t)
	tokens := newTokens()
	a := mustNew(t, p.Credentials(), channels.Options{APIBase: p.APIBase(), Tokens: tokens, ID: "ch1"})
	h := webhook(t, a, "")

	status, id, err := p.Say(ctx, h.URL, "o1", "hello")
	if err != nil || status != 200 || id == "" {
		t.Fatal(status, id, err)
	}
	if st, err := p.Resend(ctx, h.URL); err != nil || st != 200 {
		t.Fatal(st, err)
	}
	if in := h.inbound(); len(in) != 2 || in[0].ID != id || in[1].ID != id || in[0].Text != "hello" {
		t.Fatalf("a message and its retry: %+v", in)
	}
	if st, err := p.Forged(ctx, h.URL, "o1", "evil"); err != nil || st != 401 {
		t.Fatalf("forged: %d %v", st, err)
	}
	img := pngBytes(t)
	status, _, err = p.SayImage(ctx, h.URL, "o1", img)
	if err != nil || status != 200 {
		t.Fatal(status, err)
	}
	in := h.inbound()
	if len(in) != 3 || len(in[2].Media) != 1 {
		t.Fatalf("the image: %+v", in)
	}

	// Fetch the customer's image; the token is fetched once and cached.
	d, err := a.Fetch(ctx, in[2].Media[0])
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(d.Body)
	d.Body.Close()
	if err != nil || !bytes.Equal(got, img) || d.Type != "image/png" || d.Name != "image.png" {
		t.Fatalf("fetched %d bytes %q %q %v", len(got), d.Type, d.Name, err)
	}
	if _, err := a.Fetch(ctx, channels.Media{Kind: "image", Ref: "gone"}); err == nil || !strings.Contains(err.Error(), "3 days") {
		t.Fatalf("an unknown media: %v", err)
	}

	// Send a text and an image.
	sent, err := a.Send(ctx, channels.Outbound{To: "o1", Text: "hi there", Key: "r1", Files: []channels.File{file("shot", "image/png", img)}})
	if err != nil || len(sent.MessageIDs) != 2 || sent.MessageIDs[0] != "r1/0" {
		t.Fatal(sent, err)
	}
	if got := p.Received("o1"); len(got) != 2 || got[0] != "hi there" || got[1] != "file:shot.png" {
		t.Fatalf("received %q", got)
	}
	if n := p.TokenFetches(); n != 1 || tokens.fetchedByKey["ch1/access_token"] != 1 {
		t.Fatalf("%d token fetches, want 1 under ch1/access_token: %v", n, tokens.fetchedByKey)
	}

	// An expired token (42001) is dropped and fetched anew, once.
	p.ExpireTokens()
	if _, err := a.Send(ctx, channels.Outbound{To: "o1", Text: "after expiry"}); err != nil {
		t.Fatal(err)
	}
	if n := p.TokenFetches(); n != 2 || tokens.invalidated != 1 {
		t.Fatalf("%d fetches, %d invalidated", n, tokens.invalidated)
	}
	p.ExpireTokens()
	if _, err := a.Fetch(ctx, in[2].Media[0]); err != nil {
		t.Fatalf("fetch after expiry: %v", err)
	}
	// A wrong token (40001) in the cache too.
	tokens.mu.Lock()
	tokens.tok["ch1/access_token"] = "not-a-token"
	tokens.mu.Unlock()
	if _, err := a.Send(ctx, channels.Outbound{To: "o1", Text: "after a wrong token"}); err != nil {
		t.Fatal(err)
	}
	if n := p.TokenFetches(); n != 4 {
		t.Fatalf("%d fetches, want 4", n)
	}
}

func TestSendRefusals(t *testing.T) {
	ctx := context.Background()
	p := wechattest.New(t, wechattest.Mode("plain"))
	a := mustNew(t, p.Credentials(), channels.Options{APIBase: p.APIBase()})
	h := webhook(t, a, "")
	for _, u := range []string{"o1", "o2", "o3", "o4"} {
		if st, _, err := p.Say(ctx, h.URL, u, "hi"); err != nil || st != 200 {
			t.Fatal(st, err)
		}
	}
	p.Block("o2", 43019)
	p.Block("o3", 43004)
	expect := func(name string, m channels.Outbound, permanent bool, reason string) {
		t.Helper()
		_, err := a.Send(ctx, m)
		var se *channels.SendError
		if !errors.As(err, &se) || se.Permanent != permanent || !strings.Contains(se.Reason, reason) {
			t.Fatalf("%s: %v, want permanent=%v %q", name, err, permanent, reason)
		}
	}
	expect("blocked", channels.Outbound{To: "o2", Text: "x"}, true, "blocked")
	expect("unfollowed", channels.Outbound{To: "o3", Text: "x"}, true, "no longer follows")
	expect("unknown openid", channels.Outbound{To: "nobody", Text: "x"}, true, "openid")
	expect("too long", channels.Outbound{To: "o1", Text: strings.Repeat("字", 2049)}, true, "2048")
	expect("a PDF", channels.Outbound{To: "o1", Files: []channels.File{file("a.pdf", "application/pdf", []byte("%PDF"))}}, true, "images only")
	expect("too large", channels.Outbound{To: "o1", Files: []channels.File{{Name: "big.png", Type: "image/png", Size: 11 << 20}}}, true, "10 MB")
	expect("empty", channels.Outbound{To: "o1"}, true, "empty")
	p.Fail(-1)
	expect("busy", channels.Outbound{To: "o1", Text: "x"}, false, "busy")
	p.Fail(45009)
	expect("rate", channels.Outbound{To: "o1", Text: "x"}, false, "45009")
	for i := 0; i < 20; i++ {
		if _, err := a.Send(ctx, channels.Outbound{To: "o4", Text: "x"}); err != nil {
			t.Fatal(i, err)
		}
	}
	expect("unanswered", channels.Outbound{To: "o4", Text: "x"}, true, "until they write again")
	p.SetNow(func() time.Time { return time.Now().Add(49 * time.Hour) })
	expect("window", channels.Outbound{To: "o1", Text: "x"}, true, "WeChat allows customer-service replies only within 48 hours of the customer's last message")
	if got := p.Received("o1"); len(got) != 0 {
		t.Fatalf("received %q", got)
	}
}

// TestAPIAnswers covers answers the fake does not give: a JSON bomb, a
// video's video_url, a media over the limit.
func TestAPIAnswers(t *testing.T) {
	ctx := context.Background()
	var mode string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/cgi-bin/token" && mode == "bomb":
			_, _ = io.WriteString(w, strings.Repeat("[", 1<<20-1))
		case r.URL.Path == "/cgi-bin/token":
			_, _ = io.WriteString(w, `{"access_token":"T","expires_in":7200}`)
		case r.URL.Path == "/cgi-bin/media/get" && mode == "video":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, `{"video_url":"`+srv.URL+`/v.mp4"}`)
		case r.URL.Path == "/v.mp4":
			w.Header().Set("Content-Type", "video/mp4")
			_, _ = io.WriteString(w, "MP4")
		case r.URL.Path == "/cgi-bin/media/get" && mode == "huge":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Header().Set("Content-Length", "70000000")
		}
	}))
	defer srv.Close()
	a := mustNew(t, channels.Credentials{KeyAppID: "wx1", KeySecret: "s", KeyToken: "t"}, channels.Options{APIBase: srv.URL})
	mode = "bomb"
	start := time.Now()
	if _, err := a.Send(ctx, channels.Outbound{To: "o1", Text: "x"}); err == nil || time.Since(start) > time.Second {
		t.Fatalf("a JSON bomb: %v in %s", err, time.Since(start))
	}
	mode = "video"
	d, err := a.Fetch(ctx, channels.Media{Kind: "video", Ref: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if string(b) != "MP4" || d.Type != "video/mp4" {
		t.Fatalf("video %q %q", b, d.Type)
	}
	mode = "huge"
	if _, err := a.Fetch(ctx, channels.Media{Kind: "image", Ref: "h"}); err == nil || !strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("a huge media: %v", err)
	}
	c := &capped{rc: io.NopCloser(strings.NewReader("12345")), left: 4}
	if _, err := io.ReadAll(c); !errors.Is(err, ErrMediaTooLarge) {
		t.Fatalf("capped: %v", err)
	}
}

func TestNew(t *testing.T) {
	for name, c := range map[string]channels.Credentials{
		"no token":       {KeyAppID: "wx", KeySecret: "s"},
		"short key":      {KeyAppID: "wx", KeySecret: "s", KeyToken: "t", KeyAESKey: "short"},
		"safe no key":    {KeyAppID: "wx", KeySecret: "s", KeyToken: "t", KeyMode: "safe"},
		"unknown mode":   {KeyAppID: "wx", KeySecret: "s", KeyToken: "t", KeyMode: "secure"},
		"appid too long": {KeyAppID: strings.Repeat("x", 300), KeySecret: "s", KeyToken: "t"},
	} {
		if _, err := New(channels.Options{Credentials: c}); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
	a := mustNew(t, channels.Credentials{KeyAppID: "wx", KeySecret: "s", KeyToken: "t", KeyAESKey: sampleKey}, channels.Options{})
	if a.mode != ModeSafe || a.base != DefaultAPIBase {
		t.Fatalf("defaults: %q %q", a.mode, a.base)
	}
	if k := Kind(); k.Name != "wechat" || k.Label != "WeChat" || k.Limits.Window != 48*time.Hour {
		t.Fatalf("kind %+v", k)
	}
}
