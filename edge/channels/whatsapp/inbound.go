package whatsapp

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// payload is a webhook notification: Meta's "Webhooks Components"
// (developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).
type payload struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value value  `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type value struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts"`
	Messages []message   `json:"messages"`
	Statuses []statusObj `json:"statuses"`
	Errors   []errorObj  `json:"errors"`
}

type message struct {
	From      string   `json:"from"`
	ID        string   `json:"id"`
	Timestamp unixTime `json:"timestamp"`
	Type      string   `json:"type"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *mediaObj `json:"image"`
	Audio    *mediaObj `json:"audio"`
	Video    *mediaObj `json:"video"`
	Document *mediaObj `json:"document"`
	Sticker  *mediaObj `json:"sticker"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *reply `json:"button_reply"`
		ListReply   *reply `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Text    string `json:"text"`
		Payload string `json:"payload"`
	} `json:"button"`
	Reaction *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	System *struct {
		Body string `json:"body"`
		Type string `json:"type"`
	} `json:"system"`
}

type reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type mediaObj struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
}

type statusObj struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	Timestamp   unixTime   `json:"timestamp"`
	RecipientID string     `json:"recipient_id"`
	Errors      []errorObj `json:"errors"`
}

type errorObj struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// unixTime is a Unix time in seconds that Meta writes as a string
// ("1739321024") and, in some notifications, as a number; anything else
// is 0 (unknown), not a refusal: the time is informative.
type unixTime int64

func (t *unixTime) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		n = 0
	}
	*t = unixTime(n)
	return nil
}

func (t unixTime) or(now time.Time) time.Time {
	if t == 0 {
		return now
	}
	return time.Unix(int64(t), 0).UTC()
}

// message maps one customer's message; ok is false for what is not one
// (an echo of the business's own number).
func (a *Adapter) message(v *value, m *message, now time.Time) (channels.Inbound, bool, error) {
	if err := checkID("messages[].id", m.ID); err != nil {
		return channels.Inbound{}, false, err
	}
	if err := checkID("messages[].from", m.From); err != nil {
		return channels.Inbound{}, false, err
	}
	if v.Metadata.DisplayPhoneNumber != "" && m.From == v.Metadata.DisplayPhoneNumber {
		return channels.Inbound{}, false, nil
	}
	in := channels.Inbound{ID: m.ID, From: m.From, At: m.Timestamp.or(now)}
	for _, c := range v.Contacts {
		if c.WaID == m.From {
			in.Profile.Name = bounded(c.Profile.Name, maxName)
			break
		}
	}
	var text string
	switch m.Type {
	case "text":
		if m.Text != nil {
			text = m.Text.Body
		}
	case "image", "audio", "video", "document", "sticker":
		var o *mediaObj
		kind := m.Type
		switch m.Type {
		case "image":
			o = m.Image
		case "audio":
			o = m.Audio
			if o != nil && o.Voice {
				kind = "voice"
			}
		case "video":
			o = m.Video
		case "document":
			o, kind = m.Document, "file"
		case "sticker":
			o = m.Sticker
		}
		if o == nil {
			return channels.Inbound{}, false, malformed("the %s message has no %s object", m.Type, m.Type)
		}
		if err := checkID("the media id", o.ID); err != nil {
			return channels.Inbound{}, false, err
		}
		in.Media = []channels.Media{{Kind: kind, Ref: o.ID, Type: bounded(o.MimeType, maxName), Name: bounded(o.Filename, maxName)}}
		text = o.Caption
	case "location":
		if m.Location == nil {
			return channels.Inbound{}, false, malformed("the location message has no location object")
		}
		l := m.Location
		in.Location = strconv.FormatFloat(l.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
		if label := strings.TrimSpace(strings.TrimSpace(l.Name) + " " + strings.TrimSpace(l.Address)); label != "" {
			in.Location += " " + bounded(label, maxText-64)
		}
	case "interactive":
		switch {
		case m.Interactive != nil && m.Interactive.ButtonReply != nil:
			text = m.Interactive.ButtonReply.Title
		case m.Interactive != nil && m.Interactive.ListReply != nil:
			text = m.Interactive.ListReply.Title
		default:
			text = unsupported("interactive")
		}
	case "button":
		if m.Button != nil {
			text = m.Button.Text
		}
	case "reaction":
		// A reaction to a message: a note, its emoji the text ("" when
		// the customer took the reaction back).
		in.Event = "reaction"
		if m.Reaction != nil {
			text = m.Reaction.Emoji
		}
	case "system":
		in.Event = "system"
		if m.System != nil {
			in.Event = "system:" + typeName(m.System.Type)
			text = m.System.Body
		}
	case "request_welcome":
		in.Event = "request_welcome"
	default:
		text = unsupported(m.Type)
	}
	if len(text) > maxText {
		return channels.Inbound{}, false, malformed("the message's text is longer than %d bytes", maxText)
	}
	in.Text = strings.ToValidUTF8(text, "\uFFFD")
	return in, true, nil
}

// status maps a delivery status of a message the edge sent; "sent" (and
// any state the edge does not track) is ok false. Its ID is the wamid and
// the state: a wamid is delivered, then read.
func status(s *statusObj, now time.Time) (channels.Inbound, bool, error) {
	var state string
	switch s.Status {
	case "delivered":
		state = channels.StateDelivered
	case "read":
		state = channels.StateRead
	case "failed":
		state = channels.StateFailed
	default:
		return channels.Inbound{}, false, nil
	}
	if err := checkID("statuses[].id", s.ID); err != nil {
		return channels.Inbound{}, false, err
	}
	id := s.ID + ":" + state
	if len(id) > maxID {
		return channels.Inbound{}, false, malformed("statuses[].id is longer than %d bytes", maxID-len(":delivered"))
	}
	if len(s.RecipientID) > maxID {
		return channels.Inbound{}, false, malformed("statuses[].recipient_id is longer than %d bytes", maxID)
	}
	var detail []string
	for _, e := range s.Errors {
		detail = append(detail, errorDetail(e.Code, e.Title, e.ErrorData.Details))
	}
	return channels.Inbound{
		ID:     id,
		From:   s.RecipientID,
		Status: &channels.Status{MessageID: s.ID, State: state, Detail: bounded(strings.Join(detail, "; "), maxText)},
		At:     s.Timestamp.or(now),
	}, true, nil
}

// errorDetail is a failed status's error as an agent reads it.
func errorDetail(code int, title, details string) string {
	if a, ok := advice(code); ok {
		return a
	}
	s := "WhatsApp error " + strconv.Itoa(code) + ": " + bounded(title, 512)
	if details != "" && details != title {
		s += ": " + bounded(details, 1024)
	}
	return s
}

// checkID refuses an empty id, or one longer than maxID.
func checkID(what, id string) error {
	if id == "" || len(id) > maxID || !utf8.ValidString(id) {
		return malformed("%s is empty, not UTF-8 or longer than %d bytes", what, maxID)
	}
	return nil
}

func malformed(format string, args ...any) error {
	return channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, format, args...)
}

// unsupported is the text of a message of a type the edge does not read.
func unsupported(t string) string {
	if t == "unsupported" || t == "unknown" {
		return "[unsupported message]"
	}
	return "[unsupported " + typeName(t) + " message]"
}

// typeName is t when it looks like a type name, else "unknown".
func typeName(t string) string {
	if t == "" || len(t) > 32 {
		return "unknown"
	}
	for _, c := range t {
		if (c < 'a' || c > 'z') && c != '_' {
			return "unknown"
		}
	}
	return t
}

// bounded is s valid UTF-8, cut to at most n bytes at a rune's start.
func bounded(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
