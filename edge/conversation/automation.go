package conversation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// refs answers automation.Check from the store.
type refs struct {
	s      *Service
	tenant string
}

func (r refs) HasAgent(id string) bool {
	_, err := r.s.store.Agent(r.tenant, id)
	return err == nil
}

func (r refs) HasTeam(id string) bool {
	_, err := r.s.store.Team(r.tenant, id)
	return err == nil
}

func (r refs) Field(key string) *event.FieldDef { return r.s.fieldDef(r.tenant, key) }

func (r refs) CustomStatus(id string) string {
	if event.CanonicalStatus(id) != "" {
		return ""
	}
	base, _ := r.s.customStatus(r.tenant, id)
	return base
}

func (r refs) HasWebhook(id string) bool {
	h, err := r.s.store.Hook(r.tenant, id)
	return err == nil && !h.Endpoint.Deleted
}

func (r refs) HasInbox(id string) bool {
	_, err := r.s.store.Inbox(r.tenant, id)
	return err == nil
}

// normalActions trims texts and lowers tags as tags are kept.
func normalActions(list []event.Action) []event.Action {
	out := slices.Clone(list)
	for i := range out {
		a := &out[i]
		a.Type = strings.TrimSpace(a.Type)
		a.Value = strings.TrimSpace(a.Value)
		a.Text = strings.TrimSpace(a.Text)
		for j, t := range a.Tags {
			a.Tags[j] = NormalTag(t)
		}
	}
	return out
}

// SetRules replaces the tenant's automation rules, in the order they run
// (admins). The set is checked whole (automation.Check): a rule with an
// unknown field, a bad value, no condition, or rules that would run each
// other in a circle refuse the whole set, with a message that names the
// rule and the problem; nothing is stored. A rule without an id gets one.
func (s *Service) SetRules(ctx context.Context, a Actor, rules []event.Rule) ([]event.Rule, error) {
	if err := s.RequireAdmin(a, "change automation rules"); err != nil {
		return nil, err
	}
	rules = slices.Clone(rules)
	for i := range rules {
		r := &rules[i]
		if r.ID == "" {
			r.ID = "r" + strings.ToLower(event.NewID())
		}
		r.Name = strings.TrimSpace(r.Name)
		r.Conditions = slices.Clone(r.Conditions)
		for j := range r.Conditions {
			c := &r.Conditions[j]
			if c.Field == "tags" {
				for k, t := range c.Values {
					c.Values[k] = NormalTag(t)
				}
			}
		}
		r.Actions = normalActions(r.Actions)
	}
	if err := automation.Check(rules, refs{s, a.Tenant}); err != nil {
		return nil, invalid("%v", err)
	}
	if rules == nil {
		rules = []event.Rule{}
	}
	_, err := s.append(ctx, &event.Event{Kind: event.KindRulesSet, Tenant: a.Tenant, Actor: a.event(), Rules: &event.RuleSet{Rules: rules}})
	return rules, err
}

// Rules are the tenant's automation rules (agents and the system).
func (s *Service) Rules(a Actor) ([]event.Rule, error) {
	if err := staffOnly(a, "read automation rules"); err != nil {
		return nil, err
	}
	return s.store.Rules(a.Tenant)
}

