package telegram

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// The Bot API's Update, as far as the edge reads it.
type tgUpdate struct {
	UpdateID      int64           `json:"update_id"`
	Message       json.RawMessage `json:"message"`
	EditedMessage json.RawMessage `json:"edited_message"`
	MyChatMember  *tgMember       `json:"my_chat_member"`
}

type tgUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type tgChat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

// tgFile is any of PhotoSize, Voice, Audio, Video, VideoNote, Document
// and Sticker: the fields the edge reads.
type tgFile struct {
	FileID     string `json:"file_id"`
	FileName   string `json:"file_name"`
	MimeType   string `json:"mime_type"`
	FileSize   int64  `json:"file_size"`
	Width      int64  `json:"width"`
	Height     int64  `json:"height"`
	IsAnimated bool   `json:"is_animated"`
	IsVideo    bool   `json:"is_video"`
}

type tgLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type tgMessage struct {
	MessageID int64       `json:"message_id"`
	From      *tgUser     `json:"from"`
	Chat      tgChat      `json:"chat"`
	Date      int64       `json:"date"`
	EditDate  int64       `json:"edit_date"`
	Text      string      `json:"text"`
	Caption   string      `json:"caption"`
	Photo     []tgFile    `json:"photo"`
	Voice     *tgFile     `json:"voice"`
	Audio     *tgFile     `json:"audio"`
	Video     *tgFile     `json:"video"`
	VideoNote *tgFile     `json:"video_note"`
	Document  *tgFile     `json:"document"`
	Sticker   *tgFile     `json:"sticker"`
	Location  *tgLocation `json:"location"`
	Venue     *struct {
		Location tgLocation `json:"location"`
		Title    string     `json:"title"`
		Address  string     `json:"address"`
	} `json:"venue"`
}

// tgMember is a ChatMemberUpdated: in a private chat, the customer
// blocked (kicked) or restarted (member) the bot.
type tgMember struct {
	Chat          tgChat `json:"chat"`
	From          tgUser `json:"from"`
	Date          int64  `json:"date"`
	NewChatMember struct {
		Status string `json:"status"`
	} `json:"new_chat_member"`
}

// metaKeys are a Message's fields that are not its content: what is left
// of an unrecognized message names its type.
var metaKeys = []string{
	"author_signature", "business_connection_id", "caption_entities", "chat",
	"date", "direct_messages_topic", "edit_date", "effect_id", "entities",
	"external_reply", "forward_origin", "from", "has_media_spoiler",
	"has_protected_content", "is_automatic_forward", "is_from_offline",
	"is_paid_post", "is_topic_message", "link_preview_options",
	"media_group_id", "message_id", "message_thread_id", "paid_star_count",
	"quote", "reply_markup", "reply_to_checklist_task_id", "reply_to_message",
	"reply_to_story", "sender_boost_count", "sender_business_bot",
	"sender_chat", "sender_tag", "show_caption_above_media",
	"suggested_post_info", "via_bot",
}

// quietKeys are service messages of a private chat that say nothing to an
// agent: no Inbound.
var quietKeys = []string{
	"chat_background_set", "message_auto_delete_timer_changed",
	"pinned_message", "write_access_allowed",
}

