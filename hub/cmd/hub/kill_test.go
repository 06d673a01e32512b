package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/hub"
	"github.com/edgedesk/edgedesk/hub/hubtest"
)

// The hub process is killed with SIGKILL while an edge ships its log, and
// started again on the same data: the edge resends what was not
// acknowledged, and the hub ends up holding exactly the edge's log: what it
// acknowledged before the kill survived, nothing is there twice.
func TestKill9HubLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hub binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "hub")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	quicAddr := pc.LocalAddr().String()
	pc.Close()
	data := t.TempDir()
	// the analytics table rolled to Parquet every second: a kill may come
	// in the middle of a roll
	cfgFile := filepath.Join(t.TempDir(), "hub.yaml")
	if err := os.WriteFile(cfgFile, []byte("analytics:\n  roll: 1s\n  memory: 0s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hubArgs := []string{"--config", cfgFile, "--dev", "--data", data, "--http", "127.0.0.1:0", "--quic", quicAddr, "--log-level", "warn"}
	proc := startHub(t, bin, hubArgs)

	cfg := edgetest.Config(t)
	cfg.Node.ID, cfg.Node.Region = "kill-1", "eu"
	cfg.Gateway.CustomerRate = 10000 // the writers send as fast as acks come
	cfg.Hub.Addr, cfg.Hub.EnrollTokenFile = quicAddr, hub.DevTokenPath(data)
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := e.Visitor()
			defer v.Close()
			st, err := v.Start(ctx, "c1")
			if err != nil {
				t.Error(err)
				return
			}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := v.Message(ctx, st.Conv, fmt.Sprintf("m%d", n), fmt.Sprintf("writer %d message %d", i, n)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// the kill comes once the hub has acknowledged some of the writes
	// (on a loaded machine enrolment and the link take a while), with
	// more in flight
	for deadline := time.Now().Add(30 * time.Second); e.Node.Uplink().Status().AckedSeq == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	ackedBefore := e.Node.Uplink().Status().AckedSeq
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	time.Sleep(300 * time.Millisecond)
	proc = startHub(t, bin, hubArgs)
	time.Sleep(700 * time.Millisecond)
	close(stop)
	wg.Wait()
	if ackedBefore == 0 {
		t.Fatal("the hub acknowledged nothing before the kill: the test proves nothing")
	}
	last, err := e.Node.Bus().LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); e.Node.Uplink().Status().AckedSeq < last; {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted hub acknowledged %d of %d", e.Node.Uplink().Status().AckedSeq, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = proc.Process.Signal(syscall.SIGTERM)
	_ = proc.Wait()

	// The same data, opened in this process, holds the edge's log exactly.
	h := hubtest.StartIn(t, data)
	if err := h.WaitSynced("kill-1", last, time.Minute); err != nil {
		t.Fatal(err)
	}
	d, err := hubtest.Compare(ctx, h, "kill-1", e.Node.Bus())
	if err != nil {
		t.Fatal(err)
	}
	if !d.OK() {
		t.Fatalf("after the kill the hub's copy differs from the edge's log: %+v", d)
	}
	// its analytics, from the segments rolled before and after the kill
	// and the log after them: the three conversations, each once
	if segs, _ := filepath.Glob(filepath.Join(data, "analytics", "events-*.parquet")); len(segs) == 0 {
		t.Error("no analytics segment was rolled")
	}
	if n, _, err := h.Opened("demo", ""); err != nil || n != 3 {
		t.Errorf("the analytics count %v conversations opened (%v), want the 3", n, err)
	}
	t.Logf("%d events; %d acknowledged before the kill", d.Edge, ackedBefore)
}

// startHub runs the hub binary and returns once it listens.
func startHub(t *testing.T, bin string, args []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Edges dial:") {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the hub did not start: %s", stderr.String())
	}
	return cmd
}
