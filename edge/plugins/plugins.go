// Package plugins is the edge's plugin manager (docs/plugins.md): it owns
// the WebAssembly host, keeps the installed packages on disk, loads them
// at start, installs and rolls back versions while the edge serves, and
// answers the edge's routing and NLP questions through the plugin of each
// kind. A plugin that fails makes the question fail with a typed error; the
// caller runs its built-in rule.
package plugins

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// ErrNone is returned when no plugin of a kind is installed.
var ErrNone = errors.New("no plugin of this kind is installed")

// ErrSuspended is returned while a plugin rests after failing, being too
// slow or breaking a quota (breaker.go); it wraps why.
var ErrSuspended = errors.New("the plugin is suspended for a while")

// ErrInvalidAnswer is returned when a plugin answers what breaks the ABI's
// contract (abi.ErrInvalid: invalid UTF-8, control characters, a field
// past its limit), what does not decode, or what cannot be (an agent the
// request did not offer, a PII span outside the message). It is the
// plugin's failure: the breaker counts it like a trap.
var ErrInvalidAnswer = errors.New("the plugin's answer is invalid")

// Options configure a Manager.
type Options struct {
	Dir      string // installed packages: <Dir>/<name>/<version>/ and <Dir>/<name>/history.json
	CacheDir string // compiled modules
	KVDir    string // the plugins' key-value store; "" keeps it in memory
	Trusted  []ed25519.PublicKey
	Limits   host.Limits
	// Budgets are the latency budgets by kind of plugin; a kind not
	// given has DefaultBudget, and one given with a zero Max none.
	Budgets map[string]Budget
	// Config returns a plugin's configuration for a tenant (capability
	// config), nil when none is set; nil gives every plugin none.
	Config  func(plugin, tenant string) []byte
	Log     *slog.Logger
	Metrics prometheus.Registerer
}

// Info is an installed plugin as `edge plugin list` shows it.
type Info struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Version  string   `json:"version"`            // the one running
	Previous []string `json:"previous,omitempty"` // older versions, newest first: what rollback goes back to
	Caps     []string `json:"capabilities,omitempty"`
	SHA256   string   `json:"sha256"`
	// Active is true for the plugin answering its kind; the others are
	// installed but not loaded.
	Active bool `json:"active"`
}

// ConfigInfo is a plugin's configuration for a tenant as the admin API
// answers it (GET and PUT /api/v1/plugins/{name}/config).
type ConfigInfo struct {
	Plugin string `json:"plugin"`
	Tenant string `json:"tenant"`
	// Config is the JSON object the plugin reads, null when none is set.
	Config json.RawMessage `json:"config"`
	// UpdatedAt (unix ms) and Seq (in the log) are the change's that made
	// it so; a GET of none has neither.
	UpdatedAt int64  `json:"updated_at,omitempty"`
	Seq       uint64 `json:"seq,omitempty"`
}

// Manager owns the host and the installed plugins.
type Manager struct {
	dir     string
	trusted []ed25519.PublicKey
	log     *slog.Logger
	host    *host.Host
	kv      *kvStore // nil: in memory

	mu        sync.Mutex // installs and rollbacks, one at a time
	loaded    map[string]*host.Plugin
	history   map[string][]string      // name → versions installed, current last
	installed map[string]host.Manifest // name → its current version's manifest
	activeOf  map[string]string        // kind → the name answering it (active.json)
	kinds     sync.Map                 // kind → *active answering it
	budgets   map[string]Budget

	suspensions *prometheus.CounterVec // edgedesk_plugin_suspensions_total{plugin,reason}
	invalid     *prometheus.CounterVec // edgedesk_plugin_invalid_answers_total{plugin}
}

// active is the plugin answering a kind, its name@version and its record
// of failures.
type active struct {
	p    *host.Plugin
	name string
	by   string
	b    *breaker
}

