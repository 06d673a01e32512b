package state

import (
	"errors"
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

func kHook(t, id string) []byte            { return []byte("wh/" + t + "/" + id) }
func kHookQueuePrefix(t, id string) []byte { return []byte("wq/" + t + "/" + id + "/") }
func kHookDeadPrefix(t, id string) []byte  { return []byte("wd/" + t + "/" + id + "/") }
func kHookQueue(t, id, order string, seq uint64) []byte {
	return []byte("wq/" + t + "/" + id + "/" + order + "/" + seqHex(seq))
}
func kHookDead(t, id string, seq uint64) []byte {
	return []byte("wd/" + t + "/" + id + "/" + seqHex(seq))
}

// hooksOf are the tenant's endpoints, read once per projector run.
func (s *Store) hooksOf(txn *badger.Txn, t string) ([]HookRec, error) {
	if l, ok := s.hooks[t]; ok {
		return l, nil
	}
	var l []HookRec
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte("wh/" + t + "/")
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var r HookRec
		if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
			return nil, err
		}
		l = append(l, r)
	}
	if len(s.hooks) >= maxConvCache {
		clear(s.hooks)
	}
	s.hooks[t] = l
	return l, nil
}

// applyWebhook sets an endpoint, or removes it with its deliveries.
func (s *Store) applyWebhook(txn *badger.Txn, e *event.Event) error {
	w := e.Webhook
	delete(s.hooks, e.Tenant)
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
		for _, p := range [][]byte{kHookQueuePrefix(e.Tenant, w.ID), kHookDeadPrefix(e.Tenant, w.ID)} {
			if err := deletePrefix(txn, p); err != nil {
				return err
			}
		}
		return txn.Delete(kHook(e.Tenant, w.ID))
	}
	r.Endpoint, r.UpdatedAt = *w, e.TS
	return s.put(txn, kHook(e.Tenant, w.ID), &r)
}

