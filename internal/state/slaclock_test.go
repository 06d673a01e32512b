package state_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/analytics"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Friday 4 December 2026, 10:00 in Berlin.
var friday = time.Date(2026, 12, 4, 10, 0, 0, 0, mustLoc("Europe/Berlin"))

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// policy: first response 1 h (normal), 15 min (high); next response
// 2 h; resolution 8 h; Monday to Friday 9:00–17:00 in Berlin, Christmas
// closed; the warning at 50 %.
func policy() *event.SLA {
	p := &event.SLA{FirstResponse: [4]int64{0, 3600, 900, 300}, NextResponse: [4]int64{0, 7200, 1800, 600},
		Resolution: [4]int64{0, 8 * 3600, 4 * 3600, 3600}, TimeZone: "Europe/Berlin", Holidays: []string{"2026-12-25"}, WarnAt: 50}
	for d := 1; d <= 5; d++ {
		p.Hours[d] = [2]int32{540, 1020}
	}
	return p
}

func at(d time.Duration) int64 { return friday.Add(d).UnixMilli() }

func clocks(t *testing.T, s *state.Store, conv string) map[string]state.SLAClock {
	t.Helper()
	c, err := s.Conversation("t1", conv)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]state.SLAClock{}
	for _, k := range c.SLA {
		out[k.Measure] = k
	}
	return out
}

