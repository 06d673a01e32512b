package state_test

import (
	"fmt"
	"log/slog"
	"os"
	"testing"

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
// with 100 rules against the same events of a tenant without rules, in
// the same run: customers' and agents' messages, tags, statuses and
// priorities over 512 conversations, in batches of 64 on a store on disk.
//
//	go test -run '^$' -bench 'Rules' -benchtime 200000x -count 5 ./internal/state
func BenchmarkRules(b *testing.B) {
	for _, n := range []int{0, 100} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) { benchRulesApply(b, n) })
	}
}

func benchRulesApply(b *testing.B, nrules int) {
	s, err := state.Open(b.TempDir(), state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const tenant = "bench"
	var seq uint64
	next := func(e *event.Event) *event.Event {
		seq++
		e.Seq, e.Tenant, e.TS, e.ID = seq, tenant, int64(seq)*1000, event.NewID()
		return e
	}
	sys := event.Actor{Kind: event.ActorSystem, ID: "bench"}
	setup := []*event.Event{next(&event.Event{Kind: event.KindTenantUpserted, Actor: sys, TenantInfo: &event.Tenant{ID: tenant}}),
		next(&event.Event{Kind: event.KindAgentUpserted, Actor: sys, Agent: &event.Agent{ID: "agent-1", Email: "a@example.com"}})}
	if nrules > 0 {
		rules := benchRules()[:nrules]
		if err := automation.Check(rules, nil); err != nil {
			b.Fatal(err)
		}
		setup = append(setup, next(&event.Event{Kind: event.KindRulesSet, Actor: sys, Rules: &event.RuleSet{Rules: rules}}))
	}
	convs := make([]string, benchConvs)
	for i := range convs {
		convs[i] = event.NewID()
		contact := "contact-" + convs[i]
		plan := "silver"
		if i%4 == 0 {
			plan = "gold"
		}
		setup = append(setup,
			next(&event.Event{Kind: event.KindContactUpserted, Actor: sys, Contact: &event.Contact{ID: contact, Inbox: "web",
				Attributes: &event.Attributes{Pairs: []event.Attribute{{Key: "plan", Value: plan}}}}}),
			next(&event.Event{Kind: event.KindConversationOpened, Actor: event.Actor{Kind: event.ActorCustomer, ID: contact},
				Conversation: &event.ConvOpened{Conv: convs[i], Inbox: "web", Contact: contact, Assignee: "agent-1"}}))
	}
	if _, err := s.ApplyBatch(setup); err != nil {
		b.Fatal(err)
	}
	// one conversation's round: eight events
	round := func(k int, conv string) *event.Event {
		cust := event.Actor{Kind: event.ActorCustomer, ID: "contact-" + conv}
		agent := event.Actor{Kind: event.ActorAgent, ID: "agent-1"}
		text := "a sixty-four byte chat message, about what a customer types...."
		if k%100 == 7 { // 1% of the customers' messages fire a rule
			text = fmt.Sprintf("keyword%d: a sixty-four byte chat message, about what they type", (k/8)%40)
		}
		msg := func(a event.Actor, text string) *event.Event {
			return &event.Event{Kind: event.KindMessageCreated, Actor: a, Message: &event.Message{Conv: conv, ClientID: fmt.Sprintf("c-%012d", k), Text: text}}
		}
		tag := fmt.Sprintf("t%d", k%50)
		switch k % 8 {
		case 0, 4, 7:
			return msg(cust, text)
		case 1:
			return msg(agent, "an agent's answer of about sixty-four bytes, as agents write....")
		case 2:
			return &event.Event{Kind: event.KindTagsChanged, Actor: agent, Tags: &event.TagsChange{Conv: conv, Add: []string{tag}}}
		case 3:
			return &event.Event{Kind: event.KindStatusChanged, Actor: agent, Status: &event.StatusChange{Conv: conv, Status: event.StatusPending}}
		case 5:
			return &event.Event{Kind: event.KindPriorityChanged, Actor: agent, Priority: &event.PriorityChange{Conv: conv,
				Priority: []string{"high", "normal"}[(k/8)%2]}}
		default:
			return &event.Event{Kind: event.KindTagsChanged, Actor: agent, Tags: &event.TagsChange{Conv: conv, Remove: []string{fmt.Sprintf("t%d", (k-4)%50)}}}
		}
	}
	batch := make([]*event.Event, 0, benchBatch)
	cpu0 := edgetest.ProcCPU(b, os.Getpid())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += benchBatch {
		batch = batch[:0]
		for k := i; k < min(i+benchBatch, b.N); k++ {
			// each conversation gets its round's events in order
			batch = append(batch, next(round(k/benchConvs, convs[k%benchConvs])))
		}
		if _, err := s.ApplyBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// the process's CPU (projector and Badger's goroutines), from /proc
	b.ReportMetric(float64((edgetest.ProcCPU(b, os.Getpid())-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
	if nrules > 0 {
		f, err := s.Firings(1 << 20)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(f))/float64(b.N)*100, "fired-%")
	}
}
