package plugins

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/host"
)

func TestBreaker(t *testing.T) {
	now := time.Unix(1000, 0)
	suspended := 0
	b := &breaker{suspended: func() { suspended++ }}
	timeout := fmt.Errorf("%w (50ms)", host.ErrTimeout)
	// answers with an error status are the plugin speaking: no failures
	for range 10 {
		if !b.allow(now) {
			t.Fatal("refused a call before any failure")
		}
		b.done(fmt.Errorf("%w: status 3", host.ErrPlugin), now)
	}
	for i := range breakerFailures {
		if !b.allow(now) {
			t.Fatalf("refused after %d failures", i)
		}
		b.done(timeout, now)
	}
	if suspended != 1 || b.allow(now.Add(breakerRest-time.Millisecond)) {
		t.Fatalf("not suspended after %d timeouts in a row (suspensions %d)", breakerFailures, suspended)
	}
	// after the rest one call tries; others wait for it
	later := now.Add(breakerRest)
	if !b.allow(later) || b.allow(later) {
		t.Fatal("after the rest exactly one trial call goes")
	}
	b.done(errors.Join(host.ErrTrap), later)
	if b.allow(later.Add(time.Second)) {
		t.Fatal("a failed trial suspends again")
	}
	again := later.Add(breakerRest)
	if !b.allow(again) {
		t.Fatal("no trial after the second rest")
	}
	b.done(nil, again)
	for range 2 { // no longer one trial at a time
		if !b.allow(again) {
			t.Fatal("a good trial must close the breaker")
		}
	}
}
