package gateway

import (
	"testing"

	"github.com/edgedesk/edgedesk/internal/state"
)

// BenchmarkEventFrame is the work of one message event for all the agents
// it goes to: the views of its item and conversation, and one encoding.
func BenchmarkEventFrame(b *testing.B) {
	it := &state.Item{Seq: 123456, Kind: "message", Conv: "c0123456789abcdef", TS: 1764000000000, ActorKind: "customer",
		ActorID: "v0123456789abcdef", ClientID: "m-42", Text: "Hello, my order has not arrived yet: can you help?"}
	c := &state.ConversationRec{ID: "c0123456789abcdef", Tenant: "demo", Inbox: "demo-web", Contact: "v0123456789abcdef",
		Status: "open", Assignee: "agent-alice", OpenedAt: 1764000000000, OpenedSeq: 123000, LastSeq: 123456,
		LastAt: 1764000000000, Messages: 7, LastText: "Hello, my order has not arrived yet", ContactName: "Ada"}
	b.ReportAllocs()
	for b.Loop() {
		_ = marshal(&OutFrame{Type: OutEvent, Seq: it.Seq, Item: itemView(it), Conversation: conversationView(c)})
	}
}
