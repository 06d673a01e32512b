package state

import (
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// APIKeyRec is a tenant's REST API key (apikey.created, apikey.revoked):
// its secret's hash, never the secret. A revoked key stays, for the list,
// with RevokedAt set.
type APIKeyRec struct {
	ID        string   `cbor:"1,keyasint"`
	Tenant    string   `cbor:"2,keyasint"`
	Name      string   `cbor:"3,keyasint"`
	Scopes    []string `cbor:"4,keyasint"`
	Hash      []byte   `cbor:"5,keyasint"`
	CreatedAt int64    `cbor:"6,keyasint"` // unix ms
	CreatedBy string   `cbor:"7,keyasint"` // actor kind:id
	RevokedAt int64    `cbor:"8,keyasint,omitempty"`
}

func kAPIKey(t, id string) []byte   { return []byte("k/" + t + "/" + id) }
func kAPIKeyPrefix(t string) []byte { return []byte("k/" + t + "/") }
func kAPIKeyIndex(id string) []byte { return []byte("kx/" + id) }

// applyAPIKey projects apikey.created and apikey.revoked. A key's id is
// global (the token names it, not its tenant): the first tenant to create
// an id keeps it, and a created event replayed after its revocation does
// not bring the key back.
func (s *Store) applyAPIKey(txn *badger.Txn, e *event.Event) error {
	k := e.APIKey
	var old APIKeyRec
	switch err := s.get(txn, kAPIKey(e.Tenant, k.ID), &old); {
	case err == nil:
		if e.Kind == event.KindAPIKeyRevoked && old.RevokedAt == 0 {
			old.RevokedAt = e.TS
			return s.put(txn, kAPIKey(e.Tenant, k.ID), &old)
		}
		return nil // created again, or revoked again: as it is
	case !errors.Is(err, ErrNotFound):
		return err
	}
	if e.Kind == event.KindAPIKeyRevoked {
		return nil // a key this store never had
	}
	switch _, err := txn.Get(kAPIKeyIndex(k.ID)); {
	case err == nil:
		return nil // another tenant's id
	case !errors.Is(err, badger.ErrKeyNotFound):
		return err
	}
	if err := txn.Set(kAPIKeyIndex(k.ID), []byte(e.Tenant)); err != nil {
		return err
	}
	return s.put(txn, kAPIKey(e.Tenant, k.ID), &APIKeyRec{ID: k.ID, Tenant: e.Tenant, Name: k.Name,
		Scopes: k.Scopes, Hash: k.Hash, CreatedAt: e.TS, CreatedBy: e.Actor.Kind + ":" + e.Actor.ID})
}

// APIKey returns the key of that id, whichever tenant's, or ErrNotFound.
func (s *Store) APIKey(id string) (*APIKeyRec, error) {
	var r APIKeyRec
	err := s.view(func(txn *badger.Txn) error {
		it, err := txn.Get(kAPIKeyIndex(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		tenant, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		return s.get(txn, kAPIKey(string(tenant), id), &r)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// APIKeys lists a tenant's keys, revoked ones included, by id.
func (s *Store) APIKeys(t string) ([]APIKeyRec, error) {
	return list[APIKeyRec](s, kAPIKeyPrefix(t))
}
