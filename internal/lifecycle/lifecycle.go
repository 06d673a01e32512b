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
// exits the process with status 1. stop releases the signals.
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
