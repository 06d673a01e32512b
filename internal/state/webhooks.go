package state

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Outbound webhooks in the state (docs/webhooks.md). The projector keeps a
// tenant's endpoints ("wh/" keys) and queues, at each change's place in
// the log, a delivery for every endpoint that asks for what the change is
// ("wq/<tenant>/<endpoint>/<order>/<seq>": the order is the conversation,
// or the contact, whose deliveries go in log order). The sender of the
// region (edge/webhooks) delivers the first of each order and says what
// became of it in webhook.results, which the projector applies: a sent
// delivery goes, a failed one waits for its next attempt, a dead one
// moves to the endpoint's dead letters ("wd/"), from which webhook.replay
// takes it back. Every node and a rebuilt state hold the same queues.

// HookRec is an endpoint's record: the endpoint as last set, and how many
// deliveries it has queued and dead.
type HookRec struct {
	Tenant    string                `cbor:"1,keyasint"`
	Endpoint  event.WebhookEndpoint `cbor:"2,keyasint"`
	Pending   int                   `cbor:"3,keyasint,omitempty"`
	Dead      int                   `cbor:"4,keyasint,omitempty"`
	CreatedAt int64                 `cbor:"5,keyasint"`
	UpdatedAt int64                 `cbor:"6,keyasint"`
}

// Delivery is a delivery to an endpoint, queued or dead: what it tells
// (Type, Data, of the event Seq, EventID at At) and its attempts so far.
type Delivery struct {
	Tenant   string    `cbor:"1,keyasint"`
	Endpoint string    `cbor:"2,keyasint"`
	Order    string    `cbor:"3,keyasint"`
	Seq      uint64    `cbor:"4,keyasint"`
	EventID  string    `cbor:"5,keyasint"`
	Type     string    `cbor:"6,keyasint"`
	At       int64     `cbor:"7,keyasint"`
	Data     *HookData `cbor:"8,keyasint"`
	Attempts int       `cbor:"9,keyasint,omitempty"`
	NextAt   int64     `cbor:"10,keyasint,omitempty"`
	Code     int       `cbor:"11,keyasint,omitempty"`
	Error    string    `cbor:"12,keyasint,omitempty"`
	LastAt   int64     `cbor:"13,keyasint,omitempty"`
}

// HookPayload is what the deliveries of one event tell, kept once for
// every endpoint they go to ("wp/<tenant>/<seq>"): Refs counts the
// endpoints' queued deliveries of it, and the last one settled removes
// it. A dead delivery keeps a copy of its own.
type HookPayload struct {
	Order   string    `cbor:"1,keyasint"`
	EventID string    `cbor:"2,keyasint"`
	Type    string    `cbor:"3,keyasint"`
	At      int64     `cbor:"4,keyasint"`
	Data    *HookData `cbor:"5,keyasint"`
	Refs    int       `cbor:"6,keyasint"`
}

// hookAttempts is a queued delivery's record: its attempts so far.
type hookAttempts struct {
	Attempts int    `cbor:"1,keyasint,omitempty"`
	NextAt   int64  `cbor:"2,keyasint,omitempty"`
	Code     int    `cbor:"3,keyasint,omitempty"`
	Error    string `cbor:"4,keyasint,omitempty"`
	LastAt   int64  `cbor:"5,keyasint,omitempty"`
}

// delivery is the queued delivery of payload p to endpoint, with its
// attempts a.
func delivery(t, endpoint string, seq uint64, p *HookPayload, a *hookAttempts) Delivery {
	return Delivery{Tenant: t, Endpoint: endpoint, Order: p.Order, Seq: seq, EventID: p.EventID, Type: p.Type, At: p.At, Data: p.Data,
		Attempts: a.Attempts, NextAt: a.NextAt, Code: a.Code, Error: a.Error, LastAt: a.LastAt}
}

