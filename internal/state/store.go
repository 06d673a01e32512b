package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// Options tune the Badger store.
type Options struct {
	// InMemory keeps everything in memory (tests of code that does not
	// need durability).
	InMemory bool
	// CacheMB is the block cache size in MiB; 0 uses 64.
	CacheMB int64
	// Uncompressed stores blocks as written: the hub uses it so that an
	// audit of its files for clear text (data residency) sees what is
	// there.
	Uncompressed bool
}

// Store is the Badger-backed state. Reads may run concurrently with the
// single projector writing through ApplyBatch.
type Store struct {
	db      *badger.DB
	codec   *event.Codec
	log     *slog.Logger
	applied atomic.Uint64
	layout  uint64
	configs configCache // plugins' configurations read (pluginconfig.go)

	// used by the projector goroutine only (ApplyBatch)
	convCache   map[string]ConversationRec
	convPending map[string]ConversationRec
	cids        map[string]*cidFilter // tenant/conv → client ids (cidfilter.go)
	cidSeed     maphash.Seed
	policies    map[string]*policy         // tenants' SLA policies (slaclock.go)
	rules       map[string]*automation.Set // tenants' automation rules (automation.go)
	autoFired   bool                       // this chunk wrote a firing down
	// the rules' scratch, reused from event to event
	autoFacts    automation.Facts
	autoCustomer customerOf
	autoMatch    []*event.Rule
	autoDue      []AutoDueRec
	autoWake     chan struct{}
	hooks        map[string][]HookRec // tenants' webhook endpoints (webhooks.go)
	hookDirty    map[string]*HookRec  // endpoints whose counts this chunk changed
	hookQueued   bool                 // this chunk queued or settled a delivery
	hookChanged  bool                 // this chunk set or removed an endpoint
	hookVersion  atomic.Uint64        // endpoints' changes committed
	// channelChanged: this chunk set or removed a channel's configuration;
	// channelVersion counts the changes committed
	channelChanged bool
	channelVersion atomic.Uint64
	hookWake       chan struct{}
}

// Open opens (creating if needed) the store in dir.
func Open(dir string, opts Options, log *slog.Logger) (*Store, error) {
	cache := opts.CacheMB
	if cache == 0 {
		cache = 64
	}
	bo := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{log.With("component", "badger")}).
		WithSyncWrites(false).
		WithMemTableSize(32 << 20).
		WithNumMemtables(3).
		WithBlockCacheSize(cache << 20).
		WithNumCompactors(2).
		WithMetricsEnabled(false).
		// The projector is the only writer: no transaction can conflict.
		WithDetectConflicts(false)
	if opts.Uncompressed {
		bo = bo.WithCompression(options.None)
	}
	if opts.InMemory {
		bo = bo.WithInMemory(true).WithDir("").WithValueDir("")
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open state store in %s: %w", dir, err)
	}
	s := &Store{db: db, codec: event.NewCodec(), log: log,
		convCache: map[string]ConversationRec{}, convPending: map[string]ConversationRec{}, policies: map[string]*policy{}, rules: map[string]*automation.Set{}, autoWake: make(chan struct{}, 1),
		hooks: map[string][]HookRec{}, hookDirty: map[string]*HookRec{}, hookWake: make(chan struct{}, 1),
		cids: map[string]*cidFilter{}, cidSeed: maphash.MakeSeed()}
	err = db.Update(func(txn *badger.Txn) error {
		n, err := getUint64(txn, []byte(keyApplied))
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		s.applied.Store(n)
		switch s.layout, err = getUint64(txn, []byte(keyLayout)); {
		case errors.Is(err, ErrNotFound) && n == 0: // a new store
			s.layout = Layout
			return putUint64(txn, []byte(keyLayout), Layout)
		case errors.Is(err, ErrNotFound):
			s.layout = 1
			return nil
		}
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read applied sequence and layout: %w", err)
	}
	return s, nil
}

// Layout is the layout the store was written with; when it is not the
// package's Layout the store must be rebuilt from the log.
func (s *Store) Layout() uint64 { return s.layout }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Applied is the last log sequence applied.
func (s *Store) Applied() uint64 { return s.applied.Load() }

// Sizes returns the LSM and value-log sizes in bytes.
func (s *Store) Sizes() (lsm, vlog int64) { return s.db.Size() }

// Healthy reports whether the store accepts reads.
func (s *Store) Healthy() bool { return !s.db.IsClosed() }

// KV is one stored key and value.
type KV struct {
	Key, Value []byte
}

// Dump returns every record in key order; tests compare stores with it.
func (s *Store) Dump() ([]KV, error) {
	var out []KV
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, KV{Key: it.Item().KeyCopy(nil), Value: v})
		}
		return nil
	})
	return out, err
}

// EqualDumps reports whether two dumps hold the same bytes, and the first
// key where they differ.
func EqualDumps(a, b []KV) (bool, string) {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if !bytes.Equal(a[i].Key, b[i].Key) {
			return false, fmt.Sprintf("key %d: %q vs %q", i, a[i].Key, b[i].Key)
		}
		if !bytes.Equal(a[i].Value, b[i].Value) {
			return false, fmt.Sprintf("value of %q differs", a[i].Key)
		}
	}
	if len(a) != len(b) {
		return false, fmt.Sprintf("%d records vs %d", len(a), len(b))
	}
	return true, ""
}

func (s *Store) get(txn *badger.Txn, key []byte, v any) error {
	it, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return it.Value(func(b []byte) error { return s.codec.Unmarshal(b, v) })
}

func (s *Store) put(txn *badger.Txn, key []byte, v any) error {
	b, err := s.codec.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

// getUint64 reads a big-endian uint64 value; ErrNotFound when the key is
// absent.
func getUint64(txn *badger.Txn, key []byte) (uint64, error) {
	it, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = it.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("%q holds %d bytes, want 8", key, len(v))
		}
		n = binary.BigEndian.Uint64(v)
		return nil
	})
	return n, err
}

func putUint64(txn *badger.Txn, key []byte, n uint64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return txn.Set(key, b[:])
}

func exists(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(txn *badger.Txn) error) error { return s.db.View(fn) }

// BadgerLogger is a Badger logger writing to log: its errors and warnings
// as such, its information as debug, its debug not at all.
func BadgerLogger(log *slog.Logger) badger.Logger { return badgerLogger{log} }

type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Infof(f string, a ...any)    { b.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Debugf(f string, a ...any)   {}
