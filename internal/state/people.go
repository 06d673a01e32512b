package state

import (
	"errors"
	"strings"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// The projector's records of people: the tenant's agents and its
// customers (contacts), and the name a customer is shown by.

// applyAgent records an agent as agent.upserted says, keeping the index
// of agents by e-mail address.
func (s *Store) applyAgent(txn *badger.Txn, e *event.Event) error {
	a := e.Agent
	email := strings.ToLower(a.Email)
	var old AgentRec
	switch err := s.get(txn, kAgent(e.Tenant, a.ID), &old); {
	case err == nil:
		if old.Email != email {
			if err := txn.Delete(kAgentEmail(old.Email)); err != nil {
				return err
			}
		}
	case !errors.Is(err, ErrNotFound):
		return err
	}
	rec := AgentRec{ID: a.ID, Tenant: e.Tenant, Email: email, Name: a.Name, PasswordHash: a.PasswordHash,
		Role: a.Role, Skills: a.Skills, Languages: a.Languages, MaxChats: a.MaxChats}
	if rec.PasswordHash == "" {
		rec.PasswordHash = old.PasswordHash
	}
	if err := s.put(txn, kAgent(e.Tenant, a.ID), &rec); err != nil {
		return err
	}
	return s.put(txn, kAgentEmail(email), &AgentRef{Tenant: e.Tenant, Agent: a.ID})
}

func (s *Store) applyContact(txn *badger.Txn, e *event.Event) error {
	c := e.Contact
	var rec ContactRec
	switch err := s.get(txn, kContact(e.Tenant, c.ID), &rec); {
	case errors.Is(err, ErrNotFound):
		rec = ContactRec{ID: c.ID, Tenant: e.Tenant, Inbox: c.Inbox, ExternalID: c.ExternalID, CreatedAt: e.TS}
	case err != nil:
		return err
	}
	if c.Name != "" {
		rec.Name = c.Name
	}
	if c.Email != "" && !strings.EqualFold(c.Email, rec.Email) {
		if rec.Email != "" {
			if err := txn.Delete(kContactEmail(e.Tenant, rec.Email)); err != nil {
				return err
			}
		}
		if err := txn.Set(kContactEmail(e.Tenant, c.Email), []byte(c.ID)); err != nil {
			return err
		}
	}
	if c.Email != "" {
		rec.Email = c.Email
	}
	if c.Language != "" {
		rec.Language = c.Language
	}
	if c.Attributes != nil {
		rec.Attributes = nil
		for _, a := range c.Attributes.Pairs {
			if rec.Attributes == nil {
				rec.Attributes = make(map[string]string, len(c.Attributes.Pairs))
			}
			rec.Attributes[a.Key] = a.Value
		}
	}
	if err := s.put(txn, kContact(e.Tenant, c.ID), &rec); err != nil {
		return err
	}
	return s.renameContact(txn, e.Tenant, c.ID, displayName(&rec))
}

// displayName is how agents' lists name a contact.
func displayName(c *ContactRec) string {
	if c.Name != "" {
		return c.Name
	}
	return c.Email
}

// renameContact sets the contact name of a contact's conversations.
func (s *Store) renameContact(txn *badger.Txn, t, contact, name string) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = kContactConvPrefix(t, contact)
	opts.PrefetchValues = false
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		c, err := s.loadConv(txn, t, string(it.Item().Key()[len(opts.Prefix):]))
		if err != nil {
			return err
		}
		if c.ContactName != name {
			c.ContactName = name
			s.putConv(c)
		}
	}
	return nil
}
