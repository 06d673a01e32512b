package edge_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
	"github.com/edgedesk/edgedesk/wasm/plugintest"
)

// pluginEdge starts a dev edge that trusts a fresh signing key.
func pluginEdge(t *testing.T) (*edgetest.Edge, ed25519.PrivateKey) {
	t.Helper()
	cfg := edgetest.Config(t)
	key := edgetest.TrustPluginKey(t, &cfg)
	cfg.Plugins.Timeout = 200 * time.Millisecond // generous under -race; the loop plugin still hits it
	return edgetest.Start(t, cfg), key
}

func manifestOf(name, version, kind string, caps ...string) host.Manifest {
	return host.Manifest{Name: name, Version: version, ABI: abi.Version, Kind: kind, Capabilities: caps}
}

// openConv starts a conversation as a new visitor with a browser language
// and returns how the edge recorded it.
func openConv(t *testing.T, e *edgetest.Edge, agent interface {
	Request(context.Context, *gateway.InFrame) (*protocol.OutFrame, error)
}, lang string) protocol.Conversation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cust := e.Visitor()
	ack, err := cust.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c1", Lang: lang})
	if err != nil || ack.Type != gateway.OutAck {
		t.Fatalf("start: %+v %v", ack, err)
	}
	out, err := agent.Request(ctx, &gateway.InFrame{Type: gateway.TypeConvs})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Conversations {
		if c.ID == ack.Conv {
			return c
		}
	}
	t.Fatalf("conversation %s not in the agent's list", ack.Conv)
	return protocol.Conversation{}
}

// TestRoutingPluginOnTheEdge: new conversations are assigned by the routing
// plugin, installed over the admin API; a hostile version makes the
// built-in rule decide (and the conversation says so) while the edge keeps
// serving; a rollback restores the good version; a restart loads it again.
func TestRoutingPluginOnTheEdge(t *testing.T) {
	e, key := pluginEdge(t)
	tok := e.AdminToken()
	resp, _ := e.Get("/api/v1/plugins", "")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("plugins without a token: %d", resp.StatusCode)
	}
	good := plugintest.Package(t, "plugins/routing", manifestOf("routing", "1.0.0", abi.KindRouting, "log", "metrics"), key)
	if code, body := e.PostPackage(good); code != http.StatusCreated {
		t.Fatalf("install: %d %s", code, body)
	}
	// a package signed by another key is refused, and nothing changes
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	forged := plugintest.Package(t, "plugins/routing", manifestOf("routing", "6.6.6", abi.KindRouting), other)
	if code, body := e.PostPackage(forged); code != http.StatusUnprocessableEntity || !strings.Contains(body, "no trusted key") {
		t.Fatalf("forged package: %d %s", code, body)
	}

	alice := e.Agent("alice@demo.test", "")
	c := openConv(t, e, alice, "zh-CN")
	if c.Assignee != "agent-alice" || c.RoutedBy != "routing@1.0.0" || c.RouteFallback || !strings.Contains(c.RouteNote, "zh") || c.Language != "zh" {
		t.Fatalf("routed by the plugin: %+v", c)
	}

	loop := plugintest.Package(t, "wasm/host/testdata/loop", manifestOf("routing", "2.0.0-loop", abi.KindRouting), key)
	if code, body := e.PostPackage(loop); code != http.StatusCreated {
		t.Fatalf("install the looping version: %d %s", code, body)
	}
	c = openConv(t, e, alice, "en")
	if c.Assignee != "agent-alice" || c.RoutedBy != "builtin" || !c.RouteFallback || !strings.Contains(c.RouteNote, "routing@2.0.0-loop failed") {
		t.Fatalf("a looping plugin must leave the decision to the built-in rule: %+v", c)
	}

	code, body := e.Post("/api/v1/plugins/routing/rollback", "", nil)
	var info plugins.Info
	if code != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil || info.Version != "1.0.0" {
		t.Fatalf("rollback: %d %s", code, body)
	}
	if code, body := e.Post("/api/v1/plugins/routing/rollback", "", nil); code != http.StatusConflict {
		t.Fatalf("a second rollback has nowhere to go: %d %s", code, body)
	}

	e.Restart()
	resp, b := e.Get("/api/v1/plugins", tok)
	var list []plugins.Info
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &list) != nil || len(list) != 1 || list[0].Version != "1.0.0" {
		t.Fatalf("after a restart: %d %s", resp.StatusCode, b)
	}
	alice = e.Agent("alice@demo.test", "")
	c = openConv(t, e, alice, "fr")
	if c.RoutedBy != "routing@1.0.0" || c.RouteFallback {
		t.Fatalf("after a restart the plugin routes: %+v", c)
	}
}

