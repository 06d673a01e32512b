package plugins

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// kvStore is the plugins' key-value store (capability kv) on disk, in a
// Badger database of its own: the state store is a projection of the
// event log that an edge may throw away and rebuild, and what plugins
// keep is in no log. A write that returned is in the operating system's
// hands before the plugin hears "stored", so it survives the edge's
// process crashing (kill -9); like the state store it does not wait for
// the disk, so a power cut may lose the last moments of writes.
type kvStore struct {
	db *badger.DB

	mu     sync.Mutex     // writes, one at a time: the entry count is checked and kept
	counts map[string]int // scope prefix → entries, counted on the first write
}

// openKV opens (creating) the store in dir.
func openKV(dir string, log *slog.Logger) (*kvStore, error) {
	db, err := badger.Open(badger.DefaultOptions(dir).
		WithLogger(state.BadgerLogger(log.With("component", "plugin-kv"))).
		WithSyncWrites(false).
		// a small store: small tables and caches
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		WithBlockCacheSize(8 << 20).
		WithValueThreshold(2 * host.MaxKVValue). // every value in the tree: no value log to collect
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		WithMetricsEnabled(false))
	if err != nil {
		return nil, fmt.Errorf("open the plugins' key-value store in %s: %w", dir, err)
	}
	return &kvStore{db: db, counts: map[string]int{}}, nil
}

func (s *kvStore) Close() error { return s.db.Close() }

// scope is the key prefix of a plugin's entries for a tenant: each name
// with its length before it, so that no two scopes share a prefix.
func scope(plugin, tenant string) []byte {
	b := make([]byte, 0, 2+len(plugin)+len(tenant))
	b = append(b, byte(len(plugin)))
	b = append(b, plugin...)
	b = append(b, byte(len(tenant)))
	return append(b, tenant...)
}

// Get implements host.KV.
func (s *kvStore) Get(plugin, tenant, key string) (v []byte, found bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(append(scope(plugin, tenant), key...))
		if err != nil {
			return err
		}
		v, err = it.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	return v, err == nil, err
}

// Set implements host.KV.
func (s *kvStore) Set(plugin, tenant, key string, v []byte) error {
	if len(plugin) > 255 || len(tenant) > 255 {
		return fmt.Errorf("plugin and tenant names are at most 255 bytes")
	}
	sc := scope(plugin, tenant)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, counted := s.counts[string(sc)]
	added := false
	err := s.db.Update(func(txn *badger.Txn) error {
		if !counted {
			n = 0
			it := txn.NewIterator(badger.IteratorOptions{Prefix: sc})
			for it.Rewind(); it.Valid(); it.Next() {
				n++
			}
			it.Close()
		}
		k := append(sc, key...)
		switch _, err := txn.Get(k); {
		case errors.Is(err, badger.ErrKeyNotFound):
			if n >= host.MaxKVEntries {
				return host.ErrKVFull
			}
			added = true
		case err != nil:
			return err
		}
		return txn.Set(k, v) // the value is copied when the transaction commits, before Update returns
	})
	if err == nil || errors.Is(err, host.ErrKVFull) {
		if added && err == nil {
			n++
		}
		s.counts[string(sc)] = n
	}
	return err
}
