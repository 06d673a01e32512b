package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/protocol"
)

const usage = `edgeload drives an edge started with --dev and reports what it measured.

Usage:
  edgeload --addr http://HOST:PORT --customers N --agents M --duration D [--rate R]
  edgeload --addr http://HOST:PORT --idle N --duration D [--pid PID] [--local-addrs K]

Load mode: M agent connections sign in (the demo agents, reused in turn when
M is larger) with scope "assigned"; N customers connect and start one
conversation each. Customers send messages for --duration: R messages/s in
total, or as fast as they are answered with --rate 0. The agent assigned to
a conversation replies to every customer message (unless --reply=false); a
customer has at most --window messages without a reply, an agent connection
at most --agent-window unacknowledged replies (the rest wait in order).
Frames the edge's rate limiter refused are sent again after 0.1s (0.5s if
the refusal does not name the frame), other unacknowledged ones after
--retry, then twice as long each time; always with the same client_id (the
edge deduplicates them). After --duration,
everything outstanding is awaited for up to --drain; if something still is,
writing stops and what the edge has acknowledged gets another --drain to
arrive.

Idle mode: N customer connections say hello and stay open for --duration;
with --pid the edge's resident memory (VmRSS) is read from /proc.

The last line of the output is one JSON object:
  {"sent","delivered","lost","dup","msgs_per_s","p50_ms","p99_ms","conns",...}
sent: customer messages acknowledged; delivered: customer messages seen by
their assigned agent plus replies seen by their customer; lost: messages the
edge acknowledged that their receiver never saw; unacked: messages and
replies the edge never acknowledged (or never received: replies still queued
when writing stopped); dup: a client_id seen twice by the same
connection; msgs_per_s: deliveries during --duration divided by --duration;
p50_ms/p99_ms: customer send to agent receive (in --rate mode measured from the
scheduled send time). The exit status is 1 when lost, dup or unacked is not 0
(idle mode: when a connection failed or dropped).

Raise the edge's gateway.customer_rate and gateway.agent_rate (YAML --config)
for runs that exceed 100 frames/s per customer or 1000 per agent connection;
rate-limited frames are counted in "errors" and retried.

For more than ~28,000 connections from one machine, spread the source
addresses with --local-addrs K (127.0.0.2 .. 127.0.0.K+1) and raise
'ulimit -n' for both processes.

Flags:
`

// options are the parsed flags.
type options struct {
	addr        string
	customers   int
	agents      int
	duration    time.Duration
	drain       time.Duration
	rate        float64
	window      int
	reply       bool
	agentWindow int
	retry       time.Duration
	textBytes   int
	inbox       string
	password    string
	agentEmails []string
	idle        int
	pid         int
	localAddrs  int
	dialers     int
	progress    time.Duration
	cpuProfile  string
}

