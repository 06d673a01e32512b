package state

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// Change is what applying one event did, for live delivery.
type Change struct {
	Event *event.Event
	// Item is the client view of the change; nil when there is nothing to
	// show (configuration events, duplicates, events the state refused).
	Item *Item
	// Conv is the conversation after the change, when the event has one.
	Conv *ConversationRec
	// Contact is the customer who may see Item; empty for private notes.
	Contact string
	// Duplicate is set when the event repeats one already applied (same
	// client id), or changes nothing (a status change to the status the
	// conversation has, or one the lifecycle no longer allows after
	// another raced ahead of it); the original's sequence, or the
	// conversation's latest, is in DuplicateOf.
	Duplicate   bool
	DuplicateOf uint64
	// Ephemeral items (read markers) are delivered live but are not part of
	// the timeline or the feeds.
	Ephemeral bool
}

// maxPreview bounds the last-message preview kept on a conversation.
const maxPreview = 140

// ApplyBatch applies events, which must have increasing Seq, in order, and
// records the last sequence with them. Events at or below Applied are
// skipped, so re-delivery is harmless. Events share transactions as long as
// they fit in one; an event's writes are never split across two.
func (s *Store) ApplyBatch(events []*event.Event) ([]Change, error) {
	applied := s.applied.Load()
	rest := events[:0:0]
	for _, e := range events {
		if e.Seq > applied {
			rest = append(rest, e)
			applied = e.Seq
		}
	}
	changes := make([]Change, 0, len(rest))
	for len(rest) > 0 {
		n, ch, err := s.applyChunk(rest)
		if err != nil {
			return nil, err
		}
		changes = append(changes, ch...)
		rest = rest[n:]
	}
	return changes, nil
}

// applyChunk applies as many of events as fit in one transaction, commits
// them with the applied sequence and returns how many it applied.
func (s *Store) applyChunk(events []*event.Event) (int, []Change, error) {
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	clear(s.convPending)
	clear(s.hookDirty)
	s.hookChanged, s.channelChanged = false, false
	committed := false
	defer func() {
		if !committed {
			clear(s.hooks) // its counts may be of the transaction discarded
		}
	}()
	s.autoFired, s.hookQueued = false, false
	changes := make([]Change, 0, len(events))
	for i, e := range events {
		ch, err := s.apply(txn, e)
		if errors.Is(err, badger.ErrTxnTooBig) {
			if i == 0 {
				return 0, nil, fmt.Errorf("event seq %d (%s) is too large for one state transaction", e.Seq, e.Kind)
			}
			// This transaction holds part of event i: drop it and apply
			// the events before i alone.
			txn.Discard()
			return s.applyChunk(events[:i])
		}
		if err != nil {
			clear(s.convCache)
			clear(s.cids)
			return 0, nil, fmt.Errorf("apply event seq %d (%s): %w", e.Seq, e.Kind, err)
		}
		changes = append(changes, ch)
	}
	// Endpoints' and conversation records changed by this chunk, each
	// written once.
	if err := s.flushHooks(txn); err != nil {
		if errors.Is(err, badger.ErrTxnTooBig) && len(events) > 1 {
			txn.Discard()
			return s.applyChunk(events[:len(events)/2])
		}
		return 0, nil, fmt.Errorf("write webhook endpoints: %w", err)
	}
	for _, c := range s.convPending {
		err := s.put(txn, kConv(c.Tenant, c.ID), &c)
		if errors.Is(err, badger.ErrTxnTooBig) && len(events) > 1 {
			txn.Discard()
			return s.applyChunk(events[:len(events)/2])
		}
		if err != nil {
			clear(s.convCache)
			return 0, nil, fmt.Errorf("write conversation %s: %w", c.ID, err)
		}
	}
	last := events[len(events)-1].Seq
	err := putUint64(txn, []byte(keyApplied), last)
	if errors.Is(err, badger.ErrTxnTooBig) && len(events) > 1 {
		txn.Discard()
		return s.applyChunk(events[:len(events)-1])
	}
	if err == nil {
		err = txn.Commit()
	}
	if err != nil {
		clear(s.convCache) // the store is now the only truth
		return 0, nil, fmt.Errorf("commit state batch: %w", err)
	}
	committed = true
	if s.hookChanged {
		s.hookChanged = false
		s.hookVersion.Add(1)
	}
	if s.channelChanged {
		s.channelChanged = false
		s.channelVersion.Add(1)
	}
	for k, c := range s.convPending {
		s.convCache[k] = c
	}
	for _, e := range events {
		if e.Kind == event.KindPluginConfigured {
			s.configs.forget(e.Tenant, e.PluginConfig.Plugin)
		}
	}
	s.applied.Store(last)
	if s.autoFired {
		s.autoFired = false
		select {
		case s.autoWake <- struct{}{}:
		default:
		}
	}
	if s.hookQueued {
		s.hookQueued = false
		select {
		case s.hookWake <- struct{}{}:
		default:
		}
	}
	return len(events), changes, nil
}

