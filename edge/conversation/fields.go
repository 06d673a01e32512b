package conversation

import (
	"context"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// SetFieldDefs replaces the tenant's custom fields (admins), in the order
// agents see them. A bad field refuses the whole set with a message that
// names it (ticket.CheckFields); nothing is stored. A conversation's
// values of a field that is removed stay, unseen, until it is set again.
func (s *Service) SetFieldDefs(ctx context.Context, a Actor, defs []event.FieldDef) ([]event.FieldDef, error) {
	if err := s.RequireAdmin(a, "change custom fields"); err != nil {
		return nil, err
	}
	defs = slices.Clone(defs)
	for i := range defs {
		d := &defs[i]
		d.Key, d.Label, d.Kind = strings.TrimSpace(d.Key), strings.TrimSpace(d.Label), strings.TrimSpace(d.Kind)
		d.Options = slices.Clone(d.Options)
		for j, o := range d.Options {
			d.Options[j] = strings.TrimSpace(o)
		}
	}
	if err := ticket.CheckFields(defs); err != nil {
		return nil, invalid("%v", err)
	}
	if defs == nil {
		defs = []event.FieldDef{}
	}
	if _, err := s.append(ctx, &event.Event{Kind: event.KindFieldsSet, Tenant: a.Tenant, Actor: a.event(), FieldSet: &event.FieldSet{Fields: defs}}); err != nil {
		return nil, err
	}
	return ticket.Fields(defs), nil
}

// FieldDefs are the tenant's fields as agents see them: the type first
// (agents and the system).
func (s *Service) FieldDefs(a Actor) ([]event.FieldDef, error) {
	if err := staffOnly(a, "see custom fields"); err != nil {
		return nil, err
	}
	defs, err := s.store.FieldDefs(a.Tenant)
	if err != nil {
		return nil, err
	}
	return ticket.Fields(defs), nil
}

// fieldDef is the tenant's field of key (nil when none).
func (s *Service) fieldDef(tenant, key string) *event.FieldDef {
	defs, err := s.store.FieldDefs(tenant)
	if err != nil {
		return nil
	}
	return defOf(ticket.Fields(defs), key)
}

// defOf is the field of key among all (nil when none).
func defOf(all []event.FieldDef, key string) *event.FieldDef {
	for i := range all {
		if all[i].Key == key {
			return &all[i]
		}
	}
	return nil
}

// SetFields sets custom fields of conversation conv (agents and the
// system): set maps keys to values, each checked against its field
// (ticket.Value) and kept as it returns; clear lists keys to clear. A
// bad key or value refuses the whole change, naming it.
func (s *Service) SetFields(ctx context.Context, a Actor, conv string, set map[string]string, clear []string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents set a conversation's fields")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	e, err := s.fieldsEvent(a, c, set, clear)
	if err != nil {
		return Result{}, err
	}
	if e == nil {
		return Result{Seq: c.LastSeq, Duplicate: true}, nil
	}
	return s.append(ctx, e)
}

// fieldsEvent is the event setting and clearing c's fields (nil when it
// changes nothing); c's fields are moved as it moves them.
func (s *Service) fieldsEvent(a Actor, c *state.ConversationRec, set map[string]string, clear []string) (*event.Event, error) {
	if len(set)+len(clear) == 0 {
		return nil, invalid("name fields to set or to clear")
	}
	defs, err := s.store.FieldDefs(a.Tenant)
	if err != nil {
		return nil, err
	}
	all := ticket.Fields(defs)
	def := func(k string) *event.FieldDef { return defOf(all, k) }
	fc := &event.FieldsChange{Conv: c.ID}
	values := slices.Clone(c.Fields)
	has := func(k string) int {
		return slices.IndexFunc(values, func(v event.FieldValue) bool { return v.Key == k })
	}
	for _, k := range slices.Sorted(mapKeys(set)) {
		d := def(k)
		if d == nil {
			return nil, invalid("no custom field %q: the fields are %s", k, keys(all))
		}
		if slices.Contains(clear, k) {
			return nil, invalid("field %q is both set and cleared", k)
		}
		v, err := ticket.Value(d, set[k])
		if err != nil {
			return nil, invalid("%v", err)
		}
		switch i := has(k); {
		case i < 0:
			values = append(values, event.FieldValue{Key: k, Value: v})
		case values[i].Value == v:
			continue
		default:
			values[i].Value = v
		}
		fc.Set = append(fc.Set, event.FieldValue{Key: k, Value: v})
	}
	for _, k := range clear {
		if def(k) == nil {
			return nil, invalid("no custom field %q: the fields are %s", k, keys(all))
		}
		if i := has(k); i >= 0 {
			values = slices.Delete(values, i, i+1)
			fc.Clear = append(fc.Clear, k)
		}
	}
	if len(fc.Set)+len(fc.Clear) == 0 {
		return nil, nil
	}
	c.Fields = values
	return &event.Event{Kind: event.KindFieldsChanged, Tenant: a.Tenant, Actor: a.event(), Fields: fc}, nil
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func keys(defs []event.FieldDef) string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.Key
	}
	return strings.Join(out, ", ")
}

// requiredToSolve refuses solving c while a field required to solve has
// no value, naming them.
func (s *Service) requiredToSolve(tenant string, c *state.ConversationRec) error {
	defs, err := s.store.FieldDefs(tenant)
	if err != nil {
		return err
	}
	missing := ticket.Missing(defs, c.Fields)
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, len(missing))
	for i, d := range missing {
		names[i] = d.Label
	}
	return invalid("solving needs %s: set them first", strings.Join(names, ", "))
}