// HookData is what a delivery tells (its JSON is the payload's "data").
type HookData struct {
	Conversation *HookConversation `cbor:"1,keyasint,omitempty" json:"conversation,omitempty"`
	Message      *HookMessage      `cbor:"2,keyasint,omitempty" json:"message,omitempty"`
	Contact      *HookContact      `cbor:"3,keyasint,omitempty" json:"contact,omitempty"`
	SLA          *HookSLA          `cbor:"4,keyasint,omitempty" json:"sla,omitempty"`
	// Change says what changed of a conversation.updated: assignee, team,
	// priority, tags, fields.
	Change string    `cbor:"5,keyasint,omitempty" json:"change,omitempty"`
	Rule   *HookRule `cbor:"6,keyasint,omitempty" json:"rule,omitempty"`
	Actor  HookActor `cbor:"7,keyasint" json:"actor"`
}

// HookConversation is a conversation as the change left it.
type HookConversation struct {
	ID           string            `cbor:"1,keyasint" json:"id"`
	Inbox        string            `cbor:"2,keyasint" json:"inbox"`
	Channel      string            `cbor:"3,keyasint" json:"channel"`
	Status       string            `cbor:"4,keyasint" json:"status"`
	CustomStatus string            `cbor:"5,keyasint,omitempty" json:"custom_status,omitempty"`
	Priority     string            `cbor:"6,keyasint" json:"priority"`
	Assignee     string            `cbor:"7,keyasint,omitempty" json:"assignee_id,omitempty"`
	Team         string            `cbor:"8,keyasint,omitempty" json:"team_id,omitempty"`
	Tags         []string          `cbor:"9,keyasint,omitempty" json:"tags"`
	Subject      string            `cbor:"10,keyasint,omitempty" json:"subject,omitempty"`
	Contact      string            `cbor:"11,keyasint" json:"contact_id"`
	ContactName  string            `cbor:"12,keyasint,omitempty" json:"contact_name,omitempty"`
	Fields       map[string]string `cbor:"13,keyasint,omitempty" json:"fields,omitempty"`
	OpenedAt     int64             `cbor:"14,keyasint" json:"opened_at"`
}

// HookMessage is a message or a private note.
type HookMessage struct {
	Seq         uint64   `cbor:"1,keyasint" json:"seq"`
	Text        string   `cbor:"2,keyasint,omitempty" json:"text"`
	Private     bool     `cbor:"3,keyasint,omitempty" json:"private"`
	Attachments []string `cbor:"4,keyasint,omitempty" json:"attachments,omitempty"`
}

// HookContact is a customer as the change left them.
type HookContact struct {
	ID         string            `cbor:"1,keyasint" json:"id"`
	Name       string            `cbor:"2,keyasint,omitempty" json:"name,omitempty"`
	Email      string            `cbor:"3,keyasint,omitempty" json:"email,omitempty"`
	Language   string            `cbor:"4,keyasint,omitempty" json:"language,omitempty"`
	ExternalID string            `cbor:"5,keyasint,omitempty" json:"external_id,omitempty"`
	Attributes map[string]string `cbor:"6,keyasint,omitempty" json:"attributes,omitempty"`
}

// HookSLA is a service level clock's warning or breach.
type HookSLA struct {
	Measure string `cbor:"1,keyasint" json:"measure"`
	Since   int64  `cbor:"2,keyasint" json:"since"`
	Due     int64  `cbor:"3,keyasint" json:"due"`
}

// HookRule names the rule of a rule.webhook.
type HookRule struct {
	ID   string `cbor:"1,keyasint" json:"id"`
	Name string `cbor:"2,keyasint,omitempty" json:"name,omitempty"`
}

// HookActor is who made the change.
type HookActor struct {
	Kind string `cbor:"1,keyasint" json:"kind"`
	ID   string `cbor:"2,keyasint,omitempty" json:"id,omitempty"`
}

// Bounds of an endpoint's deliveries: past MaxHookPending queued, a new
// one is dead at once; past MaxHookDead dead, the oldest goes.
const (
	MaxHookPending = 10000
	MaxHookDead    = 10000
)

