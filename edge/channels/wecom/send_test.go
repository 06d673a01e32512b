package wecom

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wecom/wecomtest"
)

// png is the smallest PNG there is (a 1×1 transparent pixel).
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")

func file(name, ctype string, data []byte) channels.File {
	return channels.File{Name: name, Type: ctype, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// countingTokens is a TokenCache that records its use.
type countingTokens struct {
	mu          sync.Mutex
	keys        []string
	invalidated int
	token       string
}

func (c *countingTokens) Token(ctx context.Context, key string, fetch func(context.Context) (string, time.Time, error)) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = append(c.keys, key)
	if c.token == "" {
		tok, _, err := fetch(ctx)
		if err != nil {
			return "", err
		}
		c.token = tok
	}
	return c.token, nil
}

func (c *countingTokens) Invalidate(_ context.Context, key, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if token == c.token {
		c.token = ""
		c.invalidated++
	}
}

func TestPullSendFetch(t *testing.T) {
	ctx := context.Background()
	tokens := &countingTokens{}
	f := newFixture(t, func(o *channels.Options) { o.Tokens = tokens })

	got := f.say(t, "wmAlice", "我的订单在哪里？")
	if len(got) != 1 {
		t.Fatalf("pulled %v", got)
	}
	in := got[0]
	if in.From != "wmAlice" || in.Chat != f.p.OpenKfID() || in.Text != "我的订单在哪里？" || in.ID == "" || in.At.IsZero() {
		t.Fatalf("pulled %+v", in)
	}
	if in.Profile.Name != "Customer wmAlice" || !strings.HasPrefix(in.Profile.Avatar, "https://") {
		t.Fatalf("profile %+v", in.Profile)
	}

	// The session is new (0): the first send is refused with 95018, the
	// adapter takes the session (1) and sends.
	sent, err := f.a.Send(ctx, channels.Outbound{To: in.From, Chat: in.Chat, Text: "It ships today.", Key: "reply-1"})
	if err != nil || len(sent.MessageIDs) != 1 || sent.MessageIDs[0] != "reply-1-0" {
		t.Fatalf("Send: %v %v", sent, err)
	}
	if f.p.State("wmAlice") != wecomtest.StateAssistant {
		t.Fatalf("the session is in state %d", f.p.State("wmAlice"))
	}
	sent, err = f.a.Send(ctx, channels.Outbound{To: in.From, Chat: in.Chat, Text: "photo:", Key: strings.Repeat("k", 40),
		Files: []channels.File{file("photo.png", "image/png", png), file("invoice.pdf", "application/pdf", []byte("%PDF-1.4 invoice"))}})
	if err != nil || len(sent.MessageIDs) != 3 {
		t.Fatalf("Send with files: %v %v", sent, err)
	}
	want := []string{"It ships today.", "photo:", "file:photo.png", "file:invoice.pdf"}
	if r := f.p.Received("wmAlice"); !slices.Equal(r, want) {
		t.Fatalf("WeCom got %q, want %q", r, want)
	}
	if n := f.p.TokenFetches(); n != 1 {
		t.Fatalf("%d access tokens fetched, want 1 (cached)", n)
	}
	if !slices.ContainsFunc(tokens.keys, func(k string) bool { return k == "ch1/access_token" }) {
		t.Fatalf("token keys %q", tokens.keys)
	}

	// An expired token is dropped and fetched anew, once.
	f.p.Expire()
	if _, err := f.a.Send(ctx, channels.Outbound{To: in.From, Chat: in.Chat, Text: "still there?"}); err != nil {
		t.Fatal(err)
	}
	if f.p.TokenFetches() != 2 || tokens.invalidated != 1 {
		t.Fatalf("after expiry: %d fetches, %d invalidations", f.p.TokenFetches(), tokens.invalidated)
	}

	// WeCom's 5 replies per customer message: the sixth is permanent.
	_, err = f.a.Send(ctx, channels.Outbound{To: in.From, Chat: in.Chat, Text: "one more"})
	permanentErr(t, "the sixth reply", err, "5 replies within 48 hours")

	// The customer writes again: an image, fetched.
	st, _, err := f.p.SayImage(ctx, f.hook, "wmAlice", png)
	if err != nil || st != 200 {
		t.Fatal(st, err)
	}
	got = f.pull(t)
	img := got[len(got)-1]
	if len(img.Media) != 1 || img.Media[0].Kind != "image" || img.Media[0].Ref == "" {
		t.Fatalf("the image became %+v", img)
	}
	f.p.Expire()
	d, err := f.a.Fetch(ctx, img.Media[0])
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(d.Body)
	d.Body.Close()
	if err != nil || !bytes.Equal(body, png) || d.Name != "image.png" || d.Type != "image/png" {
		t.Fatalf("Fetch: %q %q %d bytes %v", d.Name, d.Type, len(body), err)
	}
	if _, err := f.a.Fetch(ctx, channels.Media{Kind: "image", Ref: "MEDIAgone"}); err == nil || !strings.Contains(err.Error(), "3 days") {
		t.Fatalf("an unknown media: %v", err)
	}

	// 48 hours later the window has closed.
	f.p.Advance(49 * time.Hour)
	_, err = f.a.Send(ctx, channels.Outbound{To: in.From, Chat: in.Chat, Text: "late"})
	permanentErr(t, "a reply after 48 hours", err, "5 replies within 48 hours")
}

func TestSessionStates(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.say(t, "wmBob", "hello")

	// A servicer took the session in the WeCom app: the API may not.
	f.p.SetState("wmBob", wecomtest.StateServicer)
	_, err := f.a.Send(ctx, channels.Outbound{To: "wmBob", Text: "hi"})
	permanentErr(t, "a servicer's session", err, "servicer")

	f.p.SetState("wmBob", wecomtest.StateNew)
	if _, err := f.a.Send(ctx, channels.Outbound{To: "wmBob", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := f.a.Close(ctx, "wmBob", f.p.OpenKfID()); err != nil {
		t.Fatal(err)
	}
	if f.p.State("wmBob") != wecomtest.StateEnded {
		t.Fatalf("closed, the session is in state %d", f.p.State("wmBob"))
	}
	if err := f.a.Close(ctx, "wmBob", ""); err != nil {
		t.Fatalf("closing an ended session: %v", err)
	}
	_, err = f.a.Send(ctx, channels.Outbound{To: "wmBob", Text: "after the end"})
	permanentErr(t, "a reply to an ended session", err, "ended")

	// The customer's next message opens a new session.
	f.say(t, "wmBob", "me again")
	if _, err := f.a.Send(ctx, channels.Outbound{To: "wmBob", Text: "welcome back"}); err != nil {
		t.Fatal(err)
	}
	if err := f.a.Close(ctx, "wmNobody", ""); err == nil {
		t.Fatal("closing an unknown customer's session was no error")
	}
}

func TestPullEventsAndPaging(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.say(t, "wmCarol", "hi")
	if _, err := f.a.Send(ctx, channels.Outbound{To: "wmCarol", Text: "hello", Key: "k1"}); err != nil {
		t.Fatal(err)
	}
	steps := []func() (int, string, error){
		func() (int, string, error) { return f.p.Enter(ctx, f.hook, "wmDave") },
		func() (int, string, error) { return f.p.SendFailed(ctx, f.hook, "wmCarol", f.p.LastSendID(), 10) },
		func() (int, string, error) { return f.p.Servicer(ctx, f.hook, "wmCarol", "a servicer's reply") },
		func() (int, string, error) { return f.p.SayTo(ctx, f.hook, "wkOTHER", "wmCarol", "to another account") },
		func() (int, string, error) {
			return f.p.SayType(ctx, f.hook, "wmCarol", "location", map[string]any{"latitude": 23.1, "longitude": 113.3, "name": "Canton Tower", "address": "Guangzhou"})
		},
		func() (int, string, error) {
			return f.p.SayType(ctx, f.hook, "wmCarol", "business_card", map[string]any{"userid": "zhangsan"})
		},
	}
	for i, step := range steps {
		if st, _, err := step(); err != nil || (st != 200 && i != 3) {
			t.Fatalf("step %d: %d %v", i, st, err)
		}
	}
	f.p.PageSize(2)
	got := f.pull(t)
	if len(got) != 5 {
		t.Fatalf("pulled %d: %+v", len(got), got)
	}
	if got[1].Event != "enter_session" || got[1].From != "wmDave" || got[1].Profile.Name != "Customer wmDave" {
		t.Fatalf("enter_session became %+v", got[1])
	}
	if s := got[2].Status; s == nil || s.MessageID != "k1-0" || s.State != channels.StateFailed || !strings.Contains(s.Detail, "refused") {
		t.Fatalf("msg_send_fail became %+v", got[2])
	}
	if got[3].Location != "23.1,113.3 Canton Tower Guangzhou" {
		t.Fatalf("the location became %+v", got[3])
	}
	if got[4].Text != "[unsupported business_card message]" {
		t.Fatalf("the business card became %+v", got[4])
	}

	// The same cursor gives the same page; a stale token is dropped.
	sync := f.e.last(t).Sync
	b1, next, more, err := f.a.Pull(ctx, sync, "")
	b2, next2, _, err2 := f.a.Pull(ctx, sync, "")
	if err != nil || err2 != nil || !more || next != next2 || len(b1) != len(b2) || b1[0].ID != b2[0].ID {
		t.Fatalf("pulling twice from the start: %v %v", err, err2)
	}
	f.p.Advance(11 * time.Minute)
	if _, _, _, err := f.a.Pull(ctx, sync, next); err != nil {
		t.Fatalf("a pull with an expired token: %v", err)
	}
}

func TestSendRefusals(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.say(t, "wmEve", "hi")
	big := channels.File{Name: "big.zip", Size: 21 << 20, Open: func() (io.ReadCloser, error) { return nil, io.EOF }}
	for name, tc := range map[string]struct {
		m    channels.Outbound
		want string
	}{
		"template":      {channels.Outbound{To: "wmEve", Template: &channels.Template{Name: "t"}}, "templates"},
		"too long":      {channels.Outbound{To: "wmEve", Text: strings.Repeat("字", 700)}, "2048 bytes"},
		"too large":     {channels.Outbound{To: "wmEve", Files: []channels.File{big}}, "20 MB"},
		"empty file":    {channels.Outbound{To: "wmEve", Files: []channels.File{file("e.txt", "text/plain", nil)}}, "empty"},
		"no customer":   {channels.Outbound{Text: "x"}, "external_userid"},
		"empty":         {channels.Outbound{To: "wmEve"}, "empty"},
		"unknown user":  {channels.Outbound{To: "wmNobody", Text: "x"}, "does not know"},
		"other account": {channels.Outbound{To: "wmEve", Chat: "wkOTHER", Text: "x"}, "open_kfid"},
	} {
		_, err := f.a.Send(ctx, tc.m)
		permanentErr(t, name, err, tc.want)
	}
	if r := f.p.Received("wmEve"); len(r) != 0 {
		t.Fatalf("refused replies reached WeCom: %q", r)
	}

	// Without open_kfid, a reply needs the conversation's.
	o := channels.Options{Credentials: f.p.Credentials(), APIBase: f.p.APIBase()}
	delete(o.Credentials, CredOpenKfID)
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(ctx, channels.Outbound{To: "wmEve", Text: "x"})
	permanentErr(t, "no open_kfid", err, "open_kfid")

	// A wrong secret says what to fix.
	o.Credentials[CredSecret] = "wrong"
	a, _ = New(o)
	_, err = a.Send(ctx, channels.Outbound{To: "wmEve", Chat: f.p.OpenKfID(), Text: "x"})
	permanentErr(t, "a wrong secret", err, "admin")
}

func TestMsgID(t *testing.T) {
	ok := regexp.MustCompile(`^[0-9A-Za-z_-]{1,32}$`)
	for _, key := range []string{"a", "reply-1", strings.Repeat("x", 29), strings.Repeat("x", 40), "out/42:1", "回复"} {
		for _, i := range []int{0, 1, 99} {
			id := msgID(key, i)
			if !ok.MatchString(id) {
				t.Errorf("msgID(%q, %d) = %q", key, i, id)
			}
			if msgID(key, i) != id || (i > 0 && msgID(key, 0) == id) {
				t.Errorf("msgID(%q, %d) is not stable and distinct", key, i)
			}
		}
	}
	if msgID("", 0) != "" {
		t.Error("no key should let WeCom make the msgid")
	}
}

func TestNew(t *testing.T) {
	for name, c := range map[string]channels.Credentials{
		"no corpid":  {CredSecret: "s", CredToken: "t", CredAESKey: sampleKey},
		"short key":  {CredCorpID: "ww1", CredSecret: "s", CredToken: "t", CredAESKey: "short"},
		"no secret":  {CredCorpID: "ww1", CredToken: "t", CredAESKey: sampleKey},
		"long kf id": {CredCorpID: "ww1", CredSecret: "s", CredToken: "t", CredAESKey: sampleKey, CredOpenKfID: strings.Repeat("k", 300)},
	} {
		if _, err := New(channels.Options{Credentials: c}); err == nil {
			t.Errorf("%s: New took it", name)
		}
	}
	k := Kind()
	if k.Name != "wecom" || k.Label != "WeCom" || k.Limits.Window != 48*time.Hour || k.Limits.MaxText != 2048 {
		t.Fatalf("Kind %+v", k)
	}
	if _, err := k.New(channels.Options{Credentials: channels.Credentials{CredCorpID: "ww1", CredSecret: "s", CredToken: "t", CredAESKey: sampleKey}}); err != nil {
		t.Fatal(err)
	}
}

// A JSON bomb from the API is refused quickly, and an answer over the
// 16 MiB bound is refused (not timed: reading 16 MiB is slow under -race).
func TestHostileAPI(t *testing.T) {
	nested := `{"errcode":0,"msg_list":[` + strings.Repeat(`{"event":[`, 20000) + `]}`
	chunk := strings.Repeat("x", 64<<10)
	for name, write := range map[string]func(w io.Writer){
		"nested": func(w io.Writer) { io.WriteString(w, nested) },
		"huge": func(w io.Writer) {
			io.WriteString(w, `{"errcode":0,"errmsg":"`)
			for range 17 << 4 { // 17 MiB
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			io.WriteString(w, `"}`)
		},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/gettoken") {
				io.WriteString(w, `{"errcode":0,"access_token":"AT","expires_in":7200}`)
				return
			}
			write(w)
		}))
		a, err := New(channels.Options{Credentials: channels.Credentials{CredCorpID: "ww1", CredSecret: "s", CredToken: "t", CredAESKey: sampleKey}, APIBase: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, _, _, err := a.Pull(context.Background(), "", ""); err == nil {
			t.Errorf("%s: Pull took it", name)
		}
		if d := time.Since(start); name == "nested" && d > 5*time.Second {
			t.Errorf("%s took %s", name, d)
		}
		srv.Close()
	}
}

// A media over 64 MiB is refused by its Content-Length, or fails when
// read past the bound.
func TestFetchBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/gettoken") {
			io.WriteString(w, `{"errcode":0,"access_token":"AT","expires_in":7200}`)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(65<<20))
		w.Header().Set("Content-Type", "video/mp4")
	}))
	defer srv.Close()
	a, err := New(channels.Options{Credentials: channels.Credentials{CredCorpID: "ww1", CredSecret: "s", CredToken: "t", CredAESKey: sampleKey}, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Fetch(context.Background(), channels.Media{Kind: "video", Ref: "m"}); err == nil || !strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("a 65 MiB media: %v", err)
	}
	c := &capped{r: strings.NewReader("0123456789abc"), c: io.NopCloser(nil), left: 10}
	if b, err := io.ReadAll(c); err == nil || len(b) != 10 {
		t.Fatalf("read past the bound: %d bytes, %v", len(b), err)
	}
	c = &capped{r: strings.NewReader("0123456789"), c: io.NopCloser(nil), left: 10}
	if b, err := io.ReadAll(c); err != nil || len(b) != 10 {
		t.Fatalf("read up to the bound: %d bytes, %v", len(b), err)
	}
}
