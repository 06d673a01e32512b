package lifecycle_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/lifecycle"
)

// childEnv makes the test binary act as a command that drains for a minute.
const childEnv = "LIFECYCLE_TEST_CHILD"

// TestMain runs the child: it reports when it is ready and when its
// context ends, then "drains" for a minute unless a second signal ends it.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "" {
		os.Exit(m.Run())
	}
	ctx, stop := lifecycle.SignalContext()
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("draining")
	time.Sleep(time.Minute)
	fmt.Println("drained")
}

// The first SIGINT or SIGTERM cancels the context; a second one, whichever
// of the two, exits with status 1 at once, in the middle of the drain.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	for _, sigs := range [][2]syscall.Signal{{syscall.SIGTERM, syscall.SIGTERM}, {syscall.SIGINT, syscall.SIGTERM}} {
		t.Run(fmt.Sprintf("%v then %v", sigs[0], sigs[1]), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			lines := make(chan string, 8) // the child says at most three
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
				done <- cmd.Wait()
			}()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			expect := func(want string) {
				t.Helper()
				select {
				case l := <-lines:
					if l != want {
						t.Fatalf("child said %q, want %q", l, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("child did not say %q", want)
				}
			}
			expect("ready")
			if err := cmd.Process.Signal(sigs[0]); err != nil {
				t.Fatal(err)
			}
			expect("draining")
			second := time.Now()
			if err := cmd.Process.Signal(sigs[1]); err != nil {
				t.Fatal(err)
			}
			select {
			case err = <-done:
			case <-time.After(2 * time.Second):
				t.Fatal("the child still runs 2s after the second signal")
			}
			if time.Since(second) > 2*time.Second {
				t.Fatalf("the child exited %s after the second signal", time.Since(second))
			}
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Fatalf("exit %v (%v), want status 1", code, err)
			}
			if !strings.Contains(stderr.String(), "second signal: exiting without draining") {
				t.Fatalf("stderr: %q", stderr.String())
			}
		})
	}
}
