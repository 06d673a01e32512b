package journal

import "errors"

// ErrStopped is returned to appends waiting when the projector stops.
var ErrStopped = errors.New("node is shutting down: retry on another node or after restart")
