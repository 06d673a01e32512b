package plugins

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// record is what a breaker reported.
type record struct {
	reasons []string
	causes  []error
}

func (r *record) suspended(reason string, cause error) {
	r.reasons = append(r.reasons, reason)
	r.causes = append(r.causes, cause)
}

const fast = 50 * time.Microsecond

// try makes a call at now that ends with err after took, unless the
// breaker refuses it: then it returns why.
func try(b *breaker, now time.Time, err error, took time.Duration) error {
	trial, refused := b.allow(now)
	if refused != nil {
		return refused
	}
	b.done(err, took, now, trial)
	return nil
}

// allowed reports whether a call may go at now, without making it.
func allowed(b *breaker, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.open || !now.Before(b.until) && !b.trial
}

func TestBreaker(t *testing.T) {
	now := time.Unix(1000, 0)
	var rec record
	b := newBreaker(Budget{}, rec.suspended)
	timeout := fmt.Errorf("%w (50ms)", host.ErrTimeout)
	// answers with an error status are the plugin speaking: no failures
	for range 10 {
		if err := try(b, now, fmt.Errorf("%w: status 3", host.ErrPlugin), fast); err != nil {
			t.Fatalf("refused a call before any failure: %v", err)
		}
	}
	for i := range breakerFailures {
		if err := try(b, now, timeout, 50*time.Millisecond); err != nil {
			t.Fatalf("refused after %d failures: %v", i, err)
		}
	}
	why := try(b, now.Add(breakerRest-time.Millisecond), nil, fast)
	if len(rec.reasons) != 1 || rec.reasons[0] != "failures" || !errors.Is(why, host.ErrTimeout) ||
		why.Error() != "5 failed calls in a row, the last: "+timeout.Error() {
		t.Fatalf("not suspended after %d timeouts in a row (suspensions %v, why %v)", breakerFailures, rec.reasons, why)
	}
	// after the rest one call tries; others wait for it
	later := now.Add(breakerRest)
	trial, refused := b.allow(later)
	if !trial || refused != nil {
		t.Fatalf("no trial call after the rest: %v", refused)
	}
	if _, refused := b.allow(later); refused == nil {
		t.Fatal("a second call went while the trial runs")
	}
	// a call that started before the suspension and ends now does not
	// end it, nor the trial
	b.done(nil, fast, later, false)
	if allowed(b, later) {
		t.Fatal("a call from before the suspension ended it")
	}
	b.done(errors.Join(host.ErrTrap), fast, later, trial)
	if allowed(b, later.Add(time.Second)) || len(rec.reasons) != 2 {
		t.Fatalf("a failed trial suspends again (suspensions %v)", rec.reasons)
	}
	again := later.Add(breakerRest)
	if err := try(b, again, nil, fast); err != nil {
		t.Fatalf("no trial after the second rest: %v", err)
	}
	for range 2 { // no longer one trial at a time
		if _, refused := b.allow(again); refused != nil {
			t.Fatal("a good trial must close the breaker")
		}
	}
	// the count starts again after a good call: 4 failures, 1 good, 4 failures
	for i := range 2*(breakerFailures-1) + 1 {
		err := error(timeout)
		if i == breakerFailures-1 {
			err = nil
		}
		if refused := try(b, again, err, fast); refused != nil {
			t.Fatalf("call %d refused: %v", i, refused)
		}
	}
	if !allowed(b, again) || len(rec.reasons) != 2 {
		t.Fatalf("suspended without %d failures in a row: %v", breakerFailures, rec.reasons)
	}
}

