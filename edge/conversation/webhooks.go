package conversation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Sealer seals a webhook's signing secret with the region's key before
// it enters the log (edge/residency.Sealer).
type Sealer interface {
	Seal(v, eventID, field string) string
}

// SecretPrefix starts a webhook signing secret, as the Standard Webhooks
// specification writes them: "whsec_" and the base64 of 32 random bytes.
const SecretPrefix = "whsec_"

// SecretBinding is what a webhook secret is sealed to (with the field
// "webhook.secret"): its tenant, endpoint and id, so a sealed secret
// opens for that endpoint only.
func SecretBinding(tenant, endpoint, secret string) string {
	return "webhook/" + tenant + "/" + endpoint + "/" + secret
}

// ErrMade is SetWebhook's answer to a repeat of a request that made an
// endpoint: its secret was shown in the first answer only.
var ErrMade = errors.New("the endpoint was made by an earlier request")

// Rotation bounds: how long a rotated secret keeps signing beside its
// successor.
const (
	DefaultRotationOverlap = 24 * time.Hour
	MaxRotationOverlap     = 7 * 24 * time.Hour
)

// WebhookSettings are what an admin sets of an endpoint: an empty ID
// makes a new one; nil fields of an existing one are kept.
type WebhookSettings struct {
	ID string
	// NewID is the id a new endpoint gets ("": a random one): one derived
	// from a request's idempotency key makes a repeat find the endpoint
	// made (ErrMade) rather than make another.
	NewID       string
	URL         *string
	Description *string
	Types       []string
	Disabled    *bool
}

// Webhooks are the tenant's webhook endpoints (admins).
func (s *Service) Webhooks(a Actor) ([]state.HookRec, error) {
	if err := s.RequireAdmin(a, "read webhooks"); err != nil {
		return nil, err
	}
	return s.store.TenantHooks(a.Tenant)
}

// Webhook is the tenant's endpoint id (admins).
func (s *Service) Webhook(a Actor, id string) (*state.HookRec, error) {
	if err := s.RequireAdmin(a, "read webhooks"); err != nil {
		return nil, err
	}
	if !event.ValidID(id) {
		return nil, notFound("no such webhook endpoint")
	}
	h, err := s.store.Hook(a.Tenant, id)
	if err != nil {
		return nil, readErr(err, "no such webhook endpoint")
	}
	return h, nil
}

