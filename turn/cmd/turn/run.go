package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/edgedesk/edgedesk/turn"
)

const usage = `turn runs a TURN server (RFC 8656) with TURN REST API credentials:
username expiry:user, password base64(HMAC-SHA1(secret, username)), as
coturn's use-auth-secret. Edges hand such credentials to their clients.

Usage:
  turn --secret-file FILE [flags]

Flags:
`

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("turn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var (
		addr       = fs.String("listen", "0.0.0.0:3478", "UDP and TCP address")
		secretFile = fs.String("secret-file", "", "file holding the shared secret (at least 16 bytes; the edges' turn.secret_file)")
		relayIP    = fs.String("relay-ip", "", "the address clients reach relays at (required when listening on 0.0.0.0)")
		ports      = fs.String("ports", "49152-65535", "relay port range")
		realm      = fs.String("realm", "edgedesk", "realm")
		maxAllocs  = fs.Int("max-allocations", 10, "allocations a user may hold at once")
		bandwidth  = fs.Int("bandwidth", 0, "bytes per second a user's relays carry each way; 0: no cap")
		dev        = fs.Bool("dev", false, "allow relays to loopback peers (local tests)")
		private    = fs.Bool("allow-private-peers", false, "allow relays to private addresses (a deployment inside one network)")
		tlsAddr    = fs.String("tls-listen", "", "also serve TURN over TLS here (turns:), with --cert and --key")
		cert       = fs.String("cert", "", "TLS certificate (PEM)")
		key        = fs.String("key", "", "TLS key (PEM)")
		metrics    = fs.String("metrics", "", "serve Prometheus metrics (/metrics) on this address")
		level      = fs.String("log-level", "info", "debug | info | warn | error")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "turn: --log-level: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	cfg := turn.Config{Addr: *addr, Realm: *realm, MaxAllocations: *maxAllocs, Bandwidth: *bandwidth,
		Peers: turn.Peers{Loopback: *dev, Private: *private}, Log: log}
	var err error
	if cfg.Secret, err = turn.ReadSecret(*secretFile); err != nil {
		fmt.Fprintf(stderr, "turn: --secret-file: %v\n", err)
		return 2
	}
	if *relayIP != "" {
		if cfg.RelayIP = net.ParseIP(*relayIP); cfg.RelayIP == nil {
			fmt.Fprintf(stderr, "turn: --relay-ip %q is not an IP address\n", *relayIP)
			return 2
		}
	}
	if cfg.MinPort, cfg.MaxPort, err = turn.ParsePorts(*ports); err != nil {
		fmt.Fprintf(stderr, "turn: --ports: %v\n", err)
		return 2
	}
	if *tlsAddr != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			fmt.Fprintf(stderr, "turn: --cert/--key: %v\n", err)
			return 2
		}
		cfg.TLSAddr, cfg.TLS = *tlsAddr, &tls.Config{Certificates: []tls.Certificate{c}}
	}
	reg := prometheus.NewRegistry()
	cfg.Metrics = reg
	s, err := turn.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "turn: %v\n", err)
		return 1
	}
	defer s.Close()
	if *metrics != "" {
		srv := &http.Server{Addr: *metrics, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "err", err)
			}
		}()
		defer srv.Close()
	}
	log.Info("turn: ready", "addr", s.Addr().String())
	<-ctx.Done()
	return 0
}
