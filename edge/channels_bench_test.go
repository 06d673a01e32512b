package edge_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels/channeltest"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
	"github.com/edgedesk/edgedesk/edge/channels/wechat/wechattest"
	"github.com/edgedesk/edgedesk/edge/channels/wecom/wecomtest"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
	"github.com/edgedesk/edgedesk/edge/channels/x/xtest"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// BenchmarkChannelInbound measures, per channel kind, the platform's
// webhook requests one edge (a process of its own, `edge --dev`, so that
// its CPU from /proc is its own) verifies, decrypts, records in the log
// and acknowledges per second, and as a ratio of a bare net/http server's
// rate in the same run: the same fake platform (signing and encrypting as
// the platform does) posting the same requests with the same 16 workers
// to a handler that reads the body and answers 200. 50 customers write
// 1,500 messages per kind; reported: requests/s, the ratio, the edge's
// CPU per request, and (WeCom, which pulls after its callback) the time
// until every message is recorded.
//
//	go test -run '^$' -bench ChannelInbound -benchtime 1x -v ./edge
//
// EDGEDESK_BENCH_EDGE_CPUPROFILE=FILE writes the edge's CPU profile of
// one kind's phase to FILE: EDGEDESK_BENCH_KIND's (telegram).
func BenchmarkChannelInbound(b *testing.B) {
	const (
		perKind = 1500
		workers = 16
		users   = 50
	)
	ps := []channeltest.Platform{wechattest.New(b), wecomtest.New(b), xtest.New(b), telegramtest.New(b), whatsapptest.New(b)}
	var yaml strings.Builder
	yaml.WriteString("http: {drain_delay: 0s}\nchannels:\n")
	for _, p := range ps {
		fmt.Fprintf(&yaml, "  - {id: %s, kind: %s, tenant: demo, inbox: demo-web, api_base: %q, credentials: {", p.Kind(), p.Kind(), p.APIBase())
		first := true
		for k, v := range p.Credentials() {
			if !first {
				yaml.WriteString(", ")
			}
			first = false
			fmt.Fprintf(&yaml, "%s: %q", k, v)
		}
		yaml.WriteString("}}\n")
	}
	var args []string
	profile := os.Getenv("EDGEDESK_BENCH_EDGE_CPUPROFILE")
	if profile != "" {
		args = append(args, edgetest.PprofArg)
	}
	proc := edgetest.StartProcess(b, yaml.String(), args...)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("success"))
	}))
	defer bare.Close()
	run := func(p channeltest.Platform, hook string, base int) (time.Duration, int64) {
		var next, bad atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for range workers {
			wg.Go(func() {
				ctx := context.Background()
				for {
					i := next.Add(1) - 1
					if i >= perKind {
						return
					}
					n := int(i) + base
					status, _, err := p.Say(ctx, hook, "user-"+strconv.Itoa(n%users), fmt.Sprintf("message %d: where is my order?", n))
					if err != nil || status != http.StatusOK {
						bad.Add(1)
					}
				}
			})
		}
		wg.Wait()
		return time.Since(t0), bad.Load()
	}
	for i := 0; i < b.N; i++ {
		for _, p := range ps {
			k := p.Kind()
			bareWall, _ := run(p, bare.URL+"/channels/"+k+"/"+k, 1_000_000)
			before := channelMessages(b, proc.URL, k)
			cpu0 := proc.CPU(b)
			var prof sync.WaitGroup
			if profile != "" && k == cmp.Or(os.Getenv("EDGEDESK_BENCH_KIND"), "telegram") {
				prof.Go(func() { proc.WriteCPUProfile(b, time.Second, profile) })
			}
			wall, bad := run(p, proc.URL+"/channels/"+k+"/"+k, i*perKind)
			prof.Wait()
			cpu := proc.CPU(b) - cpu0
			if bad > 0 {
				b.Fatalf("%s: %d requests not acknowledged", k, bad)
			}
			t0 := time.Now()
			for channelMessages(b, proc.URL, k)-before < perKind {
				if time.Since(t0) > time.Minute {
					b.Fatalf("%s: %d of %d messages recorded", k, channelMessages(b, proc.URL, k)-before, perKind)
				}
				time.Sleep(10 * time.Millisecond)
			}
			recorded := wall + time.Since(t0)
			rate, bareRate := perKind/wall.Seconds(), perKind/bareWall.Seconds()
			b.ReportMetric(rate, k+"-req/s")
			b.ReportMetric(rate/bareRate, k+"-ratio")
			b.ReportMetric(float64(cpu.Microseconds())/perKind, k+"-cpu-µs/req")
			b.Logf("%-8s %6.0f requests/s acknowledged (bare net/http %6.0f/s, ratio %.2f), edge CPU %4.0f µs per request, all %d recorded after %v",
				k, rate, bareRate, rate/bareRate, float64(cpu.Microseconds())/perKind, perKind, recorded.Round(time.Millisecond))
		}
	}
}

var channelMessagesLine = regexp.MustCompile(`(?m)^edgedesk_channel_messages_total\{kind="([a-z]+)"\} ([0-9.e+]+)$`)

// channelMessages reads the edge's count of recorded messages of kind.
func channelMessages(b *testing.B, url, kind string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	counts := map[string]int{}
	for _, m := range channelMessagesLine.FindAllStringSubmatch(string(body), -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		counts[m[1]] = int(f)
	}
	return counts[kind]
}