// result is the report; the first eight fields are the contract of the last
// output line, in this order.
type result struct {
	Sent      int64   `json:"sent"`
	Delivered int64   `json:"delivered"`
	Lost      int64   `json:"lost"`
	Dup       int64   `json:"dup"`
	MsgsPerS  float64 `json:"msgs_per_s"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	Conns     int64   `json:"conns"`

	Mode                 string           `json:"mode"`
	DurationS            float64          `json:"duration_s"`
	Customers            int              `json:"customers,omitempty"`
	Agents               int              `json:"agents,omitempty"`
	Rate                 float64          `json:"rate,omitempty"`
	DeliveredToAgents    int64            `json:"delivered_to_agents"`
	DeliveredToCustomers int64            `json:"delivered_to_customers"`
	LostToAgents         int64            `json:"lost_to_agents"`
	LostToCustomers      int64            `json:"lost_to_customers"`
	Unacked              int64            `json:"unacked"`
	UnackedReplies       int64            `json:"unacked_replies"`
	Retries              int64            `json:"retries"`
	Errors               map[string]int64 `json:"errors,omitempty"`
	SentPerS             float64          `json:"sent_per_s"`
	P90ms                float64          `json:"p90_ms"`
	P999ms               float64          `json:"p999_ms"`
	MaxMs                float64          `json:"max_ms"`
	RoundTripP50ms       float64          `json:"round_trip_p50_ms"`
	RoundTripP99ms       float64          `json:"round_trip_p99_ms"`
	Failed               int64            `json:"failed"`
	Dropped              int64            `json:"dropped"`
	ConnectS             float64          `json:"connect_s,omitempty"`
	RSSBaselineKB        int64            `json:"rss_baseline_kb,omitempty"`
	RSSKB                int64            `json:"rss_kb,omitempty"`
	RSSPeakKB            int64            `json:"rss_peak_kb,omitempty"`
	RSSPerConnKB         float64          `json:"rss_per_conn_kb,omitempty"`
}

// run is the whole command; main only wires signals and the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "edgeload: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "edgeload: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	var (
		res *result
		err error
	)
	if o.idle > 0 {
		res, err = runIdle(ctx, o, log)
	} else {
		res, err = runLoad(ctx, o, log)
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgeload: %v\n", err)
		return 1
	}
	printSummary(stdout, res)
	line, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(stderr, "edgeload: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(line))
	if res.Lost > 0 || res.Dup > 0 || res.Unacked > 0 || res.Failed > 0 || res.Dropped > 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, int, bool) {
	var o options
	fs := flag.NewFlagSet("edgeload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	emails := make([]string, 0, len(protocol.DemoAgents))
	for _, a := range protocol.DemoAgents {
		emails = append(emails, a.Email)
	}
	var agentEmails string
	fs.StringVar(&o.addr, "addr", "http://127.0.0.1:8080", "edge base URL")
	fs.IntVar(&o.customers, "customers", 100, "customer connections (one conversation each)")
	fs.IntVar(&o.agents, "agents", 3, "agent connections")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long customers send (idle mode: how long connections stay open)")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "how long to wait for outstanding frames and deliveries after --duration")
	fs.Float64Var(&o.rate, "rate", 0, "customer messages per second in total; 0 sends as fast as they are answered")
	fs.IntVar(&o.window, "window", 0, "messages without a reply per customer (default 4 with --rate 0, 64 otherwise)")
	fs.BoolVar(&o.reply, "reply", true, "agents answer every customer message (--reply=false: they only receive, and the window counts unacknowledged messages)")
	fs.IntVar(&o.agentWindow, "agent-window", 64, "unacknowledged replies per agent connection")
	fs.DurationVar(&o.retry, "retry", 5*time.Second, "send an unacknowledged frame again after this long (doubling per try, up to 16x); frames refused by the rate limiter are sent again after 0.1s")
	fs.IntVar(&o.textBytes, "text-bytes", 64, "message text length")
	fs.StringVar(&o.inbox, "inbox", protocol.DemoInbox, "inbox customers write to")
	fs.StringVar(&o.password, "password", protocol.DemoPassword, "agents' password")
	fs.StringVar(&agentEmails, "agent-emails", strings.Join(emails, ","), "comma-separated agent emails, reused in turn")
	fs.IntVar(&o.idle, "idle", 0, "idle mode: open this many idle customer connections")
	fs.IntVar(&o.pid, "pid", 0, "edge process id, to report its resident memory (idle mode)")
	fs.IntVar(&o.localAddrs, "local-addrs", 0, "spread source addresses over 127.0.0.2 .. 127.0.0.K+1 (0: let the system choose)")
	fs.IntVar(&o.dialers, "dialers", 128, "concurrent connection attempts")
	fs.DurationVar(&o.progress, "progress", time.Second, "progress log interval on stderr (0: none)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of edgeload itself to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "edgeload: unexpected argument %q\n", fs.Arg(0))
		return o, 2, false
	}
	for _, e := range strings.Split(agentEmails, ",") {
		if e = strings.TrimSpace(e); e != "" {
			o.agentEmails = append(o.agentEmails, e)
		}
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if !strings.HasPrefix(o.addr, "http://") && !strings.HasPrefix(o.addr, "https://") {
		bad("--addr %q: use http://host:port", o.addr)
	}
	o.addr = strings.TrimRight(o.addr, "/")
	if o.duration <= 0 || o.duration > 24*time.Hour {
		bad("--duration %s: use a positive duration up to 24h", o.duration)
	}
	if o.drain < 0 || o.drain > time.Hour {
		bad("--drain %s: use 0 to 1h", o.drain)
	}
	if o.dialers < 1 {
		bad("--dialers must be at least 1")
	}
	if o.localAddrs < 0 || o.localAddrs > 250 {
		bad("--local-addrs %d: use 0 to 250", o.localAddrs)
	}
	if o.idle < 0 {
		bad("--idle must not be negative")
	}
	if o.idle == 0 {
		if o.customers < 1 {
			bad("--customers must be at least 1")
		}
		if o.agents < 1 {
			bad("--agents must be at least 1: agents answer the customers")
		}
		if len(o.agentEmails) == 0 {
			bad("--agent-emails is empty")
		}
		if o.rate < 0 {
			bad("--rate must not be negative")
		}
		if o.retry < 100*time.Millisecond {
			bad("--retry %s: use at least 100ms", o.retry)
		}
		if o.textBytes < 1 || o.textBytes > 16<<10 {
			bad("--text-bytes %d: use 1 to 16384", o.textBytes)
		}
	}
	if o.window == 0 {
		o.window = 4
		if o.rate > 0 {
			o.window = 64
		}
	}
	if o.agentWindow < 1 {
		bad("--agent-window must be at least 1")
	}
	if o.window < 1 {
		bad("--window must be at least 1")
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "edgeload: %s\n", strings.Join(errs, "\nedgeload: "))
		return o, 2, false
	}
	return o, 0, true
}

func printSummary(w io.Writer, r *result) {
	if r.Mode == "idle" {
		fmt.Fprintf(w, "idle: %d connections open for %.0fs (%d failed, %d dropped), connected in %.1fs\n",
			r.Conns, r.DurationS, r.Failed, r.Dropped, r.ConnectS)
		if r.RSSKB > 0 {
			fmt.Fprintf(w, "edge RSS: %.1f MiB (baseline %.1f MiB, peak %.1f MiB), %.1f KiB per connection\n",
				float64(r.RSSKB)/1024, float64(r.RSSBaselineKB)/1024, float64(r.RSSPeakKB)/1024, r.RSSPerConnKB)
		}
		return
	}
	fmt.Fprintf(w, "load: %d customers, %d agents, %.0fs, rate %s\n", r.Customers, r.Agents, r.DurationS, rateString(r.Rate))
	fmt.Fprintf(w, "  customer messages acked %d (%.0f/s), seen by agents %d, replies seen by customers %d\n",
		r.Sent, r.SentPerS, r.DeliveredToAgents, r.DeliveredToCustomers)
	fmt.Fprintf(w, "  delivered %.0f msgs/s; lost %d (to agents %d, to customers %d); dup %d; unacked %d; retries %d\n",
		r.MsgsPerS, r.Lost, r.LostToAgents, r.LostToCustomers, r.Dup, r.Unacked, r.Retries)
	fmt.Fprintf(w, "  customer→agent latency ms: p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f; round trip p50 %.2f p99 %.2f\n",
		r.P50ms, r.P90ms, r.P99ms, r.P999ms, r.MaxMs, r.RoundTripP50ms, r.RoundTripP99ms)
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "  error frames: %v\n", r.Errors)
	}
}

func rateString(r float64) string {
	if r == 0 {
		return "max (closed loop)"
	}
	return fmt.Sprintf("%.0f msgs/s", r)
}

// dialer returns the TCP dialer of the i-th connection: with --local-addrs
// the source addresses rotate over 127.0.0.2 .. 127.0.0.K+1, because one
// source address has only ~28,000 ephemeral ports towards one destination.
func (o *options) dialer(i int) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if o.localAddrs > 0 {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%o.localAddrs))}
	}
	return d
}