// SetMacros replaces the tenant's macros (admins); each is checked like
// a rule's actions, and a macro without an id gets one.
func (s *Service) SetMacros(ctx context.Context, a Actor, macros []event.Macro) ([]event.Macro, error) {
	if err := s.RequireAdmin(a, "change macros"); err != nil {
		return nil, err
	}
	if len(macros) > event.MaxMacros {
		return nil, invalid("%d macros: a tenant has at most %d", len(macros), event.MaxMacros)
	}
	macros = slices.Clone(macros)
	seen := map[string]bool{}
	for i := range macros {
		m := &macros[i]
		if m.ID == "" {
			m.ID = "m" + strings.ToLower(event.NewID())
		}
		m.Name = strings.TrimSpace(m.Name)
		m.Actions = normalActions(m.Actions)
		switch {
		case !event.ValidID(m.ID):
			return nil, invalid("macro %d: id must be 1-64 letters, digits, '-' or '_'", i+1)
		case seen[m.ID]:
			return nil, invalid("macro %d (%q): id is used by another macro", i+1, m.ID)
		case m.Name == "" || len([]rune(m.Name)) > event.MaxRuleName:
			return nil, invalid("macro %d (%q): name must be 1-%d characters", i+1, m.ID, event.MaxRuleName)
		}
		seen[m.ID] = true
		if k := slices.IndexFunc(m.Actions, func(x event.Action) bool { return x.Type == automation.Plugin || x.Type == automation.Webhook }); k >= 0 {
			what := map[string]string{automation.Plugin: "ask a plugin", automation.Webhook: "call a webhook"}[m.Actions[k].Type]
			return nil, invalid("macro %d (%q, %q): action %d (%s): a macro cannot %s; a rule can", i+1, m.ID, m.Name, k+1, m.Actions[k].Type, what)
		}
		if err := automation.CheckActions(m.Actions, refs{s, a.Tenant}); err != nil {
			return nil, invalid("macro %d (%q, %q): %v", i+1, m.ID, m.Name, err)
		}
	}
	if macros == nil {
		macros = []event.Macro{}
	}
	_, err := s.append(ctx, &event.Event{Kind: event.KindMacrosSet, Tenant: a.Tenant, Actor: a.event(), Macros: &event.MacroSet{Macros: macros}})
	return macros, err
}

// Macros are the tenant's macros (agents and the system).
func (s *Service) Macros(a Actor) ([]event.Macro, error) {
	if err := staffOnly(a, "use macros"); err != nil {
		return nil, err
	}
	return s.store.Macros(a.Tenant)
}

// ApplyMacro makes macro's actions in conversation conv as agent (or
// system) a, in order. Every action is checked first, each against the
// conversation as the ones before it leave it: one that cannot be made
// (a status the lifecycle does not allow, a reply to a closed
// conversation, an agent who is gone) refuses the macro and nothing is
// changed. It returns the last change's result.
func (s *Service) ApplyMacro(ctx context.Context, a Actor, conv, macro string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents apply macros")
	}
	list, err := s.Macros(a)
	if err != nil {
		return Result{}, err
	}
	i := slices.IndexFunc(list, func(m event.Macro) bool { return m.ID == macro })
	if i < 0 {
		return Result{}, notFound("no such macro")
	}
	m := list[i]
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	now := s.now().UnixMilli()
	sim := *c
	events := make([]*event.Event, 0, len(m.Actions))
	for k, act := range m.Actions {
		e, err := s.actionEvent(a, &sim, act, now, event.NewID())
		if err != nil {
			return Result{}, invalid("macro %q, action %d (%s): %v", m.Name, k+1, act.Type, err)
		}
		if e != nil {
			events = append(events, e)
		}
	}
	r := Result{Seq: c.LastSeq, Duplicate: true}
	freed := false
	for _, e := range events {
		freed = freed || s.frees(e, c)
		if r, err = s.append(ctx, e); err != nil {
			return r, err
		}
	}
	if freed {
		s.router.Freed(a.Tenant)
	}
	return r, nil
}

