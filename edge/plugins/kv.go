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

// Keys: 'e' + scope + key for an entry, 'n' + scope for the scope's size
// (entries, then bytes of keys and values: two big-endian uint64; a store
// written before the bytes were kept has the entries alone, and the first
// write counts the bytes), kept in the same transaction as the entries, so
// that a write never has to count them. A scope is the plugin's and the
// tenant's names, each with its length before it, so that no two scopes
// share a prefix. A scope holds at most host.MaxKVEntries keys and
// host.MaxKVBytes bytes (host.KVGrowth).
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

// Drop implements host.KV: every tenant's entries and sizes of plugin.
func (s *kvStore) Drop(plugin string) error {
	if err := checkNames(plugin, ""); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := scope('e', plugin, "", "")
	n := scope('n', plugin, "", "")
	// the plugin's name with its length: no other plugin's scope has it
	// as a prefix
	return s.db.DropPrefix(p[:len(p)-1], n[:len(n)-1])
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
		old := -1
		switch it, err := txn.Get(k); {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			old = len(key) + int(it.ValueSize())
		}
		nk := scope('n', plugin, tenant, "")
		entries, bytes, err := size(txn, nk, scope('e', plugin, tenant, ""))
		if err != nil {
			return err
		}
		entries, bytes, err = host.KVGrowth(entries, bytes, old, key, v)
		if err != nil {
			return err
		}
		if err := txn.Set(nk, binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(entries)), uint64(bytes))); err != nil {
			return err
		}
		return txn.Set(k, v) // the value is copied when the transaction commits, before Update returns
	})
}

// size reads a scope's entries and bytes from its record k; a record of
// the entries alone (a store written before the bytes were kept) has its
// bytes counted from the entries under prefix.
func size(txn *badger.Txn, k, prefix []byte) (entries, bytes int, err error) {
	it, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	var b []byte
	if b, err = it.ValueCopy(nil); err != nil {
		return 0, 0, err
	}
	switch len(b) {
	case 16:
		return int(binary.BigEndian.Uint64(b)), int(binary.BigEndian.Uint64(b[8:])), nil
	case 8:
		entries = int(binary.BigEndian.Uint64(b))
	default:
		return 0, 0, fmt.Errorf("a scope's size record of %d bytes: the store is damaged (move <data>/plugin-kv aside to start an empty one)", len(b))
	}
	its := txn.NewIterator(badger.IteratorOptions{Prefix: prefix}) // keys and sizes: values stay unread
	defer its.Close()
	for its.Rewind(); its.Valid(); its.Next() {
		item := its.Item()
		bytes += len(item.Key()) - len(prefix) + int(item.ValueSize())
	}
	return entries, bytes, nil
}
