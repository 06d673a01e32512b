// Command hub runs the Edgedesk hub, and issues and revokes edge
// enrolments. See `hub --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// signalContext is cancelled by the first SIGINT or SIGTERM, which starts a
// drain; a second one exits at once.
func signalContext() (context.Context, func()) {
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
