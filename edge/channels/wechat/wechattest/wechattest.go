// Package wechattest is a local fake of a WeChat Official Account's
// platform (developers.weixin.qq.com/doc/offiaccount), for tests.
//
// It fakes both directions. Toward the edge it posts customers' messages
// to the webhook as WeChat does: the query's signature over the token,
// timestamp and nonce, and in compatible and safe mode the message
// encrypted with the EncodingAESKey (WXBizMsgCrypt, package wxcrypt)
// under encrypt_type=aes and msg_signature; it retries a request the
// edge does not answer within 5 s (3 attempts), and delivers the passive
// reply the edge answers (decrypting and verifying it in safe mode) to
// the customer. As WeChat's API it serves /cgi-bin/token (client
// credentials → an access token of 7200 s), /cgi-bin/message/custom/send,
// /cgi-bin/media/upload and /cgi-bin/media/get, enforcing the access
// token on every call (40001 for a wrong one, 42001 for one expired with
// ExpireTokens, 41001 for none), the 48-hour window (45015), the 20
// messages without an answer (45047), unfollowed and blocking customers
// (43004, 43019), image type and size (40005, 40009), all as WeChat's
// JSON {"errcode","errmsg"}. It does not fake WeChat ending an old token
// 5 minutes after a new fetch, nor the other message and event types
// (tests post them with Post).
package wechattest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/channeltest"
	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

var _ channeltest.Platform = (*Platform)(nil)

// Platform is the fake WeChat of one Official Account.
type Platform struct {
	t       testing.TB
	srv     *httptest.Server
	client  *http.Client
	mode    string
	appid   string
	secret  string
	token   string
	aesKey  string
	account string
	crypt   *wxcrypt.Crypt

	mu         sync.Mutex
	now        func() time.Time
	tokens     map[string]time.Time // access token → expiry
	fetches    int
	active     map[string]time.Time // customer → their last message
	unanswered map[string]int       // customer → messages sent since
	blocked    map[string]int       // customer → 43004 or 43019
	received   map[string][]string
	media      map[string]media
	fail       []int
	last       *posted
	seq        int64
}

type media struct {
	name, typ string
	data      []byte
}

// posted is a webhook request as it went: for Resend.
type posted struct {
	user  string
	query string
	body  []byte
}

// Option sets up a Platform.
type Option func(*Platform)

// Mode is the account's message mode: "safe" (the default),
// "compatible" or "plain".
func Mode(mode string) Option { return func(p *Platform) { p.mode = mode } }

// New starts a fake WeChat on 127.0.0.1, closed when t ends.
func New(t testing.TB, opts ...Option) *Platform {
	t.Helper()
	p := &Platform{
		t: t, mode: "safe",
		appid: "wx" + randHex(8), secret: randHex(16), token: "tok" + randHex(8),
		aesKey: randAlnum(43), account: "gh_" + randHex(6),
		now:    time.Now,
		tokens: map[string]time.Time{}, active: map[string]time.Time{}, unanswered: map[string]int{},
		blocked: map[string]int{}, received: map[string][]string{}, media: map[string]media{},
	}
	for _, o := range opts {
		o(p)
	}
	cr, err := wxcrypt.New(p.token, p.aesKey, p.appid)
	if err != nil {
		t.Fatalf("wechattest: %v", err)
	}
	p.crypt = cr
	p.srv = httptest.NewServer(p.api())
	p.client = &http.Client{Timeout: 5 * time.Second}
	t.Cleanup(p.srv.Close)
	return p
}

// Kind is "wechat".
func (p *Platform) Kind() string { return "wechat" }

// APIBase is the fake API's URL.
func (p *Platform) APIBase() string { return p.srv.URL }

// Credentials are the account's, as its developer page shows them.
func (p *Platform) Credentials() map[string]string {
	c := map[string]string{"appid": p.appid, "appsecret": p.secret, "token": p.token, "account": p.account, "mode": p.mode}
	if p.mode != "plain" {
		c["encoding_aes_key"] = p.aesKey
	}
	return c
}

// SetNow sets the fake's clock (timestamps, CreateTime, the 48 hours).
func (p *Platform) SetNow(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

func (p *Platform) clock() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now()
}

