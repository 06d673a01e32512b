package bus

import "errors"

// ErrClosed is returned after Close.
var ErrClosed = errors.New("event log closed")

// ErrBadDurability is returned for an unknown durability mode.
var ErrBadDurability = errors.New("unknown durability mode")

// ErrNoSecret is returned when the bus is started without a usable region
// secret.
var ErrNoSecret = errors.New("no region secret")

// ErrStreamConfig is returned when the event stream is not configured as
// the edge needs it.
var ErrStreamConfig = errors.New("the event stream's configuration is not the edge's")

// ErrOldLog is returned for a clustered node whose log predates accounts.
var ErrOldLog = errors.New("the event log predates NATS accounts")
