package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/event"
)

// logWithGap writes, in data/eventlog, an event log as an edge from before
// the log was made append-only could leave it: n events, the one at
// sequence gap deleted. It returns the last sequence.
func logWithGap(t *testing.T, data string, n int, gap uint64) uint64 {
	t.Helper()
	srv, err := server.NewServer(&server.Options{JetStream: true, StoreDir: filepath.Join(data, "eventlog"),
		DontListen: true, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	defer func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	}()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: bus.StreamName, Subjects: []string{bus.SubjectPrefix + ">"},
		Storage: jetstream.FileStorage, Discard: jetstream.DiscardNew, Duplicates: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	codec := event.NewCodec()
	var last uint64
	for i := range n {
		e := &event.Event{ID: fmt.Sprintf("tenant-%d", i), Kind: event.KindTenantUpserted, Tenant: "acme", Origin: "rebuild-test",
			TS: 1_700_000_000_000 + int64(i), Actor: event.Actor{Kind: event.ActorSystem, ID: "test"},
			TenantInfo: &event.Tenant{ID: "acme", Name: fmt.Sprintf("Acme %d", i)}}
		b, err := codec.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := js.Publish(ctx, bus.Subject(e.Tenant), b, jetstream.WithMsgID(e.ID))
		if err != nil {
			t.Fatal(err)
		}
		last = ack.Sequence
	}
	if err := st.DeleteMsg(ctx, gap); err != nil {
		t.Fatal(err)
	}
	return last
}

// edge rebuild prints how many events it applied, and separately the
// sequence the log ends at: with a gap in the log they differ.
func TestRebuildPrintsEventsApplied(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	last := logWithGap(t, data, 6, 3)

	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"rebuild", "--data", data, "--node-id", "rebuild-test", "--log-level", "warn"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("edge rebuild: exit %d\n%s", code, stderr.String())
	}
	want := regexp.MustCompile(fmt.Sprintf(`^rebuilt the state from the event log: %d events applied \(log up to sequence %d\) in [0-9.]+m?s\n$`, last-1, last))
	if !want.MatchString(stdout.String()) {
		t.Fatalf("edge rebuild printed %q, want it to match %s", stdout.String(), want)
	}
	if _, err := os.Stat(filepath.Join(data, "state")); err != nil {
		t.Fatalf("no state after the rebuild: %v", err)
	}
}

// edge rebuild on the data directory of a running edge refuses, naming it.
func TestRebuildRefusesWhileAnEdgeRuns(t *testing.T) {
	cfg := edgetest.Config(t)
	edgetest.Start(t, cfg)

	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"rebuild", "--data", cfg.DataDir, "--node-id", cfg.Node.ID, "--log-level", "warn"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("edge rebuild under a running edge: exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	want := fmt.Sprintf("edge rebuild: another edge (pid %d) holds the data directory %s: stop it first\n", os.Getpid(), cfg.DataDir)
	if stderr.String() != want {
		t.Fatalf("stderr %q, want %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Fatalf("stdout %q, want nothing", stdout.String())
	}
}