func kHookPrefix(t string) []byte          { return []byte("wh/" + t + "/") }
func kHook(t, id string) []byte            { return []byte("wh/" + t + "/" + id) }
func kHookQueuePrefix(t, id string) []byte { return []byte("wq/" + t + "/" + id + "/") }
func kHookDeadPrefix(t, id string) []byte  { return []byte("wd/" + t + "/" + id + "/") }
func kHookQueue(t, id, order string, seq uint64) []byte {
	return []byte("wq/" + t + "/" + id + "/" + order + "/" + seqHex(seq))
}
func kHookPayload(t string, seq uint64) []byte { return []byte("wp/" + t + "/" + seqHex(seq)) }

// keySeq is the sequence a queue or dead key ends with.
func keySeq(k []byte) (uint64, error) {
	if len(k) < 16 {
		return 0, fmt.Errorf("webhook key %q has no sequence", k)
	}
	return strconv.ParseUint(string(k[len(k)-16:]), 16, 64)
}

// payloads are an apply's payloads read, and the changes of their Refs.
type payloads struct {
	s     *Store
	txn   *badger.Txn
	t     string
	got   map[uint64]*HookPayload
	delta map[uint64]int
}

func (s *Store) payloads(txn *badger.Txn, t string) *payloads {
	return &payloads{s: s, txn: txn, t: t, got: map[uint64]*HookPayload{}, delta: map[uint64]int{}}
}

// get is the payload of seq (nil when there is none).
func (p *payloads) get(seq uint64) (*HookPayload, error) {
	if x, ok := p.got[seq]; ok {
		return x, nil
	}
	var x HookPayload
	switch err := p.s.get(p.txn, kHookPayload(p.t, seq), &x); {
	case errors.Is(err, ErrNotFound):
		p.got[seq] = nil
		return nil, nil
	case err != nil:
		return nil, err
	}
	p.got[seq] = &x
	return &x, nil
}

// settle writes the payloads whose Refs changed, removing the ones no
// delivery refers to.
func (p *payloads) settle() error {
	for seq, d := range p.delta {
		x, err := p.get(seq)
		if err != nil || x == nil {
			return err
		}
		if x.Refs += d; x.Refs <= 0 {
			err = p.txn.Delete(kHookPayload(p.t, seq))
		} else {
			err = p.s.put(p.txn, kHookPayload(p.t, seq), x)
		}
		if err != nil {
			return err
		}
	}
	clear(p.delta)
	return nil
}

func kHookDead(t, id string, seq uint64) []byte {
	return []byte("wd/" + t + "/" + id + "/" + seqHex(seq))
}

// hooksOf are the tenant's endpoints, read once per projector run.
func (s *Store) hooksOf(txn *badger.Txn, t string) ([]HookRec, error) {
	if l, ok := s.hooks[t]; ok {
		return l, nil
	}
	l, err := listIn[HookRec](s, txn, kHookPrefix(t))
	if err != nil {
		return nil, err
	}
	if len(s.hooks) >= maxConvCache {
		clear(s.hooks)
	}
	s.hooks[t] = l
	return l, nil
}

// applyWebhook sets an endpoint, or removes it with its deliveries.
func (s *Store) applyWebhook(txn *badger.Txn, e *event.Event) error {
	if err := s.flushHooks(txn); err != nil {
		return err
	}
	w := e.Webhook
	delete(s.hooks, e.Tenant)
	s.hookChanged = true
	var r HookRec
	switch err := s.get(txn, kHook(e.Tenant, w.ID), &r); {
	case errors.Is(err, ErrNotFound):
		if w.Deleted {
			return nil
		}
		r = HookRec{Tenant: e.Tenant, CreatedAt: e.TS}
	case err != nil:
		return err
	}
	if w.Deleted {
		ps := s.payloads(txn, e.Tenant)
		for _, p := range [][]byte{kHookQueuePrefix(e.Tenant, w.ID), kHookDeadPrefix(e.Tenant, w.ID)} {
			queued := p[1] == 'q'
			if err := deletePrefix(txn, p, func(k []byte) error {
				if !queued {
					return nil
				}
				seq, err := keySeq(k)
				ps.delta[seq]--
				return err
			}); err != nil {
				return err
			}
		}
		if err := ps.settle(); err != nil {
			return err
		}
		return txn.Delete(kHook(e.Tenant, w.ID))
	}
	r.Endpoint, r.UpdatedAt = *w, e.TS
	return s.put(txn, kHook(e.Tenant, w.ID), &r)
}

