package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/wasm"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// pdkDir is where `edge plugin new` puts the copy of the PDK's sources.
const pdkDir = "edgedesk-pdk"

// newPlugin writes a plugin module that builds anywhere: its go.mod
// replaces github.com/edgedesk/edgedesk with a copy of wasm/abi and
// wasm/pdk (this edge's own), so neither a checkout of this repository
// nor a module proxy is needed.
func newPlugin(args []string, kind, out string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("give the plugin's name: edge plugin new NAME --kind routing|nlp|automation")
	}
	name := args[0]
	m := host.Manifest{Name: name, Version: "0.1.0", ABI: abi.Version, Kind: kind, SHA256: strings.Repeat("0", 64)}
	if err := m.Validate(); err != nil {
		return err
	}
	if out == "" {
		out = name
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists: give another --out", out)
	}
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	if parts := strings.SplitN(goVersion, ".", 3); len(parts) >= 2 {
		goVersion = parts[0] + "." + parts[1]
	}
	files := map[string]string{
		"go.mod": fmt.Sprintf("module example.com/%s\n\ngo %s\n\nrequire github.com/edgedesk/edgedesk v0.0.0\n\n"+
			"// the PDK of the edge that made this module; `edge plugin new` on a newer edge writes a newer one\n"+
			"replace github.com/edgedesk/edgedesk => ./%s\n", name, goVersion, pdkDir),
		pdkDir + "/go.mod": fmt.Sprintf("module github.com/edgedesk/edgedesk\n\ngo %s\n", goVersion),
		"README.md":        fmt.Sprintf(pluginReadme, name, kind),
	}
	switch kind {
	case abi.KindRouting:
		files["main.go"], files["main_test.go"] = routingMain, routingTest
	case abi.KindAutomation:
		files["main.go"], files["main_test.go"] = automationMain, automationTest
	default:
		files["main.go"], files["main_test.go"] = nlpMain, nlpTest
	}
	err := fs.WalkDir(wasm.PDK, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := wasm.PDK.ReadFile(p)
		files[path.Join(pdkDir, "wasm", p)] = string(b)
		return err
	})
	if err != nil {
		return err
	}
	for p, text := range files {
		full := filepath.Join(out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "made %s plugin %s in %s: `go test ./...` there tests its handler; see its README.md to build, try and sign it\n", kind, name, out)
	return nil
}

