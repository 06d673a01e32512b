package edge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// TestRoutingByContact: a routing plugin built from source learns what
// the edge knows of the customer (their channel, whether the website
// identified them, its attributes and language, their other
// conversations, the NLP reading) and of the agents (the skills and
// languages an admin set on the dev edge), and decides by them: a
// customer on the enterprise plan goes to the agent with the
// "enterprise" skill.
func TestRoutingByContact(t *testing.T) {
	e, key := pluginEdge(t)
	e.InstallPlugin(key, "edge/testdata/contactroute", manifestOf("contactroute", "1.0.0", abi.KindRouting))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// the agents' skills and languages, set by an admin: trimmed and
	// lower-cased; refused when not tags, and for anyone but an admin
	alice := e.Agent("alice@demo.test", "")
	bob := e.Agent("bob@demo.test", "")
	out, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeAgentSet, Agent: "agent-carol",
		Skills: []string{" Enterprise ", "VIP"}, Languages: []string{"DE", " en"}})
	if err != nil || out.Type != gateway.OutAgents {
		t.Fatalf("agent_set: %+v, %v", out, err)
	}
	carol := agentIn(t, out.Team, "agent-carol")
	if !slices.Equal(carol.Skills, []string{"enterprise", "vip"}) || !slices.Equal(carol.Languages, []string{"de", "en"}) {
		t.Fatalf("carol after agent_set: %+v", carol)
	}
	// languages alone keep the skills
	if out, err = alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeAgentSet, Agent: "agent-bob", Languages: []string{"fr"}}); err != nil {
		t.Fatal(err)
	}
	if b := agentIn(t, out.Team, "agent-bob"); !slices.Equal(b.Languages, []string{"fr"}) || b.Skills != nil {
		t.Fatalf("bob after agent_set: %+v", b)
	}
	for _, c := range []struct {
		who  *client.Client
		f    gateway.InFrame
		code string
	}{
		{bob, gateway.InFrame{Agent: "agent-carol", Skills: []string{"x"}}, gateway.CodeForbidden},
		{alice, gateway.InFrame{Agent: "agent-carol", Languages: []string{"zh-CN"}}, gateway.CodeInvalid},
		{alice, gateway.InFrame{Agent: "agent-carol", Skills: []string{"vip", " VIP"}}, gateway.CodeInvalid},
		{alice, gateway.InFrame{Agent: "agent-carol", Skills: []string{"two words"}}, gateway.CodeInvalid},
		{alice, gateway.InFrame{Agent: "agent-carol"}, gateway.CodeInvalid},
		{alice, gateway.InFrame{Agent: "agent-nobody", Skills: []string{}}, gateway.CodeNotFound},
	} {
		c.f.Type = gateway.TypeAgentSet
		_, err := c.who.Request(ctx, &c.f)
		var se *client.ServerError
		if !errors.As(err, &se) || se.Code != c.code {
			t.Errorf("agent_set %+v: %v, want %s", c.f, err, c.code)
		}
	}
	// a signed-in agent keeps their password: carol still signs in
	_ = e.Agent("carol@demo.test", "")

	// an identified customer on the enterprise plan goes to carol; the
	// plugin saw the rest
	user := &gateway.UserIdentity{ID: "u-42", Name: "Ada", Hash: auth.IdentityHash(edge.DemoIdentitySecret, "u-42"), Language: "de-AT",
		Attributes: map[string]gateway.Scalar{"plan": "enterprise", "seats": "42", "coupon": ""}}
	ada := e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: user})
	c := startConv(t, e, ada, "c1")
	if c.Assignee != "agent-carol" || c.RoutedBy != "contactroute@1.0.0" ||
		c.RouteNote != "channel=web identified=true convs=0 lang=de plan=enterprise seats=42 agent-skills=enterprise,vip agent-langs=de,en" {
		t.Fatalf("the enterprise customer's conversation: %+v", c)
	}
	rec, err := e.Store().Contact(edge.DemoTenant, ada.Welcome.Session.ID)
	if err != nil || len(rec.Attributes) != 2 || rec.Language != "de" {
		t.Fatalf("the contact keeps the attributes (but the empty one) and the language: %+v, %v", rec, err)
	}
	// the second conversation counts the first
	if c = startConv(t, e, ada, "c2"); !strings.Contains(c.RouteNote, "identified=true convs=1 ") {
		t.Fatalf("a second conversation: %+v", c)
	}
	// the website changes the plan: the contact has the new attributes
	user.Attributes = map[string]gateway.Scalar{"plan": "free"}
	ada = e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: user})
	if c = startConv(t, e, ada, "c3"); !strings.Contains(c.RouteNote, "identified=true convs=2 lang=de plan=free seats= ") {
		t.Fatalf("after the plan changed: %+v", c)
	}
	// attributes a website should not give close the connection, saying why
	bad := *user
	bad.Attributes = map[string]gateway.Scalar{"two words": "x"}
	if _, err := client.Dial(ctx, e.URL, &client.Hello{Inbox: edge.DemoInbox, User: &bad}, client.Options{}); err == nil ||
		!strings.Contains(err.Error(), "user attributes: key") {
		t.Fatalf("a bad attribute key: %v", err)
	}

	// an anonymous visitor is not identified and has no attributes
	if c = startConv(t, e, e.Visitor(), "c1"); !strings.HasPrefix(c.RouteNote, "channel=web identified=false convs=0 lang= plan= ") {
		t.Fatalf("an anonymous visitor's conversation: %+v", c)
	}
}

// TestRoutingReadsTheReading: a conversation that waits is routed again
// when an agent comes online, with the NLP plugin's reading of it.
func TestRoutingReadsTheReading(t *testing.T) {
	e, key := pluginEdge(t)
	e.InstallPlugin(key, "edge/testdata/contactroute", manifestOf("contactroute", "1.0.0", abi.KindRouting))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v := e.Visitor()
	ack, err := v.Start(ctx, "c1") // nobody online: it waits
	if err != nil {
		t.Fatal(err)
	}
	m, err := v.Message(ctx, ack.Conv, "m1", "Ich will mein Geld zurück")
	if err != nil {
		t.Fatal(err)
	}
	// what the NLP plugin would record
	if _, err := e.Journal().Append(ctx, &event.Event{Kind: event.KindMessageAnalyzed, Tenant: edge.DemoTenant,
		Actor:    event.Actor{Kind: event.ActorSystem, ID: "nlp"},
		Analysis: &event.Analysis{Conv: ack.Conv, Message: m.Seq, Language: "de", Intent: "refund", Sentiment: "negative"}}); err != nil {
		t.Fatal(err)
	}
	_ = e.Agent("alice@demo.test", "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := e.Store().Conversation(edge.DemoTenant, ack.Conv)
		if err == nil && c.Assignee != "" {
			if c.RoutedBy != "contactroute@1.0.0" || !strings.Contains(c.RouteNote, "reading=de/refund/negative") {
				t.Fatalf("routed from the queue: %+v", c)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the waiting conversation was not routed: %+v, %v", c, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startConv starts a conversation and returns it as the edge recorded it.
func startConv(t *testing.T, e *edgetest.Edge, c *client.Client, clientID string) *state.ConversationRec {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ack, err := c.Start(ctx, clientID)
	if err != nil {
		t.Fatalf("start %s: %v", clientID, err)
	}
	rec, err := e.Store().Conversation(edge.DemoTenant, ack.Conv)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func agentIn(t *testing.T, team []protocol.Agent, id string) protocol.Agent {
	t.Helper()
	for _, a := range team {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("%s not in %+v", id, team)
	return protocol.Agent{}
}
