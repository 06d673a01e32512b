package wecom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Session states of 微信客服 (分配客服会话,
// developer.work.weixin.qq.com/document/path/94669).
const (
	stateAssistant = 1 // 由智能助手接待: the API may reply
	stateEnded     = 4 // 已结束/未开始
)

// limitsReason is what an agent is told when a reply is past WeCom's
// window (errcodes 95001 and 95002).
const limitsReason = "WeCom allows 5 replies within 48 hours of the customer's last message: wait until the customer writes again"

var safeMsgID = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// msgID is send_msg's msgid of the i-th message of a reply keyed key
// (at most 32 of [0-9a-zA-Z_-]), "" (WeCom makes one) without a key.
func msgID(key string, i int) string {
	if key == "" {
		return ""
	}
	suffix := "-" + strconv.Itoa(i)
	if safeMsgID.MatchString(key) && len(key)+len(suffix) <= 32 {
		return key + suffix
	}
	sum := sha256.Sum256([]byte(key))
	return "h" + hex.EncodeToString(sum[:])[:31-len(suffix)] + suffix
}

// Send sends m's text and then each of its files, as one message each
// (POST /cgi-bin/kf/send_msg; files through /cgi-bin/media/upload). When
// WeCom says the session's state does not let the API send, the session
// is handed to the API (service_state 1) and the send tried once more.
func (a *Adapter) Send(ctx context.Context, m channels.Outbound) (channels.Sent, error) {
	kf := m.Chat
	if kf == "" {
		kf = a.kfID
	}
	switch {
	case m.Template != nil:
		return channels.Sent{}, permanent("WeCom customer service has no message templates: send text")
	case m.To == "" || len(m.To) > maxID:
		return channels.Sent{}, permanent("the customer's external_userid is missing or over 256 bytes")
	case kf == "" || len(kf) > maxID:
		return channels.Sent{}, permanent("no customer service account (open_kfid) to send from: set the channel's open_kfid")
	case m.Text == "" && len(m.Files) == 0:
		return channels.Sent{}, permanent("the reply is empty")
	case len(m.Text) > sendTextBytes || !utf8.ValidString(m.Text):
		return channels.Sent{}, permanent(fmt.Sprintf("WeCom takes at most %d bytes of UTF-8 text a message (about 680 Chinese characters), the reply has %d: shorten it", sendTextBytes, len(m.Text)))
	}
	max := Kind().Limits.MaxFile
	for _, f := range m.Files {
		if f.Size > max {
			return channels.Sent{}, permanent(fmt.Sprintf("the file %q has %d bytes: WeCom takes files of at most 20 MB", bound(f.Name, 64), f.Size))
		}
	}
	var sent channels.Sent
	if m.Text != "" {
		id, err := a.sendMsg(ctx, m.To, kf, msgID(m.Key, 0), "text", map[string]string{"content": m.Text})
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, id)
	}
	for i, f := range m.Files {
		kind, media, err := a.upload(ctx, f)
		if err != nil {
			return sent, err
		}
		id, err := a.sendMsg(ctx, m.To, kf, msgID(m.Key, i+1), kind, map[string]string{"media_id": media})
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, id)
	}
	return sent, nil
}

func (a *Adapter) sendMsg(ctx context.Context, to, kf, id, kind string, content any) (string, error) {
	const path = "/cgi-bin/kf/send_msg"
	req := map[string]any{"touser": to, "open_kfid": kf, "msgtype": kind, kind: content}
	if id != "" {
		req["msgid"] = id
	}
	var out struct {
		status
		MsgID string `json:"msgid"`
	}
	for attempt := 0; ; attempt++ {
		if err := a.call(ctx, path, nil, jsonBody(req), &out); err != nil {
			return "", sendError(err)
		}
		if out.ErrCode != codeSessionState || attempt > 0 {
			break
		}
		a.log.InfoContext(ctx, "wecom: the session is not the API's, taking it (service_state 1)")
		if err := a.trans(ctx, to, kf, stateAssistant); err != nil {
			if c := codeOf(err); c == codeStateNotAllowed || c == codeSessionEnded || c == codeNotServicer {
				return "", permanent(fmt.Sprintf("WeCom does not let the API take this session (errcode %d): a servicer is handling it in the WeCom app, or it has ended; reply from the WeCom app, or wait until the customer writes again", c))
			}
			return "", sendError(err)
		}
	}
	if err := failed(path, &out); err != nil {
		return "", sendError(err)
	}
	got := out.MsgID
	if got == "" {
		got = id
	}
	if got == "" || len(got) > maxID {
		return "", &channels.SendError{Reason: "WeCom answered the send without a usable msgid"}
	}
	return got, nil
}

