package gateway

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// The back-off doubles per failure past the free ones up to the cap; a
// lock that ended keeps the count, so the next failure waits longer;
// failures are forgotten after ForgetAfter with no lock left.
func TestFailureLogBacksOff(t *testing.T) {
	lim := LoginLimits{AccountFailures: 2, Backoff: time.Second, MaxBackoff: 5 * time.Second, ForgetAfter: time.Minute, MaxTracked: 10}
	l := newFailureLog(2, &lim)
	now := time.Unix(1_000_000, 0)
	var got []time.Duration
	for range 6 {
		got = append(got, l.fail("a", now))
	}
	if want := fmt.Sprint([]time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}); fmt.Sprint(got) != want {
		t.Fatalf("locks %v, want %v", got, want)
	}
	if w := l.wait("a", now.Add(time.Second)); w != 4*time.Second {
		t.Fatalf("wait %s, want 4s", w)
	}
	later := now.Add(10 * time.Second) // the lock ended
	if w := l.wait("a", later); w != 0 {
		t.Fatalf("wait after the lock %s", w)
	}
	if d := l.fail("a", later); d != 5*time.Second {
		t.Fatalf("the next failure locks for %s, want the cap", d)
	}
	if w := l.wait("a", later.Add(5*time.Second+time.Minute+time.Second)); w != 0 || l.entries["a"] != nil {
		t.Fatal("failures not forgotten after ForgetAfter")
	}
}

// Full, the log forgets the least recently seen unlocked entry first, so
// failures spread over many keys cannot push a lock out.
func TestFailureLogEvictsUnlockedFirst(t *testing.T) {
	lim := LoginLimits{Backoff: time.Minute, MaxBackoff: time.Hour, ForgetAfter: time.Hour, MaxTracked: 3}
	l := newFailureLog(1, &lim)
	now := time.Unix(1_000_000, 0)
	l.fail("victim", now)
	l.fail("victim", now) // locked
	for i := range 100 {
		l.fail(fmt.Sprintf("k%d", i), now)
	}
	if len(l.entries) != 3 || l.wait("victim", now) != time.Minute {
		t.Fatalf("%d entries, victim waits %s", len(l.entries), l.wait("victim", now))
	}
}

func TestAddressKeys(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":        "203.0.113.7",
		"::ffff:203.0.113.7": "203.0.113.7",
		"2001:db8:1:2:3::9":  "2001:db8:1:2::/64",
	} {
		if got := addressKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("addressKey(%s) = %s, want %s", in, got, want)
		}
	}
	if k, ok := parseAddressKey("2001:db8:1:2::/64"); !ok || k != "2001:db8:1:2::/64" {
		t.Errorf("a /64 names its key: %s %v", k, ok)
	}
	if _, ok := parseAddressKey("lb.internal"); ok {
		t.Error("a name was taken as an address")
	}
}