// apply applies e, then runs the tenant's rules on what it changed. A
// rule's change (e.Auto) is applied only as its firing's next step.
func (s *Store) apply(txn *badger.Txn, e *event.Event) (Change, error) {
	var firing *AutoRec
	if e.Auto != nil {
		var err error
		if firing, err = s.autoStep(txn, e); err != nil || firing == nil {
			return Change{Event: e, Duplicate: true}, err
		}
	}
	ch, err := s.applyKind(txn, e)
	if err != nil {
		return ch, err
	}
	if firing != nil {
		advance := s.autoAdvance
		if e.Kind == event.KindAutoExpanded {
			advance = func(txn *badger.Txn, r *AutoRec) error { return s.autoExpand(txn, r, e.AutoExpand.Actions) }
		}
		if err := advance(txn, firing); err != nil {
			return ch, err
		}
	}
	if err := s.queueHooks(txn, e, &ch); err != nil {
		return ch, err
	}
	return ch, s.automate(txn, e, &ch)
}

func (s *Store) applyKind(txn *badger.Txn, e *event.Event) (Change, error) {
	ch := Change{Event: e}
	t := e.Tenant
	switch e.Kind {
	case event.KindTenantUpserted:
		ti := e.TenantInfo
		delete(s.policies, t) // a new policy counts the waits that start from now on
		return ch, s.put(txn, kTenant(t), &TenantRec{ID: t, Name: ti.Name, UpdatedAt: e.TS, Residency: ti.Residency, ResidencyMode: ti.ResidencyMode,
			RecordCalls: ti.RecordCalls, SLA: ti.SLA})
	case event.KindInboxUpserted:
		in := e.Inbox
		if err := txn.Set(kInboxIndex(in.ID), []byte(t)); err != nil {
			return ch, err
		}
		return ch, s.put(txn, kInbox(t, in.ID), &InboxRec{ID: in.ID, Tenant: t, Name: in.Name, Channel: in.Channel, IdentitySecret: in.IdentitySecret, Prechat: in.Prechat,
			Skills: in.Skills, Priority: in.Priority, Color: in.Color, Greeting: in.Greeting, ReplyTime: in.ReplyTime})
	case event.KindAgentUpserted:
		return ch, s.applyAgent(txn, e)
	case event.KindContactUpserted:
		return ch, s.applyContact(txn, e)
	case event.KindConversationOpened:
		return s.applyOpened(txn, e)
	case event.KindMessageCreated:
		return s.applyMessage(txn, e)
	case event.KindStatusChanged:
		return s.applyStatus(txn, e)
	case event.KindConversationAssign:
		return s.applyAssign(txn, e)
	case event.KindReadMarked:
		return s.applyRead(txn, e)
	case event.KindMessageAnalyzed:
		return s.applyAnalysis(txn, e)
	case event.KindPriorityChanged:
		return s.applyPriority(txn, e)
	case event.KindCallStarted, event.KindCallJoined, event.KindCallEnded:
		return s.applyCall(txn, e)
	case event.KindEmailDelivery:
		return s.applyDelivery(txn, e)
	case event.KindSLAStage:
		return s.applySLAStage(txn, e)
	case event.KindTagsChanged:
		return s.applyTags(txn, e)
	case event.KindRulesSet:
		delete(s.rules, t)
		return ch, s.put(txn, kRules(t), e.Rules)
	case event.KindMacrosSet:
		return ch, s.put(txn, kMacros(t), e.Macros)
	case event.KindAutoDue:
		return s.applyAutoDue(txn, e)
	case event.KindTeamUpserted:
		return ch, s.applyTeam(txn, e)
	case event.KindTeamChanged:
		return s.applyTeamChange(txn, e)
	case event.KindFieldsSet:
		return ch, s.put(txn, kFieldDefs(t), e.FieldSet)
	case event.KindFieldsChanged:
		return s.applyFieldsChange(txn, e)
	case event.KindViewsSet:
		return ch, s.put(txn, kViews(t), e.Views)
	case event.KindStatusesSet:
		return ch, s.put(txn, kStatuses(t), e.Statuses)
	case event.KindLinked:
		return s.applyLink(txn, e)
	case event.KindMerged:
		return s.applyMerge(txn, e)
	case event.KindAutoSkipped:
		return s.applyAutoSkipped(txn, e)
	case event.KindAutoExpanded:
		return s.applyAutoExpanded(txn, e)
	case event.KindWebhookUpserted:
		return ch, s.applyWebhook(txn, e)
	case event.KindWebhookResults:
		return ch, s.applyHookResults(txn, e)
	case event.KindWebhookReplay:
		return ch, s.applyHookReplay(txn, e)
	case event.KindAutoWebhook:
		return s.applyAutoWebhook(txn, e)
	case event.KindChannelDelivery:
		return s.applyChannelDelivery(txn, e)
	case event.KindChannelConfigured:
		return ch, s.applyChannelConf(txn, e)
	case event.KindChannelCursor:
		return ch, txn.Set(kChannelCursor(t, e.Cursor.Channel), []byte(e.Cursor.Cursor))
	case event.KindConversationRated:
		return s.applyRating(txn, e)
	case event.KindAttachmentStored:
		a := e.Attachment
		return ch, s.put(txn, kAttachment(t, a.ID), &AttachmentRec{
			ID: a.ID, Tenant: t, Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256,
			Uploader: e.Actor.Kind + ":" + e.Actor.ID,
		})
	case event.KindAttachmentExpired:
		return ch, s.applyAttachmentExpired(txn, e)
	case event.KindContactRekeyed:
		return ch, s.applyRekey(txn, e)
	case event.KindCannedUpserted:
		c := e.Canned
		if c.Deleted {
			return ch, txn.Delete(kCanned(t, c.ID))
		}
		return ch, s.put(txn, kCanned(t, c.ID), &CannedRec{ID: c.ID, Shortcut: c.Shortcut, Text: c.Text})
	case event.KindAPIKeyCreated, event.KindAPIKeyRevoked:
		return ch, s.applyAPIKey(txn, e)
	case event.KindPluginConfigured:
		pc := e.PluginConfig
		if len(pc.Config) == 0 {
			return ch, txn.Delete(kPluginConfig(t, pc.Plugin))
		}
		return ch, s.put(txn, kPluginConfig(t, pc.Plugin), &PluginConfigRec{Plugin: pc.Plugin, Tenant: t, Config: pc.Config, UpdatedAt: e.TS, Seq: e.Seq})
	}
	return ch, nil // a kind from a newer node: kept in the log, skipped here
}

