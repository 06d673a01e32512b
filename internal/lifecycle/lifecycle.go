// Package lifecycle is what the commands share about signals: the first
// SIGINT or SIGTERM starts a drain, a second one exits at once.
package lifecycle

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext is cancelled by the first SIGINT or SIGTERM; the second
// exits the process with status 1 at once, whatever the drain is waiting
// for. stop releases the signals.
//
// Signals of one kind do not queue: a second SIGTERM sent before the
// process has taken the first (microseconds) merges with it, in the kernel
// or in the Go runtime, and is seen as one. A second signal counts from
// the moment the drain has begun (the commands print "draining").
func SignalContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ch
		cancel()
		<-ch
		os.Stderr.WriteString("second signal: exiting without draining\n")
		os.Exit(1)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}