// actionEvent is the event that makes action act in conversation c (as
// it is: sim is moved as the action moves it) by a at time now (unix ms);
// nil when it changes nothing. An action that cannot be made is an error
// that says why.
func (s *Service) actionEvent(a Actor, c *state.ConversationRec, act event.Action, now int64, clientID string) (*event.Event, error) {
	e := &event.Event{Tenant: a.Tenant, Actor: a.event()}
	switch act.Type {
	case automation.Assign, automation.Unassign:
		if act.Type == automation.Assign {
			if _, err := s.store.Agent(a.Tenant, act.Value); err != nil {
				return nil, fmt.Errorf("no agent %q", act.Value)
			}
		}
		if c.Assignee == act.Value {
			return nil, nil
		}
		c.Assignee = act.Value
		e.Kind, e.Assign = event.KindConversationAssign, &event.Assignment{Conv: c.ID, Agent: act.Value}
	case automation.AssignTeam:
		return s.teamEvent(a, c, act.Value)
	case automation.SetField:
		set, clear := map[string]string{act.Field: act.Value}, []string(nil)
		if act.Value == "" {
			set, clear = nil, []string{act.Field}
		}
		e, err := s.fieldsEvent(a, c, set, clear)
		if err != nil {
			return nil, errors.New(strings.TrimPrefix(err.Error(), string(Invalid)+": "))
		}
		return e, nil
	case automation.SetStatus, automation.Snooze:
		var to, custom string
		var until int64
		if act.Type == automation.Snooze {
			to, until = event.StatusOnHold, now+act.AfterS*1000
		} else if to, custom = s.customStatus(a.Tenant, act.Value); to == "" {
			return nil, fmt.Errorf("no status %q: the tenant's custom status was removed", act.Value)
		}
		if err := ticket.Check(c.Status, to, ticket.ActorOf(a.event())); err != nil {
			return nil, err
		}
		if to == c.Status && until == c.SnoozeUntil && custom == c.CustomStatus {
			return nil, nil
		}
		if to == event.StatusSolved && c.Status != event.StatusSolved {
			if err := s.requiredToSolve(a.Tenant, c); err != nil {
				return nil, errors.New(strings.TrimPrefix(err.Error(), string(Invalid)+": "))
			}
		}
		c.Status, c.CustomStatus = to, custom
		e.Kind, e.Status = event.KindStatusChanged, &event.StatusChange{Conv: c.ID, Status: to, SnoozeUntil: until, Custom: custom}
	case automation.SetPriority:
		if event.StoredPriority(act.Value) == c.Priority {
			return nil, nil
		}
		c.Priority = event.StoredPriority(act.Value)
		e.Kind, e.Priority = event.KindPriorityChanged, &event.PriorityChange{Conv: c.ID, Priority: act.Value}
	case automation.AddTags, automation.RemoveTags:
		tc := &event.TagsChange{Conv: c.ID}
		tags := slices.Clone(c.Tags)
		for _, t := range act.Tags {
			has := slices.Contains(tags, t)
			switch {
			case act.Type == automation.AddTags && !has:
				tc.Add = append(tc.Add, t)
				tags = append(tags, t)
			case act.Type == automation.RemoveTags && has:
				tc.Remove = append(tc.Remove, t)
				tags = slices.DeleteFunc(tags, func(x string) bool { return x == t })
			}
		}
		if len(tc.Add)+len(tc.Remove) == 0 {
			return nil, nil
		}
		if len(tags) > event.MaxTags {
			return nil, fmt.Errorf("a conversation holds at most %d tags", event.MaxTags)
		}
		c.Tags = tags
		e.Kind, e.Tags = event.KindTagsChanged, tc
	case automation.Reply, automation.AddNote:
		private := act.Type == automation.AddNote
		if c.Status == event.StatusClosed && !private {
			return nil, fmt.Errorf("the conversation is closed: it takes private notes only")
		}
		if len(act.Text) > s.lim.MaxTextBytes {
			return nil, fmt.Errorf("text longer than %d bytes", s.lim.MaxTextBytes)
		}
		e.ID = auth.DerivedID("m", a.Tenant, c.ID, clientID)
		e.Kind, e.Message = event.KindMessageCreated, &event.Message{Conv: c.ID, ClientID: clientID, Text: act.Text, Private: private,
			Channel: a.Channel.stored()}
	case automation.Webhook:
		if e.Actor.Kind != event.ActorSystem || !strings.HasPrefix(e.Actor.ID, ticket.AutomationPrefix) {
			return nil, fmt.Errorf("only a rule calls a webhook")
		}
		h, err := s.store.Hook(a.Tenant, act.Value)
		switch {
		case err != nil:
			return nil, fmt.Errorf("no webhook endpoint %q: it was removed", act.Value)
		case h.Endpoint.Disabled:
			return nil, fmt.Errorf("the webhook endpoint %q is disabled", act.Value)
		}
		e.Kind, e.HookCall = event.KindAutoWebhook, &event.WebhookCall{Conv: c.ID, Endpoint: act.Value}
	default:
		return nil, fmt.Errorf("unknown action type %q", act.Type)
	}
	return e, nil
}

