package wecomtest

import (
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var msgIDPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,32}$`)

// cursor is sync_msg's opaque cursor: a position in one account's queue.
func cursor(kf string, pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kf + "|" + strconv.Itoa(pos)))
}

func (p *Platform) syncMsg(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Cursor      string `json:"cursor"`
		Token       string `json:"token"`
		Limit       int    `json:"limit"`
		VoiceFormat int    `json:"voice_format"`
		OpenKfID    string `json:"open_kfid"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Token != "" {
		if exp, ok := p.msgTokens[in.Token]; !ok || !p.now().Before(exp) {
			answer(w, 95007, "invalid msg token", nil)
			return
		}
	}
	if in.OpenKfID != "" && in.OpenKfID != p.kfID {
		answer(w, 95000, "invalid open_kfid", nil)
		return
	}
	pos := 0
	if in.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		kf, n, ok := strings.Cut(string(raw), "|")
		var err2 error
		pos, err2 = strconv.Atoi(n)
		if err != nil || err2 != nil || !ok || kf != in.OpenKfID || pos < 0 {
			answer(w, 40058, "invalid cursor", nil)
			return
		}
	}
	p.page(w, in.OpenKfID, pos, in.Limit)
}

// page answers the messages of kf's queue (all accounts' for "") from pos.
func (p *Platform) page(w http.ResponseWriter, kf string, pos, limit int) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	limit = min(limit, p.pageSize)
	var view []map[string]any
	for _, q := range p.queue {
		if kf == "" || q.kf == kf {
			view = append(view, q.msg)
		}
	}
	if pos > len(view) {
		answer(w, 40058, "invalid cursor", nil)
		return
	}
	end := min(pos+limit, len(view))
	more := 0
	if end < len(view) {
		more = 1
	}
	list := view[pos:end]
	if list == nil {
		list = []map[string]any{}
	}
	answer(w, 0, "ok", map[string]any{"next_cursor": cursor(kf, end), "has_more": more, "msg_list": list})
}

func (p *Platform) batchGet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs     []string `json:"external_userid_list"`
		Context int      `json:"need_enter_session_context"`
	}
	if !decode(w, r, &in) {
		return
	}
	if len(in.IDs) == 0 || len(in.IDs) > 100 {
		answer(w, 40058, "external_userid_list must have 1 to 100 ids", nil)
		return
	}
	list, invalid := []map[string]any{}, []string{}
	for _, id := range in.IDs {
		if name, ok := p.nicknames[id]; ok {
			list = append(list, map[string]any{"external_userid": id, "nickname": name, "avatar": "http://wx.qlogo.cn/mmhead/" + id + "/0", "gender": 0, "unionid": ""})
		} else {
			invalid = append(invalid, id)
		}
	}
	answer(w, 0, "ok", map[string]any{"customer_list": list, "invalid_external_userid": invalid})
}

func (p *Platform) sendMsg(w http.ResponseWriter, r *http.Request) {
	type ref struct {
		MediaID string `json:"media_id"`
	}
	var in struct {
		ToUser   string `json:"touser"`
		OpenKfID string `json:"open_kfid"`
		MsgID    string `json:"msgid"`
		MsgType  string `json:"msgtype"`
		Text     *struct {
			Content string `json:"content"`
		} `json:"text"`
		Image *ref `json:"image"`
		File  *ref `json:"file"`
	}
	if !decode(w, r, &in) {
		return
	}
	s := p.sessions[in.ToUser]
	switch {
	case in.OpenKfID != p.kfID:
		answer(w, 95000, "invalid open_kfid", nil)
		return
	case s == nil:
		answer(w, 40096, "invalid external userid", nil)
		return
	case in.MsgID != "" && !msgIDPattern.MatchString(in.MsgID):
		answer(w, 40058, "invalid msgid: at most 32 of [0-9a-zA-Z_-]", nil)
		return
	case p.now().Sub(s.last) > 48*time.Hour:
		answer(w, 95002, "send msg time limit", nil)
		return
	case s.replies >= 5:
		answer(w, 95001, "send msg count limit", nil)
		return
	case s.state != StateAssistant:
		answer(w, 95018, "send msg session status invalid", nil)
		return
	}
	var record string
	switch {
	case in.MsgType == "text" && in.Text != nil:
		if in.Text.Content == "" {
			answer(w, 44004, "empty content", nil)
			return
		}
		if len(in.Text.Content) > 2048 {
			answer(w, 45002, "content size out of limit", nil)
			return
		}
		record = in.Text.Content
	case in.MsgType == "image" && in.Image != nil, in.MsgType == "file" && in.File != nil:
		id := map[bool]*ref{true: in.Image, false: in.File}[in.MsgType == "image"].MediaID
		m, ok := p.media[id]
		if !ok {
			answer(w, 40007, "invalid media_id", nil)
			return
		}
		record = "file:" + m.name
	default:
		answer(w, 40008, "invalid message type", nil)
		return
	}
	id := in.MsgID
	if id == "" {
		p.seq++
		id = "kfmsg" + strconv.Itoa(p.seq)
	}
	s.replies++
	p.sent[in.ToUser] = append(p.sent[in.ToUser], record)
	p.lastSendID = id
	answer(w, 0, "ok", map[string]any{"msgid": id})
}

