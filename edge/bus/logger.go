package bus

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// natsLogger forwards the embedded server's log to slog. A message that
// repeats (the same text but for the connection it is about) is logged
// once per repeatEvery, with how often it came since: a peer that is down
// or a stranger knocking on the route port costs a line, not four a
// second.
type natsLogger struct {
	l *slog.Logger

	mu   sync.Mutex
	seen map[string]*repeat
}

type repeat struct {
	at    time.Time
	count int
}

// repeatEvery is how long a repeated message stays quiet.
const repeatEvery = 10 * time.Minute

// maxKinds bounds the messages remembered; past it they are forgotten.
const maxKinds = 256

func newNATSLogger(l *slog.Logger) *natsLogger {
	return &natsLogger{l: l, seen: map[string]*repeat{}}
}

func (n *natsLogger) Noticef(f string, a ...any) { n.emit(slog.LevelDebug, f, a) }
func (n *natsLogger) Warnf(f string, a ...any)   { n.emit(slog.LevelWarn, f, a) }
func (n *natsLogger) Fatalf(f string, a ...any)  { n.emit(slog.LevelError, f, a) }
func (n *natsLogger) Errorf(f string, a ...any)  { n.emit(slog.LevelError, f, a) }
func (n *natsLogger) Debugf(string, ...any)      {}
func (n *natsLogger) Tracef(string, ...any)      {}

func (n *natsLogger) emit(lvl slog.Level, f string, a []any) {
	if !n.l.Enabled(context.Background(), lvl) {
		return
	}
	// a connection's messages start with its description: "<addr> -
	// rid:7 - TLS route handshake error: …"
	kind := f
	if i := strings.LastIndex(f, " - "); i >= 0 {
		kind = f[i+3:]
	}
	msg := fmt.Sprintf(f, a...)
	if strings.Contains(msg, unboundHost) {
		return // the client listener that must not open (bus.go)
	}
	n.mu.Lock()
	r := n.seen[kind]
	now := time.Now()
	if r != nil && now.Sub(r.at) < repeatEvery {
		r.count++
		n.mu.Unlock()
		return
	}
	if r == nil {
		if len(n.seen) >= maxKinds {
			clear(n.seen)
		}
		r = &repeat{}
		n.seen[kind] = r
	}
	since := r.count
	r.at, r.count = now, 0
	n.mu.Unlock()
	attrs := []any{}
	if since > 0 {
		attrs = append(attrs, "repeated", since)
	}
	if strings.Contains(msg, "TLS route handshake error") {
		n.l.Log(context.Background(), slog.LevelWarn, "refused a route connection: it did not prove it belongs to this region (its TLS handshake failed; a server without the region secret, or a probe)",
			append(attrs, "detail", msg, "quiet_for", repeatEvery)...)
		return
	}
	if since > 0 || kind != f {
		attrs = append(attrs, "quiet_for", repeatEvery)
	}
	n.l.Log(context.Background(), lvl, msg, attrs...)
}
