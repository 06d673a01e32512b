package x

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// FuzzReceive feeds Receive bodies signed right (signed true) or with the
// fuzzed header value: it must never panic, refuse with a Refusal, and
// return only bounded values when it accepts.
func FuzzReceive(f *testing.F) {
	seeds := []string{
		sampleDM,
		strings.Replace(sampleDM, `"type": "photo"}`, `"type": "video", "video_info": {"variants": [{"bitrate": 1, "content_type": "video/mp4", "url": "https://video.twimg.com/v.mp4"}]}}`, 1),
		`{"for_user_id":"2244994945","direct_message_mark_read_events":[{"created_timestamp":"1","sender_id":"3805104374","target":{"recipient_id":"2244994945"},"last_read_event_id":"77"}]}`,
		`{"for_user_id":"2244994945","direct_message_indicate_typing_events":[{"created_timestamp":"1","sender_id":"3805104374"}]}`,
		`{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1"}]}`,
		`{"for_user_id":"1"}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"for_user_id":"2244994945","direct_message_events":[{"type":"message_create","id":"1","message_create":{"sender_id":"2","message_data":{"text":"https://t.co/a","entities":{"urls":[{"url":"https://t.co/a","expanded_url":"https://t.co/a https://t.co/a"}]}}}}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), true, "")
		f.Add([]byte(s), false, Sign([]byte(testSecret), []byte(s)))
	}
	f.Add([]byte(sampleDM), false, "sha256=")
	a := testAdapter(f, "")
	f.Fuzz(func(t *testing.T, body []byte, signed bool, sig string) {
		if signed {
			sig = Sign([]byte(testSecret), body)
		}
		r := &channels.Request{
			Method: http.MethodPost, Query: url.Values{},
			Header: http.Header{SignatureHeader: {sig}}, Body: body, Now: time.Now(),
		}
		resp, in, err := a.Receive(context.Background(), r)
		if err != nil {
			var ref *channels.Refusal
			if !errors.As(err, &ref) || ref.Status < 400 || ref.Code == "" {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d", resp.Status)
		}
		for _, m := range in {
			if m.ID == "" || len(m.ID) > maxID || m.From == "" || len(m.From) > maxID || !numeric(m.From) {
				t.Fatalf("ids %q %q", m.ID, m.From)
			}
			if len(m.Text) > maxText || len(m.Profile.Name) > maxName || len(m.Profile.Handle) > maxName+1 ||
				len(m.Profile.Avatar) > maxURL || len(m.Profile.URL) > maxName+20 {
				t.Fatalf("unbounded %+v", m)
			}
			if m.From == testUser {
				t.Fatalf("an echo became inbound: %+v", m)
			}
			for _, md := range m.Media {
				if len(md.Ref) > maxURL || len(md.Name) > maxName || !utf8.ValidString(md.Name) {
					t.Fatalf("media %+v", md)
				}
			}
		}
	})
}
