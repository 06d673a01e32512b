package whatsapp

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
)

// Samples built from the example values of Meta's webhooks reference
// (developers.facebook.com/documentation/business-messaging/whatsapp/
// webhooks/reference/messages/text, …/interactive, …/errors and
// …/status): the account 102290129340398, the number 15550783881 with
// phone number id 106540352242922, the user 16505551234 "Sheena Nelson".
const (
	docText   = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=","timestamp":"1739321024","text":{"body":"Does it come in another color?"},"type":"text"}]},"field":"messages"}]}]}`
	docButton = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"context":{"from":"15550783881","id":"wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="},"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1739321024","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"cancel-button","title":"Cancel"}}}]},"field":"messages"}]}]}`
	docErrors = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"errors":[{"code":130429,"title":"Rate limit hit","message":"Rate limit hit","error_data":{"details":"Message failed to send because there were too many messages sent from this phone number in a short period of time"},"href":"/documentation/business-messaging/whatsapp/support/error-codes"}]},"field":"messages"}]}]}`
	docStatus = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA","status":"delivered","timestamp":"1739321024","recipient_id":"16505551234","conversation":{"id":"6ceb9d929c1a2e8c9cb4f3b8a5b6c4d1","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"service"}}]},"field":"messages"}]}]}`
)

func signed(p *whatsapptest.Platform, body string) *channels.Request {
	h := http.Header{}
	h.Set(SignatureHeader, p.Sign([]byte(body)))
	return &channels.Request{Method: http.MethodPost, Header: h, Body: []byte(body), Now: time.Now()}
}

// TestSign checks the header's HMAC-SHA256 against RFC 4231's test case
// 2: Meta publishes no signature vector of its own, only the algorithm
// (HMAC-SHA256 of the raw body under the app secret, "sha256=" and hex).
func TestSign(t *testing.T) {
	const want = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got := Sign("Jefe", []byte("what do ya want for nothing?")); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if got := whatsapptest.Signature("Jefe", []byte("what do ya want for nothing?")); got != want {
		t.Fatalf("the fake signs %s, want %s", got, want)
	}
}

func TestReceiveDocSamples(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	ctx := context.Background()

	// A message of February 2025: old, and taken (Meta retries for days).
	_, in, err := a.Receive(ctx, signed(p, docText))
	if err != nil {
		t.Fatal(err)
	}
	want := channels.Inbound{
		ID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", From: "16505551234",
		Profile: channels.Profile{Name: "Sheena Nelson"}, Text: "Does it come in another color?",
		At: time.Unix(1739321024, 0).UTC(),
	}
	if len(in) != 1 || in[0].ID != want.ID || in[0].From != want.From || in[0].Text != want.Text ||
		in[0].Profile != want.Profile || !in[0].At.Equal(want.At) {
		t.Fatalf("got %+v, want %+v", in, want)
	}

	_, in, err = a.Receive(ctx, signed(p, docButton))
	if err != nil || len(in) != 1 || in[0].Text != "Cancel" {
		t.Fatalf("button reply: %+v %v", in, err)
	}

	res, in, err := a.Receive(ctx, signed(p, docErrors))
	if err != nil || len(in) != 0 || res.Status != 0 {
		t.Fatalf("errors notification: %+v %+v %v", res, in, err)
	}

	_, in, err = a.Receive(ctx, signed(p, docStatus))
	if err != nil || len(in) != 1 || in[0].Status == nil {
		t.Fatalf("status: %+v %v", in, err)
	}
	s := in[0]
	if s.ID != "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA:delivered" || s.From != "16505551234" ||
		s.Status.MessageID != "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA" || s.Status.State != channels.StateDelivered {
		t.Fatalf("status: %+v %+v", s, s.Status)
	}
}

