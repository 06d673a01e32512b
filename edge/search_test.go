package edge_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// searchFor asks the edge as agent c until want hits come (the index
// follows the log a moment behind), and returns them.
func searchFor(t *testing.T, c *client.Client, q string, want int) *protocol.OutFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		r, err := c.Request(ctx, &protocol.InFrame{Type: "search", Text: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if len(r.Hits) == want {
			return r
		}
		if ctx.Err() != nil || len(r.Hits) > want {
			t.Fatalf("search %q: %d hits %+v, want %d", q, len(r.Hits), r.Hits, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSearch: agents find messages and notes by their words, in English
// and in Chinese, with the matches marked, only of their tenant; a
// customer may not search; a query too long is refused; the index
// follows the log across a restart, and one that is lost is built again
// from the log.
func TestSearch(t *testing.T) {
	cfg := edgetest.Config(t)
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	alice := e.Agent(edge.DemoAgents[0].Email, "")
	cust := e.Visitor()
	open, err := cust.Start(ctx, "s-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	for i, text := range []string{"My parcel never arrived, the tracking number is 4711.", "我的包裹还没有到，请帮我查一下物流。", "Thanks!"} {
		if _, err := cust.Message(ctx, conv, "m"+string(rune('a'+i)), text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "send", Conv: conv, ClientID: "n1", Text: "Carrier says the parcel is in Leipzig", Private: true}); err != nil {
		t.Fatal(err)
	}
	// another tenant's customer writes the same words
	addTenant(t, e, "other", "other-web")
	stranger := e.Customer(&client.Hello{Inbox: "other-web"})
	o, err := stranger.Start(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stranger.Message(ctx, o.Conversation.ID, "m", "parcel parcel parcel"); err != nil {
		t.Fatal(err)
	}

	r := searchFor(t, alice, "Parcel", 2)
	if r.Total != 2 || r.Hits[0].Conversation.ID != conv {
		t.Fatalf("parcel: %+v", r)
	}
	for _, h := range r.Hits {
		runes := []rune(h.Snippet)
		if len(h.Marks) == 0 || strings.ToLower(string(runes[h.Marks[0][0]:h.Marks[0][1]])) != "parcel" {
			t.Fatalf("hit %q marks %v", h.Snippet, h.Marks)
		}
	}
	note := searchFor(t, alice, "leipzig carrier", 1).Hits[0]
	items, _, err := e.Node.Store().Timeline(edge.DemoTenant, conv, 0, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	var noteTS int64
	for _, it := range items {
		if it.Private && it.Kind == "message" {
			noteTS = it.TS
		}
	}
	if !note.Private || note.ActorKind != "agent" || note.TS != noteTS {
		t.Fatalf("the note's hit: %+v", note)
	}
	zh := searchFor(t, alice, "包裹", 1).Hits[0]
	if runes := []rune(zh.Snippet); len(zh.Marks) != 1 || string(runes[zh.Marks[0][0]:zh.Marks[0][1]]) != "包裹" {
		t.Fatalf("Chinese hit %q marks %v", zh.Snippet, zh.Marks)
	}
	searchFor(t, alice, "parcel missing", 0) // every word must match
	if _, err := cust.Request(ctx, &protocol.InFrame{Type: "search", Text: "parcel"}); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("a customer searches: %v", err)
	}
	for q, says := range map[string]string{strings.Repeat("a", 201): "at most 200 characters", "   ": "give words to search for"} {
		if _, err := alice.Request(ctx, &protocol.InFrame{Type: "search", Text: q}); err == nil || !strings.Contains(err.Error(), says) {
			t.Fatalf("search %.20q: %v, want %q", q, err, says)
		}
	}
	// wildcards and expressions are words like any other
	searchFor(t, alice, "parc* OR /.*/", 0)

	// a restart: the index goes on from where it was
	e.Restart()
	alice = e.Agent(edge.DemoAgents[0].Email, "")
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "send", Conv: conv, ClientID: "r1", Text: "The parcel was delivered to a neighbour"}); err != nil {
		t.Fatal(err)
	}
	searchFor(t, alice, "parcel", 3)
	// the index lost: built again from the log
	e.Stop()
	if err := os.RemoveAll(filepath.Join(cfg.DataDir, "search")); err != nil {
		t.Fatal(err)
	}
	e.Restart()
	alice = e.Agent(edge.DemoAgents[0].Email, "")
	searchFor(t, alice, "parcel", 3)
	searchFor(t, alice, "neighbour", 1)
}
