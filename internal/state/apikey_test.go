package state_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func apiKeyEvent(kind event.Kind, tenant, id string) *event.Event {
	k := &event.APIKey{ID: id}
	if kind == event.KindAPIKeyCreated {
		k.Name, k.Scopes, k.Hash = "sync", []string{event.ScopeRead}, bytes.Repeat([]byte{1}, 32)
	}
	return &event.Event{Kind: kind, Tenant: tenant, Actor: event.Actor{Kind: event.ActorAgent, ID: "alice"}, APIKey: k}
}

// An API key is found by its id alone (the token names no tenant), stays
// listed once revoked, is not brought back by its creation replayed, and
// an id one tenant holds is not another's.
func TestAPIKeysFollowTheLog(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(apiKeyEvent(event.KindAPIKeyCreated, "t1", "k1"), apiKeyEvent(event.KindAPIKeyCreated, "t2", "k1"),
		apiKeyEvent(event.KindAPIKeyCreated, "t2", "k2"))
	k, err := s.APIKey("k1")
	if err != nil || k.Tenant != "t1" || k.Name != "sync" || len(k.Hash) != 32 || k.CreatedBy != "agent:alice" || k.RevokedAt != 0 {
		t.Fatalf("k1: %+v %v", k, err)
	}
	if keys, _ := s.APIKeys("t2"); len(keys) != 1 || keys[0].ID != "k2" {
		t.Fatalf("t2's keys: %+v; want k2 alone (k1 is t1's)", keys)
	}
	l.apply(apiKeyEvent(event.KindAPIKeyRevoked, "t2", "k1")) // not t2's to revoke
	if k, _ := s.APIKey("k1"); k.RevokedAt != 0 {
		t.Fatal("another tenant revoked t1's key")
	}
	l.apply(apiKeyEvent(event.KindAPIKeyRevoked, "t1", "k1"), apiKeyEvent(event.KindAPIKeyCreated, "t1", "k1"))
	k, err = s.APIKey("k1")
	if err != nil || k.RevokedAt == 0 {
		t.Fatalf("k1 after its revocation and its creation replayed: %+v %v", k, err)
	}
	if keys, _ := s.APIKeys("t1"); len(keys) != 1 || keys[0].RevokedAt == 0 {
		t.Fatalf("t1's keys: %+v; want k1, revoked", keys)
	}
	if _, err := s.APIKey("k3"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("an unknown key: %v", err)
	}
}
