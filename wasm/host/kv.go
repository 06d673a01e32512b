package host

import (
	"errors"
	"sync"
)

// KV is the store behind capability kv: values by plugin, tenant and key.
// The host checks the sizes (MaxKVKey, MaxKVValue) before it asks; a store
// keeps at most MaxKVEntries keys per plugin and tenant. A Set that
// returns nil is kept: the edge's store (edge/plugins) is on disk and
// survives a crash of the process.
type KV interface {
	Get(plugin, tenant, key string) (value []byte, found bool, err error)
	// Set stores value, which is only valid during the call (it is the
	// plugin's memory): copy it to keep it. It returns ErrKVFull for a new
	// key when the scope already holds MaxKVEntries.
	Set(plugin, tenant, key string, value []byte) error
}

// Limits of the key-value store.
const (
	MaxKVKey     = 256
	MaxKVValue   = 64 << 10
	MaxKVEntries = 10000
)

// ErrKVFull is returned by KV.Set for a new key in a full scope.
var ErrKVFull = errors.New("the plugin's key-value store for this tenant holds its limit of entries")

// NewMemoryKV returns a KV in memory, for a host on its own (tests, tools):
// it does not survive a restart.
func NewMemoryKV() KV { return &memoryKV{m: map[[2]string]map[string][]byte{}} }

type memoryKV struct {
	mu sync.Mutex
	m  map[[2]string]map[string][]byte
}

func (s *memoryKV) Get(plugin, tenant, k string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[[2]string{plugin, tenant}][k]
	return v, ok, nil
}

func (s *memoryKV) Set(plugin, tenant, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := s.m[[2]string{plugin, tenant}]
	if scope == nil {
		scope = map[string][]byte{}
		s.m[[2]string{plugin, tenant}] = scope
	}
	if _, exists := scope[k]; !exists && len(scope) >= MaxKVEntries {
		return ErrKVFull
	}
	scope[k] = append([]byte(nil), v...)
	return nil
}
