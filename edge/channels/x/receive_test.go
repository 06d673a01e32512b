package x

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/x/xtest"
)

const (
	testSecret = "test-consumer-secret"
	testUser   = "2244994945"
)

func testAdapter(t testing.TB, base string) *Adapter {
	t.Helper()
	a, err := newAdapter(channels.Options{
		Credentials: channels.Credentials{
			CredConsumerKey: "ck", CredConsumerSecret: testSecret,
			CredAccessToken: "at", CredAccessTokenSecret: "ats", CredUserID: testUser,
		},
		APIBase: base,
		ID:      "x-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sampleDM is a delivery in the shape of X's Account Activity data
// objects and Message Create Object pages
// (https://developer.x.com/en/docs/twitter-api/enterprise/account-activity-api/guides/account-activity-data-objects,
// https://developer.x.com/en/docs/x-api/v1/direct-messages/sending-and-receiving/guides/message-create-object):
// a message with a t.co link and an attached photo whose own t.co link
// ends the text.
const sampleDM = `{
  "for_user_id": "2244994945",
  "direct_message_events": [{
    "type": "message_create",
    "id": "1234858592",
    "created_timestamp": "1392078023603",
    "message_create": {
      "target": {"recipient_id": "2244994945"},
      "sender_id": "3805104374",
      "source_app_id": "268278",
      "message_data": {
        "text": "Blue Bird https://t.co/abc123 https://t.co/pic999",
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [],
          "urls": [
            {"url": "https://t.co/abc123", "expanded_url": "https://example.com/order/7", "display_url": "example.com/order/7", "indices": [10, 29]},
            {"url": "https://t.co/pic999", "expanded_url": "https://x.com/messages/media/1234858592", "display_url": "pic.x.com/pic999", "indices": [30, 49]}
          ]},
        "attachment": {"type": "media", "media": {
          "id": 9123456789, "id_str": "9123456789",
          "media_url_https": "https://ton.twitter.com/1.1/ton/data/dm/1234858592/9123456789/AbCd.jpg",
          "url": "https://t.co/pic999", "type": "photo"}}
      }
    }
  }],
  "apps": {"268278": {"id": "268278", "name": "X Web App", "url": "https://x.com"}},
  "users": {
    "3805104374": {"id": "3805104374", "name": "Furni Ture", "screen_name": "furni_ture",
      "profile_image_url_https": "https://pbs.twimg.com/profile_images/1/a_normal.jpg"},
    "2244994945": {"id": "2244994945", "name": "X Dev", "screen_name": "XDevelopers"}
  }
}`

func post(body string) *channels.Request {
	return &channels.Request{
		Method: http.MethodPost,
		Query:  url.Values{},
		Header: http.Header{SignatureHeader: {Sign([]byte(testSecret), []byte(body))}},
		Body:   []byte(body),
		Now:    time.Now(),
	}
}

func refusal(t *testing.T, err error, status int, code string) {
	t.Helper()
	var r *channels.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("error %v, want a refusal %d %s", err, status, code)
	}
	if r.Status != status || r.Code != code {
		t.Fatalf("refusal %d %s (%s), want %d %s", r.Status, r.Code, r.Reason, status, code)
	}
}

func TestReceiveMessage(t *testing.T) {
	a := testAdapter(t, "")
	resp, in, err := a.Receive(context.Background(), post(sampleDM))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || len(in) != 1 {
		t.Fatalf("%+v %+v", resp, in)
	}
	m := in[0]
	if m.ID != "1234858592" || m.From != "3805104374" || m.Chat != "" {
		t.Errorf("ids %q %q %q", m.ID, m.From, m.Chat)
	}
	if m.Text != "Blue Bird https://example.com/order/7" {
		t.Errorf("text %q", m.Text)
	}
	if !m.At.Equal(time.UnixMilli(1392078023603)) {
		t.Errorf("at %v", m.At)
	}
	want := channels.Profile{Name: "Furni Ture", Handle: "@furni_ture",
		Avatar: "https://pbs.twimg.com/profile_images/1/a_normal.jpg", URL: "https://x.com/furni_ture"}
	if m.Profile != want {
		t.Errorf("profile %+v", m.Profile)
	}
	if len(m.Media) != 1 || m.Media[0].Kind != "image" || m.Media[0].Type != "image/jpeg" ||
		m.Media[0].Ref != "https://ton.twitter.com/1.1/ton/data/dm/1234858592/9123456789/AbCd.jpg" || m.Media[0].Name != "AbCd.jpg" {
		t.Errorf("media %+v", m.Media)
	}
}

// TestCRC: the CRC answer, and the one X's securing-webhooks page shows
// is only an output (its inputs are not published), so the answer is
// checked against an independent HMAC-SHA256 (the fake's).
func TestCRC(t *testing.T) {
	a := testAdapter(t, "")
	resp, in, err := a.Receive(context.Background(), &channels.Request{
		Method: http.MethodGet, Query: url.Values{"crc_token": {"challenge-123"}}, Now: time.Now(),
	})
	if err != nil || len(in) != 0 {
		t.Fatal(err, in)
	}
	want := `{"response_token":"` + xtest.Sign(testSecret, []byte("challenge-123")) + `"}`
	if resp.Status != 200 || resp.ContentType != "application/json" || string(resp.Body) != want {
		t.Fatalf("%d %s %s", resp.Status, resp.ContentType, resp.Body)
	}
	_, _, err = a.Receive(context.Background(), &channels.Request{Method: http.MethodGet, Query: url.Values{}})
	refusal(t, err, 400, channels.RefuseMalformed)
	_, _, err = a.Receive(context.Background(), &channels.Request{Method: http.MethodGet,
		Query: url.Values{"crc_token": {strings.Repeat("a", maxCRC+1)}}})
	refusal(t, err, 400, channels.RefuseMalformed)
}

func TestReceiveRefusals(t *testing.T) {
	a := testAdapter(t, "")
	ctx := context.Background()

	r := post(sampleDM)
	r.Header.Del(SignatureHeader)
	_, _, err := a.Receive(ctx, r)
	refusal(t, err, 403, channels.RefuseSignature)

	r = post(sampleDM)
	r.Header.Set(SignatureHeader, Sign([]byte("another-secret"), r.Body))
	_, _, err = a.Receive(ctx, r)
	refusal(t, err, 403, channels.RefuseSignature)

	r = post(sampleDM)
	r.Body = append([]byte(nil), r.Body...)
	r.Body[len(r.Body)-2] = ' ' // the body changed after signing
	_, _, err = a.Receive(ctx, r)
	refusal(t, err, 403, channels.RefuseSignature)

	// A signature without its prefix, or hex instead of base64.
	r = post(sampleDM)
	r.Header.Set(SignatureHeader, strings.TrimPrefix(r.Header.Get(SignatureHeader), "sha256="))
	_, _, err = a.Receive(ctx, r)
	refusal(t, err, 403, channels.RefuseSignature)

	// Unsigned garbage is refused on its signature, not parsed.
	r = post("not json")
	r.Header.Set(SignatureHeader, "sha256=AAAA")
	_, _, err = a.Receive(ctx, r)
	refusal(t, err, 403, channels.RefuseSignature)

	_, _, err = a.Receive(ctx, post(strings.Replace(sampleDM, `"for_user_id": "2244994945"`, `"for_user_id": "783214"`, 1)))
	refusal(t, err, 403, channels.RefuseAppID)

	for name, body := range map[string]string{
		"not json":      "{not json",
		"array":         "[]",
		"null":          "null",
		"trailing":      sampleDM + "{}",
		"no for_user":   `{"direct_message_events": []}`,
		"id not digits": strings.Replace(sampleDM, `"id": "1234858592"`, `"id": "12a"`, 1),
		"id too long":   strings.Replace(sampleDM, `"id": "1234858592"`, `"id": "`+strings.Repeat("1", maxID+1)+`"`, 1),
		"no id":         strings.Replace(sampleDM, `"id": "1234858592",`, ``, 1),
		"no sender":     strings.Replace(sampleDM, `"sender_id": "3805104374",`, ``, 1),
		"bad timestamp": strings.Replace(sampleDM, `"1392078023603"`, `"yesterday"`, 1),
		"text too long": strings.Replace(sampleDM, `"text": "Blue Bird`, `"text": "`+strings.Repeat("é", maxText/2+1), 1),
		"name too long": strings.Replace(sampleDM, `"Furni Ture"`, `"`+strings.Repeat("n", maxName+1)+`"`, 1),
		"media url":     strings.Replace(sampleDM, `"media_url_https": "https://`, `"media_url_https": "file://`, 1),
		"wrong types":   `{"for_user_id": 2244994945}`,
		// 60,000 one-byte "links" each expanding to 2 KiB: 120 MiB if
		// expanded unbounded.
		"expansion bomb": `{"for_user_id":"2244994945","direct_message_events":[{"type":"message_create","id":"1","message_create":{"sender_id":"2","message_data":{"text":"` +
			strings.Repeat("a", 60000) + `","entities":{"urls":[{"url":"a","expanded_url":"` + strings.Repeat("b", maxURL) + `"}]}}}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := a.Receive(ctx, post(body))
			refusal(t, err, 400, channels.RefuseMalformed)
		})
	}

	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		_, _, err := a.Receive(ctx, &channels.Request{Method: m})
		refusal(t, err, 405, channels.RefuseMethod)
	}
}

// TestJSONBomb: a deeply nested body, signed, is refused quickly (the
// JSON decoder's nesting limit), as is a wide one within MaxBody.
func TestJSONBomb(t *testing.T) {
	a := testAdapter(t, "")
	n := int(Kind().Limits.MaxBody) / 2
	for name, body := range map[string]string{
		"deep arrays":  strings.Repeat("[", n) + strings.Repeat("]", n),
		"deep objects": `{"for_user_id":"2244994945","users":` + strings.Repeat(`{"a":`, n/6) + "1" + strings.Repeat("}", n/6) + "}",
		"deep in dm":   `{"for_user_id":"2244994945","direct_message_events":[{"message_create":` + strings.Repeat(`{"x":`, n/6) + "1" + strings.Repeat("}", n/6) + "}]}",
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, _, err := a.Receive(context.Background(), post(body))
			refusal(t, err, 400, channels.RefuseMalformed)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestReceiveIgnores(t *testing.T) {
	a := testAdapter(t, "")
	for name, body := range map[string]string{
		"echo":      strings.Replace(sampleDM, `"sender_id": "3805104374"`, `"sender_id": "2244994945"`, 1),
		"tweets":    `{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1","text":"hello"}]}`,
		"favorites": `{"for_user_id":"2244994945","favorite_events":[{"id":"x"}]}`,
		"typing":    `{"for_user_id":"2244994945","direct_message_indicate_typing_events":[{"created_timestamp":"1","sender_id":"3805104374","target":{"recipient_id":"2244994945"}}]}`,
		"other dm":  strings.Replace(sampleDM, `"type": "message_create"`, `"type": "welcome_message"`, 1),
		"we read":   `{"for_user_id":"2244994945","direct_message_mark_read_events":[{"created_timestamp":"1","sender_id":"2244994945","target":{"recipient_id":"3805104374"},"last_read_event_id":"77"}]}`,
		"empty":     `{"for_user_id":"2244994945"}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, in, err := a.Receive(context.Background(), post(body))
			if err != nil || resp.Status != 200 || len(in) != 0 {
				t.Fatalf("%+v %+v %v", resp, in, err)
			}
		})
	}
}

func TestReceiveRead(t *testing.T) {
	a := testAdapter(t, "")
	body := `{"for_user_id":"2244994945","direct_message_mark_read_events":[{"created_timestamp":"1392078023603","sender_id":"3805104374","target":{"recipient_id":"2244994945"},"last_read_event_id":"1500000000000000077"}]}`
	_, in, err := a.Receive(context.Background(), post(body))
	if err != nil || len(in) != 1 {
		t.Fatal(in, err)
	}
	if in[0].ID != "read:1500000000000000077" || in[0].From != "3805104374" ||
		in[0].Status == nil || *in[0].Status != (channels.Status{MessageID: "1500000000000000077", State: channels.StateRead}) {
		t.Fatalf("%+v", in[0])
	}
}

func TestReceiveMedia(t *testing.T) {
	a := testAdapter(t, "")
	video := strings.Replace(sampleDM, `"type": "photo"}`, `"type": "video", "video_info": {"variants": [
		{"bitrate": 256000, "content_type": "video/mp4", "url": "https://video.twimg.com/dm_video/1/vid/low.mp4"},
		{"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/dm_video/1/pl/x.m3u8"},
		{"bitrate": 2176000, "content_type": "video/mp4", "url": "https://video.twimg.com/dm_video/1/vid/high.mp4?tag=1"}]}}`, 1)
	_, in, err := a.Receive(context.Background(), post(video))
	if err != nil || len(in) != 1 {
		t.Fatal(in, err)
	}
	if m := in[0].Media; len(m) != 1 || m[0].Kind != "video" || m[0].Type != "video/mp4" ||
		m[0].Ref != "https://video.twimg.com/dm_video/1/vid/high.mp4?tag=1" || m[0].Name != "high.mp4" {
		t.Errorf("video %+v", m)
	}

	odd := strings.Replace(sampleDM, `"type": "photo"}`, `"type": "hologram"}`, 1)
	_, in, err = a.Receive(context.Background(), post(odd))
	if err != nil || len(in) != 1 {
		t.Fatal(in, err)
	}
	if in[0].Text != "Blue Bird https://example.com/order/7\n[unsupported hologram message]" || len(in[0].Media) != 0 {
		t.Errorf("unsupported %+v", in[0])
	}

	only := strings.Replace(sampleDM, `"text": "Blue Bird https://t.co/abc123 https://t.co/pic999"`, `"text": "https://t.co/pic999"`, 1)
	_, in, err = a.Receive(context.Background(), post(only))
	if err != nil || len(in) != 1 || in[0].Text != "" || len(in[0].Media) != 1 {
		t.Fatalf("image only: %+v %v", in, err)
	}
}

func TestNew(t *testing.T) {
	good := channels.Credentials{CredConsumerKey: "a", CredConsumerSecret: "b",
		CredAccessToken: "c", CredAccessTokenSecret: "d", CredUserID: "12"}
	if _, err := New(channels.Options{Credentials: good}); err != nil {
		t.Fatal(err)
	}
	for k := range good {
		c := channels.Credentials{}
		for k2, v := range good {
			if k2 != k {
				c[k2] = v
			}
		}
		if _, err := New(channels.Options{Credentials: c}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("without %s: %v", k, err)
		}
	}
	bad := channels.Credentials{CredConsumerKey: "a", CredConsumerSecret: "b",
		CredAccessToken: "c", CredAccessTokenSecret: "d", CredUserID: "@edgedesk"}
	if _, err := New(channels.Options{Credentials: bad}); err == nil {
		t.Error("a handle as user_id was taken")
	}
	if _, err := New(channels.Options{Credentials: good, APIBase: "ftp://x"}); err == nil {
		t.Error("an ftp api base was taken")
	}
	k := Kind()
	if k.Name != "x" || k.Label != "X" || k.Limits.MaxText != 10000 || k.Limits.MaxFile != 5<<20 || k.Limits.Window != 0 {
		t.Errorf("%+v", k)
	}
}
