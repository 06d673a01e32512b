// Package api serves the edge's public REST API v1 (docs/api.md): JSON
// over HTTP, each request scoped to one tenant by its key. It is the
// conversation core's second client, after the WebSocket gateway:
// conversations, messages and notes, contacts, inboxes, agents with their
// presence, canned responses, and the tenant's API keys themselves. Its
// errors are application/problem+json.
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
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/admintoken"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Store is what the API reads itself (the rest it reads through the
// conversation core).
type Store interface {
	Tenant(t string) (*state.TenantRec, error)
	Agent(t, id string) (*state.AgentRec, error)
	APIKey(id string) (*state.APIKeyRec, error)
	APIKeys(t string) ([]state.APIKeyRec, error)
}

// Journal appends events to the region's log; an append returns once the
// node's store has applied it.
type Journal interface {
	Append(ctx context.Context, e *event.Event) (uint64, error)
}

// Options build an API.
type Options struct {
	Store   Store
	Journal Journal
	// Conversations is the conversation core (the gateway's, so that both
	// share one router).
	Conversations *conversation.Service
	// Keys verify the console's session tokens: an agent's token acts for
	// the agent, with scope admin for admins and write for the others.
	Keys *auth.Keys
	// Presence is the tenant's agents' presence in the region (agent id →
	// online, away); nil: everyone offline.
	Presence func(tenant string) map[string]string
	// AdminToken is the edge's operator token: a tenant admin with
	// ?tenant=.
	AdminToken string
	Logger     *slog.Logger
}

// API is the REST API of one edge.
type API struct {
	store    Store
	journal  Journal
	conv     *conversation.Service
	keys     *auth.Keys
	presence func(string) map[string]string
	log      *slog.Logger
	admin    string
	idem     *idempotency
}

