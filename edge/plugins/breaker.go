package plugins

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// A plugin is suspended, and the callers' built-in rules answer at once
// for breakerRest, when
//
//   - breakerFailures calls in a row failed: timeouts, traps, running out
//     of memory, answering too much, flooding the host, or answering what
//     breaks the ABI's contract (ErrInvalidAnswer); not answers it gives
//     with an error status, which are the plugin speaking;
//   - one call broke a quota (host.ErrQuota): that is abuse, not bad luck;
//   - its calls are too slow for its kind (Budget): each call may stay
//     under its deadline and still, one after another, hold up what
//     waits on them (a tenant's routing decisions are made one at a time).
//
// Then one call tries it again: if it fails, or takes longer than the
// budget, the plugin rests again; otherwise it serves with a clean record.
// A new version starts with a clean record.
const (
	breakerFailures = 5
	breakerRest     = 10 * time.Second
)

// Budget is a plugin kind's latency budget: the plugin is suspended when
// the Percentile-th percentile of its calls in the window (the last Calls
// calls, none older than Age) is above Max, once the window holds at
// least MinCalls calls. Every call that ran counts, failed or not, from
// the host's call to its answer: wall time, as the callers wait it.
//
// Why p90 of at least 50 calls, not p99: each of a plugin's instances
// (4) takes 11–18 ms on its first call with a larger input than before
// (measured with the shipped routing plugin when the agents offered go
// from 10 to 100 or 500: the guest allocates a new input buffer), and a
// busy machine stalls a call now and then for 10–30 ms (measured on 2
// loaded cores, often two calls in a row). At p99 over a window of 20–100
// calls, those alone would suspend the shipped plugins whenever a
// tenant's agent list grows. p90 over at least 50 calls needs 6 slow
// calls of 50 (more than 10%) before it suspends, and still catches a
// plugin that is slow on every call after 50 of them.
type Budget struct {
	Max        time.Duration // 0: no budget
	Percentile int           // 1–99
	Calls      int
	Age        time.Duration
	MinCalls   int
}

// DefaultBudget is the budget of a kind of plugin. Routing: 10 ms, some
// 200× the shipped plugin's p99 (45–106 µs with 10 agents, docs/plugins.md;
// 0.25–0.5 ms with 500–1,000 agents) and a fifth of the deadline; a
// tenant's decisions are made one at a time, so a plugin at 10 ms caps a
// tenant at 100 new conversations a second. NLP: 25 ms; the shipped
// plugin reads 200 characters in 40–76 µs and the longest message (16
// KiB) in 0.4–0.8 ms, and analyses run off the chat's path on two
// workers. Automation: 50 ms; a rule's plugin action runs off the chat's
// path, but the runner makes firings one at a time, so a slow plugin
// delays every rule's next actions.
func DefaultBudget(kind string) Budget {
	b := Budget{Percentile: 90, Calls: 100, Age: 30 * time.Second, MinCalls: 50}
	switch kind {
	case abi.KindRouting:
		b.Max = 10 * time.Millisecond
	case abi.KindNLP:
		b.Max = 25 * time.Millisecond
	case abi.KindAutomation:
		b.Max = 50 * time.Millisecond
	default:
		return Budget{}
	}
	return b
}

// breaker is a plugin's record of failures and of how long its calls take.
type breaker struct {
	mu       sync.Mutex
	budget   Budget
	failures int       // failed calls in a row
	open     bool      // suspended until until, then waiting for a trial's verdict
	until    time.Time // suspended until then
	trial    bool      // a call is trying the plugin after its rest
	cause    error     // why it is suspended
	window   window
	// suspended reports a suspension: why (wrapping host.ErrSlow,
	// host.ErrQuota or the last failure) and the reason label
	suspended func(reason string, cause error)
}

func newBreaker(budget Budget, suspended func(reason string, cause error)) *breaker {
	b := &breaker{budget: budget, suspended: suspended}
	if budget.Max > 0 {
		b.window.samples = make([]sample, 0, max(budget.Calls, 1))
	}
	return b
}

