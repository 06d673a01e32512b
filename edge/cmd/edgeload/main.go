// Command edgeload drives an edge with simulated customers and agents and
// reports throughput, latency, losses and duplicates; with --idle it holds
// idle connections open and reports the edge's memory. See `edgeload --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