// TestSLAClocksByHand: a conversation's clocks in business hours, through
// a weekend, a pause and a reopening, computed by hand.
func TestSLAClocksByHand(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(&event.Event{Kind: event.KindTenantUpserted, TS: at(-time.Hour), TenantInfo: &event.Tenant{ID: "t1", SLA: policy()}})
	o := opened("c1", "")
	o.TS = at(6 * time.Hour) // Friday 16:00: one business hour left this week
	l.apply(o)
	k := clocks(t, s, "c1")
	fr, res := k[sla.FirstResponse], k[sla.Resolution]
	monday := func(h, m int) int64 {
		return time.Date(2026, 12, 7, h, m, 0, 0, friday.Location()).UnixMilli()
	}
	if fr.Due != at(7*time.Hour) || fr.Warn != at(6*time.Hour+30*time.Minute) || res.Due != monday(16, 0) || res.Warn != monday(12, 0) {
		t.Fatalf("first response due %s warn %s, resolution due %s warn %s",
			time.UnixMilli(fr.Due), time.UnixMilli(fr.Warn), time.UnixMilli(res.Due), time.UnixMilli(res.Warn))
	}
	due, err := s.DueSLA(at(6*time.Hour+31*time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].Measure != sla.FirstResponse || due[0].Stage != event.SLAWarning || due[0].At != fr.Warn {
		t.Fatalf("due at 16:31: %+v (%v)", due, err)
	}
	// the warning is recorded: next comes the breach
	l.apply(&event.Event{Kind: event.KindSLAStage, TS: at(6*time.Hour + 31*time.Minute), Actor: event.Actor{Kind: event.ActorSystem, ID: "sla"},
		SLAStage: &event.SLAStage{Conv: "c1", Measure: sla.FirstResponse, Stage: event.SLAWarning, Since: fr.Since, Due: fr.Warn}})
	if due, _ := s.DueSLA(at(8*time.Hour), 10); len(due) != 1 || due[0].Stage != event.SLABreached || due[0].At != fr.Due {
		t.Fatalf("due after the warning: %+v", due)
	}
	// pending at 16:40 (40 business minutes spent): stands still over the weekend
	p := status("c1", event.StatusPending)
	p.TS = at(6*time.Hour + 40*time.Minute)
	l.apply(p)
	if k := clocks(t, s, "c1")[sla.FirstResponse]; k.Run != 0 || k.Due != 0 || k.Spent != (40*time.Minute).Milliseconds() {
		t.Fatalf("paused: %+v", k)
	}
	if due, _ := s.DueSLA(monday(23, 0), 10); len(due) != 0 {
		t.Fatalf("a paused clock is due: %+v", due)
	}
	// the customer answers on Saturday: counting again, from Monday 9:00
	m := msg(cust, "c1", "w1", false)
	m.TS = time.Date(2026, 12, 5, 11, 0, 0, 0, friday.Location()).UnixMilli()
	l.apply(m)
	if k := clocks(t, s, "c1")[sla.FirstResponse]; k.Due != monday(9, 20) || k.Stage != event.SLAWarning {
		t.Fatalf("resumed: due %s, %+v", time.UnixMilli(k.Due), k)
	}
	// urgent now: 5 minutes of target, already past
	pr := &event.Event{Kind: event.KindPriorityChanged, TS: monday(9, 1), Actor: agent, Priority: &event.PriorityChange{Conv: "c1", Priority: "urgent"}}
	l.apply(pr)
	if k := clocks(t, s, "c1")[sla.FirstResponse]; k.Target != (5*time.Minute).Milliseconds() || k.Due != time.UnixMilli(k.Run).Add(0).UnixMilli() {
		t.Fatalf("retargeted: due %s, %+v", time.UnixMilli(k.Due), k)
	}
	// the agent answers: the first response clock stops; the customer's
	// turn starts the next response clock
	a := msg(agent, "c1", "a1", false)
	a.TS = monday(9, 30)
	l.apply(a)
	if k := clocks(t, s, "c1"); len(k) != 1 || k[sla.Resolution].Since != o.TS {
		t.Fatalf("after the answer: %+v", k)
	}
	w2 := msg(cust, "c1", "w2", false)
	w2.TS = monday(10, 0)
	l.apply(w2)
	if k := clocks(t, s, "c1")[sla.NextResponse]; k.Since != w2.TS || k.Due != monday(10, 10) {
		t.Fatalf("next response: %+v", k)
	}
	// solved: no clock; the customer reopens: first response and resolution again
	sv := status("c1", event.StatusSolved)
	sv.TS = monday(10, 5)
	l.apply(sv)
	if k := clocks(t, s, "c1"); len(k) != 0 {
		t.Fatalf("solved: %+v", k)
	}
	w3 := msg(cust, "c1", "w3", false)
	w3.TS = monday(11, 0)
	l.apply(w3)
	if k := clocks(t, s, "c1"); len(k) != 2 || k[sla.FirstResponse].Since != w3.TS || k[sla.FirstResponse].Due != monday(11, 5) {
		t.Fatalf("reopened: %+v", k)
	}
	if due, _ := s.DueSLA(monday(23, 0), 10); len(due) != 2 {
		t.Fatalf("due after the reopening: %+v", due)
	}
}

// TestSLAClocksAgreeWithTheHub runs random conversations through the
// edge's projector and the hub's measurer (analytics) under the same
// policy: every wait the hub measures as breached is one whose edge clock
// was past its due when the wait ended (so the edge recorded a breach for
// it: edge/clock when the due came, or the answer's own check), and every
// wait the hub measures in time is one whose clock was not.
func TestSLAClocksAgreeWithTheHub(t *testing.T) {
	for _, p := range []*event.SLA{policy(), {FirstResponse: [4]int64{10800, 7200, 3600, 1800}, NextResponse: [4]int64{10800, 7200, 3600, 1800},
		Resolution: [4]int64{0, 36000, 18000, 7200}, WarnAt: 90}} {
		s := open(t)
		l := &log{t: t, s: s}
		tab := analytics.NewTable()
		tenant := &event.Event{Kind: event.KindTenantUpserted, TS: at(-time.Hour), Tenant: "t1", TenantInfo: &event.Tenant{ID: "t1", SLA: p}}
		l.apply(tenant)
		tab.Append("eu", tenant)
		rng := rand.New(rand.NewPCG(7, uint64(len(p.TimeZone))))
		type end struct {
			conv, measure string
			ts            int64
		}
		edge := map[end]bool{} // the edge's verdict on each wait that ended
		trace := map[string][]string{}
		for n := range 60 {
			conv := fmt.Sprintf("c%d", n)
			ts := at(time.Duration(rng.IntN(7*24)) * time.Hour)
			events := []*event.Event{opened(conv, "")}
			st := event.StatusNew
			for i := range 4 + rng.IntN(12) {
				var e *event.Event
				switch r := rng.IntN(10); {
				case r < 3:
					e = msg(cust, conv, fmt.Sprintf("w%d", i), false)
				case r < 6:
					e = msg(agent, conv, fmt.Sprintf("a%d", i), false)
				case r == 6:
					e = status(conv, []string{event.StatusPending, event.StatusOnHold}[rng.IntN(2)])
				case r == 7:
					e = status(conv, event.StatusSolved)
				case r == 8 && (st == event.StatusPending || st == event.StatusOnHold || st == event.StatusSolved):
					e = status(conv, event.StatusOpen)
				default:
					e = &event.Event{Kind: event.KindPriorityChanged, Actor: agent,
						Priority: &event.PriorityChange{Conv: conv, Priority: event.Priorities[rng.IntN(4)]}}
				}
				if e.Status != nil {
					if st == e.Status.Status || st == event.StatusNew && e.Status.Status == event.StatusOpen {
						continue
					}
					st = e.Status.Status
				}
				events = append(events, e)
			}
			for _, e := range events {
				ts += int64(rng.IntN(3*3600)) * 1000
				e.TS, e.Tenant = ts, "t1"
				before, err := s.Conversation("t1", conv)
				if err == nil {
					// the clocks this event stops, and whether they were past due
					for _, k := range before.SLA {
						// an answer ends a response wait, a solving the resolution
						// (a response wait solved unanswered is no fact of the hub's)
						stops := k.Measure != sla.Resolution && e.Kind == event.KindMessageCreated && e.Actor.Kind == event.ActorAgent ||
							k.Measure == sla.Resolution && e.Kind == event.KindStatusChanged && event.Done(e.Status.Status)
						if stops {
							left := k.Left(sla.ScheduleOf(p), e.TS)
							edge[end{conv, k.Measure, e.TS}] = k.Target > 0 && left < 0
						}
					}
				}
				l.apply(e)
				tab.Append("eu", e)
				after, _ := s.Conversation("t1", conv)
				what := string(e.Kind)
				switch {
				case e.Message != nil:
					what = "msg " + e.Actor.Kind
				case e.Status != nil:
					what = "status " + e.Status.Status
				case e.Priority != nil:
					what = "priority " + e.Priority.Priority
				}
				trace[conv] = append(trace[conv], fmt.Sprintf("%d %s %s -> %s %+v", e.TS, time.UnixMilli(e.TS).In(friday.Location()).Format("Mon 15:04"), what, after.Status, after.SLA))
			}
		}
		m := analytics.NewMeasurer(analytics.PolicyOf(p))
		if err := m.Table(tab); err != nil {
			t.Fatal(err)
		}
		names := map[analytics.Measure]string{analytics.FirstResponse: sla.FirstResponse, analytics.NextResponse: sla.NextResponse,
			analytics.Resolution: sla.Resolution}
		facts, breached := 0, 0
		for _, f := range m.Facts() {
			conv := tab.Dicts().Convs.Value(f.Conv)
			verdict, ok := edge[end{conv, names[f.Measure], f.End}]
			if !ok {
				t.Errorf("the hub measured a %s wait of %s ending %d; the edge had no clock for it\n%s", names[f.Measure], conv, f.End, strings.Join(trace[conv], "\n"))
				continue
			}
			facts++
			if f.Breached {
				breached++
			}
			if verdict != f.Breached {
				t.Errorf("%s %s ending %s: the hub says breached %v (business %s), the edge %v\n%s",
					conv, names[f.Measure], time.UnixMilli(f.End), f.Breached, f.Business, verdict, strings.Join(trace[conv], "\n"))
			}
		}
		if facts < 100 || breached == 0 || breached == facts || facts != len(edge) {
			t.Fatalf("%d waits measured by the hub (%d breached), %d by the edge: too few to compare", facts, breached, len(edge))
		}
		t.Logf("policy %q: %d waits, %d breached, the same on both", p.TimeZone, facts, breached)
	}
}
