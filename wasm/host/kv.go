package host

import (
	"errors"
	"fmt"
	"sync"
)

// KV is the store behind capability kv: values by plugin, tenant and key.
// The host checks the sizes (MaxKVKey, MaxKVValue) before it asks; a store
// keeps at most MaxKVEntries keys and MaxKVBytes bytes of keys and values
// per plugin and tenant (a scope). A Set that returns nil is kept: the
// edge's store (edge/plugins) is on disk and survives a crash of the
// process.
type KV interface {
	Get(plugin, tenant, key string) (value []byte, found bool, err error)
	// Set stores value, which is only valid during the call (it is the
	// plugin's memory): copy it to keep it. It returns an error wrapping
	// ErrKVFull when the write would take the scope past MaxKVEntries or
	// MaxKVBytes; a write that does not grow the scope is always taken.
	Set(plugin, tenant, key string, value []byte) error
	// Drop deletes what plugin stored, for every tenant (at uninstall).
	Drop(plugin string) error
}

// Limits of the key-value store. A full scope is not a fault of the
// plugin: its writes of new data answer −1 (kv_set) and it keeps running,
// since what it stored outlives any suspension and would fail it again.
// The disk's work is bounded apart, by KVWriteBytes (quota.go).
const (
	MaxKVKey     = 256
	MaxKVValue   = 64 << 10
	MaxKVEntries = 10000
	MaxKVBytes   = 4 << 20 // keys and values of a scope
)

// ErrKVFull is returned by KV.Set for a write that would take a scope past
// MaxKVEntries or MaxKVBytes.
var ErrKVFull = errors.New("the plugin's key-value store for this tenant is full")

// KVGrowth checks a write against a scope's limits: the scope holds
// entries keys and bytes bytes, oldSize is the key's current entry
// (len(key)+len(value)) or -1 when the key is new. It returns the scope's
// entries and bytes after the write, or an error wrapping ErrKVFull.
func KVGrowth(entries, bytes, oldSize int, key string, value []byte) (int, int, error) {
	size := len(key) + len(value)
	if oldSize < 0 {
		entries++
		oldSize = 0
	}
	bytes += size - oldSize
	switch {
	case entries > MaxKVEntries:
		return 0, 0, fmt.Errorf("%w: it holds its limit of %d keys", ErrKVFull, MaxKVEntries)
	case bytes > MaxKVBytes && size > oldSize:
		return 0, 0, fmt.Errorf("%w: %d bytes of keys and values would pass its limit of %d", ErrKVFull, bytes, MaxKVBytes)
	}
	return entries, bytes, nil
}

// MemoryKVMax is what a store made by NewMemoryKV holds in all, over every
// scope: it lives in the edge's memory.
const MemoryKVMax = 64 << 20

// NewMemoryKV returns a KV in memory, for a host on its own (tests, tools,
// an edge whose store does not open): it does not survive a restart, and
// holds at most MemoryKVMax bytes of keys and values.
func NewMemoryKV() KV { return &memoryKV{m: map[[2]string]*memoryScope{}} }

type memoryKV struct {
	mu    sync.Mutex
	m     map[[2]string]*memoryScope
	total int // bytes of keys and values in every scope
}

// memoryEntryCost is what an entry of a store in memory costs beyond its
// key and value.
const memoryEntryCost = 64

type memoryScope struct {
	entries map[string][]byte
	bytes   int
}

func (s *memoryKV) Get(plugin, tenant, k string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.m[[2]string{plugin, tenant}]
	if sc == nil {
		return nil, false, nil
	}
	v, ok := sc.entries[k]
	return v, ok, nil
}

func (s *memoryKV) Set(plugin, tenant, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.m[[2]string{plugin, tenant}]
	if sc == nil {
		sc = &memoryScope{entries: map[string][]byte{}}
	}
	old := -1
	if ov, ok := sc.entries[k]; ok {
		old = len(k) + len(ov)
	}
	entries, bytes, err := KVGrowth(len(sc.entries), sc.bytes, old, k, v)
	if err != nil {
		return err
	}
	// what the scope costs the edge's memory: its bytes and a map entry's
	// overhead per key, so that empty entries are not free
	grow := bytes - sc.bytes + memoryEntryCost*(entries-len(sc.entries))
	if grow > 0 && s.total+grow > MemoryKVMax {
		return fmt.Errorf("%w: the store in memory holds its limit of %d bytes over all plugins and tenants", ErrKVFull, MemoryKVMax)
	}
	s.total += grow
	sc.bytes = bytes
	sc.entries[k] = append([]byte(nil), v...)
	s.m[[2]string{plugin, tenant}] = sc
	return nil
}

func (s *memoryKV) Drop(plugin string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sc := range s.m {
		if k[0] == plugin {
			s.total -= sc.bytes + memoryEntryCost*len(sc.entries)
			delete(s.m, k)
		}
	}
	return nil
}
