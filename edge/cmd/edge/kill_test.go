package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// TestKill9LosesNoAcknowledgedMessage runs the real edge binary, has several
// customers send messages as fast as the acknowledgements come back, kills
// the process with SIGKILL in the middle of it, starts it again on the same
// data directory and checks, reading every conversation as an agent, that
// every acknowledged message is there exactly once at the acknowledged
// sequence, that nothing appears twice, and that resending the messages
// whose fate was unknown at the crash makes no duplicate.
func TestKill9LosesNoAcknowledgedMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the edge binary; skipped with -short")
	}
	bin := buildEdge(t)
	for _, mode := range []string{"process", "group-fsync"} {
		t.Run(mode, func(t *testing.T) { killTest(t, bin, mode) })
	}
}

// buildEdge builds the edge binary into a temporary directory.
func buildEdge(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edge")
	// Build with the test's own -race setting, so that the packages come
	// from the build cache the test binary just filled.
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	build := exec.Command("go", append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ack is what the edge acknowledged for one message.
type ack struct {
	conv string
	seq  uint64
}

// killCustomer is one customer's side of the traffic.
type killCustomer struct {
	visitor string
	conv    string
	mu      sync.Mutex
	acked   map[string]ack      // client_id → ack
	unknown map[string]struct{} // sent, no ack before the crash
}

func killTest(t *testing.T, bin, mode string) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	// The default customer rate (100 frames/s) would throttle a sender that
	// goes as fast as acks come back; the test wants the log busy.
	cfg := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(cfg, []byte("gateway: {customer_rate: 100000}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--dev", "--data", data, "--http", "127.0.0.1:0", "--config", cfg,
		"--durability", mode, "--node-id", "kill-test", "--log-level", "warn"}

	p := startEdgeProcess(t, bin, args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const customers, sendersEach = 6, 2
	cs := make([]*killCustomer, customers)
	var wg sync.WaitGroup
	for i := range cs {
		c, err := client.Dial(ctx, p.url, &client.Hello{Inbox: edge.DemoInbox}, client.Options{})
		if err != nil {
			t.Fatalf("customer %d: %v", i, err)
		}
		defer c.Close()
		start, err := c.Start(ctx, "conv")
		if err != nil {
			t.Fatalf("customer %d start: %v", i, err)
		}
		kc := &killCustomer{visitor: c.Welcome.Session.Visitor, conv: start.Conv,
			acked: map[string]ack{}, unknown: map[string]struct{}{}}
		cs[i] = kc
		// Every acked message comes back as an event too; a full Events
		// channel would stop the client's reader, and with it the acks.
		go func() {
			for range c.Events() {
			}
		}()
		for s := 0; s < sendersEach; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					id := fmt.Sprintf("s%d-%d", s, n)
					kc.mu.Lock()
					kc.unknown[id] = struct{}{}
					kc.mu.Unlock()
					r, err := c.Message(ctx, kc.conv, id, "message "+id)
					if err != nil {
						// The crash: this one's fate is unknown.
						return
					}
					kc.mu.Lock()
					delete(kc.unknown, id)
					if _, dup := kc.acked[id]; dup || r.Duplicate {
						kc.mu.Unlock()
						t.Errorf("%s acked twice or as a duplicate: %+v", id, r)
						return
					}
					kc.acked[id] = ack{r.Conv, r.Seq}
					kc.mu.Unlock()
				}
			}()
		}
	}
	time.Sleep(time.Second)
	p.kill(t)
	wg.Wait()

	acked, unknown := 0, 0
	for _, kc := range cs {
		acked += len(kc.acked)
		unknown += len(kc.unknown)
	}
	t.Logf("%s: %d messages acknowledged before SIGKILL, %d in flight", mode, acked, unknown)
	if acked < 20 {
		t.Fatalf("only %d messages acknowledged in a second: the test did not load the edge", acked)
	}
	if unknown == 0 {
		t.Fatal("no message was in flight at the kill: the senders had stopped")
	}

	p = startEdgeProcess(t, bin, args)

	// Each customer comes back as the same visitor and sends again what
	// was in flight: an edge that stored it acks the original, one that did
	// not stores it now.
	resentDup := 0
	for i, kc := range cs {
		c, err := client.Dial(ctx, p.url, &client.Hello{Inbox: edge.DemoInbox, Visitor: kc.visitor}, client.Options{})
		if err != nil {
			t.Fatalf("customer %d reconnect: %v", i, err)
		}
		for id := range kc.unknown {
			r, err := c.Message(ctx, kc.conv, id, "message "+id)
			if err != nil {
				t.Fatalf("resend %s: %v", id, err)
			}
			if r.Duplicate {
				resentDup++
			}
			kc.acked[id] = ack{r.Conv, r.Seq}
		}
		c.Close()
	}
	t.Logf("%s: %d of the %d in-flight messages had been stored before the crash", mode, resentDup, unknown)

	tok, err := client.Login(ctx, p.url, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := client.Dial(ctx, p.url, &client.Hello{Token: tok}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	for i, kc := range cs {
		seen := map[string]uint64{}
		for _, it := range killHistory(ctx, t, agent, kc.conv) {
			if it.Kind != "message" {
				continue
			}
			if prev, dup := seen[it.ClientID]; dup {
				t.Errorf("customer %d: client_id %s twice, at %d and %d", i, it.ClientID, prev, it.Seq)
			}
			seen[it.ClientID] = it.Seq
			if _, ok := kc.acked[it.ClientID]; !ok {
				t.Errorf("customer %d: message %s in the history was never sent", i, it.ClientID)
			}
		}
		for id, a := range kc.acked {
			seq, ok := seen[id]
			switch {
			case !ok:
				t.Errorf("customer %d: acknowledged message %s (seq %d) lost", i, id, a.seq)
			case seq != a.seq || a.conv != kc.conv:
				t.Errorf("customer %d: message %s at seq %d in %s, acknowledged at %d in %s", i, id, seq, kc.conv, a.seq, a.conv)
			}
		}
		if len(seen) != len(kc.acked) {
			t.Errorf("customer %d: %d messages in the history, %d sent", i, len(seen), len(kc.acked))
		}
	}
}

// killHistory reads a whole conversation, paging back from the newest.
func killHistory(ctx context.Context, t *testing.T, c *client.Client, conv string) []protocol.Item {
	t.Helper()
	var all []protocol.Item
	var before uint64
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("history of %s does not end", conv)
		}
		h, err := c.History(ctx, conv, before, 200)
		if err != nil {
			t.Fatalf("history %s before %d: %v", conv, before, err)
		}
		all = append(h.Items, all...)
		if !h.More {
			return all
		}
		if len(h.Items) == 0 {
			t.Fatalf("history %s: more with an empty page", conv)
		}
		before = h.Items[0].Seq
	}
}

// edgeProcess is a running edge binary.
type edgeProcess struct {
	cmd    *exec.Cmd
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
}

var readyLine = regexp.MustCompile(`ready on (http://\S+)`)

func startEdgeProcess(t *testing.T, bin string, args []string) *edgeProcess {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &edgeProcess{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			_, _ = p.stdout.Write(append(sc.Bytes(), '\n'))
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("edge stderr:\n%s", p.stderr.String())
		}
	})
	select {
	case p.url = <-urlc:
	case <-p.done:
		t.Fatalf("edge exited before it was ready: %v\n%s", cmd.ProcessState, p.stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("edge not ready in a minute\n%s", p.stderr.String())
	}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *edgeProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("edge did not die after SIGKILL")
	}
	if ws, ok := p.cmd.ProcessState.Sys().(interface{ Signaled() bool }); ok && !ws.Signaled() {
		t.Fatalf("edge exited on its own before the kill: %v", p.cmd.ProcessState)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