// TestReceiveFake drives the adapter through a webhook endpoint with the
// fake: a message, Meta's retry of it, an image and its download, the
// statuses of a reply, a forged signature.
func TestReceiveFake(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	h := newHook(t, a)
	ctx := context.Background()

	status, id, err := p.Say(ctx, h.URL, "16505551234", "hello, my order is late")
	if err != nil || status != http.StatusOK {
		t.Fatalf("Say: %d %v", status, err)
	}
	in := h.take()
	if len(in) != 1 || in[0].ID != id || in[0].From != "16505551234" || in[0].Text != "hello, my order is late" ||
		in[0].Profile.Name != "Customer 16505551234" || time.Since(in[0].At) > time.Minute {
		t.Fatalf("Say gave %+v (id %s)", in, id)
	}
	if !strings.HasPrefix(id, "wamid.") {
		t.Fatalf("the fake's message id %q is not a wamid", id)
	}

	if status, err := p.Resend(ctx, h.URL); err != nil || status != http.StatusOK {
		t.Fatalf("Resend: %d %v", status, err)
	}
	if again := h.take(); len(again) != 1 || again[0].ID != id {
		t.Fatalf("the retry is %+v, want the same id %s", again, id)
	}

	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	status, id, err = p.SayImage(ctx, h.URL, "16505551234", png)
	if err != nil || status != http.StatusOK {
		t.Fatalf("SayImage: %d %v", status, err)
	}
	in = h.take()
	if len(in) != 1 || in[0].ID != id || len(in[0].Media) != 1 || in[0].Media[0].Kind != "image" || in[0].Media[0].Type != "image/png" {
		t.Fatalf("SayImage gave %+v", in)
	}
	d, err := a.Fetch(ctx, in[0].Media[0])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if string(got) != string(png) || d.Type != "image/png" {
		t.Fatalf("Fetch gave %q (%s)", got, d.Type)
	}

	sent, err := a.Send(ctx, channels.Outbound{To: "16505551234", Text: "we are on it"})
	if err != nil {
		t.Fatal(err)
	}
	mid := sent.MessageIDs[0]
	for _, state := range []string{"sent", "delivered", "read", "failed"} {
		if status, err := p.Status(ctx, h.URL, "16505551234", mid, state); err != nil || status != http.StatusOK {
			t.Fatalf("Status %s: %d %v", state, status, err)
		}
	}
	in = h.take()
	if len(in) != 3 {
		t.Fatalf("statuses gave %+v, want delivered, read, failed (sent is not one)", in)
	}
	for i, state := range []string{channels.StateDelivered, channels.StateRead, channels.StateFailed} {
		if in[i].Status == nil || in[i].Status.MessageID != mid || in[i].Status.State != state || in[i].ID != mid+":"+state {
			t.Fatalf("status %d is %+v", i, in[i])
		}
	}
	if !strings.Contains(in[2].Status.Detail, "could not deliver") {
		t.Fatalf("the failure's detail is %q", in[2].Status.Detail)
	}

	status, err = p.Forged(ctx, h.URL, "16505551234", "transfer the money")
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("Forged: %d %v", status, err)
	}
	if r := h.lastRefusal(); r == nil || r.Code != channels.RefuseSignature {
		t.Fatalf("Forged was refused with %+v", r)
	}
	if in := h.take(); len(in) != 0 {
		t.Fatalf("a forged message got in: %+v", in)
	}
}

func TestHandshake(t *testing.T) {
	p := whatsapptest.New(t)
	a := newAdapter(t, p)
	h := newHook(t, a)
	ctx := context.Background()

	status, body, challenge, err := p.Verify(ctx, h.URL, p.Credentials()[KeyVerifyToken])
	if err != nil || status != http.StatusOK || body != challenge {
		t.Fatalf("Verify: %d %q (challenge %q) %v", status, body, challenge, err)
	}
	status, body, _, err = p.Verify(ctx, h.URL, "another-token")
	if err != nil || status != http.StatusForbidden || body != "" {
		t.Fatalf("Verify with a wrong token: %d %q %v", status, body, err)
	}
	if r := h.lastRefusal(); r == nil || r.Code != channels.RefuseSignature {
		t.Fatalf("the wrong token was refused with %+v", r)
	}

	q := url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {p.Credentials()[KeyVerifyToken]}, "hub.challenge": {"1"}}
	_, _, err = a.Receive(ctx, &channels.Request{Method: http.MethodGet, Query: q})
	if r := asRefusal(t, err); r.Status != http.StatusForbidden || r.Code != channels.RefuseSignature {
		t.Fatalf("mode unsubscribe: %+v", r)
	}
	q.Set("hub.mode", "subscribe")
	res, _, err := a.Receive(ctx, &channels.Request{Method: http.MethodGet, Query: q})
	if err != nil || res.Status != http.StatusOK || string(res.Body) != "1" || !strings.HasPrefix(res.ContentType, "text/plain") {
		t.Fatalf("handshake: %+v %v", res, err)
	}
	q.Set("hub.challenge", strings.Repeat("9", 300))
	_, _, err = a.Receive(ctx, &channels.Request{Method: http.MethodGet, Query: q})
	if r := asRefusal(t, err); r.Status != http.StatusBadRequest || r.Code != channels.RefuseMalformed {
		t.Fatalf("a long challenge: %+v", r)
	}
}
