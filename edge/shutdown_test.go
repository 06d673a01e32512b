package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// lockedBuffer is a log destination the node's goroutines share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// readyzOnce asks /readyz on a new connection: it returns the status, or 0
// when the listener does not answer.
func readyzOnce(url string) (int, string) {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var rd struct {
		Checks map[string]string `json:"checks"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&rd)
	return resp.StatusCode, rd.Checks["draining"]
}

// Shutdown first makes /readyz answer 503 for http.drain_delay, while the
// listener still accepts, so that a load balancer stops sending before
// connections are refused; only then does the listener close.
func TestShutdownAnswers503BeforeClosingTheListener(t *testing.T) {
	const delay = time.Second
	cfg := edgetest.Config(t)
	cfg.HTTP.DrainDelay = delay
	logs := &lockedBuffer{}
	n := edge.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	url := "http://" + n.Addr()
	if code, _ := readyzOnce(url); code != http.StatusOK {
		t.Fatalf("/readyz before shutdown: %d", code)
	}

	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- n.Shutdown(ctx) }()

	// During the delay every new connection is accepted and told 503.
	seen503 := 0
	for time.Since(start) < delay*8/10 {
		code, why := readyzOnce(url)
		switch {
		case code == http.StatusServiceUnavailable:
			seen503++
			if why != "shutting down" {
				t.Errorf("/readyz 503 names draining %q, want \"shutting down\"", why)
			}
		case code == http.StatusOK && seen503 == 0 && time.Since(start) < 100*time.Millisecond:
			// asked before Shutdown set draining
		default:
			t.Fatalf("/readyz %.0f ms into the drain delay: %d %s; want 503 from a listener still open",
				float64(time.Since(start).Milliseconds()), code, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if seen503 == 0 {
		t.Fatal("/readyz never answered 503 during the drain delay")
	}

	// Then the listener closes.
	for {
		if code, _ := readyzOnce(url); code == 0 {
			break
		}
		if time.Since(start) > delay+5*time.Second {
			t.Fatalf("the listener still accepts %s after the drain delay of %s", time.Since(start)-delay, delay)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := time.Since(start); took < delay*9/10 {
		t.Fatalf("the listener closed %s into a drain delay of %s", took, delay)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	const line = "draining: /readyz answers 503; closing the listener in 1s"
	if !strings.Contains(logs.String(), line) {
		t.Errorf("the log lacks %q:\n%s", line, logs.String())
	}
}

// Shutdown's ctx bounds the drain delay too.
func TestShutdownDrainDelayEndsWithCtx(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.HTTP.DrainDelay = time.Minute
	n := edge.New(cfg, edgetest.Logger(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer scancel()
	start := time.Now()
	if err := n.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("Shutdown with a 300ms ctx and a 1m drain delay took %s", took)
	}
}