// addItem writes a timeline item and its tenant-feed entry. A customer's
// feed is not stored: it is read from the timelines of the customer's
// conversations (ContactFeed).
func (s *Store) addItem(txn *badger.Txn, t string, it *Item) error {
	if err := s.put(txn, kTimeline(t, it.Conv, it.Seq), it); err != nil {
		return err
	}
	return txn.Set(kFeed(t, it.Seq), []byte(it.Conv))
}

func newItem(e *event.Event, kind, conv string) *Item {
	return &Item{Seq: e.Seq, Kind: kind, Conv: conv, TS: e.TS, ActorKind: e.Actor.Kind, ActorID: e.Actor.ID}
}

// counts reports whether a conversation in status st counts toward its
// assignee's load: until it is solved.
func counts(st string) bool { return !event.Done(st) }

func (s *Store) addLoad(txn *badger.Txn, t, agent string, d int64) error {
	if agent == "" || d == 0 {
		return nil
	}
	k := kAgentLoad(t, agent)
	u, err := getUint64(txn, k)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	n := int64(u)
	n += d
	if n <= 0 {
		return txn.Delete(k)
	}
	return putUint64(txn, k, uint64(n))
}

// loadConv reads a conversation record for the projector. The projector is
// the only writer of these records, so it keeps the ones it has read or
// written in memory: what this transaction wrote (pending), else what was
// committed (cache), else the store. It returns a copy the caller may change.
func (s *Store) loadConv(txn *badger.Txn, t, conv string) (*ConversationRec, error) {
	key := t + "/" + conv
	if c, ok := s.convPending[key]; ok {
		return &c, nil
	}
	if c, ok := s.convCache[key]; ok {
		return &c, nil
	}
	var c ConversationRec
	if err := s.get(txn, kConv(t, conv), &c); err != nil {
		return nil, err
	}
	if len(s.convCache) >= maxConvCache {
		clear(s.convCache)
	}
	s.convCache[key] = c // read from committed state: this transaction had not written it
	return &c, nil
}

