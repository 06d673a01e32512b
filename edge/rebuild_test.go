package edge_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/state"
)

// dump reads the whole state store of a stopped node.
func dump(t *testing.T, dataDir string) []state.KV {
	t.Helper()
	s, err := state.Open(filepath.Join(dataDir, "state"), state.Options{}, edgetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	kv, err := s.Dump()
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

// traffic makes every kind of event: contacts, conversations, messages,
// private notes, read markers, status changes, reassignment.
func traffic(t *testing.T, e *edgetest.Edge) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	alice := e.Agent("alice@demo.test", "")
	// rules: their firings, and a time rule's times, are state too
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeRulesSet, Rules: []protocol.Rule{
		{ID: "three", Name: "Third message", When: []string{"message_in"}, Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "message 3"}},
			Actions: []protocol.Action{{Type: "add_tags", Tags: []string{"third"}}, {Type: "add_note", Text: "the third"}, {Type: "set_priority", Value: "high"}}},
		{ID: "silent", Name: "Silent", When: []string{"time"}, Since: "status", AfterS: 86400, Conditions: []protocol.Condition{{Field: "status", Op: "is", Value: "pending"}},
			Actions: []protocol.Action{{Type: "set_status", Value: "solved"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 4; c++ {
		cust := e.Visitor()
		ack, err := cust.Start(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		for m := 0; m < 10; m++ {
			if _, err := cust.Message(ctx, ack.Conv, fmt.Sprintf("m%d", m), fmt.Sprintf("customer %d message %d 你好", c, m)); err != nil {
				t.Fatal(err)
			}
		}
		last, err := alice.Message(ctx, ack.Conv, "r1", "on it")
		if err != nil {
			t.Fatal(err)
		}
		steps := []*gateway.InFrame{
			{Type: gateway.TypeSend, Conv: ack.Conv, ClientID: "n1", Text: "note", Private: true},
			{Type: gateway.TypeRead, Conv: ack.Conv, Seq: last.Seq},
			{Type: gateway.TypeAssign, Conv: ack.Conv, Agent: "agent-bob"},
			{Type: gateway.TypeStatus, Conv: ack.Conv, Status: []string{"resolved", "pending", "open", "resolved"}[c]},
		}
		for _, f := range steps {
			if _, err := alice.Request(ctx, f); err != nil {
				t.Fatalf("%s: %v", f.Type, err)
			}
		}
	}
}

// withTraffic runs traffic on a fresh edge and stops it; it returns the
// edge's config, the last sequence it applied and its state.
func withTraffic(t *testing.T) (cfg config.Config, applied uint64, original []state.KV) {
	t.Helper()
	cfg = edgetest.Config(t)
	e := edgetest.Start(t, cfg)
	traffic(t, e)
	applied = e.Store().Applied()
	e.Stop()
	original = dump(t, cfg.DataDir)
	if len(original) < 100 {
		t.Fatalf("only %d records: the traffic did not reach the store", len(original))
	}
	return cfg, applied, original
}

func TestRebuiltStateEqualsOriginalByteForByte(t *testing.T) {
	cfg, applied, original := withTraffic(t)

	// what a rebuild that crashed left: removed first
	for _, dir := range []string{"state.rebuild", "state.old"} {
		if err := os.MkdirAll(filepath.Join(cfg.DataDir, dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg.DataDir, dir, "MANIFEST"), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// edge rebuild
	res, err := edge.Rebuild(context.Background(), cfg, edgetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.LastSeq != applied || res.Events != int(applied) {
		t.Fatalf("rebuild applied %d events up to %d, the original up to %d", res.Events, res.LastSeq, applied)
	}
	if ok, diff := state.EqualDumps(original, dump(t, cfg.DataDir)); !ok {
		t.Fatalf("rebuilt state differs from the original: %s", diff)
	}
	for _, dir := range []string{"state.rebuild", "state.old"} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, dir)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after the rebuild: %v, want it gone", dir, err)
		}
	}

	// start-up with the state directory missing rebuilds it too
	if err := os.RemoveAll(filepath.Join(cfg.DataDir, "state")); err != nil {
		t.Fatal(err)
	}
	e2 := edgetest.Start(t, cfg)
	if got := e2.Store().Applied(); got != applied {
		t.Fatalf("after start-up without state, applied %d, want %d", got, applied)
	}
	e2.Stop()
	if ok, diff := state.EqualDumps(original, dump(t, cfg.DataDir)); !ok {
		t.Fatalf("state rebuilt at start-up differs from the original: %s", diff)
	}
}

func TestStateSurvivesRestartWithoutReapplying(t *testing.T) {
	cfg := edgetest.Config(t)
	e := edgetest.Start(t, cfg)
	traffic(t, e)
	e.Stop()
	before := dump(t, cfg.DataDir)
	e2 := edgetest.Start(t, cfg)
	e2.Stop()
	if ok, diff := state.EqualDumps(before, dump(t, cfg.DataDir)); !ok {
		t.Fatalf("a restart changed the state: %s", diff)
	}
}

// A store written with another layout (an older edge's) is rebuilt from the
// log at start-up, to what this edge writes.
func TestStateOfAnotherLayoutIsRebuilt(t *testing.T) {
	cfg, applied, original := withTraffic(t)

	// What an edge of layout 1 left: its own keys, no layout record.
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(cfg.DataDir, "state")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete([]byte("m/layout")); err != nil {
			return err
		}
		return txn.Set([]byte("cf/demo/old-layout-key"), []byte("x"))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	e2 := edgetest.Start(t, cfg)
	if l := e2.Store().Layout(); l != state.Layout {
		t.Fatalf("layout after start-up %d, want %d", l, state.Layout)
	}
	if got := e2.Store().Applied(); got != applied {
		t.Fatalf("after the rebuild applied %d, want %d", got, applied)
	}
	e2.Stop()
	if ok, diff := state.EqualDumps(original, dump(t, cfg.DataDir)); !ok {
		t.Fatalf("state rebuilt from another layout differs from the original: %s", diff)
	}
}

// edge rebuild refuses to run under a node: it says which process holds the
// data directory and leaves the node's state where it is.
func TestRebuildRefusesWhileANodeRuns(t *testing.T) {
	cfg := edgetest.Config(t)
	e := edgetest.Start(t, cfg)
	traffic(t, e)
	applied := e.Store().Applied()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := edge.Rebuild(ctx, cfg, edgetest.Logger(t))
	if !errors.Is(err, edge.ErrDataDirInUse) {
		t.Fatalf("rebuild under a running node: %v, want ErrDataDirInUse", err)
	}
	want := fmt.Sprintf("another edge (pid %d) holds the data directory %s: stop it first", os.Getpid(), cfg.DataDir)
	if err.Error() != want {
		t.Fatalf("rebuild under a running node: %q, want %q", err, want)
	}
	for _, dir := range []string{"state.rebuild", "state.old"} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, dir)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after the refused rebuild: %v, want none", dir, err)
		}
	}
	// The node goes on with its state: a new message lands on top of it.
	cust := e.Visitor()
	ack, err := cust.Start(ctx, "after")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cust.Message(ctx, ack.Conv, "m1", "still here"); err != nil {
		t.Fatal(err)
	}
	now := e.Store().Applied()
	if now <= applied {
		t.Fatalf("applied %d after the refused rebuild, %d before", now, applied)
	}
	e.Stop()
	e2 := edgetest.Start(t, cfg)
	if got := e2.Store().Applied(); got != now {
		t.Fatalf("after a restart the state has applied %d, want %d", got, now)
	}
}

// A rebuild that cannot read the log (here: the node is one of a cluster
// whose peers are down, so the stream has no leader, and the rebuild's ctx
// ends) fails, says so, and leaves the old state exactly as it was.
func TestRebuildThatCannotReadTheLogLeavesTheStateUntouched(t *testing.T) {
	cfg, _, original := withTraffic(t)

	ports := freePorts(t, 3)
	clustered := cfg
	clustered.NATS.Replicas = 3
	clustered.NATS.Cluster = config.Cluster{Name: fmt.Sprintf("rebuild-%d", ports[0]), Listen: fmt.Sprintf("127.0.0.1:%d", ports[0]),
		Routes: []string{fmt.Sprintf("nats-route://127.0.0.1:%d", ports[1]), fmt.Sprintf("nats-route://127.0.0.1:%d", ports[2])}}
	if err := clustered.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	_, err := edge.Rebuild(ctx, clustered, edgetest.Logger(t))
	if err == nil {
		t.Fatal("a rebuild without the log's peers succeeded")
	}
	t.Logf("after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if want := "the state in " + filepath.Join(cfg.DataDir, "state") + " was left untouched"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
	if ok, diff := state.EqualDumps(original, dump(t, cfg.DataDir)); !ok {
		t.Fatalf("a failed rebuild changed the state: %s", diff)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "state.rebuild")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state.rebuild after the failed rebuild: %v, want it removed", err)
	}
	if lockHeld(t, cfg.DataDir) {
		t.Error("the failed rebuild kept the data directory locked")
	}
}