// Open starts the host and loads every installed plugin's current
// version. A package that no longer verifies (a key was withdrawn, a file
// changed) is left out with an error in the log: the edge still starts.
func Open(ctx context.Context, o Options) (*Manager, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	budgets := map[string]Budget{}
	for _, kind := range []string{abi.KindRouting, abi.KindNLP, abi.KindAutomation} {
		budgets[kind] = DefaultBudget(kind)
	}
	for kind, b := range o.Budgets {
		if b.Max > 0 && (b.Percentile < 1 || b.Percentile > 99 || b.Calls < 1 || b.MinCalls > b.Calls || b.Age <= 0) {
			return nil, fmt.Errorf("the latency budget of %s plugins %+v: give a percentile of 1 to 99, a window of at least one call and an age, and no more calls to judge from than the window holds", kind, b)
		}
		budgets[kind] = b
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("plugin directory: %w", err)
	}
	var kv *kvStore
	hostKV := host.NewMemoryKV()
	if o.KVDir != "" {
		var err error
		if kv, err = openKV(o.KVDir, o.Log); err != nil {
			// the edge serves on: what plugins store lives in memory until the
			// store is repaired
			o.Log.Error("the plugins' key-value store does not open; plugins keep their data in memory until a restart with it repaired (move the directory aside to start an empty one)",
				"dir", o.KVDir, "err", err)
		} else {
			hostKV = kv
		}
	}
	h, err := host.New(ctx, host.Options{CacheDir: o.CacheDir, Limits: o.Limits, Log: o.Log, Metrics: o.Metrics, KV: hostKV, Config: o.Config})
	if err != nil {
		if kv != nil {
			kv.Close()
		}
		return nil, err
	}
	m := &Manager{dir: o.Dir, trusted: o.Trusted, log: o.Log, host: h, kv: kv,
		loaded: map[string]*host.Plugin{}, history: map[string][]string{}, budgets: budgets,
		installed: map[string]host.Manifest{}, activeOf: map[string]string{},
		suspensions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_plugin_suspensions_total",
			Help: "Times a plugin was suspended: after failing calls in a row (reason failures), for calls over its kind's latency budget (slow), or for breaking a quota (quota)."},
			[]string{"plugin", "reason"}),
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_plugin_invalid_answers_total",
			Help: "Answers of a plugin refused for breaking the ABI's contract (invalid UTF-8, control characters, limits, an agent not offered, a span outside the message): the caller's built-in rule served instead, or for NLP the message stayed unread."},
			[]string{"plugin"})}
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{m.suspensions, m.invalid} {
			if err := o.Metrics.Register(c); err != nil {
				m.Close(ctx)
				return nil, err
			}
		}
	}
	entries, err := os.ReadDir(o.Dir)
	if err != nil {
		m.Close(ctx)
		return nil, err
	}
	// Every installed plugin is verified (its manifest says its kind); only
	// the active one of each kind is compiled, each on its own goroutine:
	// loading one takes tens of milliseconds of one core (docs/plugins.md).
	type start struct {
		name, version string
		hist          []string
		pkg           *host.Package
		p             *host.Plugin
		err           error
	}
	var starts []*start
	var wg sync.WaitGroup
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		st := &start{name: e.Name()}
		hist, err := m.readHistory(st.name)
		if err != nil || len(hist) == 0 {
			m.log.Error("plugin left out: its history does not read", "plugin", st.name, "err", err)
			continue
		}
		st.hist, st.version = hist, hist[len(hist)-1]
		starts = append(starts, st)
		wg.Go(func() {
			st.pkg, st.err = host.LoadPackage(m.versionDir(st.name, st.version), m.trusted)
			if st.err == nil && st.pkg.Manifest.Name != st.name {
				st.err = fmt.Errorf("%w: the package in %s is named %q", host.ErrManifest, st.name, st.pkg.Manifest.Name)
			}
		})
	}
	wg.Wait()
	saved, haveSaved := m.readActive()
	for _, st := range starts {
		if st.err != nil {
			m.log.Error("plugin left out", "plugin", st.name, "version", st.version, "err", st.err)
			continue
		}
		m.installed[st.name], m.history[st.name] = st.pkg.Manifest, st.hist
		if !haveSaved { // a data directory from before active.json: the last by name, as then
			m.activeOf[st.pkg.Manifest.Kind] = st.name
		}
	}
	for kind, name := range saved {
		if mf, ok := m.installed[name]; ok && mf.Kind == kind {
			m.activeOf[kind] = name
		} else {
			m.log.Error("the active plugin of a kind is not installed (or no longer verifies): the built-in rules answer", "kind", kind, "plugin", name)
		}
	}
	for _, st := range starts {
		if st.err == nil && m.activeOf[st.pkg.Manifest.Kind] == st.name {
			wg.Go(func() { st.p, st.err = h.Load(ctx, st.pkg) })
		}
	}
	wg.Wait()
	for _, st := range starts {
		if st.pkg == nil || m.activeOf[st.pkg.Manifest.Kind] != st.name {
			continue
		}
		if st.err != nil {
			m.log.Error("plugin left out", "plugin", st.name, "version", st.version, "err", st.err)
			delete(m.activeOf, st.pkg.Manifest.Kind)
			continue
		}
		m.loaded[st.name] = st.p
		m.serve(st.pkg)
		m.log.Info("plugin loaded", "plugin", st.name, "version", st.version, "kind", st.pkg.Manifest.Kind)
	}
	if !haveSaved && len(m.activeOf) > 0 {
		if err := m.writeActive(); err != nil {
			m.log.Warn("cannot record the active plugins", "err", err)
		}
	}
	return m, nil
}