// testPlugin loads a plugin into a host of its own, as an edge would but
// without checking its signature, calls it once with the request, and
// prints the answer.
func testPlugin(ctx context.Context, args []string, wasmFile, kind string, caps []string, reqFile, tenant, cfgFile string, stdout, stderr io.Writer) error {
	var pkg host.Package
	switch {
	case len(args) == 1 && wasmFile == "":
		mb, err := os.ReadFile(filepath.Join(args[0], "manifest.json"))
		if err != nil {
			return fmt.Errorf("%v: give a package directory (edge plugin pack --out) or --wasm FILE --kind K", err)
		}
		if err := json.Unmarshal(mb, &pkg.Manifest); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(args[0], "manifest.json"), err)
		}
		if pkg.Wasm, err = os.ReadFile(filepath.Join(args[0], "plugin.wasm")); err != nil {
			return err
		}
	case len(args) == 0 && wasmFile != "":
		var err error
		if pkg.Wasm, err = os.ReadFile(wasmFile); err != nil {
			return err
		}
		pkg.Manifest = host.Manifest{Name: "test", Version: "0", ABI: abi.Version, Kind: kind, Capabilities: caps}
	default:
		return errors.New("give a package directory or --wasm FILE")
	}
	if kind != "" {
		pkg.Manifest.Kind = kind
	}
	sum := sha256.Sum256(pkg.Wasm)
	pkg.Manifest.SHA256 = hex.EncodeToString(sum[:])
	if err := pkg.Manifest.Validate(); err != nil {
		return err
	}
	if reqFile == "" {
		return errors.New("give --request FILE (JSON; - for standard input)")
	}
	var raw []byte
	var err error
	if reqFile == "-" {
		raw, err = io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	} else {
		raw, err = os.ReadFile(reqFile)
	}
	if err != nil {
		return err
	}
	var op uint32
	var input []byte
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	switch pkg.Manifest.Kind {
	case abi.KindRouting:
		var q abi.RouteRequest
		if err := dec.Decode(&q); err != nil {
			return fmt.Errorf("the request is not a routing request (fields of abi.RouteRequest: tenant, conversation, inbox, language, skills, priority, agents [{id, online, skills, languages, load, maxchats, idlesince}], channel, contact {identified, attributes {key: value}, language, conversations}, reading {language, intent, sentiment}): %w", err)
		}
		op, input = abi.OpRoute, q.Append(nil)
	case abi.KindAutomation:
		var q abi.AutomateRequest
		if err := dec.Decode(&q); err != nil {
			return fmt.Errorf("the request is not an automation request (fields of abi.AutomateRequest: tenant, conversation, task, rule, trigger, text, status, priority, channel, inbox, assignee, team, tags, fields {key: value}, subject, contact {identified, attributes {key: value}, language, conversations}, reading {language, intent, sentiment}): %w", err)
		}
		op, input = abi.OpAutomate, q.Encode()
	default:
		var q abi.AnalyzeRequest
		if err := dec.Decode(&q); err != nil {
			return fmt.Errorf("the request is not an NLP request (fields of abi.AnalyzeRequest: tenant, text, language): %w", err)
		}
		op, input = abi.OpAnalyze, q.Encode()
	}
	var config []byte
	if cfgFile != "" {
		if config, err = os.ReadFile(cfgFile); err != nil {
			return err
		}
		// as an edge would take it (PUT /api/v1/plugins/{name}/config)
		if config, err = event.ParsePluginConfig(config); err != nil {
			return fmt.Errorf("--config %s: %w", cfgFile, err)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := host.New(ctx, host.Options{Log: log, Limits: host.Limits{Instances: 1},
		Config: func(string, string) []byte { return config }})
	if err != nil {
		return err
	}
	defer h.Close(context.Background())
	p, err := h.Load(ctx, &pkg)
	if err != nil {
		return err
	}
	start := time.Now()
	outBytes, err := p.Call(ctx, tenant, op, input)
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("after %s: %w", took.Round(time.Microsecond), err)
	}
	var answer any
	switch op {
	case abi.OpRoute:
		answer, err = abi.DecodeRouteDecision(outBytes)
	case abi.OpAutomate:
		answer, err = abi.DecodeAutomation(outBytes)
	default:
		answer, err = abi.DecodeAnalysis(outBytes)
	}
	if err != nil {
		return fmt.Errorf("the plugin answered what an edge cannot read: %w", err)
	}
	b, _ := json.MarshalIndent(answer, "", "  ")
	fmt.Fprintf(stdout, "%s\n", b)
	fmt.Fprintf(stderr, "answered in %s, the first call of a fresh instance (an edge gives each call plugins.timeout, 50ms by default)\n", took.Round(time.Microsecond))
	return nil
}

const pluginReadme = "# %[1]s\n\nA %[2]s plugin for Edgedesk (docs/plugins.md of Edgedesk).\n\n" +
	"```sh\ngo test ./...                                    # the handler, on this machine\n" +
	"edge plugin pack --src . --name %[1]s --version 0.1.0 --kind %[2]s --key KEY.key --out ../%[1]s-pkg\n" +
	"edge plugin test ../%[1]s-pkg --request request.json   # one call, as an edge makes it\n" +
	"edge plugin install ../%[1]s-pkg --edge http://EDGE:8080 --token-file admin-token\n```\n\n" +
	"`" + pdkDir + "/` is a copy of the PDK of the edge that made this module (go.mod replaces\n" +
	"github.com/edgedesk/edgedesk with it); `edge plugin new` of a newer edge makes a newer one.\n" +
	"Add capabilities with `--caps` when the plugin logs, reads the clock, keeps state, reads its\n" +
	"configuration or counts metrics: pack refuses a module that uses one it was not given.\n"