// Receive verifies the secret token, then reads the Update: a customer's
// message or edit in a private chat, or their blocking or restarting the
// bot. Everything else is answered 200 with no Inbound.
func (a *adapter) Receive(ctx context.Context, r *channels.Request) (channels.Response, []channels.Inbound, error) {
	if r.Method != http.MethodPost {
		return channels.Response{}, nil, channels.Refuse(http.StatusMethodNotAllowed, channels.RefuseMethod,
			"method %s: Telegram POSTs updates", r.Method)
	}
	got := r.Header.Values(SecretHeader)
	if len(got) != 1 || !a.secretOK(got[0]) {
		return channels.Response{}, nil, channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature,
			"the %s header is missing or is not the channel's secret_token", SecretHeader)
	}
	if int64(len(r.Body)) > Kind().Limits.MaxBody {
		return channels.Response{}, nil, channels.Refuse(http.StatusRequestEntityTooLarge, channels.RefuseTooLarge,
			"the body has %d bytes, over %d", len(r.Body), Kind().Limits.MaxBody)
	}
	if channels.JSONTooDeep(r.Body, maxDepth) {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed,
			"the JSON nests deeper than %d", maxDepth)
	}
	var u tgUpdate
	if err := json.Unmarshal(r.Body, &u); err != nil {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed,
			"the body is not a Telegram Update: %v", err)
	}
	var (
		in  *channels.Inbound
		err error
	)
	switch {
	case u.Message != nil && string(u.Message) != "null":
		in, err = a.message(u.Message, false)
	case u.EditedMessage != nil && string(u.EditedMessage) != "null":
		in, err = a.message(u.EditedMessage, true)
	case u.MyChatMember != nil:
		in = member(u.MyChatMember)
	}
	if err != nil {
		return channels.Response{}, nil, err
	}
	if in == nil {
		a.log.DebugContext(ctx, "update not for the edge", "update_id", u.UpdateID)
		return channels.Response{}, nil, nil
	}
	return channels.Response{}, []channels.Inbound{*in}, nil
}

// secretOK compares in constant time, of the length too.
func (a *adapter) secretOK(got string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(a.secret))
	return hmac.Equal(g[:], w[:])
}

func malformed(format string, args ...any) error {
	return channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, format, args...)
}

// private says whether m is in a private chat with a person. The webhook
// guide's example updates predate chat.type: a chat without one whose id
// is the sender's is private (a private chat's id is the user's).
func private(m *tgMessage) bool {
	if m.From == nil || m.From.IsBot || m.From.ID == 0 {
		return false
	}
	return m.Chat.Type == "private" || (m.Chat.Type == "" && m.Chat.ID == m.From.ID)
}

// message reads a Message or an edit of one.
func (a *adapter) message(raw json.RawMessage, edited bool) (*channels.Inbound, error) {
	var m tgMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, malformed("the message is not a Telegram Message: %v", err)
	}
	if !private(&m) {
		return nil, nil
	}
	if m.MessageID <= 0 {
		return nil, malformed("the message has no message_id")
	}
	chat := strconv.FormatInt(m.Chat.ID, 10)
	in := &channels.Inbound{
		ID:      chat + ":" + strconv.FormatInt(m.MessageID, 10),
		From:    strconv.FormatInt(m.From.ID, 10),
		Chat:    chat,
		Profile: a.profile(m.From),
		At:      time.Unix(m.Date, 0).UTC(),
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	if len(text) > maxText {
		return nil, malformed("the text has %d bytes, over %d", len(text), maxText)
	}
	in.Text = text
	if err := a.media(&m, in); err != nil {
		return nil, err
	}
	if in.Text == "" && len(in.Media) == 0 && in.Location == "" {
		kind, quiet := kindOf(raw)
		if quiet {
			return nil, nil
		}
		in.Text = "[unsupported " + kind + " message]"
	}
	if edited {
		if m.Text == "" && m.Caption == "" && len(in.Media) == 0 && in.Location != "" {
			return nil, nil // a live location's update: not a message
		}
		in.ID += ":e" + strconv.FormatInt(m.EditDate, 10)
		in.Text = strings.TrimSpace("(edited) " + in.Text)
		if m.EditDate > 0 {
			in.At = time.Unix(m.EditDate, 0).UTC()
		}
	}
	return in, nil
}