// readActive reads active.json: kind → the name of the plugin answering
// it. ok is false when there is none.
func (m *Manager) readActive() (map[string]string, bool) {
	b, err := os.ReadFile(filepath.Join(m.dir, "active.json"))
	if err != nil {
		return nil, false
	}
	var a map[string]string
	if err := json.Unmarshal(b, &a); err != nil {
		m.log.Error("active.json does not read: the last installed plugin of each kind, by name, answers it", "err", err)
		return nil, false
	}
	return a, true
}

func (m *Manager) writeActive() error {
	b, err := json.Marshal(m.activeOf)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(m.dir, "active.json"), b, 0o600)
}

// Close stops the host, then closes the key-value store.
func (m *Manager) Close(ctx context.Context) error {
	err := m.host.Close(ctx)
	if m.kv != nil {
		err = errors.Join(err, m.kv.Close())
	}
	return err
}

func (m *Manager) versionDir(name, version string) string {
	return filepath.Join(m.dir, name, version)
}

func (m *Manager) readHistory(name string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(m.dir, name, "history.json"))
	if err != nil {
		return nil, err
	}
	var h []string
	return h, json.Unmarshal(b, &h)
}

func (m *Manager) writeHistory(name string, h []string) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(m.dir, name, "history.json"), b, 0o600)
}

// activate loads pkg, or swaps it in for the running version of its
// name, and makes it the plugin of its kind.
func (m *Manager) activate(ctx context.Context, pkg *host.Package) error {
	name, kind := pkg.Manifest.Name, pkg.Manifest.Kind
	p := m.loaded[name]
	if p == nil {
		var err error
		if p, err = m.host.Load(ctx, pkg); err != nil {
			return err
		}
		m.loaded[name] = p
	} else if err := p.Swap(ctx, pkg); err != nil {
		return err
	}
	m.serve(pkg)
	if prev := m.activeOf[kind]; prev != "" && prev != name {
		// the plugin this one replaces as its kind's is unloaded: only
		// active plugins hold instances
		if old := m.loaded[prev]; old != nil {
			old.Close(ctx)
			delete(m.loaded, prev)
		}
	}
	m.activeOf[kind] = name
	return m.writeActive()
}

