package hub

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/edgedesk/edgedesk/internal/admintoken"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func (h *Hub) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ready\n")) })
	guard := func(f http.HandlerFunc) http.Handler { return admintoken.Guard(h.admin, f) }
	mux.Handle("GET /metrics", admintoken.Guard(h.admin, promhttp.HandlerFor(h.m.registry, promhttp.HandlerOpts{})))
	mux.Handle("GET /api/v1/edges", guard(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"edges": h.EdgeStatuses()})
	}))
	mux.Handle("POST /api/v1/edges/{name}/revoke", guard(func(w http.ResponseWriter, r *http.Request) {
		if err := h.Revoke(r.PathValue("name")); err != nil {
			writeJSON(w, http.StatusNotFound, apiError{"not_found", err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"revoked": r.PathValue("name")})
	}))
	mux.Handle("GET /api/v1/conversations", guard(h.conversations))
	mux.Handle("GET /api/v1/analytics/query", guard(h.analyticsQuery))
	mux.Handle("GET /api/v1/analytics/live", guard(h.analyticsLive))
	h.configAPI(mux, guard)
	h.channelAPI(mux, guard)
	return mux
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// regionConv is a conversation in the operators' list: where it lives, and
// what the hub knows of it. Fields a tenant keeps in its region arrive
// encrypted or redacted, and are shown as they arrived.
type regionConv struct {
	Edge          string `json:"edge"`
	Region        string `json:"region"`
	ID            string `json:"id"`
	Tenant        string `json:"tenant"`
	Inbox         string `json:"inbox"`
	Contact       string `json:"contact"`
	Status        string `json:"status"`
	SnoozeUntil   int64  `json:"snooze_until,omitempty"`
	Assignee      string `json:"assignee,omitempty"`
	OpenedAt      int64  `json:"opened_at"`
	OpenedSeq     uint64 `json:"opened_seq"`
	LastSeq       uint64 `json:"last_seq"`
	LastAt        int64  `json:"last_at"`
	Messages      int    `json:"messages"`
	LastText      string `json:"last_text,omitempty"`
	ContactName   string `json:"contact_name,omitempty"`
	Language      string `json:"language,omitempty"`
	Intent        string `json:"intent,omitempty"`
	Sentiment     string `json:"sentiment,omitempty"`
	RoutedBy      string `json:"routed_by,omitempty"`
	RouteNote     string `json:"route_note,omitempty"`
	RouteFallback bool   `json:"route_fallback,omitempty"`
	Priority      string `json:"priority,omitempty"`
	Channel       string `json:"channel,omitempty"`
}

// regionView is a conversation of an edge in the operators' list.
func regionView(edge, region string, c *state.ConversationRec) regionConv {
	return regionConv{Edge: edge, Region: region, ID: c.ID, Tenant: c.Tenant, Inbox: c.Inbox, Contact: c.Contact,
		Status: c.Status, SnoozeUntil: c.SnoozeUntil, Assignee: c.Assignee, OpenedAt: c.OpenedAt, OpenedSeq: c.OpenedSeq,
		LastSeq: c.LastSeq, LastAt: c.LastAt, Messages: c.Messages, LastText: c.LastText, ContactName: c.ContactName,
		Language: c.Language, Intent: c.Intent, Sentiment: c.Sentiment, RoutedBy: c.RoutedBy, RouteNote: c.RouteNote,
		RouteFallback: c.RouteFallback, Priority: c.Priority, Channel: c.Channel}
}

// conversations lists a tenant's conversations across regions, most
// recently active first: ?tenant= (required), &region=, &status=, &q=
// (words in the customer's name or the last message, where those are in
// clear), &limit= (≤ 500, default 100).
func (h *Hub) conversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant := q.Get("tenant")
	if !event.ValidID(tenant) {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid", "tenant must be a tenant id"})
		return
	}
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "limit must be 1-500"})
			return
		}
		limit = n
	}
	var statuses []string
	if st := q.Get("status"); st != "" {
		canon := event.CanonicalStatus(st)
		if canon == "" {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "status must be one of " + strings.Join(event.Statuses, ", ")})
			return
		}
		statuses = []string{canon}
	}
	words := strings.Fields(strings.ToLower(q.Get("q")))
	region := q.Get("region")
	h.mu.Lock()
	edges := make([]*edgeState, 0, len(h.edges))
	for _, e := range h.edges {
		if region == "" || e.region == region {
			edges = append(edges, e)
		}
	}
	h.mu.Unlock()
	out := []regionConv{}
	for _, e := range edges {
		convs, _, err := e.store.Conversations(tenant, statuses, 0, 0)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{"unavailable", "could not read an edge's state: retry"})
			return
		}
		for _, c := range convs {
			if matches(&c, words) {
				out = append(out, regionView(e.name, e.region, &c))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastAt > out[j].LastAt })
	if len(out) > limit {
		out = out[:limit]
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": out})
}

func matches(c *state.ConversationRec, words []string) bool {
	hay := strings.ToLower(c.ContactName + " " + c.LastText + " " + c.ID)
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
