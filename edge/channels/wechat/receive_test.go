package wechat

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wechat/wechattest"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// The Official Accounts' own published samples.
//
// Plaintext mode: 消息加解密说明 → 接入指引 → 消息解密方式为明文模式
// (developers.weixin.qq.com/doc/subscription/guide/dev/push/encryption.html):
// Token "AAAAA", timestamp 1714037059, nonce 486452656 sign to
// 899cf89e464efb63f54ddac96b0a0a235f53aa78.
//
// Safe and compatible mode: the WXBizMsgCrypt sample programs of the same
// page (示例代码, cryptoDemo.zip: Sample.cpp and its ports), decrypting a
// text message posted to account gh_10f6c3c3ac5a.
const (
	docToken = "AAAAA"
	docTS    = "1714037059"
	docNonce = "486452656"
	docSig   = "899cf89e464efb63f54ddac96b0a0a235f53aa78"

	sampleToken   = "spamtest"
	sampleKey     = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	sampleAppID   = "wx2c2769f8efd9abc2"
	sampleTS      = "1409735669"
	sampleNonce   = "1320562132"
	sampleMsgSig  = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
	sampleEncrypt = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
	sampleBody    = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[" + sampleEncrypt + "]]></Encrypt></xml>"
)

func mustNew(t testing.TB, c channels.Credentials, o channels.Options) *Adapter {
	t.Helper()
	o.Credentials = c
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a.(*Adapter)
}

// sampleRequest is the sample's POST, with the plain signature WeChat
// adds to every request (the sample gives only its msg_signature).
func sampleRequest() *channels.Request {
	ts, _ := strconv.ParseInt(sampleTS, 10, 64)
	return &channels.Request{
		Method: http.MethodPost,
		Query: url.Values{"signature": {wxcrypt.Signature(sampleToken, sampleTS, sampleNonce)}, "timestamp": {sampleTS},
			"nonce": {sampleNonce}, "encrypt_type": {"aes"}, "msg_signature": {sampleMsgSig}},
		Body: []byte(sampleBody),
		Now:  time.Unix(ts, 0).Add(time.Second),
	}
}

func sampleCreds() channels.Credentials {
	return channels.Credentials{KeyAppID: sampleAppID, KeySecret: "s", KeyToken: sampleToken, KeyAESKey: sampleKey}
}

