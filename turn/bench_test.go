package turn_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pturn "github.com/pion/turn/v5"

	"github.com/edgedesk/edgedesk/turn"
)

// A TURN server under test: where it listens.
type server struct {
	name string
	addr *net.UDPAddr
}

// benchServers starts the embedded server's standalone command and
// Debian's coturn (the reference TURN server) on loopback, each a process
// of its own as the load generator is, with the same secret, for the same
// load in the same run.
func benchServers(b *testing.B) []server {
	if _, err := exec.LookPath("turnserver"); err != nil {
		b.Fatal("turnserver is missing: install Debian's coturn package (make test does)")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "turn")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/turn").CombinedOutput(); err != nil {
		b.Fatalf("build turn: %v\n%s", err, out)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, secret, 0o600); err != nil {
		b.Fatal(err)
	}
	ours, theirs := freeUDPPort(b), freeUDPPort(b)
	run := func(name string, args ...string) {
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stderr = &strings.Builder{}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cancel(); cmd.Wait() })
	}
	run(bin, "--listen", "127.0.0.1:"+strconv.Itoa(ours), "--secret-file", secretFile, "--dev",
		"--ports", "40000-44999", "--max-allocations", "1000000", "--log-level", "warn")
	run("turnserver", "-n", "--listening-ip=127.0.0.1", "--listening-port="+strconv.Itoa(theirs),
		"--relay-ip=127.0.0.1", "--use-auth-secret", "--static-auth-secret="+string(secret), "--realm=edgedesk",
		"--min-port=45000", "--max-port=49999", "--no-tls", "--no-dtls", "--allow-loopback-peers", "--no-cli",
		"--log-file="+filepath.Join(dir, "coturn.log"), "--simple-log", "--pidfile="+filepath.Join(dir, "coturn.pid"))
	servers := []server{{"edgedesk", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ours}},
		{"coturn", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: theirs}}}
	for _, s := range servers {
		for deadline := time.Now().Add(10 * time.Second); ; {
			cl, conn, err := dialTURN(s.addr, "ready")
			if err == nil {
				var relay net.PacketConn
				if relay, err = cl.Allocate(); err == nil {
					relay.Close()
				}
				cl.Close()
				conn.Close()
			}
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s did not start: %v", s.name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return servers
}

func dialTURN(addr *net.UDPAddr, user string) (*pturn.Client, net.PacketConn, error) {
	c, err := turn.NewCredentials(secret, user, time.Now(), time.Hour)
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	cl, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: addr.String(), STUNServerAddr: addr.String(),
		Conn: conn, Username: c.Username, Password: c.Password, Realm: "edgedesk", RTO: 200 * time.Millisecond})
	if err == nil {
		err = cl.Listen()
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return cl, conn, nil
}

// BenchmarkTURNRelay is packets relayed per second: 4 clients, each with
// an allocation and a channel bound to one peer, send 200-byte ChannelData
// frames (what relayed WebRTC media travels in) as fast as they can for
// 2 s; the peer counts what arrives. The embedded server and
// coturn, alternately, twice each, in the same run; edgedesk/coturn is
// the ratio of their means.
//
//	go test -run '^$' -bench TURNRelay -benchtime 1x ./turn
func BenchmarkTURNRelay(b *testing.B) {
	servers := benchServers(b)
	got := map[string][]float64{}
	for range 2 {
		for _, s := range servers {
			got[s.name] = append(got[s.name], relayRate(b, s.addr))
		}
	}
	report(b, got, "pkts/s")
}

// BenchmarkTURNAllocate is allocations per second: 8 goroutines each
// allocate (a 401 challenge, then the authenticated request) and release
// a relay, for 2 s, against each server alternately, twice each.
//
//	go test -run '^$' -bench TURNAllocate -benchtime 1x ./turn
func BenchmarkTURNAllocate(b *testing.B) {
	servers := benchServers(b)
	got := map[string][]float64{}
	for range 2 {
		for _, s := range servers {
			got[s.name] = append(got[s.name], allocRate(b, s.addr))
		}
	}
	report(b, got, "allocs/s")
}

func report(b *testing.B, got map[string][]float64, unit string) {
	mean := func(v []float64) float64 {
		t := 0.0
		for _, x := range v {
			t += x
		}
		return t / float64(len(v))
	}
	b.ReportMetric(mean(got["edgedesk"]), "edgedesk-"+unit)
	b.ReportMetric(mean(got["coturn"]), "coturn-"+unit)
	b.ReportMetric(mean(got["edgedesk"])/mean(got["coturn"]), "edgedesk/coturn")
	b.Logf("%s: edgedesk %.0f, coturn %.0f", unit, got["edgedesk"], got["coturn"])
}

func relayRate(b *testing.B, srv *net.UDPAddr) float64 {
	const clients, d = 4, 2 * time.Second
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	sink.SetReadBuffer(8 << 20)
	to := sink.LocalAddr().(*net.UDPAddr)
	// ChannelData of 200 bytes on the first channel pion's client binds
	// (0x4000): the frame WebRTC's relayed media travels in
	msg := append([]byte{0x40, 0x00, 0, 200}, make([]byte, 200)...)
	var conns []net.PacketConn
	for i := range clients {
		cl, conn, err := dialTURN(srv, fmt.Sprint("bench.relay", i))
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		defer cl.Close()
		relay, err := cl.Allocate()
		if err != nil {
			b.Fatal(err)
		}
		defer relay.Close()
		// the permission, then the channel binding pion's client makes
		// once it has one
		for range 3 {
			if _, err := relay.WriteTo([]byte("bind"), to); err != nil {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		conns = append(conns, conn)
	}
	time.Sleep(300 * time.Millisecond)
	drain(sink)
	var received atomic.Int64
	stop := make(chan struct{})
	go func() {
		buf := make([]byte, 2048)
		for {
			sink.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if _, _, err := sink.ReadFrom(buf); err != nil {
				select {
				case <-stop:
					return
				default:
					continue
				}
			}
			received.Add(1)
		}
	}()
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for _, c := range conns {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				for range 64 {
					c.WriteTo(msg, srv)
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond) // what is in flight
	n := received.Load()
	close(stop)
	return float64(n) / d.Seconds()
}

func drain(c *net.UDPConn) {
	buf := make([]byte, 2048)
	for {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, _, err := c.ReadFrom(buf); err != nil {
			return
		}
	}
}

func allocRate(b *testing.B, srv *net.UDPAddr) float64 {
	const workers, d = 8, 2 * time.Second
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for w := range workers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				cl, conn, err := dialTURN(srv, fmt.Sprintf("bench.alloc%d-%d", w, i))
				if err != nil {
					b.Error(err)
					return
				}
				relay, err := cl.Allocate()
				if err == nil {
					n.Add(1)
					relay.Close()
				}
				cl.Close()
				conn.Close()
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}
