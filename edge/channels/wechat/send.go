package wechat

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// MaxMedia bounds a customer's media that Fetch downloads.
const MaxMedia = 64 << 20

// imageTypes are the images WeChat's temporary media API takes, with the
// file extension it checks.
var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/bmp": ".bmp"}

// custom is a customer-service message (客服消息).
type custom struct {
	ToUser  string `json:"touser"`
	MsgType string `json:"msgtype"`
	Text    *struct {
		Content string `json:"content"`
	} `json:"text,omitempty"`
	Image *struct {
		MediaID string `json:"media_id"`
	} `json:"image,omitempty"`
}

// Send sends a reply as customer-service messages: its text, then each
// image (uploaded as temporary media first). WeChat answers no message
// id, so the ids are the reply's Key and the message's index (or random
// when there is no Key). Files other than images are refused before
// anything is sent; when a later message fails, the ids of those sent
// come back with the error.
func (a *Adapter) Send(ctx context.Context, m channels.Outbound) (channels.Sent, error) {
	lim := Kind().Limits
	switch {
	case m.To == "" || len(m.To) > maxID:
		return channels.Sent{}, &channels.SendError{Permanent: true, Reason: "the reply has no WeChat customer (openid) to go to"}
	case m.Template != nil:
		return channels.Sent{}, &channels.SendError{Permanent: true, Reason: "WeChat Official Accounts take no WhatsApp template: send a text within 48 hours of the customer's last message"}
	case m.Text == "" && len(m.Files) == 0:
		return channels.Sent{}, &channels.SendError{Permanent: true, Reason: "the reply is empty"}
	case utf8.RuneCountInString(m.Text) > lim.MaxText:
		return channels.Sent{}, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("WeChat takes a text of at most %d characters: shorten the reply or split it", lim.MaxText)}
	}
	for _, f := range m.Files {
		if f.Size > lim.MaxFile {
			return channels.Sent{}, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("%s has %d bytes: WeChat takes images of at most 10 MB", f.Name, f.Size)}
		}
		if f.Type != "" && imageTypes[baseType(f.Type)] == "" {
			return channels.Sent{}, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("%s is %s: WeChat customer-service messages carry JPEG, PNG, GIF or BMP images only; send a link to the file instead", f.Name, f.Type)}
		}
	}
	var sent channels.Sent
	if m.Text != "" {
		c := custom{ToUser: m.To, MsgType: "text", Text: &struct {
			Content string `json:"content"`
		}{m.Text}}
		if err := a.sendCustom(ctx, c); err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, messageID(m.Key, len(sent.MessageIDs)))
	}
	for _, f := range m.Files {
		id, err := a.upload(ctx, f)
		if err != nil {
			return sent, err
		}
		c := custom{ToUser: m.To, MsgType: "image", Image: &struct {
			MediaID string `json:"media_id"`
		}{id}}
		if err := a.sendCustom(ctx, c); err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, messageID(m.Key, len(sent.MessageIDs)))
	}
	return sent, nil
}

// sendCustom posts a customer-service message.
func (a *Adapter) sendCustom(ctx context.Context, c custom) error {
	body, err := json.Marshal(c)
	if err != nil {
		return &channels.SendError{Permanent: true, Reason: "the reply does not encode as JSON: " + err.Error()}
	}
	if err := a.post(ctx, "/cgi-bin/message/custom/send", nil, "application/json; charset=utf-8", body, nil); err != nil {
		return sendError(err)
	}
	return nil
}

// messageID names a sent message, as WeChat's answer names none.
func messageID(key string, i int) string {
	if key != "" {
		return key + "/" + strconv.Itoa(i)
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "wechat-" + hex.EncodeToString(b[:])
}

// upload puts an image to the temporary media API (新增临时素材) and
// returns its media_id.
func (a *Adapter) upload(ctx context.Context, f channels.File) (string, error) {
	lim := Kind().Limits.MaxFile
	if f.Open == nil {
		return "", &channels.SendError{Permanent: true, Reason: f.Name + " has no content"}
	}
	rc, err := f.Open()
	if err != nil {
		return "", &channels.SendError{Reason: "opening " + f.Name + ": " + err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(rc, lim+1))
	rc.Close()
	if err != nil {
		return "", &channels.SendError{Reason: "reading " + f.Name + ": " + err.Error()}
	}
	if int64(len(data)) > lim {
		return "", &channels.SendError{Permanent: true, Reason: f.Name + " is over 10 MB: WeChat takes images of at most 10 MB"}
	}
	typ := baseType(f.Type)
	if typ == "" {
		typ = baseType(http.DetectContentType(data))
	}
	ext := imageTypes[typ]
	if ext == "" {
		return "", &channels.SendError{Permanent: true, Reason: f.Name + " is not a JPEG, PNG, GIF or BMP image: WeChat customer-service messages carry those only"}
	}
	name := path.Base(strings.ReplaceAll(f.Name, "\\", "/"))
	if name == "." || name == "/" || len(name) > maxName {
		name = "image"
	}
	if e := strings.ToLower(path.Ext(name)); e != ext && !(ext == ".jpg" && e == ".jpeg") {
		name += ext
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "media", "filename": name}))
	h.Set("Content-Type", typ)
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", &channels.SendError{Reason: "building the upload: " + err.Error()}
	}
	var out struct {
		MediaID string `json:"media_id"`
	}
	if err := a.post(ctx, "/cgi-bin/media/upload", url.Values{"type": {"image"}}, w.FormDataContentType(), buf.Bytes(), &out); err != nil {
		return "", sendError(err)
	}
	if out.MediaID == "" || len(out.MediaID) > maxID {
		return "", &channels.SendError{Reason: "WeChat's upload answered no media_id: the reply is tried again"}
	}
	return out.MediaID, nil
}