// serve makes the loaded plugin of pkg the one answering its kind, with a
// clean record of failures and latency.
func (m *Manager) serve(pkg *host.Package) {
	name, kind := pkg.Manifest.Name, pkg.Manifest.Kind
	budget := m.budgets[kind]
	b := newBreaker(budget, func(reason string, cause error) {
		m.suspensions.WithLabelValues(name, reason).Inc()
		switch reason {
		case "slow":
			m.log.Warn("plugin suspended: its calls are over its kind's latency budget; the built-in rules answer meanwhile",
				"plugin", name, "kind", kind, "budget", fmt.Sprintf("p%d %s", budget.Percentile, budget.Max), "rest", breakerRest, "why", cause)
		case "quota":
			m.log.Warn("plugin suspended: it broke a quota; the built-in rules answer meanwhile",
				"plugin", name, "kind", kind, "rest", breakerRest, "why", cause)
		default:
			m.log.Warn("plugin suspended: it failed calls in a row; the built-in rules answer meanwhile",
				"plugin", name, "kind", kind, "failures", breakerFailures, "rest", breakerRest, "why", cause)
		}
	})
	m.kinds.Store(kind, &active{p: m.loaded[name], name: name, by: name + "@" + pkg.Manifest.Version, b: b})
}

// Install verifies a package (manifest.json, manifest.sig, plugin.wasm),
// compiles it, and makes it the running version of its plugin: calls in
// flight finish on the old version. The package is kept on disk, so a
// restart loads it and a rollback can return to the version before.
func (m *Manager) Install(ctx context.Context, manifest, sig, wasm []byte) (Info, error) {
	pkg, err := host.VerifyPackage(manifest, sig, wasm, m.trusted)
	if err != nil {
		return Info{}, err
	}
	mf := pkg.Manifest
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.installed[mf.Name]; ok && old.Kind != mf.Kind {
		return Info{}, fmt.Errorf("%w: %s is a %s plugin; this package is %s", host.ErrManifest, mf.Name, old.Kind, mf.Kind)
	}
	dir := m.versionDir(mf.Name, mf.Version)
	if old, err := host.LoadPackage(dir, m.trusted); err == nil && old.Manifest.SHA256 != mf.SHA256 {
		return Info{}, fmt.Errorf("%w: %s %s is installed with other contents: give the new build a new version", host.ErrManifest, mf.Name, mf.Version)
	}
	// a refused package leaves nothing behind: what this install made
	// is removed
	_, nameErr := os.Stat(filepath.Join(m.dir, mf.Name))
	_, dirErr := os.Stat(dir)
	undo := func() {
		switch {
		case errors.Is(nameErr, os.ErrNotExist):
			os.RemoveAll(filepath.Join(m.dir, mf.Name))
		case errors.Is(dirErr, os.ErrNotExist):
			os.RemoveAll(dir)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Info{}, err
	}
	for name, b := range map[string][]byte{"manifest.json": manifest, "manifest.sig": sig, "plugin.wasm": wasm} {
		if err := atomicfile.Write(filepath.Join(dir, name), b, 0o600); err != nil {
			undo()
			return Info{}, err
		}
	}
	if err := m.activate(ctx, pkg); err != nil {
		undo()
		return Info{}, err
	}
	hist := slices.DeleteFunc(slices.Clone(m.history[mf.Name]), func(v string) bool { return v == mf.Version })
	hist = append(hist, mf.Version)
	if err := m.writeHistory(mf.Name, hist); err != nil {
		return Info{}, err
	}
	m.history[mf.Name] = hist
	m.installed[mf.Name] = mf
	m.log.Info("plugin installed", "plugin", mf.Name, "version", mf.Version, "kind", mf.Kind)
	return m.info(mf.Name), nil
}

// Rollback makes the version installed before the running one current
// again, and forgets the running one (its files stay on disk).
func (m *Manager) Rollback(ctx context.Context, name string) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hist := m.history[name]
	if len(hist) == 0 {
		return Info{}, fmt.Errorf("no plugin %q is installed", name)
	}
	if len(hist) == 1 {
		return Info{}, fmt.Errorf("%s has no earlier version to go back to", name)
	}
	prev := hist[len(hist)-2]
	pkg, err := host.LoadPackage(m.versionDir(name, prev), m.trusted)
	if err != nil {
		return Info{}, fmt.Errorf("version %s no longer verifies: %w", prev, err)
	}
	if m.activeOf[pkg.Manifest.Kind] == name {
		if err := m.activate(ctx, pkg); err != nil {
			return Info{}, err
		}
	}
	hist = slices.Clone(hist[:len(hist)-1])
	if err := m.writeHistory(name, hist); err != nil {
		return Info{}, err
	}
	m.history[name] = hist
	m.installed[name] = pkg.Manifest
	m.log.Info("plugin rolled back", "plugin", name, "version", prev)
	return m.info(name), nil
}