func TestPublishedSamples(t *testing.T) {
	ts, _ := strconv.ParseInt(docTS, 10, 64)
	a := mustNew(t, channels.Credentials{KeyAppID: "wx1", KeySecret: "s", KeyToken: docToken}, channels.Options{})
	get := &channels.Request{Method: http.MethodGet, Now: time.Unix(ts, 0),
		Query: url.Values{"signature": {docSig}, "timestamp": {docTS}, "nonce": {docNonce}, "echostr": {"4416295387284105"}}}
	resp, in, err := a.Receive(context.Background(), get)
	if err != nil || string(resp.Body) != "4416295387284105" || len(in) != 0 || !strings.HasPrefix(resp.ContentType, "text/plain") {
		t.Fatalf("the documented signature: %+v %v %v", resp, in, err)
	}
	get.Query.Set("nonce", "486452657")
	expectRefusal(t, a, get, 401, channels.RefuseSignature)

	a = mustNew(t, sampleCreds(), channels.Options{})
	resp, in, err = a.Receive(context.Background(), sampleRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := channels.Inbound{ID: "6054768590064713728", From: "oyORnuP8q7ou2gfYjqLzSIWZf0rs", Text: "abcdteT",
		Profile: channels.Profile{Name: "WeChat user f0rs"}, At: time.Unix(1409735668, 0)}
	if len(in) != 1 || in[0].ID != want.ID || in[0].From != want.From || in[0].Text != want.Text || !in[0].At.Equal(want.At) || in[0].Profile != want.Profile {
		t.Fatalf("the sample message: %+v", in)
	}
	if string(resp.Body) != "success" {
		t.Fatalf("answered %q, want success", resp.Body)
	}
	// Its account, and another's.
	c := sampleCreds()
	c[KeyAccount] = "gh_10f6c3c3ac5a"
	if _, _, err := mustNew(t, c, channels.Options{}).Receive(context.Background(), sampleRequest()); err != nil {
		t.Fatal(err)
	}
	c[KeyAccount] = "gh_000000000000"
	expectRefusal(t, mustNew(t, c, channels.Options{}), sampleRequest(), 401, channels.RefuseAppID)
	c = sampleCreds()
	c[KeyAppID] = "wx0000000000000000"
	expectRefusal(t, mustNew(t, c, channels.Options{}), sampleRequest(), 401, channels.RefuseAppID)
}

func expectRefusal(t *testing.T, a *Adapter, r *channels.Request, status int, code string) {
	t.Helper()
	_, in, err := a.Receive(context.Background(), r)
	var rf *channels.Refusal
	if !errors.As(err, &rf) || rf.Status != status || rf.Code != code {
		t.Fatalf("got %v (inbound %v), want %d %s", err, in, status, code)
	}
}

func TestRefusals(t *testing.T) {
	safe := wechattest.New(t)
	plain := wechattest.New(t, wechattest.Mode("plain"))
	as := mustNew(t, safe.Credentials(), channels.Options{APIBase: safe.APIBase()})
	noAccount := plain.Credentials()
	delete(noAccount, KeyAccount)
	ap := mustNew(t, noAccount, channels.Options{APIBase: plain.APIBase()})
	tok := safe.Credentials()["token"]
	msg := func() *channels.Request { return safe.Request("o1", safe.Text("o1", "hi").XML()) }
	withBody := func(enc string) *channels.Request {
		r := msg()
		r.Body = []byte("<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		r.Query.Set("msg_signature", wxcrypt.Signature(tok, r.Query.Get("timestamp"), r.Query.Get("nonce"), enc))
		return r
	}
	other := safe.Credentials()
	other["token"] = "another"
	otherApp := safe.Credentials()
	otherApp["appid"] = "wxanother"
	otherAccount := safe.Credentials()
	otherAccount["account"] = "gh_another"
	for _, tc := range []struct {
		name   string
		a      *Adapter
		r      func() *channels.Request
		status int
		code   string
	}{
		{"forged signature", as, func() *channels.Request { r := msg(); r.Query.Set("signature", strings.Repeat("0", 40)); return r }, 401, channels.RefuseSignature},
		{"no signature", as, func() *channels.Request { r := msg(); r.Query.Del("signature"); return r }, 401, channels.RefuseSignature},
		{"wrong token", mustNew(t, other, channels.Options{}), msg, 401, channels.RefuseSignature},
		{"wrong msg_signature", as, func() *channels.Request { r := msg(); r.Query.Set("msg_signature", strings.Repeat("a", 40)); return r }, 401, channels.RefuseSignature},
		{"no msg_signature", as, func() *channels.Request { r := msg(); r.Query.Del("msg_signature"); return r }, 401, channels.RefuseSignature},
		{"plaintext to safe mode", as, func() *channels.Request {
			r := plain.Request("o1", plain.Text("o1", "hi").XML())
			r.Query.Set("signature", wxcrypt.Signature(tok, r.Query.Get("timestamp"), r.Query.Get("nonce")))
			return r
		}, 401, channels.RefuseSignature},
		{"stale timestamp", as, func() *channels.Request { r := msg(); r.Now = r.Now.Add(6 * time.Minute); return r }, 401, channels.RefuseTimestamp},
		{"future timestamp", as, func() *channels.Request { r := msg(); r.Now = r.Now.Add(-6 * time.Minute); return r }, 401, channels.RefuseTimestamp},
		{"timestamp not a number", as, func() *channels.Request {
			r := msg()
			r.Query.Set("timestamp", "soon")
			r.Query.Set("signature", wxcrypt.Signature(tok, "soon", r.Query.Get("nonce")))
			return r
		}, 401, channels.RefuseTimestamp},
		{"another appid", mustNew(t, otherApp, channels.Options{}), msg, 401, channels.RefuseAppID},
		{"another account", mustNew(t, otherAccount, channels.Options{}), msg, 401, channels.RefuseAppID},
		{"ciphertext not base64", as, func() *channels.Request { return withBody("%%%%") }, 400, channels.RefuseDecrypt},
		{"ciphertext not whole blocks", as, func() *channels.Request { return withBody(base64.StdEncoding.EncodeToString(make([]byte, 20))) }, 400, channels.RefuseDecrypt},
		{"no Encrypt", as, func() *channels.Request { return withBody("") }, 400, channels.RefuseMalformed},
		{"encrypted without a key", ap, func() *channels.Request {
			r := msg()
			r.Query.Set("signature", wxcrypt.Signature(plain.Credentials()["token"], r.Query.Get("timestamp"), r.Query.Get("nonce")))
			return r
		}, 400, channels.RefuseDecrypt},
		{"unknown encrypt_type", ap, func() *channels.Request {
			r := plain.Request("o1", plain.Text("o1", "hi").XML())
			r.Query.Set("encrypt_type", "rsa")
			return r
		}, 400, channels.RefuseMalformed},
		{"not XML", ap, func() *channels.Request { return plain.Request("o1", []byte(`{"MsgType":"text"}`)) }, 400, channels.RefuseMalformed},
		{"another root", ap, func() *channels.Request { return plain.Request("o1", []byte(`<msg><MsgType>text</MsgType></msg>`)) }, 400, channels.RefuseMalformed},
		{"no FromUserName", ap, func() *channels.Request {
			return plain.Request("o1", []byte(`<xml><MsgType>text</MsgType><MsgId>1</MsgId></xml>`))
		}, 400, channels.RefuseMalformed},
		{"no MsgId", ap, func() *channels.Request {
			return plain.Request("o1", []byte(`<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType></xml>`))
		}, 400, channels.RefuseMalformed},
		{"CreateTime not a number", ap, func() *channels.Request {
			return plain.Request("o1", []byte(`<xml><FromUserName>o1</FromUserName><CreateTime>x</CreateTime></xml>`))
		}, 400, channels.RefuseMalformed},
		{"openid over 256 bytes", ap, func() *channels.Request {
			return plain.Request("o1", plain.Text(strings.Repeat("o", 257), "hi").XML())
		}, 400, channels.RefuseMalformed},
		{"text over 64 KiB", ap, func() *channels.Request {
			return plain.Request("o1", plain.Text("o1", strings.Repeat("字", 22000)).XML())
		}, 400, channels.RefuseMalformed},
		{"PUT", as, func() *channels.Request { r := msg(); r.Method = http.MethodPut; return r }, 405, channels.RefuseMethod},
		{"GET without echostr", as, func() *channels.Request { r := safe.Verification(""); return r }, 400, channels.RefuseMalformed},
		{"GET forged", as, func() *channels.Request { r := safe.Verification("1"); r.Query.Set("nonce", "2"); return r }, 401, channels.RefuseSignature},
	} {
		t.Run(tc.name, func(t *testing.T) { expectRefusal(t, tc.a, tc.r(), tc.status, tc.code) })
	}
}

func TestXMLAttacks(t *testing.T) {
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fetched.Add(1) }))
	defer srv.Close()
	plain := wechattest.New(t, wechattest.Mode("plain"))
	c := plain.Credentials()
	delete(c, KeyAccount)
	a := mustNew(t, c, channels.Options{})
	laughs := `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>`
	external := `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "` + srv.URL + `/x">]>` +
		`<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>`
	undeclared := `<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>`
	doctypeOnly := `<!DOCTYPE xml SYSTEM "` + srv.URL + `/dtd"><xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>`
	deep := "<xml>" + strings.Repeat("<a>", 80000) + strings.Repeat("</a>", 80000) + "</xml>"
	for name, body := range map[string]string{"billion laughs": laughs, "external entity": external, "undeclared entity": undeclared, "external DTD": doctypeOnly, "deep nesting": deep} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, in, err := a.Receive(context.Background(), plain.Request("o1", []byte(body)))
			var rf *channels.Refusal
			if !errors.As(err, &rf) || rf.Code != channels.RefuseMalformed || rf.Status != 400 {
				t.Fatalf("got %v %v, want a malformed refusal", in, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("the parser fetched %d times", n)
	}
}