// deletePrefix deletes every key under p, telling each to each first.
func deletePrefix(txn *badger.Txn, p []byte, each func(k []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix, opts.PrefetchValues = p, false
	it := txn.NewIterator(opts)
	var keys [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
		if err := each(k); err != nil {
			return err
		}
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// hookOf is what change ch of e tells endpoints: its type, the order its
// deliveries keep, and its data; "" when it tells none.
func (s *Store) hookOf(txn *badger.Txn, e *event.Event, ch *Change) (string, string, *HookData, error) {
	d := &HookData{Actor: HookActor{Kind: e.Actor.Kind, ID: e.Actor.ID}}
	typ := ""
	switch e.Kind {
	case event.KindConversationOpened:
		typ = event.HookConversationCreated
	case event.KindMessageCreated:
		typ = event.HookMessageCreated
		if e.Message.Private {
			typ = event.HookNoteCreated
		}
		d.Message = &HookMessage{Seq: e.Seq, Text: e.Message.Text, Private: e.Message.Private, Attachments: e.Message.Attachments}
	case event.KindStatusChanged:
		typ = event.HookStatusChanged
	case event.KindConversationAssign:
		typ, d.Change = event.HookConversationUpdated, "assignee"
	case event.KindTeamChanged:
		typ, d.Change = event.HookConversationUpdated, "team"
	case event.KindPriorityChanged:
		typ, d.Change = event.HookConversationUpdated, "priority"
	case event.KindTagsChanged:
		typ, d.Change = event.HookConversationUpdated, "tags"
	case event.KindFieldsChanged:
		typ, d.Change = event.HookConversationUpdated, "fields"
	case event.KindSLAStage:
		typ = event.HookSLAWarning
		if e.SLAStage.Stage == event.SLABreached {
			typ = event.HookSLABreached
		}
		d.SLA = &HookSLA{Measure: e.SLAStage.Measure, Since: e.SLAStage.Since, Due: e.SLAStage.Due}
	case event.KindAutoWebhook:
		typ = event.HookRule
		rule := strings.TrimPrefix(e.Actor.ID, "automation:")
		d.Rule = &HookRule{ID: rule}
		if e.Auto != nil {
			d.Rule.ID = e.Auto.Rule
		}
	case event.KindContactUpserted:
		var k ContactRec
		if err := s.get(txn, kContact(e.Tenant, e.Contact.ID), &k); err != nil {
			return "", "", nil, err
		}
		d.Contact = &HookContact{ID: k.ID, Name: k.Name, Email: k.Email, Language: k.Language, ExternalID: k.ExternalID, Attributes: k.Attributes}
		return event.HookContactUpdated, "c." + k.ID, d, nil
	default:
		return "", "", nil, nil
	}
	c := ch.Conv
	if c == nil {
		return "", "", nil, nil
	}
	hc := &HookConversation{ID: c.ID, Inbox: c.Inbox, Channel: c.Channel, Status: c.Status, CustomStatus: c.CustomStatus, Priority: c.Priority,
		Assignee: c.Assignee, Team: c.Team, Tags: c.Tags, Subject: c.Subject, Contact: c.Contact, ContactName: c.ContactName, OpenedAt: c.OpenedAt}
	if hc.Channel == "" {
		hc.Channel = "web"
	}
	if hc.Priority == "" {
		hc.Priority = event.PriorityNormal
	}
	if len(c.Fields) > 0 {
		hc.Fields = make(map[string]string, len(c.Fields))
		for _, f := range c.Fields {
			hc.Fields[f.Key] = f.Value
		}
	}
	d.Conversation = hc
	return typ, c.ID, d, nil
}

// queueHooks queues the deliveries change ch of e makes: what they tell
// is written once (HookPayload), and each endpoint's queue gets a key of
// its own; the endpoints' counts are written once per chunk (flushHooks).
func (s *Store) queueHooks(txn *badger.Txn, e *event.Event, ch *Change) error {
	if ch.Duplicate {
		return nil
	}
	hooks, err := s.hooksOf(txn, e.Tenant)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var p *HookPayload
	for i := range hooks {
		h := &hooks[i]
		w := &h.Endpoint
		if w.Disabled || e.Kind == event.KindAutoWebhook && e.HookCall.Endpoint != w.ID {
			continue
		}
		if p == nil {
			typ, order, data, err := s.hookOf(txn, e, ch)
			if err != nil || typ == "" {
				return err
			}
			p = &HookPayload{Order: order, EventID: e.ID, Type: typ, At: e.TS, Data: data}
		}
		if p.Type != event.HookRule && !slices.Contains(w.Types, p.Type) {
			continue
		}
		s.hookQueued = true
		s.hookDirty[h.Tenant+"/"+w.ID] = h
		if h.Pending >= MaxHookPending {
			d := delivery(e.Tenant, w.ID, e.Seq, p, &hookAttempts{})
			d.Error = "not sent: the endpoint's queue is full (" + strconv.Itoa(MaxHookPending) + " deliveries waiting); replay it once the endpoint takes deliveries again"
			if err := s.bury(txn, h, &d); err != nil {
				return err
			}
			continue
		}
		h.Pending++
		p.Refs++
		if err := txn.Set(kHookQueue(e.Tenant, w.ID, p.Order, e.Seq), emptyAttempts); err != nil {
			return err
		}
	}
	if p == nil || p.Refs == 0 {
		return nil
	}
	return s.put(txn, kHookPayload(e.Tenant, e.Seq), p)
}

// emptyAttempts is a new delivery's record: an empty map.
var emptyAttempts = []byte{0xa0}

// flushHooks writes the endpoints' records whose counts this chunk
// changed.
func (s *Store) flushHooks(txn *badger.Txn) error {
	for k, h := range s.hookDirty {
		if err := s.put(txn, kHook(h.Tenant, h.Endpoint.ID), h); err != nil {
			return err
		}
		delete(s.hookDirty, k)
	}
	return nil
}

// bury keeps d as dead for endpoint h, dropping the oldest dead past
// MaxHookDead; the caller writes h.
func (s *Store) bury(txn *badger.Txn, h *HookRec, d *Delivery) error {
	h.Dead++
	if h.Dead > MaxHookDead {
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = kHookDeadPrefix(h.Tenant, h.Endpoint.ID), false
		it := txn.NewIterator(opts)
		it.Rewind()
		var oldest []byte
		if it.Valid() {
			oldest = it.Item().KeyCopy(nil)
		}
		it.Close()
		if oldest != nil {
			if err := txn.Delete(oldest); err != nil {
				return err
			}
			h.Dead--
		}
	}
	return s.put(txn, kHookDead(d.Tenant, h.Endpoint.ID, d.Seq), d)
}

// applyHookResults applies what became of deliveries.
func (s *Store) applyHookResults(txn *badger.Txn, e *event.Event) error {
	if err := s.flushHooks(txn); err != nil {
		return err
	}
	// the endpoints' records of the cache, changed in place and written
	// with the chunk (flushHooks), as queueHooks does
	hooks, err := s.hooksOf(txn, e.Tenant)
	if err != nil {
		return err
	}
	rec := func(id string) (*HookRec, error) {
		for i := range hooks {
			if h := &hooks[i]; h.Endpoint.ID == id {
				s.hookDirty[e.Tenant+"/"+id] = h
				return h, nil
			}
		}
		return nil, ErrNotFound
	}
	ps := s.payloads(txn, e.Tenant)
	for _, x := range e.HookResults.Results {
		h, err := rec(x.Endpoint)
		if errors.Is(err, ErrNotFound) {
			continue // removed since
		}
		if err != nil {
			return err
		}
		key := kHookQueue(e.Tenant, x.Endpoint, x.Order, x.Seq)
		var a hookAttempts
		switch err := s.get(txn, key, &a); {
		case errors.Is(err, ErrNotFound):
			continue // taken already (another node's result, a replay)
		case err != nil:
			return err
		}
		a.Attempts, a.Code, a.Error, a.LastAt = max(x.Attempts, a.Attempts+1), x.Code, x.Error, x.At
		switch x.Status {
		case event.HookSent:
			h.Pending--
			ps.delta[x.Seq]--
			if err := txn.Delete(key); err != nil {
				return err
			}
		case event.HookRetry:
			a.NextAt = x.NextAt
			if err := s.put(txn, key, &a); err != nil {
				return err
			}
		case event.HookDead:
			h.Pending--
			ps.delta[x.Seq]--
			if err := txn.Delete(key); err != nil {
				return err
			}
			p, err := ps.get(x.Seq)
			if err != nil {
				return err
			}
			if p == nil {
				p = &HookPayload{Order: x.Order}
			}
			a.NextAt = 0
			d := delivery(e.Tenant, x.Endpoint, x.Seq, p, &a)
			if err := s.bury(txn, h, &d); err != nil {
				return err
			}
		}
	}
	if err := ps.settle(); err != nil {
		return err
	}
	s.hookQueued = true
	return nil
}

// applyHookReplay moves an endpoint's dead deliveries back to its queue,
// to be tried again from the first attempt.
func (s *Store) applyHookReplay(txn *badger.Txn, e *event.Event) error {
	if err := s.flushHooks(txn); err != nil {
		return err
	}
	x := e.HookReplay
	var h HookRec
	switch err := s.get(txn, kHook(e.Tenant, x.Endpoint), &h); {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	seqs := x.Seqs
	if len(seqs) == 0 {
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = kHookDeadPrefix(e.Tenant, x.Endpoint), false
		it := txn.NewIterator(opts)
		for it.Rewind(); it.Valid() && len(seqs) < event.MaxWebhookReplay; it.Next() {
			k := it.Item().Key()
			seq, err := strconv.ParseUint(string(k[len(k)-16:]), 16, 64)
			if err != nil {
				it.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		it.Close()
	}
	ps := s.payloads(txn, e.Tenant)
	for _, seq := range seqs {
		var d Delivery
		switch err := s.get(txn, kHookDead(e.Tenant, x.Endpoint, seq), &d); {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return err
		}
		if err := txn.Delete(kHookDead(e.Tenant, x.Endpoint, seq)); err != nil {
			return err
		}
		h.Dead--
		h.Pending++
		if err := txn.Set(kHookQueue(e.Tenant, x.Endpoint, d.Order, seq), emptyAttempts); err != nil {
			return err
		}
		p, err := ps.get(seq)
		if err != nil {
			return err
		}
		if p == nil { // every other delivery of it is settled: made again
			p = &HookPayload{Order: d.Order, EventID: d.EventID, Type: d.Type, At: d.At, Data: d.Data}
			ps.got[seq] = p
		}
		ps.delta[seq]++
	}
	if err := ps.settle(); err != nil {
		return err
	}
	delete(s.hooks, e.Tenant)
	s.hookQueued = true
	return s.put(txn, kHook(e.Tenant, x.Endpoint), &h)
}

// applyAutoWebhook records a rule's webhook action in the timeline; the
// delivery is queued for the endpoint it names (queueHooks).
func (s *Store) applyAutoWebhook(txn *badger.Txn, e *event.Event) (Change, error) {
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, e.HookCall.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	name := e.HookCall.Endpoint
	var h HookRec
	if s.get(txn, kHook(e.Tenant, name), &h) == nil && h.Endpoint.Description != "" {
		name = h.Endpoint.Description
	}
	it := newItem(e, "automation", c.ID)
	it.Private, it.Text = true, "Sent to the webhook "+strconv.Quote(name)
	ch.Item, ch.Conv = it, c
	return ch, s.addItem(txn, e.Tenant, it)
}

// HookVersion changes when an endpoint is set or removed (once the
// change is committed): a reader's copy of Hooks is current while it
// holds.
func (s *Store) HookVersion() uint64 { return s.hookVersion.Load() }

// HookWake is signalled when the projector queues or settles a delivery.
func (s *Store) HookWake() <-chan struct{} { return s.hookWake }

// Hooks are every tenant's webhook endpoints.
func (s *Store) Hooks() ([]HookRec, error) { return list[HookRec](s, []byte("wh/")) }

// TenantHooks are tenant t's webhook endpoints.
func (s *Store) TenantHooks(t string) ([]HookRec, error) { return list[HookRec](s, kHookPrefix(t)) }

// Hook is tenant t's endpoint id.
func (s *Store) Hook(t, id string) (*HookRec, error) {
	var r HookRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kHook(t, id), &r) })
}

// HookHeads returns, for every endpoint, the first queued delivery of
// each of its orders that is due by now (unix ms), at most room(tenant,
// endpoint) of them, skipping the orders busy says are in flight: one
// pass over the queues, seeking past what it does not take.
func (s *Store) HookHeads(now int64, room func(tenant, endpoint string) int, busy func(tenant, endpoint, order string) bool) ([]Delivery, error) {
	var out []Delivery
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = []byte("wq/"), false
		it := txn.NewIterator(opts)
		defer it.Close()
		var cur string // the endpoint's prefix, "wq/<tenant>/<endpoint>/"
		left := 0
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			parts := strings.SplitN(string(k[len("wq/"):]), "/", 4)
			if len(parts) != 4 {
				it.Next()
				continue
			}
			t, id, order := parts[0], parts[1], parts[2]
			if p := "wq/" + t + "/" + id + "/"; p != cur {
				cur, left = p, room(t, id)
			}
			if left <= 0 {
				it.Seek([]byte(cur[:len(cur)-1] + "0")) // the next endpoint
				continue
			}
			if !busy(t, id, order) {
				d, due, err := s.queuedDelivery(txn, t, id, it.Item(), now)
				if err != nil {
					return err
				}
				if due {
					out = append(out, d)
					left--
				}
			}
			// the order's later deliveries wait for its first: a few are
			// stepped over, more sought past
			next := cur + order + "/"
			n := 0
			for it.Next(); it.Valid() && bytes.HasPrefix(it.Item().Key(), []byte(next)); it.Next() {
				if n++; n == 4 {
					it.Seek([]byte(cur + order + "0"))
					break
				}
			}
		}
		return nil
	})
	return out, err
}