// trans changes the session's state (POST /cgi-bin/kf/service_state/trans).
func (a *Adapter) trans(ctx context.Context, to, kf string, state int) error {
	const path = "/cgi-bin/kf/service_state/trans"
	var out status
	req := map[string]any{"open_kfid": kf, "external_userid": to, "service_state": state}
	if err := a.call(ctx, path, nil, jsonBody(req), &out); err != nil {
		return err
	}
	return failed(path, &out)
}

// Close ends the customer's WeCom session (service_state 4), so that the
// customer's next message opens a new one; a session already ended is
// no error.
func (a *Adapter) Close(ctx context.Context, to, chat string) error {
	if chat == "" {
		chat = a.kfID
	}
	if to == "" || chat == "" {
		return errors.New("wecom: closing needs the customer's external_userid and the open_kfid")
	}
	err := a.trans(ctx, to, chat, stateEnded)
	if c := codeOf(err); c == codeStateNotAllowed || c == codeSessionEnded {
		return nil
	}
	return err
}

// upload sends f as a temporary media and returns its message type
// (image for a JPEG or PNG of up to 10 MB, else file) and media_id.
func (a *Adapter) upload(ctx context.Context, f channels.File) (string, string, error) {
	const path = "/cgi-bin/media/upload"
	max := Kind().Limits.MaxFile
	if f.Open == nil {
		return "", "", permanent("the file " + strconv.Quote(bound(f.Name, 64)) + " cannot be opened")
	}
	rc, err := f.Open()
	if err != nil {
		return "", "", &channels.SendError{Reason: "opening the file: " + err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	rc.Close()
	switch {
	case err != nil:
		return "", "", &channels.SendError{Reason: "reading the file: " + err.Error()}
	case int64(len(data)) > max:
		return "", "", permanent("the file " + strconv.Quote(bound(f.Name, 64)) + " is over 20 MB, the most WeCom takes")
	case len(data) <= 5:
		return "", "", permanent("the file " + strconv.Quote(bound(f.Name, 64)) + " is empty: WeCom takes files of more than 5 bytes")
	}
	kind, ctype := "file", f.Type
	if t := http.DetectContentType(data); (t == "image/jpeg" || t == "image/png") && len(data) <= imageBytes {
		kind, ctype = "image", t
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	name := f.Name
	if name == "" || len(name) > maxName || !utf8.ValidString(name) {
		name = kind
	}
	in := func() (io.Reader, string, error) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		h := textproto.MIMEHeader{}
		esc := strings.NewReplacer("\\", "\\\\", `"`, `\"`, "\r", "", "\n", "")
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename="%s"; filelength=%d`, esc.Replace(name), len(data)))
		h.Set("Content-Type", ctype)
		p, err := w.CreatePart(h)
		if err == nil {
			_, err = p.Write(data)
		}
		if err == nil {
			err = w.Close()
		}
		return &buf, w.FormDataContentType(), err
	}
	var out struct {
		status
		MediaID string `json:"media_id"`
	}
	if err := a.call(ctx, path, url.Values{"type": {kind}}, in, &out); err != nil {
		return "", "", sendError(err)
	}
	if err := failed(path, &out); err != nil {
		return "", "", sendError(err)
	}
	if out.MediaID == "" || len(out.MediaID) > 1024 {
		return "", "", &channels.SendError{Reason: "WeCom answered the upload without a media_id"}
	}
	return kind, out.MediaID, nil
}

func permanent(reason string) *channels.SendError {
	return &channels.SendError{Permanent: true, Reason: reason}
}

// sendError says what an agent can do about err.
func sendError(err error) *channels.SendError {
	var e *apiError
	if !errors.As(err, &e) {
		return &channels.SendError{Reason: "WeCom could not be reached: " + err.Error()}
	}
	why := func(s string) *channels.SendError { return permanent(fmt.Sprintf("%s (errcode %d)", s, e.Code)) }
	switch e.Code {
	case codeCountLimit, codeTimeLimit:
		return why(limitsReason)
	case codeSessionEnded:
		return why("the customer's WeCom session has ended: wait until the customer writes again")
	case codeSessionState:
		return why("the WeCom session's state does not let the API send: a servicer may be handling it in the WeCom app")
	case codeBadKfID, codeNoKfID:
		return why("the customer service account (open_kfid) is not one the app may use: check the channel's open_kfid and 通过API管理微信客服账号")
	case codeBadUser:
		return why("WeCom does not know this customer's external_userid")
	case 40004, 40005, 40006, 40009, 40011, codeBadMediaID:
		return why("WeCom refused the file's type or size: send a JPEG or PNG of up to 10 MB, or a file of up to 20 MB")
	case codeBadSecret, codeBadCorpID, 48002, 60020, 95017:
		return why("WeCom refused the channel's app (its secret, its permission to call 微信客服, or the edge's IP): an admin must fix it in the WeCom admin console")
	}
	return &channels.SendError{Reason: e.Error()}
}
