package uplink

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// An edge linked to a hub older than the status frame: the hub refuses
// the first one as an unknown frame type and closes the stream; the edge
// links again and syncs without status frames, rather than being refused
// for ever.
func TestOldHubRefusesStatus(t *testing.T) {
	dir := t.TempDir()
	ca, err := pki.LoadOrCreateCA(filepath.Join(t.TempDir(), "ca"))
	if err != nil {
		t.Fatal(err)
	}
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

	// the old hub: welcomes, and refuses a status frame as its decoder did
	var sessions, statuses atomic.Int32
	second := make(chan string, 1) // what the second session received in 2 s
	go func() {
		for {
			conn, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			n := sessions.Add(1)
			go func() {
				s, err := conn.AcceptStream(context.Background())
				if err != nil {
					return
				}
				r, w := syncproto.NewReader(s), syncproto.NewWriter(s)
				if f, err := r.Read(); err != nil || f.Type != syncproto.TypeHello {
					return
				}
				_ = w.Write(&syncproto.Frame{Type: syncproto.TypeWelcome, Welcome: &syncproto.Welcome{V: syncproto.Version, Edge: "eu-1", Region: "eu"}})
				if n > 1 {
					_ = s.SetReadDeadline(time.Now().Add(2 * time.Second))
				}
				f, err := r.Read()
				switch {
				case err == nil && f.Type == syncproto.TypeStatus:
					statuses.Add(1)
					// as the hub's refuseOn: the error, then the close
					e := &syncproto.Error{Code: syncproto.CodeBadFrame, Message: "bad sync frame: unknown frame type 10"}
					_ = w.Write(&syncproto.Frame{Type: syncproto.TypeError, Error: e})
					_ = w.Close()
					select {
					case <-conn.Context().Done():
					case <-time.After(2 * time.Second):
					}
					_ = conn.CloseWithError(0x101, e.Error())
					if n > 1 {
						second <- "a status frame"
					}
				case n > 1 && err != nil && strings.Contains(err.Error(), "deadline"):
					second <- "nothing"
				case n > 1:
					second <- "an error: " + err.Error()
				}
			}()
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := New(Options{Addr: ln.Addr().String(), Dir: dir, Name: "eu-1", Region: "eu", QUIC: syncproto.QUICConfig(),
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Read: func(ctx context.Context, from uint64, fn func(uint64, []byte)) error { <-ctx.Done(); return nil },
		Head: func(context.Context) (uint64, error) { return 0, nil },
		Staff: func() []syncproto.TenantStatus {
			return []syncproto.TenantStatus{{Tenant: "demo", Online: 1}}
		},
	})
	done := make(chan struct{})
	go func() { _ = u.Run(ctx); close(done) }()
	select {
	case got := <-second:
		if got != "nothing" {
			t.Fatalf("linked again after the refusal, the edge sent %s; want nothing (no status frames)", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no second session in 20 s (%d sessions, %d status frames)", sessions.Load(), statuses.Load())
	}
	if statuses.Load() != 1 {
		t.Errorf("%d status frames, want the one refused", statuses.Load())
	}
	cancel()
	<-done
}
