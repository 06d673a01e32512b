package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// WeCom's published samples: the callback documentation (加解密方案说明,
// developer.work.weixin.qq.com/document/path/90968) and the samples of its
// WXBizMsgCrypt libraries (Sample.cpp/.cs/.php/.py: 使用示例一 verifies the
// URL, 使用示例二 decrypts a POST the corp received).
const (
	sampleToken  = "QDG6eK"
	sampleKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	sampleCorpID = "wx5823bf96d3bd56c7"

	sampleVerifySig  = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	sampleVerifyTS   = 1409659589
	sampleVerifyNoce = "263014780"
	sampleEchoStr    = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

	samplePostSig   = "477715d11cdb4164915debcba66cb864d751f3e6"
	samplePostTS    = 1409659813
	samplePostNonce = "1372623149"
	samplePostBody  = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt>\n<AgentID><![CDATA[218]]></AgentID>\n</xml>"
)

func sampleAdapter(t testing.TB, corpID string) *Adapter {
	t.Helper()
	a, err := New(channels.Options{Credentials: channels.Credentials{
		CredCorpID: corpID, CredSecret: "s", CredToken: sampleToken, CredAESKey: sampleKey,
	}, APIBase: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sampleVerify(now time.Time) *channels.Request {
	return &channels.Request{Method: http.MethodGet, Now: now, Query: url.Values{
		"msg_signature": {sampleVerifySig}, "timestamp": {fmt.Sprint(sampleVerifyTS)},
		"nonce": {sampleVerifyNoce}, "echostr": {sampleEchoStr},
	}}
}

func samplePost(now time.Time) *channels.Request {
	return &channels.Request{Method: http.MethodPost, Now: now, Body: []byte(samplePostBody), Query: url.Values{
		"msg_signature": {samplePostSig}, "timestamp": {fmt.Sprint(samplePostTS)}, "nonce": {samplePostNonce},
	}}
}

func TestPublishedSamples(t *testing.T) {
	ctx := context.Background()
	a := sampleAdapter(t, sampleCorpID)

	resp, in, err := a.Receive(ctx, sampleVerify(time.Unix(sampleVerifyTS+30, 0)))
	if err != nil || len(in) != 0 {
		t.Fatalf("the URL check sample: %v %v", in, err)
	}
	if len(resp.Body) == 0 || strings.Trim(string(resp.Body), "0123456789") != "" {
		t.Fatalf("the URL check answered %q, not the echostr's digits", resp.Body)
	}

	// The POST sample is a message to an app (AgentID 218), not a
	// kf_msg_or_event: it verifies and decrypts, is answered "success",
	// and gives no Inbound.
	resp, in, err = a.Receive(ctx, samplePost(time.Unix(samplePostTS+30, 0)))
	if err != nil || len(in) != 0 || string(resp.Body) != "success" {
		t.Fatalf("the POST sample: %q %v %v", resp.Body, in, err)
	}
	c, _ := wxcrypt.New(sampleToken, sampleKey, sampleCorpID)
	env := samplePostBody[strings.Index(samplePostBody, "CDATA[R")+6 : strings.Index(samplePostBody, "]]></Encrypt>")]
	plain, err := c.Decrypt(env)
	if err != nil || !strings.Contains(string(plain), "<MsgType><![CDATA[text]]></MsgType>") {
		t.Fatalf("the POST sample decrypts to %q, %v", plain, err)
	}

	_, _, err = a.Receive(ctx, samplePost(time.Now()))
	refusal(t, "the POST sample today", err, 401, channels.RefuseTimestamp)
	_, _, err = a.Receive(ctx, sampleVerify(time.Unix(sampleVerifyTS-6*60, 0)))
	refusal(t, "the URL check six minutes early", err, 401, channels.RefuseTimestamp)
	_, _, err = sampleAdapter(t, "ww0000000000000000").Receive(ctx, samplePost(time.Unix(samplePostTS, 0)))
	refusal(t, "the POST sample under another corpid", err, 401, channels.RefuseAppID)
	r := samplePost(time.Unix(samplePostTS, 0))
	r.Query.Set("nonce", "1372623148")
	_, _, err = a.Receive(ctx, r)
	refusal(t, "the POST sample with another nonce", err, 401, channels.RefuseSignature)
}

func TestReceiveFromTheFake(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)

	// The URL check WeCom makes when the callback is configured.
	target, echo, err := f.p.VerifyURL(f.hook)
	if err != nil {
		t.Fatal(err)
	}
	resp, in, err := f.a.Receive(ctx, request(t, http.MethodGet, target, nil, time.Now()))
	if err != nil || string(resp.Body) != echo || len(in) != 0 {
		t.Fatalf("URL check: %q %v %v, want %q", resp.Body, in, err, echo)
	}

	st, _, err := f.p.Say(ctx, f.hook, "wmUser1", "你好")
	if err != nil || st != 200 {
		t.Fatalf("Say: %d %v", st, err)
	}
	got := f.e.last(t)
	if got.Sync == "" || got.ID != "sync-"+got.Sync || got.Chat != f.p.OpenKfID() || got.From != "" {
		t.Fatalf("the kf_msg_or_event became %+v", got)
	}
	if st, err := f.p.Resend(ctx, f.hook); err != nil || st != 200 || f.e.last(t).ID != got.ID {
		t.Fatalf("a resent callback: %d %v, ID %q then %q", st, err, got.ID, f.e.last(t).ID)
	}
	if st, err := f.p.Forged(ctx, f.hook, "wmUser1", "x"); err != nil || st != 401 {
		t.Fatalf("a forged callback was answered %d %v", st, err)
	}

	// Another account of the corp is not the channel's.
	n := len(f.e.inbound)
	if st, _, err := f.p.SayTo(ctx, f.hook, "wkOTHER", "wmUser1", "hi"); err != nil || st != 200 || len(f.e.inbound) != n {
		t.Fatalf("another open_kfid's callback: %d %v, %d Inbound", st, err, len(f.e.inbound)-n)
	}
}

func TestReceiveRefusals(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	creds := f.p.Credentials()
	now := time.Now()
	event := func(extra string) []byte {
		return []byte("<xml><ToUserName><![CDATA[" + creds[CredCorpID] + "]]></ToUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[T1]]></Token>" + extra + "</xml>")
	}
	good := func(plain []byte, ts time.Time) *channels.Request {
		target, body, err := f.p.Callback(f.hook, plain, ts.Unix())
		if err != nil {
			t.Fatal(err)
		}
		return request(t, http.MethodPost, target, body, now)
	}
	// signedBody signs an arbitrary envelope's Encrypt as WeCom would.
	signedBody := func(encrypt string, body string) *channels.Request {
		c, _ := wxcrypt.New(creds[CredToken], creds[CredAESKey], creds[CredCorpID])
		ts := fmt.Sprint(now.Unix())
		q := url.Values{"msg_signature": {c.Sign(ts, "1", encrypt)}, "timestamp": {ts}, "nonce": {"1"}}
		return &channels.Request{Method: http.MethodPost, Query: q, Body: []byte(body), Now: now}
	}
	other, _ := wxcrypt.New(creds[CredToken], creds[CredAESKey], "wwsomeoneelse")
	otherCT, _ := other.Encrypt(event(""))
	wrongToken := func() *channels.Request {
		r := good(event(""), now)
		env := string(r.Body)
		enc := env[strings.Index(env, "<Encrypt><![CDATA[")+18 : strings.Index(env, "]]></Encrypt>")]
		r.Query.Set("msg_signature", wxcrypt.Signature("another-token", r.Query.Get("timestamp"), r.Query.Get("nonce"), enc))
		return r
	}
	var fetched atomic.Int32
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fetched.Add(1) }))
	defer spy.Close()
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>`
	external := `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY ext SYSTEM "` + spy.URL + `/x">]>`

	for _, tc := range []struct {
		name   string
		r      *channels.Request
		status int
		code   string
	}{
		{"PUT", &channels.Request{Method: http.MethodPut, Now: now}, 405, channels.RefuseMethod},
		{"no signature", &channels.Request{Method: http.MethodPost, Query: url.Values{}, Body: event(""), Now: now}, 401, channels.RefuseSignature},
		{"wrong token", wrongToken(), 401, channels.RefuseSignature},
		{"stale", good(event(""), now.Add(-6*time.Minute)), 401, channels.RefuseTimestamp},
		{"future", good(event(""), now.Add(6*time.Minute)), 401, channels.RefuseTimestamp},
		{"not xml", signedBody("x", "{\"Encrypt\":\"x\"}"), 400, channels.RefuseMalformed},
		{"no Encrypt", signedBody("", "<xml><ToUserName>a</ToUserName></xml>"), 400, channels.RefuseMalformed},
		{"not base64", signedBody("%%%", "<xml><Encrypt>%%%</Encrypt></xml>"), 400, channels.RefuseDecrypt},
		{"bad padding", signedBody("AAAAAAAAAAAAAAAAAAAAAA==", "<xml><Encrypt>AAAAAAAAAAAAAAAAAAAAAA==</Encrypt></xml>"), 400, channels.RefuseDecrypt},
		{"other corpid", signedBody(otherCT, "<xml><Encrypt>"+otherCT+"</Encrypt></xml>"), 401, channels.RefuseAppID},
		{"plaintext not xml", good([]byte("hello"), now), 400, channels.RefuseMalformed},
		{"no Token", good([]byte("<xml><MsgType>event</MsgType><Event>kf_msg_or_event</Event></xml>"), now), 400, channels.RefuseMalformed},
		{"token over 256", good(event("<Token>"+strings.Repeat("t", 300)+"</Token>"), now), 400, channels.RefuseMalformed},
		{"billion laughs outside", signedBody("x", laughs+"<xml><Encrypt>&lol3;</Encrypt></xml>"), 400, channels.RefuseMalformed},
		{"billion laughs inside", good([]byte(laughs+"<xml><Token>&lol3;</Token></xml>"), now), 400, channels.RefuseMalformed},
		{"external entity", good([]byte(external+"<xml><Token>&ext;</Token></xml>"), now), 400, channels.RefuseMalformed},
		{"deep", good([]byte(strings.Repeat("<a>", 10000)+strings.Repeat("</a>", 10000)), now), 400, channels.RefuseMalformed},
	} {
		start := time.Now()
		_, in, err := f.a.Receive(ctx, tc.r)
		refusal(t, tc.name, err, tc.status, tc.code)
		if len(in) != 0 {
			t.Errorf("%s: refused but gave %v", tc.name, in)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %s", tc.name, d)
		}
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("an external entity was fetched %d times", n)
	}

	// Accepted without an Inbound: another event, an ended timestamp edge.
	for name, plain := range map[string][]byte{
		"another event":    []byte("<xml><MsgType>event</MsgType><Event>change_external_contact</Event></xml>"),
		"a text to an app": []byte("<xml><MsgType>text</MsgType><Content>hi</Content></xml>"),
	} {
		resp, in, err := f.a.Receive(ctx, good(plain, now))
		if err != nil || len(in) != 0 || string(resp.Body) != "success" {
			t.Errorf("%s: %q %v %v", name, resp.Body, in, err)
		}
	}
	_, in, err := f.a.Receive(ctx, good(event(""), now.Add(-4*time.Minute)))
	if err != nil || len(in) != 1 || in[0].Sync != "T1" {
		t.Fatalf("a callback 4 minutes old: %v %v", in, err)
	}
}
