// Package edgetest starts real edge nodes for tests: the embedded NATS
// server with JetStream on disk, Badger on disk and the HTTP server on
// 127.0.0.1:0, seeded with the --dev demo data.
package edgetest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// Edge is a running test node.
type Edge struct {
	*edge.Node
	Config config.Config
	URL    string
	t      testing.TB
}

// Config returns a dev configuration with a fresh data directory and a
// random loopback port.
func Config(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.Node.ID = "test-edge"
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.DrainDelay = 0 // tests stop nodes often; no load balancer waits
	cfg.Dev = true
	cfg.Log.Level = "warn"
	cfg.Auth.BcryptCost = 4 // the minimum: tests sign in often, under -race
	// one compilation cache for every test process (wazero writes it
	// atomically): under -race a cold compile of a Go plugin takes ~25 s
	cfg.Plugins.CacheDir = filepath.Join(os.TempDir(), "edgedesk-wazero-cache-test")
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// Logger writes warnings and errors to the test log.
func Logger(t testing.TB) *slog.Logger {
	lvl := slog.LevelWarn
	if os.Getenv("EDGEDESK_TEST_DEBUG") != "" {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: lvl}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(b))
	return len(b), nil
}

// Start starts a node with cfg and stops it when the test ends.
func Start(t testing.TB, cfg config.Config) *Edge {
	t.Helper()
	n := edge.New(cfg, Logger(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("start edge: %v", err)
	}
	e := &Edge{Node: n, Config: cfg, URL: "http://" + n.Addr(), t: t}
	t.Cleanup(func() { e.Stop() })
	return e
}

// Attach is an Edge for a node the test started itself (one of a
// region's, say); the test stops it.
func Attach(t testing.TB, n *edge.Node, cfg config.Config) *Edge {
	return &Edge{Node: n, Config: cfg, URL: "http://" + n.Addr(), t: t}
}

// StartDev starts a node with Config(t).
func StartDev(t testing.TB) *Edge { return Start(t, Config(t)) }

// Stop drains and stops the node; calling it twice is harmless.
func (e *Edge) Stop() {
	if e.Node == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.Node.Shutdown(ctx); err != nil {
		e.t.Errorf("stop the edge: %v", err)
	}
	e.Node = nil
}

// Restart stops the node and starts a new one on the same data directory
// (and a new port).
func (e *Edge) Restart() {
	e.t.Helper()
	e.Stop()
	n := Start(e.t, e.Config)
	e.Node, e.URL = n.Node, n.URL
}

// Agent signs a demo agent in and connects with the given scope ("" is all).
func (e *Edge) Agent(email, scope string) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := client.Login(ctx, e.URL, email, edge.DemoPassword)
	if err != nil {
		e.t.Fatalf("login %s: %v", email, err)
	}
	c, err := client.Dial(ctx, e.URL, &client.Hello{Token: tok, Scope: scope}, client.Options{})
	if err != nil {
		e.t.Fatalf("agent %s connect: %v", email, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// Visitor connects an anonymous visitor to the demo inbox.
func (e *Edge) Visitor() *client.Client {
	e.t.Helper()
	return e.Customer(&client.Hello{Inbox: edge.DemoInbox})
}

// Customer connects a customer with the given hello.
func (e *Edge) Customer(h *client.Hello) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.URL, h, client.Options{})
	if err != nil {
		e.t.Fatalf("customer connect: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// Get fetches path from the node with an optional bearer token and returns
// the response (body already read and closed) and its body.
func (e *Edge) Get(path, token string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// NextEvent waits for the next frame of type typ, skipping others.
func NextEvent(t testing.TB, c *client.Client, typ string, within time.Duration) *protocol.OutFrame {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended waiting for %s: %v", typ, c.Err())
			}
			if f.Type == typ {
				return f
			}
		case <-timer.C:
			t.Fatalf("no %s frame within %s", typ, within)
		}
	}
}
