// Package plugintest builds plugins from source for tests in other
// packages: the standard toolchain to WebAssembly, once per module per
// test process, signed into a package with a key the test trusts.
package plugintest

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/edgedesk/edgedesk/wasm/host"
)

// builds holds one build per path, so that different plugins build at
// the same time and each only once.
var builds sync.Map // path → *build

type build struct {
	once sync.Once
	wasm []byte
	err  error
}

// Root is the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build builds the plugin whose main package is at path (relative to the
// repository's root, e.g. "plugins/routing") and returns the module.
func Build(t testing.TB, path string) []byte {
	t.Helper()
	v, _ := builds.LoadOrStore(path, &build{})
	b := v.(*build)
	b.once.Do(func() { b.wasm, b.err = compile(path) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.wasm
}

func compile(path string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "edgedesk-plugin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "plugin.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./"+path)
	cmd.Dir = Root()
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build plugin %s: %v\n%s", path, err, b)
	}
	return os.ReadFile(out)
}

// Package builds path and signs it with key into a new package directory.
func Package(t testing.TB, path string, m host.Manifest, key ed25519.PrivateKey) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%s", m.Name, m.Version))
	if err := host.WritePackage(dir, m, Build(t, path), key); err != nil {
		t.Fatal(err)
	}
	return dir
}