func (p *Platform) trans(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OpenKfID       string `json:"open_kfid"`
		ExternalUserID string `json:"external_userid"`
		ServiceState   int    `json:"service_state"`
		ServicerUserID string `json:"servicer_userid"`
	}
	if !decode(w, r, &in) {
		return
	}
	s := p.sessions[in.ExternalUserID]
	switch {
	case in.OpenKfID != p.kfID:
		answer(w, 95000, "invalid open_kfid", nil)
	case s == nil:
		answer(w, 40096, "invalid external userid", nil)
	case !allowed(s.state, in.ServiceState):
		answer(w, 95016, fmt.Sprintf("service state %d to %d is not allowed", s.state, in.ServiceState), nil)
	case in.ServiceState == StateServicer && in.ServicerUserID == "":
		answer(w, 95014, "servicer_userid is required", nil)
	default:
		s.state = in.ServiceState
		answer(w, 0, "ok", nil)
	}
}

func (p *Platform) stateGet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OpenKfID       string `json:"open_kfid"`
		ExternalUserID string `json:"external_userid"`
	}
	if !decode(w, r, &in) {
		return
	}
	if s := p.sessions[in.ExternalUserID]; s != nil && in.OpenKfID == p.kfID {
		answer(w, 0, "ok", map[string]any{"service_state": s.state})
		return
	}
	answer(w, 40096, "invalid external userid", nil)
}

func (p *Platform) upload(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("type")
	if kind != "image" && kind != "voice" && kind != "video" && kind != "file" {
		answer(w, 40005, "invalid type", nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 21<<20)
	f, h, err := r.FormFile("media")
	if err != nil {
		answer(w, 41005, "media data missing", nil)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		answer(w, 40006, "invalid file size", nil)
		return
	}
	ctype := http.DetectContentType(data)
	switch {
	case len(data) <= 5:
		answer(w, 40006, "invalid file size", nil)
		return
	case kind == "image" && ctype != "image/jpeg" && ctype != "image/png":
		answer(w, 40004, "invalid media type", nil)
		return
	case kind == "image" && len(data) > 10<<20:
		answer(w, 40009, "invalid image size", nil)
		return
	case len(data) > 20<<20:
		answer(w, 40006, "invalid file size", nil)
		return
	}
	p.seq++
	id := "MEDIA" + strconv.Itoa(p.seq) + hexRand(8)
	p.media[id] = stored{name: h.Filename, ctype: h.Header.Get("Content-Type"), data: data}
	answer(w, 0, "", map[string]any{"type": kind, "media_id": id, "created_at": strconv.FormatInt(p.now().Unix(), 10)})
}

func (p *Platform) mediaGet(w http.ResponseWriter, r *http.Request) {
	m, ok := p.media[r.URL.Query().Get("media_id")]
	if !ok {
		answer(w, 40007, "invalid media_id", nil)
		return
	}
	w.Header().Set("Content-Type", m.ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	w.Write(m.data)
}
