// Package api serves the edge's public REST API v1 (docs/api.md): JSON
// over HTTPS, each request scoped to one tenant by its key. What it serves
// today: the tenant's API keys themselves. Its errors are
// application/problem+json.
package api

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/apikey"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/admintoken"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Store is what the API reads.
type Store interface {
	Tenant(t string) (*state.TenantRec, error)
	APIKey(id string) (*state.APIKeyRec, error)
	APIKeys(t string) ([]state.APIKeyRec, error)
}

// Journal appends events to the region's log; an append returns once the
// node's store has applied it.
type Journal interface {
	Append(ctx context.Context, e *event.Event) (uint64, error)
}

// API is the REST API of one edge.
type API struct {
	store   Store
	journal Journal
	log     *slog.Logger
	admin   string // the operator's admin token: a tenant admin with ?tenant=
}

// New returns the API; admin is the edge's operator token.
func New(store Store, journal Journal, admin string, log *slog.Logger) *API {
	return &API{store: store, journal: journal, admin: admin, log: log}
}

// maxBody bounds a request body.
const maxBody = 64 << 10

// Route is one route of the API: its method, its path as http.ServeMux
// writes it (as OpenAPI does: {id}), and the scope a key needs.
type Route struct {
	Method, Path, Scope string
	handle              func(*API) func(http.ResponseWriter, *http.Request, principal)
}

// routes are every route of the API but the document: Register serves
// them, and the tests walk them against docs/api.md and openapi.json.
var routes = []Route{
	{"GET", "/api/v1/api-keys", event.ScopeAdmin, func(a *API) func(http.ResponseWriter, *http.Request, principal) { return a.listKeys }},
	{"POST", "/api/v1/api-keys", event.ScopeAdmin, func(a *API) func(http.ResponseWriter, *http.Request, principal) { return a.createKey }},
	{"DELETE", "/api/v1/api-keys/{id}", event.ScopeAdmin, func(a *API) func(http.ResponseWriter, *http.Request, principal) { return a.revokeKey }},
}

// Routes lists the API's routes.
func Routes() []Route { return slices.Clone(routes) }

// DocumentPath serves the OpenAPI document, without a key.
const DocumentPath = "/api/v1/openapi.json"

//go:embed openapi.json
var document []byte

// Document is the API's OpenAPI 3.1 document.
func Document() []byte { return document }

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, r := range routes {
		mux.Handle(r.Method+" "+r.Path, a.scoped(r.Scope, r.handle(a)))
	}
	mux.HandleFunc("GET "+DocumentPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(document)
	})
}

// principal is who makes a request: a tenant's key, or the operator
// acting for a tenant.
type principal struct {
	tenant string
	key    string // the key's id; "" for the operator
	scopes []string
}

func (p principal) actor() event.Actor {
	if p.key == "" {
		return event.Actor{Kind: event.ActorSystem, ID: "admin"}
	}
	return event.Actor{Kind: event.ActorSystem, ID: "api-key:" + p.key}
}

// authenticate finds who makes r, or answers the problem and returns false.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (principal, bool) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || bearer == "" {
		problem(w, http.StatusUnauthorized, "unauthorized", "send an API key as Authorization: Bearer edk_…")
		return principal{}, false
	}
	if !strings.HasPrefix(bearer, apikey.Prefix) {
		if a.admin == "" || !admintoken.Matches(a.admin, r) {
			problem(w, http.StatusUnauthorized, "unauthorized", "this is not an API key of this region (edk_…)")
			return principal{}, false
		}
		t := r.URL.Query().Get("tenant")
		if !event.ValidID(t) {
			problem(w, http.StatusBadRequest, "invalid-request", "with the operator's admin token, name the tenant: ?tenant=ID")
			return principal{}, false
		}
		if _, err := a.store.Tenant(t); err != nil {
			if errors.Is(err, state.ErrNotFound) {
				problem(w, http.StatusNotFound, "not-found", fmt.Sprintf("no tenant %q on this edge", t))
			} else {
				problem(w, http.StatusServiceUnavailable, "unavailable", "the state store does not answer: retry")
			}
			return principal{}, false
		}
		return principal{tenant: t, scopes: []string{event.ScopeAdmin}}, true
	}
	id, secret, err := apikey.Parse(bearer)
	if err != nil {
		problem(w, http.StatusUnauthorized, "unauthorized", "the API key is malformed: "+err.Error())
		return principal{}, false
	}
	k, err := a.store.APIKey(id)
	switch {
	case errors.Is(err, state.ErrNotFound):
		problem(w, http.StatusUnauthorized, "unauthorized", "no such API key in this region")
		return principal{}, false
	case err != nil:
		problem(w, http.StatusServiceUnavailable, "unavailable", "the state store does not answer: retry")
		return principal{}, false
	case !apikey.Matches(k.Hash, secret):
		problem(w, http.StatusUnauthorized, "unauthorized", "no such API key in this region")
		return principal{}, false
	case k.RevokedAt != 0:
		problem(w, http.StatusUnauthorized, "unauthorized", "this API key was revoked")
		return principal{}, false
	}
	return principal{tenant: k.Tenant, key: k.ID, scopes: k.Scopes}, true
}

// scoped serves h to requests whose key has scope need.
func (a *API) scoped(need string, h func(http.ResponseWriter, *http.Request, principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := a.authenticate(w, r)
		if !ok {
			return
		}
		if !apikey.Allows(p.scopes, need) {
			problem(w, http.StatusForbidden, "forbidden", fmt.Sprintf("this needs a key with scope %s; this one has %s", need, strings.Join(p.scopes, ", ")))
			return
		}
		h(w, r, p)
	})
}

