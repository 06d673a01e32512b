package state_test

import (
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// benchRules are 100 rules of a busy tenant, over every trigger: most
// test what a message says, its tags, its status and its customer; about
// 1% of the benchmark's customer messages fire one (a firing is written
// down), as rules in a help desk mostly look and seldom act.
func benchRules() []event.Rule {
	var rules []event.Rule
	add := func(id string, when []string, conds []event.Condition, acts ...event.Action) {
		rules = append(rules, event.Rule{ID: id, Name: id, When: when, Conditions: conds, Actions: acts})
	}
	tag := func(t string) event.Action { return event.Action{Type: "add_tags", Tags: []string{t}} }
	for i := range 40 {
		add(fmt.Sprintf("text-%d", i), []string{automation.MessageIn}, []event.Condition{
			{Field: "text", Op: "contains", Value: fmt.Sprintf("keyword%d", i)},
			{Field: "tags", Op: "not_contains", Values: []string{fmt.Sprintf("k%d", i)}},
			{Field: "attribute.plan", Op: "is", Value: "gold"}}, tag(fmt.Sprintf("k%d", i)))
	}
	for i := range 15 {
		add(fmt.Sprintf("status-%d", i), []string{automation.StatusChanged}, []event.Condition{
			{Field: "status", Op: "is", Value: "solved"}, {Field: "tags", Op: "contains", Values: []string{fmt.Sprintf("s%d", i)}}}, tag("done"))
	}
	for i := range 10 {
		add(fmt.Sprintf("prio-%d", i), []string{automation.PriorityChanged}, []event.Condition{
			{Field: "priority", Op: "is", Value: "urgent"}, {Field: "channel", Op: "is", Value: "email"}}, event.Action{Type: "add_note", Text: "urgent mail"})
	}
	for i := range 10 {
		add(fmt.Sprintf("tags-%d", i), []string{automation.TagsChanged}, []event.Condition{
			{Field: "tags", Op: "contains", Values: []string{fmt.Sprintf("vip%d", i)}}, {Field: "priority", Op: "in", Values: []string{"low", "normal"}}},
			event.Action{Type: "set_priority", Value: "high"})
	}
	for i := range 10 {
		add(fmt.Sprintf("out-%d", i), []string{automation.MessageOut, automation.Note}, []event.Condition{
			{Field: "text", Op: "contains", Value: fmt.Sprintf("escalate%d", i)}}, tag("escalated"))
	}
	for i := range 5 {
		add(fmt.Sprintf("sla-%d", i), []string{automation.SLABreach}, []event.Condition{
			{Field: "sla_measure", Op: "is", Value: "first_response"}}, event.Action{Type: "unassign"})
	}
	for i := range 10 {
		rules = append(rules, event.Rule{ID: fmt.Sprintf("time-%d", i), Name: "time", When: []string{automation.Time}, Since: automation.SinceStatus,
			AfterS: int64(3600 * (i + 1)), Conditions: []event.Condition{{Field: "status", Op: "is", Value: "pending"},
				{Field: "tags", Op: "not_contains", Values: []string{"hold"}}}, Actions: []event.Action{{Type: "set_status", Value: "solved"}}})
	}
	return rules
}

// BenchmarkRules measures the projector's cost per event of a tenant
// with 100 rules against the same events of a tenant without rules:
// customers' and agents' messages, tags, statuses and priorities over 512
// conversations, in batches of 64, each batch applied to both stores (on
// disk) in turn, so that both see the same moments of a noisy machine.
// It reports each one's wall time per event and their ratio.
//
//	go test -run '^$' -bench 'Rules' -benchtime 200000x -count 5 ./internal/state
func BenchmarkRules(b *testing.B) {
	plain, with := newRulesBench(b, 0), newRulesBench(b, 100)
	var tPlain, tWith time.Duration
	cpu0 := edgetest.ProcCPU(b, os.Getpid())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += benchBatch {
		n := min(benchBatch, b.N-i)
		t := time.Now()
		plain.apply(b, i, n)
		tPlain += time.Since(t)
		t = time.Now()
		with.apply(b, i, n)
		tWith += time.Since(t)
	}
	b.StopTimer()
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(b.N), "ns/event-0-rules")
	b.ReportMetric(float64(tWith.Nanoseconds())/float64(b.N), "ns/event-100-rules")
	b.ReportMetric(float64(tWith)/float64(tPlain), "ratio")
	// the process's CPU for both (projector and Badger's goroutines), /proc
	b.ReportMetric(float64((edgetest.ProcCPU(b, os.Getpid())-cpu0).Microseconds())/float64(2*b.N), "cpu-µs/event-both")
	f, err := with.s.Firings(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(f))/float64(b.N)*100, "fired-%")
}

