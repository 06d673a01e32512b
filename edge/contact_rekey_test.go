package edge_test

import (
	"context"
	"errors"
	"slices"
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
)

// A website user an older edge knew under the unkeyed contact id signs in
// again: the edge moves the contact to the keyed id through the log, and
// the user keeps their conversation and its history. A rebuild from the
// log gives the same state.
func TestIdentifiedContactMovesToItsKeyedID(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := edgetest.Config(t)
	e := edgetest.Start(t, cfg)
	const user = "customer-1001"
	legacy := auth.LegacyContactID(edge.DemoTenant, edge.DemoInbox, user)

	// What an edge before keyed ids wrote: the contact under the unkeyed
	// id, and a conversation its customer opened with a session of that id.
	if _, err := e.Journal().Append(ctx, &event.Event{Kind: event.KindContactUpserted, Tenant: edge.DemoTenant,
		Actor:   event.Actor{Kind: event.ActorCustomer, ID: legacy},
		Contact: &event.Contact{ID: legacy, Inbox: edge.DemoInbox, ExternalID: user, Name: "Olga"}}); err != nil {
		t.Fatal(err)
	}
	tok, err := e.Keys().Issue(auth.RoleCustomer, edge.DemoTenant, edge.DemoInbox, legacy, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	before := e.Customer(&client.Hello{Token: tok})
	st, err := before.Start(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Message(ctx, st.Conv, "m1", "written before the upgrade"); err != nil {
		t.Fatal(err)
	}
	before.Close()

	key, err := auth.LoadOrCreateKey(cfg.Auth.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := auth.NewContactIDs(key)
	if err != nil {
		t.Fatal(err)
	}
	keyed := ids.ID(edge.DemoTenant, edge.DemoInbox, user)
	hello := &client.Hello{Inbox: edge.DemoInbox, User: &gateway.UserIdentity{ID: user, Name: "Olga",
		Hash: auth.IdentityHash(edge.DemoIdentitySecret, user)}}
	olga := e.Customer(hello)
	w := olga.Welcome
	if w.Session.ID != keyed || keyed == legacy {
		t.Fatalf("session id %s, want the keyed id %s (not %s)", w.Session.ID, keyed, legacy)
	}
	if convs := conversations(w); len(convs) != 1 || convs[0].ID != st.Conv {
		t.Fatalf("welcome conversations %+v, want the one opened before the upgrade (%s)", convs, st.Conv)
	}
	h, err := olga.History(ctx, st.Conv, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(h.Items, func(it protocol.Item) bool { return it.Text == "written before the upgrade" }) {
		t.Fatalf("history %+v lacks the message written before the upgrade", h.Items)
	}
	if _, err := olga.Message(ctx, st.Conv, "m2", "written after the upgrade"); err != nil {
		t.Fatalf("writing into the moved conversation: %v", err)
	}
	if _, err := e.Store().Contact(edge.DemoTenant, legacy); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("a contact under the unkeyed id after the move: %v", err)
	}
	if c, err := e.Store().Contact(edge.DemoTenant, keyed); err != nil || c.ExternalID != user || c.Name != "Olga" {
		t.Fatalf("contact under the keyed id %+v, %v", c, err)
	}
	olga.Close()
	// the next sign-in finds the keyed contact: nothing more is moved
	last := e.Store().Applied()
	again := e.Customer(hello)
	if again.Welcome.Session.ID != keyed || len(conversations(again.Welcome)) != 1 || e.Store().Applied() != last {
		t.Fatalf("second sign-in: id %s, %d conversations, log %d → %d", again.Welcome.Session.ID,
			len(conversations(again.Welcome)), last, e.Store().Applied())
	}
	again.Close()
	// the old session's token names a contact that moved: it must sign
	// in again (the widget does so with the website's user)
	if _, err := client.Dial(ctx, e.URL, &client.Hello{Token: tok}, client.Options{}); err == nil {
		t.Fatal("a session of the unkeyed id still connects")
	}

	applied := e.Store().Applied()
	e.Stop()
	moved := dump(t, cfg.DataDir)
	res, err := edge.Rebuild(ctx, cfg, edgetest.Logger(t))
	if err != nil || res.LastSeq != applied {
		t.Fatalf("rebuild: %+v, %v (applied %d)", res, err, applied)
	}
	if ok, diff := state.EqualDumps(moved, dump(t, cfg.DataDir)); !ok {
		t.Fatalf("the rebuilt state differs from the state the move left: %s", diff)
	}
}

// conversations are a customer's welcome's conversations.
func conversations(w *protocol.OutFrame) []protocol.Conversation { return w.Conversations }
