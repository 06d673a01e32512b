package host

import (
	"sync"
	"testing"
	"time"
)

// A version retired (swapped out or closed) lets no call start on it, and
// says it is drained once the calls running on it end, not before: a call
// that loaded the version just before a swap either runs before the close
// or goes to the next version. With a WaitGroup such a call could count
// itself in after the close began.
func TestVersionRetires(t *testing.T) {
	v := &version{gate: newGate()}
	for range 2 {
		if !v.enter() {
			t.Fatal("a live version refused a call")
		}
	}
	v.retire()
	v.retire() // twice is once
	if v.enter() {
		t.Fatal("a retired version took a call")
	}
	v.leave()
	select {
	case <-v.drained:
		t.Fatal("drained with a call still running")
	case <-time.After(10 * time.Millisecond):
	}
	v.leave()
	select {
	case <-v.drained:
	case <-time.After(time.Second):
		t.Fatal("not drained once the last call ended")
	}

	idle := &version{gate: newGate()}
	idle.retire()
	select {
	case <-idle.drained:
	default:
		t.Fatal("a version retired with no call running is not drained")
	}

	// many callers racing a retire: every call that got in ends before drained
	for range 100 {
		v := &version{gate: newGate()}
		var running sync.WaitGroup
		var mu sync.Mutex
		after := false
		for range 8 {
			running.Add(1)
			go func() {
				defer running.Done()
				if v.enter() {
					mu.Lock()
					if after {
						t.Error("a call ran after the version drained")
					}
					mu.Unlock()
					v.leave()
				}
			}()
		}
		v.retire()
		<-v.drained
		mu.Lock()
		after = true
		mu.Unlock()
		running.Wait()
	}
}
