package turn_test

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/turn"
)

// coturn's test client, turnutils_uclient, with -W (the REST API secret),
// relays through the embedded server to coturn's turnutils_peer, over UDP
// and over TCP, without losing a packet; with another secret it gets no
// allocation. Debian's coturn package has both (`make test` installs it).
func TestCoturnClientInterop(t *testing.T) {
	for _, tool := range []string{"turnutils_uclient", "turnutils_peer"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install Debian's coturn package (make test does)", tool)
		}
	}
	s, _ := start(t, turn.Config{Peers: turn.Peers{Loopback: true}, MaxAllocations: 100})
	peerPort := freeUDPPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	peer := exec.CommandContext(ctx, "turnutils_peer", "-L", "127.0.0.1", "-p", strconv.Itoa(peerPort))
	if err := peer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); peer.Wait() })
	time.Sleep(200 * time.Millisecond) // the peer binds its port

	uclient := func(secret string, extra ...string) (string, error) {
		args := append([]string{"-c", "-W", secret, "-u", "demo.alice", "-e", "127.0.0.1", "-r", strconv.Itoa(peerPort),
			"-n", "100", "-l", "200", "-m", "2", "-z", "5", "-p", strconv.Itoa(s.Addr().Port)}, extra...)
		args = append(args, "127.0.0.1")
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(c, "turnutils_uclient", args...).CombinedOutput()
		return string(out), err
	}
	lost := regexp.MustCompile(`Total lost packets (\d+)`)
	counts := regexp.MustCompile(`tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n`)
	for _, tcp := range []bool{false, true} {
		var extra []string
		if tcp {
			extra = []string{"-t"}
		}
		out, err := uclient(string(secret), extra...)
		l, c := lost.FindStringSubmatch(out), counts.FindAllStringSubmatch(out, -1)
		if err != nil || l == nil || len(c) == 0 {
			t.Fatalf("turnutils_uclient (tcp %v): %v\n%s", tcp, err, out)
		}
		last := c[len(c)-1]
		if l[1] != "0" || last[1] != "200" || last[2] != "200" {
			t.Fatalf("tcp %v: lost %s, sent %s, received %s; want 0, 200, 200\n%s", tcp, l[1], last[1], last[2], out)
		}
		t.Logf("tcp %v: 200 packets through the relay and back, none lost", tcp)
	}
	out, err := uclient("another secret, not the server's")
	if err == nil || lost.MatchString(out) {
		t.Fatalf("turnutils_uclient with another secret relayed:\n%s", out)
	}
}

func freeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
