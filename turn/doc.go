// Package turn will provide the TURN server embedded in each edge node, built
// on pion/turn, together with the shared-secret, time-limited credentials of
// the TURN REST API scheme that coturn also uses. It keeps call media in the
// region and refuses relays to loopback and private peers.
package turn
