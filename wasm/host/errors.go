package host

import "errors"

// Errors of a plugin call or load. A call that fails with ErrTimeout,
// ErrTrap, ErrMemory or ErrOutput threw its instance away; the caller runs
// its fallback.
var (
	ErrTimeout   = errors.New("plugin call exceeded its deadline")
	ErrTrap      = errors.New("plugin trapped")
	ErrMemory    = errors.New("plugin exceeded its memory limit")
	ErrOutput    = errors.New("plugin output too large")
	ErrHostCalls = errors.New("plugin made too many host calls")
	ErrPlugin    = errors.New("plugin answered with an error")
	// ErrQuota: the plugin wrote more log, made more metric series or
	// stored more than its quota allows; it is suspended.
	ErrQuota = errors.New("plugin exceeded a quota")
	// ErrSlow: the plugin's calls took longer than its kind's latency
	// budget; it is suspended and the built-in rule serves.
	ErrSlow = errors.New("plugin too slow")
	// ErrBusy: no core was free for plugins (Limits.Cores) before the
	// call's deadline; not the plugin's failure.
	ErrBusy = errors.New("plugin host busy")
	// ErrClosed: the host is closing (the edge is stopping).
	ErrClosed = errors.New("plugin host closed")

	ErrSignature = errors.New("plugin signature refused")
	ErrManifest  = errors.New("plugin manifest refused")
	ErrABI       = errors.New("plugin ABI not supported")
	ErrImports   = errors.New("plugin imports what it was not granted")
)
