package telegramtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bot API limits the fake enforces.
const (
	maxText     = 4096
	maxPhoto    = 10 << 20
	maxFile     = 50 << 20
	maxDownload = 20 << 20
)

// fail answers as the Bot API does when it refuses a call.
func fail(w http.ResponseWriter, code int, description string, retryAfter int) {
	r := map[string]any{"ok": false, "error_code": code, "description": description}
	if retryAfter > 0 {
		r["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(r)
}

func ok(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func (p *Platform) serve(w http.ResponseWriter, r *http.Request) {
	if rest, found := strings.CutPrefix(r.URL.Path, "/file/bot"); found {
		token, filePath, _ := strings.Cut(rest, "/")
		if token != p.token {
			fail(w, http.StatusUnauthorized, "Unauthorized", 0)
			return
		}
		p.mu.Lock()
		data, known := p.files[p.paths[filePath]]
		p.mu.Unlock()
		if !known {
			fail(w, http.StatusNotFound, "Not Found", 0)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(data)
		return
	}
	rest, found := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, _ := strings.Cut(rest, "/")
	if !found || token != p.token {
		fail(w, http.StatusUnauthorized, "Unauthorized", 0)
		return
	}
	p.mu.Lock()
	p.calls[method]++
	p.mu.Unlock()
	switch method {
	case "sendMessage", "sendPhoto", "sendDocument":
		p.send(w, r, method)
	case "getFile":
		p.getFile(w, r)
	default:
		fail(w, http.StatusNotFound, "Not Found: method not found", 0)
	}
}

// params reads a call's parameters as the Bot API takes them: JSON, a
// URL-encoded form or multipart/form-data (whose files it returns).
func params(r *http.Request) (map[string]string, map[string]*multipart.FileHeader, error) {
	t, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	out := map[string]string{}
	switch t {
	case "application/json":
		var raw map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&raw); err != nil {
			return nil, nil, err
		}
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				out[k] = v
			case float64:
				out[k] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return out, nil, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxFile + 1<<20); err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
		files := map[string]*multipart.FileHeader{}
		for k, v := range r.MultipartForm.File {
			files[k] = v[0]
		}
		return out, files, nil
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k := range r.PostForm {
			out[k] = r.PostForm.Get(k)
		}
		return out, nil, nil
	}
}

func (p *Platform) send(w http.ResponseWriter, r *http.Request, method string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFile+1<<20)
	in, files, err := params(r)
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			fail(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", 0)
			return
		}
		fail(w, http.StatusBadRequest, "Bad Request: can't parse request: "+err.Error(), 0)
		return
	}
	if in["chat_id"] == "" {
		fail(w, http.StatusBadRequest, "Bad Request: chat_id is empty", 0)
		return
	}
	chat, err := strconv.ParseInt(in["chat_id"], 10, 64)
	p.mu.Lock()
	known, blocked, limited := p.known[chat], p.blocked[chat], p.limited > 0
	if limited {
		p.limited--
	}
	p.mu.Unlock()
	switch {
	case limited:
		fail(w, http.StatusTooManyRequests, "Too Many Requests: retry after 7", 7)
		return
	case err != nil || !known:
		fail(w, http.StatusBadRequest, "Bad Request: chat not found", 0)
		return
	case blocked:
		fail(w, http.StatusForbidden, "Forbidden: bot was blocked by the user", 0)
		return
	}
	var record string
	switch method {
	case "sendMessage":
		text := in["text"]
		if strings.TrimSpace(text) == "" {
			fail(w, http.StatusBadRequest, "Bad Request: message text is empty", 0)
			return
		}
		if utf8.RuneCountInString(text) > maxText {
			fail(w, http.StatusBadRequest, "Bad Request: message is too long", 0)
			return
		}
		record = text
	default:
		field, limit := "document", int64(maxFile)
		if method == "sendPhoto" {
			field, limit = "photo", maxPhoto
		}
		fh := files[field]
		if fh == nil {
			fail(w, http.StatusBadRequest, "Bad Request: there is no "+field+" in the request", 0)
			return
		}
		if fh.Size > limit {
			fail(w, http.StatusBadRequest, "Bad Request: file is too big", 0)
			return
		}
		record = "file:" + fh.Filename
	}
	p.mu.Lock()
	p.received[chat] = append(p.received[chat], record)
	p.msgs[chat]++
	mid := p.msgs[chat]
	p.mu.Unlock()
	ok(w, map[string]any{"message_id": mid, "date": 0, "chat": map[string]any{"id": chat, "type": "private"}})
}

func (p *Platform) getFile(w http.ResponseWriter, r *http.Request) {
	in, _, err := params(r)
	if err != nil || in["file_id"] == "" {
		fail(w, http.StatusBadRequest, "Bad Request: file_id is empty", 0)
		return
	}
	p.mu.Lock()
	data, known := p.files[in["file_id"]]
	filePath := ""
	for fp, id := range p.paths {
		if id == in["file_id"] {
			filePath = fp
		}
	}
	p.mu.Unlock()
	switch {
	case !known:
		fail(w, http.StatusBadRequest, "Bad Request: invalid file_id", 0)
	case len(data) > maxDownload:
		fail(w, http.StatusBadRequest, "Bad Request: file is too big", 0)
	default:
		ok(w, map[string]any{"file_id": in["file_id"], "file_unique_id": fmt.Sprint(len(filePath)), "file_size": len(data), "file_path": filePath})
	}
}
