package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edgedesk/edgedesk/edge/client"
)

// runIdle opens o.idle customer connections that only say hello, keeps them
// open for o.duration and reports how many stayed open and, with o.pid, the
// edge's resident memory.
func runIdle(ctx context.Context, o options, log *slog.Logger) (*result, error) {
	r := &result{Mode: "idle"}
	var baseline int64
	if o.pid > 0 {
		var err error
		if baseline, _, err = readRSS(o.pid); err != nil {
			return nil, err
		}
		r.RSSBaselineKB = baseline
	}
	clients := make([]*client.Client, o.idle)
	defer func() {
		var open []*client.Client
		for _, c := range clients {
			if c != nil {
				open = append(open, c)
			}
		}
		closeClients(open, o.dialers)
	}()
	start := time.Now()
	var failed, opened atomic.Int64
	var firstErr atomic.Value
	dctx, cancel := context.WithTimeout(ctx, setupTimeout+time.Duration(o.idle/100)*time.Second)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Info("connecting", "open", opened.Load(), "failed", failed.Load(), "t", time.Since(start).Round(time.Second))
			}
		}
	}()
	_ = parallel(dctx, o.idle, o.dialers, func(i int) error {
		c, err := client.Dial(dctx, o.addr, &client.Hello{Inbox: o.inbox},
			client.Options{NetDialer: o.dialer(i), EventBuffer: 16})
		if err != nil {
			if failed.Add(1) == 1 {
				firstErr.Store(err)
			}
			return nil
		}
		clients[i] = c
		opened.Add(1)
		return nil
	})
	cancel()
	close(done)
	r.ConnectS = round(time.Since(start).Seconds(), 2)
	r.Failed = failed.Load()
	if err, ok := firstErr.Load().(error); ok {
		log.Warn("connections failed", "count", r.Failed, "first", err)
	}
	log.Info("connected", "open", opened.Load(), "failed", r.Failed, "took", time.Since(start).Round(time.Millisecond))
	hold := time.NewTimer(o.duration)
	defer hold.Stop()
	select {
	case <-hold.C:
	case <-ctx.Done():
	}
	r.DurationS = round(o.duration.Seconds(), 3)
	for _, c := range clients {
		if c == nil {
			continue
		}
		select {
		case <-c.Done():
			r.Dropped++
		default:
			r.Conns++
		}
	}
	if o.pid > 0 {
		rss, hwm, err := readRSS(o.pid)
		if err != nil {
			return nil, err
		}
		r.RSSKB, r.RSSPeakKB = rss, hwm
		if r.Conns > 0 {
			r.RSSPerConnKB = round(float64(rss-baseline)/float64(r.Conns), 2)
		}
	}
	return r, nil
}

// readRSS returns VmRSS and VmHWM of a process, in KiB.
func readRSS(pid int) (rss, hwm int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, fmt.Errorf("read the edge's memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []struct {
			name string
			dst  *int64
		}{{"VmRSS:", &rss}, {"VmHWM:", &hwm}} {
			if v, ok := strings.CutPrefix(line, k.name); ok {
				v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
				if *k.dst, err = strconv.ParseInt(v, 10, 64); err != nil {
					return 0, 0, fmt.Errorf("parse %s %q: %w", k.name, v, err)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}
