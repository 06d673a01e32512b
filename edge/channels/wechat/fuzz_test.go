package wechat

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// FuzzReceive posts body to an account of the published sample's
// credentials: as a plaintext message (how 0), encrypted and signed as
// WeChat does so that it reaches the decrypted message's parser (how 1),
// or as the envelope itself, with sig as its msg_signature and, when not
// empty, its signature (how 2). Receive never panics, refuses with a
// Refusal of WeChat's statuses, and bounds what it accepts.
func FuzzReceive(f *testing.F) {
	sample := `<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId></xml>`
	f.Add([]byte(sample), uint8(0), "")
	f.Add([]byte(sample), uint8(1), "")
	f.Add([]byte(sampleBody), uint8(2), sampleMsgSig)
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>`), uint8(1), "")
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><MsgType>location</MsgType><Location_X>1.5</Location_X><Location_Y>2</Location_Y><MsgId>9</MsgId></xml>`), uint8(0), "")
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><MsgType>voice</MsgType><MediaId>m</MediaId><Recognition>r</Recognition><MsgId>9</MsgId></xml>`), uint8(1), "")
	f.Add([]byte(`<!DOCTYPE xml [<!ENTITY a "&b;&b;">]><xml><Content>&a;</Content></xml>`), uint8(0), "")
	f.Add([]byte(`<xml><FromUserName>o</FromUserName><MsgType>x]]y</MsgType><MsgId>1</MsgId></xml>`), uint8(0), "")

	c := sampleCreds()
	c[KeyMode] = ModeCompatible
	a := mustNew(f, c, channels.Options{})
	cr, err := wxcrypt.New(sampleToken, sampleKey, sampleAppID)
	if err != nil {
		f.Fatal(err)
	}
	ts, _ := strconv.ParseInt(sampleTS, 10, 64)
	f.Fuzz(func(t *testing.T, body []byte, how uint8, sig string) {
		if len(body) > int(Kind().Limits.MaxBody) {
			return
		}
		q := url.Values{"signature": {wxcrypt.Signature(sampleToken, sampleTS, sampleNonce)}, "timestamp": {sampleTS}, "nonce": {sampleNonce}}
		switch how % 3 {
		case 1:
			ct, err := cr.Encrypt(body)
			if err != nil {
				t.Fatal(err)
			}
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", cr.Sign(sampleTS, sampleNonce, ct))
			body = []byte("<xml><ToUserName>gh</ToUserName><Encrypt>" + ct + "</Encrypt></xml>")
		case 2:
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", sig)
			if sig != "" {
				q.Set("signature", sig)
			}
		}
		r := &channels.Request{Method: http.MethodPost, Query: q, Body: body, Now: time.Unix(ts, 0)}
		resp, in, err := a.Receive(context.Background(), r)
		if err != nil {
			var rf *channels.Refusal
			if !errors.As(err, &rf) || (rf.Status != 400 && rf.Status != 401) || in != nil {
				t.Fatalf("not a refusal of WeChat's: %v", err)
			}
			return
		}
		if string(resp.Body) != "success" || len(in) > 1 {
			t.Fatalf("answered %q with %d inbound", resp.Body, len(in))
		}
		for _, m := range in {
			if m.ID == "" || len(m.ID) > maxID || m.From == "" || len(m.From) > maxID ||
				len(m.Text) > maxText+3*maxName || len(m.Location) > maxText+2*maxName || len(m.Profile.Name) > 32 {
				t.Fatalf("unbounded inbound: id %d from %d text %d", len(m.ID), len(m.From), len(m.Text))
			}
			for _, md := range m.Media {
				if md.Ref == "" || len(md.Ref) > maxID {
					t.Fatalf("a media ref of %d bytes", len(md.Ref))
				}
			}
			if m.Event == "" {
				if _, err := a.Passive(r, m, "ok"); err != nil {
					t.Fatalf("passive: %v", err)
				}
			}
		}
	})
}
