// Package turn is the TURN server each edge embeds and that also runs on
// its own (turn/cmd/turn): pion/turn with the shared-secret, time-limited
// credentials of the TURN REST API scheme that coturn's use-auth-secret
// also speaks, per-user allocation quotas and bandwidth caps, a relay port
// range, and no relays to loopback or private peers unless configured (no
// server-side request forgery through the relay). See docs/calls.md.
package turn