// Activate makes the installed plugin name the one answering its kind
// (loading it), in place of the one that did; the choice outlives
// restarts.
func (m *Manager) Activate(ctx context.Context, name string) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hist := m.history[name]
	if len(hist) == 0 {
		return Info{}, fmt.Errorf("no plugin %q is installed", name)
	}
	pkg, err := host.LoadPackage(m.versionDir(name, hist[len(hist)-1]), m.trusted)
	if err != nil {
		return Info{}, fmt.Errorf("%s %s no longer verifies: %w", name, hist[len(hist)-1], err)
	}
	if err := m.activate(ctx, pkg); err != nil {
		return Info{}, err
	}
	m.log.Info("plugin activated", "plugin", name, "version", pkg.Manifest.Version, "kind", pkg.Manifest.Kind)
	return m.info(name), nil
}

// Uninstall removes the plugin name and every version of it. When it was
// its kind's active plugin, the built-in rules answer that kind until
// another is installed or activated. What it stored (capability kv) is
// deleted, for every tenant, unless keepData.
func (m *Manager) Uninstall(ctx context.Context, name string, keepData bool) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.installed[name]; !ok {
		return Info{}, fmt.Errorf("no plugin %q is installed", name)
	}
	info := m.info(name)
	if m.activeOf[info.Kind] == name {
		m.kinds.Delete(info.Kind)
		delete(m.activeOf, info.Kind)
		if err := m.writeActive(); err != nil {
			return Info{}, err
		}
	}
	if p := m.loaded[name]; p != nil {
		p.Close(ctx)
		delete(m.loaded, name)
	}
	delete(m.installed, name)
	delete(m.history, name)
	if err := os.RemoveAll(filepath.Join(m.dir, name)); err != nil {
		return Info{}, fmt.Errorf("remove %s's packages: %w", name, err)
	}
	if !keepData {
		if err := m.host.KV().Drop(name); err != nil {
			return Info{}, fmt.Errorf("uninstalled, but what it stored is not deleted (uninstall again after installing it, or delete it by hand): %w", err)
		}
	}
	m.log.Info("plugin uninstalled", "plugin", name, "kind", info.Kind, "was_active", info.Active, "data_kept", keepData)
	return info, nil
}

// Installed reports whether a plugin of that name is installed.
func (m *Manager) Installed(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.installed[name]
	return ok
}

