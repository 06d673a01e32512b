// Command turn runs Edgedesk's TURN server on its own, for deployments
// that keep media relays apart from the edges (an edge embeds the same
// server: edge --turn). See `turn --help` and docs/calls.md.
package main

import (
	"os"

	"github.com/edgedesk/edgedesk/internal/lifecycle"
)

func main() {
	ctx, stop := lifecycle.SignalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}
