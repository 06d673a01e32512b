package xtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// OAuthParams reads an "Authorization: OAuth k="v", …" header (RFC 5849
// 3.5.1): its percent-encoded values decoded.
func OAuthParams(header string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(header, "OAuth ")
	if !ok {
		return nil, errors.New("the Authorization header is not OAuth")
	}
	p := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("OAuth parameter %q is not k=\"v\"", k)
		}
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("OAuth parameter %q is not percent-encoded", k)
		}
		if _, dup := p[dk]; dup {
			return nil, fmt.Errorf("OAuth parameter %q twice", dk)
		}
		p[dk] = dv
	}
	return p, nil
}

// SignatureBase is RFC 5849 3.4.1's signature base string of a request:
// the method, the base string URI and the normalized parameters (query,
// form body and oauth_* but oauth_signature and realm), each
// percent-encoded, joined by "&".
func SignatureBase(method, baseURI string, params url.Values) string {
	type kv struct{ k, v string }
	var all []kv
	for k, vs := range params {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		for _, v := range vs {
			all = append(all, kv{oauth1.PercentEncode(k), oauth1.PercentEncode(v)})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].k != all[j].k {
			return all[i].k < all[j].k
		}
		return all[i].v < all[j].v
	})
	pairs := make([]string, len(all))
	for i, p := range all {
		pairs[i] = p.k + "=" + p.v
	}
	return strings.ToUpper(method) + "&" + oauth1.PercentEncode(baseURI) + "&" + oauth1.PercentEncode(strings.Join(pairs, "&"))
}

// HMACSHA1 is the HMAC-SHA1 signature of base under the consumer secret
// and token secret (RFC 5849 3.4.2), base64.
func HMACSHA1(consumerSecret, tokenSecret, base string) string {
	m := hmac.New(sha1.New, []byte(oauth1.PercentEncode(consumerSecret)+"&"+oauth1.PercentEncode(tokenSecret)))
	m.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// verifier checks requests' OAuth 1.0a signatures as X does: the
// consumer key and access token it knows, HMAC-SHA1, a timestamp within
// 5 minutes, a nonce not seen before.
type verifier struct {
	consumerKey, consumerSecret string
	token, tokenSecret          string
	nonces                      map[string]bool // guarded by the Platform's mu
}

// verify checks r (whose body is body) and returns why it is refused.
func (v *verifier) verify(r *http.Request, body []byte, now time.Time) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return errors.New("no Authorization header")
	}
	op, err := OAuthParams(h)
	if err != nil {
		return err
	}
	if op["oauth_consumer_key"] != v.consumerKey {
		return errors.New("unknown oauth_consumer_key")
	}
	if op["oauth_token"] != v.token {
		return errors.New("unknown oauth_token")
	}
	if op["oauth_signature_method"] != "HMAC-SHA1" {
		return errors.New("oauth_signature_method is not HMAC-SHA1")
	}
	if ver, ok := op["oauth_version"]; ok && ver != "1.0" {
		return errors.New("oauth_version is not 1.0")
	}
	ts, err := strconv.ParseInt(op["oauth_timestamp"], 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return errors.New("oauth_timestamp missing or out of bounds")
	}
	n := op["oauth_nonce"]
	if n == "" || v.nonces[n] {
		return errors.New("oauth_nonce missing or used before")
	}
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = append(params[k], vs...)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return errors.New("form body not decodable")
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	for k, val := range op {
		params.Set(k, val)
	}
	base := SignatureBase(r.Method, "http://"+strings.ToLower(r.Host)+r.URL.EscapedPath(), params)
	want := HMACSHA1(v.consumerSecret, v.tokenSecret, base)
	if !hmac.Equal([]byte(want), []byte(op["oauth_signature"])) {
		return errors.New("oauth_signature does not match")
	}
	v.nonces[n] = true
	return nil
}

// readBody reads r's body, at most max bytes.
func readBody(r *http.Request, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errors.New("body too large")
	}
	return b, nil
}
