package gateway_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

var updateViews = flag.Bool("update", false, "write testdata/views.golden.json")

// wireConn is a raw connection that keeps every frame the edge sends, as
// sent, for the checks of the protocol's types.
type wireConn struct {
	t      *testing.T
	ws     *rawWS
	frames chan []byte
	later  []*protocol.OutFrame // passed over by request
	n      int

	mu  sync.Mutex
	all [][]byte
}

func dialWire(t *testing.T, e *edgetest.Edge, hello *protocol.InFrame) (*wireConn, *protocol.OutFrame) {
	t.Helper()
	c := &wireConn{t: t, ws: rawDial(t, e.URL, nil), frames: make(chan []byte, 4096)}
	go func() {
		defer close(c.frames)
		for {
			b, err := c.ws.ReadMessage()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.all = append(c.all, b)
			c.mu.Unlock()
			c.frames <- b
		}
	}()
	hello.Type, hello.V = protocol.TypeHello, protocol.Version
	if err := c.ws.WriteJSON(hello); err != nil {
		t.Fatal(err)
	}
	return c, c.await(protocol.OutWelcome)
}

// next returns the next frame the test has not looked at: those request
// passed over first.
func (c *wireConn) next() *protocol.OutFrame {
	c.t.Helper()
	if len(c.later) > 0 {
		f := c.later[0]
		c.later = c.later[1:]
		return f
	}
	select {
	case b, ok := <-c.frames:
		if !ok {
			c.t.Fatal("the edge closed the connection")
		}
		var f protocol.OutFrame
		if err := json.Unmarshal(b, &f); err != nil {
			c.t.Fatalf("%s: %v", b, err)
		}
		return &f
	case <-time.After(wait):
		c.t.Fatal("no frame in time")
	}
	return nil
}

// await skips frames up to the next one of type typ.
func (c *wireConn) await(typ string) *protocol.OutFrame {
	c.t.Helper()
	for {
		if f := c.next(); f.Type == typ {
			return f
		}
	}
}

// awaitEvent skips frames up to the next event of an item of that kind.
func (c *wireConn) awaitEvent(kind string) *protocol.OutFrame {
	c.t.Helper()
	for {
		if f := c.await(protocol.OutEvent); f.Item != nil && f.Item.Kind == kind {
			return f
		}
	}
}

// request sends f with a fresh id and returns the reply, which is not an
// error.
func (c *wireConn) request(f *protocol.InFrame) *protocol.OutFrame {
	c.t.Helper()
	r := c.try(f)
	if r.Type == protocol.OutError {
		c.t.Fatalf("%s: %s %s", f.Type, r.Code, r.Message)
	}
	return r
}

// try sends f with a fresh id and returns the reply.
func (c *wireConn) try(f *protocol.InFrame) *protocol.OutFrame {
	c.t.Helper()
	c.n++
	f.ID = "w" + strconv.Itoa(c.n)
	if err := c.ws.WriteJSON(f); err != nil {
		c.t.Fatal(err)
	}
	var later []*protocol.OutFrame
	defer func() { c.later = append(later, c.later...) }()
	for {
		r := c.next()
		if r.ID == f.ID {
			return r
		}
		later = append(later, r)
	}
}

func (c *wireConn) send(f *protocol.InFrame) {
	c.t.Helper()
	if err := c.ws.WriteJSON(f); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wireConn) sent() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.all)
}

