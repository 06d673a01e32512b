package wechattest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of WeChat's that the fake enforces.
const (
	window        = 48 * time.Hour // customer-service messages after the customer's last
	maxUnanswered = 20             // customer-service messages without an answer
	maxImage      = 10 << 20       // an image of the temporary media API
	maxText       = 2048           // a text's characters
)

// api is the fake's HTTP API.
func (p *Platform) api() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", p.serveToken)
	mux.HandleFunc("POST /cgi-bin/message/custom/send", p.authed(p.serveSend))
	mux.HandleFunc("POST /cgi-bin/media/upload", p.authed(p.serveUpload))
	mux.HandleFunc("GET /cgi-bin/media/get", p.authed(p.serveMedia))
	mux.HandleFunc("GET /mmbiz_png/{id}", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		m, ok := p.media[r.PathValue("id")]
		p.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", m.typ)
		_, _ = w.Write(m.data)
	})
	return mux
}

// fail answers WeChat's JSON error.
func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg + " rid: fake"})
}

func ok(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	if v == nil {
		v = map[string]any{"errcode": 0, "errmsg": "ok"}
	}
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Platform) serveToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "client_credential":
		fail(w, 40002, "invalid grant_type")
	case q.Get("appid") != p.appid:
		fail(w, 40013, "invalid appid")
	case q.Get("secret") != p.secret:
		fail(w, 40125, "invalid appsecret")
	default:
		tok := randAlnum(48)
		p.mu.Lock()
		p.tokens[tok] = p.now().Add(7200 * time.Second)
		p.fetches++
		p.mu.Unlock()
		ok(w, map[string]any{"access_token": tok, "expires_in": 7200})
	}
}

// authed enforces the access token, and answers an injected failure.
func (p *Platform) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		p.mu.Lock()
		exp, known := p.tokens[tok]
		now := p.now()
		var injected int
		if known && now.Before(exp) && len(p.fail) > 0 {
			injected, p.fail = p.fail[0], p.fail[1:]
		}
		p.mu.Unlock()
		switch {
		case tok == "":
			fail(w, 41001, "access_token missing")
		case !known:
			fail(w, 40001, "invalid credential, access_token is invalid or not latest")
		case !now.Before(exp):
			fail(w, 42001, "access_token expired")
		case injected != 0:
			fail(w, injected, "injected by the test")
		default:
			h(w, r)
		}
	}
}

func (p *Platform) serveSend(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
		Image struct {
			MediaID string `json:"media_id"`
		} `json:"image"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
		fail(w, 47001, "data format error")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	last, known := p.active[m.ToUser]
	var sent string
	switch {
	case m.ToUser == "" || !known:
		fail(w, 40003, "invalid openid")
		return
	case p.blocked[m.ToUser] == 43004:
		fail(w, 43004, "require subscribe")
		return
	case p.blocked[m.ToUser] == 43019:
		fail(w, 43019, "require remove blacklist")
		return
	case p.now().Sub(last) > window:
		fail(w, 45015, "response out of time limit or subscription is canceled")
		return
	case p.unanswered[m.ToUser] >= maxUnanswered:
		fail(w, 45047, "out of response count limit")
		return
	case m.MsgType == "text":
		if m.Text.Content == "" {
			fail(w, 44004, "empty content")
			return
		}
		if utf8.RuneCountInString(m.Text.Content) > maxText {
			fail(w, 45002, "content size out of limit")
			return
		}
		sent = m.Text.Content
	case m.MsgType == "image":
		f, ok := p.media[m.Image.MediaID]
		if !ok {
			fail(w, 40007, "invalid media_id")
			return
		}
		sent = "file:" + f.name
	default:
		fail(w, 40008, "invalid message type")
		return
	}
	p.unanswered[m.ToUser]++
	p.received[m.ToUser] = append(p.received[m.ToUser], sent)
	ok(w, nil)
}

func (p *Platform) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("type") != "image" {
		fail(w, 40004, "invalid media type")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImage+1<<20)
	f, h, err := r.FormFile("media")
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			fail(w, 40009, "invalid image size")
			return
		}
		fail(w, 41005, "media data missing")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImage+1))
	if err != nil {
		fail(w, 41005, "media data missing")
		return
	}
	if len(data) > maxImage {
		fail(w, 40009, "invalid image size")
		return
	}
	typ := http.DetectContentType(data)
	ext := strings.ToLower(path.Ext(h.Filename))
	exts := map[string]string{".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".bmp": "image/bmp"}
	if want, ok := exts[ext]; !ok || want != typ {
		fail(w, 40005, "invalid file type")
		return
	}
	id := p.AddMedia(h.Filename, typ, data)
	ok(w, map[string]any{"type": "image", "media_id": id, "created_at": p.clock().Unix()})
}

func (p *Platform) serveMedia(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	m, found := p.media[r.URL.Query().Get("media_id")]
	p.mu.Unlock()
	if !found {
		fail(w, 40007, "invalid media_id")
		return
	}
	w.Header().Set("Content-Type", m.typ)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.name}))
	_, _ = w.Write(m.data)
}

// ExpireTokens makes every access token issued so far expired (42001).
func (p *Platform) ExpireTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.tokens {
		p.tokens[k] = time.Time{}
	}
}

// TokenFetches is how many access tokens were issued.
func (p *Platform) TokenFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches
}

// Block makes user unfollow (code 43004) or block (43019) the account.
func (p *Platform) Block(user string, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked[user] = code
}

// Fail makes the next authorized API calls answer these errcodes.
func (p *Platform) Fail(codes ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = append(p.fail, codes...)
}
