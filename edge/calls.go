package edge

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/turn"
)

// startTURN starts the embedded TURN server when turn.addr is set. Its
// shared secret is read from turn.secret_file; the default file is made
// on the first start.
func (n *Node) startTURN(ctx context.Context) error {
	c := n.cfg.TURN
	if c.Addr == "" {
		return nil
	}
	secret, err := n.turnSecret()
	if err != nil {
		return err
	}
	lo, hi, err := turn.ParsePorts(c.Ports)
	if err != nil {
		return fmt.Errorf("turn.ports: %w", err)
	}
	cfg := turn.Config{Addr: c.Addr, Secret: secret, MinPort: lo, MaxPort: hi,
		MaxAllocations: c.MaxAllocations, Bandwidth: c.Bandwidth,
		Peers: turn.Peers{Loopback: n.cfg.Dev, Private: c.AllowPrivatePeers},
		Log:   n.log.With("component", "turn"), Metrics: n.metrics.Registry}
	if c.RelayIP != "" {
		cfg.RelayIP = net.ParseIP(c.RelayIP)
	}
	if c.TLSAddr != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("turn.tls_cert_file, turn.tls_key_file: %w", err)
		}
		cfg.TLSAddr, cfg.TLS = c.TLSAddr, &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	s, err := turn.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("start the TURN server: %w", err)
	}
	n.turn, n.turnSecretKey = s, secret
	return nil
}

// turnSecret reads the TURN secret file; the default one is made (32
// random bytes, as the signing key) when it does not exist yet.
func (n *Node) turnSecret() ([]byte, error) {
	path := n.cfg.TURN.SecretFile
	if path == filepath.Join(n.cfg.DataDir, "turn.secret") {
		b, err := auth.LoadOrCreateKey(path)
		if err != nil {
			return nil, fmt.Errorf("turn secret: %w", err)
		}
		return b, nil
	}
	b, err := turn.ReadSecret(path)
	if err != nil {
		return nil, fmt.Errorf("turn.secret_file: %w", err)
	}
	return b, nil
}

// iceServers gives a signed-in client the edge's TURN server with fresh
// credentials of its own (the gateway's GET /api/v1/ice-servers). host is
// the host the client reached the edge at, used when turn.public_host is
// not set.
func (n *Node) iceServers(c *auth.Claims, host string) (*gateway.ICEServers, error) {
	if n.turn == nil {
		return nil, gateway.ErrNoTURN
	}
	cr, err := turn.NewCredentials(n.turnSecretKey, c.Tenant+"."+c.Subject, time.Now(), n.cfg.TURN.TTL)
	if err != nil {
		return nil, err
	}
	if n.cfg.TURN.PublicHost != "" {
		host = n.cfg.TURN.PublicHost
	}
	hp := net.JoinHostPort(host, strconv.Itoa(n.turn.Addr().Port))
	urls := []string{"turn:" + hp + "?transport=udp", "turn:" + hp + "?transport=tcp"}
	if a, ok := n.turn.TLSAddr().(*net.TCPAddr); ok {
		urls = append(urls, "turns:"+net.JoinHostPort(host, strconv.Itoa(a.Port))+"?transport=tcp")
	}
	return &gateway.ICEServers{ExpiresAt: cr.Expires.Unix(), Servers: []gateway.ICEServer{{
		URLs: urls, Username: cr.Username, Credential: cr.Password,
	}}}, nil
}