// Every frame the gateway sends in a session that goes through the whole
// protocol, to a customer and to agents, is a protocol.OutFrame: it
// decodes with no field left over, and encodes again to the same bytes.
// Every type of frame comes by.
func TestFramesAreTheProtocolsTypes(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	login := func(email string) string {
		tok, err := client.Login(ctx, e.URL, email, edge.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// A customer arrives while no agent is online; agents come, and the
	// customer learns one is.
	cust, cw := dialWire(t, e, &protocol.InFrame{Inbox: edge.DemoInbox})
	alice, _ := dialWire(t, e, &protocol.InFrame{Token: login("alice@demo.test")})
	cust.await(protocol.OutAvailability)
	bob, _ := dialWire(t, e, &protocol.InFrame{Token: login("bob@demo.test"), Scope: "all"})
	alice.await(protocol.OutPresence)

	ack := cust.request(&protocol.InFrame{Type: protocol.TypeStart, ClientID: "c1", Lang: "en"})
	conv := ack.Conv
	alice.awaitEvent("opened")
	cust.request(&protocol.InFrame{Type: protocol.TypeSend, Conv: conv, ClientID: "m1", Text: "Hello <b>&</b> ünïcode"})
	msg := alice.awaitEvent("message")
	cust.send(&protocol.InFrame{Type: protocol.TypeTyping, Conv: conv, On: true})
	alice.await(protocol.OutTyping)
	alice.send(&protocol.InFrame{Type: protocol.TypeTyping, Conv: conv, On: true})
	cust.await(protocol.OutTyping)
	alice.request(&protocol.InFrame{Type: protocol.TypeSend, Conv: conv, ClientID: "n1", Text: "a note", Private: true})
	alice.request(&protocol.InFrame{Type: protocol.TypeSend, Conv: conv, ClientID: "a1", Text: "Hi, how can I help?"})
	cust.awaitEvent("message")
	alice.request(&protocol.InFrame{Type: protocol.TypeRead, Conv: conv, Seq: msg.Seq})
	alice.request(&protocol.InFrame{Type: protocol.TypeAssign, Conv: conv, Agent: "agent-bob"})
	alice.awaitEvent("assigned")
	alice.request(&protocol.InFrame{Type: protocol.TypePriority, Conv: conv, Priority: "high"})
	alice.request(&protocol.InFrame{Type: protocol.TypeConvs})
	alice.request(&protocol.InFrame{Type: protocol.TypeContact, Contact: cw.Session.ID})
	alice.request(&protocol.InFrame{Type: protocol.TypeHistory, Conv: conv})
	alice.request(&protocol.InFrame{Type: protocol.TypeCanned})
	alice.request(&protocol.InFrame{Type: protocol.TypeCannedSet, Shortcut: "thanks", Text: "Thank you!"})
	alice.request(&protocol.InFrame{Type: protocol.TypeInboxes})
	alice.request(&protocol.InFrame{Type: protocol.TypeInboxSet, Inbox: edge.DemoInbox, Prechat: []string{"email"}, Skills: []string{"billing"}})
	alice.request(&protocol.InFrame{Type: protocol.TypeAgents})
	alice.request(&protocol.InFrame{Type: protocol.TypeAgentSet, Agent: "agent-bob", Skills: []string{"billing"}, Languages: []string{"en"}})
	bob.request(&protocol.InFrame{Type: protocol.TypePresence, Presence: protocol.PresenceAway})
	alice.await(protocol.OutPresence)
	cust.request(&protocol.InFrame{Type: protocol.TypeHistory, Conv: conv})
	cust.request(&protocol.InFrame{Type: protocol.TypeConvs})
	cust.request(&protocol.InFrame{Type: protocol.TypeProfile, Name: "Ada", Email: "ada@example.com"})
	cust.request(&protocol.InFrame{Type: protocol.TypePing})
	if r := cust.try(&protocol.InFrame{Type: "teleport"}); r.Type != protocol.OutError {
		t.Fatalf("an unknown type is answered %+v", r)
	}

	// a call: started, signalled, left
	call := cust.request(&protocol.InFrame{Type: protocol.TypeCall, Op: protocol.CallStart, Conv: conv})
	if call.Type != protocol.OutAck || call.Call == "" {
		t.Fatalf("call start: %+v", call)
	}
	alice.awaitEvent("call")
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		t.Fatal(err)
	}
	cust.request(&protocol.InFrame{Type: protocol.TypeCall, Op: protocol.CallSignal, Call: call.Call,
		Signal: &protocol.Signal{Type: "offer", SDP: offer.SDP}})
	cust.await(protocol.OutCallSignal)
	cust.request(&protocol.InFrame{Type: protocol.TypeCall, Op: protocol.CallLeave, Call: call.Call})
	for f := alice.awaitEvent("call"); f.Item.Status != "ended"; f = alice.awaitEvent("call") {
	}

	alice.request(&protocol.InFrame{Type: protocol.TypeStatus, Conv: conv, Status: "resolved"})
	cust.awaitEvent("status")
	cust.request(&protocol.InFrame{Type: protocol.TypeRate, Conv: conv, Score: 5})
	alice.awaitEvent("rating")

	// reconnecting: from nothing (resync), and from the first message
	// (a replay)
	zero, one := uint64(0), msg.Seq
	again, _ := dialWire(t, e, &protocol.InFrame{Token: cw.Session.Token, Resume: &zero})
	again.await(protocol.OutResync)
	again.await(protocol.OutResumed)
	replay, _ := dialWire(t, e, &protocol.InFrame{Token: cw.Session.Token, Resume: &one})
	replay.await(protocol.OutResumed)

	seen := map[string]int{}
	for _, c := range []*wireConn{cust, alice, bob, again, replay} {
		for _, b := range c.sent() {
			var f protocol.OutFrame
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				t.Errorf("a frame the protocol's types do not hold: %v\n%s", err, b)
				continue
			}
			if again, err := json.Marshal(&f); err != nil || !bytes.Equal(again, b) {
				t.Errorf("a frame encodes otherwise as a protocol.OutFrame (%v):\n sent %s\n  now %s", err, b, again)
			}
			seen[f.Type]++
		}
	}
	for _, typ := range []string{protocol.OutWelcome, protocol.OutAck, protocol.OutEvent, protocol.OutTyping,
		protocol.OutPresence, protocol.OutAvailability, protocol.OutHistory, protocol.OutConvs, protocol.OutContact,
		protocol.OutCanned, protocol.OutInboxes, protocol.OutAgents, protocol.OutError, protocol.OutResync,
		protocol.OutPong, protocol.OutResumed, protocol.OutCallSignal} {
		if seen[typ] == 0 {
			t.Errorf("no %s frame was checked", typ)
		}
	}
}

