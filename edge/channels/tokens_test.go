package channels_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/channels"
)

// Two nodes of a region (two Tokens on the region's real key-value
// buckets, in the embedded NATS server) asking at once fetch an app's
// token once and use the same; the bucket holds it sealed; a token the
// platform said expired is fetched anew, once.
func TestTokensAreFetchedOncePerRegion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Start(ctx, bus.Options{Secrets: bus.Secrets{Current: []byte("test-region-secret-0123456789abcdef")},
		Dir: filepath.Join(t.TempDir(), "log"), ServerName: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	kv, err := b.KeyValue(ctx, "channel_tokens", 0)
	if err != nil {
		t.Fatal(err)
	}
	locks, err := b.KeyValue(ctx, "channel_token_locks", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	seal := func(p, key string) string { return "sealed:" + strings.Map(func(r rune) rune { return r + 1 }, p) }
	open := func(s, key string) (string, error) {
		if !strings.HasPrefix(s, "sealed:") {
			return "", errors.New("not sealed")
		}
		return strings.Map(func(r rune) rune { return r - 1 }, strings.TrimPrefix(s, "sealed:")), nil
	}
	nodes := []*channels.Tokens{
		channels.NewTokens(channels.TokenOptions{KV: kv, Locks: locks, Seal: seal, Open: open, Node: "a"}),
		channels.NewTokens(channels.TokenOptions{KV: kv, Locks: locks, Seal: seal, Open: open, Node: "b"}),
	}
	var fetches atomic.Int32
	fetch := func(ctx context.Context) (string, time.Time, error) {
		n := fetches.Add(1)
		time.Sleep(200 * time.Millisecond) // the platform's answer takes a while
		return "tok-" + string(rune('0'+n)), time.Now().Add(2 * time.Hour), nil
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			tok, err := nodes[i%2].Token(ctx, "wx/access_token", fetch)
			if err != nil {
				t.Error(err)
			}
			got[i] = tok
		})
	}
	wg.Wait()
	if fetches.Load() != 1 {
		t.Fatalf("%d fetches by two nodes asking at once, want 1", fetches.Load())
	}
	for _, tok := range got {
		if tok != "tok-1" {
			t.Fatalf("tokens %q, want all tok-1", got)
		}
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		e, _ := kv.Get(ctx, k)
		if strings.Contains(string(e.Value()), "tok-1") {
			t.Fatalf("the bucket holds the token in clear: %s", e.Value())
		}
	}
	// the platform told both nodes that tok-1 expired: one new fetch
	nodes[0].Invalidate(ctx, "wx/access_token", "tok-1")
	nodes[1].Invalidate(ctx, "wx/access_token", "tok-1")
	tok, err := nodes[1].Token(ctx, "wx/access_token", fetch)
	if err != nil || tok != "tok-2" || fetches.Load() != 2 {
		t.Fatalf("after the expiry: %q %v, %d fetches; want tok-2 after 2", tok, err, fetches.Load())
	}
	if tok, err := nodes[0].Token(ctx, "wx/access_token", fetch); err != nil || tok != "tok-2" || fetches.Load() != 2 {
		t.Fatalf("the other node: %q %v, %d fetches; want the same tok-2", tok, err, fetches.Load())
	}
}
