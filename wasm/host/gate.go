package host

import "sync/atomic"

// gate counts the calls running through it until it is retired: then no
// call enters, and drained closes once the last one running leaves. A
// version of a plugin has one (retired when it is swapped out or closed),
// and so has the host (retired by Close): an instance's memory is unmapped
// when it closes, so nothing may close while a call runs in it.
//
// A sync.WaitGroup cannot say no: a call that loaded a version just before
// a swap could count itself in just after Wait returned, and run on an
// instance being closed. The count and the retired bit share one word, so
// entering is one compare-and-swap, with no lock on the call path.
type gate struct {
	calls   atomic.Int64 // calls running; retiredBit once retired
	drained chan struct{}
}

const retiredBit = 1 << 62

func newGate() gate { return gate{drained: make(chan struct{})} }

// enter counts a call, unless the gate is retired.
func (g *gate) enter() bool {
	for {
		n := g.calls.Load()
		if n&retiredBit != 0 {
			return false
		}
		if g.calls.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// leave ends a call counted by enter.
func (g *gate) leave() {
	if g.calls.Add(-1) == retiredBit {
		close(g.drained)
	}
}

// retire lets no call enter; drained closes once none runs. Retiring
// twice is retiring once.
func (g *gate) retire() {
	for {
		n := g.calls.Load()
		if n&retiredBit != 0 {
			return
		}
		if g.calls.CompareAndSwap(n, n|retiredBit) {
			if n == 0 {
				close(g.drained)
			}
			return
		}
	}
}