func TestMessageTypes(t *testing.T) {
	for _, mode := range []string{"plain", "compatible", "safe"} {
		t.Run(mode, func(t *testing.T) {
			p := wechattest.New(t, wechattest.Mode(mode))
			a := mustNew(t, p.Credentials(), channels.Options{})
			text := p.Text("o1", "你好 ]]> <b>&amp;")
			image := p.Msg("o1", "image")
			image.PicURL, image.MediaID = wechattest.C("http://mmbiz/1"), wechattest.C("m-image")
			voice := p.Msg("o1", "voice")
			voice.MediaID, voice.Format, voice.Recognition = wechattest.C("m-voice"), wechattest.C("amr"), wechattest.C("你好")
			video := p.Msg("o1", "shortvideo")
			video.MediaID, video.ThumbMediaID = wechattest.C("m-video"), wechattest.C("m-thumb")
			loc := p.Msg("o1", "location")
			loc.LocationX, loc.LocationY, loc.Scale, loc.Label = "23.134521", "113.358803", "20", wechattest.C("广州市")
			link := p.Msg("o1", "link")
			link.Title, link.Description, link.URL = wechattest.C("Title"), wechattest.C("Desc"), wechattest.C("https://example.com/a")
			sub := p.Msg("o1", "event")
			sub.Event, sub.EventKey = wechattest.C("subscribe"), wechattest.C("qrscene_1")
			click := p.Msg("o1", "event")
			click.Event, click.EventKey = wechattest.C("CLICK"), wechattest.C("MENU_1")
			odd := p.Msg("o1", "miniprogrampage")
			for _, tc := range []struct {
				m     wechattest.Message
				check func(channels.Inbound) bool
				none  bool
			}{
				{m: text, check: func(in channels.Inbound) bool { return in.Text == "你好 ]]> <b>&amp;" && in.ID == text.MsgID }},
				{m: image, check: func(in channels.Inbound) bool {
					return len(in.Media) == 1 && in.Media[0] == channels.Media{Kind: "image", Ref: "m-image"}
				}},
				{m: voice, check: func(in channels.Inbound) bool { return in.Text == "你好" && in.Media[0].Type == "audio/amr" }},
				{m: video, check: func(in channels.Inbound) bool { return in.Media[0].Kind == "video" && in.Media[0].Ref == "m-video" }},
				{m: loc, check: func(in channels.Inbound) bool { return in.Location == "23.134521,113.358803 广州市" }},
				{m: link, check: func(in channels.Inbound) bool { return in.Text == "Title\nDesc\nhttps://example.com/a" }},
				{m: sub, check: func(in channels.Inbound) bool {
					return in.Event == "subscribe" && in.ID == "o1-"+strconv.FormatInt(sub.CreateTime, 10)+"-subscribe"
				}},
				{m: click, none: true},
				{m: odd, check: func(in channels.Inbound) bool { return in.Text == "[unsupported miniprogrampage message]" }},
			} {
				resp, in, err := a.Receive(context.Background(), p.Request("o1", tc.m.XML()))
				if err != nil || string(resp.Body) != "success" {
					t.Fatalf("%s: %v %q", tc.m.MsgType.V, err, resp.Body)
				}
				if tc.none {
					if len(in) != 0 {
						t.Fatalf("%s: %+v, want nothing", tc.m.MsgType.V, in)
					}
					continue
				}
				if len(in) != 1 || in[0].From != "o1" || in[0].Profile.Name != "WeChat user o1" || !tc.check(in[0]) {
					t.Fatalf("%s: %+v", tc.m.MsgType.V, in)
				}
			}
		})
	}
}

func TestPassive(t *testing.T) {
	for _, mode := range []string{"plain", "compatible", "safe"} {
		t.Run(mode, func(t *testing.T) {
			p := wechattest.New(t, wechattest.Mode(mode))
			a := mustNew(t, p.Credentials(), channels.Options{APIBase: p.APIBase()})
			hook := webhook(t, a, "收到 ]]> <ok>")
			status, _, err := p.Say(context.Background(), hook.URL, "o1", "hello")
			if err != nil || status != 200 {
				t.Fatal(status, err)
			}
			if got := p.Received("o1"); len(got) != 1 || got[0] != "收到 ]]> <ok>" {
				t.Fatalf("received %q", got)
			}
			r := p.Request("o1", p.Text("o1", "x").XML())
			if _, err := a.Passive(r, channels.Inbound{From: "o2"}, "x"); err == nil {
				t.Fatal("a passive reply to another customer was made")
			}
			if _, err := a.Passive(r, channels.Inbound{From: "o1"}, strings.Repeat("x", 2049)); err == nil {
				t.Fatal("a passive reply over 2048 characters was made")
			}
		})
	}
}
