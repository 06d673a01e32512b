package analytics

import (
	"slices"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
)

// script builds a conversation's events at offsets from t0.
type script struct {
	t0     time.Time
	conv   string
	events []*event.Event
}

func (s *script) at(d time.Duration, kind event.Kind, actor event.Actor, fill func(*event.Event)) *script {
	e := &event.Event{Kind: kind, Tenant: "demo", TS: s.t0.Add(d).UnixMilli(), Actor: actor}
	fill(e)
	s.events = append(s.events, e)
	return s
}

var (
	customer = event.Actor{Kind: event.ActorCustomer, ID: "c1"}
	alice    = event.Actor{Kind: event.ActorAgent, ID: "alice"}
	bob      = event.Actor{Kind: event.ActorAgent, ID: "bob"}
	bot      = event.Actor{Kind: ActorBot, ID: "faq-bot"}
	system   = event.Actor{Kind: event.ActorSystem}
)

func (s *script) opened(d time.Duration, assignee string) *script {
	return s.at(d, event.KindConversationOpened, customer, func(e *event.Event) {
		e.Conversation = &event.ConvOpened{Conv: s.conv, Inbox: "web", Assignee: assignee}
	})
}

func (s *script) says(d time.Duration, who event.Actor) *script {
	return s.at(d, event.KindMessageCreated, who, func(e *event.Event) {
		e.Message = &event.Message{Conv: s.conv, ClientID: "m", Text: "…"}
	})
}

func (s *script) note(d time.Duration, who event.Actor) *script {
	return s.at(d, event.KindMessageCreated, who, func(e *event.Event) {
		e.Message = &event.Message{Conv: s.conv, ClientID: "n", Text: "…", Private: true}
	})
}

func (s *script) status(d time.Duration, status string, until time.Duration) *script {
	return s.at(d, event.KindStatusChanged, alice, func(e *event.Event) {
		e.Status = &event.StatusChange{Conv: s.conv, Status: status}
		if until != 0 {
			e.Status.SnoozeUntil = s.t0.Add(until).UnixMilli()
		}
	})
}

func (s *script) assign(d time.Duration, agent string) *script {
	return s.at(d, event.KindConversationAssign, system, func(e *event.Event) {
		e.Assign = &event.Assignment{Conv: s.conv, Agent: agent}
	})
}

// measure runs the scripts' events (interleaved by time, as a log holds
// them) through a table and a measurer.
func measure(t *testing.T, p *Policy, scripts ...*script) ([]Fact, *Table) {
	t.Helper()
	tab := NewTable()
	tab.Append("eu", &event.Event{Kind: event.KindInboxUpserted, Tenant: "demo", Inbox: &event.Inbox{ID: "web", Channel: "web"}})
	var all []*event.Event
	for _, s := range scripts {
		all = append(all, s.events...)
	}
	for done := false; !done; {
		done = true
		best := -1
		for i, e := range all {
			if e != nil && (best < 0 || e.TS < all[best].TS) {
				best = i
			}
		}
		if best >= 0 {
			tab.Append("eu", all[best])
			all[best] = nil
			done = false
		}
	}
	m := NewMeasurer(p)
	m.Table(tab)
	return m.Facts(), tab
}

type want struct {
	measure  Measure
	conv     string
	elapsed  time.Duration
	business time.Duration // 0: the same as elapsed
	agent    string
	breached bool
}

func check(t *testing.T, facts []Fact, tab *Table, wants []want) {
	t.Helper()
	if len(facts) != len(wants) {
		for _, f := range facts {
			t.Logf("%v %s %v", f.Measure, tab.convs.Value(f.Conv), f.Elapsed)
		}
		t.Fatalf("%d facts, want %d", len(facts), len(wants))
	}
	for i, w := range wants {
		f := facts[i]
		biz := w.business
		if biz == 0 {
			biz = w.elapsed
		}
		agent := ""
		if f.Agent >= 0 {
			agent = tab.agents.Value(f.Agent)
		}
		if f.Measure != w.measure || tab.convs.Value(f.Conv) != w.conv || f.Elapsed != w.elapsed || f.Business != biz ||
			agent != w.agent || f.Breached != w.breached {
			t.Errorf("fact %d: %v %s elapsed %v business %v by %q breached %v; want %v %s %v %v by %q breached %v", i,
				f.Measure, tab.convs.Value(f.Conv), f.Elapsed, f.Business, agent, f.Breached,
				w.measure, w.conv, w.elapsed, biz, w.agent, w.breached)
		}
	}
}

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) // a Monday

