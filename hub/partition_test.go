package hub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/residency"
	"github.com/edgedesk/edgedesk/edge/uplink"
	"github.com/edgedesk/edgedesk/hub/hubtest"
	"github.com/edgedesk/edgedesk/internal/faultproxy"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// The link between edge and hub drops, delays, reorders, duplicates and
// corrupts datagrams (QUIC's authenticated encryption discards a tampered
// one, and it is sent again), then is cut for longer than QUIC's idle timeout while the
// edge keeps taking messages: the edge reconnects when the link returns,
// and the hub ends up with exactly the edge's log.
func TestSyncThroughABadLinkAndAPartition(t *testing.T) {
	h := hubtest.Start(t)
	proxy, err := faultproxy.New(h.QUICAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	proxy.Set(faultproxy.Faults{Drop: 0.05, Duplicate: 0.05, Corrupt: 0.02, Delay: time.Millisecond, Jitter: 10 * time.Millisecond})

	cfg := edgetest.Config(t)
	cfg.Node.ID, cfg.Node.Region = "px-1", "eu"
	e := edgetest.Start(t, cfg)
	sealer, err := residency.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	qc := syncproto.QUICConfig()
	qc.MaxIdleTimeout, qc.KeepAlivePeriod = time.Second, 250*time.Millisecond
	u := uplink.New(uplink.Options{Addr: proxy.Addr(), Dir: t.TempDir(), Log: edgetest.Logger(t), QUIC: qc,
		EnrollTokenFile: h.DevToken(), Name: "px-1", Region: "eu",
		Read: e.Node.Bus().Read, Head: e.Node.Bus().LastSeq, Sealer: sealer,
		Policy:      func(string) residency.Policy { return residency.Policy{} },
		BatchEvents: 16, Window: 64, MaxBackoff: 500 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// writers keep going before, during and after the partition
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				select {
				case <-stop:
					return
				default:
				}
				chat(t, e, fmt.Sprintf("bad-link-%d-%d", i, round), 10)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(time.Second)
	proxy.Cut(true)
	before := lastSeq(t, e)
	time.Sleep(2500 * time.Millisecond) // past the 1 s idle timeout: the connection dies
	if u.Status().Connected {
		t.Error("the uplink still says connected 2.5 s into the partition")
	}
	if during := lastSeq(t, e) - before; during < 50 {
		t.Errorf("the edge took only %d events while cut off", during)
	}
	proxy.Cut(false)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	d := synced(t, h, &edgetest.Edge{Node: e.Node, Config: e.Config})
	t.Logf("compared %d events; proxy forwarded %d datagrams, dropped %d, duplicated %d, corrupted %d",
		d.Edge, proxy.Forwarded.Load(), proxy.Dropped.Load(), proxy.Duplicated.Load(), proxy.Corrupted.Load())
	if proxy.Dropped.Load() == 0 || proxy.Duplicated.Load() == 0 || proxy.Corrupted.Load() == 0 {
		t.Fatal("the proxy injected no faults: the test proves nothing")
	}
	var _ = hubtest.Diff{}
}