// allow reports whether a call may go to the plugin now: with a nil
// error it may, and trial says that it tries the plugin after a rest
// (pass it to done); otherwise the error says why the plugin rests.
func (b *breaker) allow(now time.Time) (trial bool, refused error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, nil
	}
	if now.Before(b.until) || b.trial {
		return false, b.cause
	}
	b.trial = true
	return true, nil
}

// broke reports whether err is the plugin's failure: it did not answer,
// or answered what the contract does not allow.
func broke(err error) bool {
	return errors.Is(err, host.ErrTimeout) || errors.Is(err, host.ErrTrap) || errors.Is(err, host.ErrMemory) ||
		errors.Is(err, host.ErrOutput) || errors.Is(err, host.ErrHostCalls) || errors.Is(err, ErrInvalidAnswer)
}

// done records a call's outcome and how long it took; trial is what
// allow said of it. A call that started before the plugin was suspended
// and ends after does not end the suspension.
func (b *breaker) done(err error, took time.Duration, now time.Time, trial bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if trial {
		b.trial = false
	}
	var pct time.Duration
	var slow bool
	n := 0
	if b.budget.Max > 0 {
		pct, slow = b.window.add(now, took, b.budget)
		n = b.window.n
	}
	if broke(err) {
		b.failures++
	} else {
		b.failures = 0
	}
	switch {
	case errors.Is(err, host.ErrQuota):
		b.suspend(now, "quota", err)
	case b.failures >= breakerFailures || trial && b.failures > 0:
		b.suspend(now, "failures", fmt.Errorf("%d failed calls in a row, the last: %w", b.failures, err))
	case slow:
		b.suspend(now, "slow", fmt.Errorf("%w: the p%d of its last %d calls is %s, its budget %s",
			host.ErrSlow, b.budget.Percentile, n, pct.Round(time.Microsecond), b.budget.Max))
	case trial && b.budget.Max > 0 && took > b.budget.Max:
		b.suspend(now, "slow", fmt.Errorf("%w: its call after a rest took %s, its budget is a p%d of %s",
			host.ErrSlow, took.Round(time.Microsecond), b.budget.Percentile, b.budget.Max))
	case trial:
		b.open = false
		b.cause = nil
	}
}

// suspend rests the plugin from now; the window starts again empty, so
// that after its rest the plugin is judged on new calls.
func (b *breaker) suspend(now time.Time, reason string, cause error) {
	b.open = true
	b.until = now.Add(breakerRest)
	b.cause = cause
	b.window.reset()
	if b.suspended != nil {
		b.suspended(reason, cause)
	}
}

// sample is one call's duration and when it ended.
type sample struct {
	at   time.Time
	took time.Duration
}

// window is a ring of the latest calls; slow counts those over the
// budget, so that judging a call costs nothing but when it is slow.
type window struct {
	samples []sample // ring, capacity Budget.Calls
	first   int      // oldest
	n       int
	slow    int
}

func (w *window) reset() { w.first, w.n, w.slow = 0, 0, 0 }

// add records a call and reports the window's percentile (when it is
// over the budget) and whether it is.
func (w *window) add(now time.Time, took time.Duration, bud Budget) (time.Duration, bool) {
	size := cap(w.samples)
	if len(w.samples) < size {
		w.samples = w.samples[:size]
	}
	if w.n == size {
		w.drop(bud)
	}
	w.samples[(w.first+w.n)%size] = sample{at: now, took: took}
	w.n++
	if took > bud.Max {
		w.slow++
	}
	for w.n > 0 && now.Sub(w.samples[w.first].at) > bud.Age {
		w.drop(bud)
	}
	// nearest rank: the pP is the ⌈P·n/100⌉-th smallest, over the budget
	// when more than n − ⌈P·n/100⌉ calls are
	rank := (bud.Percentile*w.n + 99) / 100
	if w.n < max(bud.MinCalls, 1) || w.slow <= w.n-rank {
		return 0, false
	}
	d := make([]time.Duration, 0, w.n)
	for i := range w.n {
		d = append(d, w.samples[(w.first+i)%size].took)
	}
	slices.Sort(d)
	return d[rank-1], true
}

func (w *window) drop(bud Budget) {
	if w.samples[w.first].took > bud.Max {
		w.slow--
	}
	w.first = (w.first + 1) % len(w.samples)
	w.n--
}
