package bus

import (
	"context"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// groupCommit makes appends durable against power loss with one fsync for
// every append in flight: a waiter that arrives while a sync runs joins the
// next one, so throughput holds under load while each acknowledgement still
// follows an fsync that covered its write.
type groupCommit struct {
	f       *os.File
	mu      sync.Mutex
	waiting []chan error
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
}

func newGroupCommit(dir string) (*groupCommit, error) {
	if err := os.MkdirAll(storeDir(dir), 0o700); err != nil {
		return nil, err
	}
	f, err := os.Open(storeDir(dir))
	if err != nil {
		return nil, fmt.Errorf("open event log directory for fsync: %w", err)
	}
	g := &groupCommit{f: f, kick: make(chan struct{}, 1), done: make(chan struct{})}
	g.wg.Add(1)
	go g.loop()
	return g, nil
}

func (g *groupCommit) sync(ctx context.Context) error {
	ch := make(chan error, 1)
	g.mu.Lock()
	g.waiting = append(g.waiting, ch)
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-g.done:
		return ErrClosed
	}
}

func (g *groupCommit) loop() {
	defer g.wg.Done()
	for {
		select {
		case <-g.done:
			return
		case <-g.kick:
		}
		g.mu.Lock()
		batch := g.waiting
		g.waiting = nil
		g.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		// syncfs flushes every file of the log (message blocks, index,
		// directory entries of new blocks) in one call.
		err := unix.Syncfs(int(g.f.Fd()))
		for _, ch := range batch {
			ch <- err
		}
	}
}

func (g *groupCommit) close() {
	close(g.done)
	g.wg.Wait()
	g.f.Close()
}
