package gateway

import (
	"context"
	"maps"
	"slices"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// rules answers an agent with the tenant's rules and what rules may say;
// rules_set (admins) replaces them first.
func (g *Gateway) rules(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeRulesSet {
		if _, err := g.conv.SetRules(ctx, s.actor(), RulesFromView(f.Rules)); err != nil {
			return err
		}
	}
	list, err := g.conv.Rules(s.actor())
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutRules, ID: f.ID, Rules: RulesView(list), Schema: AutomationSchema()}))
	return nil
}

// macros answers an agent with the tenant's macros; macros_set (admins)
// replaces them first.
func (g *Gateway) macros(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeMacrosSet {
		if _, err := g.conv.SetMacros(ctx, s.actor(), MacrosFromView(f.Macros)); err != nil {
			return err
		}
	}
	list, err := g.conv.Macros(s.actor())
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutMacros, ID: f.ID, Macros: MacrosView(list)}))
	return nil
}

// RulesView is rules as the protocol has them (never nil).
func RulesView(list []event.Rule) []protocol.Rule {
	out := make([]protocol.Rule, len(list))
	for i, r := range list {
		conds := make([]protocol.Condition, len(r.Conditions))
		for j, c := range r.Conditions {
			conds[j] = protocol.Condition(c)
		}
		out[i] = protocol.Rule{ID: r.ID, Name: r.Name, Disabled: r.Disabled, When: r.When, Since: r.Since, AfterS: r.AfterS,
			Match: r.Match, Conditions: conds, Actions: actionsView(r.Actions)}
	}
	return out
}

// RulesFromView is rules from the protocol's.
func RulesFromView(list []protocol.Rule) []event.Rule {
	out := make([]event.Rule, len(list))
	for i, r := range list {
		conds := make([]event.Condition, len(r.Conditions))
		for j, c := range r.Conditions {
			conds[j] = event.Condition(c)
		}
		acts := make([]event.Action, len(r.Actions))
		for j, a := range r.Actions {
			acts[j] = event.Action(a)
		}
		out[i] = event.Rule{ID: r.ID, Name: r.Name, Disabled: r.Disabled, When: r.When, Since: r.Since, AfterS: r.AfterS,
			Match: r.Match, Conditions: conds, Actions: acts}
	}
	return out
}

func actionsView(list []event.Action) []protocol.Action {
	out := make([]protocol.Action, len(list))
	for i, a := range list {
		out[i] = protocol.Action(a)
	}
	return out
}

// MacrosView is macros as the protocol has them (never nil).
func MacrosView(list []event.Macro) []protocol.Macro {
	out := make([]protocol.Macro, len(list))
	for i, m := range list {
		out[i] = protocol.Macro{ID: m.ID, Name: m.Name, Actions: actionsView(m.Actions)}
	}
	return out
}

// MacrosFromView is macros from the protocol's.
func MacrosFromView(list []protocol.Macro) []event.Macro {
	out := make([]event.Macro, len(list))
	for i, m := range list {
		acts := make([]event.Action, len(m.Actions))
		for j, a := range m.Actions {
			acts[j] = event.Action(a)
		}
		out[i] = event.Macro{ID: m.ID, Name: m.Name, Actions: acts}
	}
	return out
}

// AutomationSchema is what rules may say (internal/automation).
func AutomationSchema() *protocol.AutomationSchema {
	fs := automation.Fields()
	fields := make([]protocol.FieldSchema, len(fs))
	for i, f := range fs {
		fields[i] = protocol.FieldSchema{Name: f.Name, Ops: f.Ops(), Values: f.Values(), Triggers: f.Triggers(), Doc: f.Doc}
	}
	return &protocol.AutomationSchema{Triggers: automation.Triggers, Sinces: automation.Sinces, Fields: fields, Actions: automation.ActionTypes}
}

