package state

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// The social channels' records (edge/channels): where a conversation's
// customer is on their platform, the platform's messages already
// recorded, the replies still to send, the platform's ids of the replies
// sent (for the statuses it reports), and a pulling channel's cursor.

// PlatformRec is where a conversation's customer is: the configured
// channel, their id and chat on the platform, and when they last wrote
// there (unix ms).
type PlatformRec struct {
	Channel string `cbor:"1,keyasint"`
	From    string `cbor:"2,keyasint"`
	Chat    string `cbor:"3,keyasint,omitempty"`
	At      int64  `cbor:"4,keyasint"`
}

func kPlatform(t, conv string) []byte        { return []byte("xs/" + t + "/" + conv) }
func kPlatformMsg(t, clientID string) []byte { return []byte("xm/" + t + "/" + clientID) }
func kPlatformSent(t, id string) []byte      { return []byte("xp/" + t + "/" + id) }
func kChannelCursor(t, ch string) []byte     { return []byte("xc/" + t + "/" + ch) }
func kSocialOutbox(t string, seq uint64) []byte {
	return []byte("so/" + t + "/" + seqHex(seq))
}

var kSocialOutboxPrefix = []byte("so/")

// social reports whether channel is a messaging platform's.
func social(channel string) bool { return slices.Contains(event.SocialChannels, channel) }

// addPlatform records, for a message that came by a social channel,
// where its customer is and that the platform's message is in; and, for
// an agent's or a rule's public message in such a conversation, the
// reply to send.
func (s *Store) addPlatform(txn *badger.Txn, e *event.Event, c *ConversationRec) error {
	m := e.Message
	if p := m.Platform; p != nil && e.Actor.Kind == event.ActorCustomer {
		if err := s.put(txn, kPlatform(e.Tenant, c.ID), &PlatformRec{Channel: p.Channel, From: p.From, Chat: p.Chat, At: e.TS}); err != nil {
			return err
		}
		return txn.Set(kPlatformMsg(e.Tenant, m.ClientID), []byte(c.ID))
	}
	if !social(c.Channel) || m.Private || !MailsOut(e) {
		return nil
	}
	return s.put(txn, kSocialOutbox(e.Tenant, e.Seq), &OutboxRec{Tenant: e.Tenant, Conv: m.Conv, Seq: e.Seq, Origin: e.Origin, Next: e.TS})
}

// endSession queues, when a conversation on a platform is solved or
// closed, the end of the platform's session with its customer (WeCom
// keeps one): an outbox entry at the change's place, sent like a reply.
func (s *Store) endSession(txn *badger.Txn, e *event.Event, prev, c *ConversationRec) error {
	if !social(c.Channel) || event.Done(prev.Status) || !event.Done(c.Status) {
		return nil
	}
	return s.put(txn, kSocialOutbox(e.Tenant, e.Seq), &OutboxRec{Tenant: e.Tenant, Conv: c.ID, Seq: e.Seq, Origin: e.Origin, Next: e.TS, Close: true})
}

// applyChannelDelivery records what became of a reply on its platform:
// a private "delivery" item that refers to it; sent or failed settles its
// outbox entry, deferred moves it, and the platform's ids of a sent reply
// are kept for the statuses the platform reports later.
func (s *Store) applyChannelDelivery(txn *badger.Txn, e *event.Event) (Change, error) {
	d := e.Delivery
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, d.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	if d.Status == event.DeliverySent || d.Status == event.DeliveryFailed && d.Attempts > 0 {
		// a failed attempt may have sent a part: its ids too
		for id := range strings.FieldsSeq(d.MessageID) {
			if err := txn.Set(kPlatformSent(e.Tenant, id), []byte(c.ID+"/"+strconv.FormatUint(d.Ref, 10))); err != nil {
				return ch, err
			}
		}
	}
	closing, err := s.settleSocial(txn, e.Tenant, d)
	if err != nil || closing {
		return ch, err // a session's end is no reply: no item
	}
	it := newItem(e, "delivery", c.ID)
	it.Private, it.Ref, it.Delivery = true, d.Ref, d
	ch.Item, ch.Conv = it, c
	return ch, s.addItem(txn, e.Tenant, it)
}

