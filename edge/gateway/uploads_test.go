package gateway_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// textOf is a text/plain upload of n bytes.
func textOf(n int) []byte { return bytes.Repeat([]byte("x"), n) }

// overQuota checks an upload was refused over a quota, with a wait to
// tell, and returns the wait.
func overQuota(t *testing.T, what string, resp *http.Response, out map[string]any) int {
	t.Helper()
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || out["code"] != gateway.CodeQuotaExceeded || err != nil || s < 1 {
		t.Fatalf("%s: %d %v Retry-After %q, want 429 %s with Retry-After", what, resp.StatusCode, out, resp.Header.Get("Retry-After"), gateway.CodeQuotaExceeded)
	}
	return s
}

// One visitor cannot fill the disk with uploads it never sends: what its
// unreferenced uploads hold is capped, and sending them frees the room;
// the bytes a session uploads per window are capped; many visitors
// together hit the tenant's cap. Each refusal is 429 quota_exceeded with
// Retry-After and says which quota.
func TestUploadQuotas(t *testing.T) {
	const kib = 1 << 10
	cfg := edgetest.Config(t)
	cfg.Attachments.MaxBytes = 64 * kib
	cfg.Attachments.SessionUnreferencedBytes = 256 * kib
	cfg.Attachments.TenantUnreferencedBytes = 512 * kib
	cfg.Attachments.SessionBytes = 384 * kib
	cfg.Attachments.TenantBytes = 4096 * kib
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := edgetest.Start(t, cfg)
	file := textOf(60 * kib)
	uploads := func(tok string, n int) []string {
		t.Helper()
		var ids []string
		for i := range n {
			resp, out := upload(t, e.URL, tok, "text/plain", file)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("upload %d: %d %v", i, resp.StatusCode, out)
			}
			ids = append(ids, out["id"].(string))
		}
		return ids
	}
	refused := func(what, tok, says string) int {
		t.Helper()
		resp, out := upload(t, e.URL, tok, "text/plain", file)
		wait := overQuota(t, what, resp, out)
		if msg, _ := out["message"].(string); !strings.Contains(msg, says) {
			t.Fatalf("%s: %q, want it to say %q", what, msg, says)
		}
		return wait
	}
	v := e.Visitor()
	tok := v.Welcome.Session.Token
	conv := startConv(t, v, "c1")
	send := func(cid string, ids []string) {
		t.Helper()
		if _, err := v.Request(ctxT(t), &gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: cid, Attachments: ids}); err != nil {
			t.Fatal(err)
		}
	}

	ids := uploads(tok, 4) // 240 KiB of 256 unreferenced
	if wait := refused("a 5th unreferenced upload", tok, "your uploads that no message references yet hold 245760 of the 262144 bytes"); wait < 3000 {
		t.Fatalf("Retry-After %d s, want about the hour until the oldest upload expires", wait)
	}
	send("m1", ids[:2]) // sending frees their room
	send("m2", uploads(tok, 2))
	// 6 × 60 KiB of the session's 384 KiB per hour are spent
	if wait := refused("a 7th upload within the hour", tok, "a session may upload 393216 bytes per 1h0m0s"); wait < 60 || wait > 3600 {
		t.Fatalf("Retry-After %d s, want the time the session's bucket takes to hold 60 KiB again", wait)
	}

	// the tenant's unreferenced uploads: 2 of the first visitor's, 4 of a
	// second's, 2 of a third's make 480 KiB of 512
	uploads(e.Visitor().Welcome.Session.Token, 4)
	third := e.Visitor().Welcome.Session.Token
	uploads(third, 2)
	refused("an upload over the tenant's unreferenced bytes", third, "uploads of this tenant that no message references yet hold 491520 of the 524288 bytes")

	if got := metricValue(t, e.URL, `edgedesk_attachments_total{result="over_quota"}`); got != 3 {
		t.Fatalf(`edgedesk_attachments_total{result="over_quota"} = %v, want 3`, got)
	}
	if got := metricValue(t, e.URL, "edgedesk_attachments_unreferenced_bytes"); got != 8*60*kib {
		t.Fatalf("edgedesk_attachments_unreferenced_bytes = %v, want %d", got, 8*60*kib)
	}
}

// Uploads no message references within attachments.unreferenced_ttl are
// deleted, bytes and record, also those an earlier run of the node left;
// a referenced one stays.
func TestUnreferencedUploadsExpire(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Attachments.UnreferencedTTL = 2 * time.Second
	e := edgetest.Start(t, cfg)
	v := e.Visitor()
	tok := v.Welcome.Session.Token
	stored := func() string {
		t.Helper()
		resp, out := upload(t, e.URL, tok, "text/plain", textOf(100))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %v", resp.StatusCode, out)
		}
		return out["id"].(string)
	}
	path := func(id string) string { return filepath.Join(cfg.DataDir, "attachments", edge.DemoTenant, id) }
	gone := func(id string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, err := os.Stat(path(id)); errors.Is(err, os.ErrNotExist) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("upload %s still on disk", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	unsent, sent := stored(), stored()
	conv := startConv(t, v, "c1")
	if _, err := v.Request(ctxT(t), &gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: "m1", Attachments: []string{sent}}); err != nil {
		t.Fatal(err)
	}
	gone(unsent)
	if r, _ := e.Get("/api/v1/attachments/"+unsent, tok); r.StatusCode != http.StatusNotFound {
		t.Fatalf("an expired upload: %d, want 404", r.StatusCode)
	}
	if _, err := v.Request(ctxT(t), &gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: "m2", Attachments: []string{unsent}}); err == nil {
		t.Fatal("a message took an expired upload")
	}
	if r, b := e.Get("/api/v1/attachments/"+sent, tok); r.StatusCode != http.StatusOK || len(b) != 100 {
		t.Fatalf("the sent upload: %d, %d bytes", r.StatusCode, len(b))
	}
	if got := metricValue(t, e.URL, "edgedesk_attachments_expired_total"); got != 1 {
		t.Fatalf("edgedesk_attachments_expired_total = %v, want 1", got)
	}

	// one the node had not expired when it stopped is expired after
	left := stored()
	e.Stop()
	if _, err := os.Stat(path(left)); err != nil {
		t.Fatalf("the upload is not on disk when the node stops: %v", err)
	}
	e.Restart()
	gone(left)
	if _, err := os.Stat(path(sent)); err != nil {
		t.Fatalf("the sent upload after the restart: %v", err)
	}
}
