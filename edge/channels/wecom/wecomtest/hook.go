package wecomtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels/wxcrypt"
)

// Say queues user's text to the fake's account and calls the edge back.
func (p *Platform) Say(ctx context.Context, hook, user, text string) (int, string, error) {
	return p.SayTo(ctx, hook, p.kfID, user, text)
}

// SayTo is Say to another customer service account kf of the corp.
func (p *Platform) SayTo(ctx context.Context, hook, kf, user, text string) (int, string, error) {
	return p.customer(ctx, hook, kf, user, map[string]any{"msgtype": "text", "text": map[string]any{"content": text}})
}

// SayImage queues user's image (png, served by media/get) and calls the
// edge back.
func (p *Platform) SayImage(ctx context.Context, hook, user string, png []byte) (int, string, error) {
	p.mu.Lock()
	p.seq++
	id := "MEDIA" + strconv.Itoa(p.seq) + hexRand(8)
	p.media[id] = stored{name: "image.png", ctype: "image/png", data: append([]byte(nil), png...)}
	p.mu.Unlock()
	return p.customer(ctx, hook, p.kfID, user, map[string]any{"msgtype": "image", "image": map[string]any{"media_id": id}})
}

// SayType queues user's message of msgtype with its object body (a
// location, a business card, …) and calls the edge back.
func (p *Platform) SayType(ctx context.Context, hook, user, msgtype string, body map[string]any) (int, string, error) {
	return p.customer(ctx, hook, p.kfID, user, map[string]any{"msgtype": msgtype, msgtype: body})
}

// Enter queues the enter_session event of user opening the chat (a
// system event, origin 4) and calls the edge back.
func (p *Platform) Enter(ctx context.Context, hook, user string) (int, string, error) {
	p.mu.Lock()
	if _, ok := p.nicknames[user]; !ok {
		p.nicknames[user] = "Customer " + user
	}
	p.mu.Unlock()
	return p.system(ctx, hook, map[string]any{"event_type": "enter_session", "open_kfid": p.kfID, "external_userid": user, "scene": "", "welcome_code": hexRand(8)})
}

// SendFailed queues the msg_send_fail event of the edge's message msgid
// to user (failType: WeCom's fail_type, 10 the customer refused it).
func (p *Platform) SendFailed(ctx context.Context, hook, user, msgid string, failType int) (int, string, error) {
	return p.system(ctx, hook, map[string]any{"event_type": "msg_send_fail", "open_kfid": p.kfID, "external_userid": user, "fail_msgid": msgid, "fail_type": failType})
}

// Servicer queues a servicer's message to user written in the WeCom app
// (origin 5) and calls the edge back.
func (p *Platform) Servicer(ctx context.Context, hook, user, text string) (int, string, error) {
	p.mu.Lock()
	id := p.enqueue(p.kfID, map[string]any{"open_kfid": p.kfID, "external_userid": user, "origin": 5, "servicer_userid": "zhangsan", "msgtype": "text", "text": map[string]any{"content": text}})
	p.mu.Unlock()
	st, err := p.notify(ctx, hook, p.kfID, false)
	return st, id, err
}

// Resend delivers the last callback again, byte for byte.
func (p *Platform) Resend(ctx context.Context, hook string) (int, error) {
	p.mu.Lock()
	target, body := p.lastHook, p.lastBody
	p.mu.Unlock()
	if target == "" {
		return 0, fmt.Errorf("wecomtest: nothing was sent to resend")
	}
	// the same request, to hook (the edge may have moved: a restart)
	if _, q, ok := strings.Cut(target, "?"); ok {
		target = hook + "?" + q
	} else {
		target = hook
	}
	return post(ctx, target, body)
}

// Forged calls the edge back with a msg_signature made with a wrong
// Token; nothing is queued.
func (p *Platform) Forged(ctx context.Context, hook, user, text string) (int, error) {
	return p.notify(ctx, hook, p.kfID, true)
}

