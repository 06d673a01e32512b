package state

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Tenant returns a tenant.
func (s *Store) Tenant(t string) (*TenantRec, error) {
	var r TenantRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kTenant(t), &r) })
}

// Inbox returns an inbox of a tenant.
func (s *Store) Inbox(t, id string) (*InboxRec, error) {
	var r InboxRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kInbox(t, id), &r) })
}

// Inboxes lists a tenant's inboxes by id.
func (s *Store) Inboxes(t string) ([]InboxRec, error) {
	return list[InboxRec](s, kInboxPrefix(t))
}

// FindInbox finds an inbox by id across tenants (inbox ids are global: a
// website names only its inbox).
func (s *Store) FindInbox(id string) (*InboxRec, error) {
	var r InboxRec
	err := s.view(func(txn *badger.Txn) error {
		it, err := txn.Get(kInboxIndex(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		t, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		return s.get(txn, kInbox(string(t), id), &r)
	})
	return &r, err
}

// Agent returns an agent of a tenant.
func (s *Store) Agent(t, id string) (*AgentRec, error) {
	var r AgentRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kAgent(t, id), &r) })
}

// AgentByEmail finds an agent by e-mail address.
func (s *Store) AgentByEmail(email string) (*AgentRec, error) {
	var r AgentRec
	err := s.view(func(txn *badger.Txn) error {
		var ref AgentRef
		if err := s.get(txn, kAgentEmail(strings.ToLower(email)), &ref); err != nil {
			return err
		}
		return s.get(txn, kAgent(ref.Tenant, ref.Agent), &r)
	})
	return &r, err
}

// Agents lists a tenant's agents.
func (s *Store) Agents(t string) ([]AgentRec, error) { return list[AgentRec](s, kAgentPrefix(t)) }

// list decodes every record under a key prefix, in key order.
func list[T any](s *Store, prefix []byte) ([]T, error) {
	var out []T
	err := s.view(func(txn *badger.Txn) error {
		var err error
		out, err = listIn[T](s, txn, prefix)
		return err
	})
	return out, err
}

// listIn is list in transaction txn.
func listIn[T any](s *Store, txn *badger.Txn, prefix []byte) ([]T, error) {
	out := []T{}
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var r T
		if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// AgentLoad is the number of unresolved conversations assigned to an agent.
func (s *Store) AgentLoad(t, agent string) (int, error) {
	var n uint64
	err := s.view(func(txn *badger.Txn) error {
		var err error
		n, err = getUint64(txn, kAgentLoad(t, agent))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
	return int(n), err
}

// Contact returns a contact.
func (s *Store) Contact(t, id string) (*ContactRec, error) {
	var r ContactRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kContact(t, id), &r) })
}

// Conversation returns a conversation.
func (s *Store) Conversation(t, id string) (*ConversationRec, error) {
	var r ConversationRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kConv(t, id), &r) })
}

