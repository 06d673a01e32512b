package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// TestKill9KeepsAcceptedMail runs the edge binary with its SMTP server,
// has several SMTP clients send mail as fast as the 250s come back, kills
// the edge with SIGKILL in the middle of it, starts it again and checks,
// as an agent, that every mail answered 250 is there, once, and that
// sending again the mails whose fate was unknown makes no duplicate.
func TestKill9KeepsAcceptedMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the edge binary; skipped with -short")
	}
	bin := buildEdge(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(cfg, []byte("email: {dns: \"off\", sender_rate: 100000}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtpAddr := edgetest.FreeAddr(t)
	args := []string{"--dev", "--data", filepath.Join(dir, "data"), "--http", "127.0.0.1:0", "--config", cfg,
		"--smtp", smtpAddr, "--node-id", "mail-kill", "--log-level", "warn"}
	p := startEdgeProcess(t, bin, args)

	mail := func(id string) string {
		return "From: sender-" + id + "@example.com\r\nTo: support@demo.test\r\nSubject: mail " + id +
			"\r\nMessage-ID: <" + id + "@example.com>\r\n\r\nThis is mail " + id + ".\r\n"
	}
	// plain SMTP on loopback (smtp.SendMail insists on STARTTLS)
	send := func(id string) error {
		c, err := smtp.Dial(smtpAddr)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Mail("sender-"+id+"@example.com", nil); err != nil {
			return err
		}
		if err := c.Rcpt("support@demo.test", nil); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(mail(id))); err != nil {
			return err
		}
		if err := w.Close(); err != nil { // the 250 (or not)
			return err
		}
		return c.Quit()
	}
	if err := send("probe"); err != nil {
		t.Fatalf("a mail before the kill: %v\n%s", err, p.stderr.String())
	}
	var mu sync.Mutex
	accepted, unknown := map[string]bool{"probe": true}, map[string]bool{}
	var wg sync.WaitGroup
	for s := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				id := fmt.Sprintf("k%d-%d", s, n)
				mu.Lock()
				unknown[id] = true
				mu.Unlock()
				if err := send(id); err != nil {
					return // the crash: this one's fate is unknown
				}
				mu.Lock()
				delete(unknown, id)
				accepted[id] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill(t)
	wg.Wait()
	if len(accepted) < 10 {
		t.Fatalf("only %d mails accepted before the kill: the test proves little", len(accepted))
	}

	p = startEdgeProcess(t, bin, args)
	for id := range unknown {
		if err := send(id); err != nil {
			t.Fatalf("resend %s after the restart: %v", id, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tok, err := client.Login(ctx, p.url, "alice@demo.test", "edgedesk-demo")
	if err != nil {
		t.Fatal(err)
	}
	agent, err := client.Dial(ctx, p.url, &client.Hello{Type: "hello", V: 1, Token: tok, Scope: "all"}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	go func() {
		for range agent.Events() {
		}
	}()
	// the whole list, page by page; the agent's sign-in hands her the
	// waiting conversations meanwhile, which moves them between pages, so
	// it is read until two readings agree
	list := func() map[string]int {
		seen := map[string]int{}
		var before uint64
		for {
			r, err := agent.Request(ctx, &protocol.InFrame{Type: protocol.TypeConvs, Limit: 500, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Conversations {
				if c.Channel == "email" {
					seen[strings.TrimPrefix(c.Subject, "mail ")]++
				}
				before = c.LastSeq
			}
			if !r.More || len(r.Conversations) == 0 {
				return seen
			}
		}
	}
	seen := list()
	for range 50 {
		again := list()
		if maps.Equal(seen, again) {
			break
		}
		seen = again
		time.Sleep(200 * time.Millisecond)
	}
	for id := range accepted {
		if seen[id] != 1 {
			t.Errorf("mail %s was answered 250 and is there %d times", id, seen[id])
		}
	}
	for id := range unknown {
		if seen[id] != 1 {
			t.Errorf("mail %s, sent again after the crash, is there %d times", id, seen[id])
		}
	}
	if len(seen) != len(accepted)+len(unknown) {
		t.Errorf("%d mails stored, %d accepted and %d sent again", len(seen), len(accepted), len(unknown))
	}
	t.Logf("%d mails accepted before the kill, %d unknown and sent again", len(accepted), len(unknown))
}
