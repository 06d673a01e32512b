package edge_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestRulesExactlyOnceOnThreeNodes: on a region of three nodes, each
// running its automation runner, customers' messages on node A fire a
// rule of eight actions in each of many conversations; A's NATS server
// dies under it right after the last message is acknowledged (no
// hand-over, the firings half made). B and C make the rest: every
// conversation ends with all the rule's changes, no firing is left, and
// the replicated log holds each action exactly once — one event per
// firing and step, however many nodes made it.
func TestRulesExactlyOnceOnThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node region takes seconds to start")
	}
	cfgs := regionConfigs(t, freePorts(t, 3))
	nodes := startRegion(t, cfgs)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := func(n *edge.Node) string { return "http://" + n.Addr() }

	tok, err := client.Login(ctx, url(a), "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := client.Dial(ctx, url(a), &client.Hello{Token: tok, Scope: "all"}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	actions := []protocol.Action{
		{Type: "add_tags", Tags: []string{"triage"}},
		{Type: "set_priority", Value: "urgent"},
		{Type: "add_note", Text: "first note"},
		{Type: "assign", Value: edge.DemoAgents[1].ID},
		{Type: "add_tags", Tags: []string{"escalated"}},
		{Type: "add_note", Text: "second note"},
		{Type: "reply", Text: "We are on it."},
		{Type: "set_status", Value: "pending"},
	}
	if _, err := admin.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{ID: "triage", Name: "Triage",
		When:       []string{"message_in"},
		Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "urgent"}, {Field: "tags", Op: "not_contains", Values: []string{"triage"}}},
		Actions:    actions}}}); err != nil {
		t.Fatal(err)
	}
	admin.Close()

	const convs = 24
	cust, err := client.Dial(ctx, url(a), &client.Hello{Inbox: edge.DemoInbox}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range convs {
		ack, err := cust.Start(ctx, fmt.Sprintf("c-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ack.Conversation.ID)
	}
	for i, conv := range ids {
		if _, err := cust.Message(ctx, conv, "m", fmt.Sprintf("urgent: order %d is lost", i)); err != nil {
			t.Fatal(err)
		}
	}
	left, _ := b.Store().Firings(1000)
	a.Bus().Server().Shutdown() // A dies under its gateway and its runner
	cust.Close()
	t.Logf("firings not yet over when A died: %d of %d", len(left), convs)

	done := func(n *edge.Node) (int, error) {
		finished := 0
		for _, conv := range ids {
			cv, err := n.Store().Conversation(edge.DemoTenant, conv)
			if err != nil {
				return 0, err
			}
			if cv.Status == event.StatusPending && cv.Assignee == edge.DemoAgents[1].ID && len(cv.Tags) == 2 && cv.Priority == event.PriorityUrgent {
				finished++
			}
		}
		return finished, nil
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		nb, err := done(b)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := done(c)
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := b.Store().Firings(1000)
		if nb == convs && nc == convs && len(fb) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after A died, B finished %d and C %d of %d conversations; %d firings left on B", nb, nc, convs, len(fb))
		}
	}
	time.Sleep(1500 * time.Millisecond) // every runner has looked again since

	// the log, read on C: each firing's steps once each
	last, err := c.Bus().LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	steps := map[string]int{}
	triggers := map[uint64]bool{}
	read := make(chan struct{})
	go func() {
		_ = c.Bus().Read(rctx, 1, func(seq uint64, data []byte) {
			if e, err := c.Journal().Codec().Decode(data); err == nil && e.Auto != nil {
				steps[fmt.Sprintf("%d/%s/%d %s", e.Auto.Trigger, e.Auto.Rule, e.Auto.Step, e.Kind)]++
				triggers[e.Auto.Trigger] = true
			}
			if seq == last {
				close(read)
			}
		})
	}()
	select {
	case <-read:
	case <-ctx.Done():
		t.Fatal("the log was not read to its end")
	}
	stop()
	if len(triggers) != convs {
		t.Errorf("the log holds the steps of %d firings, want %d", len(triggers), convs)
	}
	if len(steps) != convs*len(actions) {
		t.Errorf("the log holds %d distinct steps, want %d", len(steps), convs*len(actions))
	}
	for k, n := range steps {
		if n != 1 || strings.Contains(k, string(event.KindAutoSkipped)) {
			t.Errorf("step %s: %d times in the log", k, n)
		}
	}
	// each node's timeline: one note, one reply of the rule per conversation
	for _, n := range []*edge.Node{b, c} {
		for _, conv := range ids {
			if got := byRuleNode(t, n, conv, "triage"); got["message"] != 3 || got["tags"] != 2 || got["priority"] != 1 || got["status"] != 1 || got["assigned"] != 1 {
				t.Fatalf("%s: the rule's items in %s: %v", n.Addr(), conv, got)
			}
		}
	}
	stopNode(a, 3*time.Second)
}

// byRuleNode counts node n's timeline items of conv made by rule.
func byRuleNode(t *testing.T, n *edge.Node, conv, rule string) map[string]int {
	t.Helper()
	return byRule(t, n.Store(), conv, rule)
}
