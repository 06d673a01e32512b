package conversation

import (
	"context"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
)

// SLAPolicy is the tenant's service level policy (nil: none), for agents
// and the system.
func (s *Service) SLAPolicy(a Actor) (*event.SLA, error) {
	if err := staffOnly(a, "see the service level policy"); err != nil {
		return nil, err
	}
	t, err := s.store.Tenant(a.Tenant)
	if err != nil {
		return nil, readErr(err, "no such tenant")
	}
	return t.SLA, nil
}

// SetSLAPolicy replaces the tenant's service level policy (admins; nil
// removes it): its targets, business hours and holidays, warning share
// and escalation. A policy out of bounds, a time zone this edge does not
// know, a malformed holiday or hours, or an escalation team that does not
// exist is refused, saying which; nothing is stored. The policy counts
// the waits that start from then on (docs/tickets.md). On an edge linked
// to a hub, the hub's next change of the tenant replaces it.
func (s *Service) SetSLAPolicy(ctx context.Context, a Actor, p *event.SLA) (*event.SLA, error) {
	if err := s.RequireAdmin(a, "change the service level policy"); err != nil {
		return nil, err
	}
	t, err := s.store.Tenant(a.Tenant)
	if err != nil {
		return nil, readErr(err, "no such tenant")
	}
	if p != nil {
		if err := p.Check(); err != nil {
			return nil, invalid("%v", err)
		}
		if p.TimeZone != "" {
			if _, err := time.LoadLocation(p.TimeZone); err != nil {
				return nil, invalid("sla: time zone %q is not one this edge knows: give an IANA name such as Europe/Berlin", p.TimeZone)
			}
		}
		if p.EscalateTeam != "" {
			if _, err := s.store.Team(a.Tenant, p.EscalateTeam); err != nil {
				return nil, invalid("sla: escalate_team %q: no such team", p.EscalateTeam)
			}
		}
	}
	_, err = s.append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: a.Tenant, Actor: a.event(),
		TenantInfo: &event.Tenant{ID: t.ID, Name: t.Name, Residency: t.Residency, ResidencyMode: t.ResidencyMode, RecordCalls: t.RecordCalls, SLA: p}})
	return p, err
}
