package web_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// BenchmarkConsoleInChromium measures the agent console as an agent meets
// it, in Debian's chromium on loopback (e2e/console-bench.mjs): from the
// sign-in to a list of all 1,001 conversations (1,000 and one of 2,000
// messages), and from a click to that conversation's latest message in
// the page; each the median of 5 sign-ins per op, in milliseconds by the
// page's performance.now(). It reports the gzipped sizes of the console's
// bundle and of the widget too.
//
//	go test -run '^$' -bench ConsoleInChromium -benchtime 1x ./web
func BenchmarkConsoleInChromium(b *testing.B) {
	chromium := consoleBrowser(b, "dist/console/index.html")
	consoleKB, widgetKB := gzipKB(b, "dist/console/assets", ".js", ".css"), gzipKB(b, "dist", "widget.js")

	e := edgetest.Start(b, edgetest.Config(b))
	const total, long = 1000, "c-bench-long"
	s := newSeeder(b, e, time.Now().Add(-30*24*time.Hour))
	for i := range total {
		conv, contact := fmt.Sprintf("c-bench-%04d", i), fmt.Sprintf("v-bench-%04d", i)
		if i%3 == 0 {
			s.contact(contact, fmt.Sprintf("Customer %d", i), fmt.Sprintf("customer%d@example.com", i), "")
		}
		s.open(time.Minute, conv, contact, []string{"", "agent-alice", "agent-bob"}[i%3], []string{"", "", "high", "urgent", "low"}[i%5])
		s.message(time.Minute, conv, customerActor(contact), "w1", fmt.Sprintf("Question %d: where is my order?", i))
	}
	s.wait()
	s.longConversation(long, "v-bench-long", "Margaret Hamilton", 2000)
	if all, _, err := e.Node.Store().Conversations(edge.DemoTenant, nil, 0, 0); err != nil || len(all) != total+1 {
		b.Fatalf("the edge holds %d conversations (%v), want %d", len(all), err, total+1)
	}

	var list, first, open []float64
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, "node", "e2e/console-bench.mjs")
		cmd.Env = append(os.Environ(), "EDGE_URL="+e.URL, "CHROMIUM="+chromium, "AGENT_PASSWORD="+edge.DemoPassword,
			"LONG_CONV="+long, "CONVERSATIONS="+strconv.Itoa(total+1), "RUNS=5")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cancel()
		if err != nil {
			b.Fatalf("console-bench.mjs: %v\n%s", err, stderr.String())
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var r struct {
				List     float64 `json:"list_ms"`
				First    float64 `json:"first_page_ms"`
				Open     float64 `json:"open_ms"`
				Messages int     `json:"messages_shown"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				b.Fatalf("console-bench.mjs printed %q: %v", sc.Text(), err)
			}
			b.Logf("%s", sc.Text())
			list, first, open = append(list, r.List), append(first, r.First), append(open, r.Open)
		}
	}
	b.ReportMetric(median(list), "list-ms")
	b.ReportMetric(median(first), "first-page-ms")
	b.ReportMetric(median(open), "open-ms")
	b.ReportMetric(consoleKB, "console-gzip-KB")
	b.ReportMetric(widgetKB, "widget-gzip-KB")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// gzipKB is the gzipped size (best compression, as a server would send
// it) of the files in dir whose names end with one of exts, in KB.
func gzipKB(b *testing.B, dir string, exts ...string) float64 {
	b.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var n int
	for _, f := range files {
		match := false
		for _, x := range exts {
			match = match || len(f.Name()) >= len(x) && f.Name()[len(f.Name())-len(x):] == x
		}
		if !match || f.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = w.Write(data)
		_ = w.Close()
		n += buf.Len()
	}
	return float64(n) / 1000
}
