package host

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Inspect checks, without running it, what an edge checks of a module
// when it loads it: that it is a WebAssembly module built as a library
// (not a command), with the ABI's exports, importing only WASI and the
// host functions m's capabilities grant. `edge plugin pack` runs it before
// signing, so that no package is made that an edge would refuse. It
// returns the capabilities the module uses.
func Inspect(ctx context.Context, wasm []byte, m Manifest) (used []string, err error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: not a WebAssembly module this host can compile: %v", ErrManifest, err)
	}
	defer compiled.Close(ctx)

	if err := checkExports(compiled); err != nil {
		return nil, err
	}

	capOf := map[string]string{}
	for c, fns := range abi.HostFunctions {
		for _, f := range fns {
			capOf[f] = c
		}
	}
	granted := map[string]bool{}
	for _, c := range m.Capabilities {
		granted[c] = true
	}
	need := map[string][]string{} // capability → host functions imported without it
	usedSet := map[string]bool{}
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch mod {
		case wasi_snapshot_preview1.ModuleName:
			continue
		case abi.HostModule:
			c, ok := capOf[name]
			if !ok {
				return nil, fmt.Errorf("%w: %s.%s is no host function of ABI %d", ErrImports, mod, name, abi.Version)
			}
			usedSet[c] = true
			if !granted[c] {
				need[c] = append(need[c], mod+"."+name)
			}
		default:
			return nil, fmt.Errorf("%w: %s.%s: a plugin imports only WASI and the host functions (module %q)", ErrImports, mod, name, abi.HostModule)
		}
	}
	if len(need) > 0 {
		var caps, what []string
		for c, fns := range need {
			caps = append(caps, c)
			what = append(what, strings.Join(fns, ", ")+" needs capability "+c)
		}
		sort.Strings(caps)
		sort.Strings(what)
		all := slices.Clone(m.Capabilities)
		for _, c := range caps {
			if !slices.Contains(all, c) {
				all = append(all, c)
			}
		}
		return nil, fmt.Errorf("%w: %s: pack it with --caps %s", ErrImports, strings.Join(what, "; "), strings.Join(all, ","))
	}
	for c := range usedSet {
		used = append(used, c)
	}
	sort.Strings(used)
	return used, nil
}
