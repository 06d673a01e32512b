package conversation_test

import (
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestAnswerRecordsAnOverdueBreach: an agent answers after the first
// response's due, before the lifecycle's clock has recorded the breach
// (here there is no clock at all): the answer records it first, so that
// the log holds every wait that passed its target. A second answer
// records nothing more.
func TestAnswerRecordsAnOverdueBreach(t *testing.T) {
	d := newDesk(t)
	policy := &event.SLA{FirstResponse: [4]int64{1, 1, 1, 1}, Resolution: [4]int64{1, 1, 1, 1}}
	if _, err := d.j.Append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "test"},
		TenantInfo: &event.Tenant{ID: tenant, SLA: policy}}); err != nil {
		t.Fatal(err)
	}
	c := d.open(t, ana, "late")
	must(d.svc.Post(ctx, ana, c, conversation.Post{ClientID: "w1", Text: "Hello?"}))
	time.Sleep(1200 * time.Millisecond)
	must(d.svc.Post(ctx, bob, c, conversation.Post{ClientID: "a1", Text: "Sorry!"}))
	must(d.svc.Post(ctx, bob, c, conversation.Post{ClientID: "a2", Text: "Anything else?"}))
	must(d.svc.SetStatus(ctx, bob, c.ID, event.StatusSolved, 0))
	_, items, _ := must3(d.svc.History(alice, c.ID, 0, 50))
	var got []string
	for _, it := range items {
		switch {
		case it.Kind == "sla":
			got = append(got, it.SLA.Measure+" breached")
		case it.Kind == "message" && it.ActorKind == event.ActorAgent:
			got = append(got, "answer")
		case it.Kind == "status":
			got = append(got, it.Status)
		}
	}
	want := []string{"first_response breached", "answer", "answer", "resolution breached", "solved"}
	if len(got) != len(want) {
		t.Fatalf("the timeline: %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("the timeline: %q, want %q", got, want)
		}
	}
}
