package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/config"
)

const usage = `edge runs an Edgedesk edge node: the chat back end of one region.

Usage:
  edge [flags]            serve
  edge rebuild [flags]    rebuild the state store from the event log, then exit
  edge plugin ...         build, sign, install, list and roll back plugins (edge plugin help)

Flags:
`

// run is the whole command; main only wires signals and the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "plugin" {
		return pluginCmd(ctx, args, stdout, stderr)
	}
	if cmd != "serve" && cmd != "rebuild" {
		fmt.Fprintf(stderr, "edge: unknown command %q: use serve, rebuild or plugin (edge --help)\n", cmd)
		return 2
	}
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var (
		cfgFile   = fs.String("config", "", "YAML config file (see deploy/edge.sample.yaml)")
		dataDir   = fs.String("data", "", "data directory for the event log, state and attachments")
		httpAddr  = fs.String("http", "", "HTTP listen address (WebSocket, API, health, metrics)")
		dev       = fs.Bool("dev", false, "seed a demo tenant, inbox and agents with known credentials and print them")
		check     = fs.Bool("check-config", false, "check the configuration and exit")
		nodeID    = fs.String("node-id", "", "node id, unique in the region")
		region    = fs.String("region", "", "region this edge serves")
		durable   = fs.String("durability", "", "process | group-fsync | always-fsync")
		natsAddr  = fs.String("nats", "", "open a NATS client port on host:port")
		logLevel  = fs.String("log-level", "", "debug | info | warn | error")
		pprofAddr = fs.String("pprof", "", "serve Go profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off by default")
		hubAddr   = fs.String("hub", "", "the hub's QUIC address (host:port): ship the event log there")
		enrollTok = fs.String("enroll-token-file", "", "file with the token from `hub enroll-token`, used once to obtain the edge's certificate")
		plugKeys  = fs.String("plugin-keys", "", "comma-separated public key files whose signatures plugin packages may carry")
		mediaAddr = fs.String("media", "", "carry every call's media on this one UDP address (e.g. 0.0.0.0:7882)")
		turnAddr  = fs.String("turn", "", "run the TURN server on this address, UDP and TCP (e.g. 0.0.0.0:3478)")
		turnKey   = fs.String("turn-secret-file", "", "file with the TURN REST API shared secret (default <data>/turn.secret, made on first start)")
		smtpAddr  = fs.String("smtp", "", "run the SMTP server that takes the e-mail inboxes' mail on this address (e.g. 0.0.0.0:25)")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "edge: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := config.Default()
	if *cfgFile != "" {
		if err := cfg.LoadFile(*cfgFile); err != nil {
			fmt.Fprintf(stderr, "edge: %v\n", err)
			return 2
		}
	}
	if err := cfg.ApplyEnv(os.Getenv); err != nil {
		fmt.Fprintf(stderr, "edge: %v\n", err)
		return 2
	}
	set := func(v string, dst *string) {
		if v != "" {
			*dst = v
		}
	}
	set(*dataDir, &cfg.DataDir)
	set(*httpAddr, &cfg.HTTP.Addr)
	set(*nodeID, &cfg.Node.ID)
	set(*region, &cfg.Node.Region)
	set(*durable, &cfg.Durability)
	set(*natsAddr, &cfg.NATS.ClientListen)
	set(*logLevel, &cfg.Log.Level)
	set(*hubAddr, &cfg.Hub.Addr)
	set(*enrollTok, &cfg.Hub.EnrollTokenFile)
	if *turnAddr != "" {
		cfg.TURN.Addr = *turnAddr
	}
	if *mediaAddr != "" {
		cfg.Calls.MediaAddr = *mediaAddr
	}
	if *turnKey != "" {
		cfg.TURN.SecretFile = *turnKey
	}
	if *plugKeys != "" {
		cfg.Plugins.TrustedKeys = strings.Split(*plugKeys, ",")
	}
	set(*smtpAddr, &cfg.Email.SMTP)
	if *dev {
		cfg.Dev = true
	}
	if cfg.Dev { // --dev, or EDGEDESK_DEV
		edge.DemoEmail(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "edge: invalid configuration:\n%v\n", err)
		return 2
	}
	if *check {
		fmt.Fprintln(stdout, "configuration ok")
		return 0
	}
	log := newLogger(cfg.Log, stderr)

	if cmd == "rebuild" {
		start := time.Now()
		res, err := edge.Rebuild(ctx, cfg, log)
		if err != nil {
			fmt.Fprintf(stderr, "edge rebuild: %v\n", err)
			return 1
		}
		took := time.Since(start)
		if took >= time.Second {
			took = took.Round(100 * time.Millisecond)
		} else {
			took = took.Round(time.Millisecond)
		}
		fmt.Fprintf(stdout, "rebuilt the state from the event log: %d events applied (log up to sequence %d) in %s\n",
			res.Events, res.LastSeq, took)
		return 0
	}

	if *pprofAddr != "" {
		stopProf, err := serveProfiles(*pprofAddr, log)
		if err != nil {
			fmt.Fprintf(stderr, "edge: --pprof: %v\n", err)
			return 2
		}
		defer stopProf()
	}
	n := edge.New(cfg, log)
	if err := n.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "edge: %v\n", err)
		return 1
	}
	printReady(stdout, n, cfg)
	<-ctx.Done()
	fmt.Fprintln(stdout, "draining (signal again to exit at once)")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := n.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "edge: shutdown: %v\n", err)
		return 1
	}
	return 0
}

func printReady(w io.Writer, n *edge.Node, cfg config.Config) {
	base := "http://" + n.Addr()
	fmt.Fprintf(w, "edge %s (region %s) ready on %s\n", cfg.Node.ID, cfg.Node.Region, base)
	fmt.Fprintf(w, "  WebSocket   ws://%s/ws\n", n.Addr())
	fmt.Fprintf(w, "  Widget      %s/widget.js\n", base)
	fmt.Fprintf(w, "  Console     %s/console/   (agents sign in here)\n", base)
	fmt.Fprintf(w, "  Agent login %s/api/v1/login\n", base)
	fmt.Fprintf(w, "  Health      %s/healthz  %s/readyz\n", base, base)
	fmt.Fprintf(w, "  Metrics     %s/metrics\n", base)
	fmt.Fprintf(w, "  Status      %s/api/v1/status   (admin token)\n", base)
	if cfg.Hub.Addr != "" {
		fmt.Fprintf(w, "  Hub         %s (QUIC)\n", cfg.Hub.Addr)
	}
	if d := n.Dev(); d != nil {
		fmt.Fprintf(w, "  Demo shop   %s/demo   (the widget on a web page; %s/demo/prechat asks name and e-mail first)\n", base, base)
		fmt.Fprintf(w, "demo data (--dev; public credentials, never for production):\n")
		fmt.Fprintf(w, "  tenant %s, inbox %s, identity secret %q\n", d.Tenant, d.Inbox, d.IdentitySecret)
		for _, a := range d.Agents {
			fmt.Fprintf(w, "  agent %-16s password %s\n", a.Email, d.Password)
		}
	}
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