func deletePrefix(txn *badger.Txn, p []byte) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix, opts.PrefetchValues = p, false
	it := txn.NewIterator(opts)
	var keys [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
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

// queueHooks queues the deliveries change ch of e makes.
func (s *Store) queueHooks(txn *badger.Txn, e *event.Event, ch *Change) error {
	if ch.Duplicate {
		return nil
	}
	hooks, err := s.hooksOf(txn, e.Tenant)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var typ, order string
	var data *HookData
	made := false
	for i := range hooks {
		h := &hooks[i]
		w := &h.Endpoint
		if w.Disabled || e.Kind == event.KindAutoWebhook && e.HookCall.Endpoint != w.ID {
			continue
		}
		if !made {
			if typ, order, data, err = s.hookOf(txn, e, ch); err != nil {
				return err
			}
			made = true
		}
		if typ == "" {
			return nil
		}
		if typ != event.HookRule && !slices.Contains(w.Types, typ) {
			continue
		}
		if err := s.enqueue(txn, h, &Delivery{Tenant: e.Tenant, Endpoint: w.ID, Order: order, Seq: e.Seq, EventID: e.ID, Type: typ, At: e.TS, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// enqueue queues d for endpoint h, or makes it dead at once when the
// endpoint's queue is full.
func (s *Store) enqueue(txn *badger.Txn, h *HookRec, d *Delivery) error {
	s.hookQueued = true
	if h.Pending >= MaxHookPending {
		d.Error = "not sent: the endpoint's queue is full (" + strconv.Itoa(MaxHookPending) + " deliveries waiting); replay it once the endpoint takes deliveries again"
		return s.bury(txn, h, d)
	}
	h.Pending++
	if err := s.put(txn, kHookQueue(d.Tenant, d.Endpoint, d.Order, d.Seq), d); err != nil {
		return err
	}
	return s.put(txn, kHook(h.Tenant, h.Endpoint.ID), h)
}

// bury keeps d as dead for endpoint h (whose record it writes), dropping
// the oldest dead past MaxHookDead.
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
	if err := s.put(txn, kHookDead(d.Tenant, d.Endpoint, d.Seq), d); err != nil {
		return err
	}
	return s.put(txn, kHook(h.Tenant, h.Endpoint.ID), h)
}

// applyHookResults applies what became of deliveries.
func (s *Store) applyHookResults(txn *badger.Txn, e *event.Event) error {
	recs := map[string]*HookRec{}
	rec := func(id string) (*HookRec, error) {
		if r, ok := recs[id]; ok {
			return r, nil
		}
		var r HookRec
		if err := s.get(txn, kHook(e.Tenant, id), &r); err != nil {
			return nil, err
		}
		recs[id] = &r
		return &r, nil
	}
	for _, x := range e.HookResults.Results {
		h, err := rec(x.Endpoint)
		if errors.Is(err, ErrNotFound) {
			continue // removed since
		}
		if err != nil {
			return err
		}
		key := kHookQueue(e.Tenant, x.Endpoint, x.Order, x.Seq)
		var d Delivery
		switch err := s.get(txn, key, &d); {
		case errors.Is(err, ErrNotFound):
			continue // taken already (another node's result, a replay)
		case err != nil:
			return err
		}
		d.Attempts, d.Code, d.Error, d.LastAt = max(x.Attempts, d.Attempts+1), x.Code, x.Error, x.At
		switch x.Status {
		case event.HookSent:
			h.Pending--
			if err := txn.Delete(key); err != nil {
				return err
			}
			if err := s.put(txn, kHook(e.Tenant, x.Endpoint), h); err != nil {
				return err
			}
		case event.HookRetry:
			d.NextAt = x.NextAt
			if err := s.put(txn, key, &d); err != nil {
				return err
			}
		case event.HookDead:
			h.Pending--
			d.NextAt = 0
			if err := txn.Delete(key); err != nil {
				return err
			}
			if err := s.bury(txn, h, &d); err != nil {
				return err
			}
		}
	}
	s.hookQueued = true
	return nil
}

// applyHookReplay moves an endpoint's dead deliveries back to its queue,
// to be tried again from the first attempt.
func (s *Store) applyHookReplay(txn *badger.Txn, e *event.Event) error {
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
		d.Attempts, d.NextAt, d.Code, d.Error = 0, 0, 0, ""
		h.Pending++
		if err := s.put(txn, kHookQueue(e.Tenant, x.Endpoint, d.Order, seq), &d); err != nil {
			return err
		}
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

// HookWake is signalled when the projector queues or settles a delivery.
func (s *Store) HookWake() <-chan struct{} { return s.hookWake }

// Hooks are every tenant's webhook endpoints.
func (s *Store) Hooks() ([]HookRec, error) {
	var out []HookRec
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte("wh/")
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r HookRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Hook is tenant t's endpoint id.
func (s *Store) Hook(t, id string) (*HookRec, error) {
	var r HookRec
	return &r, s.view(func(txn *badger.Txn) error { return s.get(txn, kHook(t, id), &r) })
}

// HookHeads returns the first queued delivery of each order of endpoint
// id of tenant t that is due by now (unix ms), up to limit, skipping the
// orders in busy (deliveries in flight).
func (s *Store) HookHeads(t, id string, now int64, limit int, busy func(order string) bool) ([]Delivery, error) {
	var out []Delivery
	err := s.view(func(txn *badger.Txn) error {
		prefix := kHookQueuePrefix(t, id)
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = prefix, false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; {
			k := it.Item().Key()
			rest := k[len(prefix):]
			slash := strings.LastIndexByte(string(rest), '/')
			if slash < 0 {
				it.Next()
				continue
			}
			order := string(rest[:slash])
			if !busy(order) {
				var d Delivery
				if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &d) }); err != nil {
					return err
				}
				if d.NextAt <= now {
					out = append(out, d)
				}
			}
			// the order's later deliveries wait for its first
			it.Seek(append(append(slices.Clone(prefix), order...), '0'))
		}
		return nil
	})
	return out, err
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
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &d) }); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}
