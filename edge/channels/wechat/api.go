package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// maxAPIBody bounds a JSON answer of WeChat's API.
const maxAPIBody = 1 << 20

// apiError is WeChat's error answer: {"errcode":40001,"errmsg":"…"}.
type apiError struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func (e *apiError) Error() string {
	msg := e.Msg
	if len(msg) > 160 {
		msg = msg[:160]
	}
	return fmt.Sprintf("WeChat errcode %d (%s)", e.Code, msg)
}

// tokenExpired reports whether WeChat refused the access token as
// invalid or expired: the cached one is dropped and fetched anew.
func tokenExpired(code int) bool {
	return code == 40001 || code == 40014 || code == 42001
}

// tokenKey names the account's access token in the cache.
func (a *Adapter) tokenKey() string { return a.id + "/access_token" }

// fetchToken gets an access token (获取 Access token): it lasts 7200 s
// and a fetch ends the previous token after 5 minutes, so it is shared
// across the region through the token cache.
func (a *Adapter) fetchToken(ctx context.Context) (string, time.Time, error) {
	q := url.Values{"grant_type": {"client_credential"}, "appid": {a.appid}, "secret": {a.secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("wechat: access token: %w", err)
	}
	var out struct {
		apiError
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := a.doJSON(req, &out); err != nil {
		return "", time.Time{}, fmt.Errorf("wechat: access token: %w", err)
	}
	if out.Code != 0 {
		hint := ""
		switch out.Code {
		case 40013:
			hint = ": check the channel's appid"
		case 40125, 40001:
			hint = ": check the channel's appsecret (reset it on 开发 → 基本配置 if lost)"
		case 40164:
			hint = ": add the edge's IP address to the account's IP allowlist (开发 → 基本配置 → IP白名单)"
		}
		return "", time.Time{}, fmt.Errorf("wechat: access token: %w%s", &out.apiError, hint)
	}
	if out.AccessToken == "" || len(out.AccessToken) > 1024 {
		return "", time.Time{}, errors.New("wechat: access token: WeChat answered no access_token")
	}
	if out.ExpiresIn <= 0 || out.ExpiresIn > 7200 {
		out.ExpiresIn = 7200
	}
	return out.AccessToken, a.now().Add(time.Duration(out.ExpiresIn) * time.Second), nil
}

// withToken runs call with the access token; when WeChat says the token
// is invalid or expired, it drops it and runs call once more with a new
// one.
func (a *Adapter) withToken(ctx context.Context, call func(token string) error) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var tok string
		tok, err = a.tokens.Token(ctx, a.tokenKey(), a.fetchToken)
		if err != nil {
			return err
		}
		err = call(tok)
		var ae *apiError
		if !errors.As(err, &ae) || !tokenExpired(ae.Code) {
			return err
		}
		a.tokens.Invalidate(ctx, a.tokenKey(), tok)
		a.log.InfoContext(ctx, "WeChat refused the access token: fetching another", "errcode", ae.Code)
	}
	return fmt.Errorf("%w: a fresh access token was refused too; check that no other system fetches this account's token (each fetch ends the previous one)", err)
}

// post posts body to path with the access token and decodes the answer
// into out; an errcode is an *apiError.
func (a *Adapter) post(ctx context.Context, path string, q url.Values, ctype string, body []byte, out any) error {
	return a.withToken(ctx, func(tok string) error {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("access_token", tok)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path+"?"+qq.Encode(), bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", ctype)
		b, err := a.doRaw(req)
		if err != nil {
			return err
		}
		var e apiError
		if err := json.Unmarshal(b, &e); err != nil {
			return errors.New("WeChat's answer is not its JSON")
		}
		if e.Code != 0 {
			return &e
		}
		if out != nil && json.Unmarshal(b, out) != nil {
			return errors.New("WeChat's answer is not its JSON")
		}
		return nil
	})
}

// doJSON does req and decodes its JSON answer into out; the error never
// carries the URL (it holds the secret or the access token).
func (a *Adapter) doJSON(req *http.Request, out any) error {
	b, err := a.doRaw(req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return errors.New("WeChat's answer is not its JSON")
	}
	return nil
}

// doRaw does req and returns its answer's body, bounded, when its status
// is 2xx.
func (a *Adapter) doRaw(req *http.Request) ([]byte, error) {
	resp, err := a.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading WeChat's answer: %w", err)
	}
	if len(b) > maxAPIBody {
		return nil, fmt.Errorf("WeChat's answer is over %d bytes", maxAPIBody)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("WeChat answered HTTP %d", resp.StatusCode)
	}
	return b, nil
}

// do sends req, stripping its URL from a transport error.
func (a *Adapter) do(req *http.Request) (*http.Response, error) {
	resp, err := a.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("calling WeChat's %s: %w", req.URL.Path, err)
	}
	return resp, nil
}

// sendError is what an agent reads of a refused reply.
func sendError(err error) *channels.SendError {
	var ae *apiError
	if !errors.As(err, &ae) {
		return &channels.SendError{Reason: "WeChat did not take the reply, it is tried again: " + err.Error()}
	}
	perm := func(reason string) *channels.SendError {
		return &channels.SendError{Permanent: true, Reason: reason + " (errcode " + strconv.Itoa(ae.Code) + ")"}
	}
	switch ae.Code {
	case 45015:
		return perm("WeChat allows customer-service replies only within 48 hours of the customer's last message")
	case 45047:
		return perm("WeChat takes no more customer-service messages to this customer until they write again (too many messages without an answer)")
	case 43004:
		return perm("the customer no longer follows the account: WeChat delivers nothing to them until they follow it again")
	case 43019:
		return perm("the customer has blocked the account: WeChat delivers nothing to them")
	case 40003:
		return perm("the customer's openid is not one of this account's: check the channel's appid")
	case 48001:
		return perm("the account may not use WeChat's customer-service message API: it needs a verified account with that permission")
	case 45002, 44004:
		return perm("WeChat refused the text (empty or too long): shorten it")
	case 40004, 40005, 40006, 40009, 40007:
		return perm("WeChat refused the image (type, size or media id): send a JPEG or PNG under 10 MB")
	case -1:
		return &channels.SendError{Reason: "WeChat is busy (errcode -1): the reply is tried again"}
	case 45009:
		return &channels.SendError{Reason: "WeChat's rate limit of the account's API is reached (errcode 45009): the reply is tried again"}
	case 40164:
		return &channels.SendError{Reason: "WeChat refuses calls from the edge's IP address (errcode 40164): add it to the account's IP allowlist (开发 → 基本配置 → IP白名单)"}
	}
	return &channels.SendError{Reason: "WeChat refused the reply, it is tried again: " + ae.Error()}
}
