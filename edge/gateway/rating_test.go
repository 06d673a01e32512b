package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// A customer rates a conversation of theirs once it is resolved: the
// rating is a "rating" item both sides see. An agent's rating, a score
// outside 1 to 5, an open conversation and another customer's are
// refused with what is wrong.
func TestRating(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "all")
	customer, other := e.Visitor(), e.Visitor()
	ack, err := customer.Start(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	refused := func(who string, f *gateway.InFrame, want string) {
		t.Helper()
		var err error
		switch who {
		case "agent":
			_, err = alice.Request(ctx, f)
		case "other":
			_, err = other.Request(ctx, f)
		default:
			_, err = customer.Request(ctx, f)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s rating %+v: %v, want refused saying %q", who, f, err, want)
		}
	}
	five := &gateway.InFrame{Type: gateway.TypeRate, Conv: ack.Conv, Score: 5}
	refused("customer", five, "once it is solved")
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeStatus, Conv: ack.Conv, Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	refused("agent", five, "only the customer")
	refused("customer", &gateway.InFrame{Type: gateway.TypeRate, Conv: ack.Conv, Score: 6}, "score: 1")
	refused("customer", &gateway.InFrame{Type: gateway.TypeRate, Conv: ack.Conv}, "score: 1")
	refused("other", five, "")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := customer.Request(ctx, five); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the customer's rating of the resolved conversation: %v", err)
		}
	}
	for _, c := range []struct {
		name string
		ws   interface {
			Events() <-chan *protocol.OutFrame
		}
	}{{"the agent", alice}, {"the customer", customer}} {
		deadline := time.After(10 * time.Second)
	wait:
		for {
			select {
			case f := <-c.ws.Events():
				if f.Item != nil && f.Item.Kind == "rating" && f.Item.Rating != nil && f.Item.Rating.Score == 5 {
					break wait
				}
			case <-deadline:
				t.Fatalf("%s saw no rating item", c.name)
			}
		}
	}
}
