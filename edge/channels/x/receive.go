package x

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// SignatureHeader is the header X signs each webhook delivery in.
const SignatureHeader = "X-Twitter-Webhooks-Signature"

// Sign is X's signature of msg under the app's consumer secret, as the
// CRC's response_token and the deliveries' signature header carry it:
// "sha256=" and the base64 of HMAC-SHA256(consumer secret, msg).
func Sign(consumerSecret, msg []byte) string {
	m := hmac.New(sha256.New, consumerSecret)
	m.Write(msg)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Receive answers X's CRC (a GET with crc_token) and reads a delivery (a
// POST whose signature header is checked before its body is parsed).
func (a *Adapter) Receive(ctx context.Context, r *channels.Request) (channels.Response, []channels.Inbound, error) {
	switch r.Method {
	case http.MethodGet:
		return a.crc(r)
	case http.MethodPost:
	default:
		return channels.Response{}, nil, channels.Refuse(http.StatusMethodNotAllowed, channels.RefuseMethod,
			"method %s: X calls the webhook with GET (CRC) and POST (events) only", r.Method)
	}
	got := r.Header.Get(SignatureHeader)
	if got == "" {
		return channels.Response{}, nil, channels.Refuse(http.StatusForbidden, channels.RefuseSignature,
			"no %s header", SignatureHeader)
	}
	if !hmac.Equal([]byte(got), []byte(Sign(a.consumerSecret, r.Body))) {
		return channels.Response{}, nil, channels.Refuse(http.StatusForbidden, channels.RefuseSignature,
			"the %s header is not the body's HMAC-SHA256 under the consumer secret: check consumer_secret", SignatureHeader)
	}
	in, err := a.parse(r)
	if err != nil {
		return channels.Response{}, nil, err
	}
	return channels.Response{Status: http.StatusOK}, in, nil
}

// crc answers X's challenge-response check.
func (a *Adapter) crc(r *channels.Request) (channels.Response, []channels.Inbound, error) {
	tok := r.Query.Get("crc_token")
	if tok == "" {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed,
			"a GET without crc_token: X's CRC always carries one")
	}
	if len(tok) > maxCRC {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed,
			"a crc_token of %d bytes: X's are short", len(tok))
	}
	body, err := json.Marshal(struct {
		ResponseToken string `json:"response_token"`
	}{Sign(a.consumerSecret, []byte(tok))})
	if err != nil {
		return channels.Response{}, nil, err
	}
	return channels.Response{Status: http.StatusOK, ContentType: "application/json", Body: body}, nil, nil
}

// activity is the part of an Account Activity delivery the adapter reads;
// the other event arrays (tweet_create_events, favorite_events, typing
// indicators, …) are ignored.
type activity struct {
	ForUserID *string           `json:"for_user_id"`
	DMs       []dmEvent         `json:"direct_message_events"`
	Reads     []readEvent       `json:"direct_message_mark_read_events"`
	Users     map[string]dmUser `json:"users"`
}

type dmEvent struct {
	Type          string `json:"type"`
	ID            string `json:"id"`
	Created       string `json:"created_timestamp"`
	MessageCreate *struct {
		Target struct {
			RecipientID string `json:"recipient_id"`
		} `json:"target"`
		SenderID    string `json:"sender_id"`
		MessageData struct {
			Text     string `json:"text"`
			Entities struct {
				URLs []urlEntity `json:"urls"`
			} `json:"entities"`
			Attachment *struct {
				Type  string  `json:"type"`
				Media *dmPart `json:"media"`
			} `json:"attachment"`
		} `json:"message_data"`
	} `json:"message_create"`
}

type urlEntity struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
}

type dmPart struct {
	IDStr         string `json:"id_str"`
	URL           string `json:"url"` // the t.co link the text ends with
	MediaURLHTTPS string `json:"media_url_https"`
	Type          string `json:"type"` // photo, video, animated_gif
	VideoInfo     *struct {
		Variants []struct {
			Bitrate     int    `json:"bitrate"`
			ContentType string `json:"content_type"`
			URL         string `json:"url"`
		} `json:"variants"`
	} `json:"video_info"`
}

type readEvent struct {
	Created  string `json:"created_timestamp"`
	SenderID string `json:"sender_id"`
	LastRead string `json:"last_read_event_id"`
}

type dmUser struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
	Avatar     string `json:"profile_image_url_https"`
}

func malformed(format string, args ...any) error {
	return channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, format, args...)
}