// The plain case, two conversations interleaved: the first answer after
// the start, the next after the customer's turn (an agent's follow-up
// and a private note start nothing), the resolution from the start; a
// target of one minute for first responses is missed by the slower one.
func TestFirstNextResolution(t *testing.T) {
	a := (&script{t0: t0, conv: "a"}).opened(0, "alice").says(10*time.Second, customer).says(70*time.Second, alice).
		says(80*time.Second, alice).note(85*time.Second, alice).
		says(100*time.Second, customer).says(110*time.Second, customer).says(160*time.Second, alice).
		status(200*time.Second, event.StatusResolved, 0)
	b := (&script{t0: t0, conv: "b"}).opened(5*time.Second, "bob").says(6*time.Second, customer).says(50*time.Second, bob)
	p := &Policy{FirstResponse: [4]time.Duration{time.Minute, time.Minute, time.Minute, time.Minute}}
	facts, tab := measure(t, p, a, b)
	check(t, facts, tab, []want{
		{FirstResponse, "b", 45 * time.Second, 0, "bob", false},
		{FirstResponse, "a", 70 * time.Second, 0, "alice", true},
		{NextResponse, "a", 60 * time.Second, 0, "alice", false},
		{Resolution, "a", 200 * time.Second, 0, "alice", false},
	})
}

// A reopened conversation starts every clock again from the reopen.
func TestReopen(t *testing.T) {
	s := (&script{t0: t0, conv: "r"}).opened(0, "alice").says(0, customer).says(30*time.Second, alice).
		status(60*time.Second, event.StatusResolved, 0).
		says(1000*time.Second, customer).status(1000*time.Second, event.StatusOpen, 0).
		says(1045*time.Second, alice).status(1100*time.Second, event.StatusResolved, 0)
	facts, tab := measure(t, nil, s)
	check(t, facts, tab, []want{
		{FirstResponse, "r", 30 * time.Second, 0, "alice", false},
		{Resolution, "r", 60 * time.Second, 0, "alice", false},
		{FirstResponse, "r", 45 * time.Second, 0, "alice", false},
		{Resolution, "r", 100 * time.Second, 0, "alice", false},
	})
}

// A bot's answers are no response; the first response clock starts when
// the bot hands the conversation to a human.
func TestBotHandOff(t *testing.T) {
	s := (&script{t0: t0, conv: "h"}).opened(0, "").says(5*time.Second, customer).says(6*time.Second, bot).
		says(20*time.Second, customer).says(21*time.Second, bot).
		assign(40*time.Second, "alice").says(100*time.Second, alice)
	facts, tab := measure(t, nil, s)
	check(t, facts, tab, []want{{FirstResponse, "h", 60 * time.Second, 0, "alice", false}})
}

// A transfer between agents keeps the clock running; the answer is the
// one who gave it.
func TestTransfer(t *testing.T) {
	s := (&script{t0: t0, conv: "x"}).opened(0, "alice").says(10*time.Second, customer).
		assign(30*time.Second, "bob").says(90*time.Second, bob).status(120*time.Second, event.StatusResolved, 0)
	facts, tab := measure(t, nil, s)
	check(t, facts, tab, []want{
		{FirstResponse, "x", 90 * time.Second, 0, "bob", false},
		{Resolution, "x", 120 * time.Second, 0, "bob", false},
	})
}

// Snoozed and pending time does not count: the clocks stop while the
// conversation waits on the customer or sleeps.
func TestSnoozeAndPending(t *testing.T) {
	s := (&script{t0: t0, conv: "z"}).opened(0, "alice").says(0, customer).
		status(20*time.Second, event.StatusSnoozed, 620*time.Second).status(620*time.Second, event.StatusOpen, 0).
		says(650*time.Second, alice).
		status(700*time.Second, event.StatusPending, 0).says(900*time.Second, customer).status(900*time.Second, event.StatusOpen, 0).
		says(960*time.Second, alice).status(1000*time.Second, event.StatusResolved, 0)
	facts, tab := measure(t, nil, s)
	check(t, facts, tab, []want{
		{FirstResponse, "z", 50 * time.Second, 0, "alice", false},
		{NextResponse, "z", 60 * time.Second, 0, "alice", false},
		{Resolution, "z", 200 * time.Second, 0, "alice", false}, // 1000 s less 600 snoozed and 200 pending
	})
}

