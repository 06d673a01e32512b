package plugins

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
	"github.com/edgedesk/edgedesk/wasm/plugintest"
)

// the compilation cache the other packages' plugin tests share
var cacheDir = filepath.Join(os.TempDir(), "edgedesk-wazero-cache-test")

func install(t *testing.T, m *Manager, dir string) {
	t.Helper()
	files := readPackage(t, dir)
	if _, err := m.Install(context.Background(), files[0], files[1], files[2]); err != nil {
		t.Fatal(err)
	}
}

// A plugin's store (capability kv) is scoped to the plugin and the call's
// tenant and outlives the edge's process: the counter the test module
// keeps goes on from where it was after a restart.
func TestPluginStoreSurvivesRestart(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	data := t.TempDir()
	opts := Options{Dir: filepath.Join(data, "plugins"), CacheDir: cacheDir, KVDir: filepath.Join(data, "plugin-kv"),
		Trusted: []ed25519.PublicKey{pub}}
	ctx := context.Background()
	m, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	install(t, m, plugintest.Package(t, "wasm/host/testdata/hostile",
		host.Manifest{Name: "counter", Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting,
			Capabilities: []string{abi.CapKV, abi.CapClock}}, priv))
	count := func(m *Manager, tenant string) string {
		t.Helper()
		d, _, err := m.Route(ctx, &abi.RouteRequest{Tenant: tenant, Conversation: "count"})
		if err != nil {
			t.Fatal(err)
		}
		return d.Reason
	}
	for _, want := range []string{"1", "2", "3"} {
		if got := count(m, "acme"); got != want {
			t.Fatalf("acme's count = %s, want %s", got, want)
		}
	}
	if got := count(m, "globex"); got != "1" {
		t.Fatalf("globex's count = %s, want 1: tenants share a store", got)
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	m, err = Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	if got := count(m, "acme"); got != "4" {
		t.Fatalf("after a restart acme's count = %s, want 4", got)
	}
	if got := count(m, "globex"); got != "2" {
		t.Fatalf("after a restart globex's count = %s, want 2", got)
	}
}

// A scope holds at most host.MaxKVEntries keys, a count kept with the
// entries across a restart; values of keys it has may still change, and
// other scopes are not affected.
func TestPluginStoreLimit(t *testing.T) {
	dir := t.TempDir()
	s, err := openKV(dir, discard())
	if err != nil {
		t.Fatal(err)
	}
	for i := range host.MaxKVEntries {
		if err := s.Set("p", "acme", "k"+strconv.Itoa(i), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set("p", "acme", "one-more", nil); !errors.Is(err, host.ErrKVFull) {
		t.Fatalf("a new key in a full scope: %v, want ErrKVFull", err)
	}
	s.Close()
	if s, err = openKV(dir, discard()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Set("p", "acme", "one-more", nil); !errors.Is(err, host.ErrKVFull) {
		t.Fatalf("after a restart, a new key in a full scope: %v, want ErrKVFull", err)
	}
	if err := s.Set("p", "acme", "k7", []byte("changed")); err != nil {
		t.Fatalf("an existing key in a full scope: %v", err)
	}
	for _, sc := range [][2]string{{"p", "globex"}, {"q", "acme"}, {"pa", "cme"}} {
		if err := s.Set(sc[0], sc[1], "k", []byte("x")); err != nil {
			t.Fatalf("scope %v: %v", sc, err)
		}
	}
	if v, ok, err := s.Get("p", "acme", "k7"); err != nil || !ok || string(v) != "changed" {
		t.Fatalf("k7 = %q, %v, %v", v, ok, err)
	}
	if _, ok, err := s.Get("pa", "cme", "k7"); err != nil || ok {
		t.Fatalf("plugin pa, tenant cme reads plugin p, tenant acme's key: %v %v", ok, err)
	}
}

// What the store acknowledged survives the process being killed
// (SIGKILL) in the middle of writing.
func TestPluginStoreSurvivesKill(t *testing.T) {
	if dir := os.Getenv("EDGEDESK_KV_WRITER"); dir != "" {
		kvWriter(dir) // the child: writes until it is killed
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPluginStoreSurvivesKill$")
	cmd.Env = append(os.Environ(), "EDGEDESK_KV_WRITER="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if n, err := strconv.Atoi(lines.Text()); err == nil {
			acked = n
		}
		if acked >= 500 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if acked < 500 {
		t.Fatalf("the writer acknowledged %d writes before it ended; want 500", acked+1)
	}
	s, err := openKV(dir, discard())
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	for i := 0; i <= acked; i++ {
		v, ok, err := s.Get("p", "acme", "k"+strconv.Itoa(i))
		if err != nil || !ok || string(v) != fmt.Sprint("value ", i) {
			t.Fatalf("acknowledged write %d of %d after kill -9: %q, %v, %v", i, acked+1, v, ok, err)
		}
	}
	t.Logf("%d acknowledged writes survived kill -9", acked+1)
}

// kvWriter writes keys k0, k1, … and prints each number once its write
// returned, until it is killed.
func kvWriter(dir string) {
	s, err := openKV(dir, discard())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if err := s.Set("p", "acme", "k"+strconv.Itoa(i), []byte(fmt.Sprint("value ", i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(w, i)
		w.Flush()
		if i > 100000 {
			time.Sleep(time.Millisecond) // the parent is slow to kill: do not fill the disk
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// A scope holds at most host.MaxKVBytes of keys and values, a size kept
// with the entries across a restart: a write that would grow it past that
// is refused, one that does not grow it is taken. A store written before
// the bytes were kept (its size record has the entry count alone) counts
// them at its first write.
func TestPluginStoreBytes(t *testing.T) {
	dir := t.TempDir()
	s, err := openKV(dir, discard())
	if err != nil {
		t.Fatal(err)
	}
	v := make([]byte, host.MaxKVValue)
	n := 0
	for ; ; n++ {
		err := s.Set("p", "acme", "k"+strconv.Itoa(n), v)
		if errors.Is(err, host.ErrKVFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n > host.MaxKVBytes/host.MaxKVValue {
			t.Fatalf("a scope took more than %d values of 64 KiB; its limit is %d bytes", n, host.MaxKVBytes)
		}
	}
	if n != host.MaxKVBytes/host.MaxKVValue-1 { // 63 values and their keys
		t.Fatalf("a scope took %d values of 64 KiB; its limit is %d bytes", n, host.MaxKVBytes)
	}
	if err := s.Set("p", "acme", "k1", []byte("small")); err != nil {
		t.Fatalf("shrinking a value in a full scope: %v", err)
	}
	if err := s.Set("p", "globex", "k", v); err != nil {
		t.Fatalf("another tenant: %v", err)
	}
	s.Close()

	if s, err = openKV(dir, discard()); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("p", "acme", "k1", v); err != nil {
		t.Fatalf("after a restart, growing k1 back: %v", err)
	}
	if err := s.Set("p", "acme", "one-more", v); !errors.Is(err, host.ErrKVFull) {
		t.Fatalf("after a restart, a new value past the limit: %v, want ErrKVFull", err)
	}

	// the record of a store from before: the entry count alone
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(scope('n', "p", "acme", ""), binary.BigEndian.AppendUint64(nil, uint64(n)))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("p", "acme", "one-more", v); !errors.Is(err, host.ErrKVFull) {
		t.Fatalf("a store with an old size record: %v, want ErrKVFull (its bytes counted)", err)
	}
	if err := s.Set("p", "acme", "k2", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("p", "acme", "one-more", v); err != nil {
		t.Fatalf("after a value was emptied: %v", err)
	}
	s.Close()
}

// On the edge, with the store on disk: a plugin that fills a tenant's
// store hears −1 and keeps serving; one that writes more than its quota
// fails the call with host.ErrQuota, and the edge suspends it at once.
func TestPluginStoreQuotasOnTheEdge(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	data := t.TempDir()
	ctx := context.Background()
	m, err := Open(ctx, Options{Dir: filepath.Join(data, "plugins"), CacheDir: cacheDir, KVDir: filepath.Join(data, "plugin-kv"),
		Trusted: []ed25519.PublicKey{pub}, Limits: host.Limits{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	install(t, m, plugintest.Package(t, "wasm/host/testdata/greedy",
		host.Manifest{Name: "greedy", Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting,
			Capabilities: []string{abi.CapLog, abi.CapMetrics, abi.CapKV}}, priv))
	ask := func(tenant, what string, args ...string) (string, error) {
		d, _, err := m.Route(ctx, &abi.RouteRequest{Tenant: tenant, Conversation: what, Skills: args})
		return d.Reason, err
	}
	for i, want := range []string{"63", "0"} { // 63 values of 64 KiB fill a tenant's store, then none
		if got, err := ask("acme", "kvfill", []string{"k", "more"}[i]); err != nil || got != want {
			t.Fatalf("fill %d: stored %q, %v; want %s", i+1, got, err, want)
		}
	}
	if _, ok, err := m.kv.Get("greedy", "acme", "k62"); !ok || err != nil {
		t.Fatalf("k62: %v, %v", ok, err)
	}
	if _, ok, err := m.kv.Get("greedy", "acme", "more0"); ok || err != nil {
		t.Fatalf("a write past the store's limit is stored: %v, %v", ok, err)
	}
	// another tenant: 200 writes of 64 KiB over one key pass the plugin's
	// quota of writes (the first fill took half of it)
	if _, err := ask("globex", "kvchurn"); !errors.Is(err, host.ErrQuota) {
		t.Fatalf("12.5 MiB of writes: %v, want host.ErrQuota", err)
	}
	if _, err := ask("globex", "hello"); !errors.Is(err, ErrSuspended) || !errors.Is(err, host.ErrQuota) {
		t.Fatalf("the call after a quota was broken: %v, want ErrSuspended wrapping host.ErrQuota", err)
	}
}