// New returns the API.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Presence == nil {
		o.Presence = func(string) map[string]string { return nil }
	}
	return &API{store: o.Store, journal: o.Journal, conv: o.Conversations, keys: o.Keys, presence: o.Presence,
		log: o.Logger, admin: o.AdminToken, idem: newIdempotency(idempotencyTTL, idempotencyMax)}
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
	{"GET", "/api/v1/conversations", event.ScopeRead, h((*API).listConversations)},
	{"POST", "/api/v1/conversations", event.ScopeWrite, h((*API).createConversation)},
	{"GET", "/api/v1/conversations/{id}", event.ScopeRead, h((*API).getConversation)},
	{"POST", "/api/v1/conversations/{id}/status", event.ScopeWrite, h((*API).setStatus)},
	{"POST", "/api/v1/conversations/{id}/priority", event.ScopeWrite, h((*API).setPriority)},
	{"POST", "/api/v1/conversations/{id}/tags", event.ScopeWrite, h((*API).setTags)},
	{"POST", "/api/v1/conversations/{id}/assignee", event.ScopeWrite, h((*API).setAssignee)},
	{"GET", "/api/v1/conversations/{id}/messages", event.ScopeRead, h((*API).listMessages)},
	{"POST", "/api/v1/conversations/{id}/messages", event.ScopeWrite, h((*API).postMessage)},
	{"GET", "/api/v1/search", event.ScopeRead, h((*API).search)},
	{"GET", "/api/v1/sla", event.ScopeRead, h((*API).getSLA)},
	{"PUT", "/api/v1/sla", event.ScopeAdmin, h((*API).setSLA)},
	{"DELETE", "/api/v1/sla", event.ScopeAdmin, h((*API).deleteSLA)},
	{"GET", "/api/v1/statuses", event.ScopeRead, h((*API).listStatuses)},
	{"PUT", "/api/v1/statuses", event.ScopeAdmin, h((*API).setStatuses)},
	{"GET", "/api/v1/views", event.ScopeRead, h((*API).listViews)},
	{"PUT", "/api/v1/views", event.ScopeAdmin, h((*API).setViews)},
	{"GET", "/api/v1/views/{id}/conversations", event.ScopeRead, h((*API).viewConversations)},
	{"GET", "/api/v1/contacts", event.ScopeRead, h((*API).listContacts)},
	{"POST", "/api/v1/contacts", event.ScopeWrite, h((*API).createContact)},
	{"GET", "/api/v1/contacts/{id}", event.ScopeRead, h((*API).getContact)},
	{"PATCH", "/api/v1/contacts/{id}", event.ScopeWrite, h((*API).updateContact)},
	{"GET", "/api/v1/inboxes", event.ScopeRead, h((*API).listInboxes)},
	{"GET", "/api/v1/inboxes/{id}", event.ScopeRead, h((*API).getInbox)},
	{"GET", "/api/v1/agents", event.ScopeRead, h((*API).listAgents)},
	{"GET", "/api/v1/agents/{id}", event.ScopeRead, h((*API).getAgent)},
	{"GET", "/api/v1/canned-responses", event.ScopeRead, h((*API).listCanned)},
	{"POST", "/api/v1/canned-responses", event.ScopeAdmin, h((*API).createCanned)},
	{"DELETE", "/api/v1/canned-responses/{id}", event.ScopeAdmin, h((*API).deleteCanned)},
	{"POST", "/api/v1/conversations/{id}/team", event.ScopeWrite, h((*API).setTeam)},
	{"POST", "/api/v1/conversations/{id}/fields", event.ScopeWrite, h((*API).setFields)},
	{"POST", "/api/v1/conversations/{id}/links", event.ScopeWrite, h((*API).link)},
	{"POST", "/api/v1/conversations/{id}/merge", event.ScopeWrite, h((*API).merge)},
	{"POST", "/api/v1/conversations/{id}/split", event.ScopeWrite, h((*API).split)},
	{"GET", "/api/v1/fields", event.ScopeRead, h((*API).listFields)},
	{"PUT", "/api/v1/fields", event.ScopeAdmin, h((*API).setFieldDefs)},
	{"GET", "/api/v1/teams", event.ScopeRead, h((*API).listTeams)},
	{"POST", "/api/v1/teams", event.ScopeAdmin, h((*API).createTeam)},
	{"PUT", "/api/v1/teams/{id}", event.ScopeAdmin, h((*API).updateTeam)},
	{"DELETE", "/api/v1/teams/{id}", event.ScopeAdmin, h((*API).deleteTeam)},
	{"GET", "/api/v1/rules", event.ScopeRead, h((*API).listRules)},
	{"PUT", "/api/v1/rules", event.ScopeAdmin, h((*API).setRules)},
	{"GET", "/api/v1/macros", event.ScopeRead, h((*API).listMacros)},
	{"PUT", "/api/v1/macros", event.ScopeAdmin, h((*API).setMacros)},
	{"POST", "/api/v1/conversations/{id}/macros/{macro}", event.ScopeWrite, h((*API).applyMacro)},
	{"GET", "/api/v1/webhooks", event.ScopeAdmin, h((*API).listWebhooks)},
	{"POST", "/api/v1/webhooks", event.ScopeAdmin, h((*API).createWebhook)},
	{"GET", "/api/v1/webhooks/{id}", event.ScopeAdmin, h((*API).getWebhook)},
	{"PATCH", "/api/v1/webhooks/{id}", event.ScopeAdmin, h((*API).updateWebhook)},
	{"DELETE", "/api/v1/webhooks/{id}", event.ScopeAdmin, h((*API).deleteWebhook)},
	{"POST", "/api/v1/webhooks/{id}/rotate", event.ScopeAdmin, h((*API).rotateWebhook)},
	{"GET", "/api/v1/webhooks/{id}/deliveries", event.ScopeAdmin, h((*API).listDeliveries)},
	{"POST", "/api/v1/webhooks/{id}/replay", event.ScopeAdmin, h((*API).replayWebhook)},
	{"GET", "/api/v1/api-keys", event.ScopeAdmin, h((*API).listKeys)},
	{"POST", "/api/v1/api-keys", event.ScopeAdmin, h((*API).createKey)},
	{"DELETE", "/api/v1/api-keys/{id}", event.ScopeAdmin, h((*API).revokeKey)},
}

// secretRoutes answer a secret once: no answer of theirs is kept for an
// Idempotency-Key's repeat.
var secretRoutes = []string{"/api/v1/api-keys", "/api/v1/webhooks", "/api/v1/webhooks/{id}/rotate"}

// h adapts a method to a Route's handler.
func h(m func(*API, http.ResponseWriter, *http.Request, principal)) func(*API) func(http.ResponseWriter, *http.Request, principal) {
	return func(a *API) func(http.ResponseWriter, *http.Request, principal) {
		return func(w http.ResponseWriter, r *http.Request, p principal) { m(a, w, r, p) }
	}
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
		mux.Handle(r.Method+" "+r.Path, a.scoped(r, r.handle(a)))
	}
	mux.HandleFunc("GET "+DocumentPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(document)
	})
}

// principal is who makes a request: a tenant's key, an agent with their
// console session, or the operator acting for a tenant.
type principal struct {
	tenant string
	key    string // the key's id; "" for the operator and agents
	agent  string // the agent of a console session
	scopes []string
}

