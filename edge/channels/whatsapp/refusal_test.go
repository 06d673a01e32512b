package whatsapp

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
)

func TestReceiveRefusals(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	ctx := context.Background()
	good := signed(p, docText)

	header := func(v string) http.Header {
		h := http.Header{}
		if v != "" {
			h.Set(SignatureHeader, v)
		}
		return h
	}
	withBody := func(body string) *channels.Request { return signed(p, body) }
	longID := strings.Replace(docText, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", strings.Repeat("x", 257), 1)
	longText := strings.Replace(docText, "Does it come in another color?", strings.Repeat("a", maxText+1), 1)
	noImage := strings.Replace(docText, `"type":"text"`, `"type":"image"`, 1)

	for _, c := range []struct {
		name   string
		req    *channels.Request
		status int
		code   string
	}{
		{"no signature", &channels.Request{Method: http.MethodPost, Header: header(""), Body: good.Body}, 401, channels.RefuseSignature},
		{"forged signature", &channels.Request{Method: http.MethodPost, Header: header(Sign("wrong", good.Body)), Body: good.Body}, 401, channels.RefuseSignature},
		{"signature of another body", &channels.Request{Method: http.MethodPost, Header: good.Header, Body: []byte(docButton)}, 401, channels.RefuseSignature},
		{"sha1 signature", &channels.Request{Method: http.MethodPost, Header: header("sha1=" + strings.Repeat("0", 40)), Body: good.Body}, 401, channels.RefuseSignature},
		{"signature not hex", &channels.Request{Method: http.MethodPost, Header: header("sha256=" + strings.Repeat("z", 64)), Body: good.Body}, 401, channels.RefuseSignature},
		{"short signature", &channels.Request{Method: http.MethodPost, Header: header("sha256=abcd"), Body: good.Body}, 401, channels.RefuseSignature},
		{"PUT", &channels.Request{Method: http.MethodPut, Header: good.Header, Body: good.Body}, 405, channels.RefuseMethod},
		{"not JSON", withBody(`<xml>hello</xml>`), 400, channels.RefuseMalformed},
		{"cut JSON", withBody(docText[:100]), 400, channels.RefuseMalformed},
		{"wrong type", withBody(`{"object":"whatsapp_business_account","entry":{"id":1}}`), 400, channels.RefuseMalformed},
		{"id over 256 bytes", withBody(longID), 400, channels.RefuseMalformed},
		{"text over 64 KiB", withBody(longText), 400, channels.RefuseMalformed},
		{"image without its object", withBody(noImage), 400, channels.RefuseMalformed},
		{"no message id", withBody(strings.Replace(docText, `"id":"wamid.`, `"idx":"wamid.`, 1)), 400, channels.RefuseMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, in, err := a.Receive(ctx, c.req)
			r := asRefusal(t, err)
			if r.Status != c.status || r.Code != c.code || in != nil {
				t.Fatalf("got %+v (%d inbound), want %d %s", r, len(in), c.status, c.code)
			}
			if strings.Contains(r.Reason, p.Credentials()[KeyAppSecret]) || strings.Contains(r.Reason, "Does it come") {
				t.Fatalf("the reason %q quotes a secret or the body", r.Reason)
			}
		})
	}
}

// TestJSONBomb: a megabyte of nesting is refused in one pass, before the
// decoder, and quickly; an unsigned one is refused before it is read.
func TestJSONBomb(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	for _, bomb := range []string{
		strings.Repeat("[", int(limits.MaxBody)),
		`{"object":"whatsapp_business_account","entry":` + strings.Repeat(`[{"a":`, 100_000) + "1",
	} {
		start := time.Now()
		_, _, err := a.Receive(context.Background(), signed(p, bomb))
		if r := asRefusal(t, err); r.Status != http.StatusBadRequest || r.Code != channels.RefuseMalformed {
			t.Fatalf("the bomb was refused with %+v", r)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("the bomb took %v", d)
		}
		h := http.Header{}
		h.Set(SignatureHeader, Sign("wrong", []byte(bomb)))
		_, _, err = a.Receive(context.Background(), &channels.Request{Method: http.MethodPost, Header: h, Body: []byte(bomb)})
		if r := asRefusal(t, err); r.Code != channels.RefuseSignature {
			t.Fatalf("an unsigned bomb was refused with %+v", r)
		}
	}
	// Nesting inside strings is text, not depth.
	deep := strings.Replace(docText, "Does it come in another color?", strings.Repeat("[{", 1000), 1)
	if _, in, err := a.Receive(context.Background(), signed(p, deep)); err != nil || len(in) != 1 {
		t.Fatalf("brackets in a text: %v", err)
	}
}