// settleSocial applies an attempt's outcome to its outbox entry, and
// reports whether the entry was a session's end.
func (s *Store) settleSocial(txn *badger.Txn, t string, d *event.Delivery) (bool, error) {
	k := kSocialOutbox(t, d.Ref)
	var r OutboxRec
	switch err := s.get(txn, k, &r); {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	switch {
	case r.Conv != d.Conv:
		return false, nil
	case d.Status == event.DeliveryDeferred:
		r.Attempts = max(r.Attempts, d.Attempts)
		r.Next = d.Next
		return r.Close, s.put(txn, k, &r)
	case d.Status == event.DeliverySent || d.Status == event.DeliveryFailed:
		return r.Close, txn.Delete(k)
	}
	return false, nil // delivered, read: the entry went before
}

// Platform returns where conversation conv's customer is on their
// platform.
func (s *Store) Platform(t, conv string) (*PlatformRec, error) {
	var r PlatformRec
	if err := s.view(func(txn *badger.Txn) error { return s.get(txn, kPlatform(t, conv), &r) }); err != nil {
		return nil, err
	}
	return &r, nil
}

// PlatformMessage returns the conversation the platform's message (by the
// client id its channel derived from it) was recorded in.
func (s *Store) PlatformMessage(t, clientID string) (string, error) {
	return s.rawString(kPlatformMsg(t, clientID))
}

// PlatformSent returns the conversation and the sequence of the reply the
// platform knows by id.
func (s *Store) PlatformSent(t, id string) (string, uint64, error) {
	v, err := s.rawString(kPlatformSent(t, id))
	if err != nil {
		return "", 0, err
	}
	conv, seq, _ := strings.Cut(v, "/")
	n, err := strconv.ParseUint(seq, 10, 64)
	return conv, n, err
}

// ChannelCursor returns where a pulling channel has read up to ("" from
// the start).
func (s *Store) ChannelCursor(t, channel string) (string, error) {
	v, err := s.rawString(kChannelCursor(t, channel))
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (s *Store) rawString(k []byte) (string, error) {
	var out string
	err := s.view(func(txn *badger.Txn) error {
		it, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { out = string(v); return nil })
	})
	return out, err
}

// SocialOutbox returns up to limit replies still to send on platforms,
// of every tenant, the earliest due first.
func (s *Store) SocialOutbox(limit int) ([]OutboxRec, error) {
	return s.outbox(kSocialOutboxPrefix, limit)
}

// ChannelConfRec is a messaging platform's channel the hub configured
// (channel.configured): its configuration, with its credentials as they
// came (sealed to the region's key), its tenant, and the event that set it.
type ChannelConfRec struct {
	Tenant    string              `cbor:"1,keyasint"`
	Config    event.ChannelConfig `cbor:"2,keyasint"`
	UpdatedAt int64               `cbor:"3,keyasint"`
	Seq       uint64              `cbor:"4,keyasint"`
}

func kChannelConf(id string) []byte { return []byte("xk/" + id) }

var kChannelConfPrefix = []byte("xk/")

// applyChannelConf sets or removes a channel's configuration. A channel's
// id is global (it is in its webhook's URL): one held by another tenant is
// left as it is (the hub refuses such a change before it is made).
func (s *Store) applyChannelConf(txn *badger.Txn, e *event.Event) error {
	c := e.ChannelConf
	var old ChannelConfRec
	switch err := s.get(txn, kChannelConf(c.ID), &old); {
	case err == nil && old.Tenant != e.Tenant:
		return nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	s.channelChanged = true
	if c.Deleted {
		return txn.Delete(kChannelConf(c.ID))
	}
	return s.put(txn, kChannelConf(c.ID), &ChannelConfRec{Tenant: e.Tenant, Config: *c, UpdatedAt: e.TS, Seq: e.Seq})
}

// ChannelConfs returns the channels the hub configured, by id.
func (s *Store) ChannelConfs() ([]ChannelConfRec, error) {
	var out []ChannelConfRec
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = kChannelConfPrefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r ChannelConfRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// ChannelVersion changes whenever a channel's configuration does.
func (s *Store) ChannelVersion() uint64 { return s.channelVersion.Load() }
