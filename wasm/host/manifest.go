package host

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Manifest describes a plugin package: plugin.wasm, manifest.json and
// manifest.sig (base64 ed25519 signature of manifest.json's bytes).
type Manifest struct {
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	ABI          int      `json:"abi"`
	Kind         string   `json:"kind"`
	Capabilities []string `json:"capabilities"`
	// Metrics are the counter names the plugin adds to (capability
	// metrics), each a series edgedesk_plugin_metric_total{plugin,name}:
	// at most MaxMetricNames, each matching metricNameRE. A plugin that
	// declares them may use only those; one that declares none may use
	// MetricNamesUndeclared names (quota.go).
	Metrics []string `json:"metrics,omitempty"`
	SHA256  string   `json:"sha256"` // of plugin.wasm
}

// Package is a verified plugin: its manifest and its module's bytes.
type Package struct {
	Manifest Manifest
	Wasm     []byte
}

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$`) // a directory name on the edge
	// a counter name: a Prometheus name's characters, lower case
	metricNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// Validate checks the manifest's fields.
func (m *Manifest) Validate() error {
	switch {
	case !nameRE.MatchString(m.Name):
		return fmt.Errorf("%w: name %q: 1-63 lower-case letters, digits or '-'", ErrManifest, m.Name)
	case !versionRE.MatchString(m.Version):
		return fmt.Errorf("%w: version %q: 1-64 letters, digits, '.', '+', '_' or '-', starting with a letter or digit", ErrManifest, m.Version)
	case m.ABI != abi.Version:
		return fmt.Errorf("%w: manifest says ABI %d; this host speaks %d", ErrABI, m.ABI, abi.Version)
	case m.Kind != abi.KindRouting && m.Kind != abi.KindNLP && m.Kind != abi.KindAutomation:
		return fmt.Errorf("%w: kind %q: routing, nlp or automation", ErrManifest, m.Kind)
	}
	for _, c := range m.Capabilities {
		if _, ok := abi.HostFunctions[c]; !ok {
			return fmt.Errorf("%w: unknown capability %q", ErrManifest, c)
		}
	}
	if err := m.validateMetrics(); err != nil {
		return err
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size {
		return fmt.Errorf("%w: sha256 must be the hex SHA-256 of plugin.wasm", ErrManifest)
	}
	return nil
}

func (m *Manifest) validateMetrics() error {
	if len(m.Metrics) == 0 {
		return nil
	}
	if !slices.Contains(m.Capabilities, abi.CapMetrics) {
		return fmt.Errorf("%w: metrics declared without capability %q: grant it, or remove \"metrics\"", ErrManifest, abi.CapMetrics)
	}
	if len(m.Metrics) > MaxMetricNames {
		return fmt.Errorf("%w: %d metrics declared; at most %d", ErrManifest, len(m.Metrics), MaxMetricNames)
	}
	seen := make(map[string]bool, len(m.Metrics))
	for _, n := range m.Metrics {
		if !metricNameRE.MatchString(n) {
			return fmt.Errorf("%w: metric %q: 1-%d lower-case letters, digits or '_', starting with a letter", ErrManifest, truncate(n, 80), MaxMetricName)
		}
		if seen[n] {
			return fmt.Errorf("%w: metric %q declared twice", ErrManifest, n)
		}
		seen[n] = true
	}
	return nil
}

// LoadPackage reads and verifies a plugin package in dir (VerifyPackage).
func LoadPackage(dir string, trusted []ed25519.PublicKey) (*Package, error) {
	var files [3][]byte
	for i, name := range []string{"manifest.json", "manifest.sig", "plugin.wasm"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			if i == 1 {
				return nil, fmt.Errorf("%w: no manifest.sig: %v", ErrSignature, err)
			}
			return nil, fmt.Errorf("%w: %v", ErrManifest, err)
		}
		files[i] = b
	}
	return VerifyPackage(files[0], files[1], files[2], trusted)
}

// VerifyPackage checks a plugin package's files: the signature over the
// manifest by one of the trusted keys first, then the manifest, then the
// module's hash. Nothing of an unverified package is parsed beyond what
// that takes.
func VerifyPackage(manifest, sigText, wasm []byte, trusted []ed25519.PublicKey) (*Package, error) {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigText)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: manifest.sig is not a base64 ed25519 signature", ErrSignature)
	}
	if !slices.ContainsFunc(trusted, func(k ed25519.PublicKey) bool { return ed25519.Verify(k, manifest, sig) }) {
		return nil, fmt.Errorf("%w: no trusted key signed this manifest", ErrSignature)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(wasm); hex.EncodeToString(sum[:]) != m.SHA256 {
		return nil, fmt.Errorf("%w: plugin.wasm does not match the manifest's sha256", ErrSignature)
	}
	return &Package{Manifest: m, Wasm: wasm}, nil
}

// ParsePublicKey reads a signing key's public half as `edge plugin
// keygen` writes it: base64 of the 32-byte ed25519 key.
func ParsePublicKey(text []byte) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: a public key is base64 of 32 bytes (edge plugin keygen)", ErrSignature)
	}
	return ed25519.PublicKey(b), nil
}

// ParsePrivateKey reads a signing key as `edge plugin keygen` writes it:
// base64 of the 32-byte ed25519 seed.
func ParsePrivateKey(text []byte) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: a signing key is base64 of a 32-byte seed (edge plugin keygen)", ErrSignature)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// WritePackage writes a signed package to dir: the module, its manifest
// (with the module's hash filled in) and the signature.
func WritePackage(dir string, m Manifest, wasm []byte, key ed25519.PrivateKey) error {
	sum := sha256.Sum256(wasm)
	m.SHA256 = hex.EncodeToString(sum[:])
	if err := m.Validate(); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{
		"plugin.wasm":   wasm,
		"manifest.json": raw,
		"manifest.sig":  []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(key, raw)) + "\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
