package telegram

import (
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
)

func file(name, typ string, size int64, data io.Reader) channels.File {
	return channels.File{Name: name, Type: typ, Size: size, Open: func() (io.ReadCloser, error) { return io.NopCloser(data), nil }}
}

// zeros is n zero bytes, not held in memory.
func zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestSend(t *testing.T) {
	ctx := t.Context()
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	h := newHook(t, a)
	if _, _, err := p.Say(ctx, h.URL, "bob_c", "hi"); err != nil {
		t.Fatal(err)
	}
	in := h.inbound()[0]
	sent, err := a.Send(ctx, channels.Outbound{
		To: in.From, Chat: in.Chat, Text: "Hello Bob — how can we help?",
		Files: []channels.File{
			file("shot.png", "image/png", 4, strings.NewReader("\x89PNG")),
			file("unknown-size.jpg", "image/jpeg", 0, strings.NewReader("jpeg")),
			file("bill.pdf", "application/pdf", 5, strings.NewReader("%PDF-")),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.MessageIDs) != 4 || !strings.HasPrefix(sent.MessageIDs[0], in.Chat+":") {
		t.Errorf("sent %v", sent.MessageIDs)
	}
	want := []string{"Hello Bob — how can we help?", "file:shot.png", "file:unknown-size.jpg", "file:bill.pdf"}
	if got := p.Received("bob_c"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("received %q, want %q", got, want)
	}
	if p.Calls("sendPhoto") != 2 || p.Calls("sendDocument") != 1 || p.Calls("sendMessage") != 1 {
		t.Errorf("calls: photo %d, document %d, message %d", p.Calls("sendPhoto"), p.Calls("sendDocument"), p.Calls("sendMessage"))
	}
	// Chat "" falls back to To.
	if _, err := a.Send(ctx, channels.Outbound{To: in.From, Text: "again"}); err != nil {
		t.Fatal(err)
	}
}

func TestSendErrors(t *testing.T) {
	ctx := t.Context()
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	h := newHook(t, a)
	for _, u := range []string{"carol", "dave1", "erin2"} {
		if _, _, err := p.Say(ctx, h.URL, u, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	id := func(u string) string { return strconv.FormatInt(p.UserID(u), 10) }
	p.Block("dave1")
	const small = 1 << 10
	a.(*adapter).maxFile = small // as MaxFile, without streaming 50 MB

	for _, c := range []struct {
		name      string
		m         channels.Outbound
		limit     int
		permanent bool
		reason    string
		calls     int // sends that reach the fake
	}{
		{"blocked", channels.Outbound{To: id("dave1"), Text: "x"}, 0, true, "blocked the bot", 1},
		{"rate limited", channels.Outbound{To: id("carol"), Text: "x"}, 1, false, "after 7 s", 1},
		{"never wrote", channels.Outbound{To: "777", Text: "x"}, 0, true, "chat not found", 1},
		{"too long", channels.Outbound{To: id("carol"), Text: strings.Repeat("é", MaxText+1)}, 0, true, "at most 4096 characters", 0},
		{"not a chat id", channels.Outbound{To: "@carol", Text: "x"}, 0, true, "not a Telegram chat id", 0},
		{"template", channels.Outbound{To: id("carol"), Template: &channels.Template{Name: "x"}}, 0, true, "no message templates", 0},
		{"empty", channels.Outbound{To: id("carol")}, 0, true, "no text", 0},
		{"file said too large", channels.Outbound{To: id("carol"), Files: []channels.File{file("big.zip", "application/zip", small+1, zeros(1))}}, 0, true, "at most 50 MB", 0},
		{"file found too large", channels.Outbound{To: id("erin2"), Files: []channels.File{file("big.bin", "", 0, zeros(small+1))}}, 0, true, "over 50 MB", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := p.Calls("sendMessage") + p.Calls("sendDocument") + p.Calls("sendPhoto")
			p.Limit(c.limit)
			_, err := a.Send(ctx, c.m)
			var se *channels.SendError
			if !errors.As(err, &se) || se.Permanent != c.permanent || !strings.Contains(se.Reason, c.reason) {
				t.Fatalf("Send = %v; want permanent=%v with %q", err, c.permanent, c.reason)
			}
			after := p.Calls("sendMessage") + p.Calls("sendDocument") + p.Calls("sendPhoto")
			if after-before > c.calls {
				t.Errorf("%d calls, want at most %d", after-before, c.calls)
			}
		})
	}
	if got := p.Received("erin2"); len(got) != 0 {
		t.Errorf("erin2 received %q from a file over the limit", got)
	}
}

func TestSendWrongTokenAndUnreachable(t *testing.T) {
	p := telegramtest.New(t)
	creds := p.Credentials()
	creds[KeyBotToken] = "42:wrongTokenWrongToken"
	a, err := New(channels.Options{Credentials: creds, APIBase: p.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(t.Context(), channels.Outbound{To: "1", Text: "x"})
	var se *channels.SendError
	if !errors.As(err, &se) || !se.Permanent || !strings.Contains(se.Reason, "bot_token") {
		t.Fatalf("Send with a wrong token = %v", err)
	}

	// A transport error must not carry the URL, which holds the token.
	dead := httptest.NewServer(nil)
	dead.Close()
	a, err = New(channels.Options{Credentials: p.Credentials(), APIBase: dead.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(t.Context(), channels.Outbound{To: "1", Text: "x"})
	if !errors.As(err, &se) || se.Permanent {
		t.Fatalf("Send to nowhere = %v, want a temporary SendError", err)
	}
	if token := p.Credentials()[KeyBotToken]; strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "/bot") {
		t.Errorf("the error %q shows the bot token", err)
	}
	_, err = a.Fetch(t.Context(), channels.Media{Kind: "image", Ref: "abc"})
	if err == nil || strings.Contains(err.Error(), p.Credentials()[KeyBotToken]) {
		t.Errorf("Fetch from nowhere = %v", err)
	}
}

func TestFetch(t *testing.T) {
	ctx := t.Context()
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	id := p.AddFile([]byte("voice bytes"), ".oga")
	d, err := a.Fetch(ctx, channels.Media{Kind: "voice", Ref: id, Type: "audio/ogg"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if string(b) != "voice bytes" || d.Type != "audio/ogg" || !strings.HasSuffix(d.Name, ".oga") {
		t.Errorf("fetched %q %s %s", b, d.Type, d.Name)
	}
	if _, err := a.Fetch(ctx, channels.Media{Ref: "nope"}); !errors.Is(err, ErrAPI) {
		t.Errorf("Fetch of an unknown file_id = %v", err)
	}
	big := p.AddFile(make([]byte, MaxDownload+1), ".bin")
	if _, err := a.Fetch(ctx, channels.Media{Ref: big}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "20 MB") {
		t.Errorf("Fetch over 20 MB = %v", err)
	}
	if _, err := a.Fetch(ctx, channels.Media{Ref: big, Size: MaxDownload + 1}); !errors.Is(err, ErrTooLarge) || p.Calls("getFile") != 3 {
		t.Errorf("Fetch of a size known too large = %v (getFile %d, want no call)", err, p.Calls("getFile"))
	}
}

func TestBounded(t *testing.T) {
	b := &bounded{rc: io.NopCloser(strings.NewReader("0123456789")), left: 9}
	got, err := io.ReadAll(b)
	if !errors.Is(err, ErrTooLarge) || len(got) != 9 {
		t.Errorf("read %q, %v; want 9 bytes and ErrTooLarge", got, err)
	}
	b = &bounded{rc: io.NopCloser(strings.NewReader("0123456789")), left: 10}
	if got, err := io.ReadAll(b); err != nil || string(got) != "0123456789" {
		t.Errorf("read %q, %v", got, err)
	}
}
