package turn

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPeers(t *testing.T) {
	for _, c := range []struct {
		ip                      string
		open, loopback, private bool
	}{
		{"8.8.8.8", true, true, true},
		{"2001:4860:4860::8888", true, true, true},
		{"127.0.0.1", false, true, false},
		{"::1", false, true, false},
		{"::ffff:127.0.0.1", false, true, false},
		{"10.1.2.3", false, false, true},
		{"192.168.1.1", false, false, true},
		{"172.16.0.1", false, false, true},
		{"100.64.0.1", false, false, true},
		{"fd00::1", false, false, true},
		{"64:ff9b::10.0.0.1", false, false, true}, // NAT64 of a private address
		{"64:ff9b::8.8.8.8", true, true, true},
		{"169.254.169.254", false, false, false}, // cloud metadata
		{"fe80::1", false, false, false},
		{"0.0.0.0", false, false, false},
		{"0.1.2.3", false, false, false},
		{"224.0.0.1", false, false, false},
		{"255.255.255.255", false, false, false},
		{"198.18.0.1", false, false, false},
		{"2002:a00:1::1", false, false, false},   // 6to4 wrapping 10.0.0.1
		{"64:ff9b:1::a00:1", false, false, true}, // local-use NAT64
		{"::a00:1", false, false, false},         // IPv4-compatible 10.0.0.1
		{"fec0::1", false, false, true},          // site-local
	} {
		ip := net.ParseIP(c.ip)
		if got := (Peers{}).Allowed(ip); got != c.open {
			t.Errorf("%s by default: %v, want %v", c.ip, got, c.open)
		}
		if got := (Peers{Loopback: true}).Allowed(ip); got != c.loopback {
			t.Errorf("%s with loopback: %v, want %v", c.ip, got, c.loopback)
		}
		if got := (Peers{Private: true}).Allowed(ip); got != c.private {
			t.Errorf("%s with private: %v, want %v", c.ip, got, c.private)
		}
	}
	if (Peers{Loopback: true, Private: true}).Allowed(nil) {
		t.Error("a nil address is allowed")
	}
}

func TestCredentials(t *testing.T) {
	now := time.Unix(1800000000, 0)
	c, err := NewCredentials([]byte("secret of sixteen+"), "demo.alice", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// the TURN REST API form: expiry:user, base64(HMAC-SHA1(secret, username))
	if c.Username != "1800003600:demo.alice" || c.Password != password([]byte("secret of sixteen+"), "1800003600:demo.alice") {
		t.Fatalf("%+v", c)
	}
	exp, user, err := ParseUsername(c.Username)
	if err != nil || user != "demo.alice" || !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("ParseUsername = %v %q %v", exp, user, err)
	}
	for _, bad := range []string{"", "alice", ":alice", "12x:alice", "1800003600:", "1800003600:a:b", "-5:alice",
		"1800003600:" + strings.Repeat("a", MaxUser+1), "9999999999999:alice"} {
		if _, _, err := ParseUsername(bad); err == nil {
			t.Errorf("ParseUsername(%q) accepted", bad)
		}
	}
	if _, err := NewCredentials([]byte("k"), "a:b", now, time.Hour); err == nil {
		t.Error("a user with ':' was accepted")
	}
}

// ParseUsername reads what clients send: it never panics, and what it
// accepts is an expiry and a user it could have made.
func FuzzParseUsername(f *testing.F) {
	for _, s := range []string{"1800003600:demo.alice", "0:x", "alice", ":", "1:\x00", "99999999999:u"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exp, user, err := ParseUsername(s)
		if err != nil {
			return
		}
		if user == "" || len(user) > MaxUser || strings.ContainsAny(user, ":\x00") {
			t.Fatalf("%q: accepted user %q", s, user)
		}
		ts, _, _ := strings.Cut(s, ":")
		if n, _ := strconv.ParseInt(ts, 10, 64); n != exp.Unix() {
			t.Fatalf("%q: expiry %d", s, exp.Unix())
		}
	})
}
