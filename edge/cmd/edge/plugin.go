package main

import (
	"bytes"
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
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

const pluginUsage = `edge plugin builds, signs and manages WebAssembly plugins (docs/plugins.md).

Usage:
  edge plugin new NAME --kind routing|nlp|automation [--out DIR]
                                                 start a plugin: a Go module in DIR (default ./NAME) that
                                                 builds anywhere, with a handler and its test
  edge plugin keygen --out NAME                  write a signing key NAME.key and its public half NAME.pub
                                                 (never over an existing one)
  edge plugin pack --src DIR|--wasm FILE --name N --version V --kind routing|nlp|automation
                   [--caps log,clock,kv,config,metrics] [--metrics NAME,…] --key NAME.key --out DIR
                                                 build a plugin from Go source, check it as an edge
                                                 would, and sign it into a package
  edge plugin test DIR|--wasm FILE [--kind K] [--caps C] --request FILE|- [--tenant T] [--config FILE]
                                                 call a plugin with a request (JSON) and print its answer,
                                                 without an edge
  edge plugin install [--edge URL] [--token-file F] DIR   install a package on a running edge
  edge plugin list [--edge URL] [--token-file F]          the installed plugins
  edge plugin rollback [--edge URL] [--token-file F] NAME back to the version before
  edge plugin activate [--edge URL] [--token-file F] NAME make it the plugin of its kind
  edge plugin uninstall [--edge URL] [--token-file F] [--keep-data] NAME remove it, its versions and what it stored
  edge plugin config [--edge URL] [--token-file F] NAME --tenant T [--set FILE|- | --clear]
                                                 print a plugin's configuration for a tenant (JSON, null
                                                 for none), set it from FILE (a JSON object), or clear it
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
		kind    = fs.String("kind", "", "new, pack, test: routing, nlp or automation")
		caps    = fs.String("caps", "", "pack: capabilities it may use, comma-separated")
		metrics = fs.String("metrics", "", "pack: the counter names it adds to (capability metrics), comma-separated")
		key     = fs.String("key", "", "pack: the signing key (edge plugin keygen)")
		edgeURL = fs.String("edge", "http://127.0.0.1:8080", "the edge's HTTP address")
		tokFile = fs.String("token-file", "", "the edge's admin token file (default: $EDGEDESK_ADMIN_TOKEN, else ./data/admin-token or ./data/dev-admin-token)")
		request = fs.String("request", "", "test: the request, JSON (- for standard input)")
		tenant  = fs.String("tenant", "test", "test: the tenant the call is for; config: the tenant whose configuration it is")
		cfgFile = fs.String("config", "", "test: the plugin's configuration (capability config)")
		setFile = fs.String("set", "", "config: set the configuration from this file, a JSON object (- for standard input)")
		clearIt = fs.Bool("clear", false, "config: clear the configuration")
		keep    = fs.Bool("keep-data", false, "uninstall: keep what the plugin stored (capability kv)")
	)
	// the package or plugin name may come before the flags
	var lead []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		lead, args = args[:1], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := append(lead, fs.Args()...)
	var err error
	switch sub {
	case "new":
		err = newPlugin(rest, *kind, *out, stdout)
	case "test":
		err = testPlugin(ctx, rest, *wasm, *kind, splitList(*caps), *request, *tenant, *cfgFile, stdout, stderr)
	case "keygen":
		err = keygen(*out, stdout)
	case "pack":
		err = pack(ctx, *src, *wasm, host.Manifest{Name: *name, Version: *version, ABI: abi.Version, Kind: *kind,
			Capabilities: splitList(*caps), Metrics: splitList(*metrics)}, *key, *out, stdout)
	case "install", "list", "rollback", "activate", "uninstall":
		err = remote(ctx, sub, *edgeURL, *tokFile, rest, *keep, stdout)
	case "config":
		given := false // --tenant has a default for test, none here
		fs.Visit(func(f *flag.Flag) { given = given || f.Name == "tenant" })
		if !given {
			*tenant = ""
		}
		err = configRemote(ctx, *edgeURL, *tokFile, rest, *tenant, *setFile, *clearIt, stdout)
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
	for _, f := range []string{out + ".key", out + ".pub"} {
		if _, err := os.Lstat(f); err == nil {
			return fmt.Errorf("%s exists: a new key would orphan every package signed with it; choose another --out, or remove it yourself", f)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := writeNew(out+".key", []byte(base64.StdEncoding.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
		return err
	}
	if err := writeNew(out+".pub", []byte(base64.StdEncoding.EncodeToString(pub)+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing key %s.key (keep it secret), public key %s.pub (give it to edges: plugins.trusted_keys)\n", out, out)
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func pack(ctx context.Context, src, wasmFile string, m host.Manifest, keyFile, out string, stdout io.Writer) error {
	if (src == "") == (wasmFile == "") || keyFile == "" || out == "" {
		return errors.New("give --src or --wasm, --key and --out")
	}
	// the manifest's fields first: a build takes seconds (its hash is
	// known only after it)
	check := m
	check.SHA256 = strings.Repeat("0", 64)
	if err := check.Validate(); err != nil {
		return err
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
		if err := buildPlugin(ctx, src, wasmFile); err != nil {
			return err
		}
	}
	mod, err := os.ReadFile(wasmFile)
	if err != nil {
		return err
	}
	used, err := host.Inspect(ctx, mod, m)
	if err != nil {
		return err
	}
	for _, c := range m.Capabilities {
		if !slices.Contains(used, c) {
			fmt.Fprintf(stdout, "note: capability %s is granted but the module uses none of its host functions\n", c)
		}
	}
	if err := host.WritePackage(out, m, mod, key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "packed %s %s (%s, %d KiB) into %s\n", m.Name, m.Version, m.Kind, len(mod)>>10, out)
	return nil
}

// buildPlugin builds the Go main package in directory src (a path, inside
// this repository or anywhere: the build runs in src, in its own module)
// to WebAssembly.
func buildPlugin(ctx context.Context, src, out string) error {
	fi, err := os.Stat(src)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("--src %s: give the directory of the plugin's main package", src)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildmode=c-shared", "-o", abs, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", src, err, b)
	}
	return nil
}

// remote calls a running edge's admin API.
func remote(ctx context.Context, sub, edgeURL, tokFile string, args []string, keepData bool, stdout io.Writer) error {
	tok, err := adminToken(tokFile)
	if err != nil {
		return err
	}
	var req *http.Request
	base := strings.TrimRight(edgeURL, "/") + "/api/v1/plugins"
	switch sub {
	case "list":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
	case "rollback", "activate":
		if len(args) != 1 {
			return errors.New("give the plugin's name")
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+url.PathEscape(args[0])+"/"+sub, nil)
	case "uninstall":
		if len(args) != 1 {
			return errors.New("give the plugin's name")
		}
		target := base + "/" + url.PathEscape(args[0])
		if keepData {
			target += "?keep_data=true"
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodDelete, target, nil)
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
	b, err := adminDo(req, tok)
	if err != nil {
		return err
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
			state := "installed"
			if p.Active {
				state = "active"
			}
			fmt.Fprintf(stdout, "%-16s %-8s %-10s %-9s previous: %s\n", p.Name, p.Kind, p.Version, state, strings.Join(p.Previous, ", "))
		}
		return nil
	}
	var info plugins.Info
	if err := json.Unmarshal(b, &info); err != nil {
		return err
	}
	switch {
	case sub == "uninstall":
		fmt.Fprintf(stdout, "%s uninstalled", info.Name)
		if info.Active {
			fmt.Fprintf(stdout, "; the built-in rules answer %s until another plugin is active", info.Kind)
		}
		fmt.Fprintln(stdout)
	case info.Active:
		fmt.Fprintf(stdout, "%s %s now runs (%s)\n", info.Name, info.Version, info.Kind)
	default:
		fmt.Fprintf(stdout, "%s %s is installed, not active: another %s plugin answers (edge plugin activate %s)\n", info.Name, info.Version, info.Kind, info.Name)
	}
	return nil
}

// configRemote reads, sets or clears a plugin's configuration for a
// tenant on a running edge (GET and PUT /api/v1/plugins/{name}/config).
// Reading prints the JSON alone, so that it can be edited and set again.
func configRemote(ctx context.Context, edgeURL, tokFile string, args []string, tenant, setFile string, clearIt bool, stdout io.Writer) error {
	if len(args) != 1 || tenant == "" {
		return errors.New("give the plugin's name and --tenant")
	}
	if setFile != "" && clearIt {
		return errors.New("give --set FILE or --clear, not both")
	}
	tok, err := adminToken(tokFile)
	if err != nil {
		return err
	}
	u := strings.TrimRight(edgeURL, "/") + "/api/v1/plugins/" + url.PathEscape(args[0]) + "/config?tenant=" + url.QueryEscape(tenant)
	method, body := http.MethodGet, []byte(nil)
	switch {
	case clearIt:
		method, body = http.MethodPut, []byte("null")
	case setFile == "-":
		method = http.MethodPut
		body, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	case setFile != "":
		method = http.MethodPut
		body, err = os.ReadFile(setFile)
	}
	if err != nil {
		return err
	}
	if method == http.MethodPut && !clearIt && len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("--set %s is empty: give a JSON object, or --clear", setFile)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	b, err := adminDo(req, tok)
	if err != nil {
		return err
	}
	var info plugins.ConfigInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return err
	}
	none := string(info.Config) == "null"
	switch {
	case method == http.MethodGet:
		var out bytes.Buffer
		if err := json.Indent(&out, info.Config, "", "  "); err != nil {
			return err
		}
		fmt.Fprintln(stdout, out.String())
	case none:
		fmt.Fprintf(stdout, "%s has no configuration for tenant %s now (log sequence %d)\n", info.Plugin, info.Tenant, info.Seq)
	default:
		fmt.Fprintf(stdout, "%s is configured for tenant %s (%d bytes, log sequence %d): its calls for the tenant read it from now on\n",
			info.Plugin, info.Tenant, len(info.Config), info.Seq)
	}
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

// adminDo sends req to the edge's admin API with the token and returns the
// answer's body (at most 1 MiB); a status other than 2xx is an error with
// the edge's text.
func adminDo(req *http.Request, tok string) ([]byte, error) {
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}
