package wechat

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// message is the XML WeChat posts (接收普通消息, 接收事件推送): a
// plaintext message, the envelope of an encrypted one (ToUserName and
// Encrypt), or both at once in compatible mode.
type message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	PicURL       string `xml:"PicUrl"`
	MediaID      string `xml:"MediaId"`
	Format       string
	Recognition  string
	ThumbMediaID string `xml:"ThumbMediaId"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string
	Label        string
	Title        string
	Description  string
	URL          string `xml:"Url"`
	Event        string
	EventKey     string
	MsgID        string `xml:"MsgId"`
	Encrypt      string
}

// success is the answer to a message with no passive reply: WeChat then
// neither retries nor tells the customer that the account failed.
var success = channels.Response{ContentType: "text/plain; charset=utf-8", Body: []byte("success")}

// Receive verifies a request as WeChat's (the signature over the token,
// timestamp and nonce; in compatible and safe mode the msg_signature over
// the ciphertext too, and the ciphertext's appid) before it reads what
// the body says, answers the URL verification with its echostr, and
// reads a message or event.
func (a *Adapter) Receive(ctx context.Context, r *channels.Request) (channels.Response, []channels.Inbound, error) {
	switch r.Method {
	case http.MethodGet:
		if err := a.verify(r); err != nil {
			return channels.Response{}, nil, err
		}
		echo := r.Query.Get("echostr")
		if echo == "" || len(echo) > maxID {
			return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "a GET without an echostr of 1 to %d bytes: WeChat verifies the URL with one", maxID)
		}
		return channels.Response{ContentType: "text/plain; charset=utf-8", Body: []byte(echo)}, nil, nil
	case http.MethodPost:
		m, _, err := a.open(r)
		if err != nil {
			return channels.Response{}, nil, err
		}
		in, err := a.inbound(m, a.when(r))
		if err != nil {
			return channels.Response{}, nil, err
		}
		return success, in, nil
	default:
		return channels.Response{}, nil, channels.Refuse(http.StatusMethodNotAllowed, channels.RefuseMethod, "WeChat calls with GET (URL verification) and POST (messages), not %.16q", r.Method)
	}
}

// when is the request's arrival.
func (a *Adapter) when(r *channels.Request) time.Time {
	if r.Now.IsZero() {
		return a.now()
	}
	return r.Now
}

// verify checks the signature over the token, timestamp and nonce that
// every request of WeChat's carries, and the timestamp.
func (a *Adapter) verify(r *channels.Request) error {
	sig, ts, nonce := r.Query.Get("signature"), r.Query.Get("timestamp"), r.Query.Get("nonce")
	if sig == "" || len(sig) > 64 || len(ts) > 32 || len(nonce) > maxID {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "no signature, or an oversized signature, timestamp or nonce")
	}
	want := wxcrypt.Signature(a.token, ts, nonce)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) != 1 {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "the signature is not the token's: check the channel's token against the account's server configuration")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseTimestamp, "the timestamp is not a number of seconds")
	}
	if d := a.when(r).Sub(time.Unix(sec, 0)); d > channels.Window || d < -channels.Window {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseTimestamp, "the timestamp is %s from the edge's clock, more than %s", d.Round(time.Second), channels.Window)
	}
	return nil
}

// open verifies a POST and returns its message, decrypted where it was
// encrypted (then encrypted is true).
func (a *Adapter) open(r *channels.Request) (m *message, encrypted bool, err error) {
	if r.Method != http.MethodPost {
		return nil, false, channels.Refuse(http.StatusMethodNotAllowed, channels.RefuseMethod, "a message comes in a POST")
	}
	if err := a.verify(r); err != nil {
		return nil, false, err
	}
	switch et := r.Query.Get("encrypt_type"); et {
	case "", "raw":
		if a.mode == ModeSafe {
			return nil, false, channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "a plaintext message to an account in safe mode (refused: no downgrade); set mode to compatible or plain if the account's configuration changed")
		}
		m, err := decodeMessage(r.Body)
		if err != nil {
			return nil, false, err
		}
		return m, false, a.checkAccount(m)
	case "aes":
		if a.crypt == nil {
			return nil, false, channels.Refuse(http.StatusBadRequest, channels.RefuseDecrypt, "an encrypted message, and the channel has no encoding_aes_key: set it to the account's EncodingAESKey")
		}
		msgSig := r.Query.Get("msg_signature")
		if msgSig == "" || len(msgSig) > 64 {
			return nil, false, channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "an encrypted message without a msg_signature")
		}
		env, err := decodeMessage(r.Body)
		if err != nil {
			return nil, false, err
		}
		if env.Encrypt == "" {
			return nil, false, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "encrypt_type=aes and no <Encrypt> in the body")
		}
		if !a.crypt.Verify(msgSig, r.Query.Get("timestamp"), r.Query.Get("nonce"), env.Encrypt) {
			return nil, false, channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "the msg_signature is not the ciphertext's: check the channel's token")
		}
		plain, err := a.crypt.Decrypt(env.Encrypt)
		switch {
		case errors.Is(err, wxcrypt.ErrAppID):
			return nil, false, channels.Refuse(http.StatusUnauthorized, channels.RefuseAppID, "the ciphertext is for another appid: check the channel's appid")
		case err != nil:
			return nil, false, channels.Refuse(http.StatusBadRequest, channels.RefuseDecrypt, "the ciphertext does not open: %v (check the channel's encoding_aes_key)", err)
		}
		m, err := decodeMessage(plain)
		if err != nil {
			return nil, false, err
		}
		return m, true, a.checkAccount(m)
	default:
		return nil, false, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "encrypt_type %.16q is not WeChat's (aes, or none)", et)
	}
}

// checkAccount refuses a message to another account than the channel's.
func (a *Adapter) checkAccount(m *message) error {
	if a.account != "" && subtle.ConstantTimeCompare([]byte(m.ToUserName), []byte(a.account)) != 1 {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseAppID, "the message is to another account than the channel's: check the channel's account (gh_ id)")
	}
	return nil
}

// decodeMessage reads WeChat's XML strictly: one <xml> root, no DOCTYPE
// (so no entity is declared, let alone expanded or fetched), UTF-8.
func decodeMessage(b []byte) (*message, error) {
	m := new(message)
	if err := decodeXML(b, m); err != nil {
		return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the body is not WeChat's XML: %v", err)
	}
	return m, nil
}

func decodeXML(b []byte, v any) error {
	if err := channels.CheckXML(b); err != nil {
		return err
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !root {
				return errors.New("no <xml> element")
			}
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("a DOCTYPE or another directive, refused")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		case xml.StartElement:
			if root {
				return errors.New("a second root element")
			}
			if t.Name.Local != "xml" {
				return errors.New("the root element is not <xml>")
			}
			if err := d.DecodeElement(v, &t); err != nil {
				return xmlError(err)
			}
			root = true
		}
	}
}

// xmlError says where the XML is wrong without quoting the body.
func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("XML syntax error on line %d", se.Line)
	}
	var ue *strconv.NumError
	if errors.As(err, &ue) {
		return errors.New("a number field (CreateTime) is not a number")
	}
	return errors.New("XML that does not decode")
}

// inbound reads a verified message.
func (a *Adapter) inbound(m *message, now time.Time) ([]channels.Inbound, error) {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"FromUserName", m.FromUserName, maxID}, {"ToUserName", m.ToUserName, maxID},
		{"MsgId", m.MsgID, maxID}, {"MediaId", m.MediaID, maxID}, {"MsgType", m.MsgType, maxName},
		{"Event", m.Event, maxName}, {"Format", m.Format, maxName},
		{"Location_X", m.LocationX, maxName}, {"Location_Y", m.LocationY, maxName},
		{"Content", m.Content, maxText}, {"Recognition", m.Recognition, maxText}, {"Label", m.Label, maxText},
		{"Title", m.Title, maxText}, {"Description", m.Description, maxText}, {"Url", m.URL, maxText},
	} {
		if len(f.v) > f.max {
			return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "%s has %d bytes, at most %d", f.name, len(f.v), f.max)
		}
	}
	if m.FromUserName == "" {
		return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "no FromUserName (the customer's openid)")
	}
	if m.MsgType == "" {
		return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "no MsgType")
	}
	at := now
	if m.CreateTime > 0 && m.CreateTime < 1<<40 {
		at = time.Unix(m.CreateTime, 0)
	}
	in := channels.Inbound{ID: m.MsgID, From: m.FromUserName, Profile: profile(m.FromUserName), At: at}
	if m.MsgType == "event" {
		ev := strings.ToLower(m.Event)
		if ev != "subscribe" && ev != "unsubscribe" {
			return nil, nil // menu clicks, scans, locations: not the conversation's
		}
		// WeChat's dedupe key of an event: FromUserName + CreateTime.
		in.ID = m.FromUserName + "-" + strconv.FormatInt(m.CreateTime, 10) + "-" + m.Event
		if len(in.ID) > maxID {
			return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "an event whose id (FromUserName-CreateTime-Event) is over %d bytes", maxID)
		}
		in.Event = ev
		return []channels.Inbound{in}, nil
	}
	if m.MsgID == "" {
		return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "a %.32q message without MsgId", m.MsgType)
	}
	needMedia := func(kind, typ string) error {
		if m.MediaID == "" {
			return channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "a %s message without MediaId", kind)
		}
		in.Media = []channels.Media{{Kind: kind, Ref: m.MediaID, Type: typ}}
		return nil
	}
	var err error
	switch m.MsgType {
	case "text":
		in.Text = m.Content
	case "image":
		err = needMedia("image", "")
	case "voice":
		err = needMedia("voice", voiceType(m.Format))
		in.Text = m.Recognition
	case "video", "shortvideo":
		err = needMedia("video", "video/mp4")
	case "location":
		x, errX := strconv.ParseFloat(m.LocationX, 64)
		y, errY := strconv.ParseFloat(m.LocationY, 64)
		if errX != nil || errY != nil {
			return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "a location whose Location_X or Location_Y is not a number")
		}
		in.Location = strings.TrimSpace(strconv.FormatFloat(x, 'f', -1, 64) + "," + strconv.FormatFloat(y, 'f', -1, 64) + " " + m.Label)
	case "link":
		var parts []string
		for _, p := range []string{m.Title, m.Description, m.URL} {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		in.Text = strings.Join(parts, "\n")
		if len(in.Text) > maxText {
			return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "a link of %d bytes, at most %d", len(in.Text), maxText)
		}
	default:
		if !utf8.ValidString(m.MsgType) || strings.ContainsAny(m.MsgType, "[]\n\r") {
			return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "a MsgType that is not a name")
		}
		in.Text = "[unsupported " + m.MsgType + " message]"
	}
	if err != nil {
		return nil, err
	}
	return []channels.Inbound{in}, nil
}

// voiceType is the MIME type of a voice message's Format.
func voiceType(format string) string {
	switch strings.ToLower(format) {
	case "amr":
		return "audio/amr"
	case "speex":
		return "audio/speex"
	case "mp3":
		return "audio/mpeg"
	}
	return ""
}

// profile is what WeChat says of a customer: nothing but the openid, as
// it no longer gives nicknames to Official Accounts.
func profile(openid string) channels.Profile {
	r := []rune(openid)
	if len(r) > 4 {
		r = r[len(r)-4:]
	}
	return channels.Profile{Name: "WeChat user " + string(r)}
}
