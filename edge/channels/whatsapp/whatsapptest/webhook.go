package whatsapptest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// delivery is a webhook request as Meta made it.
type delivery struct {
	body      []byte
	signature string
}

// Signature is the X-Hub-Signature-256 of body under secret.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Notification is a "messages" notification of the fake's phone number
// carrying value's fields (messages, statuses, contacts) besides the
// metadata.
func Notification(value map[string]any) []byte {
	v := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]string{"display_phone_number": DisplayNumber, "phone_number_id": PhoneNumberID},
	}
	for k, x := range value {
		v[k] = x
	}
	b, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id":      AccountID,
			"changes": []any{map[string]any{"value": v, "field": "messages"}},
		}},
	})
	return b
}

// inbound is a notification of user's message msg (its "from", "id",
// "timestamp" added), and its wamid; user's window opens.
func (p *Platform) inbound(user string, msg map[string]any) ([]byte, string) {
	p.mu.Lock()
	now := p.Now()
	p.seen[user] = now
	p.mu.Unlock()
	id := wamid(user, true)
	msg["from"], msg["id"], msg["timestamp"] = user, id, strconv.FormatInt(now.Unix(), 10)
	return Notification(map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]string{"name": "Customer " + user}, "wa_id": user}},
		"messages": []any{msg},
	}), id
}

// Say posts user's text message to hook, signed.
func (p *Platform) Say(ctx context.Context, hook, user, text string) (int, string, error) {
	body, id := p.inbound(user, map[string]any{"type": "text", "text": map[string]string{"body": text}})
	status, err := p.deliver(ctx, hook, body, Signature(p.creds["app_secret"], body))
	return status, id, err
}

// SayImage posts user's image message to hook, the png served by the
// media API under the message's media id.
func (p *Platform) SayImage(ctx context.Context, hook, user string, png []byte) (int, string, error) {
	mediaID := p.AddMedia("image.png", "image/png", png)
	sum := sha256.Sum256(png)
	body, id := p.inbound(user, map[string]any{"type": "image", "image": map[string]string{
		"mime_type": "image/png", "sha256": hex.EncodeToString(sum[:]), "id": mediaID,
	}})
	status, err := p.deliver(ctx, hook, body, Signature(p.creds["app_secret"], body))
	return status, id, err
}

// Status posts the delivery status state ("sent", "delivered", "read",
// "failed") of the message id the edge sent user; a failure carries
// error 131026 (undeliverable).
func (p *Platform) Status(ctx context.Context, hook, user, id, state string) (int, error) {
	p.mu.Lock()
	ts := strconv.FormatInt(p.Now().Unix(), 10)
	p.mu.Unlock()
	s := map[string]any{"id": id, "status": state, "timestamp": ts, "recipient_id": user}
	if state == "failed" {
		s["errors"] = []any{map[string]any{
			"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
			"error_data": map[string]string{"details": "Message Undeliverable."},
		}}
	} else {
		s["conversation"] = map[string]any{"id": randomHex(16), "origin": map[string]string{"type": "service"}}
		s["pricing"] = map[string]any{"billable": true, "pricing_model": "CBP", "category": "service"}
	}
	body := Notification(map[string]any{"statuses": []any{s}})
	return p.deliver(ctx, hook, body, Signature(p.creds["app_secret"], body))
}

// Forged posts user's text message signed under another secret.
func (p *Platform) Forged(ctx context.Context, hook, user, text string) (int, error) {
	body, _ := p.inbound(user, map[string]any{"type": "text", "text": map[string]string{"body": text}})
	return p.post(ctx, hook, body, Signature("not-"+p.creds["app_secret"], body))
}

// Resend delivers the last notification again, byte for byte.
func (p *Platform) Resend(ctx context.Context, hook string) (int, error) {
	p.mu.Lock()
	d := p.last
	p.mu.Unlock()
	if d == nil {
		return 0, errors.New("whatsapptest: nothing was delivered yet")
	}
	return p.post(ctx, hook, d.body, d.signature)
}

// Post delivers body to hook with signature (a test's own notification).
func (p *Platform) Post(ctx context.Context, hook string, body []byte, signature string) (int, error) {
	return p.deliver(ctx, hook, body, signature)
}

// Sign is the X-Hub-Signature-256 of body under the fake's app secret.
func (p *Platform) Sign(body []byte) string { return Signature(p.creds["app_secret"], body) }

// Verify makes Meta's subscription handshake with token as
// hub.verify_token; it returns the status, the body answered and the
// challenge sent.
func (p *Platform) Verify(ctx context.Context, hook, token string) (int, string, string, error) {
	challenge := strconv.FormatInt(1_000_000_000+int64(len(token))*7919, 10)
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
	u, err := url.Parse(hook)
	if err != nil {
		return 0, "", "", err
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, "", "", err
	}
	res, err := p.client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<10))
	return res.StatusCode, string(b), challenge, err
}

func (p *Platform) deliver(ctx context.Context, hook string, body []byte, signature string) (int, error) {
	p.mu.Lock()
	p.last = &delivery{body: body, signature: signature}
	p.mu.Unlock()
	return p.post(ctx, hook, body, signature)
}

// post makes the webhook request as Meta's servers do.
func (p *Platform) post(ctx context.Context, hook string, body []byte, signature string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", signature)
	res, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, nil
}
