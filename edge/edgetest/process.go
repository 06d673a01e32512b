package edgetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Process is an edge running as a process of its own (`edge --dev`), for
// benchmarks that read the edge's CPU apart from the load generator's:
// in one process the two cannot be told apart.
type Process struct {
	URL string
	PID int
	// Dir is the data directory.
	Dir string
	// Pprof is the address of the edge's Go profiles when StartProcess
	// was asked for them (PprofArg), or "".
	Pprof string
}

// PprofArg, passed to StartProcess, serves the edge's Go profiles on a
// free loopback port (Process.Pprof).
const PprofArg = "--pprof=auto"

// StartProcess builds the edge (edge/cmd/edge, from this module's source)
// and starts it with --dev on a fresh data directory and a free loopback
// port, the given config (YAML, "" for none) and extra args; it waits
// until /readyz answers and stops the process when the test ends.
func StartProcess(t testing.TB, configYAML string, args ...string) *Process {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "edge")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/edgedesk/edgedesk/edge/cmd/edge").CombinedOutput(); err != nil {
		t.Fatalf("build the edge: %v\n%s", err, out)
	}
	p := &Process{Dir: filepath.Join(dir, "data")}
	addr := FreeAddr(t)
	all := []string{"--dev", "--data", p.Dir, "--http", addr, "--log-level", "warn"}
	if configYAML != "" {
		f := filepath.Join(dir, "edge.yaml")
		if err := os.WriteFile(f, []byte(configYAML), 0o600); err != nil {
			t.Fatal(err)
		}
		all = append(all, "--config", f)
	}
	for _, a := range args {
		if a == PprofArg {
			p.Pprof = FreeAddr(t)
			a = "--pprof=" + p.Pprof
		}
		all = append(all, a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Stderr = testWriter{t}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	p.PID = cmd.Process.Pid
	p.URL = "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get(p.URL + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the edge did not become ready in 30 s")
		}
	}
	return p
}

// AdminToken is the operator's token of the edge (--dev writes it into
// the data directory).
func (p *Process) AdminToken(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.Dir, "dev-admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// CPU is the CPU time the edge has used so far (user + system).
func (p *Process) CPU(t testing.TB) time.Duration { return ProcCPU(t, p.PID) }

// ProcCPU is the CPU time (user + system) process pid has used so far,
// from /proc/PID/stat, in clock ticks of 10 ms (0 is this process).
func ProcCPU(t testing.TB, pid int) time.Duration {
	path := "/proc/self/stat"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		t.Fatalf("%s: %q", path, line)
	}
	// fields 14 and 15 (utime, stime); the command name may hold spaces
	fields := strings.Fields(line[i+2:])
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: %q", path, line)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// FreeAddr is a loopback address with a port free a moment ago, for a
// server a test starts as a process of its own (which cannot hand back
// the port of a 127.0.0.1:0 it listened on).
func FreeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// WriteCPUProfile writes the edge's CPU profile of the next d to file (the
// process was started with PprofArg); a failure fails the test.
func (p *Process) WriteCPUProfile(t testing.TB, d time.Duration, file string) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.Pprof, int(d.Seconds())))
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", resp.Status, out)
	}
	if err == nil {
		err = os.WriteFile(file, out, 0o644)
	}
	if err != nil {
		t.Error("the edge's profile:", err)
	}
}

// MachineCPU is the CPU time every process of the machine has used so far
// (the first line of /proc/stat, all but idle, iowait and steal), so that a
// benchmark can tell what other work took of the cores meanwhile.
func MachineCPU(t testing.TB) time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		t.Fatalf("/proc/stat: %q", line)
	}
	var ticks int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 || i >= 7 { // idle, iowait, steal; guest time is in user already
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("/proc/stat: %q", line)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
