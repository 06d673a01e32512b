package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/edgedesk/edgedesk/hub"
)

const usage = `Usage:
  hub [serve] [flags]                      run the hub
  hub enroll-token --edge NAME --region R  print a one-time enrolment token
  hub revoke --edge NAME                   refuse an edge until it enrols again

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "enroll-token", "revoke":
	default:
		fmt.Fprintf(stderr, "hub: unknown command %q: use serve, enroll-token or revoke (hub --help)\n", cmd)
		return 2
	}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var (
		cfgFile  = fs.String("config", "", "YAML config file (see deploy/hub.sample.yaml)")
		dataDir  = fs.String("data", "", "data directory: authority, registry, log, state")
		httpAddr = fs.String("http", "", "HTTP listen address (API, health, metrics)")
		quicAddr = fs.String("quic", "", "UDP listen address for edges (QUIC)")
		dev      = fs.Bool("dev", false, "write a reusable dev enrolment token and a dev admin token to the data directory")
		logLevel = fs.String("log-level", "", "debug | info | warn | error")
		edge     = fs.String("edge", "", "enroll-token, revoke: the edge's name")
		region   = fs.String("region", "", "enroll-token: the edge's region")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hub: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := hub.Default()
	if *cfgFile != "" {
		if err := cfg.LoadFile(*cfgFile); err != nil {
			fmt.Fprintf(stderr, "hub: %v\n", err)
			return 2
		}
	}
	set := func(v string, dst *string) {
		if v != "" {
			*dst = v
		}
	}
	set(*dataDir, &cfg.DataDir)
	set(*httpAddr, &cfg.HTTP)
	set(*quicAddr, &cfg.QUIC)
	set(*logLevel, &cfg.Log.Level)
	cfg.Dev = cfg.Dev || *dev
	if err := cfg.Validate(); err != nil && cmd == "serve" {
		fmt.Fprintf(stderr, "hub: invalid configuration:\n%v\n", err)
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		fmt.Fprintf(stderr, "hub: log level %q: use debug, info, warn or error\n", cfg.Log.Level)
		return 2
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})
	if cfg.Log.Format == "json" {
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl})
	}
	log := slog.New(handler).With("component", "hub")
	h := hub.New(cfg, log)
	switch cmd {
	case "enroll-token":
		if err := h.Open(); err != nil {
			fmt.Fprintf(stderr, "hub: %v\n", err)
			return 1
		}
		tok, err := h.IssueToken(*edge, *region)
		if err != nil {
			fmt.Fprintf(stderr, "hub: %v\n", err)
			return 2
		}
		fmt.Fprintln(stdout, tok)
		return 0
	case "revoke":
		if err := h.Open(); err != nil {
			fmt.Fprintf(stderr, "hub: %v\n", err)
			return 1
		}
		if err := h.Revoke(*edge); err != nil {
			fmt.Fprintf(stderr, "hub: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "revoked %s; a running hub refuses it from its next connection\n", *edge)
		return 0
	}
	errc := make(chan error, 1)
	go func() { errc <- h.Run(ctx) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "hub: %v\n", err)
		return 1
	case <-h.Ready():
	}
	fmt.Fprintf(stdout, "Hub API:   http://%s/api/v1/edges\n", h.HTTPAddr())
	fmt.Fprintf(stdout, "Edges dial: %s (QUIC)\n", h.QUICAddr())
	if cfg.Dev {
		fmt.Fprintf(stdout, "Dev enrolment token: %s\n", hub.DevTokenPath(cfg.DataDir))
		fmt.Fprintf(stdout, "Dev admin token:     %s\n", hub.AdminTokenPath(cfg.DataDir))
	}
	if err := <-errc; err != nil {
		fmt.Fprintf(stderr, "hub: %v\n", err)
		return 1
	}
	return 0
}
