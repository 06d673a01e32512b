package wecom

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// envelope is the callback's POST body: only Encrypt is signed and read;
// ToUserName and AgentID are WeCom's unsigned labels.
type envelope struct {
	XMLName xml.Name `xml:"xml"`
	Encrypt string   `xml:"Encrypt"`
}

// event is the callback's decrypted message (接收事件,
// developer.work.weixin.qq.com/document/path/94670).
type event struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	CreateTime int64    `xml:"CreateTime"`
	MsgType    string   `xml:"MsgType"`
	Event      string   `xml:"Event"`
	Token      string   `xml:"Token"`
	OpenKfID   string   `xml:"OpenKfId"`
}

// success is the answer WeCom expects to an event it need not send again.
func success() channels.Response {
	return channels.Response{ContentType: "text/plain; charset=utf-8", Body: []byte("success")}
}

// Receive verifies a WeCom callback and reads it. GET is the URL check
// (验证URL有效性): msg_signature over the timestamp, nonce and echostr,
// answered with the decrypted echostr. POST is an event: msg_signature
// over the timestamp, nonce and Encrypt; a kf_msg_or_event gives one
// Inbound whose Sync is the token for Pull, anything else none. Both are
// refused when the timestamp is over channels.Window from r.Now.
func (a *Adapter) Receive(ctx context.Context, r *channels.Request) (channels.Response, []channels.Inbound, error) {
	switch r.Method {
	case http.MethodGet:
		return a.verifyURL(r)
	case http.MethodPost:
		return a.event(ctx, r)
	}
	return channels.Response{}, nil, channels.Refuse(http.StatusMethodNotAllowed, channels.RefuseMethod, "WeCom calls back with GET or POST, not %.16q", r.Method)
}

func (a *Adapter) verifyURL(r *channels.Request) (channels.Response, []channels.Inbound, error) {
	echo := r.Query.Get("echostr")
	if echo == "" {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the URL check has no echostr")
	}
	if err := a.verify(r, echo); err != nil {
		return channels.Response{}, nil, err
	}
	plain, err := a.open(echo)
	if err != nil {
		return channels.Response{}, nil, err
	}
	return channels.Response{ContentType: "text/plain; charset=utf-8", Body: plain}, nil, nil
}

func (a *Adapter) event(ctx context.Context, r *channels.Request) (channels.Response, []channels.Inbound, error) {
	if r.Query.Get("msg_signature") == "" {
		return channels.Response{}, nil, channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "the callback has no msg_signature")
	}
	// Encrypt is what the signature covers: it is taken out of the
	// envelope and nothing else is believed until it verifies.
	var env envelope
	if err := decodeXML(r.Body, &env); err != nil {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the callback's body is not WeCom's XML: %v", err)
	}
	if env.Encrypt == "" {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the callback's body has no Encrypt")
	}
	if err := a.verify(r, env.Encrypt); err != nil {
		return channels.Response{}, nil, err
	}
	plain, err := a.open(env.Encrypt)
	if err != nil {
		return channels.Response{}, nil, err
	}
	var ev event
	if err := decodeXML(plain, &ev); err != nil {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the decrypted event is not WeCom's XML: %v", err)
	}
	if ev.MsgType != "event" || ev.Event != "kf_msg_or_event" {
		// Another app's or another event of the corp's callback: WeCom
		// is answered so that it does not retry.
		a.log.DebugContext(ctx, "wecom: an event that is not kf_msg_or_event", "msgtype", bound(ev.MsgType, 32), "event", bound(ev.Event, 64))
		return success(), nil, nil
	}
	if ev.Token == "" || len(ev.Token) > maxID || len(ev.OpenKfID) > maxID {
		return channels.Response{}, nil, channels.Refuse(http.StatusBadRequest, channels.RefuseMalformed, "the kf_msg_or_event has no Token, or an id over %d bytes", maxID)
	}
	if a.kfID != "" && ev.OpenKfID != "" && ev.OpenKfID != a.kfID {
		return success(), nil, nil // another customer service account of the corp
	}
	in := channels.Inbound{ID: "sync-" + ev.Token, Sync: ev.Token, Chat: ev.OpenKfID, At: r.Now}
	if ev.CreateTime > 0 {
		in.At = time.Unix(ev.CreateTime, 0)
	}
	return success(), []channels.Inbound{in}, nil
}

// verify checks msg_signature over the timestamp, nonce and data, then
// the timestamp against r.Now.
func (a *Adapter) verify(r *channels.Request, data string) error {
	sig, ts, nonce := r.Query.Get("msg_signature"), r.Query.Get("timestamp"), r.Query.Get("nonce")
	if sig == "" || ts == "" || nonce == "" {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "the callback lacks msg_signature, timestamp or nonce")
	}
	if !a.crypt.Verify(sig, ts, nonce, data) {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseSignature, "msg_signature does not match: check the callback's Token")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseTimestamp, "the timestamp is not a number of seconds")
	}
	now := r.Now
	if now.IsZero() {
		now = a.now()
	}
	if d := now.Sub(time.Unix(sec, 0)); d > channels.Window || d < -channels.Window {
		return channels.Refuse(http.StatusUnauthorized, channels.RefuseTimestamp, "the timestamp is %s from the edge's clock, over %s", d.Round(time.Second), channels.Window)
	}
	return nil
}

// open decrypts a verified ciphertext.
func (a *Adapter) open(ct string) ([]byte, error) {
	plain, err := a.crypt.Decrypt(ct)
	switch {
	case errors.Is(err, wxcrypt.ErrAppID):
		return nil, channels.Refuse(http.StatusUnauthorized, channels.RefuseAppID, "the ciphertext is for another corpid: check the corpid")
	case err != nil:
		return nil, channels.Refuse(http.StatusBadRequest, channels.RefuseDecrypt, "%v: check the EncodingAESKey", err)
	}
	return plain, nil
}

// decodeXML decodes b strictly into v, refusing any DOCTYPE (so no
// entity is ever defined, let alone expanded or fetched) and any element
// nested deeper than a few levels.
func decodeXML(b []byte, v any) error {
	if err := channels.CheckXML(b); err != nil {
		return err
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	return d.Decode(v)
}

// bound cuts s for a log line.
func bound(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "")
	}
	return s
}