// KeyView is an API key as the API shows it; Token only in the answer
// that created it.
type KeyView struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
	RevokedAt string   `json:"revoked_at,omitempty"`
	Token     string   `json:"token,omitempty"`
}

func keyView(k *state.APIKeyRec) KeyView {
	v := KeyView{ID: k.ID, Name: k.Name, Scopes: k.Scopes, CreatedAt: rfc3339(k.CreatedAt)}
	if k.RevokedAt != 0 {
		v.RevokedAt = rfc3339(k.RevokedAt)
	}
	return v
}

func rfc3339(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }

func (a *API) listKeys(w http.ResponseWriter, r *http.Request, p principal) {
	keys, err := a.store.APIKeys(p.tenant)
	if err != nil {
		problem(w, http.StatusServiceUnavailable, "unavailable", "the state store does not answer: retry")
		return
	}
	out := make([]KeyView, 0, len(keys))
	for i := range keys {
		out = append(out, keyView(&keys[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// createRequest is POST /api/v1/api-keys's body.
type createRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request, p principal) {
	var req createRequest
	if !decode(w, r, &req) {
		return
	}
	switch {
	case !event.ValidAPIKeyName(req.Name):
		problem(w, http.StatusUnprocessableEntity, "invalid-request", fmt.Sprintf("name: 1 to %d bytes of text, no control characters", event.MaxAPIKeyName))
		return
	case !event.ValidScopes(req.Scopes):
		problem(w, http.StatusUnprocessableEntity, "invalid-request", "scopes: a list of read, write, admin, each once (admin grants write, write grants read)")
		return
	}
	token, id, hash := apikey.New()
	e := &event.Event{Kind: event.KindAPIKeyCreated, Tenant: p.tenant, Actor: p.actor(),
		APIKey: &event.APIKey{ID: id, Name: req.Name, Scopes: req.Scopes, Hash: hash}}
	ik := r.Header.Get("Idempotency-Key")
	if ik != "" {
		if len(ik) > 255 {
			problem(w, http.StatusBadRequest, "invalid-request", "Idempotency-Key: at most 255 characters")
			return
		}
		e.ID = auth.DerivedID("e", "api-key", p.tenant, p.key, ik)
	}
	if !a.append(w, r, e) {
		return
	}
	k, err := a.store.APIKey(id)
	if errors.Is(err, state.ErrNotFound) && ik != "" {
		// the idempotency key made this event before, with another key:
		// that key is the result; its token was shown once, then
		problem(w, http.StatusConflict, "idempotency-mismatch",
			"this Idempotency-Key created a key already; its token was shown in that answer only: list the keys, and revoke it if the token is lost")
		return
	}
	if err != nil {
		problem(w, http.StatusServiceUnavailable, "unavailable", "the key is stored but cannot be read back: list the keys")
		return
	}
	v := keyView(k)
	v.Token = token
	a.log.Info("API key created", "tenant", p.tenant, "key", id, "scopes", req.Scopes, "by", p.actor().ID)
	w.Header().Set("Location", "/api/v1/api-keys/"+id)
	writeJSON(w, http.StatusCreated, v)
}

func (a *API) revokeKey(w http.ResponseWriter, r *http.Request, p principal) {
	id := r.PathValue("id")
	k, err := a.store.APIKey(id)
	if errors.Is(err, state.ErrNotFound) || err == nil && k.Tenant != p.tenant {
		problem(w, http.StatusNotFound, "not-found", fmt.Sprintf("no API key %q for this tenant", id))
		return
	}
	if err != nil {
		problem(w, http.StatusServiceUnavailable, "unavailable", "the state store does not answer: retry")
		return
	}
	e := &event.Event{ID: auth.DerivedID("e", "api-key-revoked", p.tenant, id), Kind: event.KindAPIKeyRevoked,
		Tenant: p.tenant, Actor: p.actor(), APIKey: &event.APIKey{ID: id}}
	if !a.append(w, r, e) {
		return
	}
	a.log.Info("API key revoked", "tenant", p.tenant, "key", id, "by", p.actor().ID)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) append(w http.ResponseWriter, r *http.Request, e *event.Event) bool {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if _, err := a.journal.Append(ctx, e); err != nil {
		a.log.Warn("the API could not append", "kind", e.Kind, "tenant", e.Tenant, "err", err)
		problem(w, http.StatusServiceUnavailable, "unavailable", "the event log did not take it: retry (with the same Idempotency-Key)")
		return false
	}
	return true
}

// decode reads a JSON body into v: at most maxBody bytes, no unknown
// fields, nothing after it; otherwise it answers the problem.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media", "send the body as application/json")
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		problem(w, http.StatusBadRequest, "invalid-request", "the body could not be read: "+err.Error())
		return false
	}
	if len(body) > maxBody {
		problem(w, http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the body is over %d bytes", maxBody))
		return false
	}
	if err := decodeJSON(body, v); err != nil {
		problem(w, http.StatusBadRequest, "invalid-request", err.Error())
		return false
	}
	return true
}

// decodeJSON reads one JSON value from body into v, strictly.
func decodeJSON(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("the body is not the JSON this route takes: %v", err)
	}
	if d.More() {
		return errors.New("the body has more after its JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