// parse reads a verified delivery.
func (a *Adapter) parse(r *channels.Request) ([]channels.Inbound, error) {
	var p activity
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return nil, malformed("not X's Account Activity JSON: %v", err)
	}
	if p.ForUserID == nil {
		return nil, malformed("no for_user_id: every Account Activity delivery names its account")
	}
	if !hmac.Equal([]byte(*p.ForUserID), []byte(a.userID)) {
		return nil, channels.Refuse(http.StatusForbidden, channels.RefuseAppID,
			"events for another account than user_id: check the webhook's subscriptions")
	}
	var out []channels.Inbound
	for i := range p.DMs {
		in, ok, err := a.message(r, &p.DMs[i], p.Users)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, in)
		}
	}
	for _, e := range p.Reads {
		if e.SenderID == a.userID || e.LastRead == "" {
			continue // the business read a customer's message
		}
		if err := checkID("sender_id", e.SenderID); err != nil {
			return nil, err
		}
		if err := checkID("last_read_event_id", e.LastRead); err != nil {
			return nil, err
		}
		at, err := stamp(e.Created, r.Now)
		if err != nil {
			return nil, err
		}
		out = append(out, channels.Inbound{
			ID:     "read:" + e.LastRead,
			From:   e.SenderID,
			Status: &channels.Status{MessageID: e.LastRead, State: channels.StateRead},
			At:     at,
		})
	}
	return out, nil
}

// message reads one direct message event: ok is false for what is not a
// customer's message (other types, the account's own sends).
func (a *Adapter) message(r *channels.Request, e *dmEvent, users map[string]dmUser) (channels.Inbound, bool, error) {
	if e.Type != "message_create" || e.MessageCreate == nil {
		return channels.Inbound{}, false, nil
	}
	mc := e.MessageCreate
	if err := checkID("id", e.ID); err != nil {
		return channels.Inbound{}, false, err
	}
	if err := checkID("sender_id", mc.SenderID); err != nil {
		return channels.Inbound{}, false, err
	}
	if mc.SenderID == a.userID {
		return channels.Inbound{}, false, nil // our own send, echoed
	}
	if rc := mc.Target.RecipientID; rc != "" && rc != a.userID {
		return channels.Inbound{}, false, nil // not to this account
	}
	at, err := stamp(e.Created, r.Now)
	if err != nil {
		return channels.Inbound{}, false, err
	}
	md := &mc.MessageData
	if len(md.Text) > maxText {
		return channels.Inbound{}, false, malformed("a message text of %d bytes, over %d", len(md.Text), maxText)
	}
	in := channels.Inbound{ID: e.ID, From: mc.SenderID, At: at}
	strip := ""
	if att := md.Attachment; att != nil {
		if att.Type != "media" || att.Media == nil {
			t := att.Type
			if t == "" {
				t = "attachment"
			}
			in.Text = unsupported(t)
		} else {
			m, known, err := media(att.Media)
			if err != nil {
				return channels.Inbound{}, false, err
			}
			if known {
				in.Media = []channels.Media{m}
			} else {
				in.Text = unsupported(att.Media.Type)
			}
			strip = att.Media.URL
		}
	}
	text, err := expand(md.Text, md.Entities.URLs, strip)
	if err != nil {
		return channels.Inbound{}, false, err
	}
	switch {
	case in.Text == "":
		in.Text = text
	case text != "":
		in.Text = text + "\n" + in.Text
	}
	if len(in.Text) > maxText {
		return channels.Inbound{}, false, malformed("a message text of %d bytes once its links are expanded, over %d", len(in.Text), maxText)
	}
	if u, ok := users[mc.SenderID]; ok {
		pr, err := profile(u)
		if err != nil {
			return channels.Inbound{}, false, err
		}
		in.Profile = pr
	}
	return in, true, nil
}

func unsupported(t string) string {
	if len(t) > 32 || !utf8.ValidString(t) {
		t = "media"
	}
	return "[unsupported " + t + " message]"
}

