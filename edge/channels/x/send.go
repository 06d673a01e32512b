package x

import (
	"bytes"
	"context"
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
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// imageTypes are the images X takes in a direct message.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

func permanent(format string, args ...any) *channels.SendError {
	return &channels.SendError{Permanent: true, Reason: fmt.Sprintf(format, args...)}
}

func temporary(format string, args ...any) *channels.SendError {
	return &channels.SendError{Reason: fmt.Sprintf(format, args...)}
}

// Send sends m to the customer m.To (a numeric X user id): its text as
// one direct message, then each image as one more.
func (a *Adapter) Send(ctx context.Context, m channels.Outbound) (channels.Sent, error) {
	var sent channels.Sent
	if !numeric(m.To) || len(m.To) > maxID {
		return sent, permanent("X user ids are digits: %.40q is not one", m.To)
	}
	if m.Template != nil {
		return sent, permanent("X has no message templates: send text")
	}
	if m.Text == "" && len(m.Files) == 0 {
		return sent, permanent("nothing to send: the reply has no text and no file")
	}
	if n := utf8.RuneCountInString(m.Text); n > Kind().Limits.MaxText {
		return sent, permanent("an X direct message is at most %d characters; this one has %d: shorten it", Kind().Limits.MaxText, n)
	}
	for _, f := range m.Files {
		if err := checkFile(f); err != nil {
			return sent, err
		}
	}
	if m.Text != "" {
		id, err := a.dm(ctx, m.To, dmBody{Text: m.Text})
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, id)
	}
	for _, f := range m.Files {
		mid, err := a.upload(ctx, f)
		if err != nil {
			return sent, err
		}
		id, err := a.dm(ctx, m.To, dmBody{Attachments: []dmAttachment{{MediaID: mid}}})
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, id)
	}
	return sent, nil
}

// declaredType is a file's MIME type as the reply says it, or by its name.
func declaredType(f channels.File) string {
	t := f.Type
	if t == "" {
		t = mime.TypeByExtension(strings.ToLower(path.Ext(f.Name)))
	}
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return ""
}

// checkFile refuses, before anything is sent, a file X would refuse.
func checkFile(f channels.File) error {
	if f.Open == nil {
		return permanent("the file %.64q cannot be opened", f.Name)
	}
	if f.Size > maxImage {
		return permanent("the image %.64q is %d bytes: X takes images of at most 5 MB in direct messages", f.Name, f.Size)
	}
	if t := declaredType(f); t != "" && t != "application/octet-stream" && !imageTypes[t] {
		return permanent("X direct messages carry images only here (JPEG, PNG, GIF, WebP): %.64q is %s", f.Name, t)
	}
	return nil
}

type dmBody struct {
	Text        string         `json:"text,omitempty"`
	Attachments []dmAttachment `json:"attachments,omitempty"`
}

type dmAttachment struct {
	MediaID string `json:"media_id"`
}

// dm posts one direct message to participant to and returns its event id.
func (a *Adapter) dm(ctx context.Context, to string, body dmBody) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	u := a.base + "/2/dm_conversations/with/" + url.PathEscape(to) + "/messages"
	var out struct {
		Data struct {
			ConversationID string `json:"dm_conversation_id"`
			EventID        string `json:"dm_event_id"`
		} `json:"data"`
	}
	if err := a.call(ctx, "direct message", u, "application/json", b, &out); err != nil {
		return "", err
	}
	if out.Data.EventID == "" || len(out.Data.EventID) > maxID {
		return "", temporary("X answered the direct message without a dm_event_id: it may or may not have gone")
	}
	return out.Data.EventID, nil
}

// upload sends an image to X's media upload for a DM and returns its
// media id.
func (a *Adapter) upload(ctx context.Context, f channels.File) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", temporary("the image %.64q could not be read: %v", f.Name, err)
	}
	data, over, err := readLimited(rc, maxImage)
	rc.Close()
	if err != nil {
		return "", temporary("the image %.64q could not be read: %v", f.Name, err)
	}
	if over {
		return "", permanent("the image %.64q is over 5 MB: X takes images of at most 5 MB in direct messages", f.Name)
	}
	t := http.DetectContentType(data)
	if !imageTypes[t] {
		return "", permanent("X direct messages carry images only here (JPEG, PNG, GIF, WebP): %.64q is %s", f.Name, t)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("media_category", "dm_image")
	_ = w.WriteField("media_type", t)
	name := path.Base(f.Name)
	if name == "." || name == "/" || name == "" {
		name = "image"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "media", "filename": name}))
	h.Set("Content-Type", t)
	part, err := w.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(data); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	var out struct {
		Data struct {
			ID       string `json:"id"`
			MediaKey string `json:"media_key"`
		} `json:"data"`
	}
	if err := a.call(ctx, "image upload", a.base+"/2/media/upload", w.FormDataContentType(), buf.Bytes(), &out); err != nil {
		return "", err
	}
	if out.Data.ID == "" || len(out.Data.ID) > maxID {
		return "", temporary("X answered the image upload without a media id: try again")
	}
	return out.Data.ID, nil
}

