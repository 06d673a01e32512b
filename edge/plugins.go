package edge

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// openPlugins starts the plugin manager with the installed plugins.
func (n *Node) openPlugins(ctx context.Context) error {
	var trusted []ed25519.PublicKey
	for _, f := range n.cfg.Plugins.TrustedKeys {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("plugins.trusted_keys: %w", err)
		}
		k, err := host.ParsePublicKey(b)
		if err != nil {
			return fmt.Errorf("plugins.trusted_keys %s: %w", f, err)
		}
		trusted = append(trusted, k)
	}
	cache := n.cfg.Plugins.CacheDir
	if cache == "" {
		cache = n.dataPath("plugin-cache")
	}
	m, err := plugins.Open(ctx, plugins.Options{
		Dir: n.dataPath("plugins"), CacheDir: cache, KVDir: n.dataPath("plugin-kv"), Trusted: trusted,
		Limits: host.Limits{Timeout: n.cfg.Plugins.Timeout, MemoryMiB: n.cfg.Plugins.MemoryMiB,
			Instances: n.cfg.Plugins.Instances, Cores: n.cfg.Plugins.Cores, Start: n.cfg.Plugins.StartTimeout},
		Config: n.pluginConfig,
		Log:    n.log.With("component", "plugins"), Metrics: n.metrics.Registry,
	})
	if err != nil {
		return fmt.Errorf("start plugins: %w", err)
	}
	n.plugins = m
	return nil
}

// route is the gateway's RouteFunc: the routing plugin, when one is
// installed.
func (n *Node) route(ctx context.Context, req *abi.RouteRequest) (abi.RouteDecision, string, error) {
	d, by, err := n.plugins.Route(ctx, req)
	switch {
	case errors.Is(err, plugins.ErrNone):
		return d, by, gateway.ErrNoRoutingPlugin
	case errors.Is(err, plugins.ErrSuspended):
		return d, by, fmt.Errorf("%w: %w", gateway.ErrPluginSuspended, err)
	}
	return d, by, err
}

// analysisJob is a customer's message for the NLP plugin.
type analysisJob struct {
	tenant, conv, text string
	seq                uint64
}

// analysisQueue bounds the messages waiting for the NLP plugin; beyond it
// messages go unread (edgedesk_nlp_analyses_total{result="dropped"}), so
// that a slow plugin never holds the chat back.
const analysisQueue = 4096

// observe takes the projector's changes after the gateway delivered them:
// every new customer message this node accepted goes to the NLP plugin.
func (n *Node) observe(changes []state.Change) {
	if !n.ready.Load() {
		return // catching up: these messages were read before
	}
	if n.plugins == nil || !n.plugins.Active(abi.KindNLP) {
		return // no NLP plugin: nothing would read them
	}
	for _, ch := range changes {
		e := ch.Event
		if e.Kind != event.KindMessageCreated || ch.Duplicate || ch.Item == nil || e.Origin != n.cfg.Node.ID ||
			e.Actor.Kind != event.ActorCustomer || e.Message.Text == "" {
			continue
		}
		select {
		case n.analyses <- analysisJob{tenant: e.Tenant, conv: e.Message.Conv, text: e.Message.Text, seq: e.Seq}:
		default:
			n.metrics.Analyses.WithLabelValues("dropped").Inc()
		}
	}
}

// analyze runs the NLP plugin over queued messages and records each
// reading as a message.analyzed event.
func (n *Node) analyze(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-n.analyses:
			n.analyzeOne(ctx, j)
		}
	}
}

func (n *Node) analyzeOne(ctx context.Context, j analysisJob) {
	hint := ""
	if c, err := n.store.Conversation(j.tenant, j.conv); err == nil {
		hint = c.Language
	}
	a, by, err := n.plugins.Analyze(ctx, &abi.AnalyzeRequest{Tenant: j.tenant, Text: j.text, Language: hint})
	switch {
	case errors.Is(err, plugins.ErrNone):
		return
	case errors.Is(err, plugins.ErrSuspended):
		n.metrics.Analyses.WithLabelValues("suspended").Inc() // the suspension was logged
		return
	case err != nil:
		n.metrics.Analyses.WithLabelValues("failed").Inc()
		n.log.Warn("nlp plugin failed; the message stays unread", "plugin", by, "conv", j.conv, "err", err)
		return
	}
	e := &event.Event{ID: auth.DerivedID("e", "nlp", j.tenant, strconv.FormatUint(j.seq, 10)), Kind: event.KindMessageAnalyzed,
		Tenant: j.tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "nlp"}, Analysis: eventAnalysis(a, j, by)}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := n.journal.Append(actx, e); err != nil {
		n.metrics.Analyses.WithLabelValues("failed").Inc()
		n.log.Warn("cannot record a message's analysis", "conv", j.conv, "err", err)
		return
	}
	n.metrics.Analyses.WithLabelValues("ok").Inc()
}

