package state

import (
	"errors"
	"slices"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// ConvLink is a conversation's link to another: related, or split (Ref:
// the message split off the original).
type ConvLink struct {
	Conv string `cbor:"1,keyasint"`
	Kind string `cbor:"2,keyasint"`
	Ref  uint64 `cbor:"3,keyasint,omitempty"`
}

// applyLink links (or unlinks) two conversations, on both sides; each
// gets a "linked" item agents see. A link that is there (or not, to
// remove) changes nothing.
func (s *Store) applyLink(txn *badger.Txn, e *event.Event) (Change, error) {
	l := e.Link
	ch := Change{Event: e}
	a, err := s.loadConv(txn, e.Tenant, l.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	b, err := s.loadConv(txn, e.Tenant, l.Other)
	if errors.Is(err, ErrNotFound) {
		ch.Duplicate, ch.DuplicateOf = true, a.LastSeq
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	changed := false
	for _, side := range []struct {
		c     *ConversationRec
		other string
	}{{a, b.ID}, {b, a.ID}} {
		i := slices.IndexFunc(side.c.Links, func(k ConvLink) bool { return k.Conv == side.other })
		switch {
		case l.Remove && i >= 0:
			side.c.Links = slices.Delete(slices.Clone(side.c.Links), i, i+1)
		case !l.Remove && i < 0 && len(side.c.Links) < event.MaxLinks:
			side.c.Links = append(slices.Clone(side.c.Links), ConvLink{Conv: side.other, Kind: l.Kind, Ref: l.Ref})
		default:
			continue
		}
		if len(side.c.Links) == 0 {
			side.c.Links = nil
		}
		changed = true
	}
	if !changed {
		ch.Duplicate, ch.DuplicateOf = true, a.LastSeq
		return ch, nil
	}
	s.putConv(a)
	s.putConv(b)
	other := newItem(e, "linked", b.ID)
	other.Private, other.Link = true, &event.Link{Conv: b.ID, Other: a.ID, Kind: l.Kind, Ref: l.Ref, Remove: l.Remove}
	if err := s.addItemAt(txn, e.Tenant, other); err != nil {
		return ch, err
	}
	it := newItem(e, "linked", a.ID)
	it.Private, it.Link = true, l
	ch.Item, ch.Conv = it, a
	return ch, s.addItem(txn, e.Tenant, it)
}

// addItemAt writes an item of a second conversation that one event
// changed: its timeline only (the tenant's feed names one conversation
// per sequence).
func (s *Store) addItemAt(txn *badger.Txn, t string, it *Item) error {
	return s.put(txn, kTimeline(t, it.Conv, it.Seq), it)
}

// applyMerge merges a conversation into another of the same customer:
// the merged one is closed (whatever its status: a merge is no change of
// status an actor makes) and points to the other, its timeline kept; the
// other lists it. Both get a "merged" item.
func (s *Store) applyMerge(txn *badger.Txn, e *event.Event) (Change, error) {
	m := e.Merge
	t := e.Tenant
	ch := Change{Event: e}
	src, err := s.loadConv(txn, t, m.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	dst, err := s.loadConv(txn, t, m.Into)
	if errors.Is(err, ErrNotFound) {
		ch.Duplicate, ch.DuplicateOf = true, src.LastSeq
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	// the service's checks again: of two merges that raced, the second
	// is dropped on every node alike
	if src.MergedInto != "" || dst.MergedInto != "" || src.Contact != dst.Contact || dst.Status == event.StatusClosed {
		ch.Duplicate, ch.DuplicateOf = true, src.LastSeq
		return ch, nil
	}
	prev := *src
	if counts(src.Status) {
		if err := s.addLoad(txn, t, src.Assignee, -1); err != nil {
			return ch, err
		}
	}
	if err := s.moveStatus(txn, src, event.StatusClosed, 0, e.TS); err != nil {
		return ch, err
	}
	if err := s.slaFor(txn, e, &prev, src); err != nil {
		return ch, err
	}
	src.MergedInto = dst.ID
	src.LastSeq, src.LastAt = e.Seq, e.TS
	dst.MergedFrom = append(slices.Clone(dst.MergedFrom), src.ID)
	s.putConv(src)
	s.putConv(dst)
	into := newItem(e, "merged", dst.ID)
	into.Private, into.Merge = true, m
	if err := s.addItemAt(txn, t, into); err != nil {
		return ch, err
	}
	it := newItem(e, "merged", src.ID)
	it.Private, it.Merge, it.Status = true, m, event.StatusClosed
	ch.Item, ch.Conv = it, src
	return ch, s.addItem(txn, t, it)
}
