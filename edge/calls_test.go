package edge_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	pturn "github.com/pion/turn/v5"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/internal/testcert"
)

// A signed-in agent or customer gets the edge's TURN server with fresh
// credentials of their own, and a standard TURN client relays with them
// (--dev allows the test's loopback peer). Without a token, nothing.
func TestClientsGetTURNCredentials(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.TURN.Addr = "127.0.0.1:0"
	cfg.TURN.TLSAddr = "127.0.0.1:0"
	cfg.TURN.TLSCertFile, cfg.TURN.TLSKeyFile = testcert.New(t).Files(t)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := edgetest.Start(t, cfg)
	agent := e.Agent("alice@demo.test", "")
	visitor := e.Visitor()
	users := map[string]bool{}
	for _, tok := range []string{agent.Welcome.Session.Token, visitor.Welcome.Session.Token} {
		resp, body := e.Get("/api/v1/ice-servers", tok)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("ice-servers: %d %s", resp.StatusCode, body)
		}
		var ice gateway.ICEServers
		if err := json.Unmarshal(body, &ice); err != nil || len(ice.Servers) != 1 || len(ice.Servers[0].URLs) != 3 {
			t.Fatalf("ice-servers: %s (%v)", body, err)
		}
		if left := time.Until(time.Unix(ice.ExpiresAt, 0)); left < 50*time.Minute || left > time.Hour {
			t.Fatalf("the credentials expire in %s, want the default hour", left)
		}
		srv := ice.Servers[0]
		if !strings.HasPrefix(srv.URLs[0], "turn:127.0.0.1:") || !strings.HasSuffix(srv.URLs[1], "?transport=tcp") ||
			!strings.HasPrefix(srv.URLs[2], "turns:127.0.0.1:") {
			t.Fatalf("urls %v", srv.URLs)
		}
		_, user, _ := strings.Cut(srv.Username, ":")
		users[user] = true
		addr := strings.TrimSuffix(strings.TrimPrefix(srv.URLs[0], "turn:"), "?transport=udp")
		relayThrough(t, addr, srv.Username, srv.Credential)
	}
	if len(users) != 2 {
		t.Fatalf("agent and visitor share a TURN user: %v", users)
	}
	if resp, _ := e.Get("/api/v1/ice-servers", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", resp.StatusCode)
	}
	plain := edgetest.StartDev(t) // no turn.addr
	if resp, _ := plain.Get("/api/v1/ice-servers", plain.Agent("alice@demo.test", "").Welcome.Session.Token); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an edge without TURN answered %d", resp.StatusCode)
	}
}

// relayThrough allocates on the TURN server at addr and relays a packet to
// a loopback peer and back.
func relayThrough(t *testing.T, addr, username, password string) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cl, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr, Conn: conn,
		Username: username, Password: password, Realm: "edgedesk"})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := cl.Allocate()
	if err != nil {
		t.Fatalf("allocate with the edge's credentials: %v", err)
	}
	defer relay.Close()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := relay.WriteTo([]byte("ping"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 100)
	n, from, err := peer.ReadFrom(b)
	if err != nil || string(b[:n]) != "ping" {
		t.Fatalf("the peer got %q, %v", b[:n], err)
	}
	peer.WriteTo([]byte("pong"), from)
	relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err = relay.ReadFrom(b); err != nil || string(b[:n]) != "pong" {
		t.Fatalf("the client got %q, %v", b[:n], err)
	}
}
