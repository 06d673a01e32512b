package state_test

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func open(t *testing.T) *state.Store {
	t.Helper()
	s, err := state.Open(t.TempDir(), state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type log struct {
	t   *testing.T
	s   *state.Store
	seq uint64
}

func (l *log) apply(evs ...*event.Event) []state.Change {
	l.t.Helper()
	for _, e := range evs {
		l.seq++
		e.Seq = l.seq
		if e.TS == 0 {
			e.TS = int64(l.seq) * 1000
		}
		if e.Tenant == "" {
			e.Tenant = "t1"
		}
	}
	ch, err := l.s.ApplyBatch(evs)
	if err != nil {
		l.t.Fatal(err)
	}
	return ch
}

var cust = event.Actor{Kind: event.ActorCustomer, ID: "k1"}
var agent = event.Actor{Kind: event.ActorAgent, ID: "a1"}

func opened(conv, assignee string) *event.Event {
	return &event.Event{Kind: event.KindConversationOpened, Actor: cust,
		Conversation: &event.ConvOpened{Conv: conv, Inbox: "web", Contact: "k1", Assignee: assignee}}
}

func msg(a event.Actor, conv, cid string, private bool) *event.Event {
	return &event.Event{Kind: event.KindMessageCreated, Actor: a,
		Message: &event.Message{Conv: conv, ClientID: cid, Text: "text " + cid, Private: private}}
}

func status(conv, st string) *event.Event {
	return &event.Event{Kind: event.KindStatusChanged, Actor: agent, Status: &event.StatusChange{Conv: conv, Status: st}}
}

func load(t *testing.T, s *state.Store, agent string) int {
	n, err := s.AgentLoad("t1", agent)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoadFollowsStatusAndAssignment(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(opened("v1", "a1"), opened("v2", "a1"))
	if n := load(t, s, "a1"); n != 2 {
		t.Fatalf("load %d, want 2", n)
	}
	l.apply(status("v1", event.StatusResolved))
	if n := load(t, s, "a1"); n != 1 {
		t.Fatalf("after resolve: load %d, want 1", n)
	}
	l.apply(status("v1", event.StatusResolved)) // resolving twice changes nothing
	if n := load(t, s, "a1"); n != 1 {
		t.Fatalf("after second resolve: load %d, want 1", n)
	}
	l.apply(msg(cust, "v1", "m1", false)) // customer reopens
	c, _ := s.Conversation("t1", "v1")
	if c.Status != event.StatusOpen || load(t, s, "a1") != 2 {
		t.Fatalf("after reopen: status %s load %d", c.Status, load(t, s, "a1"))
	}
	l.apply(&event.Event{Kind: event.KindConversationAssign, Actor: agent, Assign: &event.Assignment{Conv: "v2", Agent: "a2"}})
	if load(t, s, "a1") != 1 || load(t, s, "a2") != 1 {
		t.Fatalf("after transfer: a1 %d a2 %d", load(t, s, "a1"), load(t, s, "a2"))
	}
	l.apply(status("v2", event.StatusSnoozed), status("v2", event.StatusPending))
	if load(t, s, "a2") != 1 {
		t.Fatal("snoozed and pending conversations still count toward load")
	}
}

func TestDuplicatesAndStrayEventsAreSkipped(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(opened("v1", ""))
	first := l.apply(msg(cust, "v1", "m1", false))
	again := l.apply(msg(cust, "v1", "m1", false), opened("v1", "a9"))
	if !again[0].Duplicate || again[0].DuplicateOf != first[0].Event.Seq || again[0].Item != nil {
		t.Fatalf("second message with the same client id: %+v", again[0])
	}
	if !again[1].Duplicate {
		t.Fatal("opening an existing conversation again was not a duplicate")
	}
	stray := l.apply(msg(cust, "nope", "m1", false), &event.Event{Kind: "from.the.future"}, &event.Event{Kind: "invalid"})
	for _, c := range stray {
		if c.Item != nil {
			t.Fatalf("stray event produced an item: %+v", c)
		}
	}
	if s.Applied() != l.seq {
		t.Fatalf("applied %d, want %d: skipped events must still advance the sequence", s.Applied(), l.seq)
	}
	// re-delivery of applied sequences is ignored
	ch, err := s.ApplyBatch([]*event.Event{{Seq: 1, Kind: event.KindConversationOpened, Tenant: "t1", Conversation: &event.ConvOpened{Conv: "x"}}})
	if err != nil || len(ch) != 0 {
		t.Fatalf("re-delivered event applied: %v %v", ch, err)
	}
	items, _, err := s.Timeline("t1", "v1", 0, 10, true)
	if err != nil || len(items) != 2 {
		t.Fatalf("timeline %+v %v, want opened and one message", items, err)
	}
}

func TestPrivateNotesStayOutOfTheCustomerFeed(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(opened("v1", "a1"), msg(cust, "v1", "m1", false), msg(agent, "v1", "n1", true), msg(agent, "v1", "r1", false))
	cf, _, err := s.Feed("t1", "k1", 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range cf {
		if it.Private {
			t.Fatalf("customer feed holds a private note: %+v", it)
		}
	}
	if len(cf) != 3 {
		t.Fatalf("customer feed has %d items, want 3", len(cf))
	}
	tf, _, _ := s.Feed("t1", "", 0, 0, 100)
	if len(tf) != 4 {
		t.Fatalf("tenant feed has %d items, want 4", len(tf))
	}
	c, _ := s.Conversation("t1", "v1")
	if c.Messages != 2 || c.LastText != "text r1" {
		t.Fatalf("conversation counts a private note: %+v", c)
	}
	// since and upTo bound the feed: after seq 2, up to seq 3
	part, more, _ := s.Feed("t1", "", 2, 3, 100)
	if len(part) != 1 || part[0].Seq != 3 || more {
		t.Fatalf("feed(2,3) = %+v more=%v, want just seq 3", part, more)
	}
	lim, more, _ := s.Feed("t1", "", 0, 0, 2)
	if len(lim) != 2 || !more {
		t.Fatalf("feed limited to 2 = %d items more=%v", len(lim), more)
	}
}

// A customer's feed merges the timelines of the customer's conversations in
// log order and leaves out other customers' conversations.
func TestCustomerFeedMergesConversations(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	other := &event.Event{Kind: event.KindConversationOpened, Actor: event.Actor{Kind: event.ActorCustomer, ID: "k2"},
		Conversation: &event.ConvOpened{Conv: "w1", Inbox: "web", Contact: "k2", Assignee: "a1"}}
	l.apply(opened("v1", "a1"), opened("v2", "a1"), other)                                           // 1 2 3
	l.apply(msg(cust, "v2", "m1", false), msg(cust, "v1", "m2", false))                              // 4 5
	l.apply(msg(agent, "v1", "n1", true), msg(cust, "w1", "x1", false))                              // 6 7
	l.apply(msg(agent, "v2", "r1", false), msg(cust, "v1", "m2", false))                             // 8, 9 a repeat
	l.apply(msg(agent, "v1", "r2", false), &event.Event{Kind: event.KindStatusChanged, Actor: agent, // 10 11
		Status: &event.StatusChange{Conv: "v2", Status: event.StatusResolved}})
	seqs := func(items []state.Item) []uint64 {
		var out []uint64
		for _, it := range items {
			out = append(out, it.Seq)
		}
		return out
	}
	all, more, err := s.Feed("t1", "k1", 0, 0, 100)
	if err != nil || more || !slices.Equal(seqs(all), []uint64{1, 2, 4, 5, 8, 10, 11}) {
		t.Fatalf("feed of k1 = %v more=%v err=%v, want [1 2 4 5 8 10 11]", seqs(all), more, err)
	}
	part, more, _ := s.Feed("t1", "k1", 4, 10, 2)
	if !slices.Equal(seqs(part), []uint64{5, 8}) || !more {
		t.Fatalf("feed of k1 after 4 up to 10, 2 at most = %v more=%v, want [5 8] and more", seqs(part), more)
	}
	rest, more, _ := s.Feed("t1", "k1", 8, 10, 2)
	if !slices.Equal(seqs(rest), []uint64{10}) || more {
		t.Fatalf("feed of k1 after 8 up to 10 = %v more=%v, want [10]", seqs(rest), more)
	}
	c, _ := s.Conversation("t1", "v1")
	if c.Messages != 2 || c.LastSeq != 10 || c.LastText != "text r2" {
		t.Fatalf("conversation v1 after a batch of two of its events = %+v", c)
	}
}

// A batch larger than one Badger transaction is applied in several, never
// splitting an event, and gives the same state as applying one by one.
func TestHugeBatchEqualsOneByOne(t *testing.T) {
	big := string(make([]byte, 16<<10))
	mk := func() []*event.Event {
		evs := []*event.Event{opened("v1", "a1")}
		for i := 0; i < 1500; i++ {
			m := msg(cust, "v1", "m"+strconv.Itoa(i), false)
			m.Message.Text = big + strconv.Itoa(i)
			evs = append(evs, m)
		}
		for i, e := range evs {
			e.Seq, e.TS, e.Tenant = uint64(i+1), int64(i+1)*1000, "t1"
		}
		return evs
	}
	a, b := open(t), open(t)
	if _, err := a.ApplyBatch(mk()); err != nil {
		t.Fatal(err)
	}
	for _, e := range mk() {
		if _, err := b.ApplyBatch([]*event.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	da, err := a.Dump()
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Dump()
	if err != nil {
		t.Fatal(err)
	}
	if ok, diff := state.EqualDumps(da, db); !ok {
		t.Fatalf("one big batch differs from one-by-one: %s", diff)
	}
	c, _ := a.Conversation("t1", "v1")
	if c.Messages != 1500 {
		t.Fatalf("%d messages counted, want 1500", c.Messages)
	}
}

// A resent client id is a duplicate however many messages the conversation
// holds (the projector's client-id filter saturates past a few hundred) and
// after a restart (when the projector has no filter for the conversation).
func TestResentClientIDIsADuplicate(t *testing.T) {
	dir := t.TempDir()
	s, err := state.Open(dir, state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l := &log{t: t, s: s}
	l.apply(opened("v1", "a1"))
	first := map[string]uint64{}
	for i := 0; i < 600; i++ {
		cid := "m" + strconv.Itoa(i)
		ch := l.apply(msg(cust, "v1", cid, false))
		if ch[0].Duplicate {
			t.Fatalf("new client id %s taken for a duplicate", cid)
		}
		first[cid] = ch[0].Event.Seq
	}
	check := func(when string) {
		t.Helper()
		for _, cid := range []string{"m0", "m1", "m299", "m599"} {
			ch := l.apply(msg(cust, "v1", cid, false))
			if !ch[0].Duplicate || ch[0].DuplicateOf != first[cid] {
				t.Fatalf("%s: resent %s = duplicate %v of %d, want a duplicate of %d", when, cid, ch[0].Duplicate, ch[0].DuplicateOf, first[cid])
			}
		}
		// and a repeat inside one batch
		ch := l.apply(msg(cust, "v1", "x-"+when, false), msg(cust, "v1", "x-"+when, false))
		if ch[0].Duplicate || !ch[1].Duplicate || ch[1].DuplicateOf != ch[0].Event.Seq {
			t.Fatalf("%s: a client id twice in one batch: %+v %+v", when, ch[0], ch[1])
		}
	}
	check("running")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if l.s, err = state.Open(dir, state.Options{}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	defer l.s.Close()
	check("reopened")
}

// An opening that names an agent at their chat limit (two nodes of a region
// picked the same agent at once) opens unassigned; the limit holds in log
// order, the same on every node.
func TestOpeningKeepsTheChatLimit(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(&event.Event{Kind: event.KindAgentUpserted, Actor: agent,
		Agent: &event.Agent{ID: "a1", Email: "a1@example.test", MaxChats: 1}})
	assignee := func(ch []state.Change) string {
		t.Helper()
		if ch[0].Item == nil || ch[0].Conv == nil {
			t.Fatalf("opening gave no item: %+v", ch[0])
		}
		if ch[0].Item.Assignee != ch[0].Conv.Assignee {
			t.Fatalf("item assignee %q, conversation %q", ch[0].Item.Assignee, ch[0].Conv.Assignee)
		}
		return ch[0].Conv.Assignee
	}
	if a := assignee(l.apply(opened("v1", "a1"))); a != "a1" {
		t.Fatalf("first opening assigned to %q, want a1", a)
	}
	if a := assignee(l.apply(opened("v2", "a1"))); a != "" {
		t.Fatalf("opening past a1's limit of 1 assigned to %q, want unassigned", a)
	}
	if n := load(t, s, "a1"); n != 1 {
		t.Fatalf("a1's load %d, want 1", n)
	}
	l.apply(status("v1", event.StatusResolved))
	if a := assignee(l.apply(opened("v3", "a1"))); a != "a1" {
		t.Fatalf("opening after a1 resolved one assigned to %q, want a1", a)
	}
	// No limit: any number.
	for i := 0; i < 3; i++ {
		if a := assignee(l.apply(opened("w"+strconv.Itoa(i), "a2"))); a != "a2" {
			t.Fatalf("opening for a2 (no limit) assigned to %q", a)
		}
	}
}

// Conversation records carry the contact's name (else e-mail address) as
// last given, whether it came before the conversation or after, in the
// same batch or a later one.
func TestConversationsCarryTheContactName(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	contact := func(email, name string) *event.Event {
		return &event.Event{Kind: event.KindContactUpserted, Actor: cust,
			Contact: &event.Contact{ID: "k1", Inbox: "web", Email: email, Name: name}}
	}
	names := func() string {
		t.Helper()
		var out []string
		for _, id := range []string{"v1", "v2", "v3"} {
			c, err := s.Conversation("t1", id)
			if err != nil {
				out = append(out, "-")
				continue
			}
			out = append(out, c.ContactName)
		}
		return strings.Join(out, ",")
	}
	l.apply(opened("v1", ""))
	if got := names(); got != ",-,-" {
		t.Fatalf("names before the contact said anything = %q", got)
	}
	l.apply(contact("k@x.test", ""), opened("v2", ""))
	if got := names(); got != "k@x.test,k@x.test,-" {
		t.Fatalf("names after an e-mail address = %q", got)
	}
	l.apply(opened("v3", ""), msg(cust, "v3", "m1", false), contact("", "Kim"), msg(cust, "v1", "m2", false))
	if got := names(); got != "Kim,Kim,Kim" {
		t.Fatalf("names after a name given in the batch = %q", got)
	}
	if c, _ := s.Conversation("t1", "v1"); c.Messages != 1 || c.LastText != "text m2" {
		t.Fatalf("v1 after a rename and a message in one batch = %+v", c)
	}
}

// A message that carries a file names it on the conversation, so that
// agents' lists show "Attachment: invoice.pdf" rather than nothing; a later
// message without one clears it, a private note leaves it.
func TestConversationsNameTheLastAttachment(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	file := func(id, name string) *event.Event {
		return &event.Event{Kind: event.KindAttachmentStored, Actor: cust,
			Attachment: &event.Attachment{ID: id, Name: name, Type: "application/pdf", Size: 10, SHA256: "00"}}
	}
	with := func(a event.Actor, cid string, private bool, files ...string) *event.Event {
		e := msg(a, "v1", cid, private)
		e.Message.Text, e.Message.Attachments = "", files
		return e
	}
	last := func() (string, string) {
		t.Helper()
		c, err := s.Conversation("t1", "v1")
		if err != nil {
			t.Fatal(err)
		}
		return c.LastText, c.LastAttachment
	}
	l.apply(opened("v1", ""), file("f1", "invoice.pdf"), with(cust, "m1", false, "f1"))
	if text, att := last(); text != "" || att != "invoice.pdf" {
		t.Fatalf("after a file: text %q, attachment %q; want invoice.pdf", text, att)
	}
	l.apply(file("f2", "secret.pdf"), with(agent, "n1", true, "f2"))
	if _, att := last(); att != "invoice.pdf" {
		t.Fatalf("a private note changed the attachment to %q", att)
	}
	l.apply(with(cust, "m2", false, "unknown"))
	if _, att := last(); att != "unknown" {
		t.Fatalf("a file without a record: attachment %q, want its id", att)
	}
	l.apply(msg(cust, "v1", "m3", false))
	if text, att := last(); text != "text m3" || att != "" {
		t.Fatalf("after a text: text %q, attachment %q", text, att)
	}
}
