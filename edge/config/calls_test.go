package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/config"
)

// A call rings 45 s by default; the ring timeout is 1s to 10m.
func TestRingTimeout(t *testing.T) {
	if d := config.Default().Calls.RingTimeout; d != 45*time.Second {
		t.Fatalf("default ring timeout %s", d)
	}
	for _, c := range []struct {
		v  time.Duration
		ok bool
	}{{time.Second, true}, {10 * time.Minute, true}, {0, false}, {999 * time.Millisecond, false}, {11 * time.Minute, false}} {
		cfg := config.Default()
		cfg.Calls.RingTimeout = c.v
		err := cfg.Validate()
		if c.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), "calls.ring_timeout") {
			t.Errorf("ring_timeout %s: %v", c.v, err)
		}
	}
}