func (p *Platform) customer(ctx context.Context, hook, kf, user string, content map[string]any) (int, string, error) {
	p.mu.Lock()
	s := p.sessions[user]
	if s == nil {
		s = &session{state: StateNew}
		p.sessions[user] = s
	} else if s.state == StateEnded {
		s.state = StateNew
	}
	s.last, s.replies = p.now(), 0
	if _, ok := p.nicknames[user]; !ok {
		p.nicknames[user] = "Customer " + user
	}
	msg := map[string]any{"open_kfid": kf, "external_userid": user, "origin": 3}
	for k, v := range content {
		msg[k] = v
	}
	id := p.enqueue(kf, msg)
	p.mu.Unlock()
	st, err := p.notify(ctx, hook, kf, false)
	return st, id, err
}

func (p *Platform) system(ctx context.Context, hook string, ev map[string]any) (int, string, error) {
	p.mu.Lock()
	id := p.enqueue(p.kfID, map[string]any{"origin": 4, "msgtype": "event", "event": ev})
	p.mu.Unlock()
	st, err := p.notify(ctx, hook, p.kfID, false)
	return st, id, err
}

// enqueue adds msg to kf's queue with its msgid and send_time; p.mu is
// held.
func (p *Platform) enqueue(kf string, msg map[string]any) string {
	p.seq++
	id := "msg" + strconv.Itoa(p.seq) + "_" + hexRand(6)
	msg["msgid"], msg["send_time"] = id, p.now().Unix()
	p.queue = append(p.queue, queued{kf: kf, msg: msg})
	return id
}

// notify POSTs the kf_msg_or_event callback, with a fresh token, to hook
// as WeCom does (forged: signed with a wrong Token).
func (p *Platform) notify(ctx context.Context, hook, kf string, forged bool) (int, error) {
	tok := "ENC" + hexRand(20)
	p.mu.Lock()
	if !forged {
		p.msgTokens[tok] = p.now().Add(10 * time.Minute)
	}
	p.mu.Unlock()
	now := time.Now().Unix()
	plain := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[%s]]></Token><OpenKfId><![CDATA[%s]]></OpenKfId></xml>", p.corpID, now, tok, kf)
	token := p.token
	if forged {
		token = "not-" + p.token
	}
	target, body, err := p.callback(hook, []byte(plain), now, token)
	if err != nil {
		return 0, err
	}
	if !forged {
		p.mu.Lock()
		p.lastHook, p.lastBody = target, body
		p.mu.Unlock()
	}
	return post(ctx, target, body)
}

// Callback is the URL and body WeCom would POST to hook for the
// plaintext event at unix time ts: the event encrypted (receiver id =
// corpid) in the envelope, msg_signature over the timestamp, nonce and
// Encrypt.
func (p *Platform) Callback(hook string, plain []byte, ts int64) (string, []byte, error) {
	return p.callback(hook, plain, ts, p.token)
}

func (p *Platform) callback(hook string, plain []byte, ts int64, token string) (string, []byte, error) {
	enc, err := p.crypt.Encrypt(plain)
	if err != nil {
		return "", nil, err
	}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>", p.corpID, enc)
	return signed(hook, token, ts, enc, nil), []byte(body), nil
}

// VerifyURL is the URL WeCom GETs to check hook (验证URL有效性), and the
// echostr's plaintext the edge must answer.
func (p *Platform) VerifyURL(hook string) (string, string, error) {
	echo := hexRand(8)
	enc, err := p.crypt.Encrypt([]byte(echo))
	if err != nil {
		return "", "", err
	}
	return signed(hook, p.token, time.Now().Unix(), enc, url.Values{"echostr": {enc}}), echo, nil
}

// signed is hook with msg_signature (over the timestamp, nonce and data),
// timestamp, nonce and extra in its query.
func signed(hook, token string, ts int64, data string, extra url.Values) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e10))
	stamp, nonce := strconv.FormatInt(ts, 10), n.String()
	q := url.Values{"msg_signature": {wxcrypt.Signature(token, stamp, nonce, data)}, "timestamp": {stamp}, "nonce": {nonce}}
	for k, v := range extra {
		q[k] = v
	}
	sep := "?"
	if strings.Contains(hook, "?") {
		sep = "&"
	}
	return hook + sep + q.Encode()
}

func post(ctx context.Context, target string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