// An answer that breaks the contract is the plugin's failure, like a
// trap; wrapped in other errors it is still recognised.
func TestBreakerCountsInvalidAnswers(t *testing.T) {
	now := time.Unix(1000, 0)
	var rec record
	b := newBreaker(Budget{}, rec.suspended)
	invalid := fmt.Errorf("%w: its decision: %w", ErrInvalidAnswer, fmt.Errorf("reason: %w", abi.ErrInvalid))
	for i := range breakerFailures {
		if err := try(b, now, invalid, fast); err != nil {
			t.Fatalf("refused after %d invalid answers: %v", i, err)
		}
	}
	why := try(b, now, nil, fast)
	if len(rec.reasons) != 1 || rec.reasons[0] != "failures" || !errors.Is(why, ErrInvalidAnswer) || !errors.Is(why, abi.ErrInvalid) {
		t.Fatalf("%d invalid answers in a row: why %v, suspensions %v", breakerFailures, why, rec.reasons)
	}
}

// A quota broken once suspends at once: it is abuse, not bad luck.
func TestBreakerSuspendsOnQuotaAtOnce(t *testing.T) {
	now := time.Unix(1000, 0)
	var rec record
	b := newBreaker(DefaultBudget(abi.KindRouting), rec.suspended)
	_ = try(b, now, nil, fast)
	_ = try(b, now, fmt.Errorf("%w: more than 100 log lines a second", host.ErrQuota), fast)
	why := try(b, now.Add(time.Millisecond), nil, fast)
	if len(rec.reasons) != 1 || rec.reasons[0] != "quota" || !errors.Is(why, host.ErrQuota) {
		t.Fatalf("after one quota violation: why %v, suspensions %v", why, rec.reasons)
	}
	if err := try(b, now.Add(breakerRest), nil, fast); err != nil {
		t.Fatalf("no trial after the rest: %v", err)
	}
	if !allowed(b, now.Add(breakerRest)) {
		t.Fatal("a good trial must close the breaker")
	}
}

