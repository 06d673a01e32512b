package journal

import "errors"

// ErrStopped is returned to appends waiting when the projector stops.
var ErrStopped = errors.New("node is shutting down: retry on another node or after restart")

// ErrRefused is returned for an event the journal will not append because
// the log's decoder would refuse it (checkEncoded says what is wrong):
// appended, it would be skipped as malformed on every node and every
// rebuild. Nothing was appended; retrying the same event fails the same
// way: what built it must be fixed.
var ErrRefused = errors.New("event refused: the log could not read it back; nothing was appended")
