package telegram

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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Errors of Send and Fetch.
var (
	// ErrTooLarge is a file over a limit (the Bot API's, or MaxFetch).
	ErrTooLarge = errors.New("telegram: the file is too large")
	// ErrAPI is a refusal of the Bot API that is not a send's.
	ErrAPI = errors.New("telegram: the Bot API refused the call")
)

// apiError is the Bot API's {"ok":false,"error_code","description"}.
type apiError struct {
	method      string
	code        int
	description string
	retryAfter  int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("telegram: %s: %d %s", e.method, e.code, e.description)
}

func (e *apiError) Unwrap() error { return ErrAPI }

// redacted is a transport error with the request's URL (and so the bot
// token) taken out.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

func (a *adapter) redact(method string, err error) error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	msg := strings.ReplaceAll(inner.Error(), a.token, "<bot_token>")
	return &redacted{msg: "telegram: " + method + ": " + msg, err: inner}
}

// call POSTs body to the Bot API's method and decodes its result into out.
func (a *adapter) call(ctx context.Context, method, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/bot"+a.token+"/"+method, body)
	if err != nil {
		return a.redact(method, err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := a.http.Do(req)
	if err != nil {
		return a.redact(method, err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  *struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil {
		return &apiError{method: method, code: resp.StatusCode, description: "the answer is not the Bot API's JSON (HTTP " + resp.Status + ")"}
	}
	if !r.OK {
		e := &apiError{method: method, code: r.ErrorCode, description: a.bound("description", r.Description)}
		if e.code == 0 {
			e.code = resp.StatusCode
		}
		if r.Parameters != nil {
			e.retryAfter = r.Parameters.RetryAfter
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			return &apiError{method: method, code: resp.StatusCode, description: "the result is not what " + method + " returns"}
		}
	}
	return nil
}

// Send sends the text by sendMessage, then each file by sendPhoto (an
// image of at most 10 MB) or sendDocument. When a later part fails, the
// Sent returned with the error holds the ids of the parts that went.
func (a *adapter) Send(ctx context.Context, m channels.Outbound) (channels.Sent, error) {
	var sent channels.Sent
	chat := m.Chat
	if chat == "" {
		chat = m.To
	}
	if _, err := strconv.ParseInt(chat, 10, 64); err != nil {
		return sent, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("%q is not a Telegram chat id: reply in the customer's conversation", chat)}
	}
	if m.Template != nil {
		return sent, &channels.SendError{Permanent: true, Reason: "Telegram has no message templates and no reply window: send the reply as text"}
	}
	if m.Text == "" && len(m.Files) == 0 {
		return sent, &channels.SendError{Permanent: true, Reason: "the reply has no text and no file: write something to send"}
	}
	if n := utf8.RuneCountInString(m.Text); n > MaxText {
		return sent, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("Telegram takes at most %d characters in a message and the reply has %d: shorten it or split it", MaxText, n)}
	}
	if m.Text != "" {
		body, _ := json.Marshal(map[string]string{"chat_id": chat, "text": m.Text})
		var msg struct {
			MessageID int64 `json:"message_id"`
		}
		if err := a.call(ctx, "sendMessage", "application/json", bytes.NewReader(body), &msg); err != nil {
			return sent, sendError(err, "the message")
		}
		sent.MessageIDs = append(sent.MessageIDs, chat+":"+strconv.FormatInt(msg.MessageID, 10))
	}
	for _, f := range m.Files {
		id, err := a.sendFile(ctx, chat, f)
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, chat+":"+strconv.FormatInt(id, 10))
	}
	return sent, nil
}

func isPhoto(typ string) bool {
	t, _, _ := mime.ParseMediaType(typ)
	return t == "image/jpeg" || t == "image/png" || t == "image/webp"
}

// sendFile uploads f, streaming it as multipart/form-data.
func (a *adapter) sendFile(ctx context.Context, chat string, f channels.File) (int64, error) {
	name := f.Name
	if name == "" {
		name = "file"
	}
	if f.Size > a.maxFile {
		return 0, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("%s has %d bytes and Telegram bots send files of at most 50 MB: share a link instead", name, f.Size)}
	}
	if f.Open == nil {
		return 0, &channels.SendError{Permanent: true, Reason: name + " has no content to send"}
	}
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("telegram: open %s: %w", name, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	method, field := "sendDocument", "document"
	if isPhoto(f.Type) {
		if f.Size > 0 && f.Size <= MaxPhoto {
			method, field = "sendPhoto", "photo"
		} else if f.Size == 0 { // unknown: read up to the photo limit to choose
			head, err := io.ReadAll(io.LimitReader(rc, MaxPhoto+1))
			if err != nil {
				return 0, fmt.Errorf("telegram: read %s: %w", name, err)
			}
			if len(head) <= MaxPhoto {
				method, field = "sendPhoto", "photo"
			}
			r = io.MultiReader(bytes.NewReader(head), rc)
		}
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeForm(mw, chat, field, name, f.Type, r, a.maxFile))
	}()
	defer pr.Close()
	var msg struct {
		MessageID int64 `json:"message_id"`
	}
	if err := a.call(ctx, method, mw.FormDataContentType(), pr, &msg); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return 0, &channels.SendError{Permanent: true, Reason: fmt.Sprintf("%s is over 50 MB, the most Telegram bots send: share a link instead", name)}
		}
		return 0, sendError(err, name)
	}
	return msg.MessageID, nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// writeForm writes the form of a file upload, of at most limit bytes.
