package host

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The host functions of module "edgedesk". Every one counts against the
// call's host-call budget and checks that the plugin was granted it (a
// module importing an ungranted one is refused at load; the check here is
// the second lock). log, metric_add and kv_set also count against the
// plugin's quotas (quota.go).

func (h *Host) instantiateHostModule(ctx context.Context) error {
	h.quotas = newQuotas(h.log, h.lim)
	b := h.rt.NewHostModuleBuilder(abi.HostModule)
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, level int32, ptr, n uint32) {
		st := budget(ctx, "log")
		msg, ok := m.Memory().Read(ptr, min(n, MaxLogLine))
		if !ok {
			return
		}
		if err := h.quotas.logLine(st.plugin, st.tenant, len(msg)); err != nil {
			st.refuse(err)
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
		if delta <= 0 {
			return // counters only go up: no series is made
		}
		raw, ok := m.Memory().Read(ptr, min(n, MaxMetricName+1))
		if !ok {
			return
		}
		var name string
		if st.granted[metricGrant] { // the manifest declares its names: only those
			if n > MaxMetricName || !st.granted[metricGrant+string(raw)] {
				st.refuse(h.quotas.undeclared(st.plugin, st.tenant, string(raw)))
			}
			name = string(raw)
		} else {
			name = sanitize(string(raw))
			if err := h.quotas.metricName(st.plugin, st.tenant, name); err != nil {
				st.refuse(err)
			}
		}
		h.custom.WithLabelValues(st.plugin, name).Add(float64(delta))
	}).Export("metric_add")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kptr, klen, vptr, vcap uint32) int32 {
		st := budget(ctx, "kv_get")
		if klen > MaxKVKey {
			return -1 // no such key can have been stored
		}
		k, ok := m.Memory().Read(kptr, klen)
		if !ok {
			return -1
		}
		v, found, err := h.kv.Get(st.plugin, st.tenant, string(k))
		if err != nil {
			h.quotas.storeError(st.plugin, st.tenant, "read", err)
			return -1
		}
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
		if klen > MaxKVKey || vlen > MaxKVValue {
			return -1
		}
		k, ok1 := m.Memory().Read(kptr, klen)
		v, ok2 := m.Memory().Read(vptr, vlen)
		if !ok1 || !ok2 {
			return -1
		}
		size := int(klen + vlen)
		if err := h.quotas.kvReserve(st.plugin, st.tenant, size); err != nil {
			st.refuse(err)
		}
		if err := h.kv.Set(st.plugin, st.tenant, string(k), v); err != nil {
			h.quotas.kvRefund(st.plugin, size)
			if errors.Is(err, ErrKVFull) {
				h.quotas.kvFull(st.plugin, st.tenant, err)
			} else {
				h.quotas.storeError(st.plugin, st.tenant, "write", err)
			}
			return -1
		}
		return 0
	}).Export("kv_set")
	b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, vptr, vcap uint32) int32 {
		st := budget(ctx, "config_get")
		if h.config == nil {
			return -1
		}
		v := h.config(st.plugin, st.tenant)
		if len(v) == 0 {
			return -1 // none is set
		}
		if uint32(len(v)) <= vcap {
			m.Memory().Write(vptr, v)
		}
		return int32(len(v))
	}).Export("config_get")
	_, err := b.Instantiate(ctx)
	return err
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

// WASI error numbers clock_time_get and random_get answer with.
const (
	errnoIO    = 29
	errnoFault = 21
	errnoInval = 28
)

// randomChunk is how many random bytes random_get writes between two
// looks at the call's deadline.
const randomChunk = 64 << 10

// wasiRandomGet is WASI's random_get (n bytes from crypto/rand at buf) in
// chunks, ending the call at its deadline between two: the meter charges
// the call by n before it is made, but one call of 64 MiB took 0.4 s.
func wasiRandomGet(ctx context.Context, mem api.Memory, buf, n uint32) uint64 {
	out, ok := mem.Read(buf, n)
	if !ok {
		return errnoFault
	}
	st := state(ctx)
	for len(out) > 0 {
		k := min(len(out), randomChunk)
		if _, err := rand.Read(out[:k]); err != nil {
			return errnoIO
		}
		out = out[k:]
		if len(out) > 0 && st != nil && !st.deadline.IsZero() && time.Now().After(st.deadline) {
			st.timedOut = true
			panic(errDeadline)
		}
	}
	return 0
}

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
			st := state(ctx)
			st.yield()
			if st != nil && !st.deadline.IsZero() && time.Now().After(st.deadline) {
				st.timedOut = true
				panic(errDeadline)
			}
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
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		stack[0] = wasiRandomGet(ctx, m.Memory(), uint32(stack[0]), uint32(stack[1]))
	}), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		Export("random_get")
	_, err := b.Instantiate(ctx)
	return err
}
