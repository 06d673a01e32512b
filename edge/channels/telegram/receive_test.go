package telegram

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
)

// docSample is the first example update of Telegram's webhook guide,
// "Testing your bot with updates" (https://core.telegram.org/bots/webhooks):
// a text message; the guide's examples predate chat.type.
const docSample = `{
"update_id":10000,
"message":{
  "date":1441645532,
  "chat":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test",
     "username":"Test"
  },
  "message_id":1365,
  "from":{
     "last_name":"Test Lastname",
     "id":1111111,
     "first_name":"Test",
     "username":"Test"
  },
  "text":"/start"
}
}`

// docEdited is an edited message in the shape of the guide's examples
// (the guide lists an edited-message example; its values here are ours).
const docEdited = `{
"update_id":10000,
"edited_message":{
  "date":1441645532,
  "chat":{"last_name":"Test Lastname","type":"private","id":1111111,"first_name":"Test","username":"Test"},
  "message_id":1365,
  "from":{"last_name":"Test Lastname","id":1111111,"first_name":"Test","username":"Test"},
  "text":"Edited text",
  "edit_date":1441646600
}
}`

func TestReceiveDocSamples(t *testing.T) {
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	secret := p.Credentials()[KeySecretToken]
	_, ins, err := a.Receive(t.Context(), request(secret, docSample))
	if err != nil || len(ins) != 1 {
		t.Fatalf("Receive = %v, %v", ins, err)
	}
	in := ins[0]
	want := channels.Inbound{
		ID: "1111111:1365", From: "1111111", Chat: "1111111", Text: "/start",
		Profile: channels.Profile{Name: "Test Test Lastname", Handle: "@Test", URL: "https://t.me/Test"},
		At:      time.Unix(1441645532, 0).UTC(),
	}
	if in.ID != want.ID || in.From != want.From || in.Chat != want.Chat || in.Text != want.Text || in.Profile != want.Profile || !in.At.Equal(want.At) {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	_, ins, err = a.Receive(t.Context(), request(secret, docEdited))
	if err != nil || len(ins) != 1 {
		t.Fatalf("Receive edited = %v, %v", ins, err)
	}
	if in := ins[0]; in.ID != "1111111:1365:e1441646600" || in.Text != "(edited) Edited text" || !in.At.Equal(time.Unix(1441646600, 0)) {
		t.Errorf("edited: got %+v", in)
	}
}

func TestReceiveThroughFake(t *testing.T) {
	ctx := t.Context()
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	h := newHook(t, a)

	status, id, err := p.Say(ctx, h.URL, "alice_b", "hello")
	if err != nil || status != http.StatusOK {
		t.Fatalf("Say = %d, %v", status, err)
	}
	if status, err := p.Resend(ctx, h.URL); err != nil || status != http.StatusOK {
		t.Fatalf("Resend = %d, %v", status, err)
	}
	if status, err := p.Forged(ctx, h.URL, "alice_b", "forged"); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("Forged = %d, %v; want 401", status, err)
	}
	ins := h.inbound()
	if len(ins) != 2 || ins[0].ID != id || ins[1].ID != id {
		t.Fatalf("inbound %+v, want twice the id %s (a retry is the same message)", ins, id)
	}
	uid := p.UserID("alice_b")
	if in := ins[0]; in.Text != "hello" || in.From != in.Chat || in.From != strings.Split(id, ":")[0] ||
		in.Profile.Handle != "@alice_b" || in.Profile.Language != "en" || uid == 0 {
		t.Errorf("inbound %+v", in)
	}
	if r := h.refusals(); len(r) != 1 || r[0].Code != channels.RefuseSignature {
		t.Errorf("refusals %+v", r)
	}

	png := []byte("\x89PNG\r\n\x1a\nnot really")
	status, id, err = p.SayImage(ctx, h.URL, "alice_b", png)
	if err != nil || status != http.StatusOK {
		t.Fatalf("SayImage = %d, %v", status, err)
	}
	ins = h.inbound()
	in := ins[len(ins)-1]
	if in.ID != id || len(in.Media) != 1 || in.Media[0].Kind != "image" || in.Media[0].Size != int64(len(png)) {
		t.Fatalf("image inbound %+v", in)
	}
	d, err := a.Fetch(ctx, in.Media[0])
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	got := make([]byte, 64)
	n, _ := d.Body.Read(got)
	if string(got[:n]) != string(png) || !strings.HasSuffix(d.Name, ".png") {
		t.Errorf("fetched %q (%s), want the largest size's bytes", got[:n], d.Name)
	}
}