// eventAnalysis takes from a plugin's answer what the event can hold: a
// plugin is not trusted to stay within bounds.
func eventAnalysis(a *abi.Analysis, j analysisJob, by string) *event.Analysis {
	clamp := func(v, lo, hi int) int { return min(max(v, lo), hi) }
	cut := func(s string, n int) string {
		if len(s) > n || !utf8.ValidString(s) {
			return ""
		}
		return s
	}
	out := &event.Analysis{Conv: j.conv, Message: j.seq, Plugin: cut(by, 128),
		Language: cut(a.Language, 16), LanguageConfidence: clamp(a.LanguageConfidence, 0, 100),
		Intent: cut(a.Intent, 64), IntentConfidence: clamp(a.IntentConfidence, 0, 100),
		Sentiment: cut(a.Sentiment, 16), SentimentScore: clamp(a.SentimentScore, -100, 100)}
	for _, p := range a.PII {
		if len(out.PII) == event.MaxPIISpans {
			break
		}
		if event.ValidID(p.Kind) && p.Start >= 0 && p.End > p.Start && p.End <= len(j.text) {
			out.PII = append(out.PII, event.PIISpan{Kind: p.Kind, Start: p.Start, End: p.End})
		}
	}
	return out
}

// maxPackageBytes bounds an uploaded plugin package.
const maxPackageBytes = 64 << 20

// pluginsAPI serves the admin API of plugins (docs/plugins.md):
//
//	GET  /api/v1/plugins                  the installed plugins
//	POST /api/v1/plugins                  install (multipart: manifest.json, manifest.sig, plugin.wasm)
//	POST /api/v1/plugins/{name}/rollback  back to the version before
//	POST /api/v1/plugins/{name}/activate  make it the one answering its kind
//	DELETE /api/v1/plugins/{name}         uninstall (?keep_data=true keeps what it stored)
//
// and their configurations by tenant (pluginconfig.go).
func (n *Node) pluginsAPI(mux *http.ServeMux, guard func(http.Handler) http.Handler) {
	n.pluginConfigAPI(mux, guard)
	mux.Handle("GET /api/v1/plugins", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.plugins.List())
	})))
	mux.Handle("POST /api/v1/plugins", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxPackageBytes)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			http.Error(w, "send the package as multipart/form-data with manifest.json, manifest.sig and plugin.wasm (at most 64 MiB): "+err.Error(), http.StatusBadRequest)
			return
		}
		defer r.MultipartForm.RemoveAll()
		var files [3][]byte
		for i, name := range plugins.PackageFiles {
			f, _, err := r.FormFile(name)
			if err != nil {
				http.Error(w, "the package has no "+name, http.StatusBadRequest)
				return
			}
			files[i], err = io.ReadAll(f)
			f.Close()
			if err != nil {
				http.Error(w, "read "+name+": "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		info, err := n.plugins.Install(r.Context(), files[0], files[1], files[2])
		if err != nil {
			http.Error(w, "not installed: "+err.Error(), http.StatusUnprocessableEntity)
			return
		}
		writeJSON(w, http.StatusCreated, info)
	})))
	mux.Handle("POST /api/v1/plugins/{name}/rollback", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := n.plugins.Rollback(r.Context(), r.PathValue("name"))
		if err != nil {
			http.Error(w, "not rolled back: "+err.Error(), http.StatusConflict)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})))
	mux.Handle("POST /api/v1/plugins/{name}/activate", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := n.plugins.Activate(r.Context(), r.PathValue("name"))
		if err != nil {
			http.Error(w, "not activated: "+err.Error(), http.StatusConflict)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})))
	mux.Handle("DELETE /api/v1/plugins/{name}", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keep := r.URL.Query().Get("keep_data")
		if keep != "" && keep != "true" && keep != "false" {
			http.Error(w, "not uninstalled: keep_data is true or false", http.StatusBadRequest)
			return
		}
		info, err := n.plugins.Uninstall(r.Context(), r.PathValue("name"), keep == "true")
		if err != nil {
			http.Error(w, "not uninstalled: "+err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
