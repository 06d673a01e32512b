package conversation_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

// TestSLAPolicyCalendars: admins set the policy's targets and calendar;
// a malformed calendar (a time zone nobody knows, hours that close
// before they open, a holiday that is no date) or an escalation to a team
// that does not exist is refused, saying which, and nothing changes.
func TestSLAPolicyCalendars(t *testing.T) {
	d := newDesk(t)
	good := event.SLA{FirstResponse: [4]int64{0, 3600, 1800, 900}, TimeZone: "Asia/Shanghai", Holidays: []string{"2026-10-01"}}
	for d := 1; d <= 5; d++ {
		good.Hours[d] = [2]int32{9 * 60, 18 * 60}
	}
	for _, bad := range []struct {
		edit func(*event.SLA)
		says string
	}{
		{func(p *event.SLA) { p.TimeZone = "Mars/Olympus_Mons" }, `time zone "Mars/Olympus_Mons" is not one this edge knows`},
		{func(p *event.SLA) { p.TimeZone = "Europe/Berlin; rm -rf" }, "give an IANA name"},
		{func(p *event.SLA) { p.Hours[1] = [2]int32{18 * 60, 9 * 60} }, "hours of day 1: give opening ≤ closing"},
		{func(p *event.SLA) { p.Holidays = []string{"2026-13-45"} }, `holiday "2026-13-45": give YYYY-MM-DD`},
		{func(p *event.SLA) { p.EscalateTeam = "team-gone" }, `escalate_team "team-gone": no such team`},
		{func(p *event.SLA) { p.FirstResponse[3] = -5 }, "a target of -5 s"},
	} {
		p := good
		p.Holidays = append([]string(nil), good.Holidays...)
		bad.edit(&p)
		if _, err := d.svc.SetSLAPolicy(ctx, alice, &p); code(err) != "invalid" || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%v, want %q", err, bad.says)
		}
	}
	if got := must(d.svc.SLAPolicy(bob)); got != nil {
		t.Fatalf("a policy after refusals: %+v", got)
	}
	if _, err := d.svc.SetSLAPolicy(ctx, bob, &good); code(err) != "forbidden" {
		t.Fatalf("an agent sets the policy: %v", err)
	}
	must(d.svc.SetSLAPolicy(ctx, alice, &good))
	got := must(d.svc.SLAPolicy(bob))
	if got == nil || got.TimeZone != "Asia/Shanghai" || got.Hours[1] != [2]int32{540, 1080} || got.FirstResponse[1] != 3600 {
		t.Fatalf("the policy: %+v", got)
	}
	// the clocks of a new conversation run by it
	c := d.open(t, ana, "sla")
	if rec := must(d.store.Conversation(tenant, c.ID)); len(rec.SLA) == 0 || rec.SLA[0].Target != 3600_000 {
		t.Fatalf("clocks of a new conversation: %+v", rec.SLA)
	}
	must(d.svc.SetSLAPolicy(ctx, alice, nil))
	if got := must(d.svc.SLAPolicy(bob)); got != nil {
		t.Fatalf("a policy after removing it: %+v", got)
	}
}
