package telegram

import (
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

const fuzzSecret = "fuzz_secret-1"

func FuzzReceive(f *testing.F) {
	const priv = `"message_id":5,"date":1700000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ann","username":"ann"}`
	for _, body := range []string{
		docSample, docEdited,
		`{"update_id":3,"message":{` + priv + `,"photo":[{"file_id":"a","width":1,"height":1},{"file_id":"b","width":9,"height":9}]}}`,
		`{"update_id":3,"message":{` + priv + `,"document":{"file_id":"d","file_name":"x.pdf","mime_type":"application/pdf"}}}`,
		`{"update_id":3,"message":{` + priv + `,"venue":{"location":{"latitude":1,"longitude":2},"title":"T","address":"A"}}}`,
		`{"update_id":3,"message":{` + priv + `,"dice":{"emoji":"x","value":3}}}`,
		`{"update_id":5,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42},"date":1,"new_chat_member":{"status":"kicked"}}}`,
		`{"update_id":6,"message":{"message_id":1,"date":1,"chat":{"id":-100,"type":"group"},"from":{"id":42},"text":"hi"}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"update_id":"x"}`,
	} {
		f.Add([]byte(body), fuzzSecret)
		f.Add([]byte(body), "")
	}
	a, err := New(channels.Options{Credentials: channels.Credentials{KeyBotToken: "1:abc", KeySecretToken: fuzzSecret}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, secret string) {
		r := request(secret, string(body))
		_, ins, err := a.Receive(t.Context(), r)
		if err != nil {
			var ref *channels.Refusal
			if !errors.As(err, &ref) || ref.Status < 400 || ref.Code == "" {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		if secret != fuzzSecret {
			t.Fatalf("accepted the secret %q", secret)
		}
		if r.Method != http.MethodPost || len(ins) > 1 {
			t.Fatalf("%d inbound", len(ins))
		}
		for _, in := range ins {
			p := in.Profile
			for _, s := range []string{in.ID, in.From, in.Chat, p.Name, p.Handle, p.Language, p.URL, in.Location, in.Event} {
				if len(s) > maxID+40 || !utf8.ValidString(s) {
					t.Fatalf("unbounded or invalid %q", s)
				}
			}
			if in.ID == "" || in.From == "" || len(in.Text) > maxText+len("(edited) [unsupported  message]")+40 {
				t.Fatalf("inbound %+v", in)
			}
			for _, m := range in.Media {
				if m.Ref == "" || len(m.Ref) > maxID || len(m.Name) > maxName || len(m.Type) > maxName || m.Size < 0 {
					t.Fatalf("media %+v", m)
				}
			}
		}
	})
}