// In business hours (Monday to Friday, 9 to 17 in Berlin), a Friday
// 16:50 question answered on Monday at 9:20 waited 30 minutes: within a
// one-hour target, which the 64 and a half hours on the clock would miss.
func TestBusinessHours(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data: ", err)
	}
	friday := time.Date(2026, 11, 6, 16, 50, 0, 0, berlin)
	monday := time.Date(2026, 11, 9, 9, 20, 0, 0, berlin)
	hours := Weekdays(berlin, 9*time.Hour, 17*time.Hour)
	if err := hours.Validate(); err != nil {
		t.Fatal(err)
	}
	s := (&script{t0: friday, conv: "w"}).opened(0, "alice").says(0, customer).says(monday.Sub(friday), alice)
	p := &Policy{FirstResponse: [4]time.Duration{time.Hour, time.Hour, time.Hour, time.Hour}, BusinessHours: hours}
	facts, tab := measure(t, p, s)
	check(t, facts, tab, []want{{FirstResponse, "w", monday.Sub(friday), 30 * time.Minute, "alice", false}})
	facts, tab = measure(t, &Policy{FirstResponse: p.FirstResponse}, s)
	check(t, facts, tab, []want{{FirstResponse, "w", monday.Sub(friday), 0, "alice", true}})

	// a holiday on the Monday moves the answer's business time to Tuesday
	hours.Holidays = map[string]bool{"2026-11-09": true}
	if got := hours.Within(friday.UnixMilli(), monday.Add(24*time.Hour).UnixMilli()); got != 30*time.Minute {
		t.Errorf("Friday 16:50 to Tuesday 9:20 over a Monday holiday: %v, want 30m", got)
	}
	// a day with a clock change (29 March 2026, Sunday, and the Monday after)
	spring := Weekdays(berlin, 9*time.Hour, 17*time.Hour)
	spring.Days[time.Sunday].Open, spring.Days[time.Sunday].Close = 1*time.Hour, 4*time.Hour // 02:00–03:00 does not exist
	sun := time.Date(2026, 3, 29, 0, 0, 0, 0, berlin)
	if got := spring.Within(sun.UnixMilli(), sun.Add(24*time.Hour).UnixMilli()); got != 2*time.Hour {
		t.Errorf("open 1:00 to 4:00 on the day the clocks go forward: %v, want 2h", got)
	}
}

// A customer still waiting is a fact in the making: past its target, it
// is a breach before anyone answers.
func TestWaiting(t *testing.T) {
	s := (&script{t0: t0, conv: "q"}).opened(0, "alice").says(0, customer)
	tab := NewTable()
	for _, e := range s.events {
		tab.Append("eu", e)
	}
	m := NewMeasurer(nil)
	m.Table(tab)
	w := m.Waiting(t0.Add(5 * time.Minute).UnixMilli())
	if len(w) != 1 || w[0].Measure != FirstResponse || w[0].Elapsed != 5*time.Minute || w[0].Breached {
		t.Fatalf("waiting: %+v", w)
	}
	// urgent, with a 2-minute target for urgent waits: breached already
	tab.Append("eu", &event.Event{Kind: event.KindPriorityChanged, Tenant: "demo", TS: t0.Add(time.Minute).UnixMilli(), Actor: alice,
		Priority: &event.PriorityChange{Conv: "q", Priority: "urgent"}})
	m = NewMeasurer(&Policy{FirstResponse: [4]time.Duration{0, time.Hour, 0, 2 * time.Minute}})
	m.Table(tab)
	if w := m.Waiting(t0.Add(5 * time.Minute).UnixMilli()); len(w) != 1 || w[0].Priority != 3 || !w[0].Breached {
		t.Fatalf("an urgent wait past its target: %+v", w)
	}
}

func TestPercentile(t *testing.T) {
	v := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {90, 9}, {100, 10}, {0, 1}, {10, 1}, {11, 2}} {
		if got := Percentile(v, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("the percentile of nothing")
	}
}