// putConv records a changed conversation; applyChunk writes each changed
// record once, with the chunk, however many of its events changed it.
func (s *Store) putConv(c *ConversationRec) {
	s.convPending[c.Tenant+"/"+c.ID] = *c
}

// maxConvCache bounds the conversation records the projector keeps.
const maxConvCache = 1 << 16

func (s *Store) applyOpened(txn *badger.Txn, e *event.Event) (Change, error) {
	o := e.Conversation
	t := e.Tenant
	ch := Change{Event: e}
	switch c, err := s.loadConv(txn, t, o.Conv); {
	case err == nil:
		ch.Duplicate, ch.DuplicateOf, ch.Conv = true, c.OpenedSeq, c
		return ch, nil
	case !errors.Is(err, ErrNotFound):
		return ch, err
	}
	assignee, err := s.underCapacity(txn, t, o.Assignee)
	if err != nil {
		return ch, err
	}
	c := &ConversationRec{ID: o.Conv, Tenant: t, Inbox: o.Inbox, Contact: o.Contact, Status: event.StatusNew,
		Assignee: assignee, OpenedAt: e.TS, StatusAt: e.TS, OpenedSeq: e.Seq, LastSeq: e.Seq, LastAt: e.TS,
		Language: o.Language, RoutedBy: o.RoutedBy, RouteNote: o.RouteNote, RouteFallback: o.RouteFallback,
		Priority: event.StoredPriority(o.Priority), Channel: o.Channel}
	var contact ContactRec
	switch err := s.get(txn, kContact(t, o.Contact), &contact); {
	case err == nil:
		c.ContactName = displayName(&contact)
	case !errors.Is(err, ErrNotFound):
		return ch, err
	}
	if err := s.slaFor(txn, e, &ConversationRec{}, c); err != nil {
		return ch, err
	}
	s.putConv(c)
	if err := txn.Set(kContactConv(t, o.Contact, o.Conv), nil); err != nil {
		return ch, err
	}
	if err := s.addLoad(txn, t, assignee, 1); err != nil {
		return ch, err
	}
	if len(s.cids) >= maxCIDFilters {
		clear(s.cids)
	}
	s.cids[t+"/"+o.Conv] = new(cidFilter) // a new conversation: no client id yet
	it := newItem(e, "opened", o.Conv)
	it.Status = event.StatusNew
	it.Assignee = assignee
	it.ClientID = o.ClientID
	ch.Item, ch.Conv, ch.Contact = it, c, o.Contact
	return ch, s.addItem(txn, t, it)
}

