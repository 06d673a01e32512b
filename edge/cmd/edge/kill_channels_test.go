package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
)

// TestKill9ChannelsLoseNoAcknowledgedMessage: customers write to a
// Telegram bot as fast as the edge answers its webhook; the edge is
// killed with SIGKILL in the middle; every update it answered 200 is in
// its conversation after the restart, and the platform's retry of every
// update (those answered and those whose fate the crash left unknown)
// records none twice.
func TestKill9ChannelsLoseNoAcknowledgedMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the edge binary; skipped with -short")
	}
	bin := buildEdge(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	p := telegramtest.New(t)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "channels:\n  - {id: tg, kind: telegram, tenant: %s, inbox: %s, api_base: %q, credentials: {", edge.DemoTenant, edge.DemoInbox, p.APIBase())
	first := true
	for k, v := range p.Credentials() {
		if !first {
			cfg.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&cfg, "%s: %q", k, v)
	}
	cfg.WriteString("}}\n")
	file := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(file, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--dev", "--data", data, "--http", "127.0.0.1:0", "--config", file, "--node-id", "kill-test", "--log-level", "warn"}
	proc := startEdgeProcess(t, bin, args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	type sent struct {
		msg   map[string]any
		text  string
		acked bool
	}
	var mu sync.Mutex
	var all []*sent
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 6 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("customer %d message %d", c, n)
				msg, _ := p.Message(fmt.Sprintf("cust%d", c), map[string]any{"text": text})
				s := &sent{msg: msg, text: text}
				mu.Lock()
				all = append(all, s)
				mu.Unlock()
				status, err := p.Update(ctx, proc.url+"/channels/telegram/tg", "message", msg)
				if err != nil {
					return // the crash
				}
				mu.Lock()
				s.acked = status == http.StatusOK
				mu.Unlock()
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	proc.kill(t)
	close(stop)
	wg.Wait()
	acked := 0
	for _, s := range all {
		if s.acked {
			acked++
		}
	}
	if acked < 50 {
		t.Fatalf("only %d updates answered before the kill: the test did not load the edge", acked)
	}

	proc = startEdgeProcess(t, bin, args)
	token, err := os.ReadFile(filepath.Join(data, "dev-admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() map[string]int {
		got := map[string]int{}
		var convs struct {
			Data []struct {
				ID      string `json:"id"`
				Channel string `json:"channel"`
			} `json:"data"`
		}
		apiGet(t, proc.url+"/api/v1/conversations?limit=100&tenant="+edge.DemoTenant, strings.TrimSpace(string(token)), &convs)
		for _, c := range convs.Data {
			if c.Channel != "telegram" {
				continue
			}
			for cursor := ""; ; {
				var page struct {
					Data []struct {
						Text string `json:"text"`
					} `json:"data"`
					Next string `json:"next_cursor"`
				}
				apiGet(t, proc.url+"/api/v1/conversations/"+c.ID+"/messages?limit=100&tenant="+edge.DemoTenant+"&cursor="+cursor, strings.TrimSpace(string(token)), &page)
				for _, m := range page.Data {
					got[m.Text]++
				}
				if cursor = page.Next; cursor == "" {
					break
				}
			}
		}
		return got
	}
	got := count()
	for _, s := range all {
		if s.acked && got[s.text] != 1 {
			t.Errorf("%q was answered 200 before the kill and is there %d times after it", s.text, got[s.text])
		}
	}
	// the platform retries every update: each is there once
	for _, s := range all {
		if status, err := p.Update(ctx, proc.url+"/channels/telegram/tg", "message", s.msg); err != nil || status != http.StatusOK {
			t.Fatalf("the retry of %q: %d %v", s.text, status, err)
		}
	}
	got = count()
	for _, s := range all {
		if got[s.text] != 1 {
			t.Errorf("after the retries %q is there %d times", s.text, got[s.text])
		}
	}
	t.Logf("%d updates sent, %d answered before the kill; all there once after the restart and the retries", len(all), acked)
}

func apiGet(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
