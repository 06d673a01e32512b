package hub_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/uplink"
	"github.com/edgedesk/edgedesk/hub/hubtest"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

func writeToken(t *testing.T, tok string) string {
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A token enrols its edge once; another name, a used token, or a token of
// another hub's authority is refused with a message that says so.
func TestEnrolmentTokens(t *testing.T) {
	h := hubtest.Start(t)
	ctx := ctxT(t)
	qc := syncproto.QUICConfig()
	tok, err := h.IssueToken("eu-2", "eu")
	if err != nil {
		t.Fatal(err)
	}
	file := writeToken(t, tok)
	if err := uplink.Enroll(ctx, h.QUICAddr(), file, "eu-2", "eu", t.TempDir(), qc); err != nil {
		t.Fatalf("enrol with a fresh token: %v", err)
	}
	other, _ := h.IssueToken("eu-3", "eu")
	forged := strings.Split(tok, ".")
	forged[2] = strings.Repeat("ab", 32)
	for _, c := range []struct {
		name, file, edge, want string
	}{
		{"used token", file, "eu-2", "unknown or already used"},
		{"another edge's token", writeToken(t, other), "eu-9", `issued for edge "eu-3"`},
		{"another hub's authority", writeToken(t, strings.Join(forged, ".")), "eu-2", "not the one in the enrolment token"},
		{"not a token", writeToken(t, "hello"), "eu-2", "malformed enrolment token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := uplink.Enroll(ctx, h.QUICAddr(), c.file, c.edge, "eu", t.TempDir(), qc)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("enrol: %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// identity writes an edge certificate signed by ca for name into a new
// directory laid out as uplink.Enroll leaves it.
func identity(t *testing.T, ca *pki.CA, name, region string) string {
	dir := t.TempDir()
	key, csr, err := pki.NewRequest(name)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.SignEdge(csr, name, region, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteKey(filepath.Join(dir, "edge.key"), key); err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteCert(filepath.Join(dir, "edge.crt"), der); err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteCert(filepath.Join(dir, "ca.crt"), ca.Cert.Raw); err != nil {
		t.Fatal(err)
	}
	return dir
}

// syncErr runs an uplink from dir until it reports an error, and returns it.
func syncErr(t *testing.T, h *hubtest.Hub, dir string) string {
	t.Helper()
	e := edgetest.StartDev(t)
	u := uplink.New(uplink.Options{Addr: h.QUICAddr(), Dir: dir, Log: edgetest.Logger(t), QUIC: syncproto.QUICConfig(),
		Read: e.Node.Bus().Read, Head: e.Node.Bus().LastSeq, MaxBackoff: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if st := u.Status(); st.Error != "" {
			if st.Connected {
				t.Fatalf("connected with an error: %+v", st)
			}
			return st.Error
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the uplink reported no error in 20s")
	return ""
}

// Edges the hub does not know, or has revoked, or whose certificate another
// authority signed, are refused, and the edge is told why.
func TestForeignUnknownAndRevokedEdgesAreRefused(t *testing.T) {
	h := hubtest.Start(t)
	foreign, err := pki.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ours, err := pki.LoadOrCreateCA(filepath.Join(h.Config.DataDir, "ca"))
	if err != nil {
		t.Fatal(err)
	}
	// a certificate of another authority, but trusting our hub
	dir := identity(t, foreign, "eu-1", "eu")
	if err := pki.WriteCert(filepath.Join(dir, "ca.crt"), ours.Cert.Raw); err != nil {
		t.Fatal(err)
	}
	if got := syncErr(t, h, dir); !strings.Contains(got, "refused this edge's certificate") {
		t.Errorf("foreign certificate: %q", got)
	}
	if got := syncErr(t, h, identity(t, ours, "ghost", "eu")); !strings.Contains(got, `unknown edge "ghost"`) {
		t.Errorf("unknown edge: %q", got)
	}
	// an enrolled edge, then revoked: its connection ends and it is refused
	e := edgetest.Start(t, linkedEdge(t, h, "eu-1", "eu"))
	chat(t, e, "x", 1)
	synced(t, h, e)
	if err := h.Revoke("eu-1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := e.Node.Uplink().Status()
		if !st.Connected && strings.Contains(st.Error, "was revoked") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the revocation the edge's uplink = %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawSync is an enrolled edge speaking the protocol frame by frame.
type rawSync struct {
	t    *testing.T
	conn *quic.Conn
	s    *quic.Stream
	r    *syncproto.Reader
}

func dialRaw(t *testing.T, h *hubtest.Hub, name string) *rawSync {
	ctx := ctxT(t)
	dir := t.TempDir()
	if err := uplink.Enroll(ctx, h.QUICAddr(), h.DevToken(), name, "eu", dir, syncproto.QUICConfig()); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "edge.crt"), filepath.Join(dir, "edge.key"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.ReadCert(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := quic.DialAddr(ctx, h.QUICAddr(), pki.EdgeTLS(cert, (&pki.CA{Cert: ca}).Pool(), syncproto.ALPNSync), syncproto.QUICConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseWithError(0, "") })
	s, err := conn.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &rawSync{t: t, conn: conn, s: s, r: syncproto.NewReader(s)}
}

func (c *rawSync) send(f *syncproto.Frame) {
	c.t.Helper()
	b, err := syncproto.Append(nil, f)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *rawSync) sendRaw(b []byte) {
	c.t.Helper()
	if _, err := c.s.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawSync) read() *syncproto.Frame {
	c.t.Helper()
	_ = c.s.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := c.r.Read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

// events encodes n valid events.
func events(t *testing.T, n int) [][]byte {
	codec := event.NewCodec()
	var out [][]byte
	for i := range n {
		b, err := codec.Encode(&event.Event{ID: event.NewID(), Kind: event.KindMessageCreated, Tenant: "demo", TS: int64(i + 1),
			Actor: event.Actor{Kind: event.ActorCustomer, ID: "k1"}, Message: &event.Message{Conv: "c1", ClientID: event.NewID(), Text: "hi"}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// A batch sent again is acknowledged and stored once; a batch that leaves
// a gap, an event that does not decode, or a malformed frame is refused
// with an error frame that says what was wrong.
func TestReplayedGappedAndTamperedFrames(t *testing.T) {
	h := hubtest.Start(t)
	evs := events(t, 10)
	hello := &syncproto.Frame{Type: syncproto.TypeHello, Hello: &syncproto.Hello{V: syncproto.Version, Head: 10}}
	batch := func(first uint64, evs [][]byte) *syncproto.Frame {
		return &syncproto.Frame{Type: syncproto.TypeEvents, Batch: &syncproto.Batch{First: first, Head: 10, Events: evs}}
	}
	c := dialRaw(t, h, "raw-1")
	c.send(hello)
	if w := c.read(); w.Type != syncproto.TypeWelcome || w.Welcome.Acked != 0 || w.Welcome.Edge != "raw-1" {
		t.Fatalf("welcome = %+v", w)
	}
	c.send(batch(1, evs[:6]))
	if a := c.read(); a.Type != syncproto.TypeAck || a.Ack.Stored != 6 {
		t.Fatalf("ack = %+v %+v", a, a.Ack)
	}
	c.send(batch(1, evs[:6]))  // replayed
	c.send(batch(4, evs[3:8])) // overlapping
	// one ack each, or one for both when the hub stored them together
	for a := c.read(); a.Ack.Stored != 8; a = c.read() {
		if a.Type != syncproto.TypeAck || a.Ack.Stored != 6 {
			t.Fatalf("ack of a replay = %+v", a.Ack)
		}
	}
	n := 0
	_ = h.ReadLog("raw-1", func(uint64, []byte) bool { n++; return true })
	if n != 8 {
		t.Fatalf("the hub holds %d events, want 8 (each once)", n)
	}
	refused := func(c *rawSync, code, want string) {
		t.Helper()
		f := c.read()
		if f.Type != syncproto.TypeError || f.Error.Code != code || !strings.Contains(f.Error.Message, want) {
			t.Fatalf("answer = %+v %+v, want a %s error saying %q", f, f.Error, code, want)
		}
	}
	c.send(batch(10, evs[9:]))
	refused(c, syncproto.CodeGap, "send from 9")

	c = dialRaw(t, h, "raw-1")
	c.send(hello)
	if w := c.read(); w.Welcome.Acked != 8 {
		t.Fatalf("welcome after the gap = %+v", w.Welcome)
	}
	tampered := evs[8][:len(evs[8])-3] // cut short: not an event any more
	c.send(batch(9, [][]byte{tampered}))
	refused(c, syncproto.CodeBadFrame, "event 9")

	c = dialRaw(t, h, "raw-1")
	c.send(hello)
	c.read()
	c.sendRaw([]byte{3, 99, 0, 0})
	refused(c, syncproto.CodeBadFrame, "unknown frame type 99")

	c = dialRaw(t, h, "raw-2")
	c.send(&syncproto.Frame{Type: syncproto.TypeHello, Hello: &syncproto.Hello{V: 99}})
	refused(c, syncproto.CodeVersion, "version 1, not 99")
}

// A batch followed at once by a status frame (both in the hub's buffer)
// is stored and acknowledged then, not left waiting for the next batch.
func TestBatchThenStatusIsAcked(t *testing.T) {
	h := hubtest.Start(t)
	evs := events(t, 3)
	c := dialRaw(t, h, "raw-1")
	c.send(&syncproto.Frame{Type: syncproto.TypeHello, Hello: &syncproto.Hello{V: syncproto.Version, Head: 3}})
	if f := c.read(); f.Type != syncproto.TypeWelcome {
		t.Fatalf("answered hello with %s", f.Type)
	}
	b, err := syncproto.Append(nil, &syncproto.Frame{Type: syncproto.TypeEvents, Batch: &syncproto.Batch{First: 1, Head: 3, Events: evs}})
	if err != nil {
		t.Fatal(err)
	}
	b, err = syncproto.Append(b, &syncproto.Frame{Type: syncproto.TypeStatus,
		Status: &syncproto.Status{Time: 1, Tenants: []syncproto.TenantStatus{{Tenant: "demo", Online: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	c.sendRaw(b) // one write
	if f := c.read(); f.Type != syncproto.TypeAck || f.Ack.Stored != 3 {
		t.Fatalf("after a batch and a status: %s %+v, want the batch acknowledged", f.Type, f.Ack)
	}
}