// List returns the installed plugins by name.
func (m *Manager) List() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Info, 0, len(m.installed))
	for name := range m.installed {
		out = append(out, m.info(name))
	}
	slices.SortFunc(out, func(a, b Info) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

func (m *Manager) info(name string) Info {
	mf := m.installed[name]
	hist := m.history[name]
	var prev []string
	for i := len(hist) - 2; i >= 0; i-- {
		prev = append(prev, hist[i])
	}
	return Info{Name: name, Kind: mf.Kind, Version: mf.Version, Previous: prev, Caps: mf.Capabilities, SHA256: mf.SHA256,
		Active: m.activeOf[mf.Kind] == name}
}

// Active reports whether a plugin of kind is active (it may be
// suspended): callers skip preparing a call no plugin would take.
func (m *Manager) Active(kind string) bool {
	_, ok := m.kinds.Load(kind)
	return ok
}

// call runs op on the plugin of kind, unless it is suspended, and reads
// its answer with read, whose error makes the call a failure
// (ErrInvalidAnswer): the breaker records it with the call's time.
func (m *Manager) call(ctx context.Context, kind, tenant string, op uint32, in []byte, read func(out []byte) error) (by string, err error) {
	v, ok := m.kinds.Load(kind)
	if !ok {
		return "", ErrNone
	}
	a := v.(*active)
	by = a.by
	trial, why := a.b.allow(time.Now())
	if why != nil {
		return by, fmt.Errorf("%w: %w", ErrSuspended, why)
	}
	start := time.Now()
	out, err := a.p.Call(ctx, tenant, op, in)
	took := time.Since(start)
	if err == nil {
		if rerr := read(out); rerr != nil {
			m.invalid.WithLabelValues(a.name).Inc()
			err = fmt.Errorf("%w: %w", ErrInvalidAnswer, rerr)
		}
	}
	a.b.done(err, took, time.Now(), trial)
	return by, err
}

// Route asks the routing plugin; by names the plugin and version that
// answered. The decision is checked (abi.RouteDecision.Check): its agent
// must be one the request offered, online and under their chat limit, and
// its reason one line of text; otherwise the error wraps
// ErrInvalidAnswer and says what was wrong.
func (m *Manager) Route(ctx context.Context, req *abi.RouteRequest) (d abi.RouteDecision, by string, err error) {
	by, err = m.call(ctx, abi.KindRouting, req.Tenant, abi.OpRoute, req.Append(nil), func(out []byte) error {
		var err error
		if d, err = abi.DecodeRouteDecision(out); err != nil {
			return fmt.Errorf("its decision: %w", err)
		}
		return offered(d.Agent, req.Agents)
	})
	if err != nil {
		return abi.RouteDecision{}, by, err
	}
	return d, by, nil
}

// offered checks a decision's agent against the request: nobody, or an
// online agent the request offered who is under their chat limit.
func offered(agent string, agents []abi.AgentStatus) error {
	if agent == "" {
		return nil
	}
	for i := range agents {
		a := &agents[i]
		if a.ID != agent {
			continue
		}
		switch {
		case !a.Online:
			return fmt.Errorf("it chose %s, who is offline", agent)
		case a.MaxChats > 0 && a.Load >= a.MaxChats:
			return fmt.Errorf("it chose %s, who is at their limit of %d chats", agent, a.MaxChats)
		}
		return nil
	}
	return fmt.Errorf("it chose %s, who is not an agent the request offered", agent)
}

// Analyze asks the NLP plugin to read a message. The analysis is checked
// (abi.Analysis.Check, and its PII spans against the message); otherwise
// the error wraps ErrInvalidAnswer and says what was wrong.
func (m *Manager) Analyze(ctx context.Context, req *abi.AnalyzeRequest) (*abi.Analysis, string, error) {
	var a *abi.Analysis
	by, err := m.call(ctx, abi.KindNLP, req.Tenant, abi.OpAnalyze, req.Encode(), func(out []byte) error {
		var err error
		if a, err = abi.DecodeAnalysis(out); err != nil {
			return fmt.Errorf("its analysis: %w", err)
		}
		if err := a.CheckSpans(req.Text); err != nil {
			return fmt.Errorf("its analysis: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, by, err
	}
	return a, by, nil
}

// Automate asks the automation plugin what a rule's `plugin` action
// does; by names the plugin and version that answered. The answer is
// checked against the ABI's contract (abi.Automation.Check); whether its
// actions can be made is the caller's to check. An answer that breaks
// the contract gives an error wrapping ErrInvalidAnswer that says what
// was wrong.
func (m *Manager) Automate(ctx context.Context, req *abi.AutomateRequest) (*abi.Automation, string, error) {
	var a *abi.Automation
	by, err := m.call(ctx, abi.KindAutomation, req.Tenant, abi.OpAutomate, req.Encode(), func(out []byte) error {
		var err error
		if a, err = abi.DecodeAutomation(out); err != nil {
			return fmt.Errorf("its actions: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, by, err
	}
	return a, by, nil
}

// PackageFiles are a package's files, in the order the admin API's
// install takes them as multipart form files.
var PackageFiles = []string{"manifest.json", "manifest.sig", "plugin.wasm"}

// Form encodes the package in dir as the multipart body of POST
// /api/v1/plugins and returns it with its content type.
func Form(dir string) (*bytes.Buffer, string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range PackageFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, "", err
		}
		w, err := mw.CreateFormFile(f, f)
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(b); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &body, mw.FormDataContentType(), nil
}
