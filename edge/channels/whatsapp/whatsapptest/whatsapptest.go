// Package whatsapptest is a local fake of the WhatsApp Business Cloud API
// (developers.facebook.com/docs/whatsapp/cloud-api) for the edge's tests.
//
// It fakes, on 127.0.0.1: the Graph API endpoints the adapter calls —
// POST /{version}/{phone_number_id}/messages (text, template, image,
// audio, video, document), POST /{version}/{phone_number_id}/media
// (multipart upload), GET /{version}/{media_id} (the media's URL) and
// the media URL itself — each enforcing what Meta enforces: the bearer
// access token (else code 190, HTTP 401), the phone number id,
// messaging_product "whatsapp", the recipient, the type's object, 4096
// characters of text, the media types' size limits, and the 24-hour
// customer service window (a free-form message to a customer who has not
// written in 24 hours is code 131047; a template is always taken); errors
// in the Graph API's JSON shape. And the webhook Meta calls: Say,
// SayImage, Status and Forged post notifications signed with
// X-Hub-Signature-256 (HMAC-SHA256 of the body under the app secret),
// Resend repeats the last one byte for byte, Verify makes the GET
// handshake.
package whatsapptest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels/channeltest"
)

// Meta's documentation's example ids (webhooks reference): the business
// account, its display number and its phone number id.
const (
	AccountID     = "102290129340398"
	DisplayNumber = "15550783881"
	PhoneNumberID = "106540352242922"
)

// Platform is the fake. Its zero value is not usable: make it with New.
type Platform struct {
	srv    *httptest.Server
	creds  map[string]string
	client *http.Client

	// Now is the fake's clock (the window and the timestamps); set it
	// before use.
	Now func() time.Time

	mu     sync.Mutex
	seq    int
	sent   map[string][]string  // user → texts and "file:<name>"
	seen   map[string]time.Time // user → their last message
	media  map[string]*media    // media id → file
	last   *delivery            // the last webhook request
	failed []apiError           // errors to answer the next calls
}

var (
	_ channeltest.Platform = (*Platform)(nil)
	_ channeltest.Statuses = (*Platform)(nil)
)

type media struct {
	name, mime string
	data       []byte
}

type apiError struct {
	status, code int
	message      string
}

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// New starts the fake; it stops when t ends.
func New(t testing.TB) *Platform {
	p := &Platform{
		creds: map[string]string{
			"access_token":    "EAAG" + randomHex(48),
			"app_secret":      randomHex(16),
			"verify_token":    "verify-" + randomHex(8),
			"phone_number_id": PhoneNumberID,
		},
		client: &http.Client{Timeout: 30 * time.Second},
		Now:    time.Now,
		sent:   map[string][]string{},
		seen:   map[string]time.Time{},
		media:  map[string]*media{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{version}/{phone}/messages", p.messages)
	mux.HandleFunc("POST /{version}/{phone}/media", p.upload)
	mux.HandleFunc("GET /{version}/{media}", p.mediaInfo)
	mux.HandleFunc("GET /download/{media}", p.download)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// Kind is "whatsapp".
func (p *Platform) Kind() string { return "whatsapp" }

// APIBase is the fake Graph API's base URL.
func (p *Platform) APIBase() string { return p.srv.URL }

// Credentials are the channel's: access_token, app_secret, verify_token,
// phone_number_id.
func (p *Platform) Credentials() map[string]string {
	c := make(map[string]string, len(p.creds))
	for k, v := range p.creds {
		c[k] = v
	}
	return c
}

// Received is what the edge sent user: texts, "template:<name>" and
// "file:<name>".
func (p *Platform) Received(user string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent[user]...)
}

// Fail makes the next API call answer the Graph API error code with
// HTTP status (code 190 and 401: the token expired; 131047: the window
// closed; 130429 and 400: a rate limit; 2 and 503: a service error).
func (p *Platform) Fail(status, code int, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failed = append(p.failed, apiError{status, code, message})
}

// Expire closes user's customer service window, as 24 hours after their
// last message.
func (p *Platform) Expire(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.seen, user)
}

// AddMedia stores a customer's file as the media API serves it and
// returns its id.
func (p *Platform) AddMedia(name, mimeType string, data []byte) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addMedia(name, mimeType, data)
}

func (p *Platform) addMedia(name, mimeType string, data []byte) string {
	p.seq++
	id := strconv.Itoa(1_000_000_000_000_000 + p.seq)
	p.media[id] = &media{name: name, mime: mimeType, data: data}
	return id
}

