package edge_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// freePorts returns n distinct loopback ports that were free a moment ago:
// all are held open together, then closed. There is a small race: another
// process may take one between this close and the NATS server binding it.
// NATS needs the route ports of all three nodes before any of them starts
// (the routes name them), so port 0 cannot be used.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// regionConfigs returns the configurations of a three-node region: one NATS
// cluster, the event log replicated three times, the first node seeding the
// demo data, and one signing key shared by the region (tokens issued by one
// node are presented to another after a failover).
//
// Only one node seeds: nodes that seed at the same moment append the same
// dedupe ids concurrently, and a clustered JetStream stream answers the
// second with "duplicate message id is in process" (409, err_code 10158),
// which bus.Append reports as a failure, so the node does not start.
func regionConfigs(t testing.TB, ports []int) []config.Config {
	t.Helper()
	key := filepath.Join(t.TempDir(), "region-signing.key")
	if err := os.WriteFile(key, []byte(hex.EncodeToString([]byte("region-test-shared-signing-key-0123456789"))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := []string{"node-a", "node-b", "node-c"}
	cfgs := make([]config.Config, 3)
	for i := range cfgs {
		cfg := edgetest.Config(t)
		// Server names are unique across the regions of this test too: two
		// in-process NATS clusters whose servers share names stall each
		// other's JetStream (seen with nats-server 2.15.2).
		cfg.Node.ID = fmt.Sprintf("%s-%d", names[i], ports[0])
		cfg.Node.Region = "region-test"
		cfg.NATS.Replicas = 3
		cfg.NATS.Cluster = config.Cluster{Name: fmt.Sprintf("region-test-%d", ports[0]), Listen: fmt.Sprintf("127.0.0.1:%d", ports[i])}
		for j, p := range ports {
			if j != i {
				cfg.NATS.Cluster.Routes = append(cfg.NATS.Cluster.Routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
			}
		}
		cfg.Auth.KeyFile = key
		// Every node is seeded with the demo data, as `edge --dev` on each
		// would: the seed events' ids collide across nodes on purpose.
		cfg.Dev = true
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		cfgs[i] = cfg
	}
	return cfgs
}

// startRegion starts the nodes at once: each Start blocks until the
// replicated stream exists, which needs a JetStream meta leader, which
// needs a quorum of the nodes running. logs[i], when given, is node i's
// logger.
func startRegion(t testing.TB, cfgs []config.Config, logs ...*slog.Logger) []*edge.Node {
	t.Helper()
	nodes := make([]*edge.Node, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		log := edgetest.Logger(t)
		if i < len(logs) {
			log = logs[i]
		}
		nodes[i] = edge.New(cfg, log)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			errs[i] = nodes[i].Start(ctx)
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		if errs[i] == nil {
			t.Cleanup(func() { stopNode(n, 20*time.Second) })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("start %s: %v", cfgs[i].Node.ID, err)
		}
	}
	return nodes
}

var stopped sync.Map // *edge.Node → struct{}

// stopNode drains a node once, waiting at most d.
func stopNode(n *edge.Node, d time.Duration) {
	if _, done := stopped.LoadOrStore(n, struct{}{}); done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_ = n.Shutdown(ctx)
}

// TestThreeNodeRegion runs a region of three nodes sharing one replicated
// event log: a customer on node A talks to an agent on node B; node A goes
// away (drained, or its NATS server dies under it); the customer reconnects
// to node C as the same visitor and goes on; the agent on B sees every
// message live, and B's and C's state hold every message exactly once at
// the acknowledged sequence. Node A leads the event stream when it goes, so
// the survivors must elect a new leader.
func TestThreeNodeRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("three clustered nodes; skipped with -short")
	}
	// The two regions run side by side: most of their time is spent
	// waiting for JetStream elections and timeouts, not computing.
	ports := freePorts(t, 6)
	t.Run("drain", func(t *testing.T) {
		t.Parallel()
		regionFailover(t, ports[:3], false)
	})
	t.Run("crash", func(t *testing.T) {
		t.Parallel()
		regionFailover(t, ports[3:], true)
	})
}

func regionFailover(t *testing.T, ports []int, crash bool) {
	start := time.Now()
	cfgs := regionConfigs(t, ports)
	nodes := startRegion(t, cfgs)
	a, b, c := nodes[0], nodes[1], nodes[2]
	url := func(n *edge.Node) string { return "http://" + n.Addr() }
	t.Logf("region up in %s", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Node A seeded the demo data: tenant, three inboxes (two of the
	// widget, one of e-mail), agents, canned responses. Every node's state
	// has them once it has applied the log.
	info, err := b.Bus().StreamInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(4 + len(edge.DemoAgents) + len(edge.DemoCanned)); info.State.Msgs != want {
		t.Fatalf("the log holds %d events after seeding, want %d", info.State.Msgs, want)
	}
	if got := len(info.Cluster.Replicas) + 1; got != 3 {
		t.Fatalf("stream on %d nodes, want 3 (%+v)", got, info.Cluster)
	}
	for _, n := range nodes {
		if err := waitApplied(ctx, n, info.State.LastSeq); err != nil {
			t.Fatal(err)
		}
	}
	makeStreamLeader(ctx, t, b, cfgs[0].Node.ID)

	tok, err := client.Login(ctx, url(b), "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := client.Dial(ctx, url(b), &client.Hello{Token: tok, Scope: "all"}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()

	cust, err := client.Dial(ctx, url(a), &client.Hello{Inbox: edge.DemoInbox}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cust.Close()
	visitor, contact := cust.Welcome.Session.Visitor, cust.Welcome.Session.ID
	opened, err := cust.Start(ctx, "help")
	if err != nil {
		t.Fatal(err)
	}
	conv := opened.Conv

	acked := map[string]uint64{}
	retries := 0
	send := func(cl *client.Client, id string) {
		t.Helper()
		for {
			r, err := cl.Message(ctx, conv, id, "message "+id)
			var se *client.ServerError
			if errors.As(err, &se) && se.Code == gateway.CodeUnavailable {
				// The log could not take it (a leader election): a
				// client retries with the same client_id.
				retries++
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if err != nil {
				t.Fatalf("send %s: %v", id, err)
			}
			if prev, ok := acked[id]; ok && prev != r.Seq {
				t.Fatalf("%s acked at %d, then at %d", id, prev, r.Seq)
			}
			acked[id] = r.Seq
			return
		}
	}
	// The agent on B sees each message live, through the replicated log.
	live := map[string]uint64{}
	await := func() {
		t.Helper()
		timer := time.NewTimer(30 * time.Second)
		defer timer.Stop()
		for len(live) < len(acked) {
			select {
			case f, ok := <-agent.Events():
				if !ok {
					t.Fatalf("agent connection ended: %v", agent.Err())
				}
				if f.Type != gateway.OutEvent || f.Item == nil || f.Item.Kind != "message" || f.Item.Conv != conv {
					continue
				}
				if prev, dup := live[f.Item.ClientID]; dup {
					t.Fatalf("agent got %s twice (seq %d and %d)", f.Item.ClientID, prev, f.Item.Seq)
				}
				live[f.Item.ClientID] = f.Item.Seq
			case <-timer.C:
				t.Fatalf("agent on B saw %d of %d messages", len(live), len(acked))
			}
		}
	}
	for i := 0; i < 10; i++ {
		send(cust, fmt.Sprintf("m-%d", i))
	}
	await()

	lost := ""
	if crash {
		// A's NATS server dies under it: its routes drop and the stream
		// loses its leader with no hand-over. A's gateway stays up and
		// can store nothing: a message sent there now is not acked.
		a.Bus().Server().Shutdown()
		lost = "m-lost"
		sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
		r, err := cust.Message(sctx, conv, lost, "sent into the crash")
		scancel()
		if err == nil {
			t.Fatalf("a node without its NATS server acked a message: %+v", r)
		}
		t.Logf("send to the crashed node: %v", err)
		cust.Close()
	} else {
		// A drains: its customer is told to reconnect elsewhere.
		stopNode(a, 20*time.Second)
		select {
		case <-cust.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the customer on A was not disconnected")
		}
		var ce *client.CloseError
		if err := cust.Err(); !errors.As(err, &ce) || ce.Code != gateway.CloseDraining {
			t.Fatalf("customer on A ended with %v, want close %d", err, gateway.CloseDraining)
		}
	}
	failover := time.Now()

	cust2, err := client.Dial(ctx, url(c), &client.Hello{Inbox: edge.DemoInbox, Visitor: visitor}, client.Options{})
	if err != nil {
		t.Fatalf("reconnect to C with the visitor token from A: %v", err)
	}
	defer cust2.Close()
	if cust2.Welcome.Session.ID != contact {
		t.Fatalf("on C the visitor is %s, was %s on A", cust2.Welcome.Session.ID, contact)
	}
	if lost != "" {
		send(cust2, lost) // its fate was unknown: send it again
	}
	send(cust2, "m-10")
	firstAck := time.Since(failover)
	for i := 11; i < 20; i++ {
		send(cust2, fmt.Sprintf("m-%d", i))
	}
	await()
	t.Logf("failover: first ack through C %s after A went, all seen on B after %s (%d retries)",
		firstAck.Round(time.Millisecond), time.Since(failover).Round(time.Millisecond), retries)

	for id, seq := range acked {
		if live[id] != seq {
			t.Errorf("%s: agent saw seq %d, ack said %d", id, live[id], seq)
		}
	}
	for _, n := range []*edge.Node{b, c} {
		id := n.Addr()
		// C's projector may trail the ack B's agent got; wait for it.
		if err := waitApplied(ctx, n, maxSeq(acked)); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for cid, seq := range acked {
			got, err := n.Store().ClientMessage(edge.DemoTenant, conv, cid)
			if err != nil || got != seq {
				t.Errorf("%s: %s at seq %d (%v), acked at %d", id, cid, got, err, seq)
			}
		}
		items, more, err := n.Store().Timeline(edge.DemoTenant, conv, 0, 1000, true)
		if err != nil || more {
			t.Fatalf("%s: timeline: %v more=%v", id, err, more)
		}
		count := map[string]int{}
		for _, it := range items {
			if it.Kind == "message" {
				count[it.ClientID]++
			}
		}
		if len(count) != len(acked) {
			t.Errorf("%s: %d distinct messages in the timeline, want %d", id, len(count), len(acked))
		}
		for cid, k := range count {
			if k != 1 {
				t.Errorf("%s: %s %d times", id, cid, k)
			}
		}
	}
	if crash {
		// A's gateway has a session stuck on the append that never
		// completes; do not wait long for it to drain.
		st := time.Now()
		stopNode(a, 3*time.Second)
		t.Logf("crashed node stopped in %s", time.Since(st).Round(time.Millisecond))
	}
	t.Logf("done in %s", time.Since(start).Round(time.Millisecond))
}

// makeStreamLeader moves the event stream's leadership to the named node.
func makeStreamLeader(ctx context.Context, t testing.TB, via *edge.Node, name string) {
	t.Helper()
	req := []byte(`{"placement":{"preferred":"` + name + `"}}`)
	for i := 0; ; i++ {
		info, err := via.Bus().StreamInfo(ctx)
		if err == nil && info.Cluster != nil && info.Cluster.Leader == name {
			return
		}
		if i == 20 {
			t.Fatalf("%s did not become the stream leader: %v %+v", name, err, info)
		}
		if err == nil {
			_, _ = via.Bus().Conn().RequestWithContext(ctx, "$JS.API.STREAM.LEADER.STEPDOWN."+bus.StreamName, req)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func maxSeq(m map[string]uint64) uint64 {
	var s uint64
	for _, v := range m {
		s = max(s, v)
	}
	return s
}

func waitApplied(ctx context.Context, n *edge.Node, seq uint64) error {
	for n.Store().Applied() < seq {
		select {
		case <-ctx.Done():
			return fmt.Errorf("state applied %d, want %d: %w", n.Store().Applied(), seq, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
