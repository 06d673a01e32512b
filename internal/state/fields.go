package state

import (
	"errors"
	"slices"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

func kFieldDefs(t string) []byte { return []byte("fd/" + t) }

// record reads the record at key: its zero value when there is none (a
// tenant's settings that were never set).
func record[T any](s *Store, key []byte) (T, error) {
	var v T
	err := s.view(func(txn *badger.Txn) error { return s.get(txn, key, &v) })
	if errors.Is(err, ErrNotFound) {
		return v, nil
	}
	return v, err
}
func kViews(t string) []byte    { return []byte("vw/" + t) }
func kStatuses(t string) []byte { return []byte("cs/" + t) }

// CustomStatuses are a tenant's custom statuses.
func (s *Store) CustomStatuses(t string) ([]event.CustomStatus, error) {
	ss, err := record[event.StatusSet](s, kStatuses(t))
	return ss.Statuses, err
}

// Views are a tenant's saved views.
func (s *Store) Views(t string) ([]event.View, error) {
	vs, err := record[event.ViewSet](s, kViews(t))
	return vs.Views, err
}

// FieldDefs are a tenant's custom fields as set (without the built-in
// type unless the tenant set it: ticket.Fields adds it).
func (s *Store) FieldDefs(t string) ([]event.FieldDef, error) {
	fs, err := record[event.FieldSet](s, kFieldDefs(t))
	return fs.Fields, err
}

// applyFieldsChange sets and clears a conversation's field values; a
// change that changes nothing is a duplicate. Agents see it as a
// "fields" item with what it did.
func (s *Store) applyFieldsChange(txn *badger.Txn, e *event.Event) (Change, error) {
	fc := e.Fields
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, fc.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	values := slices.Clone(c.Fields)
	did := &event.FieldsChange{Conv: c.ID}
	for _, k := range fc.Clear {
		if i := slices.IndexFunc(values, func(v event.FieldValue) bool { return v.Key == k }); i >= 0 {
			values = slices.Delete(values, i, i+1)
			did.Clear = append(did.Clear, k)
		}
	}
	for _, v := range fc.Set {
		switch i := slices.IndexFunc(values, func(x event.FieldValue) bool { return x.Key == v.Key }); {
		case i < 0:
			if len(values) >= event.MaxFields+1 {
				continue
			}
			values = append(values, v)
		case values[i].Value == v.Value:
			continue
		default:
			values[i] = v
		}
		did.Set = append(did.Set, v)
	}
	if len(did.Set)+len(did.Clear) == 0 {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	slices.SortFunc(values, func(a, b event.FieldValue) int {
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	if len(values) == 0 {
		values = nil
	}
	c.Fields = values
	s.putConv(c)
	it := newItem(e, "fields", c.ID)
	it.Private, it.Fields = true, did
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, e.Tenant, it)
}
