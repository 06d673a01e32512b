package xtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"
	"unicode/utf8"
)

// maxUpload bounds a request body the fake reads (an image is 5 MB).
const maxUpload = 6 << 20

// problem writes X API v2's error JSON (an RFC 7807 problem).
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"title": title, "detail": detail, "type": "about:blank", "status": status,
	})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// api wraps an endpoint: the body read, the OAuth 1.0a signature
// checked, a failure Fail asked for answered. h runs with p.mu held.
func (p *Platform) api(h func(w http.ResponseWriter, r *http.Request, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r, maxUpload)
		if err != nil {
			problem(w, http.StatusRequestEntityTooLarge, "Payload Too Large", "the request body is too large")
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if err := p.v.verify(r, body, time.Now()); err != nil {
			problem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized: "+err.Error())
			return
		}
		if len(p.fail) > 0 {
			st := p.fail[0]
			p.fail = p.fail[1:]
			problem(w, st, http.StatusText(st), "failure asked for by the test")
			return
		}
		h(w, r, body)
	}
}

// sendDM is POST /2/dm_conversations/with/{participant}/messages.
func (p *Platform) sendDM(w http.ResponseWriter, r *http.Request, body []byte) {
	p.calls["dm"]++
	to := r.PathValue("participant")
	if !isDigits(to) {
		problem(w, http.StatusBadRequest, "Invalid Request", "The `participant_id` query parameter value ["+to+"] is not valid")
		return
	}
	if to == BusinessID {
		problem(w, http.StatusBadRequest, "Invalid Request", "You cannot send a Direct Message to yourself")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		problem(w, http.StatusBadRequest, "Invalid Request", "the body must be application/json")
		return
	}
	var m struct {
		Text        string `json:"text"`
		Attachments []struct {
			MediaID string `json:"media_id"`
		} `json:"attachments"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "the body is not a direct message: "+err.Error())
		return
	}
	if m.Text == "" && len(m.Attachments) == 0 {
		problem(w, http.StatusBadRequest, "Invalid Request", "one of text or attachments is required")
		return
	}
	if utf8.RuneCountInString(m.Text) > 10000 {
		problem(w, http.StatusBadRequest, "Invalid Request", "text is over 10000 characters")
		return
	}
	if len(m.Attachments) > 1 {
		problem(w, http.StatusBadRequest, "Invalid Request", "at most one attachment")
		return
	}
	var file string
	for _, a := range m.Attachments {
		name, ok := p.uploads[a.MediaID]
		if !ok {
			problem(w, http.StatusBadRequest, "Invalid Request", "unknown media_id "+a.MediaID)
			return
		}
		file = name
	}
	if p.blocked[to] {
		problem(w, http.StatusForbidden, "Forbidden", "You are not permitted to send Direct Messages to this user.")
		return
	}
	if m.Text != "" {
		p.received[to] = append(p.received[to], m.Text)
	}
	if file != "" {
		p.received[to] = append(p.received[to], "file:"+file)
	}
	conv := BusinessID + "-" + to
	if to < BusinessID && len(to) <= len(BusinessID) {
		conv = to + "-" + BusinessID
	}
	reply(w, http.StatusCreated, map[string]any{"data": map[string]any{
		"dm_conversation_id": conv, "dm_event_id": p.nextID(),
	}})
}

// imageTypes are the images a dm_image may be.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// upload is POST /2/media/upload (a one-shot multipart upload).
func (p *Platform) upload(w http.ResponseWriter, r *http.Request, body []byte) {
	p.calls["upload"]++
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" || params["boundary"] == "" {
		problem(w, http.StatusBadRequest, "Invalid Request", "the body must be multipart/form-data")
		return
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(maxUpload)
	if err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "the multipart body is broken")
		return
	}
	defer func() { _ = form.RemoveAll() }()
	if c := form.Value["media_category"]; len(c) != 1 || c[0] != "dm_image" {
		problem(w, http.StatusBadRequest, "Invalid Request", "media_category must be dm_image for a direct message image")
		return
	}
	fh := form.File["media"]
	if len(fh) != 1 {
		problem(w, http.StatusBadRequest, "Invalid Request", "one media part is required")
		return
	}
	f, err := fh[0].Open()
	if err != nil {
		problem(w, http.StatusInternalServerError, "Internal Error", "the media part could not be read")
		return
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if len(data) > 5<<20 {
		problem(w, http.StatusBadRequest, "Invalid Request", "File size exceeds 5242880 bytes.")
		return
	}
	t := http.DetectContentType(data)
	if !imageTypes[t] {
		problem(w, http.StatusBadRequest, "Invalid Request", "media type unrecognized.")
		return
	}
	id := p.nextID()
	p.uploads[id] = fh[0].Filename
	reply(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": id, "media_key": "3_" + id, "size": len(data), "expires_after_secs": 86400,
		"image": map[string]any{"image_type": t},
	}})
}

// serveMedia serves a DM media SayImage sent, to signed requests only.
func (p *Platform) serveMedia(w http.ResponseWriter, r *http.Request, _ []byte) {
	p.calls["media"]++
	b, ok := p.media[r.URL.Path]
	if !ok {
		problem(w, http.StatusNotFound, "Not Found", "no such media")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(b)
}