// eventActor is who the events the API appends itself name.
func (p principal) eventActor() event.Actor {
	switch {
	case p.agent != "":
		return event.Actor{Kind: event.ActorAgent, ID: p.agent}
	case p.key == "":
		return event.Actor{Kind: event.ActorSystem, ID: "admin"}
	}
	return event.Actor{Kind: event.ActorSystem, ID: "api-key:" + p.key}
}

// actor is who the principal acts as in the conversation core: an agent
// as themselves, a key as the system (an admin key may change settings).
func (p principal) actor() conversation.Actor {
	if p.agent != "" {
		return conversation.Agent(p.tenant, p.agent, conversation.API)
	}
	e := p.eventActor()
	return conversation.Actor{Tenant: p.tenant, Kind: e.Kind, ID: e.ID, Channel: conversation.API,
		Admin: apikey.Allows(p.scopes, event.ScopeAdmin)}
}

// id names the principal for idempotency keys.
func (p principal) id() string {
	switch {
	case p.agent != "":
		return "agent:" + p.agent
	case p.key != "":
		return "key:" + p.key
	}
	return "operator"
}

// authenticate finds who makes r, or answers the problem and returns false.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (principal, bool) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || bearer == "" {
		problem(w, http.StatusUnauthorized, "unauthorized", "send an API key as Authorization: Bearer edk_…")
		return principal{}, false
	}
	if !strings.HasPrefix(bearer, apikey.Prefix) {
		if a.keys != nil && strings.Count(bearer, ".") == 2 {
			return a.agentSession(w, bearer)
		}
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

// agentSession authenticates an agent's console session token: the
// agent acts with scope admin when an admin, write otherwise, read from
// the store at each request.
func (a *API) agentSession(w http.ResponseWriter, token string) (principal, bool) {
	c, err := a.keys.Verify(token, auth.RoleAgent)
	if err != nil {
		problem(w, http.StatusUnauthorized, "unauthorized", "the session token is not valid: "+err.Error()+"; sign in again")
		return principal{}, false
	}
	ag, err := a.store.Agent(c.Tenant, c.Subject)
	switch {
	case errors.Is(err, state.ErrNotFound):
		problem(w, http.StatusUnauthorized, "unauthorized", "the agent of this session no longer exists")
		return principal{}, false
	case err != nil:
		problem(w, http.StatusServiceUnavailable, "unavailable", "the state store does not answer: retry")
		return principal{}, false
	}
	scope := event.ScopeWrite
	if ag.Role == "admin" {
		scope = event.ScopeAdmin
	}
	return principal{tenant: c.Tenant, agent: ag.ID, scopes: []string{scope}}, true
}

// scoped serves h to requests whose key has the route's scope, once per
// Idempotency-Key for the routes that change something (creating an API
// key has its own rule: its token is shown once; a webhook's secret is
// shown once too, and never kept to answer a repeat).
func (a *API) scoped(route Route, h func(http.ResponseWriter, *http.Request, principal)) http.Handler {
	need := route.Scope
	once := route.Method != http.MethodGet && !slices.Contains(secretRoutes, route.Path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := a.authenticate(w, r)
		if !ok {
			return
		}
		if !apikey.Allows(p.scopes, need) {
			problem(w, http.StatusForbidden, "forbidden", fmt.Sprintf("this needs a key with scope %s; this one has %s", need, strings.Join(p.scopes, ", ")))
			return
		}
		if once {
			a.idempotent(w, r, p, func(w http.ResponseWriter, r *http.Request) { h(w, r, p) })
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
	e := &event.Event{Kind: event.KindAPIKeyCreated, Tenant: p.tenant, Actor: p.eventActor(),
		APIKey: &event.APIKey{ID: id, Name: req.Name, Scopes: req.Scopes, Hash: hash}}
	ik := r.Header.Get("Idempotency-Key")
	if ik != "" {
		if len(ik) > 255 {
			problem(w, http.StatusBadRequest, "invalid-request", "Idempotency-Key: at most 255 characters")
			return
		}
		e.ID = auth.DerivedID("e", "api-key", p.tenant, p.id(), ik)
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
	a.log.Info("API key created", "tenant", p.tenant, "key", id, "scopes", req.Scopes, "by", p.eventActor().ID)
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
		Tenant: p.tenant, Actor: p.eventActor(), APIKey: &event.APIKey{ID: id}}
	if !a.append(w, r, e) {
		return
	}
	a.log.Info("API key revoked", "tenant", p.tenant, "key", id, "by", p.eventActor().ID)
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
	return decodeUpTo(w, r, v, maxBody)
}

// decodeUpTo is decode with a body of at most maxBody bytes.
func decodeUpTo(w http.ResponseWriter, r *http.Request, v any, maxBody int) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media", "send the body as application/json")
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(maxBody)+1))
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
	// only white space may follow (d.More is false before a stray '}')
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
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
