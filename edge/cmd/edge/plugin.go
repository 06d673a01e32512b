package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

const pluginUsage = `edge plugin builds, signs and manages WebAssembly plugins (docs/plugins.md).

Usage:
  edge plugin keygen --out NAME                  write a signing key NAME.key and its public half NAME.pub
  edge plugin pack --src DIR|--wasm FILE --name N --version V --kind routing|nlp
                   [--caps log,clock,kv,config,metrics] --key NAME.key --out DIR
                                                 build a plugin from Go source and sign it into a package
  edge plugin install [--edge URL] [--token-file F] DIR   install a package on a running edge
  edge plugin list [--edge URL] [--token-file F]          the installed plugins
  edge plugin rollback [--edge URL] [--token-file F] NAME back to the version before
`

// pluginCmd is `edge plugin …`.
func pluginCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, pluginUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("edge plugin "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out     = fs.String("out", "", "output (keygen: file name prefix; pack: package directory)")
		src     = fs.String("src", "", "pack: the plugin's Go main package")
		wasm    = fs.String("wasm", "", "pack: a module already built, instead of --src")
		name    = fs.String("name", "", "pack: the plugin's name")
		version = fs.String("version", "", "pack: its version")
		kind    = fs.String("kind", "", "pack: routing or nlp")
		caps    = fs.String("caps", "", "pack: capabilities it may use, comma-separated")
		key     = fs.String("key", "", "pack: the signing key (edge plugin keygen)")
		edgeURL = fs.String("edge", "http://127.0.0.1:8080", "the edge's HTTP address")
		tokFile = fs.String("token-file", "", "the edge's admin token file (default: $EDGEDESK_ADMIN_TOKEN, else ./data/admin-token or ./data/dev-admin-token)")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch sub {
	case "keygen":
		err = keygen(*out, stdout)
	case "pack":
		err = pack(ctx, *src, *wasm, host.Manifest{Name: *name, Version: *version, ABI: abi.Version, Kind: *kind,
			Capabilities: splitList(*caps)}, *key, *out, stdout)
	case "install", "list", "rollback":
		err = remote(ctx, sub, *edgeURL, *tokFile, fs.Args(), stdout)
	default:
		fmt.Fprintf(stderr, "edge plugin: unknown command %q\n%s", sub, pluginUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "edge plugin %s: %v\n", sub, err)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func keygen(out string, stdout io.Writer) error {
	if out == "" {
		return errors.New("give --out NAME")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".key", []byte(base64.StdEncoding.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(out+".pub", []byte(base64.StdEncoding.EncodeToString(pub)+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing key %s.key (keep it secret), public key %s.pub (give it to edges: plugins.trusted_keys)\n", out, out)
	return nil
}

func pack(ctx context.Context, src, wasmFile string, m host.Manifest, keyFile, out string, stdout io.Writer) error {
	if (src == "") == (wasmFile == "") || keyFile == "" || out == "" {
		return errors.New("give --src or --wasm, --key and --out")
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	key, err := host.ParsePrivateKey(kb)
	if err != nil {
		return err
	}
	if src != "" {
		tmp, err := os.MkdirTemp("", "edgedesk-plugin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		wasmFile = filepath.Join(tmp, "plugin.wasm")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildmode=c-shared", "-o", wasmFile, src)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", src, err, b)
		}
	}
	mod, err := os.ReadFile(wasmFile)
	if err != nil {
		return err
	}
	if err := host.WritePackage(out, m, mod, key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "packed %s %s (%s, %d KiB) into %s\n", m.Name, m.Version, m.Kind, len(mod)>>10, out)
	return nil
}

// remote calls a running edge's admin API.
func remote(ctx context.Context, sub, edgeURL, tokFile string, args []string, stdout io.Writer) error {
	tok, err := adminToken(tokFile)
	if err != nil {
		return err
	}
	var req *http.Request
	base := strings.TrimRight(edgeURL, "/") + "/api/v1/plugins"
	switch sub {
	case "list":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
	case "rollback":
		if len(args) != 1 {
			return errors.New("give the plugin's name")
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+args[0]+"/rollback", nil)
	case "install":
		if len(args) != 1 {
			return errors.New("give the package directory (edge plugin pack --out)")
		}
		body, ctype, err := plugins.Form(args[0])
		if err != nil {
			return err
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base, body)
		if err == nil {
			req.Header.Set("Content-Type", ctype)
		}
	}
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	if sub == "list" {
		var list []plugins.Info
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no plugins installed: the built-in rules run")
		}
		for _, p := range list {
			fmt.Fprintf(stdout, "%-16s %-8s %-10s previous: %s\n", p.Name, p.Kind, p.Version, strings.Join(p.Previous, ", "))
		}
		return nil
	}
	var info plugins.Info
	if err := json.Unmarshal(b, &info); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s now runs (%s)\n", info.Name, info.Version, info.Kind)
	return nil
}

func adminToken(file string) (string, error) {
	if file == "" {
		if t := os.Getenv("EDGEDESK_ADMIN_TOKEN"); t != "" {
			return t, nil
		}
		for _, f := range []string{"data/admin-token", "data/dev-admin-token"} {
			if _, err := os.Stat(f); err == nil {
				file = f
				break
			}
		}
		if file == "" {
			return "", errors.New("give --token-file (the edge writes <data>/admin-token) or set EDGEDESK_ADMIN_TOKEN")
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
