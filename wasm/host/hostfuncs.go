package host

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The host functions of module "edgedesk". Every one counts against the
// call's host-call budget and checks that the plugin was granted it (a
// module importing an ungranted one is refused at load; the check here is
// the second lock).

func (h *Host) instantiateHostModule(ctx context.Context) error {
	b := h.rt.NewHostModuleBuilder(abi.HostModule)
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, level int32, ptr, n uint32) {
		st := budget(ctx, "log")
		msg, ok := m.Memory().Read(ptr, min(n, 4096))
		if !ok {
			return
		}
		lvl := []func(string, ...any){h.log.Debug, h.log.Info, h.log.Warn, h.log.Error}
		lvl[max(0, min(int(level), 3))]("plugin says", "plugin", st.plugin, "tenant", st.tenant, "msg", string(msg))
	}).Export("log")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context) int64 {
		budget(ctx, "now_ms")
		return time.Now().UnixMilli()
	}).Export("now_ms")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, ptr, n uint32, delta int64) {
		st := budget(ctx, "metric_add")
		name, ok := m.Memory().Read(ptr, min(n, 64))
		if ok && delta > 0 {
			h.custom.WithLabelValues(st.plugin, sanitize(string(name))).Add(float64(delta))
		}
	}).Export("metric_add")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kptr, klen, vptr, vcap uint32) int32 {
		st := budget(ctx, "kv_get")
		k, ok := m.Memory().Read(kptr, min(klen, maxKey))
		if !ok {
			return -1
		}
		v, found := h.kv.get(st.plugin, st.tenant, string(k))
		if !found {
			return -1
		}
		if uint32(len(v)) <= vcap {
			m.Memory().Write(vptr, v)
		}
		return int32(len(v))
	}).Export("kv_get")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kptr, klen, vptr, vlen uint32) int32 {
		st := budget(ctx, "kv_set")
		if klen > maxKey || vlen > maxValue {
			return -1
		}
		k, ok1 := m.Memory().Read(kptr, klen)
		v, ok2 := m.Memory().Read(vptr, vlen)
		if !ok1 || !ok2 || !h.kv.set(st.plugin, st.tenant, string(k), append([]byte(nil), v...)) {
			return -1
		}
		return 0
	}).Export("kv_set")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, vptr, vcap uint32) int32 {
		st := budget(ctx, "config_get")
		if h.config == nil {
			return -1
		}
		v := h.config(st.plugin)
		if uint32(len(v)) <= vcap {
			m.Memory().Write(vptr, v)
		}
		return int32(len(v))
	}).Export("config_get")
	_, err := b.Instantiate(ctx)
	return err
}

// Limits of the key-value store, per plugin and tenant.
const (
	maxKey     = 256
	maxValue   = 64 << 10
	maxEntries = 10000
)

// kvStore is the plugins' key-value store, in memory, scoped to plugin and
// tenant.
type kvStore struct {
	mu sync.Mutex
	m  map[[2]string]map[string][]byte
}

func newKVStore() *kvStore { return &kvStore{m: map[[2]string]map[string][]byte{}} }

func (s *kvStore) get(plugin, tenant, k string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[[2]string{plugin, tenant}][k]
	return v, ok
}

func (s *kvStore) set(plugin, tenant, k string, v []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := s.m[[2]string{plugin, tenant}]
	if scope == nil {
		scope = map[string][]byte{}
		s.m[[2]string{plugin, tenant}] = scope
	}
	if _, exists := scope[k]; !exists && len(scope) >= maxEntries {
		return false
	}
	scope[k] = v
	return true
}

// sanitize keeps a metric name to letters, digits and '_'.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// errDeadline ends a call that ran past its deadline (the meter's call
// found it late).
var errDeadline = errors.New("the call ran past its deadline")

// WASI error numbers clock_time_get answers with.
const (
	errnoFault = 21
	errnoInval = 28
)

// instantiateWASI offers WASI (no files, environment, arguments or
// sockets, as wazero's module is configured) with clock_time_get replaced:
// for the meter's clock id (meter.go) it checks the call's deadline and
// yields to the Go scheduler; for the real clocks it reads them.
func (h *Host) instantiateWASI(ctx context.Context) error {
	start := time.Now()
	b := h.rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		var now int64
		switch uint32(stack[0]) {
		case meterClock:
			if st := state(ctx); st != nil && !st.deadline.IsZero() && time.Now().After(st.deadline) {
				st.timedOut = true
				panic(errDeadline)
			}
			runtime.Gosched()
			stack[0] = 0
			return
		case 0: // realtime
			now = time.Now().UnixNano()
		case 1: // monotonic
			now = int64(time.Since(start)) + 1
		default:
			stack[0] = errnoInval
			return
		}
		if !m.Memory().WriteUint64Le(uint32(stack[2]), uint64(now)) {
			stack[0] = errnoFault
			return
		}
		stack[0] = 0
	}), []api.ValueType{api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		Export("clock_time_get")
	_, err := b.Instantiate(ctx)
	return err
}
