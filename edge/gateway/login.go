package gateway

import (
	"container/list"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// LoginLimits throttle failed sign-ins (the auth.login.* keys). After
// AccountFailures failures of one account (the e-mail address given,
// whether an agent has it or not), or AddressFailures from one client
// address, each further failure locks that account or address for
// Backoff, doubled per failure up to MaxBackoff. A locked account or
// address is refused without checking the password until the lock ends or
// an operator lifts it. Failures are forgotten ForgetAfter after the last
// one once no lock is left; at most MaxTracked accounts, and as many
// addresses, are remembered.
type LoginLimits struct {
	AccountFailures int           // default 5
	AddressFailures int           // default 20
	Backoff         time.Duration // default 1s
	MaxBackoff      time.Duration // default 15m
	ForgetAfter     time.Duration // default 1h
	MaxTracked      int           // default 100000
	// BcryptCost is the cost of agents' password hashes (auth.bcrypt_cost;
	// 0: bcrypt's default): a sign-in with an unknown address is checked
	// against a hash of that cost, so that it takes as long.
	BcryptCost int
}

func (l *LoginLimits) defaults() {
	if l.AccountFailures <= 0 {
		l.AccountFailures = 5
	}
	if l.AddressFailures <= 0 {
		l.AddressFailures = 20
	}
	if l.Backoff <= 0 {
		l.Backoff = time.Second
	}
	if l.MaxBackoff < l.Backoff {
		l.MaxBackoff = max(15*time.Minute, l.Backoff)
	}
	if l.ForgetAfter < l.MaxBackoff {
		l.ForgetAfter = max(time.Hour, l.MaxBackoff)
	}
	if l.MaxTracked <= 0 {
		l.MaxTracked = 100000
	}
}

// Scopes of a sign-in lock.
const (
	scopeAccount = "account"
	scopeAddress = "address"
)

// failures are the recent failed sign-ins of one account or address.
type failures struct {
	key    string
	n      int
	last   time.Time // the last failure
	until  time.Time // locked until
	locked bool      // in the locked list
}

// failureLog remembers the failures of one scope, at most max entries.
// Unlocked entries are forgotten first, least recently seen first, so
// that failures spread over many accounts or addresses cannot push a
// lock out.
type failureLog struct {
	free     int // failures before a lock
	lim      *LoginLimits
	entries  map[string]*list.Element
	unlocked list.List // of *failures, most recently seen first
	locked   list.List
}

func newFailureLog(free int, lim *LoginLimits) *failureLog {
	return &failureLog{free: free, lim: lim, entries: map[string]*list.Element{}}
}

// get returns key's failures, or nil when it has none it remembers.
func (l *failureLog) get(key string, now time.Time) *failures {
	el := l.entries[key]
	if el == nil {
		return nil
	}
	f := el.Value.(*failures)
	unlocked := !now.Before(f.until)
	if unlocked && now.Sub(f.last) > l.lim.ForgetAfter {
		l.remove(key)
		return nil
	}
	if f.locked && unlocked {
		l.locked.Remove(el)
		f.locked = false
		l.entries[key] = l.unlocked.PushFront(f)
	} else if f.locked {
		l.locked.MoveToFront(el)
	} else {
		l.unlocked.MoveToFront(el)
	}
	return f
}

// wait is how long key stays locked.
func (l *failureLog) wait(key string, now time.Time) time.Duration {
	if f := l.get(key, now); f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// fail counts a failure of key and returns the lock it now has, if any.
func (l *failureLog) fail(key string, now time.Time) time.Duration {
	f := l.get(key, now)
	if f == nil {
		for len(l.entries) >= l.lim.MaxTracked {
			l.evict()
		}
		f = &failures{key: key}
		l.entries[key] = l.unlocked.PushFront(f)
	}
	f.n++
	f.last = now
	if f.n <= l.free {
		return 0
	}
	d := l.lim.MaxBackoff
	if k := f.n - l.free - 1; k < 32 {
		d = min(l.lim.Backoff<<k, l.lim.MaxBackoff)
	}
	f.until = now.Add(d)
	if !f.locked {
		l.unlocked.Remove(l.entries[key])
		f.locked = true
		l.entries[key] = l.locked.PushFront(f)
	}
	return d
}

func (l *failureLog) evict() {
	back := l.unlocked.Back()
	if back == nil {
		back = l.locked.Back()
	}
	l.remove(back.Value.(*failures).key)
}

// remove forgets key; it reports whether there was anything to forget.
func (l *failureLog) remove(key string) bool {
	el := l.entries[key]
	if el == nil {
		return false
	}
	if el.Value.(*failures).locked {
		l.locked.Remove(el)
	} else {
		l.unlocked.Remove(el)
	}
	delete(l.entries, key)
	return true
}

// Lockout is a locked account or address (GET /api/v1/login-lockouts).
type Lockout struct {
	Key         string    `json:"key"`
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until"`
}

func (l *failureLog) lockouts(now time.Time) []Lockout {
	out := []Lockout{}
	for el := l.locked.Front(); el != nil; el = el.Next() {
		if f := el.Value.(*failures); now.Before(f.until) {
			out = append(out, Lockout{Key: f.key, Failures: f.n, LockedUntil: f.until.UTC()})
		}
	}
	return out
}

// loginThrottle holds the failures of accounts and addresses. The nodes of
// a region tell each other their failures and lifts over NATS, so that
// spreading attempts over the nodes gains nothing.
type loginThrottle struct {
	mu        sync.Mutex
	accounts  *failureLog
	addresses *failureLog
}

func newLoginThrottle(lim *LoginLimits) *loginThrottle {
	return &loginThrottle{accounts: newFailureLog(lim.AccountFailures, lim), addresses: newFailureLog(lim.AddressFailures, lim)}
}

// loginSubject carries the region's sign-in failures and lifts.
const loginSubject = "edgedesk.login"

// loginMsg is a failure of an account from an address, or a lift (a
// successful sign-in, an operator's) of either.
type loginMsg struct {
	Node    string `json:"node"`
	Op      string `json:"op"` // fail | lift
	Account string `json:"account,omitempty"`
	Address string `json:"address,omitempty"`
}

// accountKey is how an account is counted: the e-mail address as given,
// trimmed and in lower case, at most 254 bytes.
func accountKey(email string) string {
	return truncate(strings.ToLower(strings.TrimSpace(email)), 254)
}

// addressKey is how a client address is counted: an IPv4 address, or the
// /64 of an IPv6 address (one subscriber's network).
func addressKey(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// parseAddressKey reads an address an operator names in a lift.
func parseAddressKey(s string) (string, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return addressKey(p.Addr()), true
	}
	a, err := netip.ParseAddr(s)
	return addressKey(a), err == nil
}

// clientAddress is the address of the client of r: its peer's, or, when
// the peer is a trusted proxy, the last address in X-Forwarded-For that is
// not one.
func (g *Gateway) clientAddress(r *http.Request) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := peer.Addr().Unmap()
	if !g.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = a.Unmap()
		if !g.trusted(addr) {
			break
		}
	}
	return addr
}

