package hub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/tidwall/wal"
)

// Log is the hub's durable copy of every edge's event log, and its own
// configuration log: one append-only write-ahead log per edge
// (<data>/log/edges/<name>), whose indexes are the edge's sequences, and
// one for configuration (<data>/log/config). A batch is written and
// fsynced before it is acknowledged. An append-only log is exactly what
// this is; a tree-shaped store (Badger, tried first) spent most of its work
// on keeping a tree nobody searches (docs/benchmarks.md).
type Log struct {
	dir string

	mu     sync.Mutex
	edges  map[string]*wal.Log
	config *wal.Log
}

// OpenLog opens the logs in dir.
func OpenLog(dir string) (*Log, error) {
	l := &Log{dir: dir, edges: map[string]*wal.Log{}}
	c, err := openWAL(filepath.Join(dir, "config"))
	if err != nil {
		return nil, err
	}
	l.config = c
	return l, nil
}

func openWAL(dir string) (*wal.Log, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	w, err := wal.Open(dir, &wal.Options{SegmentSize: 1 << 20, SegmentCacheSize: 2, AllowEmpty: true, NoCopy: true,
		DirPerms: 0o700, FilePerms: 0o600})
	if err != nil {
		return nil, fmt.Errorf("open the hub's log %s: %w", dir, err)
	}
	return w, nil
}

// Close closes every log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := []error{l.config.Close()}
	for _, w := range l.edges {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}

func (l *Log) edge(name string) (*wal.Log, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w, ok := l.edges[name]; ok {
		return w, nil
	}
	w, err := openWAL(filepath.Join(l.dir, "edges", name))
	if err != nil {
		return nil, err
	}
	l.edges[name] = w
	return w, nil
}

// Stored is the last sequence of edge's log the hub holds (0: none).
func (l *Log) Stored(edge string) (uint64, error) {
	w, err := l.edge(edge)
	if err != nil {
		return 0, err
	}
	return w.LastIndex()
}

// Append stores entries first, first+1, … of edge's log, which must follow
// what is stored, and fsyncs before it returns.
func (l *Log) Append(edge string, first uint64, entries [][]byte) error {
	w, err := l.edge(edge)
	if err != nil {
		return err
	}
	var b wal.Batch
	for i, e := range entries {
		b.Write(first+uint64(i), e)
	}
	return w.WriteBatch(&b)
}

// Read calls fn with edge's entries from seq from up to to (or the last
// one), in order, and stops early when fn returns false.
func (l *Log) Read(edge string, from, to uint64, fn func(seq uint64, data []byte) bool) error {
	w, err := l.edge(edge)
	if err != nil {
		return err
	}
	return readWAL(w, from, to, fn)
}

func readWAL(w *wal.Log, from, to uint64, fn func(seq uint64, data []byte) bool) error {
	first, err := w.FirstIndex()
	if err != nil {
		return err
	}
	last, err := w.LastIndex()
	if err != nil {
		return err
	}
	for seq := max(from, first, 1); seq <= min(to, last); seq++ {
		data, err := w.Read(seq)
		if err != nil {
			return fmt.Errorf("read entry %d of the hub's log: %w", seq, err)
		}
		if !fn(seq, data) {
			return nil
		}
	}
	return nil
}

// AppendConfig appends one configuration event durably and returns its
// sequence. The caller serializes appends.
func (l *Log) AppendConfig(data []byte) (uint64, error) {
	last, err := l.config.LastIndex()
	if err != nil {
		return 0, err
	}
	return last + 1, l.config.Write(last+1, data)
}

// ConfigHead is the last sequence of the configuration log (0: empty).
func (l *Log) ConfigHead() (uint64, error) { return l.config.LastIndex() }

// ReadConfig returns up to n configuration entries from sequence from.
func (l *Log) ReadConfig(from uint64, n int) ([][]byte, error) {
	var out [][]byte
	err := readWAL(l.config, from, ^uint64(0), func(_ uint64, data []byte) bool {
		out = append(out, data)
		return len(out) < n
	})
	return out, err
}