// underCapacity returns the agent an opening names when the agent is under
// their chat limit at this point of the log, else "": the conversation then
// opens unassigned. Every node of a region picks an agent from its own view,
// so two nodes may pick the same agent at once; the log orders the two
// openings and this rule, the same on every node, keeps the limit.
func (s *Store) underCapacity(txn *badger.Txn, t, agent string) (string, error) {
	if agent == "" {
		return "", nil
	}
	var a AgentRec
	switch err := s.get(txn, kAgent(t, agent), &a); {
	case errors.Is(err, ErrNotFound):
		return agent, nil // not known here (yet): the limit cannot be checked
	case err != nil:
		return "", err
	}
	if a.MaxChats <= 0 {
		return agent, nil
	}
	load, err := getUint64(txn, kAgentLoad(t, agent))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", err
	}
	if load >= uint64(a.MaxChats) {
		return "", nil
	}
	return agent, nil
}

func (s *Store) applyMessage(txn *badger.Txn, e *event.Event) (Change, error) {
	m := e.Message
	t := e.Tenant
	ch := Change{Event: e}
	c, err := s.loadConv(txn, t, m.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil // refused at the gateway; a foreign log entry is skipped
	}
	if err != nil {
		return ch, err
	}
	ck := kClientMsg(t, m.Conv, m.ClientID)
	filter := s.cids[t+"/"+m.Conv]
	if filter == nil || filter.mayHave(s.cidSeed, m.ClientID) {
		switch orig, err := getUint64(txn, ck); {
		case err == nil:
			ch.Duplicate, ch.DuplicateOf = true, orig
			return ch, nil
		case !errors.Is(err, ErrNotFound):
			return ch, err
		}
	}
	if err := putUint64(txn, ck, e.Seq); err != nil {
		return ch, err
	}
	if filter != nil {
		filter.add(s.cidSeed, m.ClientID)
	}
	prev := *c
	it := newItem(e, "message", m.Conv)
	it.ClientID, it.Text, it.Attachments, it.Private, it.Channel, it.Email = m.ClientID, m.Text, m.Attachments, m.Private, m.Channel, m.Email
	it.Template = m.Template
	if m.Email != nil {
		if c.Subject == "" {
			c.Subject = preview(m.Email.Subject)
		}
		if m.Email.MessageID != "" {
			if err := txn.Set(kMailID(t, m.Email.MessageID), []byte(m.Conv)); err != nil {
				return ch, err
			}
		}
	}
	if e.Actor.Kind == event.ActorAgent {
		// the customer sees the author by name, as named now
		var ag AgentRec
		switch err := s.get(txn, kAgent(t, e.Actor.ID), &ag); {
		case err == nil:
			it.ActorName = ag.Name
		case !errors.Is(err, ErrNotFound):
			return ch, err
		}
	}
	for _, a := range m.Attachments {
		if err := txn.Set(kAttachmentConv(t, a, m.Conv), nil); err != nil {
			return ch, err
		}
	}
	c.LastSeq, c.LastAt = e.Seq, e.TS
	switch {
	case m.Private:
	case e.Actor.Kind == event.ActorCustomer:
		c.CustomerAt = e.TS
	default:
		c.AgentAt = e.TS
	}
	if !m.Private {
		c.Messages++
		c.LastText = preview(m.Text)
		c.LastAttachment = ""
		if len(m.Attachments) > 0 {
			c.LastAttachment = m.Attachments[0]
			var a AttachmentRec
			switch err := s.get(txn, kAttachment(t, m.Attachments[0]), &a); {
			case err == nil && a.Name != "":
				c.LastAttachment = preview(a.Name)
			case err != nil && !errors.Is(err, ErrNotFound):
				return ch, err
			}
		}
	}
	// A customer's reply reopens a pending, on-hold or solved
	// conversation; an agent's answer takes up a new one (ticket.Table).
	if next := ticket.AfterMessage(c.Status, ticket.ActorOf(e.Actor), m.Private); next != c.Status {
		if !counts(c.Status) && counts(next) {
			if err := s.addLoad(txn, t, c.Assignee, 1); err != nil {
				return ch, err
			}
		}
		if err := s.moveStatus(txn, c, next, 0, e.TS); err != nil {
			return ch, err
		}
		it.Status = next
	}
	if err := s.slaFor(txn, e, &prev, c); err != nil {
		return ch, err
	}
	if err := s.addOutbox(txn, e, c); err != nil {
		return ch, err
	}
	if err := s.addPlatform(txn, e, c); err != nil {
		return ch, err
	}
	s.putConv(c)
	contact := c.Contact
	if m.Private {
		contact = ""
	}
	ch.Item, ch.Conv, ch.Contact = it, c, contact
	return ch, s.addItem(txn, t, it)
}

