package conversation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// TeamSettings are a team to set: a new one when ID is "", else the one
// with ID changed (its name and members), or deleted.
type TeamSettings struct {
	ID, Name string
	Agents   []string
	Delete   bool
}

// SetTeamSettings adds, changes or deletes a team (admins) and returns
// its id. Every member must be an agent of the tenant; a name is 1 to
// event.MaxTeamName characters, unique in the tenant.
func (s *Service) SetTeamSettings(ctx context.Context, a Actor, set TeamSettings) (string, error) {
	if err := s.RequireAdmin(a, "change teams"); err != nil {
		return "", err
	}
	teams, err := s.store.Teams(a.Tenant)
	if err != nil {
		return "", err
	}
	exists := slices.ContainsFunc(teams, func(t state.TeamRec) bool { return t.ID == set.ID })
	switch {
	case set.ID != "" && !event.ValidID(set.ID):
		return "", invalid("team must be a team's id, or empty for a new one")
	case set.Delete && !exists:
		return "", notFound("no such team")
	case set.Delete:
		_, err := s.append(ctx, &event.Event{Kind: event.KindTeamUpserted, Tenant: a.Tenant, Actor: a.event(), Team: &event.Team{ID: set.ID, Deleted: true}})
		return set.ID, err
	case set.ID != "" && !exists:
		return "", notFound("no such team: leave the id empty to make a new one")
	case !exists && len(teams) >= event.MaxTeams:
		return "", invalid("a tenant has at most %d teams", event.MaxTeams)
	}
	name := strings.TrimSpace(set.Name)
	if name == "" || utf8.RuneCountInString(name) > event.MaxTeamName || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return "", invalid("name must be 1-%d characters on one line", event.MaxTeamName)
	}
	for _, t := range teams {
		if t.ID != set.ID && strings.EqualFold(t.Name, name) {
			return "", invalid("a team is already named %q", t.Name)
		}
	}
	if len(set.Agents) > event.MaxTeamAgents {
		return "", invalid("a team has at most %d agents", event.MaxTeamAgents)
	}
	agents := slices.Clone(set.Agents)
	slices.Sort(agents)
	agents = slices.Compact(agents)
	for _, id := range agents {
		if !event.ValidID(id) {
			return "", invalid("agents must be agents' ids")
		}
		if _, err := s.store.Agent(a.Tenant, id); err != nil {
			return "", readErr(err, "no such agent: "+id)
		}
	}
	id := set.ID
	if id == "" {
		id = "team-" + strings.ToLower(event.NewID()[:12])
	}
	_, err = s.append(ctx, &event.Event{Kind: event.KindTeamUpserted, Tenant: a.Tenant, Actor: a.event(),
		Team: &event.Team{ID: id, Name: name, Agents: agents}})
	if err == nil && s.router != nil {
		s.router.Freed(a.Tenant) // the team's queue may have new members
	}
	return id, err
}

// Teams lists the tenant's teams (agents and the system).
func (s *Service) Teams(a Actor) ([]state.TeamRec, error) {
	if err := staffOnly(a, "see teams"); err != nil {
		return nil, err
	}
	return s.store.Teams(a.Tenant)
}

// SetTeam gives conversation conv to team ("" to none): agents and the
// system. An assignee who is not of the team gives it up, and the
// conversation waits for the team's agents (routing offers it to them).
func (s *Service) SetTeam(ctx context.Context, a Actor, conv, team string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents give conversations to teams")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	e, err := s.teamEvent(a, c, team)
	if err != nil {
		return Result{}, invalid("%v", err)
	}
	if e == nil {
		return Result{Seq: c.LastSeq, Duplicate: true}, nil
	}
	r, err := s.append(ctx, e)
	if err == nil && s.router != nil {
		s.router.Freed(a.Tenant)
	}
	return r, err
}

// teamEvent is the event giving c to team (nil when it has it).
func (s *Service) teamEvent(a Actor, c *state.ConversationRec, team string) (*event.Event, error) {
	if team != "" {
		if !event.ValidID(team) {
			return nil, fmt.Errorf("team must be a team's id, or empty for none")
		}
		if _, err := s.store.Team(a.Tenant, team); err != nil {
			return nil, fmt.Errorf("no such team %q", team)
		}
	}
	if c.Team == team {
		return nil, nil
	}
	c.Team = team
	return &event.Event{Kind: event.KindTeamChanged, Tenant: a.Tenant, Actor: a.event(), TeamChange: &event.TeamChange{Conv: c.ID, Team: team}}, nil
}
