package bus

import "errors"

// ErrClosed is returned after Close.
var ErrClosed = errors.New("event log closed")

// ErrBadDurability is returned for an unknown durability mode.
var ErrBadDurability = errors.New("unknown durability mode")