// Message is a message or event WeChat posts, in its XML's names.
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   CDATA
	FromUserName CDATA
	CreateTime   int64
	MsgType      CDATA
	Content      *CDATA `xml:",omitempty"`
	PicURL       *CDATA `xml:"PicUrl,omitempty"`
	MediaID      *CDATA `xml:"MediaId,omitempty"`
	Format       *CDATA `xml:",omitempty"`
	Recognition  *CDATA `xml:",omitempty"`
	ThumbMediaID *CDATA `xml:"ThumbMediaId,omitempty"`
	LocationX    string `xml:"Location_X,omitempty"`
	LocationY    string `xml:"Location_Y,omitempty"`
	Scale        string `xml:",omitempty"`
	Label        *CDATA `xml:",omitempty"`
	Title        *CDATA `xml:",omitempty"`
	Description  *CDATA `xml:",omitempty"`
	URL          *CDATA `xml:"Url,omitempty"`
	Event        *CDATA `xml:",omitempty"`
	EventKey     *CDATA `xml:",omitempty"`
	MsgID        string `xml:"MsgId,omitempty"`
}

type CDATA struct {
	V string `xml:",cdata"`
}

// C makes a CDATA field of a Message.
func C(s string) *CDATA { return &CDATA{s} }

// Text is user's text message to the account.
func (p *Platform) Text(user, text string) Message {
	m := p.Msg(user, "text")
	m.Content = C(text)
	return m
}

// Msg is a message of type typ from user, with its ids and time filled
// in (a MsgId unless it is an event).
func (p *Platform) Msg(user, typ string) Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	m := Message{ToUserName: CDATA{p.account}, FromUserName: CDATA{user}, CreateTime: p.now().Unix(), MsgType: CDATA{typ}}
	if typ != "event" {
		m.MsgID = strconv.FormatInt(7_300_000_000_000_000_000+p.seq, 10)
	}
	return m
}

