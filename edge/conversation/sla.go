package conversation

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// SLAActorID is the system actor of a breach's escalation.
const SLAActorID = "sla"

// SLAStage records that a service level clock of tenant's conversation
// conv (its wait of measure that began at since) reached stage (warning
// or breached) at due: edge/clock records each when it comes, and an
// answer or a solving that comes after a due the clock has not recorded
// yet records it first (overdue), so that the log says exactly which
// waits passed their target. The event's id is derived from the wait and
// the stage: recorded once, whoever records it, on any node. A breach
// raises the conversation's priority to the policy's escalate_priority
// when that is higher.
func (s *Service) SLAStage(ctx context.Context, tenant, conv, measure, stage string, since, due int64) (Result, error) {
	a := Actor{Tenant: tenant, Kind: event.ActorSystem, ID: SLAActorID}
	r, err := s.append(ctx, &event.Event{ID: auth.DerivedID("e", "sla", tenant, conv, measure, strconv.FormatInt(since, 10), stage),
		Kind: event.KindSLAStage, Tenant: tenant, Actor: a.event(),
		SLAStage: &event.SLAStage{Conv: conv, Measure: measure, Stage: stage, Since: since, Due: due}})
	if err != nil || stage != event.SLABreached {
		return r, err
	}
	t, err := s.store.Tenant(tenant)
	if err != nil || t.SLA == nil {
		return r, nil
	}
	c, err := s.store.Conversation(tenant, conv)
	if err != nil {
		return r, nil
	}
	if p := t.SLA.Escalate; p != "" && event.PriorityRank(c.Priority) < event.PriorityRank(p) {
		if _, err := s.append(ctx, &event.Event{ID: auth.DerivedID("e", "escalate", tenant, conv, measure, strconv.FormatInt(since, 10)),
			Kind: event.KindPriorityChanged, Tenant: tenant, Actor: a.event(),
			Priority: &event.PriorityChange{Conv: conv, Priority: p}}); err != nil {
			return r, err
		}
	}
	if team := t.SLA.EscalateTeam; team != "" && c.Team != team {
		e, err := s.teamEvent(a, c, team)
		if err != nil || e == nil {
			return r, nil // a team that is gone: the priority is escalation enough
		}
		e.ID = auth.DerivedID("e", "escalate-team", tenant, conv, measure, strconv.FormatInt(since, 10))
		if _, err := s.append(ctx, e); err != nil {
			return r, err
		}
		if s.router != nil {
			s.router.Freed(tenant)
		}
	}
	return r, nil
}

// overdue records the breaches of c's clocks of measures that are past
// their due now and not recorded yet: an answer or a solving is about to
// stop them.
func (s *Service) overdue(ctx context.Context, c *state.ConversationRec, measures ...string) error {
	now := s.now().UnixMilli()
	for _, k := range c.SLA {
		if k.Stage == event.SLABreached || k.Run == 0 || k.Due == 0 || k.Due >= now {
			continue
		}
		if !slices.Contains(measures, k.Measure) {
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := s.SLAStage(ctx, c.Tenant, c.ID, k.Measure, event.SLABreached, k.Since, k.Due)
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}