func (g *Gateway) trusted(a netip.Addr) bool {
	for _, p := range g.lim.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// loginAllowed answers 429 with Retry-After, and returns false, when the
// account or the address is locked.
func (g *Gateway) loginAllowed(w http.ResponseWriter, account, address string) bool {
	now := time.Now()
	g.logins.mu.Lock()
	wait, scope := g.logins.addresses.wait(address, now), scopeAddress
	if aw := g.logins.accounts.wait(account, now); aw > wait {
		wait, scope = aw, scopeAccount
	}
	g.logins.mu.Unlock()
	if wait <= 0 {
		return true
	}
	g.m.LoginThrottled.WithLabelValues(scope).Inc()
	secs := int64(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	what := "from this address"
	if scope == scopeAccount {
		what = "for this account"
	}
	httpError(w, http.StatusTooManyRequests, CodeLoginThrottled,
		fmt.Sprintf("too many failed sign-ins %s: try again in %d s, or ask an operator to lift the lock", what, secs))
	return false
}

// loginFailed counts a failure here and tells the region.
func (g *Gateway) loginFailed(account, address string) {
	g.m.LoginFailures.Inc()
	g.countFailure(account, address)
	g.publishLogin(&loginMsg{Op: "fail", Account: account, Address: address})
}

func (g *Gateway) countFailure(account, address string) {
	now := time.Now()
	g.logins.mu.Lock()
	defer g.logins.mu.Unlock()
	if account != "" {
		g.logins.accounts.fail(account, now)
	}
	if address != "" {
		g.logins.addresses.fail(address, now)
	}
}

// loginSucceeded forgets the failures of an account that signed in.
func (g *Gateway) loginSucceeded(account string) {
	if g.forgetFailures(account, "") > 0 {
		g.publishLogin(&loginMsg{Op: "lift", Account: account})
	}
}

// liftLogin forgets the failures of an account, an address or both,
// here and in the region, and returns how many it forgot here.
func (g *Gateway) liftLogin(account, address string) int {
	n := g.forgetFailures(account, address)
	g.publishLogin(&loginMsg{Op: "lift", Account: account, Address: address})
	return n
}

func (g *Gateway) forgetFailures(account, address string) int {
	g.logins.mu.Lock()
	defer g.logins.mu.Unlock()
	n := 0
	if account != "" && g.logins.accounts.remove(account) {
		n++
	}
	if address != "" && g.logins.addresses.remove(address) {
		n++
	}
	return n
}

func (g *Gateway) publishLogin(m *loginMsg) {
	m.Node = g.node
	b, _ := json.Marshal(m)
	if err := g.nc.Publish(loginSubject, b); err != nil {
		g.log.Debug("publish a sign-in failure", "err", err)
	}
}

// onLogin applies another node's failure or lift.
func (g *Gateway) onLogin(msg *nats.Msg) {
	var m loginMsg
	if err := json.Unmarshal(msg.Data, &m); err != nil || m.Node == g.node || len(m.Account) > 254 || len(m.Address) > 64 {
		return
	}
	switch m.Op {
	case "fail":
		g.countFailure(m.Account, m.Address)
	case "lift":
		g.forgetFailures(m.Account, m.Address)
	}
}

// tracked is how many accounts or addresses the throttle remembers.
func (g *Gateway) tracked(scope string) float64 {
	g.logins.mu.Lock()
	defer g.logins.mu.Unlock()
	if scope == scopeAccount {
		return float64(len(g.logins.accounts.entries))
	}
	return float64(len(g.logins.addresses.entries))
}

// RegisterAdmin adds the operator's routes, each behind guard (the admin
// token), to mux: GET /api/v1/login-lockouts lists the locked accounts and
// addresses, DELETE /api/v1/login-lockouts?account=…&address=… lifts
// locks.
func (g *Gateway) RegisterAdmin(mux *http.ServeMux, guard func(http.Handler) http.Handler) {
	mux.Handle("GET /api/v1/login-lockouts", guard(http.HandlerFunc(g.lockouts)))
	mux.Handle("DELETE /api/v1/login-lockouts", guard(http.HandlerFunc(g.liftLockout)))
}

func (g *Gateway) lockouts(w http.ResponseWriter, _ *http.Request) {
	now := time.Now()
	g.logins.mu.Lock()
	out := map[string][]Lockout{"accounts": g.logins.accounts.lockouts(now), "addresses": g.logins.addresses.lockouts(now)}
	g.logins.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (g *Gateway) liftLockout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	account := accountKey(q.Get("account"))
	address := ""
	if a := q.Get("address"); a != "" {
		var ok bool
		if address, ok = parseAddressKey(a); !ok {
			httpError(w, http.StatusBadRequest, CodeInvalid, "address must be an IP address, e.g. ?address=203.0.113.7")
			return
		}
	}
	if account == "" && address == "" {
		httpError(w, http.StatusBadRequest, CodeInvalid, "name what to lift: ?account=<e-mail address>, ?address=<IP address>, or both")
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"lifted": g.liftLogin(account, address)})
}