type rulesBench struct {
	s     *state.Store
	seq   uint64
	convs []string
}

func (r *rulesBench) next(e *event.Event) *event.Event {
	r.seq++
	e.Seq, e.Tenant, e.TS, e.ID = r.seq, "bench", int64(r.seq)*1000, event.NewID()
	return e
}

func newRulesBench(b *testing.B, nrules int) *rulesBench {
	s, err := state.Open(b.TempDir(), state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	r := &rulesBench{s: s}
	sys := event.Actor{Kind: event.ActorSystem, ID: "bench"}
	setup := []*event.Event{r.next(&event.Event{Kind: event.KindTenantUpserted, Actor: sys, TenantInfo: &event.Tenant{ID: "bench"}}),
		r.next(&event.Event{Kind: event.KindAgentUpserted, Actor: sys, Agent: &event.Agent{ID: "agent-1", Email: "a@example.com"}})}
	if nrules > 0 {
		rules := benchRules()[:nrules]
		if err := automation.Check(rules, nil); err != nil {
			b.Fatal(err)
		}
		setup = append(setup, r.next(&event.Event{Kind: event.KindRulesSet, Actor: sys, Rules: &event.RuleSet{Rules: rules}}))
	}
	r.convs = make([]string, benchConvs)
	for i := range r.convs {
		r.convs[i] = fmt.Sprintf("conv-%04d", i)
		contact := "contact-" + r.convs[i]
		plan := "silver"
		if i%4 == 0 {
			plan = "gold"
		}
		setup = append(setup,
			r.next(&event.Event{Kind: event.KindContactUpserted, Actor: sys, Contact: &event.Contact{ID: contact, Inbox: "web",
				Attributes: &event.Attributes{Pairs: []event.Attribute{{Key: "plan", Value: plan}}}}}),
			r.next(&event.Event{Kind: event.KindConversationOpened, Actor: event.Actor{Kind: event.ActorCustomer, ID: contact},
				Conversation: &event.ConvOpened{Conv: r.convs[i], Inbox: "web", Contact: contact, Assignee: "agent-1"}}))
	}
	if _, err := s.ApplyBatch(setup); err != nil {
		b.Fatal(err)
	}
	return r
}

// round is the k-th round's event of one conversation: eight in turn.
func round(k int, conv string) *event.Event {
	cust := event.Actor{Kind: event.ActorCustomer, ID: "contact-" + conv}
	agent := event.Actor{Kind: event.ActorAgent, ID: "agent-1"}
	text := "a sixty-four byte chat message, about what a customer types...."
	if k%100 == 7 { // 1% of the customers' messages fire a rule
		text = fmt.Sprintf("keyword%d: a sixty-four byte chat message, about what they type", (k/8)%40)
	}
	msg := func(a event.Actor, text string) *event.Event {
		return &event.Event{Kind: event.KindMessageCreated, Actor: a, Message: &event.Message{Conv: conv, ClientID: fmt.Sprintf("c-%012d", k), Text: text}}
	}
	switch k % 8 {
	case 0, 4, 7:
		return msg(cust, text)
	case 1:
		return msg(agent, "an agent's answer of about sixty-four bytes, as agents write....")
	case 2:
		return &event.Event{Kind: event.KindTagsChanged, Actor: agent, Tags: &event.TagsChange{Conv: conv, Add: []string{fmt.Sprintf("t%d", k%50)}}}
	case 3:
		return &event.Event{Kind: event.KindStatusChanged, Actor: agent, Status: &event.StatusChange{Conv: conv, Status: event.StatusPending}}
	case 5:
		return &event.Event{Kind: event.KindPriorityChanged, Actor: agent, Priority: &event.PriorityChange{Conv: conv,
			Priority: []string{"high", "normal"}[(k/8)%2]}}
	}
	return &event.Event{Kind: event.KindTagsChanged, Actor: agent, Tags: &event.TagsChange{Conv: conv, Remove: []string{fmt.Sprintf("t%d", (k-4)%50)}}}
}

// apply applies the benchmark's events i to i+n.
func (r *rulesBench) apply(b *testing.B, i, n int) {
	batch := make([]*event.Event, 0, n)
	for k := i; k < i+n; k++ {
		// each conversation gets its rounds' events in order
		batch = append(batch, r.next(round(k/benchConvs, r.convs[k%benchConvs])))
	}
	if _, err := r.s.ApplyBatch(batch); err != nil {
		b.Fatal(err)
	}
}