// baseType is a MIME type without its parameters, in lower case.
func baseType(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return ""
}

// Fetch downloads a customer's media (获取临时素材): WeChat keeps it 3
// days. A video's answer is a JSON video_url, which is followed.
func (a *Adapter) Fetch(ctx context.Context, m channels.Media) (channels.Download, error) {
	if m.Ref == "" || len(m.Ref) > maxID {
		return channels.Download{}, errors.New("wechat: the media has no WeChat media id")
	}
	var d channels.Download
	err := a.withToken(ctx, func(tok string) error {
		q := url.Values{"access_token": {tok}, "media_id": {m.Ref}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/cgi-bin/media/get?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		resp, err := a.do(req)
		if err != nil {
			return err
		}
		if isJSON(resp) {
			return a.mediaJSON(ctx, resp, &d)
		}
		d, err = download(resp)
		return err
	})
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == 40007 {
			return channels.Download{}, fmt.Errorf("wechat: WeChat keeps a customer's media 3 days, and this one is gone or unknown: %w", err)
		}
		return channels.Download{}, fmt.Errorf("wechat: fetching media: %w", err)
	}
	if d.Name == "" {
		d.Name = m.Name
	}
	if d.Type == "" {
		d.Type = m.Type
	}
	return d, nil
}

// isJSON reports whether a media answer is JSON (an error, or a video's
// URL) rather than the file.
func isJSON(resp *http.Response) bool {
	t := baseType(resp.Header.Get("Content-Type"))
	return t == "application/json" || t == "text/plain"
}

// mediaJSON reads media/get's JSON answer: an errcode, or a video_url to
// download.
func (a *Adapter) mediaJSON(ctx context.Context, resp *http.Response, d *channels.Download) error {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	if err != nil {
		return err
	}
	var out struct {
		apiError
		VideoURL string `json:"video_url"`
	}
	if json.Unmarshal(b, &out) != nil {
		return errors.New("WeChat's answer is not its JSON")
	}
	if out.Code != 0 {
		return &out.apiError
	}
	u, err := url.Parse(out.VideoURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("WeChat answered neither the media nor a video_url")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	vr, err := a.do(req)
	if err != nil {
		return err
	}
	*d, err = download(vr)
	if err == nil && d.Type == "" {
		d.Type = "video/mp4"
	}
	return err
}

// download takes a media answer's body, bounded to MaxMedia.
func download(resp *http.Response) (channels.Download, error) {
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		return channels.Download{}, fmt.Errorf("WeChat answered HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > MaxMedia {
		resp.Body.Close()
		return channels.Download{}, fmt.Errorf("the media has %d bytes, over the %d MiB the edge takes", resp.ContentLength, MaxMedia>>20)
	}
	d := channels.Download{Type: baseType(resp.Header.Get("Content-Type")), Body: &capped{rc: resp.Body, left: MaxMedia}}
	if _, p, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		if n := path.Base(strings.ReplaceAll(p["filename"], "\\", "/")); n != "." && n != "/" && len(n) <= maxName && utf8.ValidString(n) {
			d.Name = n
		}
	}
	if d.Type == "application/octet-stream" {
		d.Type = ""
	}
	return d, nil
}

// ErrMediaTooLarge is a media over MaxMedia.
var ErrMediaTooLarge = fmt.Errorf("wechat: the media is over %d MiB, the most the edge takes", MaxMedia>>20)

// capped reads at most left bytes and fails past them.
type capped struct {
	rc   io.ReadCloser
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.rc.Read(one[:])
		if n > 0 {
			return 0, ErrMediaTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }
