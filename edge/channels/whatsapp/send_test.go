package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
)

const customer = "16505551234"

// opened is the fake and an adapter with customer's window open.
func opened(t *testing.T) (*whatsapptest.Platform, *Adapter) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	h := newHook(t, a)
	if status, _, err := p.Say(context.Background(), h.URL, customer, "hi"); err != nil || status != http.StatusOK {
		t.Fatalf("Say: %d %v", status, err)
	}
	return p, a
}

func file(name, typ string, data []byte) channels.File {
	return channels.File{Name: name, Type: typ, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

func TestSendText(t *testing.T) {
	p, a := opened(t)
	ctx := context.Background()
	full := strings.Repeat("é", limits.MaxText) // 4096 characters, 8192 bytes
	for _, text := range []string{"your parcel left the depot", full} {
		sent, err := a.Send(ctx, channels.Outbound{To: customer, Text: text, Key: "r1"})
		if err != nil || len(sent.MessageIDs) != 1 || !strings.HasPrefix(sent.MessageIDs[0], "wamid.") {
			t.Fatalf("Send: %+v %v", sent, err)
		}
	}
	if got := p.Received(customer); !slices.Equal(got, []string{"your parcel left the depot", full}) {
		t.Fatalf("the fake received %q", got)
	}
	_, err := a.Send(ctx, channels.Outbound{To: customer, Text: full + "!"})
	if e := asSendError(t, err); !e.Permanent || !strings.Contains(e.Reason, "4096") {
		t.Fatalf("a long text: %+v", e)
	}
	_, err = a.Send(ctx, channels.Outbound{To: customer})
	if e := asSendError(t, err); !e.Permanent {
		t.Fatalf("an empty reply: %+v", e)
	}
}

func TestSendWindowAndTemplate(t *testing.T) {
	p, a := opened(t)
	ctx := context.Background()
	p.Expire(customer)
	_, err := a.Send(ctx, channels.Outbound{To: customer, Text: "are you still there?"})
	if e := asSendError(t, err); !e.Permanent || !strings.Contains(e.Reason, "send a template") {
		t.Fatalf("outside the window: %+v", e)
	}
	sent, err := a.Send(ctx, channels.Outbound{To: customer, Text: "ignored", Template: &channels.Template{
		Name: "order_update", Language: "en_US", Params: []string{"Sheena", "#1234"},
	}})
	if err != nil || len(sent.MessageIDs) != 1 {
		t.Fatalf("template: %+v %v", sent, err)
	}
	if got := p.Received(customer); !slices.Equal(got, []string{"template:order_update"}) {
		t.Fatalf("the fake received %q", got)
	}
	_, err = a.Send(ctx, channels.Outbound{To: customer, Template: &channels.Template{Name: "x"}})
	if e := asSendError(t, err); !e.Permanent {
		t.Fatalf("a template without language: %+v", e)
	}
}

func TestSendFiles(t *testing.T) {
	p, a := opened(t)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nsmall")
	big := bytes.Repeat([]byte{1}, 6<<20) // over the 5 MB of an image, under a document's 100
	sent, err := a.Send(ctx, channels.Outbound{To: customer, Text: "here you are", Files: []channels.File{
		file("photo.png", "image/png", png),
		file("invoice.pdf", "", []byte("%PDF-1.7")),
		file("scan.tiff", "image/tiff", big),
		file("clip.ogg", "audio/ogg", []byte("OggS")),
	}})
	if err != nil || len(sent.MessageIDs) != 5 {
		t.Fatalf("Send: %+v %v", sent, err)
	}
	want := []string{"here you are", "file:photo.png", "file:invoice.pdf", "file:scan.tiff", "file:clip.ogg"}
	if got := p.Received(customer); !slices.Equal(got, want) {
		t.Fatalf("the fake received %q, want %q", got, want)
	}

	// Too large by its size: refused before any upload.
	opened := false
	huge := channels.File{Name: "backup.zip", Type: "application/zip", Size: limits.MaxFile + 1,
		Open: func() (io.ReadCloser, error) { opened = true; return nil, errors.New("no") }}
	_, err = a.Send(ctx, channels.Outbound{To: customer, Files: []channels.File{huge}})
	if e := asSendError(t, err); !e.Permanent || !strings.Contains(e.Reason, "100 MB") || opened {
		t.Fatalf("a 100 MB file: %+v (opened %v)", e, opened)
	}
	// An image over 5 MB: refused before the upload.
	_, err = a.Send(ctx, channels.Outbound{To: customer, Files: []channels.File{file("scan.png", "image/png", big)}})
	if e := asSendError(t, err); !e.Permanent || !strings.Contains(e.Reason, "5 MB") {
		t.Fatalf("a 6 MB image: %+v", e)
	}
	// Larger than it said: the upload stops at the type's limit.
	liar := file("liar.png", "image/png", big)
	liar.Size = 0
	sent, err = a.Send(ctx, channels.Outbound{To: customer, Text: "and this", Files: []channels.File{liar}})
	if e := asSendError(t, err); !e.Permanent || !strings.Contains(e.Reason, "5 MB") || len(sent.MessageIDs) != 1 {
		t.Fatalf("a file larger than said: %+v, sent %+v", e, sent)
	}
}

func TestSendErrors(t *testing.T) {
	for _, c := range []struct {
		status, code int
		permanent    bool
		reason       string
	}{
		{401, 190, true, "renew it"},
		{400, 131026, true, "blocked the business"},
		{400, 131051, true, "type of message"},
		{400, 100, true, "parameter"},
		{400, 131047, true, "send a template"},
		{400, 130429, false, "rate limit"},
		{400, 131056, false, "rate limit"},
		{400, 80007, false, "rate limit"},
		{400, 4, false, "rate limit"},
		{503, 2, false, "service"},
		{500, 1, false, "service"},
		{502, 9999, false, "9999"},
		{400, 132001, true, "132001"},
	} {
		p, a := opened(t)
		p.Fail(c.status, c.code, "the fake's failure")
		_, err := a.Send(context.Background(), channels.Outbound{To: customer, Text: "hello"})
		if e := asSendError(t, err); e.Permanent != c.permanent || !strings.Contains(e.Reason, c.reason) {
			t.Errorf("code %d: %+v", c.code, e)
		}
		// The failure was one call's: the next goes.
		if _, err := a.Send(context.Background(), channels.Outbound{To: customer, Text: "hello"}); err != nil {
			t.Errorf("after code %d: %v", c.code, err)
		}
	}
}

// TestSendToken: the fake enforces the bearer token; a wrong one is code
// 190, which no retry mends.
func TestSendToken(t *testing.T) {
	p := whatsapptest.New(t)
	creds := p.Credentials()
	creds[KeyAccessToken] = "EAAGexpired"
	a, err := New(channels.Options{Credentials: creds, APIBase: p.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(context.Background(), channels.Outbound{To: customer, Text: "hello"})
	if e := asSendError(t, err); !e.Permanent || !strings.Contains(e.Reason, "access token") || strings.Contains(e.Reason, "EAAG") {
		t.Fatalf("a refused token: %+v", e)
	}
	id := p.AddMedia("a.png", "image/png", []byte("x"))
	if _, err := a.Fetch(context.Background(), channels.Media{Ref: id}); err == nil || !strings.Contains(err.Error(), "access token") {
		t.Fatalf("Fetch with a refused token: %v", err)
	}
}

func TestFetch(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	ctx := context.Background()
	id := p.AddMedia("invoice.pdf", "application/pdf", []byte("%PDF-1.7 invoice"))
	d, err := a.Fetch(ctx, channels.Media{Kind: "file", Ref: id, Name: "invoice.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if string(b) != "%PDF-1.7 invoice" || d.Type != "application/pdf" || d.Name != "invoice.pdf" {
		t.Fatalf("Fetch: %q %+v", b, d)
	}
	for _, ref := range []string{"999", "../../x", "", "a/b"} {
		if _, err := a.Fetch(ctx, channels.Media{Ref: ref}); err == nil {
			t.Errorf("Fetch(%q) took it", ref)
		}
	}
}

// TestFetchBounds: a media over 64 MiB is refused by its size or while
// read, and a URL that is not https gets no token.
func TestFetchBounds(t *testing.T) {
	var size int64
	var mediaURL string
	var downloads int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/dl") {
			downloads++
			_, _ = w.Write([]byte("x"))
			return
		}
		_, _ = io.WriteString(w, `{"url":"`+mediaURL+`","mime_type":"video/mp4","file_size":`+strconv.FormatInt(size, 10)+`}`)
	}))
	t.Cleanup(srv.Close)
	p := whatsapptest.New(t)
	creds := p.Credentials()
	a, err := New(channels.Options{Credentials: creds, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	size, mediaURL = MaxFetch+1, srv.URL+"/dl"
	if _, err := a.Fetch(context.Background(), channels.Media{Ref: "1"}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("a 64 MiB media: %v", err)
	}
	size, mediaURL = 1, "http://media.example.invalid/dl"
	if _, err := a.Fetch(context.Background(), channels.Media{Ref: "1"}); err == nil || downloads != 0 {
		t.Fatalf("a plain http URL: %v (%d downloads)", err, downloads)
	}

	c := &capped{rc: io.NopCloser(strings.NewReader("abcdef")), left: 6}
	if b, err := io.ReadAll(c); err != nil || string(b) != "abcdef" {
		t.Fatalf("exactly the limit: %q %v", b, err)
	}
	c = &capped{rc: io.NopCloser(strings.NewReader("abcdefg")), left: 6}
	if _, err := io.ReadAll(c); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}
