package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Webhook is an outbound webhook endpoint (docs/webhooks.md).
type Webhook struct {
	ID          string          `json:"id"`
	URL         string          `json:"url"`
	Description string          `json:"description"`
	Types       []string        `json:"types"`
	Disabled    bool            `json:"disabled"`
	Secrets     []WebhookSecret `json:"secrets"`
	// Pending and Dead count its deliveries queued and failed for good.
	Pending   int    `json:"pending"`
	Dead      int    `json:"dead"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	// Secret is the new signing secret, in the answers of POST
	// /api/v1/webhooks and …/rotate only: it is never shown again.
	Secret string `json:"secret,omitempty"`
}

// WebhookSecret is a signing secret as listed: never its value.
type WebhookSecret struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// WebhookDelivery is a delivery, queued or dead.
type WebhookDelivery struct {
	// ID is the delivery's id: the sequence of the event it tells of.
	ID             string          `json:"id"`
	EventID        string          `json:"event_id"`
	Type           string          `json:"type"`
	ConversationID string          `json:"conversation_id,omitempty"`
	ContactID      string          `json:"contact_id,omitempty"`
	CreatedAt      string          `json:"created_at"`
	Attempts       int             `json:"attempts"`
	NextAttemptAt  string          `json:"next_attempt_at,omitempty"`
	LastAttemptAt  string          `json:"last_attempt_at,omitempty"`
	StatusCode     int             `json:"status_code,omitempty"`
	Error          string          `json:"error,omitempty"`
	Data           *state.HookData `json:"data"`
}

type webhookRequest struct {
	URL         *string  `json:"url"`
	Description *string  `json:"description"`
	Types       []string `json:"types"`
	Disabled    *bool    `json:"disabled"`
}

type rotateRequest struct {
	// OverlapS is how long the secrets it had keep signing (seconds;
	// absent: a day).
	OverlapS *int64 `json:"overlap_s"`
}

type replayRequest struct {
	IDs []string `json:"ids"`
}

func webhookView(h *state.HookRec) Webhook {
	w := h.Endpoint
	out := Webhook{ID: w.ID, URL: w.URL, Description: w.Description, Types: nonNil(w.Types), Disabled: w.Disabled,
		Secrets: make([]WebhookSecret, len(w.Secrets)), Pending: h.Pending, Dead: h.Dead,
		CreatedAt: rfc3339(h.CreatedAt), UpdatedAt: rfc3339(h.UpdatedAt)}
	for i, s := range w.Secrets {
		out.Secrets[i] = WebhookSecret{ID: s.ID, CreatedAt: rfc3339(s.CreatedAt)}
		if s.ExpiresAt != 0 {
			out.Secrets[i].ExpiresAt = rfc3339(s.ExpiresAt)
		}
	}
	return out
}

// GET /api/v1/webhooks (admin)
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.Webhooks(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[Webhook]{Data: make([]Webhook, len(list))}
	for i := range list {
		out.Data[i] = webhookView(&list[i])
	}
	writeJSON(w, http.StatusOK, out)
}

// POST /api/v1/webhooks (admin): 201 with the endpoint and its secret.
func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, p principal) {
	var req webhookRequest
	if !decode(w, r, &req) {
		return
	}
	in := conversation.WebhookSettings{URL: req.URL, Description: req.Description, Types: req.Types, Disabled: req.Disabled}
	if ik := r.Header.Get("Idempotency-Key"); ik != "" {
		if len(ik) > 255 {
			problem(w, http.StatusBadRequest, "invalid-request", "Idempotency-Key: at most 255 characters")
			return
		}
		in.NewID = auth.DerivedID("wh", "webhook", p.tenant, p.id(), ik)[:18]
	}
	ctx, cancel := command(r)
	defer cancel()
	h, secret, err := a.conv.SetWebhook(ctx, p.actor(), in)
	if errors.Is(err, conversation.ErrMade) {
		problem(w, http.StatusConflict, "idempotency-mismatch",
			"this Idempotency-Key made an endpoint already; its secret was shown in that answer only: rotate it if the secret is lost")
		return
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	v := webhookView(h)
	v.Secret = secret
	w.Header().Set("Location", "/api/v1/webhooks/"+h.Endpoint.ID)
	writeJSON(w, http.StatusCreated, v)
}

// GET /api/v1/webhooks/{id} (admin)
func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	h, err := a.conv.Webhook(p.actor(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, webhookView(h))
}

// PATCH /api/v1/webhooks/{id} (admin): the fields given are changed.
func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request, p principal) {
	var req webhookRequest
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	h, _, err := a.conv.SetWebhook(ctx, p.actor(), conversation.WebhookSettings{ID: r.PathValue("id"), URL: req.URL, Description: req.Description,
		Types: req.Types, Disabled: req.Disabled})
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, webhookView(h))
}

// DELETE /api/v1/webhooks/{id} (admin): with its deliveries.
func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	if err := a.conv.DeleteWebhook(ctx, p.actor(), r.PathValue("id")); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// POST /api/v1/webhooks/{id}/rotate (admin): a new secret, shown once.
func (a *API) rotateWebhook(w http.ResponseWriter, r *http.Request, p principal) {
	var req rotateRequest
	if r.ContentLength != 0 && !decode(w, r, &req) {
		return
	}
	overlap := conversation.DefaultRotationOverlap
	if req.OverlapS != nil {
		overlap = time.Duration(*req.OverlapS) * time.Second
		if *req.OverlapS < 0 || *req.OverlapS > int64(conversation.MaxRotationOverlap.Seconds()) {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", "overlap_s: 0 to "+strconv.Itoa(int(conversation.MaxRotationOverlap.Seconds()))+" seconds")
			return
		}
	}
	ctx, cancel := command(r)
	defer cancel()
	h, secret, err := a.conv.RotateWebhookSecret(ctx, p.actor(), r.PathValue("id"), overlap)
	if err != nil {
		a.fail(w, err)
		return
	}
	v := webhookView(h)
	v.Secret = secret
	writeJSON(w, http.StatusOK, v)
}

// GET /api/v1/webhooks/{id}/deliveries?state=pending|dead&after=&limit=
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, p principal) {
	q, ok := query(w, r, "state", "after", "limit")
	if !ok {
		return
	}
	n, ok := limit(w, q, 50, 200)
	if !ok {
		return
	}
	dead := false
	switch q.Get("state") {
	case "", "pending":
	case "dead":
		dead = true
	default:
		problem(w, http.StatusBadRequest, "invalid-request", "state: pending (the default) or dead")
		return
	}
	var after uint64
	if s := q.Get("after"); s != "" {
		var err error
		if after, err = strconv.ParseUint(s, 10, 64); err != nil || !dead {
			problem(w, http.StatusBadRequest, "invalid-request", "after: a dead delivery's id, with state=dead")
			return
		}
	}
	list, err := a.conv.WebhookDeliveries(p.actor(), r.PathValue("id"), dead, after, n)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[WebhookDelivery]{Data: make([]WebhookDelivery, len(list))}
	for i, d := range list {
		v := WebhookDelivery{ID: strconv.FormatUint(d.Seq, 10), EventID: d.EventID, Type: d.Type, CreatedAt: rfc3339(d.At), Attempts: d.Attempts,
			StatusCode: d.Code, Error: d.Error, Data: d.Data}
		if d.Data != nil && d.Data.Conversation != nil {
			v.ConversationID = d.Data.Conversation.ID
		}
		if d.Data != nil && d.Data.Contact != nil {
			v.ContactID = d.Data.Contact.ID
		}
		if d.NextAt != 0 {
			v.NextAttemptAt = rfc3339(d.NextAt)
		}
		if d.LastAt != 0 {
			v.LastAttemptAt = rfc3339(d.LastAt)
		}
		out.Data[i] = v
	}
	if dead && len(list) == n {
		out.NextCursor = strconv.FormatUint(list[len(list)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

// POST /api/v1/webhooks/{id}/replay (admin): dead deliveries queued
// again, those of ids or (none) the oldest 500; 202.
func (a *API) replayWebhook(w http.ResponseWriter, r *http.Request, p principal) {
	var req replayRequest
	if r.ContentLength != 0 && !decode(w, r, &req) {
		return
	}
	seqs := make([]uint64, 0, len(req.IDs))
	for _, id := range req.IDs {
		seq, err := strconv.ParseUint(id, 10, 64)
		if err != nil || seq == 0 {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", "ids: the ids of dead deliveries, as GET …/deliveries?state=dead lists them")
			return
		}
		seqs = append(seqs, seq)
	}
	ctx, cancel := command(r)
	defer cancel()
	if err := a.conv.ReplayWebhook(ctx, p.actor(), r.PathValue("id"), seqs); err != nil {
		a.fail(w, err)
		return
	}
	h, err := a.conv.Webhook(p.actor(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, webhookView(h))
}
