package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/event"
)

// seeder appends events straight to an edge's journal, as its own
// gateway would, many in flight at once: the browser tests of the console
// get hundreds of conversations and messages in a second or two.
type seeder struct {
	t  testing.TB
	e  *edgetest.Edge
	wg sync.WaitGroup
	mu sync.Mutex
	n  int
	at int64 // the time of the next event (unix ms); each one is later

	pending []uint64 // sequences of customer messages to read
}

func newSeeder(t testing.TB, e *edgetest.Edge, from time.Time) *seeder {
	return &seeder{t: t, e: e, at: from.UnixMilli()}
}

// add appends e (tenant demo) at the seeder's clock, moved on by step,
// and calls done with its sequence once applied.
func (s *seeder) add(step time.Duration, e *event.Event, done func(seq uint64)) {
	s.at += step.Milliseconds()
	e.Tenant, e.TS = edge.DemoTenant, s.at
	s.n++
	s.wg.Add(1)
	s.e.Journal().AppendAsync(e, func(seq uint64, _ bool, err error) {
		defer s.wg.Done()
		if err != nil {
			s.t.Errorf("seed %s: %v", e.Kind, err)
			return
		}
		if done != nil {
			done(seq)
		}
	})
}

// wait waits until every event added is applied.
func (s *seeder) wait() {
	s.wg.Wait()
	if s.t.Failed() {
		s.t.FailNow()
	}
}

var customerActor = func(id string) event.Actor { return event.Actor{Kind: event.ActorCustomer, ID: id} }

func (s *seeder) contact(id, name, email, external string) {
	s.add(time.Millisecond, &event.Event{Kind: event.KindContactUpserted, Actor: customerActor(id),
		Contact: &event.Contact{ID: id, Inbox: edge.DemoInbox, Name: name, Email: email, ExternalID: external}}, nil)
}

// open opens conversation conv of contact, assigned to assignee ("" for
// nobody) as a routing plugin would.
func (s *seeder) open(step time.Duration, conv, contact, assignee, priority string) {
	o := &event.ConvOpened{Conv: conv, Inbox: edge.DemoInbox, Contact: contact, Assignee: assignee, ClientID: "web",
		Language: "en", Priority: priority}
	if assignee != "" {
		o.RoutedBy, o.RouteNote = "routing@1.0.0", "English; the agent with the fewest open chats"
	}
	s.add(step, &event.Event{Kind: event.KindConversationOpened, Actor: customerActor(contact), Conversation: o}, nil)
}

// message adds a message by actor (a customer's or an agent's) with text
// and files, and, for a customer's, an NLP reading of it as the plugin
// would add one; done gets the message's seq.
func (s *seeder) message(step time.Duration, conv string, actor event.Actor, cid, text string, files ...string) {
	s.add(step, &event.Event{Kind: event.KindMessageCreated, Actor: actor,
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text, Attachments: files}}, nil)
}

func (s *seeder) analyse(conv string, seq uint64, intent, sentiment string) {
	s.add(time.Millisecond, &event.Event{Kind: event.KindMessageAnalyzed, Actor: event.Actor{Kind: event.ActorSystem, ID: "nlp"},
		Analysis: &event.Analysis{Conv: conv, Message: seq, Language: "en", LanguageConfidence: 97, Intent: intent, IntentConfidence: 81,
			Sentiment: sentiment, Plugin: "nlp@1.0.0"}}, nil)
}

func (s *seeder) status(step time.Duration, conv, status string, until int64, by string) {
	s.add(step, &event.Event{Kind: event.KindStatusChanged, Actor: event.Actor{Kind: event.ActorAgent, ID: by},
		Status: &event.StatusChange{Conv: conv, Status: status, SnoozeUntil: until}}, nil)
}

func (s *seeder) rate(step time.Duration, conv, contact string, score int) {
	s.add(step, &event.Event{Kind: event.KindConversationRated, Actor: customerActor(contact),
		Rating: &event.Rating{Conv: conv, Score: score}}, nil)
}

// uploadFile stores a file through the edge's HTTP API with an agent's token
// and returns its attachment id.
func uploadFile(t testing.TB, e *edgetest.Edge, name, ctype string, body []byte) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := client.Login(ctx, e.URL, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/api/v1/attachments?name="+name, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %v", name, res.StatusCode, err)
	}
	return a.ID
}

// longConversation seeds conversation conv of a named customer with n
// messages, customer and agent in turn, 7 minutes apart, each customer
// message read by the NLP plugin soon after, as on a real edge: the
// readings are in the history pages between the messages (in chunks of
// 40 messages, so that the seeding keeps many events in flight).
func (s *seeder) longConversation(conv, contact, name string, n int) {
	s.contact(contact, name, "", "")
	s.open(time.Minute, conv, contact, "agent-bob", "")
	for i := 1; i <= n; i++ {
		actor, cid, text := customerActor(contact), fmt.Sprintf("m%d", i), fmt.Sprintf("Message %d of %d", i, n)
		if i%2 == 0 {
			actor = event.Actor{Kind: event.ActorAgent, ID: "agent-bob"}
		}
		s.add(7*time.Minute, &event.Event{Kind: event.KindMessageCreated, Actor: actor,
			Message: &event.Message{Conv: conv, ClientID: cid, Text: text}}, func(seq uint64) {
			if actor.Kind != event.ActorCustomer {
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			s.pending = append(s.pending, seq)
		})
		if i%40 == 0 || i == n {
			s.wait()
			s.mu.Lock()
			seqs := s.pending
			s.pending = nil
			s.mu.Unlock()
			for _, seq := range seqs {
				s.analyse(conv, seq, "order_status", "neutral")
			}
			s.wait()
		}
	}
}