func TestReceiveRefusals(t *testing.T) {
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	secret := p.Credentials()[KeySecretToken]
	bomb := strings.Repeat("[", 1<<20-2) + strings.Repeat("]", 1)
	objBomb := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	long := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7},"text":"` + strings.Repeat("x", 64<<10+1) + `"}}`
	longID := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7},"document":{"file_id":"` + strings.Repeat("A", 257) + `"}}}`
	for _, c := range []struct {
		name, method, secret, body string
		status                     int
		code                       string
	}{
		{"GET", http.MethodGet, secret, docSample, 405, channels.RefuseMethod},
		{"no secret", http.MethodPost, "", docSample, 401, channels.RefuseSignature},
		{"wrong secret", http.MethodPost, secret + "x", docSample, 401, channels.RefuseSignature},
		{"secret prefix", http.MethodPost, secret[:len(secret)-1], docSample, 401, channels.RefuseSignature},
		{"not JSON", http.MethodPost, secret, `{"update_id":`, 400, channels.RefuseMalformed},
		{"not an object", http.MethodPost, secret, `[1,2]`, 400, channels.RefuseMalformed},
		{"id a string", http.MethodPost, secret, `{"update_id":1,"message":{"message_id":"1","chat":{"id":7,"type":"private"},"from":{"id":7}}}`, 400, channels.RefuseMalformed},
		{"no message_id", http.MethodPost, secret, `{"update_id":1,"message":{"chat":{"id":7,"type":"private"},"from":{"id":7},"text":"x"}}`, 400, channels.RefuseMalformed},
		{"array bomb", http.MethodPost, secret, bomb, 400, channels.RefuseMalformed},
		{"object bomb", http.MethodPost, secret, objBomb, 400, channels.RefuseMalformed},
		{"text over 64 KiB", http.MethodPost, secret, long, 400, channels.RefuseMalformed},
		{"file_id over 256 bytes", http.MethodPost, secret, longID, 400, channels.RefuseMalformed},
		{"over MaxBody", http.MethodPost, secret, `{"x":"` + strings.Repeat("a", 1<<20) + `"}`, 413, channels.RefuseTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := request(c.secret, c.body)
			r.Method = c.method
			start := time.Now()
			_, ins, err := a.Receive(t.Context(), r)
			var ref *channels.Refusal
			if !errors.As(err, &ref) || ref.Status != c.status || ref.Code != c.code || ins != nil {
				t.Fatalf("Receive = %v, %v; want %d %s", ins, err, c.status, c.code)
			}
			if strings.Contains(ref.Reason, secret) {
				t.Errorf("the reason %q carries the secret", ref.Reason)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestReceiveKinds(t *testing.T) {
	p := telegramtest.New(t)
	a := newAdapter(t, p)
	secret := p.Credentials()[KeySecretToken]
	const priv = `"message_id":5,"date":1700000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ann","last_name":"Lee","username":"ann_lee","language_code":"de"}`
	msg := func(content string) string { return `{"update_id":3,"message":{` + priv + `,` + content + `}}` }
	for _, c := range []struct {
		name, body string
		check      func(in channels.Inbound) bool
	}{
		{"text", msg(`"text":"hi"`), func(in channels.Inbound) bool {
			return in.ID == "42:5" && in.Text == "hi" && in.Profile.Name == "Ann Lee" && in.Profile.Language == "de"
		}},
		{"photo largest", msg(`"caption":"look","photo":[{"file_id":"small","width":90,"height":90},{"file_id":"big","width":1280,"height":960,"file_size":99},{"file_id":"mid","width":320,"height":240}]`),
			func(in channels.Inbound) bool {
				return in.Text == "look" && len(in.Media) == 1 && in.Media[0] == channels.Media{Kind: "image", Ref: "big", Type: "image/jpeg", Size: 99}
			}},
		{"voice", msg(`"voice":{"file_id":"v1","mime_type":"audio/ogg","duration":3}`), func(in channels.Inbound) bool {
			return in.Media[0].Kind == "voice" && in.Media[0].Ref == "v1"
		}},
		{"audio", msg(`"audio":{"file_id":"a1","file_name":"song.mp3","mime_type":"audio/mpeg"}`), func(in channels.Inbound) bool {
			return in.Media[0] == channels.Media{Kind: "audio", Ref: "a1", Type: "audio/mpeg", Name: "song.mp3"}
		}},
		{"video", msg(`"video":{"file_id":"vd","mime_type":"video/mp4","file_size":10}`), func(in channels.Inbound) bool { return in.Media[0].Kind == "video" }},
		{"document", msg(`"document":{"file_id":"d1","file_name":"bill.pdf","mime_type":"application/pdf","file_size":1234}`), func(in channels.Inbound) bool {
			return in.Media[0] == channels.Media{Kind: "file", Ref: "d1", Type: "application/pdf", Name: "bill.pdf", Size: 1234}
		}},
		{"sticker", msg(`"sticker":{"file_id":"s1","is_animated":true,"emoji":"x"}`), func(in channels.Inbound) bool {
			return in.Media[0].Kind == "sticker" && in.Media[0].Type == "application/x-tgsticker"
		}},
		{"location", msg(`"location":{"latitude":52.52,"longitude":13.405}`), func(in channels.Inbound) bool { return in.Location == "52.52,13.405" }},
		{"venue", msg(`"location":{"latitude":1.5,"longitude":2},"venue":{"location":{"latitude":1.5,"longitude":2},"title":"Cafe","address":"Main St 1"}`),
			func(in channels.Inbound) bool { return in.Location == "1.5,2 Cafe, Main St 1" }},
		{"contact", msg(`"contact":{"phone_number":"+1","first_name":"B"}`), func(in channels.Inbound) bool {
			return in.Text == "[unsupported contact message]"
		}},
		{"edited caption", `{"update_id":4,"edited_message":{` + priv + `,"edit_date":1700000100,"caption":"new","document":{"file_id":"d1"}}}`,
			func(in channels.Inbound) bool { return in.ID == "42:5:e1700000100" && in.Text == "(edited) new" }},
		{"blocked", `{"update_id":5,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42},"date":1700000200,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`,
			func(in channels.Inbound) bool {
				return in.Event == "unsubscribe" && in.From == "42" && in.ID == "42:member:1700000200:kicked"
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ins, err := a.Receive(t.Context(), request(secret, c.body))
			if err != nil || len(ins) != 1 || !c.check(ins[0]) {
				t.Fatalf("Receive = %+v, %v", ins, err)
			}
		})
	}
	for _, c := range []struct{ name, body string }{
		{"group", `{"update_id":6,"message":{"message_id":1,"date":1,"chat":{"id":-100,"type":"group"},"from":{"id":42},"text":"hi"}}`},
		{"supergroup", `{"update_id":6,"message":{"message_id":1,"date":1,"chat":{"id":-1001,"type":"supergroup"},"from":{"id":42},"text":"hi"}}`},
		{"channel post", `{"update_id":7,"channel_post":{"message_id":1,"date":1,"chat":{"id":-1002,"type":"channel"},"text":"news"}}`},
		{"callback", `{"update_id":8,"callback_query":{"id":"1","from":{"id":42},"data":"x"}}`},
		{"from a bot", `{"update_id":9,"message":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":true},"text":"x"}}`},
		{"live location", `{"update_id":10,"edited_message":{` + priv + `,"edit_date":1700000300,"location":{"latitude":1,"longitude":2,"live_period":900}}}`},
		{"pinned", msg(`"pinned_message":{"message_id":4,"date":1,"chat":{"id":42,"type":"private"}}`)},
		{"empty update", `{"update_id":11}`},
		{"null message", `{"update_id":12,"message":null}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, ins, err := a.Receive(context.Background(), request(secret, c.body))
			if err != nil || len(ins) != 0 || resp.Status != 0 {
				t.Fatalf("Receive = %+v, %+v, %v; want 200 and nothing", resp, ins, err)
			}
		})
	}
}