func preview(s string) string {
	if utf8.RuneCountInString(s) <= maxPreview {
		return s
	}
	r := []rune(s)
	return string(r[:maxPreview])
}

func (s *Store) applyStatus(txn *badger.Txn, e *event.Event) (Change, error) {
	st := e.Status
	t := e.Tenant
	ch := Change{Event: e}
	c, err := s.loadConv(txn, t, st.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	// the table again: of two changes that raced past the conversation
	// service's check, the second may no longer be allowed; every node
	// drops it alike (logs written before the six statuses name them by
	// their legacy names)
	to := event.CanonicalStatus(st.Status)
	var until int64
	if to == event.StatusOnHold {
		until = st.SnoozeUntil
	}
	by := ticket.ActorOf(e.Actor)
	if ticket.Check(c.Status, to, by) != nil || to == c.Status && until == c.SnoozeUntil && st.Custom == c.CustomStatus ||
		by == ticket.Timer && !timerDue(c, to, st.Due) {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	if to == c.Status && until == c.SnoozeUntil {
		// another custom status of the same status: no transition
		c.CustomStatus = st.Custom
		c.LastSeq, c.LastAt = e.Seq, e.TS
		s.putConv(c)
		it := newItem(e, "status", c.ID)
		it.Status, it.SnoozeUntil, it.CustomStatus = c.Status, c.SnoozeUntil, c.CustomStatus
		ch.Item, ch.Conv, ch.Contact = it, c, c.Contact
		return ch, s.addItem(txn, t, it)
	}
	switch {
	case counts(c.Status) && !counts(to):
		err = s.addLoad(txn, t, c.Assignee, -1)
	case !counts(c.Status) && counts(to):
		err = s.addLoad(txn, t, c.Assignee, 1)
	}
	if err != nil {
		return ch, err
	}
	prev := *c
	if err := s.moveStatus(txn, c, to, until, e.TS); err != nil {
		return ch, err
	}
	c.CustomStatus = st.Custom
	if err := s.slaFor(txn, e, &prev, c); err != nil {
		return ch, err
	}
	if err := s.endSession(txn, e, &prev, c); err != nil {
		return ch, err
	}
	c.LastSeq, c.LastAt = e.Seq, e.TS
	s.putConv(c)
	it := newItem(e, "status", c.ID)
	it.Status, it.SnoozeUntil, it.CustomStatus = c.Status, c.SnoozeUntil, c.CustomStatus
	ch.Item, ch.Conv, ch.Contact = it, c, c.Contact
	return ch, s.addItem(txn, t, it)
}

// applyTags adds and removes a conversation's tags, at most
// event.MaxTags in all (the adds past them are dropped); a change that
// changes nothing is a duplicate. Agents see it as a "tags" item with
// what it did.
func (s *Store) applyTags(txn *badger.Txn, e *event.Event) (Change, error) {
	tc := e.Tags
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, tc.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	tags := slices.DeleteFunc(slices.Clone(c.Tags), func(t string) bool { return slices.Contains(tc.Remove, t) })
	did := &event.TagsChange{Conv: c.ID}
	for _, t := range c.Tags {
		if slices.Contains(tc.Remove, t) {
			did.Remove = append(did.Remove, t)
		}
	}
	for _, t := range tc.Add {
		if !slices.Contains(tags, t) && len(tags) < event.MaxTags {
			tags = append(tags, t)
			did.Add = append(did.Add, t)
		}
	}
	if len(did.Add)+len(did.Remove) == 0 {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	slices.Sort(tags)
	if len(tags) == 0 {
		tags = nil
	}
	c.Tags = tags
	s.putConv(c)
	it := newItem(e, "tags", c.ID)
	it.Private, it.Tags = true, did
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, e.Tenant, it)
}

// applySLAStage records a service level clock's warning or breach on
// the conversation, and as an item agents see; a stage the clock has
// reached already, or of a wait that ended, changes nothing.
func (s *Store) applySLAStage(txn *badger.Txn, e *event.Event) (Change, error) {
	st := e.SLAStage
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, st.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	before := c.SLA
	if err := s.slaFor(txn, e, c, c); err != nil {
		return ch, err
	}
	if slices.Equal(before, c.SLA) {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	s.putConv(c)
	it := newItem(e, "sla", c.ID)
	it.Private, it.SLA = true, st
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, e.Tenant, it)
}

// timerDue reports whether the clock's change to status to, made for
// the time due, is still awaited: the snooze that ends at due, or the
// solving at due whose days are up. A conversation snoozed again, or
// solved again since, waits for another time.
func timerDue(c *ConversationRec, to string, due int64) bool {
	switch to {
	case event.StatusOpen:
		return c.Status == event.StatusOnHold && c.SnoozeUntil != 0 && c.SnoozeUntil == due
	case event.StatusClosed:
		return c.Status == event.StatusSolved && c.SolvedAt == due
	}
	return false
}

// moveStatus sets c's status (and snooze, for on_hold) at ts, and keeps
// the clock's time indexes: the snooze's end, the solving.
func (s *Store) moveStatus(txn *badger.Txn, c *ConversationRec, to string, until, ts int64) error {
	if c.SnoozeUntil != 0 {
		if err := txn.Delete(kDue(prefixWake, c.SnoozeUntil, c.Tenant, c.ID)); err != nil {
			return err
		}
	}
	if c.SolvedAt != 0 {
		if err := txn.Delete(kDue(prefixSolved, c.SolvedAt, c.Tenant, c.ID)); err != nil {
			return err
		}
	}
	if c.Status != to {
		c.StatusAt, c.CustomStatus = ts, ""
	}
	c.Status, c.SnoozeUntil, c.SolvedAt = to, until, 0
	if until != 0 {
		if err := txn.Set(kDue(prefixWake, until, c.Tenant, c.ID), nil); err != nil {
			return err
		}
	}
	if to == event.StatusSolved {
		c.SolvedAt = max(ts, 1)
		return txn.Set(kDue(prefixSolved, c.SolvedAt, c.Tenant, c.ID), nil)
	}
	return nil
}

func (s *Store) applyAssign(txn *badger.Txn, e *event.Event) (Change, error) {
	a := e.Assign
	t := e.Tenant
	ch := Change{Event: e}
	c, err := s.loadConv(txn, t, a.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	if c.Assignee == a.Agent {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	if counts(c.Status) {
		if err := s.addLoad(txn, t, c.Assignee, -1); err != nil {
			return ch, err
		}
		if err := s.addLoad(txn, t, a.Agent, 1); err != nil {
			return ch, err
		}
	}
	c.Assignee = a.Agent
	if a.RoutedBy != "" {
		c.RoutedBy, c.RouteNote, c.RouteFallback = a.RoutedBy, a.RouteNote, a.RouteFallback
	}
	c.LastSeq, c.LastAt = e.Seq, e.TS
	s.putConv(c)
	it := newItem(e, "assigned", c.ID)
	it.Assignee = a.Agent
	ch.Item, ch.Conv, ch.Contact = it, c, c.Contact
	return ch, s.addItem(txn, t, it)
}

// applyAnalysis records the NLP plugin's reading of a message as an item
// agents see next to it, and keeps the latest reading on the conversation.
// It does not move the conversation in the lists.
func (s *Store) applyAnalysis(txn *badger.Txn, e *event.Event) (Change, error) {
	a := e.Analysis
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, a.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	if a.Language != "" {
		c.Language = a.Language
	}
	c.Intent, c.Sentiment = a.Intent, a.Sentiment
	s.putConv(c)
	it := newItem(e, "analysis", c.ID)
	it.Private, it.Ref, it.Analysis = true, a.Message, a
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, e.Tenant, it)
}

// applyDelivery records what became of a message's e-mail as a private
// "delivery" item that refers to it, and its Message-ID as one of the
// conversation's (a reply that names it joins the conversation).
func (s *Store) applyDelivery(txn *badger.Txn, e *event.Event) (Change, error) {
	d := e.Delivery
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, d.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	if d.MessageID != "" {
		if err := txn.Set(kMailID(e.Tenant, d.MessageID), []byte(c.ID)); err != nil {
			return ch, err
		}
	}
	if err := s.settleOutbox(txn, e.Tenant, d); err != nil {
		return ch, err
	}
	it := newItem(e, "delivery", c.ID)
	it.Private, it.Ref, it.Delivery = true, d.Ref, d
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, e.Tenant, it)
}

// applyPriority sets a conversation's priority: a private "priority" item
// for agents, and no new activity (the conversation keeps its place in
// lists ordered by activity).
func (s *Store) applyPriority(txn *badger.Txn, e *event.Event) (Change, error) {
	p := e.Priority
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, p.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	priority := event.StoredPriority(p.Priority)
	if priority == c.Priority {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	prev := *c
	c.Priority = priority
	if err := s.slaFor(txn, e, &prev, c); err != nil {
		return ch, err
	}
	s.putConv(c)
	it := newItem(e, "priority", c.ID)
	it.Private, it.Priority = true, p.Priority
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, e.Tenant, it)
}

// applyCall records a call's start, a participant joining, or its end as
// a "call" item both sides see.
func (s *Store) applyCall(txn *badger.Txn, e *event.Event) (Change, error) {
	var name string
	if e.Actor.Kind == event.ActorAgent {
		// the customer's widget says who calls by name, as named now
		var ag AgentRec
		switch err := s.get(txn, kAgent(e.Tenant, e.Actor.ID), &ag); {
		case err == nil:
			name = ag.Name
		case !errors.Is(err, ErrNotFound):
			return Change{Event: e}, err
		}
	}
	return s.convItem(txn, e, e.Call.Conv, "call", func(it *Item) {
		it.Status = strings.TrimPrefix(string(e.Kind), "call.")
		it.Call = e.Call
		it.ActorName = name
	})
}

// convItem adds an item of kind, filled in by fill, to a conversation's
// timeline and makes e its last activity (a conversation this store does
// not hold: no change).
func (s *Store) convItem(txn *badger.Txn, e *event.Event, conv, kind string, fill func(*Item)) (Change, error) {
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	c.LastSeq, c.LastAt = e.Seq, e.TS
	s.putConv(c)
	it := newItem(e, kind, c.ID)
	fill(it)
	ch.Item, ch.Conv, ch.Contact = it, c, c.Contact
	return ch, s.addItem(txn, e.Tenant, it)
}

// applyRating adds the customer's rating to the conversation's items.
func (s *Store) applyRating(txn *badger.Txn, e *event.Event) (Change, error) {
	return s.convItem(txn, e, e.Rating.Conv, "rating", func(it *Item) { it.Rating = e.Rating })
}

func (s *Store) applyRead(txn *badger.Txn, e *event.Event) (Change, error) {
	r := e.Read
	t := e.Tenant
	ch := Change{Event: e}
	c, err := s.loadConv(txn, t, r.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	k := kRead(t, r.Conv, e.Actor.Kind+":"+e.Actor.ID)
	var old ReadRec
	if err := s.get(txn, k, &old); err != nil && !errors.Is(err, ErrNotFound) {
		return ch, err
	}
	if r.Seq <= old.Seq {
		return ch, nil
	}
	if err := s.put(txn, k, &ReadRec{Seq: r.Seq, TS: e.TS}); err != nil {
		return ch, err
	}
	it := newItem(e, "read", c.ID)
	it.ReadSeq = r.Seq
	ch.Item, ch.Conv, ch.Contact, ch.Ephemeral = it, c, c.Contact, true
	return ch, nil
}