// TestNLPPluginReadsCustomerMessages: every customer message goes through
// the nlp plugin, and agents get its reading next to the message.
func TestNLPPluginReadsCustomerMessages(t *testing.T) {
	e, key := pluginEdge(t)
	pkg := plugintest.Package(t, "plugins/nlp", manifestOf("nlp", "1.0.0", abi.KindNLP), key)
	if code, body := e.PostPackage(pkg); code != http.StatusCreated {
		t.Fatalf("install: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	alice := e.Agent("alice@demo.test", "")
	cust := e.Visitor()
	ack, err := cust.Start(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	text := "I want a refund, the order arrived broken. My card is 4111 1111 1111 1111, mail me at li.wei@example.com"
	msg, err := cust.Message(ctx, ack.Conv, "m1", text)
	if err != nil {
		t.Fatal(err)
	}
	var got *protocol.Item
	for got == nil {
		f := edgetest.NextEvent(t, alice, gateway.OutEvent, 20*time.Second)
		if f.Item != nil && f.Item.Kind == "analysis" {
			got = f.Item
		}
	}
	a := got.Analysis
	if got.Ref != msg.Seq || a == nil || a.Language != "en" || a.Intent == "" || a.Sentiment == "" || a.Plugin != "nlp@1.0.0" {
		t.Fatalf("analysis of message %d: %+v %+v", msg.Seq, got, a)
	}
	var kinds []string
	for _, p := range a.PII {
		kinds = append(kinds, p.Kind)
		if p.Kind == "card" && text[p.Start:p.End] != "4111 1111 1111 1111" {
			t.Errorf("card span %d-%d is %q", p.Start, p.End, text[p.Start:p.End])
		}
	}
	if !slices.Contains(kinds, "card") || !slices.Contains(kinds, "email") {
		t.Fatalf("PII found: %v", kinds)
	}
	// the customer never sees it
	deadline := time.After(500 * time.Millisecond)
	for {
		select {
		case f := <-cust.Events():
			if f.Item != nil && f.Item.Kind == "analysis" {
				t.Fatal("the customer got the analysis")
			}
			continue
		case <-deadline:
		}
		break
	}
	// the conversation carries the latest reading
	out, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeHistory, Conv: ack.Conv})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range out.Items {
		found = found || it.Kind == "analysis" && it.Ref == msg.Seq
	}
	if !found {
		t.Fatalf("history has no analysis: %+v", out.Items)
	}
}

// TestWaitingConversationsAreAssigned: conversations opened while no agent
// is online wait, unassigned, and are routed when an agent comes online.
func TestWaitingConversationsAreAssigned(t *testing.T) {
	e, key := pluginEdge(t)
	e.InstallPlugin(key, "plugins/routing", manifestOf("routing", "1.0.0", abi.KindRouting))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var convs []string
	for range 2 {
		c := e.Visitor()
		ack, err := c.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c1", Lang: "en"})
		if err != nil || ack.Type != gateway.OutAck {
			t.Fatalf("start: %+v %v", ack, err)
		}
		convs = append(convs, ack.Conv)
	}
	bob := e.Agent("bob@demo.test", "")
	list := func() map[string]protocol.Conversation {
		out, err := bob.Request(ctx, &gateway.InFrame{Type: gateway.TypeConvs})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]protocol.Conversation{}
		for _, c := range out.Conversations {
			m[c.ID] = c
		}
		return m
	}
	// nobody was online when they opened, so only the queue's drain can
	// assign them: bob's connection made him online

	deadline := time.Now().Add(20 * time.Second)
	for {
		m := list()
		done := true
		for _, id := range convs {
			c := m[id]
			done = done && c.Assignee == "agent-bob" && c.RoutedBy == "routing@1.0.0"
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting conversations not routed to the agent who came online: %+v", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
