package state

import (
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// applyRekey moves a contact to another id (contact.rekeyed): its record
// and its conversations, which keep their ids, timelines and sequences.
// A From with no contact changes nothing (the move was applied already).
// A To that has a contact keeps its own record and gains From's
// conversations. Timeline items keep the actor id they were written
// with: the history says who wrote, under the id they had then.
func (s *Store) applyRekey(txn *badger.Txn, e *event.Event) error {
	t, from, to := e.Tenant, e.Rekey.From, e.Rekey.To
	var old ContactRec
	switch err := s.get(txn, kContact(t, from), &old); {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	var rec ContactRec
	switch err := s.get(txn, kContact(t, to), &rec); {
	case errors.Is(err, ErrNotFound):
		rec = old
		rec.ID = to
		if err := s.put(txn, kContact(t, to), &rec); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if err := txn.Delete(kContact(t, from)); err != nil {
		return err
	}
	if rec.Email != "" {
		if err := txn.Set(kContactEmail(t, rec.Email), []byte(to)); err != nil {
			return err
		}
	}
	var convs []string
	opts := badger.DefaultIteratorOptions
	opts.Prefix = kContactConvPrefix(t, from)
	opts.PrefetchValues = false
	it := txn.NewIterator(opts)
	for it.Rewind(); it.Valid(); it.Next() {
		convs = append(convs, string(it.Item().Key()[len(opts.Prefix):]))
	}
	it.Close()
	name := displayName(&rec)
	for _, v := range convs {
		c, err := s.loadConv(txn, t, v)
		if err != nil {
			return err
		}
		c.Contact, c.ContactName = to, name
		s.putConv(c)
		if err := txn.Delete(kContactConv(t, from, v)); err != nil {
			return err
		}
		if err := txn.Set(kContactConv(t, to, v), nil); err != nil {
			return err
		}
	}
	return nil
}

// applyAttachmentExpired forgets an upload no message referenced in time
// (attachment.expired): its record goes, so it can no longer be sent or
// fetched, and the node holding its bytes deletes them. An upload a
// message referenced earlier in the log is kept: the log's order decides.
func (s *Store) applyAttachmentExpired(txn *badger.Txn, e *event.Event) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = kAttachmentConvPrefix(e.Tenant, e.Attachment.ID)
	opts.PrefetchValues = false
	it := txn.NewIterator(opts)
	it.Rewind()
	referenced := it.Valid()
	it.Close()
	if referenced {
		return nil
	}
	return txn.Delete(kAttachment(e.Tenant, e.Attachment.ID))
}