// The latency budget: a plugin whose calls' p90 is over its kind's budget
// is suspended (host.ErrSlow) once the window holds enough calls; the
// slow first calls of the instances and a stall (5 of 50) are not enough;
// old calls leave the window; after the rest, a trial over the budget
// suspends again, one within closes it.
func TestBreakerLatencyBudget(t *testing.T) {
	bud := Budget{Max: 10 * time.Millisecond, Percentile: 90, Calls: 100, Age: 30 * time.Second, MinCalls: 50}
	if d := DefaultBudget(abi.KindRouting); d != bud {
		t.Fatalf("the routing budget is %+v; the docs say %+v", d, bud)
	}
	slow := 30 * time.Millisecond
	t.Run("slow plugin", func(t *testing.T) {
		now := time.Unix(1000, 0)
		var rec record
		b := newBreaker(bud, rec.suspended)
		for i := range bud.MinCalls - 1 {
			if err := try(b, now, nil, slow); err != nil {
				t.Fatalf("suspended after %d calls, before the window can judge: %v", i, err)
			}
			now = now.Add(slow)
		}
		if len(rec.reasons) != 0 {
			t.Fatalf("suspended with %d calls in the window", bud.MinCalls-1)
		}
		_ = try(b, now, nil, slow)
		why := try(b, now, nil, fast)
		if len(rec.reasons) != 1 || rec.reasons[0] != "slow" || !errors.Is(why, host.ErrSlow) {
			t.Fatalf("after %d calls of %s: why %v, suspensions %v", bud.MinCalls, slow, why, rec.reasons)
		}
		if want := "plugin too slow: the p90 of its last 50 calls is 30ms, its budget 10ms"; why.Error() != want {
			t.Fatalf("why = %q, want %q", why, want)
		}
		// after the rest: a slow trial suspends again at once
		now = now.Add(breakerRest)
		if err := try(b, now, nil, slow); err != nil {
			t.Fatalf("no trial after the rest: %v", err)
		}
		if why := try(b, now, nil, fast); len(rec.reasons) != 2 || !errors.Is(why, host.ErrSlow) ||
			why.Error() != "plugin too slow: its call after a rest took 30ms, its budget is a p90 of 10ms" {
			t.Fatalf("a slow trial: why %v, suspensions %v", why, rec.reasons)
		}
		// a fast trial closes it, and the window starts empty
		now = now.Add(breakerRest)
		if err := try(b, now, nil, fast); err != nil {
			t.Fatalf("no trial after the second rest: %v", err)
		}
		for range bud.MinCalls - 2 {
			_ = try(b, now, nil, slow) // 1 fast and 48 slow: fewer than MinCalls
		}
		if !allowed(b, now) || len(rec.reasons) != 2 {
			t.Fatalf("judged on calls from before the rest: %v", rec.reasons)
		}
		_ = try(b, now, nil, slow)
		if allowed(b, now) || len(rec.reasons) != 3 {
			t.Fatalf("not suspended again: %v", rec.reasons)
		}
	})
	t.Run("warm-up and a stall", func(t *testing.T) {
		// each of 4 instances' first call at a larger input, and one
		// stall: 5 slow calls of 50 are 10%, not more
		now := time.Unix(1000, 0)
		var rec record
		b := newBreaker(bud, rec.suspended)
		for i := range 3 * bud.Calls {
			took := fast
			if i%bud.Calls < 4 || i%bud.Calls == 30 {
				took = 18 * time.Millisecond
			}
			_ = try(b, now, nil, took)
		}
		if len(rec.reasons) != 0 {
			t.Fatalf("5 slow calls of every 100 suspended it: %v", rec.causes)
		}
		// of a full window of 100, 10 slow are 10%, 11 more
		for range bud.Calls {
			_ = try(b, now, nil, fast)
		}
		for range 10 {
			_ = try(b, now, nil, slow)
		}
		if len(rec.reasons) != 0 {
			t.Fatalf("10 slow calls of 100: %v", rec.causes)
		}
		_ = try(b, now, nil, slow)
		if len(rec.reasons) != 1 || rec.reasons[0] != "slow" {
			t.Fatalf("11 slow calls of 100: %v", rec.reasons)
		}
	})
	t.Run("old calls leave the window", func(t *testing.T) {
		now := time.Unix(1000, 0)
		var rec record
		b := newBreaker(bud, rec.suspended)
		for range 6 {
			_ = try(b, now, nil, slow)
		}
		now = now.Add(bud.Age + time.Second)
		for range bud.MinCalls - 6 {
			_ = try(b, now, nil, fast)
		}
		for range 5 {
			_ = try(b, now, nil, slow)
		}
		if len(rec.reasons) != 0 {
			t.Fatalf("calls from %s ago counted: %v", bud.Age+time.Second, rec.causes)
		}
		_ = try(b, now, nil, slow)
		if len(rec.reasons) != 1 {
			t.Fatalf("6 slow calls of %d within %s: %v", bud.MinCalls, bud.Age, rec.reasons)
		}
	})
	t.Run("timeouts between good calls", func(t *testing.T) {
		// every other call times out: never 5 failures in a row, but
		// each burns its deadline, and the budget sees it
		now := time.Unix(1000, 0)
		var rec record
		b := newBreaker(bud, rec.suspended)
		for i := range bud.MinCalls {
			err := error(nil)
			if i%2 == 1 { // the 50th call, the one judged, too
				err = fmt.Errorf("%w (50ms)", host.ErrTimeout)
			}
			_ = try(b, now, err, 50*time.Millisecond)
		}
		if len(rec.reasons) != 1 || rec.reasons[0] != "slow" {
			t.Fatalf("half the calls timing out: %v", rec.reasons)
		}
	})
	t.Run("no budget", func(t *testing.T) {
		var rec record
		b := newBreaker(Budget{}, rec.suspended)
		for range 1000 {
			_ = try(b, time.Unix(1000, 0), nil, time.Second)
		}
		if len(rec.reasons) != 0 {
			t.Fatalf("suspended without a budget: %v", rec.reasons)
		}
	})
}