// XML is m's XML, as WeChat writes it.
func (m Message) XML() []byte {
	b, err := xml.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// Request is the webhook request WeChat makes to post plain (a
// message's XML) in the account's mode: its query and body.
func (p *Platform) Request(user string, plain []byte) *channels.Request {
	q, body := p.seal(user, plain, p.token)
	return &channels.Request{Method: http.MethodPost, Query: q, Header: http.Header{"Content-Type": {"text/xml"}}, Body: body, Now: p.clock()}
}

// Verification is the GET WeChat makes to verify the URL, with echostr.
func (p *Platform) Verification(echostr string) *channels.Request {
	ts, nonce := strconv.FormatInt(p.clock().Unix(), 10), randDigits()
	q := url.Values{"signature": {wxcrypt.Signature(p.token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {echostr}}
	return &channels.Request{Method: http.MethodGet, Query: q, Header: http.Header{}, Now: p.clock()}
}

// seal signs, and in compatible and safe mode encrypts, plain with token.
func (p *Platform) seal(user string, plain []byte, token string) (url.Values, []byte) {
	ts, nonce := strconv.FormatInt(p.clock().Unix(), 10), randDigits()
	q := url.Values{"signature": {wxcrypt.Signature(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {user}}
	if p.mode == "plain" {
		return q, plain
	}
	ct, err := p.crypt.Encrypt(plain)
	if err != nil {
		p.t.Fatalf("wechattest: %v", err)
	}
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", wxcrypt.Signature(token, ts, nonce, ct))
	enc := "<Encrypt><![CDATA[" + ct + "]]></Encrypt>"
	if p.mode == "compatible" {
		return q, append(bytes.TrimSuffix(bytes.TrimSpace(plain), []byte("</xml>")), enc+"</xml>"...)
	}
	return q, []byte("<xml><ToUserName><![CDATA[" + p.account + "]]></ToUserName>" + enc + "</xml>")
}

// Post posts m to the webhook hook as WeChat does, retrying what is not
// answered in 5 s, and delivers a passive reply; it returns the edge's
// status and answer.
func (p *Platform) Post(ctx context.Context, hook string, m Message) (int, []byte, error) {
	user := m.FromUserName.V
	if m.MsgType.V != "event" {
		p.mu.Lock()
		p.active[user] = p.now()
		p.unanswered[user] = 0
		p.mu.Unlock()
	}
	q, body := p.seal(user, m.XML(), p.token)
	pr := &posted{user: user, query: q.Encode(), body: body}
	p.mu.Lock()
	p.last = pr
	p.mu.Unlock()
	return p.deliver(ctx, hook, pr)
}

func (p *Platform) deliver(ctx context.Context, hook string, pr *posted) (int, []byte, error) {
	u, err := url.Parse(hook)
	if err != nil {
		return 0, nil, err
	}
	u.RawQuery = pr.query
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(pr.body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "text/xml")
		resp, err := p.client.Do(req)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return resp.StatusCode, nil, err
		}
		if resp.StatusCode == http.StatusOK {
			p.passive(pr.user, answer)
		}
		return resp.StatusCode, answer, nil
	}
	return 0, nil, fmt.Errorf("wechattest: the edge did not answer in 5 s, 3 times: %w", lastErr)
}

// passive delivers a passive reply to user, as WeChat shows it: a wrong
// one is dropped ("该公众号暂时无法提供服务" on the phone).
func (p *Platform) passive(user string, answer []byte) {
	if len(answer) == 0 || string(answer) == "success" {
		return
	}
	var env struct {
		Encrypt, MsgSignature, TimeStamp, Nonce string
	}
	if err := xml.Unmarshal(answer, &env); err != nil {
		p.t.Logf("wechattest: the edge answered neither success nor a reply's XML")
		return
	}
	if env.Encrypt != "" {
		if !p.crypt.Verify(env.MsgSignature, env.TimeStamp, env.Nonce, env.Encrypt) {
			p.t.Logf("wechattest: the encrypted passive reply's MsgSignature is wrong: dropped")
			return
		}
		plain, err := p.crypt.Decrypt(env.Encrypt)
		if err != nil {
			p.t.Logf("wechattest: the passive reply does not decrypt: %v", err)
			return
		}
		answer = plain
	} else if p.mode == "safe" {
		p.t.Logf("wechattest: a plaintext passive reply in safe mode: dropped")
		return
	}
	var r struct {
		ToUserName, FromUserName, MsgType, Content string
	}
	if err := xml.Unmarshal(answer, &r); err != nil || r.ToUserName != user || r.FromUserName != p.account || r.MsgType != "text" {
		p.t.Logf("wechattest: a passive reply that is not a text from %s to %s: dropped", p.account, user)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.received[user] = append(p.received[user], r.Content)
}

// Say posts user's text to the webhook.
func (p *Platform) Say(ctx context.Context, hook, user, text string) (int, string, error) {
	m := p.Text(user, text)
	status, _, err := p.Post(ctx, hook, m)
	return status, m.MsgID, err
}

// SayImage posts user's image, served by the media API under its MediaId.
func (p *Platform) SayImage(ctx context.Context, hook, user string, png []byte) (int, string, error) {
	id := p.AddMedia("image.png", "image/png", png)
	m := p.Msg(user, "image")
	m.PicURL, m.MediaID = C(p.srv.URL+"/mmbiz_png/"+id), C(id)
	status, _, err := p.Post(ctx, hook, m)
	return status, m.MsgID, err
}

// AddMedia stores a customer's file for media/get and returns its id.
func (p *Platform) AddMedia(name, typ string, data []byte) string {
	id := randAlnum(64)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.media[id] = media{name: name, typ: typ, data: data}
	return id
}

// Resend posts the last webhook request again, byte for byte.
func (p *Platform) Resend(ctx context.Context, hook string) (int, error) {
	p.mu.Lock()
	pr := p.last
	p.mu.Unlock()
	if pr == nil {
		return 0, errors.New("wechattest: nothing was posted yet")
	}
	status, _, err := p.deliver(ctx, hook, pr)
	return status, err
}

// Forged posts user's text signed (and encrypted) with another token.
func (p *Platform) Forged(ctx context.Context, hook, user, text string) (int, error) {
	q, body := p.seal(user, p.Text(user, text).XML(), "not-"+p.token)
	status, _, err := p.deliver(ctx, hook, &posted{user: user, query: q.Encode(), body: body})
	return status, err
}

// Received is what the edge sent user: texts, and files as "file:<name>".
func (p *Platform) Received(user string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.received[user]...)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randAlnum(n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(abc))))
		b[i] = abc[k.Int64()]
	}
	return string(b)
}

func randDigits() string {
	k, _ := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	return strconv.FormatInt(k.Int64()+1_000_000_000, 10)
}
