package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// pluginConfig is the host's Options.Config: plugin's configuration for
// tenant, as the log set it (plugin.configured), nil when none is set. It
// runs on every config_get of a plugin; the store keeps what it read in
// memory until a change is applied. A store that cannot be read gives
// none (the readiness check reports the store).
func (n *Node) pluginConfig(plugin, tenant string) []byte {
	r, err := n.store.PluginConfig(tenant, plugin)
	if err != nil {
		return nil
	}
	return r.Config
}

// pluginConfigAPI serves plugins' configurations by tenant
// (docs/plugins.md). The admin API is the operator's, so the tenant is a
// parameter, and must be one this edge has:
//
//	GET /api/v1/plugins/{name}/config?tenant=T  the configuration (null: none)
//	PUT /api/v1/plugins/{name}/config?tenant=T  set it (a JSON object), or clear it (null or no body)
func (n *Node) pluginConfigAPI(mux *http.ServeMux, guard func(http.Handler) http.Handler) {
	mux.Handle("GET /api/v1/plugins/{name}/config", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if !event.ValidPluginName(name) {
			http.Error(w, fmt.Sprintf("no configuration: %q is not a plugin's name (1-63 lower-case letters, digits or '-')", name), http.StatusNotFound)
			return
		}
		tenant, code, why := n.adminTenant(r)
		if code != 0 {
			http.Error(w, "no configuration: "+why, code)
			return
		}
		info := plugins.ConfigInfo{Plugin: name, Tenant: tenant, Config: json.RawMessage("null")}
		switch rec, err := n.store.PluginConfig(tenant, name); {
		case err == nil:
			info.Config, info.UpdatedAt, info.Seq = rec.Config, rec.UpdatedAt, rec.Seq
		case !errors.Is(err, state.ErrNotFound):
			http.Error(w, "no configuration: the state store does not answer: retry", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusOK, info)
	})))
	mux.Handle("PUT /api/v1/plugins/{name}/config", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		tenant, code, why := n.adminTenant(r)
		if code != 0 {
			http.Error(w, "not configured: "+why, code)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, event.MaxPluginConfig+1))
		if err != nil {
			http.Error(w, "not configured: read the body: "+err.Error(), http.StatusBadRequest)
			return
		}
		cfg, err := event.ParsePluginConfig(body)
		switch {
		case errors.Is(err, event.ErrPluginConfigTooLarge):
			http.Error(w, "not configured: "+event.ErrPluginConfigTooLarge.Error(), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "not configured: "+err.Error()+` (send null to clear it)`, http.StatusBadRequest)
			return
		}
		// a configuration is for a plugin installed here; clearing one
		// (set by the hub for a plugin not installed, say) is always taken
		if !event.ValidPluginName(name) || cfg != nil && !n.plugins.Installed(name) {
			http.Error(w, fmt.Sprintf("not configured: no plugin %q is installed", name), http.StatusNotFound)
			return
		}
		e := &event.Event{Kind: event.KindPluginConfigured, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "admin"},
			PluginConfig: &event.PluginConfig{Plugin: name, Config: cfg}}
		actx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		seq, err := n.journal.Append(actx, e)
		cancel()
		if err != nil {
			n.log.Warn("cannot record a plugin's configuration", "plugin", name, "tenant", tenant, "err", err)
			http.Error(w, "not configured: the event log did not take it: "+err.Error()+": retry", http.StatusServiceUnavailable)
			return
		}
		n.log.Info("plugin configured", "plugin", name, "tenant", tenant, "bytes", len(cfg), "seq", seq)
		info := plugins.ConfigInfo{Plugin: name, Tenant: tenant, Config: json.RawMessage("null"), UpdatedAt: e.TS, Seq: seq}
		if cfg != nil {
			info.Config = cfg
		}
		writeJSON(w, http.StatusOK, info)
	})))
}

// adminTenant is the tenant an admin API request names (?tenant=): one
// this edge has. Otherwise code is the status to answer with and why says
// what was wrong.
func (n *Node) adminTenant(r *http.Request) (tenant string, code int, why string) {
	tenant = r.URL.Query().Get("tenant")
	if !event.ValidID(tenant) {
		return "", http.StatusBadRequest, "give the tenant: ?tenant=ID"
	}
	switch _, err := n.store.Tenant(tenant); {
	case errors.Is(err, state.ErrNotFound):
		return "", http.StatusNotFound, fmt.Sprintf("no tenant %q on this edge", tenant)
	case err != nil:
		return "", http.StatusServiceUnavailable, "the state store does not answer: retry"
	}
	return tenant, 0, ""
}
