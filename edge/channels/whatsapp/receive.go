package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// SignatureHeader is the header Meta signs a webhook POST in:
// "sha256=" and the lower-case hex HMAC-SHA256 of the raw body under the
// app secret.
const SignatureHeader = "X-Hub-Signature-256"

// Sign is the X-Hub-Signature-256 value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Receive answers Meta's verification handshake (GET) and reads a signed
// notification (POST): customers' messages and the statuses of the
// edge's replies, for this channel's phone number only.
func (a *Adapter) Receive(ctx context.Context, r *channels.Request) (channels.Response, []channels.Inbound, error) {
	switch r.Method {
	case http.MethodGet:
		return a.handshake(r)
	case http.MethodPost:
	default:
		return channels.Response{}, nil, channels.Refuse(http.StatusMethodNotAllowed, channels.RefuseMethod,
			"the webhook takes GET (verification) and POST (notifications), not %q", bounded(r.Method, 16))
	}
	if err := a.verifySignature(r); err != nil {
		return channels.Response{}, nil, err
	}
	if channels.JSONTooDeep(r.Body, maxDepth) {
		err := channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the JSON is nested deeper than %d levels", maxDepth)
		return channels.Response{}, nil, err
	}
	var p payload
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed,
			"the body is not a WhatsApp notification's JSON: %v", errKind(err))
	}
	if p.Object != "whatsapp_business_account" {
		// Another object of the same Meta app (a Page, Instagram):
		// taken, so that Meta does not retry it, and ignored.
		a.log.DebugContext(ctx, "notification of another object ignored", "object", bounded(p.Object, 64))
		return channels.Response{}, nil, nil
	}
	now := r.Now
	if now.IsZero() {
		now = a.now()
	}
	var out []channels.Inbound
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue // account updates, templates' reviews, echoes: not a customer's
			}
			v := &c.Value
			if v.Metadata.PhoneNumberID != a.phoneID {
				a.log.DebugContext(ctx, "notification for another phone number ignored")
				continue
			}
			for _, e := range v.Errors {
				a.log.WarnContext(ctx, "WhatsApp reported an error", "code", e.Code, "title", bounded(e.Title, 128))
			}
			for i := range v.Messages {
				in, ok, err := a.message(v, &v.Messages[i], now)
				if err != nil {
					return channels.Response{}, nil, err
				}
				if ok {
					out = append(out, in)
				}
			}
			for i := range v.Statuses {
				in, ok, err := status(&v.Statuses[i], now)
				if err != nil {
					return channels.Response{}, nil, err
				}
				if ok {
					out = append(out, in)
				}
			}
		}
	}
	return channels.Response{}, out, nil
}

// handshake answers the subscription's verification: hub.challenge when
// hub.verify_token is the channel's.
func (a *Adapter) handshake(r *channels.Request) (channels.Response, []channels.Inbound, error) {
	q := r.Query
	if q.Get("hub.mode") != "subscribe" ||
		!hmac.Equal([]byte(q.Get("hub.verify_token")), []byte(a.verify)) {
		return channels.Response{}, nil, channels.Refuse(http.StatusForbidden, channels.RefuseSignature,
			"the verification's hub.mode is not subscribe or its hub.verify_token is not the channel's verify_token")
	}
	challenge := q.Get("hub.challenge")
	if challenge == "" || len(challenge) > maxID {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed,
			"the verification's hub.challenge is empty or longer than %d bytes", maxID)
	}
	return channels.Response{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(challenge)}, nil, nil
}

// verifySignature checks X-Hub-Signature-256 against the raw body.
func (a *Adapter) verifySignature(r *channels.Request) error {
	h := r.Header.Get(SignatureHeader)
	if h == "" {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature,
			"the %s header is missing: Meta signs every notification", SignatureHeader)
	}
	hexsum, ok := strings.CutPrefix(h, "sha256=")
	got, err := hex.DecodeString(hexsum)
	if !ok || err != nil || len(got) != sha256.Size {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature,
			"the %s header is not sha256=<64 hex digits>", SignatureHeader)
	}
	m := hmac.New(sha256.New, []byte(a.secret))
	m.Write(r.Body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature,
			"the %s is not the body's HMAC under the app secret: check app_secret", SignatureHeader)
	}
	return nil
}

// errKind says what kind of JSON error err is, without quoting the body.
func errKind(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "a syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "a " + te.Value + " where " + bounded(te.Field, 64) + " is " + te.Type.String()
	}
	return "unreadable"
}
