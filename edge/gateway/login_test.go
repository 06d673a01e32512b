package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// login posts a sign-in from the client address from (sent as
// X-Forwarded-For; "" sends none) and returns the status, the error code
// and Retry-After.
func login(t *testing.T, base, from, email, password string) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gateway.APIError
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Code, resp.Header.Get("Retry-After")
}

// admin sends an admin API request and returns the status and body.
func admin(t *testing.T, e *edgetest.Edge, method, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// throttled checks a sign-in was refused unchecked, with a wait to tell.
func throttled(t *testing.T, what string, status int, code, retry string) {
	t.Helper()
	if s, err := strconv.Atoi(retry); status != http.StatusTooManyRequests || code != gateway.CodeLoginThrottled || err != nil || s < 1 {
		t.Fatalf("%s: %d %q Retry-After %q, want 429 %s with Retry-After", what, status, code, retry, gateway.CodeLoginThrottled)
	}
}

// Wrong passwords from one address, and wrong passwords for one account
// from many addresses, are answered until a threshold, then refused
// without checking (429, login_throttled, Retry-After), the right password
// too, until an operator lifts the lock; every failure and refusal is
// counted.
func TestLoginIsThrottledPerAddressAndAccount(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Auth.Login.AddressFailures = 8
	cfg.Auth.Login.Backoff = time.Minute // no lock ends within the test
	cfg.HTTP.TrustedProxies = []string{"127.0.0.1"}
	e := edgetest.Start(t, cfg)
	// an account that does not exist is throttled like one that does
	accounts := []string{"alice@demo.test", "mallory@demo.test", "carol@demo.test"}

	// one address, guessing the passwords of three accounts in turn:
	// under each account's threshold (5), over the address's (8)
	const attacker = "203.0.113.7"
	for i := range 9 {
		if status, code, _ := login(t, e.URL, attacker, accounts[i%3], "guess-"+strconv.Itoa(i)); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s, want 401 (under the threshold the password is checked)", i, status, code)
		}
	}
	status, code, retry := login(t, e.URL, attacker, "carol@demo.test", "guess-9")
	throttled(t, "the address's 10th guess", status, code, retry)
	status, code, retry = login(t, e.URL, attacker, "alice@demo.test", edge.DemoPassword)
	throttled(t, "the right password from the locked address", status, code, retry)
	if status, _, _ := login(t, e.URL, "198.51.100.1", "alice@demo.test", edge.DemoPassword); status != http.StatusOK {
		t.Fatalf("alice from another address: %d, want 200", status)
	}

	// one account, from many addresses: 5 failures are answered, the 6th
	// locks it
	for i := range 6 {
		if status, code, _ := login(t, e.URL, fmt.Sprintf("198.51.100.%d", 10+i), "Bob@demo.test", "guess"); status != http.StatusUnauthorized {
			t.Fatalf("bob, guess %d: %d %s, want 401", i, status, code)
		}
	}
	status, code, retry = login(t, e.URL, "198.51.100.20", "bob@demo.test", "guess")
	throttled(t, "bob's 7th guess from a new address", status, code, retry)
	status, code, retry = login(t, e.URL, "198.51.100.21", "bob@demo.test", edge.DemoPassword)
	throttled(t, "bob's right password while locked", status, code, retry)

	// the operator sees the locks and lifts them
	if s, body := admin(t, e, http.MethodGet, "/api/v1/login-lockouts", ""); s != http.StatusUnauthorized {
		t.Fatalf("lockouts without the admin token: %d %s", s, body)
	}
	tok := e.AdminToken()
	s, body := admin(t, e, http.MethodGet, "/api/v1/login-lockouts", tok)
	var list struct{ Accounts, Addresses []gateway.Lockout }
	if err := json.Unmarshal([]byte(body), &list); s != http.StatusOK || err != nil || len(list.Accounts) != 1 || list.Accounts[0].Key != "bob@demo.test" ||
		len(list.Addresses) != 1 || list.Addresses[0].Key != attacker || !list.Accounts[0].LockedUntil.After(time.Now()) {
		t.Fatalf("lockouts: %d %s (%v)", s, body, err)
	}
	if s, body := admin(t, e, http.MethodDelete, "/api/v1/login-lockouts", tok); s != http.StatusBadRequest {
		t.Fatalf("a lift naming nothing: %d %s", s, body)
	}
	if s, body := admin(t, e, http.MethodDelete, "/api/v1/login-lockouts?account=bob@demo.test", tok); s != http.StatusOK || body != "{\"lifted\":1}\n" {
		t.Fatalf("lift bob: %d %s", s, body)
	}
	if status, code, _ := login(t, e.URL, "198.51.100.21", "bob@demo.test", edge.DemoPassword); status != http.StatusOK {
		t.Fatalf("bob after the lift: %d %s", status, code)
	}
	if s, body := admin(t, e, http.MethodDelete, "/api/v1/login-lockouts?address="+attacker, tok); s != http.StatusOK || body != "{\"lifted\":1}\n" {
		t.Fatalf("lift the address: %d %s", s, body)
	}
	if status, code, _ := login(t, e.URL, attacker, "alice@demo.test", edge.DemoPassword); status != http.StatusOK {
		t.Fatalf("alice from the lifted address: %d %s", status, code)
	}

	for series, want := range map[string]float64{
		"edgedesk_login_failures_total":                   15,
		`edgedesk_login_throttled_total{scope="address"}`: 2,
		`edgedesk_login_throttled_total{scope="account"}`: 2,
	} {
		if got := metricValue(t, e.URL, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// Without trusted proxies X-Forwarded-For is the client's word and is not
// believed: the peer's address is counted.
func TestLoginIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Auth.Login.AddressFailures = 3
	cfg.Auth.Login.Backoff = time.Minute
	e := edgetest.Start(t, cfg)
	for i := range 4 {
		if status, code, _ := login(t, e.URL, fmt.Sprintf("192.0.2.%d", i), "alice@demo.test", "guess"); status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, status, code)
		}
	}
	status, code, retry := login(t, e.URL, "192.0.2.99", "bob@demo.test", "guess")
	throttled(t, "a 5th guess with yet another X-Forwarded-For", status, code, retry)
}

// An attack from many addresses on many accounts keeps the throttle's
// memory within auth.login.max_tracked, and does not push out a lock.
func TestLoginThrottleMemoryIsBounded(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Auth.Login.MaxTracked = 100
	cfg.Auth.Login.Backoff = time.Minute
	cfg.HTTP.TrustedProxies = []string{"127.0.0.0/8"}
	e := edgetest.Start(t, cfg)
	for i := range 6 {
		login(t, e.URL, "192.0.2.1", "bob@demo.test", "guess"+strconv.Itoa(i))
	}
	for i := range 300 {
		if status, code, _ := login(t, e.URL, fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), fmt.Sprintf("nobody-%d@demo.test", i), "guess"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i, status, code)
		}
	}
	for _, scope := range []string{"account", "address"} {
		if got := metricValue(t, e.URL, `edgedesk_login_tracked{scope="`+scope+`"}`); got > 100 || got < 50 {
			t.Errorf("%s entries tracked: %v, want at most 100", scope, got)
		}
	}
	status, code, retry := login(t, e.URL, "192.0.2.2", "bob@demo.test", edge.DemoPassword)
	throttled(t, "bob after 300 failures of other accounts", status, code, retry)
}
