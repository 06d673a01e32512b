package state

import (
	"cmp"
	"errors"
	"slices"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
)

// TeamRec is a team of agents.
type TeamRec struct {
	ID     string   `cbor:"1,keyasint"`
	Tenant string   `cbor:"2,keyasint"`
	Name   string   `cbor:"3,keyasint"`
	Agents []string `cbor:"4,keyasint,omitempty"`
}

func kTeam(t, id string) []byte      { return []byte("tm/" + t + "/" + id) }
func kTeamPrefix(t string) []byte    { return []byte("tm/" + t + "/") }
func (r *TeamRec) Has(a string) bool { return slices.Contains(r.Agents, a) }

func (s *Store) applyTeam(txn *badger.Txn, e *event.Event) error {
	tm := e.Team
	if tm.Deleted {
		return txn.Delete(kTeam(e.Tenant, tm.ID))
	}
	agents := slices.Clone(tm.Agents)
	slices.Sort(agents)
	return s.put(txn, kTeam(e.Tenant, tm.ID), &TeamRec{ID: tm.ID, Tenant: e.Tenant, Name: tm.Name, Agents: slices.Compact(agents)})
}

// applyTeamChange gives a conversation to a team. An assignee who is not
// of the team gives it up: it waits in the queue for the team's agents.
func (s *Store) applyTeamChange(txn *badger.Txn, e *event.Event) (Change, error) {
	tc := e.TeamChange
	t := e.Tenant
	ch := Change{Event: e}
	c, err := s.loadConv(txn, t, tc.Conv)
	if errors.Is(err, ErrNotFound) {
		return ch, nil
	}
	if err != nil {
		return ch, err
	}
	if c.Team == tc.Team {
		ch.Duplicate, ch.DuplicateOf = true, c.LastSeq
		return ch, nil
	}
	it := newItem(e, "team", c.ID)
	it.Private, it.Team = true, tc.Team
	if tc.Team != "" && c.Assignee != "" {
		var tm TeamRec
		switch err := s.get(txn, kTeam(t, tc.Team), &tm); {
		case errors.Is(err, ErrNotFound) || err == nil && !tm.Has(c.Assignee):
			if counts(c.Status) {
				if err := s.addLoad(txn, t, c.Assignee, -1); err != nil {
					return ch, err
				}
			}
			c.Assignee = ""
			it.Unassigned = true
		case err != nil:
			return ch, err
		}
	}
	c.Team = tc.Team
	c.LastSeq, c.LastAt = e.Seq, e.TS
	s.putConv(c)
	ch.Item, ch.Conv = it, c // Contact stays empty: customers never see it
	return ch, s.addItem(txn, t, it)
}

// Teams lists a tenant's teams, by name.
func (s *Store) Teams(t string) ([]TeamRec, error) {
	out, err := list[TeamRec](s, kTeamPrefix(t))
	slices.SortFunc(out, func(a, b TeamRec) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, err
}

// Team is one of a tenant's teams.
func (s *Store) Team(t, id string) (*TeamRec, error) {
	var r TeamRec
	err := s.view(func(txn *badger.Txn) error { return s.get(txn, kTeam(t, id), &r) })
	if err != nil {
		return nil, err
	}
	return &r, nil
}
