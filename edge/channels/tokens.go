package channels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Tokens is the region's cache of platforms' access tokens: in memory,
// and in two of the region's key-value buckets (the tokens, sealed with
// the region's key; and short-lived locks), so that one node of the
// region fetches an app's token at a time and every node uses it. Some
// platforms (WeChat) void an app's older token when a new one is
// fetched: nodes fetching each their own would void each other's.
type Tokens struct {
	kv, locks   jetstream.KeyValue // nil: this process only, or not opened yet
	openBuckets func(ctx context.Context) (kv, locks jetstream.KeyValue, err error)
	seal        func(plain, key string) string
	open        func(sealed, key string) (string, error)
	node        string
	now         func() time.Time

	mu  sync.Mutex
	mem map[string]tokenRec
	// fetching serialises fetches within the process
	fetching map[string]*sync.Mutex
}

type tokenRec struct {
	Sealed  string    `json:"t"`
	Expires time.Time `json:"e"`
	Fetched time.Time `json:"f"`
	plain   string
}

// fresh reports whether the token may be used without a fetch: a tenth
// of its life (at least 30 s) before it expires.
func (r tokenRec) fresh(now time.Time) bool {
	margin := max(r.Expires.Sub(r.Fetched)/10, 30*time.Second)
	return r.plain != "" && now.Before(r.Expires.Add(-margin))
}

// TokenOptions configure Tokens.
type TokenOptions struct {
	// KV and Locks are the region's buckets (Locks with a TTL of about
	// 30 s, so that a node that dies holding a lock frees it); nil keeps
	// tokens in this process only.
	KV, Locks jetstream.KeyValue
	// Buckets, instead of KV and Locks, opens them at the first token
	// asked for (and again after a failure): a node without channels
	// makes none, and its start does not wait on the region's quorum.
	Buckets func(ctx context.Context) (kv, locks jetstream.KeyValue, err error)
	// Seal and Open keep a token sealed in the bucket (the region key's
	// sealing, bound to the key).
	Seal func(plain, key string) string
	Open func(sealed, key string) (string, error)
	Node string
	Now  func() time.Time
}

// NewTokens makes the cache.
func NewTokens(o TokenOptions) *Tokens {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Seal == nil || o.Open == nil {
		o.Seal = func(p, _ string) string { return p }
		o.Open = func(s, _ string) (string, error) { return s, nil }
	}
	return &Tokens{kv: o.KV, locks: o.Locks, openBuckets: o.Buckets, seal: o.Seal, open: o.Open, node: o.Node, now: o.Now,
		mem: map[string]tokenRec{}, fetching: map[string]*sync.Mutex{}}
}

// buckets are the region's buckets, opened at the first call that needs
// them; nil ones keep tokens in this process.
func (t *Tokens) buckets(ctx context.Context) (kv, locks jetstream.KeyValue, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.kv == nil && t.openBuckets != nil {
		kv, locks, err := t.openBuckets(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("the region's token buckets: %w", err)
		}
		t.kv, t.locks = kv, locks
	}
	return t.kv, t.locks, nil
}

// kvKey is a bucket key for key (bucket keys take a narrow alphabet).
func kvKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "t" + hex.EncodeToString(sum[:16])
}

// Token returns key's token, fetching it when there is none fresh; one
// fetch per key across the region at a time (TokenCache).
func (t *Tokens) Token(ctx context.Context, key string, fetch func(ctx context.Context) (string, time.Time, error)) (string, error) {
	t.mu.Lock()
	if r, ok := t.mem[key]; ok && r.fresh(t.now()) {
		t.mu.Unlock()
		return r.plain, nil
	}
	l := t.fetching[key]
	if l == nil {
		l = &sync.Mutex{}
		t.fetching[key] = l
	}
	t.mu.Unlock()
	l.Lock()
	defer l.Unlock()
	kv, locks, err := t.buckets(ctx)
	if err != nil {
		return "", err
	}
	deadline := t.now().Add(20 * time.Second)
	for {
		t.mu.Lock()
		r, ok := t.mem[key]
		t.mu.Unlock()
		if ok && r.fresh(t.now()) {
			return r.plain, nil
		}
		if kv == nil {
			return t.fetch(ctx, nil, key, fetch)
		}
		shared, err := t.load(ctx, kv, key)
		if err != nil {
			return "", err
		}
		if shared.fresh(t.now()) {
			t.remember(key, shared)
			return shared.plain, nil
		}
		switch _, err := locks.Create(ctx, kvKey(key), []byte(t.node)); {
		case err == nil:
			tok, err := t.fetch(ctx, kv, key, fetch)
			_ = locks.Delete(context.WithoutCancel(ctx), kvKey(key))
			return tok, err
		case !errors.Is(err, jetstream.ErrKeyExists):
			return "", err
		}
		// another node fetches: its token will be in the bucket; the
		// old one serves while it is not expired
		if shared.plain != "" && t.now().Before(shared.Expires) {
			return shared.plain, nil
		}
		if t.now().After(deadline) {
			return "", errors.New("another node of the region has been fetching this access token for 20 s: try again")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (t *Tokens) load(ctx context.Context, kv jetstream.KeyValue, key string) (tokenRec, error) {
	e, err := kv.Get(ctx, kvKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return tokenRec{}, nil
	}
	if err != nil {
		return tokenRec{}, err
	}
	var r tokenRec
	if json.Unmarshal(e.Value(), &r) != nil {
		return tokenRec{}, nil
	}
	if r.plain, err = t.open(r.Sealed, key); err != nil {
		return tokenRec{}, nil // sealed under a key rotated out: fetch anew
	}
	return r, nil
}

func (t *Tokens) fetch(ctx context.Context, kv jetstream.KeyValue, key string, fetch func(ctx context.Context) (string, time.Time, error)) (string, error) {
	tok, exp, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	r := tokenRec{Sealed: t.seal(tok, key), Expires: exp, Fetched: t.now(), plain: tok}
	t.remember(key, r)
	if kv != nil {
		b, _ := json.Marshal(r)
		if _, err := kv.Put(ctx, kvKey(key), b); err != nil {
			return tok, nil // this node has it; the others fetch their own
		}
	}
	return tok, nil
}

func (t *Tokens) remember(key string, r tokenRec) {
	t.mu.Lock()
	t.mem[key] = r
	t.mu.Unlock()
}

// Invalidate drops token when it is still key's (TokenCache).
func (t *Tokens) Invalidate(ctx context.Context, key, token string) {
	t.mu.Lock()
	if r, ok := t.mem[key]; ok && r.plain == token {
		delete(t.mem, key)
	}
	t.mu.Unlock()
	kv, _, err := t.buckets(ctx)
	if kv == nil || err != nil {
		return
	}
	if r, err := t.load(ctx, kv, key); err == nil && r.plain == token {
		_ = kv.Delete(ctx, kvKey(key))
	}
}
