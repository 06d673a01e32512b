package conversation_test

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// The core runs on the edge's real log (the embedded NATS server,
// in-process: no port) and its real state store, with no socket: every
// channel drives it the same way.
type desk struct {
	ahead  atomic.Int64 // how far the service's clock is ahead (ns)
	svc    *conversation.Service
	store  *state.Store
	j      *journal.Journal
	router *recordingRouter
	ids    *auth.ContactIDs
}

const tenant = "t1"

// recordingRouter gives every conversation to one agent (or none), and
// records the freed slots.
type recordingRouter struct {
	mu    sync.Mutex
	agent string
	freed []string
}

func (r *recordingRouter) Route(_ context.Context, _ *state.ConversationRec, _ *state.InboxRec, commit func(conversation.Decision) error) error {
	r.mu.Lock()
	agent := r.agent
	r.mu.Unlock()
	return commit(conversation.Decision{Agent: agent, By: "test"})
}

func (r *recordingRouter) Freed(tenant string) {
	r.mu.Lock()
	r.freed = append(r.freed, tenant)
	r.mu.Unlock()
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	secret := []byte("test-region-secret-0123456789abcdef")
	bs, err := bus.Start(ctx, bus.Options{Secrets: bus.Secrets{Current: secret}, Dir: filepath.Join(dir, "log"), ServerName: "t", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(filepath.Join(dir, "state"), state.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	j := journal.New(bs, st, journal.Options{Origin: "t", Log: log, Linger: time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- j.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
		bs.Close()
	})
	ids, err := auth.NewContactIDs(secret)
	if err != nil {
		t.Fatal(err)
	}
	d := &desk{store: st, j: j, router: &recordingRouter{}, ids: ids}
	d.svc = conversation.New(conversation.Options{Store: st, Log: j, Router: d.router, ContactIDs: ids,
		Now: func() time.Time { return time.Now().Add(time.Duration(d.ahead.Load())) }})
	for _, e := range []*event.Event{
		{Kind: event.KindTenantUpserted, TenantInfo: &event.Tenant{ID: tenant}},
		{Kind: event.KindTenantUpserted, Tenant: "t2", TenantInfo: &event.Tenant{ID: "t2"}},
		{Kind: event.KindInboxUpserted, Inbox: &event.Inbox{ID: "web", Name: "Web"}},
		{Kind: event.KindInboxUpserted, Inbox: &event.Inbox{ID: "vip", Name: "VIP", Priority: event.PriorityHigh}},
		{Kind: event.KindAgentUpserted, Agent: &event.Agent{ID: "alice", Email: "alice@example.com", Name: "Alice", Role: "admin"}},
		{Kind: event.KindAgentUpserted, Agent: &event.Agent{ID: "bob", Email: "bob@example.com", Name: "Bob", Role: "agent"}},
		{Kind: event.KindContactUpserted, Contact: &event.Contact{ID: "cust1", Inbox: "web", Name: "Ana"}},
		{Kind: event.KindContactUpserted, Contact: &event.Contact{ID: "cust2", Inbox: "web", Name: "Ben", Email: "ben@example.com"}},
	} {
		if e.Tenant == "" {
			e.Tenant = tenant
		}
		e.Actor = event.Actor{Kind: event.ActorSystem, ID: "test"}
		if _, err := j.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

var ctx = context.Background()

var (
	alice = conversation.Agent(tenant, "alice", conversation.Web)
	bob   = conversation.Agent(tenant, "bob", conversation.Web)
	ana   = conversation.Customer(tenant, "web", "cust1", conversation.Web)
	ben   = conversation.Customer(tenant, "web", "cust2", conversation.Web)
	key   = conversation.Actor{Tenant: tenant, Kind: event.ActorSystem, ID: "api-key:k1", Channel: conversation.API}
)

// code is err's code, or "ok".
func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(conversation.CodeOf(err))
}

// must is v, failing the test (by a panic, with its stack) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (d *desk) open(t *testing.T, a conversation.Actor, client string) *state.ConversationRec {
	t.Helper()
	return must(d.svc.Open(ctx, a, conversation.Open{ClientID: client})).Conv
}

func TestOpenIsIdempotentAndRouted(t *testing.T) {
	d := newDesk(t)
	d.router.agent = "bob"
	o := must(d.svc.Open(ctx, ana, conversation.Open{ClientID: "c-1", Lang: "zh-CN"}))
	if o.Duplicate || o.Conv.Assignee != "bob" || o.Conv.Language != "zh" || o.Conv.Contact != "cust1" || o.Conv.Inbox != "web" || o.Conv.Channel != "" {
		t.Fatalf("opened %+v", o)
	}
	again := must(d.svc.Open(ctx, ana, conversation.Open{ClientID: "c-1"}))
	if !again.Duplicate || again.Conv.ID != o.Conv.ID || again.Seq != o.Seq {
		t.Fatalf("opened again %+v, first %+v", again, o)
	}
	// the system (an API key) opens for a contact, in the contact's inbox
	// unless it names one; the channel stays on the conversation
	viaAPI := must(d.svc.Open(ctx, key, conversation.Open{ClientID: "c-1", Contact: "cust2", Inbox: "vip"}))
	if viaAPI.Conv.Contact != "cust2" || viaAPI.Conv.Inbox != "vip" || viaAPI.Conv.Priority != event.PriorityHigh || viaAPI.Conv.Channel != "api" {
		t.Fatalf("opened through the API %+v", viaAPI.Conv)
	}
	for name, c := range map[string]struct {
		a    conversation.Actor
		o    conversation.Open
		want string
	}{
		"an agent, no contact": {bob, conversation.Open{ClientID: "x"}, "invalid"},
		"no client id":         {ana, conversation.Open{}, "invalid"},
		"a bad client id":      {ana, conversation.Open{ClientID: "a b"}, "invalid"},
		"no contact (system)":  {key, conversation.Open{ClientID: "x"}, "invalid"},
		"an unknown contact":   {key, conversation.Open{ClientID: "x", Contact: "nobody"}, "not_found"},
		"an unknown inbox":     {key, conversation.Open{ClientID: "x", Contact: "cust1", Inbox: "nope"}, "not_found"},
		"another tenant's":     {conversation.Actor{Tenant: "t2", Kind: event.ActorSystem, ID: "k"}, conversation.Open{ClientID: "x", Contact: "cust1"}, "not_found"},
	} {
		if _, err := d.svc.Open(ctx, c.a, c.o); code(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
}

func TestPostAuthorisesAndDeduplicates(t *testing.T) {
	d := newDesk(t)
	c := d.open(t, ana, "c1")
	first := must(d.svc.Post(ctx, ana, c, conversation.Post{ClientID: "m1", Text: "hello"}))
	again := must(d.svc.Post(ctx, ana, c, conversation.Post{ClientID: "m1", Text: "hello"}))
	if first.Duplicate || !again.Duplicate || again.Seq != first.Seq {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	must(d.svc.Post(ctx, bob, c, conversation.Post{ClientID: "n1", Text: "for agents only", Private: true}))
	apiMsg := must(d.svc.Post(ctx, key, c, conversation.Post{ClientID: "s1", Text: "from the back end"}))

	long := strings.Repeat("x", d.svc.MaxTextBytes()+1)
	for name, p := range map[string]struct {
		a    conversation.Actor
		p    conversation.Post
		want string
	}{
		"another customer's":       {ben, conversation.Post{ClientID: "m2", Text: "hi"}, "forbidden"},
		"a customer's note":        {ana, conversation.Post{ClientID: "m2", Text: "hi", Private: true}, "invalid"},
		"empty":                    {ana, conversation.Post{ClientID: "m2", Text: "  "}, "invalid"},
		"too long":                 {ana, conversation.Post{ClientID: "m2", Text: long}, "invalid"},
		"not UTF-8":                {ana, conversation.Post{ClientID: "m2", Text: "\xff"}, "invalid"},
		"no client id":             {ana, conversation.Post{Text: "hi"}, "invalid"},
		"an unknown attachment":    {ana, conversation.Post{ClientID: "m2", Attachments: []string{"a1"}}, "not_found"},
		"a bad attachment id":      {ana, conversation.Post{ClientID: "m2", Attachments: []string{"../x"}}, "invalid"},
		"eleven attachments":       {alice, conversation.Post{ClientID: "m2", Attachments: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, "invalid"},
		"another tenant's (agent)": {conversation.Agent("t2", "alice", conversation.Web), conversation.Post{ClientID: "m2", Text: "hi"}, "forbidden"},
	} {
		if _, err := d.svc.Post(ctx, p.a, c, p.p); code(err) != p.want {
			t.Errorf("%s: %v, want %s", name, err, p.want)
		}
	}
	// what each side sees: the customer never the note; the channel on
	// each message
	_, mine, _ := must3(d.svc.History(ana, c.ID, 0, 0))
	_, all, _ := must3(d.svc.History(alice, c.ID, 0, 0))
	if texts(mine) != "hello|from the back end" || texts(all) != "hello|for agents only|from the back end" {
		t.Fatalf("customer sees %q, agent %q", texts(mine), texts(all))
	}
	if last := all[len(all)-1]; last.Seq != apiMsg.Seq || last.Channel != "api" || last.ActorKind != event.ActorSystem {
		t.Fatalf("the API's message %+v", last)
	}
	if _, _, _, err := d.svc.History(ben, c.ID, 0, 0); code(err) != "forbidden" {
		t.Fatalf("another customer's history: %v", err)
	}
	if _, _, _, err := d.svc.History(alice, c.ID, 0, conversation.MaxHistory+1); code(err) != "invalid" {
		t.Fatalf("a history page over the limit: %v", err)
	}
}

func must3(c *state.ConversationRec, items []state.Item, more bool, err error) (*state.ConversationRec, []state.Item, bool) {
	if err != nil {
		panic(err)
	}
	return c, items, more
}

func texts(items []state.Item) string {
	var out []string
	for _, it := range items {
		if it.Kind == "message" {
			out = append(out, it.Text)
		}
	}
	return strings.Join(out, "|")
}

func TestPostAsyncKeepsOrderAndReportsRefusals(t *testing.T) {
	d := newDesk(t)
	c := d.open(t, ana, "c1")
	if err := d.svc.PostAsync(ana, c, conversation.Post{ClientID: "bad"}, func(conversation.Result, error) { t.Error("a refused post reached the log") }); code(err) != "invalid" {
		t.Fatalf("refusal: %v", err)
	}
	const n = 50
	seqs := make(chan uint64, n)
	for i := range n {
		err := d.svc.PostAsync(ana, c, conversation.Post{ClientID: "m" + strconv.Itoa(i), Text: "message " + strconv.Itoa(i)}, func(r conversation.Result, err error) {
			if err != nil {
				t.Error(err)
			}
			seqs <- r.Seq
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var last uint64
	for range n {
		select {
		case s := <-seqs:
			if s <= last {
				t.Fatalf("sequence %d after %d", s, last)
			}
			last = s
		case <-time.After(20 * time.Second):
			t.Fatal("the log did not answer")
		}
	}
}

func TestAgentCommands(t *testing.T) {
	d := newDesk(t)
	c := d.open(t, ana, "c1")
	for name, run := range map[string]struct {
		do   func(a conversation.Actor) error
		cust string // a customer's answer
	}{
		"assign":   {func(a conversation.Actor) error { _, err := d.svc.Assign(ctx, a, c.ID, "bob"); return err }, "forbidden"},
		"priority": {func(a conversation.Actor) error { _, err := d.svc.SetPriority(ctx, a, c.ID, "urgent"); return err }, "forbidden"},
		"pending":  {func(a conversation.Actor) error { _, err := d.svc.SetStatus(ctx, a, c.ID, "pending", 0); return err }, "forbidden"},
	} {
		if err := run.do(ana); code(err) != run.cust {
			t.Errorf("%s by a customer: %v", name, err)
		}
		if err := run.do(bob); err != nil {
			t.Errorf("%s by an agent: %v", name, err)
		}
		if err := run.do(key); err != nil {
			t.Errorf("%s by an API key: %v", name, err)
		}
	}
	got := must(d.svc.Conversation(alice, c.ID))
	if got.Assignee != "bob" || got.Priority != "urgent" || got.Status != "pending" {
		t.Fatalf("after the commands: %+v", got)
	}
	for name, err := range map[string]error{
		"an unknown agent":        second(d.svc.Assign(ctx, bob, c.ID, "carol")),
		"a bad status":            second(d.svc.SetStatus(ctx, bob, c.ID, "done", 0)),
		"snoozed with no until":   second(d.svc.SetStatus(ctx, bob, c.ID, "snoozed", 0)),
		"snoozed in the past":     second(d.svc.SetStatus(ctx, bob, c.ID, "snoozed", time.Now().Add(-time.Hour).UnixMilli())),
		"a bad priority":          second(d.svc.SetPriority(ctx, bob, c.ID, "meh")),
		"an unknown conversation": second(d.svc.SetPriority(ctx, bob, "nope", "low")),
		"a rating before resolve": second(d.svc.Rate(ctx, ana, c.ID, 5)),
	} {
		want := "invalid"
		if strings.HasPrefix(name, "an unknown") {
			want = "not_found"
		}
		if code(err) != want {
			t.Errorf("%s: %v, want %s", name, err, want)
		}
	}
	// resolving an assigned conversation frees a chat slot
	must(d.svc.SetStatus(ctx, bob, c.ID, "resolved", 0))
	if len(d.router.freed) != 1 || d.router.freed[0] != tenant {
		t.Fatalf("freed %v", d.router.freed)
	}
	if _, err := d.svc.Rate(ctx, bob, c.ID, 5); code(err) != "forbidden" {
		t.Fatalf("an agent rates: %v", err)
	}
	if _, err := d.svc.Rate(ctx, ana, c.ID, 6); code(err) != "invalid" {
		t.Fatalf("a score of 6: %v", err)
	}
	must(d.svc.Rate(ctx, ana, c.ID, 4))
	// reading: a sequence of the conversation
	got = must(d.svc.Conversation(ana, c.ID))
	must(d.svc.Read(ctx, ana, c.ID, got.LastSeq))
	if _, err := d.svc.Read(ctx, ana, c.ID, got.LastSeq+100); code(err) != "invalid" {
		t.Fatalf("reading past the end: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestSettingsNeedAnAdmin(t *testing.T) {
	d := newDesk(t)
	admin := key
	admin.Admin = true
	for _, a := range []conversation.Actor{ana, bob, key} {
		if _, err := d.svc.SetCanned(ctx, a, conversation.Canned{Shortcut: "hi", Text: "Hello!"}); code(err) != "forbidden" {
			t.Errorf("%s %s sets a canned response: %v", a.Kind, a.ID, err)
		}
		if err := d.svc.SetInbox(ctx, a, "web", conversation.InboxSettings{Prechat: []string{"email"}}); code(err) != "forbidden" {
			t.Errorf("%s %s sets an inbox: %v", a.Kind, a.ID, err)
		}
		if err := d.svc.SetAgent(ctx, a, "bob", conversation.AgentSettings{Skills: []string{"billing"}}); code(err) != "forbidden" {
			t.Errorf("%s %s sets an agent: %v", a.Kind, a.ID, err)
		}
	}
	id := must(d.svc.SetCanned(ctx, alice, conversation.Canned{Shortcut: "hi", Text: "Hello!"}))
	must(d.svc.SetCanned(ctx, admin, conversation.Canned{ID: id, Shortcut: "hi", Text: "Hello there!"}))
	list := must(d.svc.CannedResponses(bob))
	if len(list) != 1 || list[0].Text != "Hello there!" {
		t.Fatalf("canned %+v", list)
	}
	if _, err := d.svc.CannedResponses(ana); code(err) != "forbidden" {
		t.Fatalf("a customer lists canned responses: %v", err)
	}
	if err := d.svc.SetInbox(ctx, admin, "web", conversation.InboxSettings{Prechat: []string{"email"}, Skills: []string{"Billing"}, Priority: "high"}); err != nil {
		t.Fatal(err)
	}
	in := must(d.svc.Inbox(bob, "web"))
	if len(in.Prechat) != 1 || len(in.Skills) != 1 || in.Skills[0] != "billing" || in.Priority != "high" || in.Name != "Web" {
		t.Fatalf("inbox %+v", in)
	}
	if err := d.svc.SetAgent(ctx, alice, "bob", conversation.AgentSettings{Languages: []string{"EN", "zh"}}); err != nil {
		t.Fatal(err)
	}
	ag := must(d.svc.AgentByID(key, "bob"))
	if strings.Join(ag.Languages, ",") != "en,zh" || ag.Email != "bob@example.com" {
		t.Fatalf("agent %+v", ag)
	}
	// a demotion takes effect at the next command
	must(d.j.Append(ctx, &event.Event{Kind: event.KindAgentUpserted, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "test"},
		Agent: &event.Agent{ID: "alice", Email: "alice@example.com", Name: "Alice", Role: "agent"}}))
	if _, err := d.svc.SetCanned(ctx, alice, conversation.Canned{Shortcut: "bye", Text: "Bye"}); code(err) != "forbidden" {
		t.Fatalf("a demoted admin: %v", err)
	}
}

// An inbox's branding: set field by field (absent keeps, "" unsets),
// normalised, and refused whole when a value is out of bounds.
func TestInboxBranding(t *testing.T) {
	d := newDesk(t)
	str := func(s string) *string { return &s }
	set := conversation.InboxSettings{Color: str(" #2F5BD3 "), Greeting: str("  Hi! Ask us anything.  "), ReplyTime: str("hours")}
	if err := d.svc.SetInbox(ctx, alice, "web", set); err != nil {
		t.Fatal(err)
	}
	in := must(d.svc.Inbox(bob, "web"))
	if in.Color != "#2f5bd3" || in.Greeting != "Hi! Ask us anything." || in.ReplyTime != "hours" || in.Name != "Web" {
		t.Fatalf("branded inbox %+v", in)
	}
	// absent keeps, and other settings keep the branding
	if err := d.svc.SetInbox(ctx, alice, "web", conversation.InboxSettings{Prechat: []string{"name"}, Greeting: str("Hello")}); err != nil {
		t.Fatal(err)
	}
	in = must(d.svc.Inbox(bob, "web"))
	if in.Color != "#2f5bd3" || in.Greeting != "Hello" || in.ReplyTime != "hours" || len(in.Prechat) != 1 {
		t.Fatalf("after a partial change %+v", in)
	}
	// hostile values: refused with invalid, nothing stored
	before := must(d.store.Inbox(tenant, "web"))
	for name, bad := range map[string]conversation.InboxSettings{
		"a colour name":         {Color: str("red")},
		"a short colour":        {Color: str("#fff")},
		"a colour with alpha":   {Color: str("#11223344")},
		"css in a colour":       {Color: str("#123456;background:url(x)")},
		"a reply time in words": {ReplyTime: str("soon")},
		"an oversize greeting":  {Greeting: str(strings.Repeat("é", event.MaxGreeting+1))},
		"a line break":          {Greeting: str("Hi\nthere")},
		"a NUL":                 {Greeting: str("Hi\x00")},
		"a bidi override":       {Greeting: str("Hi\u202e")},
		"not UTF-8":             {Greeting: str("Hi \xff")},
		"bad with good":         {Color: str("#00ff00"), Greeting: str("ok"), ReplyTime: str("week")},
	} {
		if err := d.svc.SetInbox(ctx, alice, "web", bad); code(err) != "invalid" {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if after := must(d.store.Inbox(tenant, "web")); after.Color != before.Color || after.Greeting != before.Greeting || after.ReplyTime != before.ReplyTime {
		t.Fatalf("a refused change was stored: %+v", after)
	}
	// exactly MaxGreeting characters is fine; "" unsets each
	if err := d.svc.SetInbox(ctx, alice, "web", conversation.InboxSettings{Greeting: str(strings.Repeat("é", event.MaxGreeting))}); err != nil {
		t.Fatalf("a greeting of %d characters: %v", event.MaxGreeting, err)
	}
	if err := d.svc.SetInbox(ctx, alice, "web", conversation.InboxSettings{Color: str(""), Greeting: str(""), ReplyTime: str("")}); err != nil {
		t.Fatal(err)
	}
	if in = must(d.svc.Inbox(bob, "web")); in.Color != "" || in.Greeting != "" || in.ReplyTime != "" {
		t.Fatalf("after unsetting %+v", in)
	}
	if err := d.svc.SetInbox(ctx, bob, "web", set); code(err) != "forbidden" {
		t.Fatalf("an agent who is not an admin brands an inbox: %v", err)
	}
}

// An agent's message carries the agent's display name, which the customer
// sees instead of the id.
func TestAgentMessagesCarryTheName(t *testing.T) {
	d := newDesk(t)
	c := d.open(t, ana, "c1")
	must(d.svc.Post(ctx, ana, c, conversation.Post{ClientID: "m1", Text: "hello"}))
	must(d.svc.Post(ctx, alice, c, conversation.Post{ClientID: "r1", Text: "hi, Alice here"}))
	_, items, _ := must3(d.svc.History(ana, c.ID, 0, 0))
	var names []string
	for _, it := range items {
		if it.Kind == "message" {
			names = append(names, it.ActorKind+":"+it.ActorName)
		}
	}
	if strings.Join(names, ",") != "customer:,agent:Alice" {
		t.Fatalf("authors %v", names)
	}
}

func TestContacts(t *testing.T) {
	d := newDesk(t)
	in := must(d.store.Inbox(tenant, "web"))
	// a website's user and the back end's contact with the same external
	// id are one contact, whose id does not reveal the external id
	web, webNew, err := d.svc.Identify(ctx, conversation.Actor{Channel: conversation.Web}, in, conversation.User{ExternalID: "customer-42",
		Profile: conversation.Profile{Name: "Chen", Language: "zh-CN", Attributes: map[string]string{"plan": "pro"}}})
	if err != nil {
		t.Fatal(err)
	}
	api, apiNew, err := d.svc.Identify(ctx, key, in, conversation.User{ExternalID: "customer-42", Profile: conversation.Profile{Email: "chen@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if web.ID != api.ID || strings.Contains(web.ID, "customer-42") || api.Name != "Chen" || api.Email != "chen@example.com" || api.Language != "zh" || api.Attributes["plan"] != "pro" {
		t.Fatalf("web %+v, api %+v", web, api)
	}
	if web.ID != d.ids.ID(tenant, "web", "customer-42") || slices.Contains(d.ids.Earlier(tenant, "web", "customer-42"), web.ID) {
		t.Fatalf("contact id %s is not the keyed id of the user", web.ID)
	}
	if !webNew || apiNew {
		t.Fatalf("created: the first %v, the second %v; want true, false", webNew, apiNew)
	}
	for name, u := range map[string]conversation.User{
		"no id":         {},
		"a long id":     {ExternalID: strings.Repeat("x", 257)},
		"a bad e-mail":  {ExternalID: "x", Profile: conversation.Profile{Email: "not an address"}},
		"a bad key":     {ExternalID: "x", Profile: conversation.Profile{Attributes: map[string]string{"a b": "c"}}},
		"control chars": {ExternalID: "x", Profile: conversation.Profile{Attributes: map[string]string{"k": "a\nb"}}},
	} {
		if _, _, err := d.svc.Identify(ctx, key, in, u); code(err) != "invalid" {
			t.Errorf("%s: %v", name, err)
		}
	}
	found := must3c(d.svc.FindContacts(alice, state.ContactFilter{Email: "CHEN@example.com"}, 10))
	if len(found) != 1 || found[0].ID != web.ID {
		t.Fatalf("by e-mail: %+v", found)
	}
	found = must3c(d.svc.FindContacts(key, state.ContactFilter{ExternalID: "customer-42"}, 10))
	if len(found) != 1 || found[0].ID != web.ID {
		t.Fatalf("by external id: %+v", found)
	}
	if _, _, err := d.svc.FindContacts(ana, state.ContactFilter{}, 10); code(err) != "forbidden" {
		t.Fatalf("a customer searches contacts: %v", err)
	}
	// paging: every contact once
	var ids []string
	after := ""
	for {
		page, more, err := d.svc.FindContacts(alice, state.ContactFilter{After: after}, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			ids = append(ids, c.ID)
			after = c.ID
		}
		if !more {
			break
		}
	}
	if len(ids) != 3 {
		t.Fatalf("paged through %v", ids)
	}
	// agents update a contact; a visitor sets their own profile, once
	// the website does not give it
	up := must(d.svc.UpdateContact(ctx, bob, "cust1", conversation.Profile{Email: "ana@example.com"}))
	if up.Name != "Ana" || up.Email != "ana@example.com" {
		t.Fatalf("updated %+v", up)
	}
	if _, err := d.svc.UpdateContact(ctx, ana, "cust2", conversation.Profile{Name: "x"}); code(err) != "forbidden" {
		t.Fatalf("a customer updates another: %v", err)
	}
	must(d.svc.SetProfile(ctx, ana, "Ana B.", ""))
	signedIn := conversation.Customer(tenant, "web", web.ID, conversation.Web)
	if _, err := d.svc.SetProfile(ctx, signedIn, "Someone", ""); code(err) != "forbidden" {
		t.Fatalf("a website's user sets their name: %v", err)
	}
	if _, err := d.svc.SetProfile(ctx, ana, "", "bad"); code(err) != "invalid" {
		t.Fatalf("a bad e-mail address: %v", err)
	}
	if _, err := d.svc.Contact(conversation.Agent("t2", "alice", conversation.Web), "cust1"); code(err) != "not_found" {
		t.Fatalf("another tenant's contact: %v", err)
	}
}

func must3c(c []state.ContactRec, _ bool, err error) []state.ContactRec {
	if err != nil {
		panic(err)
	}
	return c
}

func TestListFiltersAndPages(t *testing.T) {
	d := newDesk(t)
	var convs []*state.ConversationRec
	for i := range 6 {
		a := ana
		if i%2 == 1 {
			a = ben
		}
		convs = append(convs, d.open(t, a, "c"+strconv.Itoa(i)))
	}
	must(d.svc.Assign(ctx, alice, convs[0].ID, "bob"))
	must(d.svc.SetPriority(ctx, alice, convs[1].ID, "high"))
	must(d.svc.SetStatus(ctx, alice, convs[2].ID, "resolved", 0))
	list := func(f conversation.Filter, limit int) []string {
		t.Helper()
		got, _, err := d.svc.List(alice, f, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if got := list(conversation.Filter{Assignee: "bob"}, 0); len(got) != 1 || got[0] != convs[0].ID {
		t.Errorf("bob's: %v", got)
	}
	if got := list(conversation.Filter{Assignee: conversation.Unassigned, Statuses: []string{"new", "open"}}, 0); len(got) != 4 {
		t.Errorf("unassigned and new or open: %v", got)
	}
	if got := list(conversation.Filter{Assignee: conversation.Unassigned, Statuses: []string{"open"}}, 0); len(got) != 0 {
		t.Errorf("unassigned and open: %v (none answered yet: all new)", got)
	}
	if got := list(conversation.Filter{Priority: "high"}, 0); len(got) != 1 || got[0] != convs[1].ID {
		t.Errorf("high: %v", got)
	}
	if got := list(conversation.Filter{Contact: "cust2"}, 0); len(got) != 3 {
		t.Errorf("Ben's: %v", got)
	}
	// pages of two, by last activity, reach every conversation once
	seen := map[string]bool{}
	var before uint64
	for page := 0; ; page++ {
		got, more, err := d.svc.List(key, conversation.Filter{Before: before, Inbox: "web"}, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if seen[c.ID] {
				t.Fatalf("%s twice", c.ID)
			}
			seen[c.ID] = true
			before = c.LastSeq
		}
		if !more {
			break
		}
		if page > 6 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 6 {
		t.Fatalf("paged through %d of 6", len(seen))
	}
	// a customer lists their own only
	mine, _, err := d.svc.List(ana, conversation.Filter{}, 0)
	if err != nil || len(mine) != 3 {
		t.Fatalf("Ana's own: %d, %v", len(mine), err)
	}
	if _, _, err := d.svc.List(alice, conversation.Filter{Statuses: []string{"done"}}, 0); code(err) != "invalid" {
		t.Fatalf("a bad status filter: %v", err)
	}
}

func TestStoreFailuresAreUnavailable(t *testing.T) {
	if got := conversation.CodeOf(errors.New("badger: closed")); got != conversation.Unavailable {
		t.Fatalf("a store error's code %q", got)
	}
}

// The core knows no transport: no WebSocket library, no net/http, no
// pion among its imports.
func TestNoTransportImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "net/http") || strings.Contains(p, "gobwas") || strings.Contains(p, "gorilla") ||
				strings.Contains(p, "pion") || strings.HasSuffix(p, "edge/gateway") || strings.HasSuffix(p, "edge/api") {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