// automationActor is the actor of rule's changes.
func automationActor(tenant, rule string) Actor {
	return Actor{Tenant: tenant, Kind: event.ActorSystem, ID: ticket.AutomationPrefix + rule}
}

// RunFiring makes the next action of a rule's firing (edge/automation's
// runner, on every node): its event's id is derived from the firing and
// the step, and the projector applies it only as the firing's next step,
// so however many nodes run it the log keeps one. An action that cannot
// be made now (the lifecycle does not allow the status, the agent is
// gone) is recorded as skipped, with why, and the firing goes on.
func (s *Service) RunFiring(ctx context.Context, f *state.AutoRec) (Result, error) {
	a := automationActor(f.Tenant, f.Rule)
	step := strconv.Itoa(f.Done)
	ref := &event.AutoRef{Rule: f.Rule, Trigger: f.Trigger, Step: f.Done, Chain: f.Chain}
	id := auth.DerivedID("e", "auto", f.Tenant, strconv.FormatUint(f.Trigger, 16), f.Rule, step)
	skip := func(reason string) (Result, error) {
		return s.append(ctx, &event.Event{ID: id, Kind: event.KindAutoSkipped, Tenant: f.Tenant, Actor: a.event(), Auto: ref,
			AutoSkip: &event.AutoSkip{Conv: f.Conv, Reason: truncate(reason, 300)}})
	}
	if f.Stop != "" {
		return skip(f.Stop)
	}
	if f.Done >= len(f.Actions) {
		return Result{}, nil
	}
	c, err := s.store.Conversation(f.Tenant, f.Conv)
	if err != nil {
		return Result{}, readErr(err, "no such conversation")
	}
	act := f.Actions[f.Done]
	if act.Type == automation.Reply && c.Channel == "email" {
		// no automatic answer to a machine's mail (RFC 3834): an
		// auto-responder would answer back, and on
		if it, err := s.store.TimelineItem(f.Tenant, f.Conv, f.Trigger); err == nil && it.Email != nil && it.Email.Auto {
			return skip(fmt.Sprintf("rule %q did not reply: the mail that set it off was sent by a machine, which gets no automatic answer", f.RuleName))
		}
	}
	e, err := s.actionEvent(a, c, act, f.At, auth.DerivedID("a", f.Tenant, strconv.FormatUint(f.Trigger, 16), f.Rule, step))
	switch {
	case err != nil:
		return skip(fmt.Sprintf("rule %q could not %s: %v", f.RuleName, strings.ReplaceAll(act.Type, "_", " "), err))
	case e == nil:
		// nothing to change: the step is still made, as a skip that
		// agents are not shown
		return skip("")
	}
	if e.ID == "" {
		e.ID = id
	}
	e.Auto = ref
	if s.frees(e, c) {
		defer s.router.Freed(f.Tenant)
	}
	return s.append(ctx, e)
}

// PluginAnswer is what the automation plugin answered to a firing's
// `plugin` step: By names it (name@version), Actions are what it chose,
// Note says why, for agents.
type PluginAnswer struct {
	By      string
	Actions []event.Action
	Note    string
}

