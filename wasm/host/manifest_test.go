package host_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
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
