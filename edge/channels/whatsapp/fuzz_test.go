package whatsapp

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
)

// FuzzReceive feeds Receive any body, signed (good) or with the given
// signature: it never panics, refuses with a *channels.Refusal of a
// known status, and what it takes is bounded.
func FuzzReceive(f *testing.F) {
	for _, s := range []string{docText, docButton, docErrors, docStatus,
		string(whatsapptest.Notification(map[string]any{"messages": []any{rawJSON(`{"from":"1","id":"wamid.X","timestamp":"1","type":"location","location":{"latitude":1.5,"longitude":-2,"name":"n","address":"a"}}`)}})),
		string(whatsapptest.Notification(map[string]any{"messages": []any{rawJSON(`{"from":"1","id":"wamid.X","timestamp":"1","type":"audio","audio":{"id":"5","mime_type":"audio/ogg","voice":true}}`)}})),
		string(whatsapptest.Notification(map[string]any{"statuses": []any{rawJSON(`{"id":"wamid.Y","status":"failed","timestamp":"1","recipient_id":"1","errors":[{"code":131047,"title":"t","error_data":{"details":"d"}}]}`)}})),
		`[[[[[[`, `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{}}]}]}`,
	} {
		f.Add([]byte(s), "", true)
	}
	f.Add([]byte(docText), "sha256=00", false)
	p := whatsapptest.New(f)
	a := newAdapter(f, p)
	f.Fuzz(func(t *testing.T, body []byte, sig string, good bool) {
		h := http.Header{}
		if good {
			sig = p.Sign(body)
		}
		h.Set(SignatureHeader, sig)
		_, in, err := a.Receive(context.Background(), &channels.Request{Method: http.MethodPost, Header: h, Body: body, Now: time.Unix(1739321024, 0)})
		if err != nil {
			var r *channels.Refusal
			if !errors.As(err, &r) || (r.Status != 400 && r.Status != 401) {
				t.Fatalf("refused with %v", err)
			}
			if !good && r.Code != channels.RefuseSignature {
				t.Fatalf("a bad signature was refused as %s", r.Code)
			}
			return
		}
		if !good {
			t.Fatalf("took a body with signature %q", sig)
		}
		for _, i := range in {
			ok := len(i.ID) > 0 && len(i.ID) <= maxID && utf8.ValidString(i.ID) &&
				len(i.From) <= maxID && len(i.Text) <= maxText && utf8.ValidString(i.Text) &&
				len(i.Profile.Name) <= maxName && utf8.ValidString(i.Profile.Name) &&
				len(i.Location) <= maxText && len(i.Event) <= 64 && len(i.Media) <= 1
			for _, m := range i.Media {
				ok = ok && m.Ref != "" && len(m.Ref) <= maxID && len(m.Type) <= maxName && len(m.Name) <= maxName
			}
			if i.Status != nil {
				ok = ok && len(i.Status.MessageID) <= maxID && len(i.Status.Detail) <= maxText
			}
			if !ok {
				t.Fatalf("unbounded inbound %+v", i)
			}
		}
	})
}
