package plugins

import (
	"encoding/binary"
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
	mu sync.Mutex // writes, one at a time: each reads and updates its scope's entry count
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
	return &kvStore{db: db}, nil
}

func (s *kvStore) Close() error { return s.db.Close() }

// Keys: 'e' + scope + key for an entry, 'n' + scope for the scope's entry
// count, kept in the same transaction as the entries, so that a write
// never has to count them. A scope is the plugin's and the tenant's names,
// each with its length before it, so that no two scopes share a prefix.
func scope(kind byte, plugin, tenant string, key string) []byte {
	b := make([]byte, 0, 3+len(plugin)+len(tenant)+len(key))
	b = append(b, kind, byte(len(plugin)))
	b = append(b, plugin...)
	b = append(b, byte(len(tenant)))
	b = append(b, tenant...)
	return append(b, key...)
}

func checkNames(plugin, tenant string) error {
	if len(plugin) > 255 || len(tenant) > 255 {
		return fmt.Errorf("plugin and tenant names are at most 255 bytes")
	}
	return nil
}

// Get implements host.KV.
func (s *kvStore) Get(plugin, tenant, key string) (v []byte, found bool, err error) {
	if err := checkNames(plugin, tenant); err != nil {
		return nil, false, err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(scope('e', plugin, tenant, key))
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
	if err := checkNames(plugin, tenant); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(func(txn *badger.Txn) error {
		k := scope('e', plugin, tenant, key)
		switch _, err := txn.Get(k); {
		case errors.Is(err, badger.ErrKeyNotFound):
			nk := scope('n', plugin, tenant, "")
			n, err := count(txn, nk)
			if err != nil {
				return err
			}
			if n >= host.MaxKVEntries {
				return host.ErrKVFull
			}
			if err := txn.Set(nk, binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		return txn.Set(k, v) // the value is copied when the transaction commits, before Update returns
	})
}

// count reads a scope's entry count.
func count(txn *badger.Txn, k []byte) (uint64, error) {
	it, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = it.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("an entry count of %d bytes", len(b))
		}
		n = binary.BigEndian.Uint64(b)
		return nil
	})
	return n, err
}
