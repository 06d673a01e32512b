package state

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// Automation in the state (docs/automation.md). The projector runs a
// tenant's rules on each change it applies, at the change's place in the
// log: a rule that fires is written down as a firing (AutoRec, "au/"
// keys) in the same transaction, so that every node of a region, and a
// node that rebuilds its state, writes down the same firings. The
// automation runner of any node makes a firing's actions, one event each,
// whose ids are derived from the firing and the step and which carry an
// event.AutoRef: the projector applies a step only when its firing is
// at that step, so the log keeps each action once however many nodes
// make it. A time rule's next time for each conversation is kept in a
// time index ("da/" keys), which the runner reads.

// AutoRec is a firing of a rule: its actions still to make (from Done).
type AutoRec struct {
	Tenant   string `cbor:"1,keyasint"`
	Conv     string `cbor:"2,keyasint"`
	Rule     string `cbor:"3,keyasint"`
	RuleName string `cbor:"4,keyasint,omitempty"`
	// Trigger is the sequence of the event that fired it, At its time.
	Trigger uint64 `cbor:"5,keyasint"`
	At      int64  `cbor:"6,keyasint"`
	// Chain are the rules whose changes led here, this rule last.
	Chain   []string       `cbor:"7,keyasint"`
	Actions []event.Action `cbor:"8,keyasint"`
	Done    int            `cbor:"9,keyasint,omitempty"`
	// Stop, when set, says why the rule is not run (a loop stopped): the
	// runner records it, and the firing is over.
	Stop string `cbor:"10,keyasint,omitempty"`
	// When is the trigger that fired it, and Text the message that did
	// (kept only for a rule with a plugin action, which tells the plugin).
	When string `cbor:"11,keyasint,omitempty"`
	Text string `cbor:"12,keyasint,omitempty"`
}

// AutoDueRec is a time rule's time for a conversation: when it comes
// (Due), and whether it has fired for it.
type AutoDueRec struct {
	Rule  string `cbor:"1,keyasint"`
	Due   int64  `cbor:"2,keyasint"`
	Fired bool   `cbor:"3,keyasint,omitempty"`
}

// AutoDueKey is a time rule's time that has come (DueAutomation).
type AutoDueKey struct {
	Tenant, Conv, Rule string
	Due                int64
}

const (
	prefixFiring  = "au/"
	prefixAutoDue = "da/"
)

func kFiring(trigger uint64, rule string) []byte {
	return []byte(prefixFiring + seqHex(trigger) + "/" + rule)
}

func kAutoDue(ms int64, t, conv, rule string) []byte {
	return []byte(prefixAutoDue + seqHex(uint64(ms)) + "/" + t + "/" + conv + "/" + rule)
}

func kRules(t string) []byte  { return []byte("ru/" + t) }
func kMacros(t string) []byte { return []byte("ma/" + t) }

// ruleSet is the tenant's compiled rules, read once per projector run
// (a rules_set event forgets it).
func (s *Store) ruleSet(txn *badger.Txn, t string) (*automation.Set, error) {
	if set, ok := s.rules[t]; ok {
		return set, nil
	}
	var rs event.RuleSet
	switch err := s.get(txn, kRules(t), &rs); {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	}
	var set *automation.Set
	if len(rs.Rules) > 0 {
		set = automation.Compile(rs.Rules)
	}
	if len(s.rules) >= maxConvCache {
		clear(s.rules)
	}
	s.rules[t] = set
	return set, nil
}