// media reads m's files and place into in.
func (a *adapter) media(m *tgMessage, in *channels.Inbound) error {
	add := func(kind string, f *tgFile, typ string) error {
		if f == nil || f.FileID == "" {
			return nil
		}
		if len(f.FileID) > maxID {
			return malformed("a file_id has %d bytes, over %d", len(f.FileID), maxID)
		}
		if f.MimeType != "" {
			typ = f.MimeType
		}
		in.Media = append(in.Media, channels.Media{
			Kind: kind, Ref: f.FileID, Type: a.bound("mime_type", typ),
			Name: a.bound("file_name", f.FileName), Size: max(f.FileSize, 0),
		})
		return nil
	}
	if len(m.Photo) > 0 {
		best := slices.MaxFunc(m.Photo, func(x, y tgFile) int {
			if c := cmpInt(x.Width*x.Height, y.Width*y.Height); c != 0 {
				return c
			}
			return cmpInt(x.FileSize, y.FileSize)
		})
		if err := add("image", &best, "image/jpeg"); err != nil {
			return err
		}
	}
	sticker := "image/webp"
	if m.Sticker != nil && m.Sticker.IsAnimated {
		sticker = "application/x-tgsticker"
	} else if m.Sticker != nil && m.Sticker.IsVideo {
		sticker = "video/webm"
	}
	for _, f := range []struct {
		kind string
		file *tgFile
		typ  string
	}{
		{"voice", m.Voice, "audio/ogg"}, {"audio", m.Audio, ""}, {"video", m.Video, ""},
		{"video", m.VideoNote, "video/mp4"}, {"file", m.Document, ""}, {"sticker", m.Sticker, sticker},
	} {
		if err := add(f.kind, f.file, f.typ); err != nil {
			return err
		}
	}
	switch {
	case m.Venue != nil:
		l := m.Venue.Location
		label := strings.TrimSpace(m.Venue.Title + ", " + m.Venue.Address)
		in.Location = a.bound("venue", strings.Trim(latLong(l)+" "+label, " ,"))
	case m.Location != nil:
		in.Location = latLong(*m.Location)
	}
	return nil
}

func latLong(l tgLocation) string {
	return strconv.FormatFloat(l.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// profile is what Telegram says of u.
func (a *adapter) profile(u *tgUser) channels.Profile {
	p := channels.Profile{
		Name:     a.bound("name", strings.TrimSpace(u.FirstName+" "+u.LastName)),
		Language: a.bound("language_code", u.LanguageCode),
	}
	if name := a.bound("username", u.Username); name != "" && validUsername(name) {
		p.Handle = "@" + name
		p.URL = "https://t.me/" + name
	}
	return p
}

// validUsername: Telegram's usernames are 4-32 of a-z, 0-9 and _ (older
// ones 5+; collectible ones may be shorter): anything else is not put in
// a URL.
func validUsername(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// bound cuts a name to maxName bytes on a rune boundary, saying so: the
// Bot API's names are far shorter, so a longer one is logged.
func (a *adapter) bound(field, s string) string {
	if len(s) <= maxName {
		return s
	}
	a.log.Warn("name cut to its bound", "field", field, "bytes", len(s), "bound", maxName)
	s = s[:maxName]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// member reads a private chat's my_chat_member: blocked or restarted.
func member(m *tgMember) *channels.Inbound {
	if m.Chat.Type != "private" || m.From.ID == 0 || m.From.IsBot {
		return nil
	}
	var event string
	switch m.NewChatMember.Status {
	case "kicked":
		event = "unsubscribe"
	case "member":
		event = "subscribe"
	default:
		return nil
	}
	chat := strconv.FormatInt(m.Chat.ID, 10)
	return &channels.Inbound{
		ID:    chat + ":member:" + strconv.FormatInt(m.Date, 10) + ":" + m.NewChatMember.Status,
		From:  strconv.FormatInt(m.From.ID, 10),
		Chat:  chat,
		Event: event,
		At:    time.Unix(m.Date, 0).UTC(),
	}
}

// kindOf names an unrecognized message's type (its first field that is
// not metadata) and says whether it is a quiet service message.
func kindOf(raw json.RawMessage) (kind string, quiet bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return "unknown", false
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if !slices.Contains(metaKeys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(quietKeys, k) {
			return k, true
		}
	}
	if len(keys) == 0 || len(keys[0]) > 40 || strings.Trim(keys[0], "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "unknown", false
	}
	return keys[0], false
}