// SetWebhook makes or changes an endpoint (admins). A new one gets an id
// and its first signing secret, which is returned (in clear, this once:
// the log holds it sealed with the region's key).
func (s *Service) SetWebhook(ctx context.Context, a Actor, in WebhookSettings) (*state.HookRec, string, error) {
	if err := s.RequireAdmin(a, "change webhooks"); err != nil {
		return nil, "", err
	}
	if s.sealer == nil {
		return nil, "", &Error{Unavailable, "webhooks need the region's key on this edge (hub.region_key_file)"}
	}
	var w event.WebhookEndpoint
	secret := ""
	if in.ID == "" {
		list, err := s.Webhooks(a)
		if err != nil {
			return nil, "", err
		}
		if len(list) >= event.MaxWebhookEndpoints {
			return nil, "", invalid("the tenant has %d webhook endpoints, the most it may have: remove one first", len(list))
		}
		w.ID = "wh" + strings.ToLower(event.NewID())[:16]
		if in.NewID != "" {
			w.ID = in.NewID
			if _, err := s.store.Hook(a.Tenant, w.ID); err == nil {
				return nil, "", ErrMade
			}
		}
		if in.URL == nil || in.Types == nil {
			return nil, "", invalid("give the endpoint's url and the types of deliveries it gets (%s)", strings.Join(event.HookTypes, ", "))
		}
		var sec event.WebhookSecret
		sec, secret = s.newSecret(a.Tenant, w.ID)
		w.Secrets = []event.WebhookSecret{sec}
	} else {
		h, err := s.Webhook(a, in.ID)
		if err != nil {
			return nil, "", err
		}
		w = h.Endpoint
	}
	if in.URL != nil {
		w.URL = strings.TrimSpace(*in.URL)
		if msg := event.ValidWebhookURL(w.URL); msg != "" {
			return nil, "", invalid("url %q: %s", truncate(w.URL, 100), msg)
		}
	}
	if in.Description != nil {
		w.Description = strings.TrimSpace(*in.Description)
		if len([]rune(w.Description)) > event.MaxWebhookDescription || strings.ContainsAny(w.Description, "\r\n\t") {
			return nil, "", invalid("description: one line of at most %d characters", event.MaxWebhookDescription)
		}
	}
	if in.Types != nil {
		types := []string{}
		for _, t := range in.Types {
			if !slices.Contains(event.HookTypes, t) {
				return nil, "", invalid("type %q: one of %s", truncate(t, 60), strings.Join(event.HookTypes, ", "))
			}
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		if len(types) == 0 {
			return nil, "", invalid("types: give at least one of %s", strings.Join(event.HookTypes, ", "))
		}
		w.Types = types
	}
	if in.Disabled != nil {
		w.Disabled = *in.Disabled
	}
	e := &event.Event{Kind: event.KindWebhookUpserted, Tenant: a.Tenant, Actor: a.event(), Webhook: &w}
	if in.NewID != "" && in.ID == "" {
		e.ID = "e" + in.NewID // a repeat racing the first is the log's duplicate
	}
	r, err := s.append(ctx, e)
	if err != nil {
		return nil, "", err
	}
	if r.Duplicate {
		return nil, "", ErrMade
	}
	h, err := s.store.Hook(a.Tenant, w.ID)
	return h, secret, err
}

// newSecret is a new signing secret of endpoint id: its record (sealed)
// and the secret in clear.
func (s *Service) newSecret(tenant, id string) (event.WebhookSecret, string) {
	var key [32]byte
	_, _ = rand.Read(key[:])
	plain := SecretPrefix + base64.StdEncoding.EncodeToString(key[:])
	sid := "s" + strings.ToLower(event.NewID())[:12]
	return event.WebhookSecret{ID: sid, CreatedAt: s.now().UnixMilli(),
		Sealed: s.sealer.Seal(plain, SecretBinding(tenant, id, sid), "webhook.secret")}, plain
}

func (s *Service) putWebhook(ctx context.Context, a Actor, w *event.WebhookEndpoint) error {
	_, err := s.append(ctx, &event.Event{Kind: event.KindWebhookUpserted, Tenant: a.Tenant, Actor: a.event(), Webhook: w})
	return err
}

// RotateWebhookSecret gives endpoint id a new signing secret, returned in
// clear this once; the secrets it had keep signing beside it for overlap
// (0: they stop now), so that receivers can switch without losing a
// delivery.
func (s *Service) RotateWebhookSecret(ctx context.Context, a Actor, id string, overlap time.Duration) (*state.HookRec, string, error) {
	if err := s.RequireAdmin(a, "change webhooks"); err != nil {
		return nil, "", err
	}
	if overlap < 0 || overlap > MaxRotationOverlap {
		return nil, "", invalid("overlap: 0 to %d seconds", int(MaxRotationOverlap.Seconds()))
	}
	if s.sealer == nil {
		return nil, "", &Error{Unavailable, "webhooks need the region's key on this edge (hub.region_key_file)"}
	}
	h, err := s.Webhook(a, id)
	if err != nil {
		return nil, "", err
	}
	w := h.Endpoint
	now := s.now().UnixMilli()
	until := now + overlap.Milliseconds()
	kept := []event.WebhookSecret{}
	for _, sec := range w.Secrets {
		if sec.ExpiresAt != 0 && sec.ExpiresAt <= now {
			continue // expired: it signs no more
		}
		if sec.ExpiresAt == 0 || sec.ExpiresAt > until {
			sec.ExpiresAt = until
		}
		kept = append(kept, sec)
	}
	if overlap == 0 {
		kept = kept[:0]
	}
	sec, plain := s.newSecret(a.Tenant, w.ID)
	w.Secrets = append(kept, sec)
	if n := len(w.Secrets); n > event.MaxWebhookSecrets {
		w.Secrets = w.Secrets[n-event.MaxWebhookSecrets:]
	}
	if err := s.putWebhook(ctx, a, &w); err != nil {
		return nil, "", err
	}
	h, err = s.store.Hook(a.Tenant, w.ID)
	return h, plain, err
}

// DeleteWebhook removes endpoint id with its queued and dead deliveries.
func (s *Service) DeleteWebhook(ctx context.Context, a Actor, id string) error {
	if err := s.RequireAdmin(a, "change webhooks"); err != nil {
		return err
	}
	if _, err := s.Webhook(a, id); err != nil {
		return err
	}
	return s.putWebhook(ctx, a, &event.WebhookEndpoint{ID: id, Deleted: true})
}

// WebhookDeliveries lists endpoint id's deliveries, queued or dead
// (admins).
func (s *Service) WebhookDeliveries(a Actor, id string, dead bool, after uint64, limit int) ([]state.Delivery, error) {
	if _, err := s.Webhook(a, id); err != nil {
		return nil, err
	}
	return s.store.HookDeliveries(a.Tenant, id, dead, after, limit)
}

// ReplayWebhook sends endpoint id's dead deliveries again, from the first
// attempt: those of seqs, or (none) the oldest MaxWebhookReplay.
func (s *Service) ReplayWebhook(ctx context.Context, a Actor, id string, seqs []uint64) error {
	if err := s.RequireAdmin(a, "replay webhooks"); err != nil {
		return err
	}
	if len(seqs) > event.MaxWebhookReplay {
		return invalid("%d deliveries: replay at most %d at a time", len(seqs), event.MaxWebhookReplay)
	}
	h, err := s.Webhook(a, id)
	if err != nil {
		return err
	}
	if h.Dead == 0 {
		return invalid("the endpoint has no dead deliveries to replay")
	}
	_, err = s.append(ctx, &event.Event{Kind: event.KindWebhookReplay, Tenant: a.Tenant, Actor: a.event(),
		HookReplay: &event.WebhookReplay{Endpoint: id, Seqs: seqs}})
	return err
}
