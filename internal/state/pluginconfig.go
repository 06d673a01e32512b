package state

import (
	"errors"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// PluginConfig returns plugin's configuration for tenant t, ErrNotFound
// when none is set. A plugin reads it on its calls (config_get), so what
// this reads is kept in memory, that none is set included, until the
// projector applies a plugin.configured event for the same tenant and
// plugin: after that event's transaction commits, and before anyone
// waiting for it hears it applied, the next read goes to the store. The
// record's Config is shared: do not change it.
func (s *Store) PluginConfig(t, plugin string) (PluginConfigRec, error) {
	key := configKey{t, plugin}
	if r, ok := s.configs.get(key); ok {
		if r == nil {
			return PluginConfigRec{}, ErrNotFound
		}
		return *r, nil
	}
	gen := s.configs.generation()
	var r PluginConfigRec
	var at uint64 // the read's snapshot: of two reads, the later one's is newer
	err := s.view(func(txn *badger.Txn) error {
		at = txn.ReadTs()
		return s.get(txn, kPluginConfig(t, plugin), &r)
	})
	switch {
	case errors.Is(err, ErrNotFound):
		s.configs.put(key, nil, gen, at)
		return PluginConfigRec{}, err
	case err != nil:
		return PluginConfigRec{}, err
	}
	s.configs.put(key, &r, gen, at)
	return r, nil
}

// The configurations kept in memory: at most maxCachedConfigs entries and
// maxCachedConfigBytes of configuration; past either, it starts again.
const (
	maxCachedConfigs     = 1 << 14
	maxCachedConfigBytes = 16 << 20
)

// configCache holds configurations read from the store by tenant/plugin
// (nil: none is set). A read that began before a change was applied must
// not put what it read after the change forgot the entry: forget moves the
// generation on, and put keeps only what was read in the current one. Two
// reads of one generation (one began before a change was committed, the
// other after, both before it was forgotten) are kept by their snapshots:
// the older never replaces the newer, so no reader sees a configuration
// go back.
type configCache struct {
	mu    sync.RWMutex
	m     map[configKey]*PluginConfigRec
	at    map[configKey]uint64 // the snapshot each entry was read at
	bytes int
	gen   uint64
}

// configKey is a tenant and a plugin (a struct: no string is made to
// look one up).
type configKey struct{ tenant, plugin string }

func (c *configCache) get(key configKey) (*PluginConfigRec, bool) {
	c.mu.RLock()
	r, ok := c.m[key]
	c.mu.RUnlock()
	return r, ok
}

func (c *configCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *configCache) put(key configKey, r *PluginConfigRec, gen, at uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a change was applied since the read began
	}
	if _, ok := c.m[key]; ok && c.at[key] > at {
		return // a read of a later snapshot is kept
	}
	c.drop(key)
	n := size(key, r)
	if c.m == nil || len(c.m) >= maxCachedConfigs || c.bytes+n > maxCachedConfigBytes {
		c.m, c.at, c.bytes = map[configKey]*PluginConfigRec{}, map[configKey]uint64{}, 0
	}
	c.m[key] = r
	c.at[key] = at
	c.bytes += n
}

func size(key configKey, r *PluginConfigRec) int {
	n := len(key.tenant) + len(key.plugin)
	if r != nil {
		n += len(r.Config)
	}
	return n
}

// drop removes key's entry; c.mu is held.
func (c *configCache) drop(key configKey) {
	if r, ok := c.m[key]; ok {
		c.bytes -= size(key, r)
		delete(c.m, key)
		delete(c.at, key)
	}
}

// forget drops what is kept of plugin's configuration for tenant t; the
// projector calls it once a change to it is committed.
func (c *configCache) forget(t, plugin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.drop(configKey{t, plugin})
}