// teams answers an agent with the tenant's teams; team_set (admins)
// changes one first.
func (g *Gateway) teams(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeTeamSet {
		if _, err := g.conv.SetTeamSettings(ctx, s.actor(), conversation.TeamSettings{ID: f.Team, Name: f.Name, Agents: f.Members, Delete: f.Delete}); err != nil {
			return err
		}
	}
	list, err := g.conv.Teams(s.actor())
	if err != nil {
		return err
	}
	out := make([]protocol.Team, len(list))
	for i, t := range list {
		out[i] = protocol.Team{ID: t.ID, Name: t.Name, Agents: nonNilStrings(t.Agents)}
	}
	s.enqueue(marshal(&OutFrame{Type: OutTeams, ID: f.ID, Teams: out}))
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fields answers an agent with the tenant's custom fields; fields_set
// (admins) replaces them first.
func (g *Gateway) fields(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeFieldsSet {
		defs := make([]event.FieldDef, len(f.Fields))
		for i, d := range f.Fields {
			defs[i] = event.FieldDef(d)
		}
		if _, err := g.conv.SetFieldDefs(ctx, s.actor(), defs); err != nil {
			return err
		}
	}
	list, err := g.conv.FieldDefs(s.actor())
	if err != nil {
		return err
	}
	out := make([]protocol.FieldDef, len(list))
	for i, d := range list {
		out[i] = protocol.FieldDef(d)
	}
	s.enqueue(marshal(&OutFrame{Type: OutFields, ID: f.ID, Fields: out}))
	return nil
}

// fieldsView is a conversation's field values by key (nil when none).
func fieldsView(values []event.FieldValue) map[string]string {
	if len(values) == 0 {
		return nil
	}
	out := make(map[string]string, len(values))
	for _, v := range values {
		out[v.Key] = v.Value
	}
	return out
}

// searchFrame answers an agent's search (its words in Text).
func (g *Gateway) searchFrame(ctx context.Context, s *session, f *InFrame) error {
	found, total, err := g.conv.Search(ctx, s.actor(), f.Text, f.Limit)
	if err != nil {
		return err
	}
	hits := make([]protocol.SearchHit, len(found))
	for i, h := range found {
		marks := h.Marks
		if marks == nil {
			marks = [][2]int{}
		}
		hits[i] = protocol.SearchHit{Conversation: agentConversation(h.Conv), Seq: h.Seq, TS: h.TS, ActorKind: h.Actor, Private: h.Private,
			Snippet: h.Snippet, Marks: marks}
	}
	s.enqueue(marshal(&OutFrame{Type: OutSearch, ID: f.ID, Hits: hits, Total: total}))
	return nil
}

// views answers an agent with the views they see and their counts;
// views_set (admins) replaces the tenant's first.
func (g *Gateway) views(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeViewsSet {
		in := make([]event.View, len(f.Views))
		for i, v := range f.Views {
			in[i] = ViewFromProtocol(v)
		}
		if _, err := g.conv.SetViews(ctx, s.actor(), in); err != nil {
			return err
		}
	}
	list, err := g.conv.Views(s.actor())
	if err != nil {
		return err
	}
	counts, err := g.conv.ViewCounts(s.actor())
	if err != nil {
		return err
	}
	out := make([]protocol.View, len(list))
	for i, v := range list {
		out[i] = ViewToProtocol(v)
		out[i].Builtin = i < len(conversation.BuiltinViews)
	}
	s.enqueue(marshal(&OutFrame{Type: OutViews, ID: f.ID, Views: out, Counts: counts}))
	return nil
}

// viewFrame answers with a view's conversations, in its order.
func (g *Gateway) viewFrame(s *session, f *InFrame) error {
	convs, total, err := g.conv.ViewConversations(s.actor(), f.View, f.Limit)
	if err != nil {
		return err
	}
	out := make([]protocol.Conversation, len(convs))
	for i := range convs {
		out[i] = agentConversation(&convs[i])
	}
	s.enqueue(marshal(&OutFrame{Type: OutConvs, ID: f.ID, Conversations: out, Total: total, More: total > len(convs)}))
	return nil
}

// ViewToProtocol is a view as the protocol has it.
func ViewToProtocol(v event.View) protocol.View {
	return protocol.View{ID: v.ID, Name: v.Name, Statuses: v.Statuses, Assignee: v.Assignee, Team: v.Team, Priorities: v.Priorities,
		Tags: v.Tags, Channel: v.Channel, Inbox: v.Inbox, SLA: v.SLA, Fields: fieldsView(v.Fields), Sort: v.Sort}
}

// ViewFromProtocol is a view from the protocol's (its fields by key).
func ViewFromProtocol(v protocol.View) event.View {
	out := event.View{ID: v.ID, Name: v.Name, Statuses: v.Statuses, Assignee: v.Assignee, Team: v.Team, Priorities: v.Priorities,
		Tags: v.Tags, Channel: v.Channel, Inbox: v.Inbox, SLA: v.SLA, Sort: v.Sort}
	for _, k := range slices.Sorted(maps.Keys(v.Fields)) {
		out.Fields = append(out.Fields, event.FieldValue{Key: k, Value: v.Fields[k]})
	}
	return out
}

// statuses answers an agent with the tenant's custom statuses;
// statuses_set (admins) replaces them first.
func (g *Gateway) statuses(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeStatusesSet {
		in := make([]event.CustomStatus, len(f.Statuses))
		for i, c := range f.Statuses {
			in[i] = event.CustomStatus(c)
		}
		if _, err := g.conv.SetCustomStatuses(ctx, s.actor(), in); err != nil {
			return err
		}
	}
	list, err := g.conv.CustomStatuses(s.actor())
	if err != nil {
		return err
	}
	out := make([]protocol.CustomStatus, len(list))
	for i, c := range list {
		out[i] = protocol.CustomStatus(c)
	}
	s.enqueue(marshal(&OutFrame{Type: OutStatuses, ID: f.ID, Statuses: out}))
	return nil
}

// slaPolicy answers an agent with the tenant's service level policy;
// sla_policy_set (admins) replaces it first (Delete removes it).
func (g *Gateway) slaPolicy(ctx context.Context, s *session, f *InFrame) error {
	if f.Type == TypeSLAPolicySet {
		var p *event.SLA
		switch {
		case f.Delete:
		case f.Policy == nil:
			return invalid("policy is missing: give the policy, or delete: true to remove it")
		default:
			v := event.SLA(*f.Policy)
			p = &v
		}
		if _, err := g.conv.SetSLAPolicy(ctx, s.actor(), p); err != nil {
			return err
		}
	}
	p, err := g.conv.SLAPolicy(s.actor())
	if err != nil {
		return err
	}
	out := &OutFrame{Type: OutSLAPolicy, ID: f.ID}
	if p != nil {
		v := protocol.SLAPolicy(*p)
		out.Policy = &v
	}
	s.enqueue(marshal(out))
	return nil
}
