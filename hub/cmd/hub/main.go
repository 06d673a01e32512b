// Command hub runs the Edgedesk hub, and issues and revokes edge
// enrolments. See `hub --help`.
package main

import (
	"os"
	_ "time/tzdata" // SLA policies name their time zones: known on any machine

	"github.com/edgedesk/edgedesk/internal/lifecycle"
)

func main() {
	ctx, stop := lifecycle.SignalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
