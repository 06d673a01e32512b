package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// WeCom's errcodes the adapter acts on (全局错误码,
// developer.work.weixin.qq.com/document/path/90313, and 微信客服's).
const (
	codeOK              = 0
	codeBusy            = -1    // 系统繁忙
	codeBadSecret       = 40001 // 不合法的secret参数
	codeBadCorpID       = 40013 // 不合法的CorpID
	codeBadToken        = 40014 // 不合法的access_token
	codeNoToken         = 41001 // 缺少access_token参数
	codeTokenExpired    = 42001 // access_token已过期
	codeBadMediaID      = 40007 // 不合法的media_id参数
	codeBadUser         = 40096 // 不合法的外部联系人userid
	codeBadKfID         = 95000 // 不合法的open_kfid
	codeCountLimit      = 95001 // 发送客服消息次数限制 (5 per customer message)
	codeTimeLimit       = 95002 // 发送客服消息时间限制 (48 h after the customer's last message)
	codeNoKfID          = 95004 // open_kfid不存在
	codeBadMsgToken     = 95007 // 不合法的msgtoken (sync_msg's token, 10 minutes)
	codeSessionEnded    = 95013 // 会话已经结束
	codeNotServicer     = 95014 // 用户不是接待人员
	codeStateNotAllowed = 95016 // 不允许这种状态转换
	codeSessionState    = 95018 // 发送消息失败，当前会话状态不允许发送 (send msg session status invalid)
)

// status is the errcode and errmsg every answer of WeCom's API has.
type status struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (s *status) result() *status { return s }

// answer is an API answer: it has a status.
type answer interface{ result() *status }

// apiError is an errcode WeCom answered.
type apiError struct {
	Path string
	Code int
	Msg  string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("wecom: %s answered errcode %d (%s)", e.Path, e.Code, e.Msg)
}

// failed makes the apiError of a's errcode, or nil when it is 0.
func failed(path string, a answer) error {
	s := a.result()
	if s.ErrCode == codeOK {
		return nil
	}
	msg := s.ErrMsg
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return &apiError{Path: path, Code: s.ErrCode, Msg: msg}
}

func codeOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.Code
	}
	return codeOK
}

// tokenKey names the access token in the TokenCache.
func (a *Adapter) tokenKey() string { return a.id + "/access_token" }

func (a *Adapter) accessToken(ctx context.Context) (string, error) {
	return a.tokens.Token(ctx, a.tokenKey(), a.fetchToken)
}

// fetchToken gets an access token: GET /cgi-bin/gettoken?corpid&corpsecret.
func (a *Adapter) fetchToken(ctx context.Context) (string, time.Time, error) {
	const path = "/cgi-bin/gettoken"
	var out struct {
		status
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q := url.Values{"corpid": {a.corpID}, "corpsecret": {a.secret}}
	if err := a.exchange(ctx, http.MethodGet, path, q, nil, &out); err != nil {
		return "", time.Time{}, err
	}
	if err := failed(path, &out); err != nil {
		switch out.ErrCode {
		case codeBadSecret:
			return "", time.Time{}, fmt.Errorf("%w: the secret is wrong: copy the secret of the app set in 微信客服 → 可调用接口的应用", err)
		case codeBadCorpID:
			return "", time.Time{}, fmt.Errorf("%w: the corpid is wrong: copy it from 我的企业 → 企业ID", err)
		}
		return "", time.Time{}, err
	}
	if out.AccessToken == "" || len(out.AccessToken) > 1024 {
		return "", time.Time{}, errors.New("wecom: gettoken answered no usable access_token")
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	if life <= 0 || life > 24*time.Hour {
		life = 2 * time.Hour
	}
	return out.AccessToken, a.now().Add(life), nil
}

// body makes a request body anew for each attempt, with its type.
type body func() (io.Reader, string, error)

func jsonBody(v any) body {
	b, err := json.Marshal(v)
	return func() (io.Reader, string, error) { return bytes.NewReader(b), "application/json", err }
}

// call POSTs in to path with q and the access token and reads the answer into
// out; when WeCom says the token is invalid or expired it drops it and
// tries once more with a new one. The errcode is left in out.
func (a *Adapter) call(ctx context.Context, path string, q url.Values, in body, out answer) error {
	for attempt := 0; ; attempt++ {
		tok, err := a.accessToken(ctx)
		if err != nil {
			return err
		}
		qt := url.Values{"access_token": {tok}}
		for k, v := range q {
			qt[k] = v
		}
		*out.result() = status{}
		if err := a.exchange(ctx, http.MethodPost, path, qt, in, out); err != nil {
			return err
		}
		if c := out.result().ErrCode; (c == codeBadToken || c == codeTokenExpired || c == codeNoToken) && attempt == 0 {
			a.log.InfoContext(ctx, "wecom: access token refused, fetching a new one", "errcode", c)
			a.tokens.Invalidate(ctx, a.tokenKey(), tok)
			continue
		}
		return nil
	}
}

// exchange makes one request and decodes its JSON answer into out.
func (a *Adapter) exchange(ctx context.Context, method, path string, q url.Values, in body, out any) error {
	resp, err := a.request(ctx, method, path, q, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return fmt.Errorf("wecom: reading %s's answer: %w", path, err)
	}
	if len(b) > maxReply {
		return fmt.Errorf("wecom: %s answered more than %d bytes", path, maxReply)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wecom: %s answered HTTP %d", path, resp.StatusCode)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("wecom: %s answered what is not its JSON: %w", path, err)
	}
	return nil
}

// request sends one request; its errors never carry the URL (it has the
// access token or the secret).
func (a *Adapter) request(ctx context.Context, method, path string, q url.Values, in body) (*http.Response, error) {
	var r io.Reader
	ctype := ""
	if in != nil {
		var err error
		if r, ctype, err = in(); err != nil {
			return nil, fmt.Errorf("wecom: making %s's request: %w", path, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path+"?"+q.Encode(), r)
	if err != nil {
		return nil, fmt.Errorf("wecom: making %s's request: the API base is not a URL", path)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("wecom: %s %s: %w", method, path, err)
	}
	return resp, nil
}
