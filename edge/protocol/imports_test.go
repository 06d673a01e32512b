package protocol

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The package imports only the standard library: a client of the protocol
// gets the protocol, not the edge.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: edge/protocol imports only the standard library", name, path)
			}
		}
	}
	if n == 0 {
		t.Fatal("no Go files: wrong directory?")
	}
}

// The Go client and the load generator depend on the protocol, not on the
// edge: no NATS, no Badger, no pion, and of this module only the protocol
// and themselves.
func TestClientsDependOnTheProtocolOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go") // go test puts its own first in PATH
	if err != nil {
		t.Skip("no go tool to list the dependencies with")
	}
	const module = "github.com/edgedesk/edgedesk/"
	clients := []string{module + "edge/client", module + "edge/cmd/edgeload"}
	out, err := exec.Command(goTool, append([]string{"list", "-deps"}, clients...)...).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	if !strings.Contains(string(out), module+"edge/protocol\n") {
		t.Fatalf("go list -deps does not list edge/protocol:\n%s", out)
	}
	allowed := map[string]bool{module + "edge/protocol": true}
	for _, c := range clients {
		allowed[c] = true
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.Contains(dep, "badger"), strings.Contains(dep, "nats"), strings.Contains(dep, "pion"):
			t.Errorf("edge/client or edgeload depends on %s", dep)
		case strings.HasPrefix(dep, module) && !allowed[dep]:
			t.Errorf("edge/client or edgeload depends on %s: import edge/protocol instead", dep)
		}
	}
}