// expand replaces the text's t.co links with the links they stand for,
// and drops the link of an attached media (strip).
func expand(text string, urls []urlEntity, strip string) (string, error) {
	if len(urls) > maxURLs {
		return "", malformed("%d url entities in one message", len(urls))
	}
	var pairs []string
	if strip != "" {
		pairs = append(pairs, strip, "")
	}
	for _, u := range urls {
		if u.URL == "" || u.URL == strip || u.ExpandedURL == "" {
			continue
		}
		if len(u.ExpandedURL) > maxURL {
			return "", malformed("an expanded url of %d bytes", len(u.ExpandedURL))
		}
		pairs = append(pairs, u.URL, u.ExpandedURL)
	}
	if len(pairs) > 0 {
		// Written into a bounded buffer: short links expanding to long
		// ones must not grow a text past the bound on the way.
		var b capped
		if _, err := strings.NewReplacer(pairs...).WriteString(&b, text); err != nil {
			return "", malformed("a message text over %d bytes once its links are expanded", maxText)
		}
		text = b.String()
	}
	if strip != "" {
		text = strings.TrimSpace(text)
	}
	return text, nil
}

// media reads an attached media: known is false for a type the adapter
// does not map.
func media(p *dmPart) (channels.Media, bool, error) {
	m := channels.Media{Ref: p.MediaURLHTTPS}
	switch p.Type {
	case "photo":
		m.Kind = "image"
		switch strings.ToLower(path.Ext(p.MediaURLHTTPS)) {
		case ".jpg", ".jpeg":
			m.Type = "image/jpeg"
		case ".png":
			m.Type = "image/png"
		case ".gif":
			m.Type = "image/gif"
		case ".webp":
			m.Type = "image/webp"
		}
	case "video", "animated_gif":
		// The media_url_https of a video is its poster; the video is the
		// best MP4 variant.
		m.Kind = "video"
		best := -1
		if p.VideoInfo != nil {
			for _, v := range p.VideoInfo.Variants {
				if v.ContentType == "video/mp4" && v.URL != "" && v.Bitrate > best {
					best, m.Ref, m.Type = v.Bitrate, v.URL, "video/mp4"
				}
			}
		}
	default:
		return channels.Media{}, false, nil
	}
	if p.IDStr != "" {
		if err := checkID("media id_str", p.IDStr); err != nil {
			return channels.Media{}, false, err
		}
	}
	if m.Ref == "" || len(m.Ref) > maxURL || !strings.HasPrefix(m.Ref, "https://") && !strings.HasPrefix(m.Ref, "http://") {
		return channels.Media{}, false, malformed("a %s without a usable media_url_https", p.Type)
	}
	m.Name = path.Base(strings.SplitN(m.Ref, "?", 2)[0])
	if len(m.Name) > maxName || !utf8.ValidString(m.Name) {
		m.Name = ""
	}
	return m, true, nil
}

// profile reads the users map's entry of the sender.
func profile(u dmUser) (channels.Profile, error) {
	if len(u.Name) > maxName || len(u.ScreenName) > maxName {
		return channels.Profile{}, malformed("a user name over %d bytes", maxName)
	}
	if len(u.Avatar) > maxURL {
		return channels.Profile{}, malformed("a profile image url over %d bytes", maxURL)
	}
	p := channels.Profile{Name: u.Name}
	if screenName(u.ScreenName) {
		p.Handle = "@" + u.ScreenName
		p.URL = "https://x.com/" + u.ScreenName
	}
	if strings.HasPrefix(u.Avatar, "https://") {
		p.Avatar = u.Avatar
	}
	return p, nil
}

// screenName says whether s is an X screen name: letters, digits and
// underscores.
func screenName(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func checkID(what, id string) error {
	if id == "" {
		return malformed("a direct message event without %s", what)
	}
	if len(id) > maxID || !numeric(id) {
		return malformed("%s is not an X id (digits, at most %d)", what, maxID)
	}
	return nil
}

// stamp reads a created_timestamp (milliseconds since the epoch, as a
// string); none is now.
func stamp(ms string, now time.Time) (time.Time, error) {
	if ms == "" {
		return now, nil
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n < 0 || n > 1<<53 {
		return time.Time{}, malformed("created_timestamp %.32q is not milliseconds since the epoch", ms)
	}
	return time.UnixMilli(n).UTC(), nil
}

// capped is a buffer that refuses to grow past maxText.
type capped struct{ strings.Builder }

var errCapped = errors.New("x: text over its bound")

func (c *capped) Write(p []byte) (int, error) {
	if c.Len()+len(p) > maxText {
		return 0, errCapped
	}
	return c.Builder.Write(p)
}

func (c *capped) WriteString(s string) (int, error) {
	if c.Len()+len(s) > maxText {
		return 0, errCapped
	}
	return c.Builder.WriteString(s)
}