// viewCase is a view as the gateway sends it, and the protocol's type
// that holds it.
type viewCase struct {
	name string
	wire func() any // what the gateway encodes
	view any        // a pointer to the protocol's type
}

// viewCases are views of records with every field set (fill), or with
// the zeros that matter.
func viewCases() []viewCase {
	item := fill[state.Item]()
	conv := fill[state.ConversationRec]()
	quiet := fill[state.ConversationRec]()
	quiet.Messages, quiet.Assignee = 0, ""
	candidate := fill[webrtc.ICECandidateInit]()
	att := fill[state.AttachmentRec]()
	return []viewCase{
		{"item", func() any { return gateway.ItemView(&item) }, new(protocol.Item)},
		{"conversation", func() any { return gateway.ConversationView(&conv) }, new(protocol.Conversation)},
		{"conversation without messages", func() any { return gateway.ConversationView(&quiet) }, new(protocol.Conversation)},
		{"customer's conversation", func() any { return gateway.CustomerView(&conv) }, new(protocol.Conversation)},
		{"customer's unassigned conversation", func() any { return gateway.CustomerView(&quiet) }, new(protocol.Conversation)},
		{"contact", func() any { c := fill[state.ContactRec](); return gateway.ContactView(&c) }, new(protocol.Contact)},
		{"canned", func() any { return gateway.CannedView([]state.CannedRec{fill[state.CannedRec]()})[0] }, new(protocol.Canned)},
		{"inbox", func() any { return gateway.InboxesView([]state.InboxRec{fill[state.InboxRec]()})[0] }, new(protocol.Inbox)},
		{"customer's inbox", func() any { in := fill[state.InboxRec](); return gateway.BrandView(&in) }, new(protocol.Brand)},
		{"agent", func() any { a := fill[state.AgentRec](); return gateway.AgentView(&a) }, new(protocol.Agent)},
		{"attachment", func() any {
			return gateway.AttachmentView(&event.Attachment{ID: att.ID, Name: att.Name, Type: att.Type, Size: att.Size, SHA256: att.SHA256})
		}, new(protocol.Attachment)},
		{"login", func() any {
			return &protocol.LoginReply{Agent: gateway.AgentView(new(fill[state.AgentRec]())), ExpiresIn: 43200, Token: "t"}
		}, new(protocol.LoginReply)},
		{"history's extra", func() any {
			return &protocol.Extra{Contact: gateway.ContactView(new(fill[state.ContactRec]()))}
		}, new(protocol.Extra)},
		// the media server's candidates, as pion encodes them
		{"ice candidate", func() any { return candidate }, new(protocol.ICECandidate)},
		{"ice candidate with nulls", func() any { return webrtc.ICECandidateInit{Candidate: "candidate:1"} }, new(protocol.ICECandidate)},
	}
}

// What the gateway sends of its records is what it sent when it encoded
// the records themselves (testdata/views.golden.json: old clients read
// it), and the protocol's types hold it, field for field.
func TestViewsKeepTheirJSON(t *testing.T) {
	golden := filepath.Join("testdata", "views.golden.json")
	got := map[string]json.RawMessage{}
	for _, c := range viewCases() {
		b, err := json.Marshal(c.wire())
		if err != nil {
			t.Fatal(err)
		}
		got[c.name] = b
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c.view); err != nil {
			t.Errorf("%s: %v\n%s", c.name, err, b)
			continue
		}
		if again, err := json.Marshal(c.view); err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s encodes otherwise as %T (%v):\n sent %s\n  now %s", c.name, c.view, err, b, again)
		}
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *updateViews {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no %s: run go test ./edge/gateway -run TestViewsKeepTheirJSON -update", golden)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, out) {
		t.Fatalf("the views' JSON changed: old clients read it.\nwant %s\n got %s", want, out)
	}
}

// fill returns a T with every field set, each to a value of its own.
func fill[T any]() T {
	var v T
	n := 0
	fillValue(reflect.ValueOf(&v).Elem(), &n)
	return v
}

func fillValue(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillValue(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fillValue(k, n)
			fillValue(e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i), n)
			}
		}
	}
}