func writeForm(mw *multipart.Writer, chat, field, name, typ string, r io.Reader, limit int64) error {
	if err := mw.WriteField("chat_id", chat); err != nil {
		return err
	}
	if typ == "" {
		typ = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, quoteEscaper.Replace(name)))
	h.Set("Content-Type", quoteEscaper.Replace(typ))
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	n, err := io.Copy(part, io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if n > limit {
		return ErrTooLarge
	}
	return mw.Close()
}

// sendError says what a refused send means to an agent.
func sendError(err error, what string) error {
	var e *apiError
	if !errors.As(err, &e) {
		return &channels.SendError{Reason: fmt.Sprintf("Telegram could not be reached to send %s (%v): it is tried again", what, err)}
	}
	switch {
	case e.code == http.StatusForbidden:
		return &channels.SendError{Permanent: true, Reason: fmt.Sprintf("Telegram refused %s (%s): the customer blocked the bot or left; they must start the bot again to get replies", what, e.description)}
	case e.code == http.StatusTooManyRequests:
		wait := max(e.retryAfter, 1)
		return &channels.SendError{Reason: fmt.Sprintf("Telegram limits the bot's sending rate: %s is tried again after %d s", what, wait),
			RetryAfter: time.Duration(wait) * time.Second}
	case e.code == http.StatusRequestEntityTooLarge:
		return &channels.SendError{Permanent: true, Reason: fmt.Sprintf("Telegram refused %s as too large: bots send photos of at most 10 MB and files of at most 50 MB", what)}
	case e.code == http.StatusUnauthorized || e.code == http.StatusNotFound:
		return &channels.SendError{Permanent: true, Reason: fmt.Sprintf("Telegram refused the bot token (%d %s): check the channel's bot_token with @BotFather", e.code, e.description)}
	case e.code == http.StatusBadRequest:
		return &channels.SendError{Permanent: true, Reason: fmt.Sprintf("Telegram refused %s: %s", what, e.description)}
	}
	return &channels.SendError{Reason: fmt.Sprintf("Telegram failed to send %s (%d %s): it is tried again", what, e.code, e.description)}
}

// Fetch downloads a customer's file: getFile, then the file's URL. The
// Bot API lets a bot download files of at most 20 MB.
func (a *adapter) Fetch(ctx context.Context, m channels.Media) (channels.Download, error) {
	if m.Ref == "" || len(m.Ref) > maxID {
		return channels.Download{}, fmt.Errorf("telegram: %q is not a Telegram file_id", m.Ref)
	}
	if m.Size > MaxDownload {
		return channels.Download{}, fmt.Errorf("%w: it has %d bytes and Telegram lets bots download at most 20 MB: ask the customer for a link", ErrTooLarge, m.Size)
	}
	body, _ := json.Marshal(map[string]string{"file_id": m.Ref})
	var f struct {
		FilePath string `json:"file_path"`
		FileSize int64  `json:"file_size"`
	}
	if err := a.call(ctx, "getFile", "application/json", bytes.NewReader(body), &f); err != nil {
		var e *apiError
		if errors.As(err, &e) && strings.Contains(strings.ToLower(e.description), "too big") {
			return channels.Download{}, fmt.Errorf("%w: Telegram lets bots download files of at most 20 MB (%s): ask the customer for a link", ErrTooLarge, e.description)
		}
		return channels.Download{}, err
	}
	if f.FileSize > MaxFetch {
		return channels.Download{}, fmt.Errorf("%w: it has %d bytes, over the %d the edge fetches", ErrTooLarge, f.FileSize, MaxFetch)
	}
	segs := strings.Split(f.FilePath, "/")
	for i, s := range segs {
		if s == "" || s == "." || s == ".." || len(f.FilePath) > 1024 {
			return channels.Download{}, fmt.Errorf("%w: getFile gave a file_path the edge does not follow", ErrAPI)
		}
		segs[i] = url.PathEscape(s)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/file/bot"+a.token+"/"+strings.Join(segs, "/"), nil)
	if err != nil {
		return channels.Download{}, a.redact("download", err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return channels.Download{}, a.redact("download", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return channels.Download{}, fmt.Errorf("%w: the download answered %s", ErrAPI, resp.Status)
	}
	if resp.ContentLength > MaxFetch {
		resp.Body.Close()
		return channels.Download{}, fmt.Errorf("%w: it has %d bytes, over the %d the edge fetches", ErrTooLarge, resp.ContentLength, MaxFetch)
	}
	d := channels.Download{Name: m.Name, Type: m.Type, Body: &bounded{rc: resp.Body, left: MaxFetch}}
	if d.Name == "" {
		d.Name = path.Base(f.FilePath)
	}
	if d.Type == "" {
		if t := resp.Header.Get("Content-Type"); t != "" && !strings.HasPrefix(t, "application/octet-stream") {
			d.Type = t
		} else {
			d.Type = mime.TypeByExtension(path.Ext(f.FilePath))
		}
	}
	return d, nil
}

// bounded reads at most left bytes and fails past them.
type bounded struct {
	rc   io.ReadCloser
	left int64
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("%w: it is over the %d bytes the edge fetches", ErrTooLarge, MaxFetch)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - int(-b.left), fmt.Errorf("%w: it is over the %d bytes the edge fetches", ErrTooLarge, MaxFetch)
	}
	return n, err
}

func (b *bounded) Close() error { return b.rc.Close() }