// call POSTs body to u, signed, and decodes a 2xx answer into out; any
// other answer is a *channels.SendError.
func (a *Adapter) call(ctx context.Context, what, u, ctype string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := a.signed.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return temporary("X could not be reached for the %s: %v: try again", what, err)
	}
	defer resp.Body.Close()
	b, _, err := readLimited(resp.Body, maxAnswer)
	if err != nil {
		return temporary("X's answer to the %s was cut: %v", what, err)
	}
	if resp.StatusCode/100 != 2 {
		a.log.WarnContext(ctx, "x: call refused", "call", what, "status", resp.StatusCode)
		return apiError(what, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return temporary("X's answer to the %s is not its JSON: %v", what, err)
	}
	return nil
}

// apiError is the SendError of an API answer of status.
func apiError(what string, status int, body []byte) *channels.SendError {
	d := detail(body)
	switch {
	case status == http.StatusUnauthorized:
		return permanent("the OAuth tokens were refused: renew them (X: %s)", d)
	case status == http.StatusForbidden:
		return permanent("X refused the %s: %s (the customer may not accept direct messages from this account, may have blocked it, or the app lacks the Direct Messages permission)", what, d)
	case status == http.StatusTooManyRequests:
		return temporary("X's rate limit for the %s was reached: try again later", what)
	case status >= 500:
		return temporary("X failed the %s (HTTP %d): try again", what, status)
	case status == http.StatusNotFound:
		return permanent("X has no such user to send the %s to: %s", what, d)
	default:
		return permanent("X refused the %s (HTTP %d): %s", what, status, d)
	}
}

// detail is what X's error answer says: the v2 problem's detail or title,
// or the v1.1 errors' messages; bounded.
func detail(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"errors"`
	}
	d := ""
	if json.Unmarshal(body, &p) == nil {
		switch {
		case p.Detail != "":
			d = p.Detail
		case len(p.Errors) > 0 && p.Errors[0].Detail != "":
			d = p.Errors[0].Detail
		case len(p.Errors) > 0:
			d = p.Errors[0].Message
		default:
			d = p.Title
		}
	}
	if d == "" {
		return "no reason given"
	}
	if len(d) > 256 {
		d = d[:256]
	}
	return strings.ToValidUTF8(d, "")
}

// Fetch downloads a customer's media from X, signed with the account's
// OAuth tokens (DM media are private); at most 64 MiB.
func (a *Adapter) Fetch(ctx context.Context, m channels.Media) (channels.Download, error) {
	u, err := url.Parse(m.Ref)
	if err != nil || !a.trusted(u) {
		return channels.Download{}, fmt.Errorf("x: media ref %.80q is not an X media URL: only X's are fetched with the account's tokens", m.Ref)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return channels.Download{}, err
	}
	resp, err := a.signed.Do(req)
	if err != nil {
		return channels.Download{}, fmt.Errorf("x: fetching media: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return channels.Download{}, fmt.Errorf("x: X refused the media download (HTTP %d): the OAuth tokens were refused or the media is not this account's: renew them", resp.StatusCode)
		}
		return channels.Download{}, fmt.Errorf("x: X answered the media download with HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > maxMedia {
		resp.Body.Close()
		return channels.Download{}, fmt.Errorf("x: the media is %d bytes, over the 64 MiB limit of a fetched media", resp.ContentLength)
	}
	d := channels.Download{Name: m.Name, Type: m.Type, Body: &limited{rc: resp.Body, left: maxMedia}}
	if t, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && t != "application/octet-stream" {
		d.Type = t
	}
	if d.Name == "" {
		d.Name = path.Base(u.Path)
	}
	return d, nil
}

// errTooLarge is a fetched media over the 64 MiB limit.
var errTooLarge = errors.New("x: the media is over the 64 MiB limit of a fetched media")

// limited reads at most left bytes of rc and fails past them.
type limited struct {
	rc   io.ReadCloser
	left int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n + int(l.left), errTooLarge
	}
	return n, err
}

func (l *limited) Close() error { return l.rc.Close() }
