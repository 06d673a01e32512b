package api

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
)

// Idempotency keys: a POST, PATCH or DELETE with an Idempotency-Key header
// is answered once; a repeat of it (same key, same credentials, same
// method, path and body) within idempotencyTTL gets the first answer
// again, byte for byte, and makes no second change; the same key with
// another request gets 409 idempotency-mismatch; a repeat while the first
// is still running waits for its answer. The node keeps the answers in
// memory (at most idempotencyMax, the oldest dropped first); beyond them
// (another node of the region, a restart) the ids the key derives hold:
// a message or a conversation made with a key is made once, ever.
const (
	idempotencyTTL    = 24 * time.Hour
	idempotencyMax    = 100_000
	maxIdempotencyKey = 255
	// maxRemembered bounds one remembered answer; a larger one is not
	// kept (the ids the key derives still hold).
	maxRemembered = 64 << 10
)

type idemEntry struct {
	fingerprint [32]byte
	done        chan struct{} // closed when the answer is in
	status      int
	header      http.Header
	body        []byte
	expires     time.Time
	keep        bool // false: the request failed in a way a retry may fix; forgotten
}

type idempotency struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]*idemEntry
	order   []string // keys, oldest first
}

func newIdempotency(ttl time.Duration, max int) *idempotency {
	return &idempotency{ttl: ttl, max: max, entries: map[string]*idemEntry{}}
}

// begin finds the entry of key, or makes a pending one (first is true).
func (m *idempotency) begin(key string, fp [32]byte, now time.Time) (e *idemEntry, first bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && now.Before(e.expires) {
		return e, false
	}
	for len(m.order) > 0 && (len(m.entries) >= m.max || m.expired(m.order[0], now)) {
		delete(m.entries, m.order[0])
		m.order = m.order[1:]
	}
	e = &idemEntry{fingerprint: fp, done: make(chan struct{}), expires: now.Add(m.ttl)}
	m.entries[key] = e
	m.order = append(m.order, key)
	return e, true
}

func (m *idempotency) expired(key string, now time.Time) bool {
	e, ok := m.entries[key]
	return !ok || !now.Before(e.expires)
}

// finish records the answer of a pending entry, or forgets the entry.
func (m *idempotency) finish(key string, e *idemEntry) {
	m.mu.Lock()
	if !e.keep && m.entries[key] == e {
		delete(m.entries, key)
	}
	m.mu.Unlock()
	close(e.done)
}

// recorder keeps an answer as it is written.
type recorder struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.w.Header() }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.w.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body.Len() <= maxRemembered {
		r.body.Write(b)
	}
	return r.w.Write(b)
}

// idempotent serves next once per Idempotency-Key, as above; requests
// without the header go straight to next.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, p principal, next func(http.ResponseWriter, *http.Request)) {
	ik := r.Header.Get("Idempotency-Key")
	if ik == "" {
		next(w, r)
		return
	}
	if len(ik) > maxIdempotencyKey {
		problem(w, http.StatusBadRequest, "invalid-request", fmt.Sprintf("Idempotency-Key: at most %d characters", maxIdempotencyKey))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		problem(w, http.StatusBadRequest, "invalid-request", "the body could not be read: "+err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	fmt.Fprintf(h, "%s %s?%s\x00", r.Method, r.URL.Path, r.URL.RawQuery)
	h.Write(body)
	var fp [32]byte
	h.Sum(fp[:0])
	key := p.tenant + "\x00" + p.id() + "\x00" + ik
	for range 2 {
		e, first := a.idem.begin(key, fp, time.Now())
		if first {
			rec := &recorder{w: w}
			func() {
				defer a.idem.finish(key, e)
				next(rec, r)
				e.status, e.header, e.body = rec.status, w.Header().Clone(), rec.body.Bytes()
				e.keep = rec.status < 500 && rec.body.Len() <= maxRemembered
			}()
			return
		}
		if e.fingerprint != fp {
			problem(w, http.StatusConflict, "idempotency-mismatch", "this Idempotency-Key was used with another request: use a new key for a new request")
			return
		}
		select {
		case <-e.done:
		case <-r.Context().Done():
			return
		}
		if !e.keep {
			continue // the first failed: this one runs
		}
		for k, v := range e.header {
			w.Header()[k] = v
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(e.status)
		_, _ = w.Write(e.body)
		return
	}
	problem(w, http.StatusServiceUnavailable, "unavailable", "the first request with this Idempotency-Key failed: retry")
}

// derivedClientID is the client id an Idempotency-Key gives a message or
// a conversation: the same key of the same principal, the same id, on
// every node and after restarts.
func derivedClientID(r *http.Request, p principal, route string) string {
	ik := r.Header.Get("Idempotency-Key")
	if ik == "" {
		return ""
	}
	return auth.DerivedID("k", p.tenant, p.id(), route, ik)
}
