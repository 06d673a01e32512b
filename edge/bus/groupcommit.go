package bus

import (
	"fmt"
	"os"
	"sync"
)

// groupCommit makes appends durable against power loss with one fsync for
// every append in flight: a waiter that arrives while a sync runs joins the
// next one, so throughput holds under load while each acknowledgement still
// follows an fsync that covered its write.
type groupCommit struct {
	f       *os.File
	mu      sync.Mutex
	waiting []func(error)
	closed  bool
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

// sync calls done after an fsync that started after this call.
func (g *groupCommit) sync(done func(error)) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		done(ErrClosed)
		return
	}
	g.waiting = append(g.waiting, done)
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
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
		// every file of the log (message blocks, index, directory
		// entries of new blocks): syncfs(2) on Linux, each in turn
		// elsewhere
		err := syncDir(g.f)
		for _, done := range batch {
			done(err)
		}
	}
}

func (g *groupCommit) close() {
	close(g.done)
	g.wg.Wait()
	g.mu.Lock()
	g.closed = true
	batch := g.waiting
	g.waiting = nil
	g.mu.Unlock()
	for _, done := range batch {
		done(ErrClosed)
	}
	g.f.Close()
}
