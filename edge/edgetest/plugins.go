package edgetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/wasm/host"
	"github.com/edgedesk/edgedesk/wasm/plugintest"
)

// TrustPluginKey makes cfg trust a new plugin signing key and returns it.
func TrustPluginKey(t testing.TB, cfg *config.Config) ed25519.PrivateKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "plugins.pub")
	if err := os.WriteFile(f, []byte(base64.StdEncoding.EncodeToString(pub)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Plugins.TrustedKeys = append(cfg.Plugins.TrustedKeys, f)
	return priv
}

// AdminToken is the node's admin API token (--dev).
func (e *Edge) AdminToken() string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.Config.DataDir, "dev-admin-token"))
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// PostPackage sends a package directory to the admin API's install and
// returns the status and body.
func (e *Edge) PostPackage(dir string) (int, string) {
	e.t.Helper()
	body, ctype, err := plugins.Form(dir)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.Post("/api/v1/plugins", ctype, body)
}

// Post sends body to path with the admin token.
func (e *Edge) Post(path, ctype string, body io.Reader) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+e.AdminToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// InstallPlugin builds the plugin at path (from the repository's root),
// signs it with key and installs it; the test fails if the edge refuses.
func (e *Edge) InstallPlugin(key ed25519.PrivateKey, path string, m host.Manifest) {
	e.t.Helper()
	if code, body := e.PostPackage(plugintest.Package(e.t, path, m, key)); code != http.StatusCreated {
		e.t.Fatalf("install %s: %d %s", path, code, body)
	}
}
