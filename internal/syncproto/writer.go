package syncproto

import (
	"io"
	"sync"
)

// Writer writes whole frames to a stream that several goroutines write to
// (on the hub, acks and the configuration push; on the edge, batches and
// configuration acks).
type Writer struct {
	mu sync.Mutex
	w  io.WriteCloser
}

// NewWriter returns a Writer of w.
func NewWriter(w io.WriteCloser) *Writer { return &Writer{w: w} }

// Write encodes and writes one frame.
func (w *Writer) Write(f *Frame) error {
	b, err := Append(nil, f)
	if err != nil {
		return err
	}
	return w.WriteRaw(b)
}

// WriteRaw writes frames already encoded with Append.
func (w *Writer) WriteRaw(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err := w.w.Write(b)
	return err
}

// Close closes the stream's writing side, after any write in progress.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Close()
}
