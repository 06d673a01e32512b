package edge_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/edgetest"
)

func TestMetricsNeedTheTokenWhenOneIsSet(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Auth.MetricsTokenFile = filepath.Join(t.TempDir(), "metrics.token")
	if err := os.WriteFile(cfg.Auth.MetricsTokenFile, []byte("scrape-secret-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := edgetest.Start(t, cfg)
	get := func(token string) (int, string) {
		resp, body := e.Get("/metrics", token)
		return resp.StatusCode, string(body)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", code)
	}
	if code, _ := get("wrong-token-0123456789"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d, want 401", code)
	}
	code, body := get("scrape-secret-0123456789")
	if code != http.StatusOK || !strings.Contains(body, "edgedesk_jetstream_up 1") || !strings.Contains(body, "edgedesk_badger_up 1") {
		t.Fatalf("with the token: %d, body lacks the health series", code)
	}
	if strings.Contains(body, "scrape-secret") {
		t.Fatal("the token appears in the metrics")
	}
}
