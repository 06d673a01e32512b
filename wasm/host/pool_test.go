package host

import (
	"context"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// A version keeps one instance while it is called one call at a time, and
// makes more only when every instance is busy, never more than
// Limits.Instances.
func TestInstancesAreMadeOnDemand(t *testing.T) {
	ctx := context.Background()
	h, _ := rawHost(t, Limits{Instances: 3})
	p, err := h.Load(ctx, rawPackage(t, "pool", goodModule().bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0}); err != nil {
			t.Fatal(err)
		}
	}
	v := p.current.Load()
	if n := v.live.Load(); n != 1 {
		t.Fatalf("%d instances after calls one at a time, want 1", n)
	}
	var held []*instance
	for i := range 3 {
		inst, err := v.get(ctx, h, 5*time.Second)
		if err != nil {
			t.Fatalf("instance %d of 3 with the others busy: %v", i+1, err)
		}
		held = append(held, inst)
	}
	if _, err := v.get(ctx, h, 100*time.Millisecond); err == nil {
		t.Fatal("got a fourth instance of a pool of 3")
	}
	if n := v.live.Load(); n != 3 {
		t.Fatalf("%d instances with every one busy, want 3", n)
	}
	for _, inst := range held {
		v.put(ctx, h, inst, true)
	}
}