// TestReceiveIgnored: what is not this channel's customers' is taken
// (200, so that Meta does not retry it) and yields nothing.
func TestReceiveIgnored(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	for name, body := range map[string]string{
		"another phone number": strings.Replace(docText, `"phone_number_id":"106540352242922"`, `"phone_number_id":"999"`, 1),
		"another object":       strings.Replace(docText, `"object":"whatsapp_business_account"`, `"object":"page"`, 1),
		"another field":        strings.Replace(docText, `"field":"messages"`, `"field":"account_update"`, 1),
		"an echo":              strings.Replace(docText, `"from":"16505551234"`, `"from":"15550783881"`, 1),
		"a sent status":        strings.Replace(docStatus, `"status":"delivered"`, `"status":"sent"`, 1),
		"an errors array":      docErrors,
		"no entries":           `{"object":"whatsapp_business_account","entry":[]}`,
	} {
		res, in, err := a.Receive(context.Background(), signed(p, body))
		if err != nil || len(in) != 0 || (res.Status != 0 && res.Status != http.StatusOK) {
			t.Errorf("%s: %+v %+v %v", name, res, in, err)
		}
	}
}

func TestReceiveTypes(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	msg := func(m string) string {
		return string(whatsapptest.Notification(map[string]any{"messages": []any{rawJSON(m)}}))
	}
	const head = `"from":"16505551234","id":"wamid.X","timestamp":"1739321024",`
	for _, c := range []struct {
		name, body string
		check      func(channels.Inbound) bool
	}{
		{"location", msg(`{` + head + `"type":"location","location":{"latitude":37.483307,"longitude":122.148981,"name":"Philz Coffee","address":"101 Forest Ave, Palo Alto, CA 94301"}}`),
			func(in channels.Inbound) bool {
				return in.Location == "37.483307,122.148981 Philz Coffee 101 Forest Ave, Palo Alto, CA 94301"
			}},
		{"list reply", msg(`{` + head + `"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"priority_express","title":"Priority Mail Express"}}}`),
			func(in channels.Inbound) bool { return in.Text == "Priority Mail Express" }},
		{"template button", msg(`{` + head + `"type":"button","button":{"payload":"stop","text":"Stop promotions"}}`),
			func(in channels.Inbound) bool { return in.Text == "Stop promotions" }},
		{"voice note", msg(`{` + head + `"type":"audio","audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"x","id":"1003383421387256","voice":true}}`),
			func(in channels.Inbound) bool {
				return len(in.Media) == 1 && in.Media[0].Kind == "voice" && in.Media[0].Ref == "1003383421387256"
			}},
		{"document", msg(`{` + head + `"type":"document","document":{"caption":"Lucky Shrub Invoice","filename":"lucky-shrub-invoice.pdf","mime_type":"application/pdf","sha256":"x","id":"1003383421387256"}}`),
			func(in channels.Inbound) bool {
				return in.Text == "Lucky Shrub Invoice" && in.Media[0].Kind == "file" && in.Media[0].Name == "lucky-shrub-invoice.pdf"
			}},
		{"sticker", msg(`{` + head + `"type":"sticker","sticker":{"mime_type":"image/webp","animated":false,"id":"1003383421387256"}}`),
			func(in channels.Inbound) bool { return in.Media[0].Kind == "sticker" }},
		{"reaction", msg(`{` + head + `"type":"reaction","reaction":{"message_id":"wamid.Y","emoji":"\ud83d\udc4d"}}`),
			func(in channels.Inbound) bool { return in.Event == "reaction" && in.Text == "👍" }},
		{"order", msg(`{` + head + `"type":"order","order":{"catalog_id":"1"}}`),
			func(in channels.Inbound) bool { return in.Text == "[unsupported order message]" }},
		{"odd type", msg(`{` + head + `"type":"<script>"}`),
			func(in channels.Inbound) bool { return in.Text == "[unsupported unknown message]" }},
		{"unsupported", msg(`{` + head + `"type":"unsupported","errors":[{"code":131051}]}`),
			func(in channels.Inbound) bool { return in.Text == "[unsupported message]" }},
		{"number timestamp", msg(`{"from":"16505551234","id":"wamid.X","timestamp":1739321024,"type":"text","text":{"body":"hi"}}`),
			func(in channels.Inbound) bool { return in.At.Equal(time.Unix(1739321024, 0)) }},
		{"long name cut", strings.Replace(docText, "Sheena Nelson", strings.Repeat("é", 200), 1),
			func(in channels.Inbound) bool { return len(in.Profile.Name) == 256 }},
		{"window failure", strings.Replace(docStatus, `"status":"delivered"`, `"status":"failed","errors":[{"code":131047,"title":"Re-engagement message"}]`, 1),
			func(in channels.Inbound) bool {
				return in.Status.State == channels.StateFailed && strings.Contains(in.Status.Detail, "send a template")
			}},
	} {
		_, in, err := a.Receive(context.Background(), signed(p, c.body))
		if err != nil || len(in) != 1 || !c.check(in[0]) {
			t.Errorf("%s: %+v %v", c.name, in, err)
		}
	}
}

// rawJSON is a JSON text a Notification carries as it is.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }
