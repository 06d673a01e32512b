package whatsapp

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
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Media size limits of the Cloud API's supported media types
// (developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
const (
	maxImage    = 5 << 20
	maxAudio    = 16 << 20
	maxVideo    = 16 << 20
	maxDocument = 100 << 20
)

// graphError is the Graph API's error answer.
type graphError struct {
	Error *struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		ErrorData    struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// Send sends m to the customer m.To: its template (instead of the text)
// or its text, then each file as a message of its own. A refusal is a
// *channels.SendError; the ids of what went before it are returned with
// it.
func (a *Adapter) Send(ctx context.Context, m channels.Outbound) (channels.Sent, error) {
	var sent channels.Sent
	if m.To == "" || len(m.To) > maxID {
		return sent, &channels.SendError{Permanent: true, Reason: "the customer's WhatsApp id (wa_id) is empty or too long"}
	}
	if m.Template == nil && m.Text == "" && len(m.Files) == 0 {
		return sent, &channels.SendError{Permanent: true, Reason: "the reply has no text, no file and no template"}
	}
	msg := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": m.To}
	switch {
	case m.Template != nil:
		t := m.Template
		if t.Name == "" || t.Language == "" {
			return sent, &channels.SendError{Permanent: true, Reason: "a WhatsApp template needs its name and its language code (en_US)"}
		}
		tpl := map[string]any{"name": t.Name, "language": map[string]string{"code": t.Language}}
		if len(t.Params) > 0 {
			params := make([]map[string]string, len(t.Params))
			for i, p := range t.Params {
				params[i] = map[string]string{"type": "text", "text": p}
			}
			tpl["components"] = []map[string]any{{"type": "body", "parameters": params}}
		}
		msg["type"], msg["template"] = "template", tpl
	case m.Text != "":
		if n := utf8.RuneCountInString(m.Text); n > limits.MaxText {
			return sent, &channels.SendError{Permanent: true, Reason: fmt.Sprintf(
				"the text has %d characters and WhatsApp takes %d in one message: shorten or split it", n, limits.MaxText)}
		}
		msg["type"], msg["text"] = "text", map[string]any{"body": m.Text, "preview_url": false}
	default:
		msg = nil
	}
	if msg != nil {
		id, err := a.post(ctx, msg)
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, id)
	}
	for _, f := range m.Files {
		id, err := a.sendFile(ctx, m.To, f)
		if err != nil {
			return sent, err
		}
		sent.MessageIDs = append(sent.MessageIDs, id)
	}
	return sent, nil
}

// post posts msg to /messages and returns its wamid.
func (a *Adapter) post(ctx context.Context, msg map[string]any) (string, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return "", &channels.SendError{Permanent: true, Reason: "the message cannot be encoded: " + err.Error()}
	}
	req, err := a.authorized(ctx, http.MethodPost, a.endpoint(a.phoneID, "messages"), bytes.NewReader(body))
	if err != nil {
		return "", &channels.SendError{Permanent: true, Reason: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	var ans struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := a.call(req, &ans); err != nil {
		return "", err
	}
	if len(ans.Messages) == 0 || ans.Messages[0].ID == "" || len(ans.Messages[0].ID) > maxID {
		return "", &channels.SendError{Reason: "WhatsApp answered the send without a message id"}
	}
	return ans.Messages[0].ID, nil
}

// call does req and decodes the answer into v, or returns the
// *channels.SendError of the platform's refusal.
func (a *Adapter) call(req *http.Request, v any) error {
	res, err := a.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return &channels.SendError{Reason: "the send was cancelled: " + ctxErr.Error()}
		}
		return &channels.SendError{Reason: "WhatsApp's API could not be reached: " + err.Error()}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return &channels.SendError{Reason: "WhatsApp's answer was cut: " + err.Error()}
	}
	if res.StatusCode/100 != 2 {
		var g graphError
		_ = json.Unmarshal(b, &g)
		e := refusal(res.StatusCode, &g)
		a.log.WarnContext(req.Context(), "WhatsApp refused a call", "status", res.StatusCode, "permanent", e.Permanent, "reason", e.Reason)
		return e
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &channels.SendError{Reason: "WhatsApp's answer is not its JSON: " + errKind(err)}
	}
	return nil
}

// advice is what an agent is told of a refusal code they can act on.
func advice(code int) (string, bool) {
	switch code {
	case 131047:
		return "WhatsApp allows a free-form reply only within 24 hours of the customer's last message: send a template", true
	case 131026:
		return "WhatsApp could not deliver the message: the number is not on WhatsApp, its app is too old, or the customer blocked the business", true
	case 131051:
		return "WhatsApp does not take this type of message: send text or a supported file", true
	case 190:
		return "the access token was refused: renew it (a system user's token in Meta Business Settings) and update the channel's access_token", true
	}
	return "", false
}

