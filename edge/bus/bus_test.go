package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/bus"
)

func start(t *testing.T, durability string) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Start(ctx, bus.Options{Secrets: bus.Secrets{Current: []byte("test-region-secret-0123456789abcdef")}, Dir: t.TempDir(), ServerName: "t", Durability: durability, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func TestAppendDedupesAndReadsBackInOrder(t *testing.T) {
	for _, mode := range []string{bus.DurabilityProcess, bus.DurabilityGroupFsync, bus.DurabilityAlwaysFsync} {
		t.Run(mode, func(t *testing.T) {
			b := start(t, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// many appends in flight at once, as sessions make them
			const n = 200
			type res struct {
				i   int
				seq uint64
				err error
			}
			out := make(chan res, n)
			for i := 0; i < n; i++ {
				b.AppendAsync(bus.Subject("t1"), fmt.Sprintf("id-%d", i), []byte(fmt.Sprint(i)), func(seq uint64, dup bool, err error) {
					if dup {
						err = errors.New("fresh id reported as duplicate")
					}
					out <- res{i, seq, err}
				})
			}
			seqOf := map[int]uint64{}
			for k := 0; k < n; k++ {
				r := <-out
				if r.err != nil {
					t.Fatal(r.err)
				}
				seqOf[r.i] = r.seq
			}
			seq, dup, err := b.Append(ctx, bus.Subject("t1"), "id-7", []byte("again"))
			if err != nil || !dup || seq != seqOf[7] {
				t.Fatalf("re-append of id-7: seq %d dup %v err %v, want the original seq %d", seq, dup, err, seqOf[7])
			}
			last, err := b.LastSeq(ctx)
			if err != nil || last != n {
				t.Fatalf("last seq %d (%v), want %d: a duplicate was stored", last, err, n)
			}
			got := make(chan string, n)
			rctx, rcancel := context.WithCancel(ctx)
			go func() { _ = b.Read(rctx, 1, func(seq uint64, data []byte) { got <- fmt.Sprintf("%d=%s", seq, data) }) }()
			for i := 0; i < n; i++ {
				select {
				case g := <-got:
					// appends from one goroutine are stored in call order
					if want := fmt.Sprintf("%d=%d", i+1, i); g != want {
						t.Fatalf("read %s, want %s", g, want)
					}
				case <-ctx.Done():
					t.Fatalf("read %d of %d events", i, n)
				}
			}
			rcancel()
		})
	}
}

func TestUnknownDurabilityIsRefused(t *testing.T) {
	_, err := bus.Start(context.Background(), bus.Options{Secrets: bus.Secrets{Current: []byte("test-region-secret-0123456789abcdef")}, Dir: t.TempDir(), Durability: "sometimes"})
	if !errors.Is(err, bus.ErrBadDurability) {
		t.Fatalf("err = %v, want ErrBadDurability", err)
	}
}