// graphError writes the Graph API's error JSON.
func graphError(w http.ResponseWriter, status, code int, message, details string) {
	e := map[string]any{
		"message":    message,
		"type":       "OAuthException",
		"code":       code,
		"fbtrace_id": "A" + randomHex(11),
	}
	if details != "" {
		e["error_data"] = map[string]string{"messaging_product": "whatsapp", "details": details}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// check enforces the token, the version and the phone number id (when
// phone is not ""), and answers an injected failure.
func (p *Platform) check(w http.ResponseWriter, r *http.Request, phone bool) bool {
	if r.Header.Get("Authorization") != "Bearer "+p.creds["access_token"] {
		graphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token - Cannot parse access token", "")
		return false
	}
	if v := r.PathValue("version"); v != "" && !versionRE.MatchString(v) {
		graphError(w, http.StatusBadRequest, 2500, "Unknown path components: /"+v, "")
		return false
	}
	if phone && r.PathValue("phone") != p.creds["phone_number_id"] {
		graphError(w, http.StatusBadRequest, 100, "Unsupported post request. Object with ID '"+r.PathValue("phone")+"' does not exist", "")
		return false
	}
	p.mu.Lock()
	var f *apiError
	if len(p.failed) > 0 {
		f = &p.failed[0]
		p.failed = p.failed[1:]
	}
	p.mu.Unlock()
	if f != nil {
		graphError(w, f.status, f.code, f.message, f.message)
		return false
	}
	return true
}

// messages is POST /{version}/{phone_number_id}/messages.
func (p *Platform) messages(w http.ResponseWriter, r *http.Request) {
	if !p.check(w, r, true) {
		return
	}
	var m struct {
		MessagingProduct string `json:"messaging_product"`
		RecipientType    string `json:"recipient_type"`
		To               string `json:"to"`
		Type             string `json:"type"`
		Text             *struct {
			Body       string `json:"body"`
			PreviewURL bool   `json:"preview_url"`
		} `json:"text"`
		Template *struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Type       string `json:"type"`
				Parameters []struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
		Image    *mediaRef `json:"image"`
		Audio    *mediaRef `json:"audio"`
		Video    *mediaRef `json:"video"`
		Document *mediaRef `json:"document"`
	}
	if r.Header.Get("Content-Type") != "application/json" {
		graphError(w, http.StatusBadRequest, 100, "(#100) Invalid parameter", "the body is not application/json")
		return
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
		graphError(w, http.StatusBadRequest, 100, "(#100) Invalid parameter", "the body is not JSON")
		return
	}
	bad := func(details string) { graphError(w, http.StatusBadRequest, 100, "(#100) Invalid parameter", details) }
	switch {
	case m.MessagingProduct != "whatsapp":
		bad("The parameter messaging_product is required.")
		return
	case m.RecipientType != "" && m.RecipientType != "individual":
		bad("recipient_type must be individual")
		return
	case m.To == "":
		bad("The parameter to is required.")
		return
	}
	var record string
	switch m.Type {
	case "text":
		if m.Text == nil || m.Text.Body == "" {
			bad("The parameter text['body'] is required.")
			return
		}
		if utf8.RuneCountInString(m.Text.Body) > 4096 {
			bad("Param text['body'] must be at most 4096 characters long.")
			return
		}
		record = m.Text.Body
	case "template":
		if m.Template == nil || m.Template.Name == "" || m.Template.Language.Code == "" {
			bad("The parameters template['name'] and template['language']['code'] are required.")
			return
		}
		record = "template:" + m.Template.Name
	case "image", "audio", "video", "document":
		ref := map[string]*mediaRef{"image": m.Image, "audio": m.Audio, "video": m.Video, "document": m.Document}[m.Type]
		p.mu.Lock()
		var f *media
		if ref != nil {
			f = p.media[ref.ID]
		}
		p.mu.Unlock()
		if f == nil {
			bad("The parameter " + m.Type + "['id'] is not an uploaded media's id.")
			return
		}
		record = "file:" + f.name
	default:
		bad("The parameter type is not a supported message type.")
		return
	}
	p.mu.Lock()
	at, ok := p.seen[m.To]
	if m.Type != "template" && (!ok || p.Now().Sub(at) > 24*time.Hour) {
		p.mu.Unlock()
		graphError(w, http.StatusBadRequest, 131047, "Re-engagement message",
			"Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
		return
	}
	p.sent[m.To] = append(p.sent[m.To], record)
	id := wamid(m.To, false)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": m.To, "wa_id": m.To}},
		"messages":          []map[string]string{{"id": id}},
	})
}

type mediaRef struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Caption  string `json:"caption"`
}

// wamid makes a WhatsApp message id as Meta's look: "wamid." and the
// base64 of a small protobuf of the user's number and a random id.
func wamid(user string, inbound bool) string {
	kind, n := byte(0x11), 9
	if inbound {
		kind, n = 0x12, 10
	}
	random := strings.ToUpper(randomHex(n))
	b := []byte{0x1c, 0x18, byte(len(user))}
	b = append(b, user...)
	b = append(b, 0x15, 0x02, 0x00, kind, 0x18, byte(len(random)))
	b = append(b, random...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