// ContactConversations lists a contact's conversations, newest first.
func (s *Store) ContactConversations(t, contact string, limit int) ([]ConversationRec, error) {
	var out []ConversationRec
	err := s.view(func(txn *badger.Txn) error {
		return s.eachContactConv(txn, t, contact, func(c *ConversationRec) error {
			out = append(out, *c)
			return nil
		})
	})
	sortConvs(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// CountContactConversations counts a contact's conversations other than
// except, up to limit: the keys of the contact's index, without their
// records.
func (s *Store) CountContactConversations(t, contact, except string, limit int) (int, error) {
	n := 0
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = kContactConvPrefix(t, contact)
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && n < limit; it.Next() {
			if string(it.Item().Key()[len(opts.Prefix):]) != except {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Conversations lists a tenant's conversations with the given statuses (all
// when none) whose last activity is before sequence before (0: any), most
// recently active first, at most limit, and whether more remain.
//
// It reads every conversation record of the tenant: fine for the tens of
// thousands an edge holds, and the reason the console pages.
func (s *Store) Conversations(t string, statuses []string, before uint64, limit int) ([]ConversationRec, bool, error) {
	want := map[string]bool{}
	for _, st := range statuses {
		want[st] = true
	}
	out, err := s.scanConvs(t, func(c *ConversationRec) bool {
		return (len(want) == 0 || want[c.Status]) && (before == 0 || c.LastSeq < before)
	})
	sortConvs(out)
	more := false
	if limit > 0 && len(out) > limit {
		out, more = out[:limit], true
	}
	return out, more, err
}

// Waiting returns up to limit of a tenant's waiting conversations (new or
// open, and unassigned) in the order the queue serves them: highest
// priority first, then oldest first.
func (s *Store) Waiting(t string, limit int) ([]ConversationRec, error) {
	out, err := s.scanConvs(t, func(c *ConversationRec) bool {
		return (c.Status == event.StatusNew || c.Status == event.StatusOpen) && c.Assignee == ""
	})
	slices.SortFunc(out, func(a, b ConversationRec) int {
		if c := cmp.Compare(event.PriorityRank(b.Priority), event.PriorityRank(a.Priority)); c != 0 {
			return c
		}
		return cmp.Compare(a.OpenedSeq, b.OpenedSeq)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// scanConvs reads every conversation record of tenant t and keeps those
// keep accepts.
func (s *Store) scanConvs(t string, keep func(*ConversationRec) bool) ([]ConversationRec, error) {
	var out []ConversationRec
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = kConvPrefix(t)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var c ConversationRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &c) }); err != nil {
				return err
			}
			if keep(&c) {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// sortConvs orders conversations by newest activity first, ties by id.
func sortConvs(cs []ConversationRec) {
	slices.SortFunc(cs, func(a, b ConversationRec) int {
		if c := cmp.Compare(b.LastSeq, a.LastSeq); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Timeline returns up to limit items of a conversation with sequence below
// before (0: from the newest), oldest first, and whether older ones remain.
func (s *Store) Timeline(t, conv string, before uint64, limit int, includePrivate bool) ([]Item, bool, error) {
	var out []Item
	more := false
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false // pages of small values: a prefetch only costs (a goroutine per value)
		opts.Reverse = true
		prefix := kTimelinePrefix(t, conv)
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		start := append(append([]byte{}, prefix...), 0xff)
		if before > 0 {
			start = kTimeline(t, conv, before-1)
		}
		for it.Seek(start); it.Valid(); it.Next() {
			var item Item
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &item) }); err != nil {
				return err
			}
			if item.Private && !includePrivate {
				continue
			}
			if len(out) == limit {
				more = true
				break
			}
			out = append(out, item)
		}
		return nil
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, more, err
}

// Feed returns the items after sequence since, in order, from the tenant's
// feed (contact == "") or from what one contact sees, at most limit, and
// whether more remain. Items up to upTo only (0: no bound).
func (s *Store) Feed(t, contact string, since, upTo uint64, limit int) ([]Item, bool, error) {
	if contact != "" {
		return s.contactFeed(t, contact, since, upTo, limit)
	}
	var out []Item
	more := false
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false // pages of small values: a prefetch only costs (a goroutine per value)
		prefix := kFeedPrefix(t)
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(kFeed(t, since+1)); it.Valid(); it.Next() {
			seq, err := parseSeqHex(string(it.Item().Key()[len(prefix):]))
			if err != nil {
				return err
			}
			if upTo > 0 && seq > upTo {
				break
			}
			if len(out) == limit {
				more = true
				break
			}
			conv, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var item Item
			if err := s.get(txn, kTimeline(t, string(conv), seq), &item); err != nil {
				return err
			}
			out = append(out, item)
		}
		return nil
	})
	return out, more, err
}

// contactFeed merges the timelines of a contact's conversations that
// changed after since, leaving out private notes.
func (s *Store) contactFeed(t, contact string, since, upTo uint64, limit int) ([]Item, bool, error) {
	var out []Item
	err := s.view(func(txn *badger.Txn) error {
		return s.eachContactConv(txn, t, contact, func(c *ConversationRec) error {
			if c.LastSeq <= since {
				return nil
			}
			return s.timelineAfter(txn, t, c.ID, since, upTo, limit+1, &out)
		})
	})
	slices.SortFunc(out, func(a, b Item) int { return cmp.Compare(a.Seq, b.Seq) })
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, err
}

// eachContactConv calls fn with each conversation of a contact.
func (s *Store) eachContactConv(txn *badger.Txn, t, contact string, fn func(c *ConversationRec) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = kContactConvPrefix(t, contact)
	opts.PrefetchValues = false
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var c ConversationRec
		if err := s.get(txn, kConv(t, string(it.Item().Key()[len(opts.Prefix):])), &c); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// timelineAfter appends to out up to n items of a conversation after since
// (and up to upTo when it is not 0) that a customer may see.
func (s *Store) timelineAfter(txn *badger.Txn, t, conv string, since, upTo uint64, n int, out *[]Item) error {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false // pages of small values: a prefetch only costs (a goroutine per value)
	opts.Prefix = kTimelinePrefix(t, conv)
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Seek(kTimeline(t, conv, since+1)); it.Valid() && n > 0; it.Next() {
		var item Item
		if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &item) }); err != nil {
			return err
		}
		if upTo > 0 && item.Seq > upTo {
			break
		}
		if item.Private {
			continue
		}
		*out = append(*out, item)
		n--
	}
	return nil
}

// ClientMessage returns the sequence of the message a client sent with an id
// in a conversation.
func (s *Store) ClientMessage(t, conv, clientID string) (uint64, error) {
	var seq uint64
	err := s.view(func(txn *badger.Txn) error {
		var err error
		seq, err = getUint64(txn, kClientMsg(t, conv, clientID))
		return err
	})
	return seq, err
}

// ReadMarker returns how far a reader ("agent:<id>" or "customer:<id>") has
// read a conversation.
func (s *Store) ReadMarker(t, conv, reader string) (uint64, error) {
	var r ReadRec
	err := s.view(func(txn *badger.Txn) error { return s.get(txn, kRead(t, conv, reader), &r) })
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return r.Seq, err
}

// AgentsRead returns how far any agent has read a conversation: the
// furthest of the agents' read markers (0 when none has read it).
func (s *Store) AgentsRead(t, conv string) (uint64, error) {
	var most uint64
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = kRead(t, conv, event.ActorAgent+":")
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r ReadRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
				return err
			}
			most = max(most, r.Seq)
		}
		return nil
	})
	return most, err
}

