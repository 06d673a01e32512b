package whatsapptest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxSize is the Cloud API's limit of an upload of MIME type t.
func maxSize(t string) int64 {
	switch {
	case t == "image/jpeg" || t == "image/png":
		return 5 << 20
	case t == "image/webp":
		return 500 << 10
	case strings.HasPrefix(t, "audio/") || strings.HasPrefix(t, "video/"):
		return 16 << 20
	}
	return 100 << 20
}

// upload is POST /{version}/{phone_number_id}/media: multipart with
// messaging_product, type and file.
func (p *Platform) upload(w http.ResponseWriter, r *http.Request) {
	if !p.check(w, r, true) {
		return
	}
	bad := func(details string) { graphError(w, http.StatusBadRequest, 100, "(#100) Invalid parameter", details) }
	mr, err := r.MultipartReader()
	if err != nil {
		bad("the upload is not multipart/form-data")
		return
	}
	fields := map[string]string{}
	var name string
	var data []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad("the multipart body is broken")
			return
		}
		if part.FormName() == "file" {
			name = part.FileName()
			data, err = io.ReadAll(io.LimitReader(part, 100<<20+1))
		} else {
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, 1<<10))
			fields[part.FormName()] = string(b)
		}
		if err != nil {
			bad("the multipart body is broken")
			return
		}
	}
	t, _, _ := mime.ParseMediaType(fields["type"])
	switch {
	case fields["messaging_product"] != "whatsapp":
		bad("The parameter messaging_product is required.")
		return
	case t == "":
		bad("The parameter type is required.")
		return
	case name == "" || data == nil:
		bad("The parameter file is required.")
		return
	case int64(len(data)) > maxSize(t):
		graphError(w, http.StatusBadRequest, 131053, "Media upload error",
			fmt.Sprintf("the %s file is %d bytes, over the limit of %d", t, len(data), maxSize(t)))
		return
	}
	id := p.AddMedia(name, t, data)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

// mediaInfo is GET /{version}/{media_id}: the media's URL.
func (p *Platform) mediaInfo(w http.ResponseWriter, r *http.Request) {
	if !p.check(w, r, false) {
		return
	}
	id := r.PathValue("media")
	p.mu.Lock()
	f := p.media[id]
	p.mu.Unlock()
	if f == nil {
		graphError(w, http.StatusBadRequest, 100, "Unsupported get request. Object with ID '"+id+"' does not exist", "")
		return
	}
	sum := sha256.Sum256(f.data)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"messaging_product": "whatsapp",
		"url":               p.srv.URL + "/download/" + id + "?ext=" + strconv.FormatInt(p.Now().Unix(), 10),
		"mime_type":         f.mime,
		"sha256":            hex.EncodeToString(sum[:]),
		"file_size":         len(f.data),
		"id":                id,
	})
}

// download serves a media's bytes to the bearer of the access token.
func (p *Platform) download(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+p.creds["access_token"] {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	f := p.media[r.PathValue("media")]
	p.mu.Unlock()
	if f == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}