// The live queue: who waits now, by region, and for how long; answered
// and snoozed customers are not in it, nor other tenants'.
func TestQueue(t *testing.T) {
	tab := NewTable()
	for _, e := range append(append(
		(&script{t0: t0, conv: "w1"}).opened(0, "").says(0, customer).events,
		(&script{t0: t0, conv: "w2"}).opened(60*time.Second, "").says(60*time.Second, customer).events...),
		(&script{t0: t0, conv: "done"}).opened(0, "alice").says(0, customer).says(10*time.Second, alice).events...) {
		tab.Append("eu", e)
	}
	for _, e := range (&script{t0: t0, conv: "sleepy"}).opened(0, "").says(0, customer).status(5*time.Second, event.StatusSnoozed, time.Hour).events {
		tab.Append("us", e)
	}
	other := &event.Event{Kind: event.KindConversationOpened, Tenant: "acme", TS: t0.UnixMilli(), Actor: customer,
		Conversation: &event.ConvOpened{Conv: "acme-1", Inbox: "web"}}
	tab.Append("eu", other)
	live := NewLive(tab, nil)
	q := live.Queue("demo", t0.Add(5*time.Minute).UnixMilli())
	if len(q) != 1 || q[0] != (QueueStat{Region: "eu", Waiting: 2, LongestMS: 300_000}) {
		t.Fatalf("queue %+v, want eu: 2 waiting, the longest 5 min", q)
	}
	if q := live.Queue("", t0.Add(5*time.Minute).UnixMilli()); len(q) != 1 || q[0].Waiting != 3 {
		t.Fatalf("every tenant's queue %+v, want eu: 3", q)
	}
}

// A tenant's SLA policy, set by its tenant.upserted event, measures its
// waits: targets by priority, in business hours; a new policy measures
// the history again.
func TestTenantPolicy(t *testing.T) {
	friday := time.Date(2026, 11, 6, 16, 50, 0, 0, time.UTC)
	slow := (&script{t0: friday, conv: "slow"}).opened(0, "alice").says(0, customer).says(64*time.Hour+30*time.Minute, alice)
	quick := (&script{t0: friday, conv: "quick"}).opened(0, "alice").says(0, customer).says(5*time.Minute, alice)
	tab := NewTable()
	policy := func(sla *event.SLA) {
		tab.Append("eu", &event.Event{Kind: event.KindTenantUpserted, Tenant: "demo", TS: friday.UnixMilli(),
			TenantInfo: &event.Tenant{ID: "demo", SLA: sla}})
	}
	hours := [7][2]int32{}
	for d := 1; d <= 5; d++ {
		hours[d] = [2]int32{9 * 60, 17 * 60}
	}
	policy(&event.SLA{FirstResponse: [4]int64{0, 3600, 0, 0}, TimeZone: "UTC", Hours: hours})
	for _, e := range append(slow.events, quick.events...) {
		tab.Append("eu", e)
	}
	live := NewLive(tab, nil)
	total := func() (count, breached int, p90 time.Duration) {
		for _, s := range noErr(live.Query(Query{Tenant: "demo", Measure: FirstResponse})) {
			count += s.Count
			breached += s.Breached
			p90 = max(p90, s.P90)
		}
		return
	}
	if n, b, p90 := total(); n != 2 || b != 0 || p90 != 30*time.Minute {
		t.Fatalf("in business hours: %d waits, %d breached, p90 %v; want 2, none (30 min of business time: 10 on Friday, 20 on Monday)", n, b, p90)
	}
	policy(&event.SLA{FirstResponse: [4]int64{0, 3600, 0, 0}}) // the same target around the clock
	if n, b, _ := total(); n != 2 || b != 1 {
		t.Fatalf("around the clock: %d waits, %d breached; want 2, the slow one", n, b)
	}
	if got := noErr(tab.Aggregate(Query{Tenant: "demo", Measure: FirstResponse})); len(got) != 2 || got[0].Breached+got[1].Breached != 1 {
		t.Fatalf("measured again under the tenant's policy: %+v", got)
	}
	// a second tenant around the clock beside demo in business hours:
	// every tenant's figures together count each wait as its tenant does,
	// live as measured again
	policy(&event.SLA{FirstResponse: [4]int64{0, 3600, 0, 0}, TimeZone: "UTC", Hours: hours})
	other := (&script{t0: friday, conv: "acme-slow"}).opened(0, "bob").says(0, customer).says(64*time.Hour+30*time.Minute, bob)
	for _, e := range other.events {
		e.Tenant = "acme"
		tab.Append("eu", e)
	}
	all := Query{Measure: FirstResponse}
	if got, want := noErr(live.Query(all)), noErr(tab.Aggregate(all)); len(got) == 0 || !slices.Equal(got, want) {
		t.Fatalf("two tenants, one in business hours: live %+v, measured again %+v", got, want)
	}
	var p90 time.Duration
	for _, s := range noErr(tab.Aggregate(all)) {
		p90 = max(p90, s.P90)
	}
	if p90 != 64*time.Hour+30*time.Minute {
		t.Fatalf("the around-the-clock tenant's slow wait: p90 %v, want 64h30m", p90)
	}
	if err := (&event.SLA{TimeZone: "Europe/Berlin; rm -rf"}).Check(); err == nil {
		t.Error("a time zone that is no name was accepted")
	}
	if err := (&event.SLA{Hours: [7][2]int32{{600, 500}}}).Check(); err == nil {
		t.Error("hours closing before they open were accepted")
	}
	if err := (&event.SLA{Holidays: []string{"Christmas"}}).Check(); err == nil {
		t.Error("a holiday that is no date was accepted")
	}
	if err := (&event.SLA{FirstResponse: [4]int64{-1}}).Check(); err == nil {
		t.Error("a negative target was accepted")
	}
}

