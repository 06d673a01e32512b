package host

import (
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
	SHA256       string   `json:"sha256"` // of plugin.wasm
}

// Package is a verified plugin: its manifest and its module's bytes.
type Package struct {
	Manifest Manifest
	Wasm     []byte
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks the manifest's fields.
func (m *Manifest) Validate() error {
	switch {
	case !nameRE.MatchString(m.Name):
		return fmt.Errorf("%w: name %q: 1-63 lower-case letters, digits or '-'", ErrManifest, m.Name)
	case m.Version == "" || len(m.Version) > 64:
		return fmt.Errorf("%w: version must be 1-64 characters", ErrManifest)
	case m.ABI != abi.Version:
		return fmt.Errorf("%w: manifest says ABI %d; this host speaks %d", ErrABI, m.ABI, abi.Version)
	case m.Kind != abi.KindRouting && m.Kind != abi.KindNLP:
		return fmt.Errorf("%w: kind %q: routing or nlp", ErrManifest, m.Kind)
	}
	for _, c := range m.Capabilities {
		if _, ok := abi.HostFunctions[c]; !ok {
			return fmt.Errorf("%w: unknown capability %q", ErrManifest, c)
		}
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != sha256.Size {
		return fmt.Errorf("%w: sha256 must be the hex SHA-256 of plugin.wasm", ErrManifest)
	}
	return nil
}

// LoadPackage reads and verifies a plugin package in dir: the signature
// over the manifest by one of the trusted keys first, then the manifest,
// then the module's hash. Nothing of an unverified package is parsed
// beyond what that takes.
func LoadPackage(dir string, trusted []ed25519.PublicKey) (*Package, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	sigText, err := os.ReadFile(filepath.Join(dir, "manifest.sig"))
	if err != nil {
		return nil, fmt.Errorf("%w: no manifest.sig: %v", ErrSignature, err)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigText)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: manifest.sig is not a base64 ed25519 signature", ErrSignature)
	}
	if !slices.ContainsFunc(trusted, func(k ed25519.PublicKey) bool { return ed25519.Verify(k, raw, sig) }) {
		return nil, fmt.Errorf("%w: no trusted key signed this manifest", ErrSignature)
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(filepath.Join(dir, "plugin.wasm"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if sum := sha256.Sum256(wasm); hex.EncodeToString(sum[:]) != m.SHA256 {
		return nil, fmt.Errorf("%w: plugin.wasm does not match the manifest's sha256", ErrSignature)
	}
	return &Package{Manifest: m, Wasm: wasm}, nil
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