const routingMain = `// A routing plugin: it picks who gets a new conversation.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() { pdk.Route(route) }

// route gives the conversation to the online agent with room, every skill
// it needs and the fewest open conversations; with none, it waits.
func route(r *abi.RouteRequest) (*abi.RouteDecision, error) {
	best := -1
	for i, a := range r.Agents {
		if !a.Online || a.MaxChats > 0 && a.Load >= a.MaxChats || !hasAll(a.Skills, r.Skills) {
			continue
		}
		if best < 0 || a.Load < r.Agents[best].Load {
			best = i
		}
	}
	if best < 0 {
		return &abi.RouteDecision{Reason: "no online agent with room and the skills"}, nil
	}
	return &abi.RouteDecision{Agent: r.Agents[best].ID, Reason: "least loaded agent with the skills"}, nil
}

func hasAll(have, need []string) bool {
	for _, n := range need {
		found := false
		for _, h := range have {
			found = found || h == n
		}
		if !found {
			return false
		}
	}
	return true
}

func main() {}
`

const routingTest = `package main

import (
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func TestRoute(t *testing.T) {
	req := &abi.RouteRequest{Tenant: "t", Conversation: "c", Skills: []string{"billing"}, Agents: []abi.AgentStatus{
		{ID: "busy", Online: true, Skills: []string{"billing"}, Load: 3},
		{ID: "free", Online: true, Skills: []string{"billing"}, Load: 1},
		{ID: "away", Skills: []string{"billing"}},
		{ID: "other", Online: true},
	}}
	res := pdk.Call(abi.OpRoute, req.Append(nil))
	if res.Status != abi.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Message)
	}
	d, err := abi.DecodeRouteDecision(res.Output)
	if err != nil || d.Agent != "free" {
		t.Fatalf("decision %+v, %v: want the least loaded agent with the skill", d, err)
	}
}
`

const nlpMain = `// An NLP plugin: it reads a customer's message.
package main

import (
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() { pdk.Analyze(analyze) }

// analyze recognises a refund request by its words; replace it with your
// model.
func analyze(r *abi.AnalyzeRequest) (*abi.Analysis, error) {
	text := strings.ToLower(r.Text)
	if strings.Contains(text, "refund") || strings.Contains(text, "money back") {
		return &abi.Analysis{Intent: "refund", IntentConfidence: 80}, nil
	}
	return nil, nil
}

func main() {}
`

const nlpTest = `package main

import (
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func TestAnalyze(t *testing.T) {
	req := &abi.AnalyzeRequest{Tenant: "t", Text: "I want a refund"}
	res := pdk.Call(abi.OpAnalyze, req.Encode())
	if res.Status != abi.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Message)
	}
	a, err := abi.DecodeAnalysis(res.Output)
	if err != nil || a.Intent != "refund" {
		t.Fatalf("analysis %+v, %v", a, err)
	}
}
`

const automationMain = `// An automation plugin: a rule's plugin action asks it what to do with
// a conversation, and the edge makes the actions it answers.
package main

import (
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() { pdk.Automate(automate) }

// automate, asked the task "refunds", tags a conversation that speaks of
// a refund and makes it high priority; replace it with your own.
func automate(r *abi.AutomateRequest) (*abi.Automation, error) {
	if r.Task != "refunds" {
		return nil, nil
	}
	if !strings.Contains(strings.ToLower(r.Text), "refund") {
		return nil, nil
	}
	return &abi.Automation{Note: "a refund request", Actions: []abi.Action{
		{Type: "set_priority", Value: "high"},
		{Type: "add_tags", Tags: []string{"refund"}},
	}}, nil
}

func main() {}
`

const automationTest = `package main

import (
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func TestAutomate(t *testing.T) {
	req := &abi.AutomateRequest{Tenant: "t", Conversation: "c", Task: "refunds", Text: "I want a Refund"}
	res := pdk.Call(abi.OpAutomate, req.Encode())
	if res.Status != abi.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Message)
	}
	a, err := abi.DecodeAutomation(res.Output)
	if err != nil || len(a.Actions) != 2 || a.Actions[0].Value != "high" {
		t.Fatalf("answer %+v, %v", a, err)
	}
}
`