// refusal classifies the Graph API's error answer: permanent when sending
// again cannot help.
func refusal(status int, g *graphError) *channels.SendError {
	if g.Error == nil {
		return &channels.SendError{
			Permanent: status/100 == 4 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout,
			Reason:    "WhatsApp's API answered HTTP " + strconv.Itoa(status),
		}
	}
	e := g.Error
	what := bounded(e.Message, 512)
	if e.ErrorData.Details != "" {
		what += ": " + bounded(e.ErrorData.Details, 1024)
	}
	if a, ok := advice(e.Code); ok {
		return &channels.SendError{Permanent: true, Reason: a}
	}
	switch e.Code {
	case 100:
		return &channels.SendError{Permanent: true, Reason: "WhatsApp refused a parameter of the message (code 100): " + what}
	case 4, 80007, 130429, 131048, 131056, 613:
		return &channels.SendError{Reason: "WhatsApp's rate limit was hit (code " + strconv.Itoa(e.Code) + "): the send will be tried again later"}
	case 1, 2, 131000, 131016:
		return &channels.SendError{Reason: "WhatsApp's service failed (code " + strconv.Itoa(e.Code) + "): " + what}
	}
	return &channels.SendError{
		Permanent: status/100 == 4 && status != http.StatusTooManyRequests,
		Reason:    "WhatsApp refused the message (code " + strconv.Itoa(e.Code) + "): " + what,
	}
}

// mediaType is the Cloud API message type of a file of MIME type t, and
// the limit of its upload (the media API checks a file against its
// type's): other types go as documents.
func mediaType(t string) (string, int64) {
	switch t {
	case "image/jpeg", "image/png":
		return "image", maxImage
	case "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg":
		return "audio", maxAudio
	case "video/mp4", "video/3gpp":
		return "video", maxVideo
	}
	return "document", maxDocument
}

// fileType is f's MIME type without parameters: its own, else its
// name's, else application/octet-stream.
func fileType(f channels.File) string {
	t := f.Type
	if t == "" {
		t = mime.TypeByExtension(strings.ToLower(path.Ext(f.Name)))
	}
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return "application/octet-stream"
}

// sendFile uploads f to /media and sends it to to.
func (a *Adapter) sendFile(ctx context.Context, to string, f channels.File) (string, error) {
	name := bounded(strings.NewReplacer("\r", "", "\n", "", `"`, "'").Replace(f.Name), 240)
	if name == "" {
		name = "file"
	}
	if f.Size > limits.MaxFile {
		return "", &channels.SendError{Permanent: true, Reason: fmt.Sprintf(
			"%s is %d MB and WhatsApp takes files up to 100 MB: share a link instead", name, f.Size>>20)}
	}
	if f.Open == nil {
		return "", &channels.SendError{Permanent: true, Reason: name + " cannot be opened"}
	}
	t := fileType(f)
	kind, limit := mediaType(t)
	if f.Size > limit {
		return "", tooLarge(name, t, limit)
	}
	id, err := a.upload(ctx, name, t, limit, f.Open)
	if err != nil {
		return "", err
	}
	obj := map[string]string{"id": id}
	if kind == "document" {
		obj["filename"] = name
	}
	return a.post(ctx, map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: obj})
}

// errTooLarge is a file that turned out larger than its type's limit.
var errTooLarge = errors.New("over the limit")

// upload streams a file to /media as multipart form data and returns the
// media id.
func (a *Adapter) upload(ctx context.Context, name, t string, limit int64, open func() (io.ReadCloser, error)) (string, error) {
	rc, err := open()
	if err != nil {
		return "", &channels.SendError{Reason: name + " could not be opened: " + err.Error()}
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan error, 1)
	go func() {
		defer rc.Close()
		err := func() error {
			if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
				return err
			}
			if err := mw.WriteField("type", t); err != nil {
				return err
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
			h.Set("Content-Type", t)
			part, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			n, err := io.Copy(part, io.LimitReader(rc, limit+1))
			if err != nil {
				return err
			}
			if n > limit {
				return errTooLarge
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
		done <- err
	}()
	req, err := a.authorized(ctx, http.MethodPost, a.endpoint(a.phoneID, "media"), pr)
	if err != nil {
		pr.Close()
		<-done
		return "", &channels.SendError{Permanent: true, Reason: err.Error()}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var ans struct {
		ID string `json:"id"`
	}
	err = a.call(req, &ans)
	pr.CloseWithError(errors.New("the upload ended"))
	switch werr := <-done; {
	case errors.Is(werr, errTooLarge):
		return "", tooLarge(name, t, limit)
	case err == nil && werr != nil:
		return "", &channels.SendError{Reason: name + " could not be read: " + werr.Error()}
	case err != nil:
		return "", err
	}
	if ans.ID == "" || len(ans.ID) > maxID {
		return "", &channels.SendError{Reason: "WhatsApp answered the upload without a media id"}
	}
	return ans.ID, nil
}

// tooLarge is the refusal of a file over its type's limit.
func tooLarge(name, t string, limit int64) *channels.SendError {
	return &channels.SendError{Permanent: true, Reason: fmt.Sprintf(
		"%s is over WhatsApp's %d MB limit for %s files: make it smaller or share a link", name, limit>>20, t)}
}
