package x

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/x/xtest"
)

// edge is a webhook endpoint in front of an adapter, as the Service's:
// the body bounded, the adapter's answer or refusal written.
type edge struct {
	srv *httptest.Server
	mu  sync.Mutex
	in  []channels.Inbound
}

func newEdge(t *testing.T, a channels.Adapter) *edge {
	e := &edge{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, Kind().Limits.MaxBody))
		if err != nil {
			w.WriteHeader(400)
			return
		}
		resp, in, err := a.Receive(r.Context(), &channels.Request{
			Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: time.Now(),
		})
		var ref *channels.Refusal
		if errors.As(err, &ref) {
			w.WriteHeader(ref.Status)
			return
		}
		if err != nil {
			w.WriteHeader(500)
			return
		}
		e.mu.Lock()
		e.in = append(e.in, in...)
		e.mu.Unlock()
		if resp.ContentType != "" {
			w.Header().Set("Content-Type", resp.ContentType)
		}
		if resp.Status != 0 {
			w.WriteHeader(resp.Status)
		}
		_, _ = w.Write(resp.Body)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *edge) inbound() []channels.Inbound {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]channels.Inbound(nil), e.in...)
}

func fakeAdapter(t *testing.T, p *xtest.Platform) channels.Adapter {
	t.Helper()
	a, err := Kind().New(channels.Options{Credentials: p.Credentials(), APIBase: p.APIBase(), ID: "x-1"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func file(name, typ string, b []byte) channels.File {
	return channels.File{Name: name, Type: typ, Size: int64(len(b)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

// TestWithFake drives the adapter with the fake X end to end: CRC, a
// message with a link, its retry, a forged one, an image and its fetch,
// replies of text and an image, and a read receipt.
func TestWithFake(t *testing.T) {
	ctx := context.Background()
	p := xtest.New(t)
	a := fakeAdapter(t, p)
	e := newEdge(t, a)
	hook := e.srv.URL + "/hooks/x"

	if err := p.CRC(ctx, hook); err != nil {
		t.Fatal(err)
	}
	st, id, err := p.Say(ctx, hook, "alice", "hello, see https://example.com/a?b=1 please")
	if err != nil || st != 200 {
		t.Fatal(st, err)
	}
	st, err = p.Resend(ctx, hook)
	if err != nil || st != 200 {
		t.Fatal(st, err)
	}
	if st, err := p.Forged(ctx, hook, "alice", "forged"); err != nil || st != 403 {
		t.Fatalf("forged: %d %v", st, err)
	}
	in := e.inbound()
	if len(in) != 2 || in[0].ID != id || in[1].ID != id {
		t.Fatalf("retry: %+v", in)
	}
	alice := p.UserID("alice")
	if in[0].From != alice || in[0].Text != "hello, see https://example.com/a?b=1 please" ||
		in[0].Profile.Handle != "@alice" || in[0].Profile.URL != "https://x.com/alice" || in[0].Profile.Name != "alice" {
		t.Fatalf("%+v", in[0])
	}

	img := pngBytes(t)
	st, id, err = p.SayImage(ctx, hook, "alice", img)
	if err != nil || st != 200 {
		t.Fatal(st, err)
	}
	in = e.inbound()
	got := in[len(in)-1]
	if got.ID != id || got.Text != "" || len(got.Media) != 1 || got.Media[0].Kind != "image" || got.Media[0].Type != "image/png" {
		t.Fatalf("%+v", got)
	}
	d, err := a.Fetch(ctx, got.Media[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(d.Body)
	d.Body.Close()
	if err != nil || !bytes.Equal(b, img) || d.Type != "image/png" || !strings.HasSuffix(d.Name, ".png") {
		t.Fatalf("fetched %d bytes %q %q %v", len(b), d.Type, d.Name, err)
	}

	sent, err := a.Send(ctx, channels.Outbound{To: alice, Text: "Hi Alice 👋", Key: "k1",
		Files: []channels.File{file("receipt.png", "image/png", img)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.MessageIDs) != 2 || sent.MessageIDs[0] == sent.MessageIDs[1] {
		t.Fatalf("%+v", sent)
	}
	if r := p.Received("alice"); len(r) != 2 || r[0] != "Hi Alice 👋" || r[1] != "file:receipt.png" {
		t.Fatalf("received %q", r)
	}

	st, err = p.Status(ctx, hook, "alice", sent.MessageIDs[0], "read")
	if err != nil || st != 200 {
		t.Fatal(st, err)
	}
	in = e.inbound()
	got = in[len(in)-1]
	if got.Status == nil || got.Status.MessageID != sent.MessageIDs[0] || got.Status.State != channels.StateRead || got.From != alice {
		t.Fatalf("%+v", got)
	}
}

func sendErr(t *testing.T, err error, permanent bool, reason string) {
	t.Helper()
	var se *channels.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a SendError", err)
	}
	if se.Permanent != permanent || !strings.Contains(se.Reason, reason) {
		t.Fatalf("SendError %+v, want permanent=%v with %q", se, permanent, reason)
	}
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	p := xtest.New(t)
	a := fakeAdapter(t, p)
	bob := p.UserID("bob")

	p.Block("bob")
	_, err := a.Send(ctx, channels.Outbound{To: bob, Text: "hi"})
	sendErr(t, err, true, "You are not permitted to send Direct Messages to this user.")

	carol := p.UserID("carol")
	for _, c := range []struct {
		status    int
		permanent bool
		reason    string
	}{
		{401, true, "the OAuth tokens were refused: renew them"},
		{429, false, "rate limit"},
		{500, false, "try again"},
		{503, false, "try again"},
		{400, true, "HTTP 400"},
	} {
		p.Fail(c.status)
		_, err := a.Send(ctx, channels.Outbound{To: carol, Text: "hi"})
		sendErr(t, err, c.permanent, c.reason)
	}

	before := p.Calls("dm") + p.Calls("upload")
	_, err = a.Send(ctx, channels.Outbound{To: carol, Text: "the manual",
		Files: []channels.File{file("manual.pdf", "application/pdf", []byte("%PDF-1.4"))}})
	sendErr(t, err, true, "X direct messages carry images only here")
	_, err = a.Send(ctx, channels.Outbound{To: carol,
		Files: []channels.File{file("big.png", "image/png", make([]byte, 5<<20+1))}})
	sendErr(t, err, true, "5 MB")
	_, err = a.Send(ctx, channels.Outbound{To: carol, Text: strings.Repeat("a", 10001)})
	sendErr(t, err, true, "10000")
	_, err = a.Send(ctx, channels.Outbound{To: "@carol", Text: "hi"})
	sendErr(t, err, true, "digits")
	_, err = a.Send(ctx, channels.Outbound{To: carol})
	sendErr(t, err, true, "nothing to send")
	_, err = a.Send(ctx, channels.Outbound{To: carol, Template: &channels.Template{Name: "t"}})
	sendErr(t, err, true, "templates")
	if after := p.Calls("dm") + p.Calls("upload"); after != before {
		t.Errorf("refused replies reached X: %d calls", after-before)
	}

	// A file declared as an image whose bytes are not one: refused after
	// reading, before any upload.
	_, err = a.Send(ctx, channels.Outbound{To: carol,
		Files: []channels.File{file("fake.png", "", []byte("#!/bin/sh\necho hi\n"))}})
	sendErr(t, err, true, "images only")

	// Wrong tokens: every call is refused by the fake's OAuth check.
	creds := p.Credentials()
	creds[CredAccessTokenSecret] = "stolen"
	bad, err := New(channels.Options{Credentials: creds, APIBase: p.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Send(ctx, channels.Outbound{To: carol, Text: "hi"})
	sendErr(t, err, true, "renew them")
	if r := p.Received("carol"); len(r) != 0 {
		t.Errorf("carol received %q", r)
	}
}

func TestFetchRefusals(t *testing.T) {
	ctx := context.Background()
	p := xtest.New(t)
	a := fakeAdapter(t, p)
	for _, ref := range []string{
		"https://evil.example.com/x.png",
		"http://ton.twitter.com/1.1/x.png",
		"https://user:pw@ton.twitter.com/x.png",
		"https://ton.twitter.com.evil.example/x.png",
		"not a url\x7f",
	} {
		if _, err := a.Fetch(ctx, channels.Media{Ref: ref}); err == nil || !strings.Contains(err.Error(), "not an X media URL") {
			t.Errorf("%q: %v", ref, err)
		}
	}
	if _, err := a.Fetch(ctx, channels.Media{Ref: p.APIBase() + "/1.1/ton/data/dm/1/2/none.png"}); err == nil {
		t.Error("a missing media was fetched")
	}
	creds := p.Credentials()
	creds[CredConsumerSecret] = "wrong"
	bad, _ := New(channels.Options{Credentials: creds, APIBase: p.APIBase()})
	if _, err := bad.Fetch(ctx, channels.Media{Ref: p.APIBase() + "/1.1/ton/data/dm/1/2/none.png"}); err == nil || !strings.Contains(err.Error(), "renew them") {
		t.Errorf("badly signed fetch: %v", err)
	}
}

func TestFetchLimit(t *testing.T) {
	l := &limited{rc: io.NopCloser(strings.NewReader(strings.Repeat("a", 11))), left: 10}
	b, err := io.ReadAll(l)
	if !errors.Is(err, errTooLarge) || len(b) != 10 || !strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("%d %v", len(b), err)
	}
	l = &limited{rc: io.NopCloser(strings.NewReader(strings.Repeat("a", 10))), left: 10}
	if b, err := io.ReadAll(l); err != nil || len(b) != 10 {
		t.Fatalf("%d %v", len(b), err)
	}

	// A server that says its media is larger than the limit.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "67108865")
		w.WriteHeader(200)
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL)
	if _, err := a.Fetch(context.Background(), channels.Media{Ref: srv.URL + "/m.png"}); err == nil || !strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("%v", err)
	}
}