// Satisfaction: each conversation's last rating, by region and hour; the
// share of 4s and 5s is the CSAT figure. Grouped by agent, a rating counts
// for the agent the conversation was assigned to then; by channel and
// day, and filtered, as the waits are.
func TestSatisfaction(t *testing.T) {
	tab := NewTable()
	tab.Append("eu", &event.Event{Kind: event.KindInboxUpserted, Tenant: "demo", Inbox: &event.Inbox{ID: "web", Channel: "web"}})
	tab.Append("eu", &event.Event{Kind: event.KindInboxUpserted, Tenant: "demo", Inbox: &event.Inbox{ID: "mail", Channel: "email"}})
	open := func(conv, region, inbox, agent string) {
		tab.Append(region, &event.Event{Kind: event.KindConversationOpened, Tenant: "demo", TS: t0.UnixMilli(), Actor: customer,
			Conversation: &event.ConvOpened{Conv: conv, Inbox: inbox, Assignee: agent}})
	}
	rate := func(conv, region string, d time.Duration, score int) {
		tab.Append(region, &event.Event{Kind: event.KindConversationRated, Tenant: "demo", TS: t0.Add(d).UnixMilli(), Actor: customer,
			Rating: &event.Rating{Conv: conv, Score: score}})
	}
	open("a", "eu", "web", "alice")
	open("b", "eu", "mail", "")
	open("c", "us", "web", "bob")
	rate("a", "eu", time.Minute, 2)
	rate("a", "eu", 2*time.Minute, 5) // rated again: the last counts
	rate("b", "eu", 3*time.Minute, 3)
	rate("c", "us", 4*time.Minute, 4)
	hour := Query{Tenant: "demo", From: t0.UnixMilli(), To: t0.Add(time.Hour).UnixMilli()}
	check := func(name string, q Query, want ...CSAT) {
		t.Helper()
		if got := noErr(tab.Satisfaction(q)); !slices.Equal(got, want) {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	check("by region", hour,
		CSAT{Group: "eu", Start: t0.UnixMilli(), Ratings: 2, Mean: 4, Satisfied: 0.5},
		CSAT{Group: "us", Start: t0.UnixMilli(), Ratings: 1, Mean: 4, Satisfied: 1})
	byAgent := hour
	byAgent.GroupBy = ByAgent
	check("by agent", byAgent,
		CSAT{Group: "alice", Start: t0.UnixMilli(), Ratings: 1, Mean: 5, Satisfied: 1},
		CSAT{Group: "bob", Start: t0.UnixMilli(), Ratings: 1, Mean: 4, Satisfied: 1},
		CSAT{None: true, Start: t0.UnixMilli(), Ratings: 1, Mean: 3, Satisfied: 0})
	byChannel := hour
	byChannel.GroupBy, byChannel.Interval, byChannel.Region = ByChannel, 24*Hour, "eu"
	day := t0.UnixMilli() - t0.UnixMilli()%(24*Hour)
	check("by channel and day in eu", byChannel,
		CSAT{Group: "email", Start: day, Ratings: 1, Mean: 3, Satisfied: 0},
		CSAT{Group: "web", Start: day, Ratings: 1, Mean: 5, Satisfied: 1})
	check("another tenant's", Query{Tenant: "nobody", To: t0.Add(time.Hour).UnixMilli()})
	check("a region never seen", Query{Tenant: "demo", Region: "mars"})
	// the NLP plugin's readings: every one counts, their mean and the share above zero
	for i, score := range []int{-40, 60} {
		tab.Append("eu", &event.Event{Kind: event.KindMessageAnalyzed, Tenant: "demo", TS: t0.Add(time.Duration(i) * time.Minute).UnixMilli(),
			Actor: event.Actor{Kind: event.ActorSystem}, Analysis: &event.Analysis{Conv: "a", Message: uint64(i + 1), Sentiment: "x", SentimentScore: score}})
	}
	if got := noErr(tab.Sentiment(hour)); len(got) != 1 ||
		got[0] != (CSAT{Group: "eu", Start: t0.UnixMilli(), Ratings: 2, Mean: 10, Satisfied: 0.5}) {
		t.Fatalf("sentiment %+v", got)
	}
}

// What the edge does without a status event is measured as it happens
// there: a customer writing into a resolved conversation reopens it, into
// a pending or snoozed one opens it again; a snooze runs out at its time;
// an answer given while paused does not count the pause; a human answering
// after a bot, unassigned, is a hand-off all the same.
func TestImplicitStatusChanges(t *testing.T) {
	reopened := (&script{t0: t0, conv: "r"}).opened(0, "alice").says(0, customer).says(30*time.Second, alice).
		status(60*time.Second, event.StatusResolved, 0).says(1000*time.Second, customer).says(1045*time.Second, alice).
		status(1100*time.Second, event.StatusResolved, 0)
	facts, tab := measure(t, nil, reopened)
	check(t, facts, tab, []want{
		{FirstResponse, "r", 30 * time.Second, 0, "alice", false},
		{Resolution, "r", 60 * time.Second, 0, "alice", false},
		{FirstResponse, "r", 45 * time.Second, 0, "alice", false},
		{Resolution, "r", 100 * time.Second, 0, "alice", false},
	})

	pending := (&script{t0: t0, conv: "p"}).opened(0, "alice").says(0, customer).says(10*time.Second, alice).
		status(30*time.Second, event.StatusPending, 0).says(100*time.Second, customer).says(160*time.Second, alice).
		status(200*time.Second, event.StatusResolved, 0)
	facts, tab = measure(t, nil, pending)
	check(t, facts, tab, []want{
		{FirstResponse, "p", 10 * time.Second, 0, "alice", false},
		{NextResponse, "p", 60 * time.Second, 0, "alice", false},
		{Resolution, "p", 130 * time.Second, 0, "alice", false}, // 200 s less 70 pending
	})
	m := NewMeasurer(nil)
	m.Table(tab)
	waiting := (&script{t0: t0, conv: "w"}).opened(0, "alice").says(0, customer).says(10*time.Second, alice).
		status(30*time.Second, event.StatusPending, 0).says(100*time.Second, customer)
	_, wtab := measure(t, nil, waiting)
	m = NewMeasurer(nil)
	m.Table(wtab)
	if w := m.Waiting(t0.Add(700 * time.Second).UnixMilli()); len(w) != 1 || w[0].Measure != NextResponse || w[0].Elapsed != 600*time.Second {
		t.Fatalf("a pending conversation the customer wrote into: waiting %+v, want a next response wait of 600 s", w)
	}

	snoozed := (&script{t0: t0, conv: "s"}).opened(0, "alice").says(0, customer).
		status(20*time.Second, event.StatusSnoozed, 10000*time.Second).says(3000*time.Second, alice)
	expired := (&script{t0: t0, conv: "e"}).opened(0, "alice").says(0, customer).
		status(20*time.Second, event.StatusSnoozed, 620*time.Second).says(650*time.Second, alice)
	facts, tab = measure(t, nil, snoozed, expired)
	check(t, facts, tab, []want{
		{FirstResponse, "e", 50 * time.Second, 0, "alice", false}, // the snooze ran out at 620 s
		{FirstResponse, "s", 20 * time.Second, 0, "alice", false}, // answered during the snooze
	})

	handOff := (&script{t0: t0, conv: "b"}).opened(0, "").says(5*time.Second, customer).says(6*time.Second, bot).
		says(50*time.Second, alice).says(100*time.Second, customer).says(130*time.Second, alice)
	facts, tab = measure(t, nil, handOff)
	check(t, facts, tab, []want{{NextResponse, "b", 30 * time.Second, 0, "alice", false}})
}

// noErr is v, failing the test (by a panic) on an error.
func noErr[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
