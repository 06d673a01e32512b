package uplink

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// enrolledDir writes an edge certificate for eu-1, signed by ca, into a new
// directory as Enroll leaves it.
func enrolledDir(t *testing.T, ca *pki.CA) string {
	dir := t.TempDir()
	key, csr, err := pki.NewRequest("eu-1")
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.SignEdge(csr, "eu-1", "eu", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{pki.WriteKey(filepath.Join(dir, keyFile), key), pki.WriteCert(filepath.Join(dir, certFile), der),
		pki.WriteCert(filepath.Join(dir, caFile), ca.Cert.Raw)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// oldHello is the hello of protocol version 1 before capability lists,
// decoded as a hub of then did: an unknown field is refused.
type oldHello struct {
	V         int    `cbor:"1,keyasint"`
	Head      uint64 `cbor:"2,keyasint"`
	ConfigSeq uint64 `cbor:"3,keyasint"`
}

var oldDecMode, _ = cbor.DecOptions{ExtraReturnErrors: cbor.ExtraDecErrorUnknownField}.DecMode()

// readRawFrame reads one frame's type and body.
func readRawFrame(r *bufio.Reader) (syncproto.Type, []byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, err
	}
	if n == 0 || n > syncproto.MaxFrame {
		return 0, nil, errors.New("bad length")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, nil, err
	}
	return syncproto.Type(b[0]), b[1:], nil
}

// An edge linked to a hub older than capability lists and status frames:
// that hub refuses the hello that lists capabilities (an unknown field);
// the edge says hello again at once without them, syncs its log, and sends
// no status frame, which that hub would refuse.
func TestOldHubWithoutCapabilities(t *testing.T) {
	ca, err := pki.LoadOrCreateCA(filepath.Join(t.TempDir(), "ca"))
	if err != nil {
		t.Fatal(err)
	}
	dir := enrolledDir(t, ca)
	cert, err := ca.ServerCert()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := quic.ListenAddr("127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert},
		NextProtos: []string{syncproto.ALPNSync}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}, syncproto.QUICConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	// the old hub: a hello it cannot decode is refused as its sync() did,
	// a plain one welcomed; then it reports the frames it gets for 1 s
	// after the first batch
	var sessions, refusedHellos atomic.Int32
	got := make(chan []syncproto.Type, 1)
	go func() {
		for {
			conn, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			sessions.Add(1)
			go func() {
				s, err := conn.AcceptStream(context.Background())
				if err != nil {
					return
				}
				r, w := bufio.NewReader(s), syncproto.NewWriter(s)
				typ, body, err := readRawFrame(r)
				if err != nil {
					return
				}
				if typ != syncproto.TypeHello || oldDecMode.Unmarshal(body, new(oldHello)) != nil {
					refusedHellos.Add(1)
					e := &syncproto.Error{Code: syncproto.CodeBadFrame, Message: "a sync stream starts with a hello frame"}
					_ = w.Write(&syncproto.Frame{Type: syncproto.TypeError, Error: e})
					_ = w.Close()
					select {
					case <-conn.Context().Done():
					case <-time.After(2 * time.Second):
					}
					_ = conn.CloseWithError(0x101, e.Error())
					return
				}
				_ = w.Write(&syncproto.Frame{Type: syncproto.TypeWelcome, Welcome: &syncproto.Welcome{V: syncproto.Version, Edge: "eu-1", Region: "eu"}})
				var types []syncproto.Type
				for {
					typ, _, err := readRawFrame(r)
					if err != nil {
						break
					}
					types = append(types, typ)
					if typ == syncproto.TypeEvents {
						_ = s.SetReadDeadline(time.Now().Add(time.Second))
					}
				}
				got <- types
			}()
		}
	}()

	ev, err := event.NewCodec().Encode(&event.Event{ID: event.NewID(), Kind: event.KindMessageCreated, Tenant: "demo", TS: 1,
		Actor: event.Actor{Kind: event.ActorCustomer, ID: "k1"}, Message: &event.Message{Conv: "c1", ClientID: event.NewID(), Text: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := New(Options{Addr: ln.Addr().String(), Dir: dir, Name: "eu-1", Region: "eu", QUIC: syncproto.QUICConfig(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Read: func(ctx context.Context, from uint64, fn func(uint64, []byte)) error {
			if from == 1 {
				fn(1, ev)
			}
			<-ctx.Done()
			return nil
		},
		Head:  func(context.Context) (uint64, error) { return 1, nil },
		Staff: func() []syncproto.TenantStatus { return []syncproto.TenantStatus{{Tenant: "demo", Online: 1}} },
	})
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	select {
	case types := <-got:
		for _, typ := range types {
			if typ != syncproto.TypeEvents {
				t.Errorf("the edge sent the old hub a %s frame; want events only", typ)
			}
		}
		if len(types) == 0 {
			t.Error("the edge sent the old hub no events")
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no session synced in 20 s (%d sessions, %d hellos refused)", sessions.Load(), refusedHellos.Load())
	}
	if n := refusedHellos.Load(); n != 1 {
		t.Errorf("%d hellos refused, want the first one (with capabilities)", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after ctx ended: %v, want nil", err)
	}
}

// Run and Check fail, saying what to do, where linking cannot succeed: no
// certificate and no token, a token that cannot be read or is no token,
// and a certificate that cannot be read.
func TestBrokenLinkFailsWithWhatToDo(t *testing.T) {
	ca, err := pki.LoadOrCreateCA(filepath.Join(t.TempDir(), "ca"))
	if err != nil {
		t.Fatal(err)
	}
	broken := enrolledDir(t, ca)
	if err := os.WriteFile(filepath.Join(broken, keyFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(junk, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, dir, token string
		want             []string
	}{
		{"no certificate and no token", t.TempDir(), "", []string{"no hub certificate and no enrolment token", "--enroll-token-file", "hub enroll-token"}},
		{"a token file that is missing", t.TempDir(), filepath.Join(t.TempDir(), "missing"), []string{"read the enrolment token", "no such file", "--enroll-token-file"}},
		{"a token file without a token", t.TempDir(), junk, []string{"malformed enrolment token", "--enroll-token-file"}},
		{"a certificate without its key", broken, "", []string{"the edge's hub certificate", "enrol the edge again"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := New(Options{Addr: "127.0.0.1:1", Dir: c.dir, EnrollTokenFile: c.token, Name: "eu-1", Region: "eu",
				QUIC: syncproto.QUICConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Head: func(context.Context) (uint64, error) { return 0, nil }})
			cerr := Check(c.dir, c.token)
			for _, w := range c.want {
				if cerr == nil || !strings.Contains(cerr.Error(), w) {
					t.Fatalf("Check = %v, want an error saying %q", cerr, w)
				}
			}
			if c.dir == broken {
				return // Run retries: the files may be restored meanwhile
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := u.Run(ctx); err == nil || err.Error() != cerr.Error() {
				t.Fatalf("Run = %v, want Check's error %v", err, cerr)
			}
			if st := u.Status(); st.Error != cerr.Error() {
				t.Fatalf("Status().Error = %q, want Run's error", st.Error)
			}
		})
	}
}
