package conversation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
)

// SetCustomStatuses replaces the tenant's custom statuses (admins): each
// an id (not one of the six statuses or their old names), a label, and
// the status it is (not new). A bad one refuses the set, naming it.
func (s *Service) SetCustomStatuses(ctx context.Context, a Actor, list []event.CustomStatus) ([]event.CustomStatus, error) {
	if err := s.RequireAdmin(a, "change custom statuses"); err != nil {
		return nil, err
	}
	if len(list) > event.MaxCustomStatuses {
		return nil, invalid("%d custom statuses: a tenant has at most %d", len(list), event.MaxCustomStatuses)
	}
	list = slices.Clone(list)
	ids := map[string]bool{}
	for i := range list {
		c := &list[i]
		c.ID, c.Label, c.Base = strings.TrimSpace(c.ID), strings.TrimSpace(c.Label), event.CanonicalStatus(strings.TrimSpace(c.Base))
		name := fmt.Sprintf("custom status %d (%q)", i+1, c.Label)
		switch {
		case !event.ValidID(c.ID) || strings.ToLower(c.ID) != c.ID:
			return nil, invalid("%s: id must be 1-64 lower-case letters, digits, '-' or '_'", name)
		case event.CanonicalStatus(c.ID) != "":
			return nil, invalid("%s: id %q is a status already", name, c.ID)
		case ids[c.ID]:
			return nil, invalid("%s: id %q is used twice", name, c.ID)
		case c.Label == "" || utf8.RuneCountInString(c.Label) > 60:
			return nil, invalid("%s: label must be 1-60 characters", name)
		case c.Base == "" || c.Base == event.StatusNew:
			return nil, invalid("%s: base must be open, pending, on_hold, solved or closed", name)
		}
		ids[c.ID] = true
	}
	if list == nil {
		list = []event.CustomStatus{}
	}
	_, err := s.append(ctx, &event.Event{Kind: event.KindStatusesSet, Tenant: a.Tenant, Actor: a.event(), Statuses: &event.StatusSet{Statuses: list}})
	return list, err
}

// CustomStatuses are the tenant's custom statuses (agents and the
// system).
func (s *Service) CustomStatuses(a Actor) ([]event.CustomStatus, error) {
	if err := staffOnly(a, "see custom statuses"); err != nil {
		return nil, err
	}
	return s.store.CustomStatuses(a.Tenant)
}

// customStatus resolves status: one of the six (or an old name), else a
// custom status of the tenant; it returns the status and the custom one
// ("" for none), or "" when it is neither.
func (s *Service) customStatus(tenant, status string) (string, string) {
	if to := event.CanonicalStatus(status); to != "" {
		return to, ""
	}
	list, err := s.store.CustomStatuses(tenant)
	if err != nil {
		return "", ""
	}
	for _, c := range list {
		if c.ID == status {
			return c.Base, c.ID
		}
	}
	return "", ""
}