// autoStep checks a rule's change against its firing before it is
// applied: it returns the firing when e is its next step, nil when e
// repeats a step already made (or of a firing that is over), which the
// projector then drops.
func (s *Store) autoStep(txn *badger.Txn, e *event.Event) (*AutoRec, error) {
	var r AutoRec
	switch err := s.get(txn, kFiring(e.Auto.Trigger, e.Auto.Rule), &r); {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	if r.Tenant != e.Tenant || r.Done != e.Auto.Step || r.Conv != e.Conv() {
		return nil, nil
	}
	// a plugin's step is taken only by its answer or its skip, and any
	// other step only by its own change: two nodes may make different
	// kinds of change for one step while a plugin's answer is on its way
	if r.Stop == "" && r.Done < len(r.Actions) && (r.Actions[r.Done].Type == automation.Plugin) != e.Auto.Plugin {
		return nil, nil
	}
	return &r, nil
}

// autoExpand puts a plugin's actions in the place of its step (the
// firing's next), as many as the firing has room for
// (event.MaxFiringSteps); none end the step.
func (s *Store) autoExpand(txn *badger.Txn, r *AutoRec, actions []event.Action) error {
	rest := r.Actions[r.Done+1:]
	room := max(event.MaxFiringSteps-r.Done-len(rest), 0)
	actions = actions[:min(len(actions), room)]
	r.Actions = slices.Concat(r.Actions[:r.Done], actions, rest)
	if r.Done >= len(r.Actions) {
		return txn.Delete(kFiring(r.Trigger, r.Rule))
	}
	s.autoFired = true
	return s.put(txn, kFiring(r.Trigger, r.Rule), r)
}

// autoAdvance moves a firing past the step just applied; the last step
// ends it.
func (s *Store) autoAdvance(txn *badger.Txn, r *AutoRec) error {
	r.Done++
	if r.Done >= len(r.Actions) {
		return txn.Delete(kFiring(r.Trigger, r.Rule))
	}
	s.autoFired = true
	return s.put(txn, kFiring(r.Trigger, r.Rule), r)
}

// trigger is what e did to its conversation, as rules name it.
func trigger(e *event.Event) (string, string) {
	switch e.Kind {
	case event.KindConversationOpened:
		return automation.Created, ""
	case event.KindMessageCreated:
		switch {
		case e.Message.Private:
			return automation.Note, e.Message.Text
		case e.Actor.Kind == event.ActorCustomer:
			return automation.MessageIn, e.Message.Text
		}
		return automation.MessageOut, e.Message.Text
	case event.KindMessageAnalyzed:
		return automation.Analyzed, ""
	case event.KindStatusChanged:
		return automation.StatusChanged, ""
	case event.KindPriorityChanged:
		return automation.PriorityChanged, ""
	case event.KindTagsChanged:
		return automation.TagsChanged, ""
	case event.KindConversationAssign:
		return automation.Assigned, ""
	case event.KindTeamChanged:
		return automation.TeamChanged, ""
	case event.KindFieldsChanged:
		return automation.FieldsChanged, ""
	case event.KindSLAStage:
		if e.SLAStage.Stage == event.SLABreached {
			return automation.SLABreach, ""
		}
		return automation.SLAWarning, ""
	}
	return "", ""
}

// customerOf loads a conversation's customer for conditions, once per
// evaluation (the projector's, reused).
type customerOf struct {
	s      *Store
	txn    *badger.Txn
	t, id  string
	result automation.Contact
}

func (l *customerOf) Customer() *automation.Contact {
	var k ContactRec
	if l.s.get(l.txn, kContact(l.t, l.id), &k) != nil {
		return nil
	}
	l.result = automation.Contact{Name: k.Name, Email: k.Email, Language: k.Language, Attributes: k.Attributes}
	return &l.result
}

// facts are what rules read of conversation c (the projector's, reused
// until the next call).
func (s *Store) facts(txn *badger.Txn, c *ConversationRec, trig, actor string, at int64) (*automation.Facts, error) {
	p, err := s.policyOf(txn, c.Tenant)
	if err != nil {
		return nil, err
	}
	var hours *sla.Schedule
	if p != nil {
		hours = p.sched
	}
	s.autoCustomer = customerOf{s: s, txn: txn, t: c.Tenant, id: c.Contact}
	s.autoFacts = automation.Facts{Trigger: trig, Actor: actor, Status: c.Status, CustomStatus: c.CustomStatus, Priority: c.Priority, Channel: c.Channel, Inbox: c.Inbox,
		Assignee: c.Assignee, Team: c.Team, Fields: c.Fields, Language: c.Language, Intent: c.Intent, Sentiment: c.Sentiment, Subject: c.Subject, Tags: c.Tags,
		At: at, Hours: hours, Customer: &s.autoCustomer}
	return &s.autoFacts, nil
}

// automate runs the tenant's rules on the change ch that e made, and
// keeps the conversation's time rules' times.
func (s *Store) automate(txn *badger.Txn, e *event.Event, ch *Change) error {
	c := ch.Conv
	if c == nil || ch.Duplicate {
		return nil
	}
	set, err := s.ruleSet(txn, e.Tenant)
	if err != nil || set == nil {
		return err
	}
	var chain []string
	if e.Auto != nil {
		chain = e.Auto.Chain
	}
	if trig, text := trigger(e); trig != "" {
		f, err := s.facts(txn, c, trig, string(ticket.ActorOf(e.Actor)), e.TS)
		if err != nil {
			return err
		}
		f.Text = text
		if e.SLAStage != nil {
			f.SLAMeasure = e.SLAStage.Measure
		}
		if automation.Stopped(chain) {
			for _, r := range set.Match(f, nil) {
				if !slices.Contains(chain, r.ID) {
					if err := s.loopStopped(txn, e, c, chain, r); err != nil {
						return err
					}
					break
				}
			}
		}
		s.autoMatch = set.MatchAppend(s.autoMatch[:0], f, chain)
		for _, r := range s.autoMatch {
			if err := s.fire(txn, e, c, r, append(slices.Clone(chain), r.ID), trig, text); err != nil {
				return err
			}
		}
	}
	return s.keepTimes(txn, set, c)
}

// fire writes down a firing of rule r by event e.
func (s *Store) fire(txn *badger.Txn, e *event.Event, c *ConversationRec, r *event.Rule, chain []string, trig, text string) error {
	s.autoFired = true
	if !slices.ContainsFunc(r.Actions, func(a event.Action) bool { return a.Type == automation.Plugin }) {
		text = ""
	}
	return s.put(txn, kFiring(e.Seq, r.ID), &AutoRec{Tenant: e.Tenant, Conv: c.ID, Rule: r.ID, RuleName: r.Name, Trigger: e.Seq,
		At: e.TS, Chain: chain, Actions: r.Actions, When: trig, Text: text})
}

// loopStopped writes down, instead of a firing of rule next, that a
// chain of rules reached event.MaxChain: the runner records it for agents
// (an automation.skipped event) and the rule does not run.
func (s *Store) loopStopped(txn *badger.Txn, e *event.Event, c *ConversationRec, chain []string, next *event.Rule) error {
	s.autoFired = true
	return s.put(txn, kFiring(e.Seq, next.ID), &AutoRec{Tenant: e.Tenant, Conv: c.ID, Rule: next.ID, RuleName: next.Name, Trigger: e.Seq,
		At: e.TS, Chain: chain, Stop: "rule " + next.ID + " was not run: a chain of rules (" + strings.Join(chain, " → ") +
			") reached " + strconv.Itoa(event.MaxChain) + ", where rules that keep triggering each other are stopped"})
}

// since is the moment a time rule counts from for c (0: none yet).
func since(r *event.Rule, c *ConversationRec) int64 {
	switch r.Since {
	case automation.SinceStatus:
		return c.StatusAt
	case automation.SinceCreated:
		return c.OpenedAt
	case automation.SinceCustomer:
		return c.CustomerAt
	case automation.SinceAgent:
		return c.AgentAt
	}
	return 0
}

// keepTimes keeps conversation c's time rules' times: for each time rule
// whose conditions hold now, the time it will come (a time it has fired
// for is kept as fired); the others' are removed.
func (s *Store) keepTimes(txn *badger.Txn, set *automation.Set, c *ConversationRec) error {
	timed := set.Timed()
	if len(timed) == 0 && len(c.AutoDue) == 0 {
		return nil
	}
	next := s.autoDue[:0]
	var f *automation.Facts
	for _, r := range timed {
		from := since(r.Rule, c)
		if from == 0 {
			continue
		}
		due := from + r.AfterS*1000
		i := slices.IndexFunc(c.AutoDue, func(d AutoDueRec) bool { return d.Rule == r.ID && d.Due == due })
		if i >= 0 && c.AutoDue[i].Fired {
			next = append(next, c.AutoDue[i])
			continue
		}
		if f == nil {
			var err error
			if f, err = s.facts(txn, c, automation.Time, string(ticket.Timer), due); err != nil {
				return err
			}
		}
		f.At = due
		if r.Holds(f) {
			next = append(next, AutoDueRec{Rule: r.ID, Due: due})
		}
	}
	s.autoDue = next
	if slices.Equal(next, c.AutoDue) {
		return nil
	}
	next = slices.Clone(next)
	for _, d := range c.AutoDue {
		if !d.Fired && !slices.Contains(next, d) {
			if err := txn.Delete(kAutoDue(d.Due, c.Tenant, c.ID, d.Rule)); err != nil {
				return err
			}
		}
	}
	for _, d := range next {
		if !d.Fired && !slices.Contains(c.AutoDue, d) {
			if err := txn.Set(kAutoDue(d.Due, c.Tenant, c.ID, d.Rule), nil); err != nil {
				return err
			}
		}
	}
	c.AutoDue = next
	s.putConv(c)
	return nil
}

// applyAutoDue fires a time rule whose time has come, when the
// conversation still waits for it (a change since may have moved or
// removed it; a repeat finds it fired).
func (s *Store) applyAutoDue(txn *badger.Txn, e *event.Event) (Change, error) {
	d := e.AutoDue
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, d.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	i := slices.IndexFunc(c.AutoDue, func(x AutoDueRec) bool { return x.Rule == d.Rule && x.Due == d.Due && !x.Fired })
	set, err := s.ruleSet(txn, e.Tenant)
	if err != nil {
		return ch, err
	}
	if i < 0 {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	if err := txn.Delete(kAutoDue(d.Due, c.Tenant, c.ID, d.Rule)); err != nil {
		return ch, err
	}
	c.AutoDue = slices.Clone(c.AutoDue)
	r := set.Rule(d.Rule)
	if r == nil || !slices.Contains(r.When, automation.Time) {
		// the rule was removed, disabled or changed since: its time goes
		c.AutoDue = slices.Delete(c.AutoDue, i, i+1)
		s.putConv(c)
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	c.AutoDue[i].Fired = true
	s.putConv(c)
	return ch, s.fire(txn, e, c, r, []string{r.ID}, automation.Time, "")
}

// applyAutoSkipped records a rule's action that could not be made, for
// agents.
func (s *Store) applyAutoSkipped(txn *badger.Txn, e *event.Event) (Change, error) {
	ch := Change{Event: e}
	c, err := s.loadConv(txn, e.Tenant, e.AutoSkip.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	if e.AutoSkip.Reason == "" {
		return ch, nil // a step that had nothing to change
	}
	it := newItem(e, "automation", c.ID)
	it.Private, it.Text = true, e.AutoSkip.Reason
	ch.Item, ch.Conv = it, c
	return ch, s.addItem(txn, e.Tenant, it)
}

// applyAutoExpanded shows a plugin's note, when it gave one, as an
// automation item: the actions it chose are made next, each its own
// change.
func (s *Store) applyAutoExpanded(txn *badger.Txn, e *event.Event) (Change, error) {
	ch := Change{Event: e}
	if e.AutoExpand.Note == "" {
		return ch, nil
	}
	c, err := s.loadConv(txn, e.Tenant, e.AutoExpand.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	it := newItem(e, "automation", c.ID)
	it.Private, it.Text = true, e.AutoExpand.Note
	ch.Item, ch.Conv = it, c
	return ch, s.addItem(txn, e.Tenant, it)
}

// Firings returns up to limit firings with actions still to make, of
// every tenant, the oldest first.
func (s *Store) Firings(limit int) ([]AutoRec, error) {
	var out []AutoRec
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixFiring)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			var r AutoRec
			if err := it.Item().Value(func(v []byte) error { return s.codec.Unmarshal(v, &r) }); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// DueAutomation returns up to limit time rules' times that have come by
// now (unix ms), the earliest first.
func (s *Store) DueAutomation(now int64, limit int) ([]AutoDueKey, error) {
	var out []AutoDueKey
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = []byte(prefixAutoDue)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			// da/<16 hex ms>/<tenant>/<conv>/<rule>
			parts := strings.Split(string(it.Item().Key()[len(prefixAutoDue):]), "/")
			if len(parts) != 4 {
				continue
			}
			ms, err := parseSeqHex(parts[0])
			if err != nil {
				continue
			}
			if int64(ms) > now {
				break
			}
			out = append(out, AutoDueKey{Tenant: parts[1], Conv: parts[2], Rule: parts[3], Due: int64(ms)})
		}
		return nil
	})
	return out, err
}

// Rules are a tenant's automation rules, in their order.
func (s *Store) Rules(t string) ([]event.Rule, error) {
	rs, err := record[event.RuleSet](s, kRules(t))
	return rs.Rules, err
}

// Macros are a tenant's macros.
func (s *Store) Macros(t string) ([]event.Macro, error) {
	ms, err := record[event.MacroSet](s, kMacros(t))
	return ms.Macros, err
}

// AutomationWake is signalled when the projector has written down a
// firing: the runner makes its actions without waiting for its next look.
func (s *Store) AutomationWake() <-chan struct{} { return s.autoWake }
