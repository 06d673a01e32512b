package host_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/wasm/host"
)

// FuzzVerifyPackage: whatever manifest a trusted key signed, VerifyPackage
// returns a valid manifest or a typed error, never a panic; and an
// untrusted signature is refused before the manifest is read.
func FuzzVerifyPackage(f *testing.F) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	sum := sha256.Sum256(wasm)
	f.Add([]byte(`{"name":"routing","version":"1.0.0","abi":1,"kind":"routing","capabilities":["log"],"sha256":"` + hex.EncodeToString(sum[:]) + `"}`))
	f.Add([]byte(`{"name":"../../etc","version":"../x","abi":1,"kind":"nlp","sha256":""}`))
	f.Add([]byte(`{"name":"a","version":"1","abi":1,"kind":"nlp","capabilities":["fs"],"sha256":"00"}`))
	f.Add([]byte(`{"name":"a","version":"1","abi":1,"kind":"nlp","capabilities":["metrics"],"metrics":["routed_vip","x-y",""],"sha256":"` + hex.EncodeToString(sum[:]) + `"}`))
	f.Fuzz(func(t *testing.T, manifest []byte) {
		sig := []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(priv, manifest)))
		p, err := host.VerifyPackage(manifest, sig, wasm, []ed25519.PublicKey{pub})
		switch {
		case err == nil:
			if p.Manifest.Validate() != nil {
				t.Fatalf("accepted an invalid manifest %+v", p.Manifest)
			}
		case !errors.Is(err, host.ErrManifest) && !errors.Is(err, host.ErrABI) && !errors.Is(err, host.ErrSignature):
			t.Fatalf("untyped error: %v", err)
		}
		other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		forged := []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(other, manifest)))
		if _, err := host.VerifyPackage(manifest, forged, wasm, []ed25519.PublicKey{pub}); !errors.Is(err, host.ErrSignature) {
			t.Fatalf("an untrusted signature: %v", err)
		}
	})
}

// A manifest's counter names (Manifest.Metrics) are checked: a name
// Prometheus takes, at most MaxMetricNames, none twice, and the
// capability they need granted.
func TestManifestMetrics(t *testing.T) {
	valid := func() host.Manifest {
		return host.Manifest{Name: "routing", Version: "1.0.0", ABI: 1, Kind: "routing",
			Capabilities: []string{"metrics"}, SHA256: strings.Repeat("00", 32)}
	}
	many := make([]string, host.MaxMetricNames+1)
	for i := range many {
		many[i] = "m" + strconv.Itoa(i)
	}
	for _, c := range []struct {
		name    string
		caps    []string
		metrics []string
		refused string // "" when valid
	}{
		{"none", nil, nil, ""},
		{"some", []string{"metrics"}, []string{"routed_vip", "routed2", strings.Repeat("a", host.MaxMetricName)}, ""},
		{"as many as may be", []string{"metrics"}, many[:host.MaxMetricNames], ""},
		{"too many", []string{"metrics"}, many, "at most 64"},
		{"twice", []string{"metrics"}, []string{"a", "a"}, "twice"},
		{"without the capability", []string{"log"}, []string{"a"}, "without capability"},
		{"upper case", []string{"metrics"}, []string{"Routed"}, `metric "Routed"`},
		{"a dash", []string{"metrics"}, []string{"routed-vip"}, `metric "routed-vip"`},
		{"a digit first", []string{"metrics"}, []string{"1st"}, `metric "1st"`},
		{"empty", []string{"metrics"}, []string{""}, `metric ""`},
		{"too long", []string{"metrics"}, []string{strings.Repeat("a", host.MaxMetricName+1)}, "lower-case letters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := valid()
			m.Capabilities, m.Metrics = c.caps, c.metrics
			err := m.Validate()
			switch {
			case c.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.refused != "" && (!errors.Is(err, host.ErrManifest) || !strings.Contains(err.Error(), c.refused)):
				t.Fatalf("%v, want ErrManifest saying %q", err, c.refused)
			}
		})
	}
	// a manifest without metrics is written as before: the field is left out
	dir := t.TempDir()
	if err := host.WritePackage(dir, valid(), []byte("\x00asm\x01\x00\x00\x00"), priv); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err != nil || strings.Contains(string(b), "metrics\":") {
		t.Fatalf("manifest.json: %s, %v", b, err)
	}
}
