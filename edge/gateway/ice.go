package gateway

import (
	"errors"
	"net"
	"net/http"

	"github.com/edgedesk/edgedesk/edge/auth"
)

// ICEServers are what a client's RTCPeerConnection gets as iceServers,
// with when the credentials stop being good for a new relay.
type ICEServers struct {
	Servers   []ICEServer `json:"ice_servers"`
	ExpiresAt int64       `json:"expires_at"` // unix seconds
}

// ICEServer is one entry of RTCConfiguration.iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEFunc makes ICE servers for the client of c, who reached the edge at
// host.
type ICEFunc func(c *auth.Claims, host string) (*ICEServers, error)

// ErrNoTURN is what an ICEFunc returns when the edge runs no TURN server.
var ErrNoTURN = errors.New("this edge runs no TURN server (turn.addr)")

// iceServers answers GET /api/v1/ice-servers: fresh TURN credentials of
// the caller's own, for any signed-in agent or customer.
func (g *Gateway) iceServers(w http.ResponseWriter, r *http.Request) {
	c, ok := g.bearer(w, r)
	if !ok {
		return
	}
	if g.ice == nil {
		httpError(w, http.StatusNotFound, CodeNotFound, ErrNoTURN.Error())
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	s, err := g.ice(c, host)
	switch {
	case errors.Is(err, ErrNoTURN):
		httpError(w, http.StatusNotFound, CodeNotFound, err.Error())
	case err != nil:
		g.log.Error("cannot make TURN credentials", "err", err)
		httpError(w, http.StatusInternalServerError, CodeUnavailable, "cannot make TURN credentials now")
	default:
		writeJSON(w, http.StatusOK, s)
	}
}