// Attachment returns an attachment's record.
func (s *Store) Attachment(t, id string) (*AttachmentRec, error) {
	var r AttachmentRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kAttachment(t, id), &r) })
}

// AttachmentInConversation reports whether a message of conv references the
// attachment.
func (s *Store) AttachmentInConversation(t, att, conv string) (bool, error) {
	var ok bool
	err := s.view(func(txn *badger.Txn) error {
		var err error
		ok, err = exists(txn, kAttachmentConv(t, att, conv))
		return err
	})
	return ok, err
}

// AttachmentConversations lists the conversations that reference an
// attachment.
func (s *Store) AttachmentConversations(t, att string) ([]string, error) {
	var out []string
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = []byte("atc/" + t + "/" + att + "/")
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			out = append(out, string(it.Item().Key()[len(opts.Prefix):]))
		}
		return nil
	})
	return out, err
}

// CannedResponses lists a tenant's canned responses by shortcut.
func (s *Store) CannedResponses(t string) ([]CannedRec, error) {
	out, err := list[CannedRec](s, kCannedPrefix(t))
	slices.SortFunc(out, func(a, b CannedRec) int { return cmp.Compare(a.Shortcut, b.Shortcut) })
	return out, err
}

// ContactFilter selects contacts: each field given must match exactly
// (e-mail addresses without regard to case); After pages on from a
// contact id.
type ContactFilter struct {
	Email, ExternalID, Inbox string
	After                    string
}

// Contacts lists a tenant's contacts that f selects, in id order, at
// most limit, and whether more remain. It reads the tenant's contact
// records from f.After on: fine for the contacts an edge holds.
func (s *Store) Contacts(t string, f ContactFilter, limit int) ([]ContactRec, bool, error) {
	out := []ContactRec{}
	more := false
	prefix := []byte("c/" + t + "/")
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false // pages of small values: a prefetch only costs (a goroutine per value)
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		start := prefix
		if f.After != "" {
			start = append(kContact(t, f.After), 0)
		}
		for it.Seek(start); it.Valid(); it.Next() {
			var r ContactRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
				return err
			}
			if f.Email != "" && !strings.EqualFold(r.Email, f.Email) || f.ExternalID != "" && r.ExternalID != f.ExternalID ||
				f.Inbox != "" && r.Inbox != f.Inbox {
				continue
			}
			if limit > 0 && len(out) == limit {
				more = true
				break
			}
			out = append(out, r)
		}
		return nil
	})
	return out, more, err
}

// TimelineItem returns the item of a conversation's timeline at sequence
// seq.
func (s *Store) TimelineItem(t, conv string, seq uint64) (*Item, error) {
	var it Item
	return &it, s.view(func(txn *badger.Txn) error { return s.get(txn, kTimeline(t, conv, seq), &it) })
}

// ConversationByMailID returns the conversation of tenant t that an
// e-mail with Message-ID id belongs to (one it received, or one it sent),
// or ErrNotFound.
func (s *Store) ConversationByMailID(t, id string) (string, error) {
	var conv string
	err := s.view(func(txn *badger.Txn) error {
		it, err := txn.Get(kMailID(t, id))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error {
			conv = string(v)
			return nil
		})
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", ErrNotFound
	}
	return conv, err
}

// ContactByEmail returns the contact of tenant t last given e-mail address
// email (in any case), or ErrNotFound.
func (s *Store) ContactByEmail(t, email string) (*ContactRec, error) {
	var rec ContactRec
	err := s.view(func(txn *badger.Txn) error {
		it, err := txn.Get(kContactEmail(t, email))
		if err != nil {
			return err
		}
		id, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		return s.get(txn, kContact(t, string(id)), &rec)
	})
	if errors.Is(err, badger.ErrKeyNotFound) || err == nil && !strings.EqualFold(rec.Email, email) {
		return nil, ErrNotFound // none, or one rekeyed since: its new record is found by its address again
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}
