package state_test

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func configured(tenant, plugin, config string) *event.Event {
	var b []byte
	if config != "" {
		b = []byte(config)
	}
	return &event.Event{Kind: event.KindPluginConfigured, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "admin"},
		PluginConfig: &event.PluginConfig{Plugin: plugin, Config: b}}
}

// A plugin's configuration is kept per tenant and plugin; what a read
// kept in memory gives way to the next change as soon as it is applied,
// and an empty configuration clears it.
func TestPluginConfigPerTenantFollowsTheLog(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	read := func(tenant, plugin string) string {
		t.Helper()
		r, err := s.PluginConfig(tenant, plugin)
		if errors.Is(err, state.ErrNotFound) {
			return "none"
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(r.Config)
	}
	// none yet, and that is kept in memory too
	if got := read("t1", "routing"); got != "none" {
		t.Fatalf("before any event: %s", got)
	}
	l.apply(configured("t1", "routing", `{"agent":"a1"}`))
	for range 2 { // from the store, then from memory
		if got := read("t1", "routing"); got != `{"agent":"a1"}` {
			t.Fatalf("t1 routing: %s", got)
		}
		if got := read("t2", "routing"); got != "none" {
			t.Fatalf("t2 routing has t1's: %s", got)
		}
		if got := read("t1", "nlp"); got != "none" {
			t.Fatalf("t1 nlp has routing's: %s", got)
		}
	}
	r, _ := s.PluginConfig("t1", "routing")
	if r.Plugin != "routing" || r.Tenant != "t1" || r.Seq != 1 || r.UpdatedAt != 1000 {
		t.Fatalf("record %+v", r)
	}
	l.apply(configured("t1", "routing", `{"agent":"a2"}`), configured("t2", "routing", `{}`))
	if got := read("t1", "routing"); got != `{"agent":"a2"}` {
		t.Fatalf("t1 routing after a change: %s", got)
	}
	if got := read("t2", "routing"); got != `{}` {
		t.Fatalf("t2 routing after a change: %s", got)
	}
	l.apply(configured("t1", "routing", ""))
	if got := read("t1", "routing"); got != "none" {
		t.Fatalf("t1 routing after clearing: %s", got)
	}
}

// Readers never keep a configuration older than one they saw, and once a
// change is applied every read has it: 4 readers hammer one
// configuration while 300 changes are applied one at a time.
func TestPluginConfigReadsWhileChangesApply(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	n := func(r state.PluginConfigRec, err error) int {
		if errors.Is(err, state.ErrNotFound) {
			return -1
		}
		if err != nil {
			panic(err)
		}
		var v int
		if _, err := fmt.Sscanf(string(r.Config), `{"n":%d}`, &v); err != nil {
			panic(string(r.Config))
		}
		return v
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			last := -1
			for {
				select {
				case <-stop:
					return
				default:
				}
				v := n(s.PluginConfig("t1", "p"))
				if v < last {
					errs <- fmt.Errorf("read %d after %d", v, last)
					return
				}
				last = v
			}
		})
	}
	for i := range 300 {
		l.apply(configured("t1", "p", `{"n":`+strconv.Itoa(i)+`}`))
		if v := n(s.PluginConfig("t1", "p")); v != i {
			close(stop)
			wg.Wait()
			t.Fatalf("after change %d was applied, a read gave %d", i, v)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}