// queuedDelivery is the delivery of endpoint id's queue record it, its
// attempts and its event's payload, when it is due by now (unix ms); the
// payload is read only then.
func (s *Store) queuedDelivery(txn *badger.Txn, t, id string, it *badger.Item, now int64) (Delivery, bool, error) {
	var a hookAttempts
	if err := it.Value(func(v []byte) error { return s.codec.Unmarshal(v, &a) }); err != nil {
		return Delivery{}, false, err
	}
	if a.NextAt > now {
		return Delivery{}, false, nil
	}
	seq, err := keySeq(it.Key())
	if err != nil {
		return Delivery{}, false, err
	}
	var p HookPayload
	if err := s.get(txn, kHookPayload(t, seq), &p); err != nil {
		return Delivery{}, false, fmt.Errorf("webhook delivery %s/%s/%d: %w", t, id, seq, err)
	}
	return delivery(t, id, seq, &p, &a), true, nil
}

// HookDeliveries lists endpoint id's deliveries, queued (dead false:
// by order, then log order) or dead (log order), up to limit, from after
// seq (dead only; 0: the first).
func (s *Store) HookDeliveries(t, id string, dead bool, after uint64, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.view(func(txn *badger.Txn) error {
		prefix := kHookQueuePrefix(t, id)
		if dead {
			prefix = kHookDeadPrefix(t, id)
		}
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		start := prefix
		if dead && after > 0 {
			start = kHookDead(t, id, after+1)
		}
		for it.Seek(start); it.Valid() && len(out) < limit; it.Next() {
			var d Delivery
			if dead {
				if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &d) }); err != nil {
					return err
				}
			} else {
				var err error
				if d, _, err = s.queuedDelivery(txn, t, id, it.Item(), math.MaxInt64); err != nil {
					return err
				}
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}
