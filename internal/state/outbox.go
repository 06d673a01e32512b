package state

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// channelEmail is the Channel of a conversation opened by an e-mail: its
// agents' replies go out as mail.
const channelEmail = "email"

// OutboxRec is an agent's reply that is still to go out as e-mail: the
// message at Seq of conversation Conv. Origin is the node that accepted
// the reply (the one that sends it), Attempts the tries so far and Next
// when it is due (unix ms). An email.delivery event that says sent or
// failed removes it; one that says deferred moves Next.
type OutboxRec struct {
	Tenant   string `cbor:"1,keyasint"`
	Conv     string `cbor:"2,keyasint"`
	Seq      uint64 `cbor:"3,keyasint"`
	Origin   string `cbor:"4,keyasint,omitempty"`
	Attempts int    `cbor:"5,keyasint,omitempty"`
	Next     int64  `cbor:"6,keyasint"`
	// Close marks, in the messaging platforms' outbox, not a reply but
	// the end of the platform's session with the customer (the
	// conversation at Seq was solved or closed).
	Close bool `cbor:"7,keyasint,omitempty"`
}

func kOutbox(t string, seq uint64) []byte { return []byte("ob/" + t + "/" + seqHex(seq)) }

var kOutboxPrefix = []byte("ob/")

// addOutbox records a reply to send when it is an agent's or a rule's
// public message in an e-mail conversation.
func (s *Store) addOutbox(txn *badger.Txn, e *event.Event, c *ConversationRec) error {
	m := e.Message
	if !MailsOut(e) || m.Private || c.Channel != channelEmail && (m.Email == nil || len(m.Email.To) == 0) {
		return nil
	}
	return s.put(txn, kOutbox(e.Tenant, e.Seq), &OutboxRec{Tenant: e.Tenant, Conv: m.Conv, Seq: e.Seq, Origin: e.Origin, Next: e.TS})
}

// MailsOut reports whether e's message, public in an e-mail conversation,
// goes out by mail: an agent's, or an automation rule's reply.
func MailsOut(e *event.Event) bool {
	return e.Actor.Kind == event.ActorAgent || e.Actor.Kind == event.ActorSystem && strings.HasPrefix(e.Actor.ID, ticket.AutomationPrefix)
}

// settleOutbox applies a delivery's outcome to its outbox entry: sent or
// failed removes it, deferred records the attempts and when it is due
// again. A delivery for a message not in the outbox (a bounce after it
// was sent) changes nothing.
func (s *Store) settleOutbox(txn *badger.Txn, t string, d *event.Delivery) error {
	k := kOutbox(t, d.Ref)
	var r OutboxRec
	switch err := s.get(txn, k, &r); {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	if r.Conv != d.Conv {
		return nil // another conversation's message: not this entry's outcome
	}
	if d.Status != event.DeliveryDeferred {
		return txn.Delete(k)
	}
	r.Attempts = max(r.Attempts, d.Attempts)
	r.Next = d.Next
	return s.put(txn, k, &r)
}

// Outbox returns up to limit replies still to send, of every tenant, the
// earliest due first.
func (s *Store) Outbox(limit int) ([]OutboxRec, error) { return s.outbox(kOutboxPrefix, limit) }

// outbox reads the outbox under prefix (e-mail's, or the messaging
// platforms'): up to limit entries, the earliest due first.
func (s *Store) outbox(prefix []byte, limit int) ([]OutboxRec, error) {
	var out []OutboxRec
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r OutboxRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b OutboxRec) int {
		return cmp.Or(cmp.Compare(a.Next, b.Next), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Tenant, b.Tenant))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