// PluginStep makes what the automation plugin answered to firing f's
// next step, a `plugin` action (edge/automation's runner asks it): its
// actions, checked as a rule's, take the step's place in the firing, and
// the runner makes them next, one event each. A plugin that failed
// (failed), or answered actions that cannot be made, makes the step a
// skip that says why. The event's id is derived from the firing and the
// step, and the projector takes the step only once.
func (s *Service) PluginStep(ctx context.Context, f *state.AutoRec, ans PluginAnswer, failed error) (Result, error) {
	if f.Stop != "" || f.Done >= len(f.Actions) || f.Actions[f.Done].Type != automation.Plugin {
		return Result{}, fmt.Errorf("step %d of the firing of rule %s is not a plugin's", f.Done, f.Rule)
	}
	a := automationActor(f.Tenant, f.Rule)
	task := f.Actions[f.Done].Value
	ref := &event.AutoRef{Rule: f.Rule, Trigger: f.Trigger, Step: f.Done, Chain: f.Chain, Plugin: true}
	id := auth.DerivedID("e", "auto", f.Tenant, strconv.FormatUint(f.Trigger, 16), f.Rule, strconv.Itoa(f.Done), "plugin")
	skip := func(format string, args ...any) (Result, error) {
		reason := fmt.Sprintf("rule %q asked the automation plugin %q: ", f.RuleName, task) + fmt.Sprintf(format, args...)
		return s.append(ctx, &event.Event{ID: id, Kind: event.KindAutoSkipped, Tenant: f.Tenant, Actor: a.event(), Auto: ref,
			AutoSkip: &event.AutoSkip{Conv: f.Conv, Reason: truncate(reason, 300)}})
	}
	if failed != nil {
		return skip("%v", failed)
	}
	actions := normalActions(ans.Actions)
	if k := slices.IndexFunc(actions, func(x event.Action) bool { return x.Type == automation.Plugin }); k >= 0 {
		return skip("%s answered action %d, plugin: a plugin cannot ask a plugin", ans.By, k+1)
	}
	if len(actions) > 0 {
		if err := automation.CheckActions(actions, refs{s, f.Tenant}); err != nil {
			return skip("%s answered what cannot be made: %v", ans.By, err)
		}
	}
	if room := event.MaxFiringSteps - len(f.Actions) + 1; len(actions) > room {
		return skip("%s answered %d actions; the rule has room for %d more", ans.By, len(actions), room)
	}
	note := truncate(strings.TrimSpace(ans.Note), 300)
	return s.append(ctx, &event.Event{ID: id, Kind: event.KindAutoExpanded, Tenant: f.Tenant, Actor: a.event(), Auto: ref,
		AutoExpand: &event.AutoExpand{Conv: f.Conv, By: ans.By, Task: task, Actions: actions, Note: note}})
}

// frees reports whether e may leave a conversation for routing to offer,
// or an agent a chat slot: a solving, an unassignment, a team change.
func (s *Service) frees(e *event.Event, c *state.ConversationRec) bool {
	return s.router != nil && (e.Status != nil && event.Done(e.Status.Status) && c.Assignee != "" ||
		e.Assign != nil && e.Assign.Agent == "" || e.TeamChange != nil)
}

// FireDue says a time rule's time has come for a conversation (the
// runner, on every node): the event's id is derived from the rule, the
// conversation and the time, and the projector fires the rule only
// while the conversation still waits for that time.
func (s *Service) FireDue(ctx context.Context, d state.AutoDueKey) (Result, error) {
	return s.append(ctx, &event.Event{ID: auth.DerivedID("e", "autodue", d.Tenant, d.Conv, d.Rule, strconv.FormatInt(d.Due, 10)),
		Kind: event.KindAutoDue, Tenant: d.Tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: ticket.TimerID},
		AutoDue: &event.AutoDue{Conv: d.Conv, Rule: d.Rule, Due: d.Due}})
}
