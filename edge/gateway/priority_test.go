package gateway_test

import (
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// An inbox's skills hold its conversations back until an agent with them
// has room; when the inbox changes, waiting conversations are offered
// highest priority first, then oldest first: the inbox's default
// priority, or the one an agent set. Customers never see a priority.
func TestQueueByPriorityAndSkills(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "") // online: she would get every conversation
	setInbox := func(f *gateway.InFrame) {
		t.Helper()
		f.Type, f.Inbox = gateway.TypeInboxSet, edge.DemoInbox
		if _, err := alice.Request(ctx, f); err != nil {
			t.Fatalf("inbox_set %+v: %v", f, err)
		}
	}
	// nobody has the skill "billing": conversations wait
	setInbox(&gateway.InFrame{Skills: []string{"billing"}, Priority: "low"})
	open := func() (*client.Client, string) {
		t.Helper()
		v := e.Visitor()
		ack, err := v.Start(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if c := ack.Conversation; c == nil || c.Assigned == nil || *c.Assigned {
			t.Fatalf("a conversation of an inbox needing billing was assigned to an agent without it: %+v", ack.Conversation)
		}
		return v, ack.Conv
	}
	_, low := open() // the oldest, at the inbox's priority: low
	setInbox(&gateway.InFrame{Priority: "normal"})
	_, normal := open()
	customer, urgent := open()
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypePriority, Conv: urgent, Priority: "urgent"}); err != nil {
		t.Fatalf("set priority: %v", err)
	}
	list := func() map[string]protocol.Conversation {
		t.Helper()
		out, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeConvs})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]protocol.Conversation{}
		for _, c := range out.Conversations {
			m[c.ID] = c
		}
		return m
	}
	m := list()
	if m[low].Priority != "low" || m[normal].Priority != "" || m[urgent].Priority != "urgent" {
		t.Fatalf("priorities: low %q, normal %q, urgent %q", m[low].Priority, m[normal].Priority, m[urgent].Priority)
	}
	for _, id := range []string{low, normal, urgent} {
		if m[id].Assignee != "" {
			t.Fatalf("%s was assigned to %s, who lacks the inbox's skill", id, m[id].Assignee)
		}
	}

	// the skill is dropped: the queue drains to alice, who is online
	setInbox(&gateway.InFrame{Skills: []string{}})
	deadline := time.Now().Add(wait)
	for {
		m = list()
		if m[low].Assignee != "" && m[normal].Assignee != "" && m[urgent].Assignee != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue did not drain: %+v", m)
		}
		time.Sleep(20 * time.Millisecond)
	}
	assignedAt := func(conv string) uint64 {
		t.Helper()
		h, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeHistory, Conv: conv})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range h.Items {
			if it.Kind == "assigned" {
				return it.Seq
			}
		}
		t.Fatalf("%s has no assignment in its history", conv)
		return 0
	}
	if u, n, l := assignedAt(urgent), assignedAt(normal), assignedAt(low); !(u < n && n < l) {
		t.Fatalf("assigned at urgent %d, normal %d, low %d: want urgent first, low last although it waited longest", u, n, l)
	}

	h, err := customer.Request(ctx, &gateway.InFrame{Type: gateway.TypeHistory, Conv: urgent})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range h.Items {
		if it.Kind == "priority" || it.Priority != "" {
			t.Fatalf("the customer sees the priority: %+v", it)
		}
	}
	expectRefused(t, []refusal{
		{customer, &gateway.InFrame{Type: gateway.TypePriority, Conv: urgent, Priority: "low"}, gateway.CodeForbidden},
		{alice, &gateway.InFrame{Type: gateway.TypePriority, Conv: urgent, Priority: "critical"}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypePriority, Conv: urgent}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypePriority, Conv: "nope", Priority: "high"}, gateway.CodeNotFound},
		{alice, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Skills: []string{"bad skill"}}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Skills: []string{"a", "a"}}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Priority: "meh"}, gateway.CodeInvalid},
	})
}
