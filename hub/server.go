package hub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// QUIC application error codes the hub closes connections with.
const (
	closeNormal   quic.ApplicationErrorCode = 0
	closeRefused  quic.ApplicationErrorCode = 0x101 // identity refused: see the error frame
	closeProtocol quic.ApplicationErrorCode = 0x102 // a frame broke the protocol
	closeReplaced quic.ApplicationErrorCode = 0x103
	closeShutdown quic.ApplicationErrorCode = 0x104
)

// serverTLS accepts edges with a certificate of the hub's authority, and
// enrolling edges without one. A certificate of another authority fails
// the handshake, and the hub logs whose it was.
func (h *Hub) serverTLS(cert tls.Certificate) *tls.Config {
	pool := h.ca.Pool()
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{syncproto.ALPNSync, syncproto.ALPNEnroll},
		ClientAuth:   tls.RequestClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return nil // enrolment; sync checks that a certificate came
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			inter := x509.NewCertPool()
			for _, r := range raw[1:] {
				if c, err := x509.ParseCertificate(r); err == nil {
					inter.AddCert(c)
				}
			}
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				h.log.Warn("refused an edge certificate", "subject", leaf.Subject.String(), "err", err)
				h.m.refused.WithLabelValues("certificate").Inc()
				return fmt.Errorf("edge certificate refused: %w", err)
			}
			return nil
		},
	}
}

// serve accepts connections until ctx ends.
func (h *Hub) serve(ctx context.Context, ln *quic.Listener) {
	for {
		conn, err := ln.Accept(ctx)
		if err != nil {
			return
		}
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			switch conn.ConnectionState().TLS.NegotiatedProtocol {
			case syncproto.ALPNEnroll:
				h.enroll(ctx, conn)
			case syncproto.ALPNSync:
				h.sync(ctx, conn)
			default:
				_ = conn.CloseWithError(closeProtocol, "unknown ALPN protocol")
			}
		}()
	}
}

// refuse sends an error frame, lets the peer read it, and closes.
func refuse(conn *quic.Conn, s *quic.Stream, code quic.ApplicationErrorCode, e *syncproto.Error) {
	if s != nil {
		refuseOn(conn, s, syncproto.NewWriter(s), code, e)
		return
	}
	_ = conn.CloseWithError(code, e.Error())
}

// refuseOn is refuse on a stream other goroutines write to through w.
func refuseOn(conn *quic.Conn, s *quic.Stream, w *syncproto.Writer, code quic.ApplicationErrorCode, e *syncproto.Error) {
	_ = s.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_ = w.Write(&syncproto.Frame{Type: syncproto.TypeError, Error: e})
	_ = w.Close()
	// the peer closes once it has read the error; else give up soon
	select {
	case <-conn.Context().Done():
	case <-time.After(2 * time.Second):
	}
	_ = conn.CloseWithError(code, e.Error())
}

// enroll issues a certificate to an edge that presents a valid token.
func (h *Hub) enroll(ctx context.Context, conn *quic.Conn) {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := conn.AcceptStream(sctx)
	if err != nil {
		_ = conn.CloseWithError(closeProtocol, "no enrolment stream")
		return
	}
	f, err := syncproto.NewReader(s).Read()
	if err != nil || f.Type != syncproto.TypeEnroll {
		refuse(conn, s, closeProtocol, &syncproto.Error{Code: syncproto.CodeBadFrame, Message: "an enrolment stream starts with an enroll frame"})
		return
	}
	req := f.Enroll
	name, region, err := h.reg.UseToken(pki.Token{Secret: req.Secret}, req.Edge, req.Region)
	if err != nil {
		h.log.Warn("refused an enrolment", "edge", req.Edge, "region", req.Region, "remote", conn.RemoteAddr().String(), "err", err)
		h.m.refused.WithLabelValues("token").Inc()
		refuse(conn, s, closeRefused, &syncproto.Error{Code: syncproto.CodeToken, Message: err.Error()})
		return
	}
	der, err := h.ca.SignEdge(req.CSR, name, region, h.cfg.CertTTL)
	if err != nil {
		refuse(conn, s, closeRefused, &syncproto.Error{Code: syncproto.CodeBadFrame, Message: err.Error()})
		return
	}
	cert, _ := x509.ParseCertificate(der)
	if err := h.reg.Enrolled(name, region, cert.SerialNumber.Text(16)); err != nil {
		refuse(conn, s, closeRefused, &syncproto.Error{Code: syncproto.CodeInternal, Message: "the hub could not record the edge: retry"})
		return
	}
	h.log.Info("edge enrolled", "edge", name, "region", region, "remote", conn.RemoteAddr().String())
	if err := syncproto.NewWriter(s).Write(&syncproto.Frame{Type: syncproto.TypeEnrolled, Enrolled: &syncproto.Enrolled{Cert: der, CA: h.ca.Cert.Raw}}); err != nil {
		return
	}
	_ = s.Close()
	select {
	case <-conn.Context().Done():
	case <-time.After(5 * time.Second):
		_ = conn.CloseWithError(closeNormal, "")
	}
}

// sync receives an edge's log: hello, welcome with what the hub has, then
// batches, each stored durably and acknowledged.
func (h *Hub) sync(ctx context.Context, conn *quic.Conn) {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	s, err := conn.AcceptStream(sctx)
	cancel()
	if err != nil {
		_ = conn.CloseWithError(closeProtocol, "no sync stream")
		return
	}
	peers := conn.ConnectionState().TLS.PeerCertificates
	if len(peers) == 0 {
		refuse(conn, s, closeRefused, &syncproto.Error{Code: syncproto.CodeUnknown, Message: "sync needs the certificate the edge got at enrolment"})
		return
	}
	name, region := pki.EdgeIdentity(peers[0])
	if err := h.reg.Check(name, region, peers[0].SerialNumber.Text(16)); err != nil {
		code := syncproto.CodeUnknown
		if errors.Is(err, ErrRevoked) {
			code = syncproto.CodeRevoked
		}
		h.log.Warn("refused an edge", "edge", name, "region", region, "remote", conn.RemoteAddr().String(), "err", err)
		h.m.refused.WithLabelValues(code).Inc()
		refuse(conn, s, closeRefused, &syncproto.Error{Code: code, Message: err.Error()})
		return
	}
	r := syncproto.NewReader(s)
	f, err := r.Read()
	if err != nil || f.Type != syncproto.TypeHello {
		refuse(conn, s, closeProtocol, &syncproto.Error{Code: syncproto.CodeBadFrame, Message: "a sync stream starts with a hello frame"})
		return
	}
	if f.Hello.V != syncproto.Version {
		refuse(conn, s, closeProtocol, &syncproto.Error{Code: syncproto.CodeVersion,
			Message: fmt.Sprintf("this hub speaks sync protocol version %d, not %d: upgrade the older side", syncproto.Version, f.Hello.V)})
		return
	}
	e, err := h.edge(ctx, name, region)
	if err != nil {
		h.log.Error("cannot open an edge's state", "edge", name, "err", err)
		refuse(conn, s, closeRefused, &syncproto.Error{Code: syncproto.CodeInternal, Message: "the hub cannot open this edge's state: retry later"})
		return
	}
	if len(f.Hello.SealKey) > 0 {
		if err := h.reg.SetSealKey(name, f.Hello.SealKey); err != nil {
			h.log.Warn("cannot record an edge's region key", "edge", name, "err", err)
		}
	}
	e.attach(conn)
	defer e.detach(conn)
	e.mu.Lock()
	e.head = f.Hello.Head
	e.configAcked = f.Hello.ConfigSeq
	e.mu.Unlock()
	stored := e.stored.Load()
	w := syncproto.NewWriter(s)
	welcome := &syncproto.Welcome{V: syncproto.Version, Acked: stored, Edge: name, Region: region}
	if len(f.Hello.Caps) > 0 {
		// an edge older than capability lists refuses the field
		welcome.Caps = syncproto.Caps()
	}
	if err := w.Write(&syncproto.Frame{Type: syncproto.TypeWelcome, Welcome: welcome}); err != nil {
		return
	}
	pctx, stopPush := context.WithCancel(ctx)
	defer stopPush()
	go h.pushConfig(pctx, e, conn, w, f.Hello.ConfigSeq)
	log := h.log.With("edge", name)
	log.Info("edge connected", "region", region, "remote", conn.RemoteAddr().String(), "hub_has", stored, "edge_head", f.Hello.Head,
		"edge_caps", f.Hello.Caps)
	h.m.connected.Inc()
	defer h.m.connected.Dec()
	var pending []*syncproto.Batch
	for {
		f, err := r.Read()
		if err != nil {
			if errors.Is(err, syncproto.ErrFrame) {
				log.Warn("refused a sync frame", "err", err)
				refuseOn(conn, s, w, closeProtocol, &syncproto.Error{Code: syncproto.CodeBadFrame, Message: err.Error()})
			} else if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				log.Info("edge disconnected", "err", err)
			}
			return
		}
		// Batches that have arrived already are stored together: one fsync
		// and one ack for all. Any other frame stores them first.
		if f.Type == syncproto.TypeEvents {
			pending = append(pending, f.Batch)
			if r.Buffered() > 0 && len(pending) < maxCoalesce {
				continue
			}
		}
		if len(pending) > 0 {
			ack, perr := h.receive(e, pending)
			pending = pending[:0]
			if perr != nil {
				log.Warn("refused a batch", "err", perr.Message)
				refuseOn(conn, s, w, closeProtocol, perr)
				return
			}
			if err := w.Write(&syncproto.Frame{Type: syncproto.TypeAck, Ack: ack}); err != nil {
				return
			}
		}
		switch f.Type {
		case syncproto.TypeEvents: // stored above
		case syncproto.TypeConfigAck:
			e.mu.Lock()
			e.configAcked = max(e.configAcked, f.ConfigAck)
			e.mu.Unlock()
		case syncproto.TypeStatus: // from an edge that lists CapStatus, or one older than capability lists
			e.mu.Lock()
			e.staff, e.staffAt = f.Status, time.Now()
			e.mu.Unlock()
		default:
			refuseOn(conn, s, w, closeProtocol, &syncproto.Error{Code: syncproto.CodeBadFrame, Message: fmt.Sprintf("an edge does not send %s frames", f.Type)})
			return
		}
	}
}

// maxCoalesce bounds the batches stored in one write.
const maxCoalesce = 16

// receive stores consecutive batches in one durable write. What the hub
// holds already (sent again after a lost ack) is acknowledged and not
// stored twice; a batch that would leave a gap, or holds an event that does
// not decode, is refused and nothing of the write is stored.
func (h *Hub) receive(e *edgeState, batches []*syncproto.Batch) (*syncproto.Ack, *syncproto.Error) {
	stored := e.stored.Load()
	next := stored + 1
	var fresh [][]byte
	var lastTS int64
	dups := 0
	for _, b := range batches {
		e.mu.Lock()
		e.head = max(e.head, b.Head)
		e.mu.Unlock()
		if b.Last() < next {
			dups += len(b.Events)
			continue
		}
		if b.First > next {
			return nil, &syncproto.Error{Code: syncproto.CodeGap,
				Message: fmt.Sprintf("the batch starts at %d but the hub has up to %d: send from %d", b.First, next-1, next)}
		}
		skip := next - b.First
		dups += int(skip)
		for i, raw := range b.Events[skip:] {
			ev, err := h.codec.Decode(raw)
			if err != nil {
				return nil, &syncproto.Error{Code: syncproto.CodeBadFrame, Message: fmt.Sprintf("event %d: %v", next+uint64(i), err)}
			}
			lastTS = ev.TS
		}
		fresh = append(fresh, b.Events[skip:]...)
		next = b.Last() + 1
	}
	if dups > 0 {
		h.m.duplicates.WithLabelValues(e.name).Add(float64(dups))
	}
	if len(fresh) == 0 {
		return &syncproto.Ack{Stored: stored, Applied: e.store.Applied()}, nil
	}
	if err := h.elog.Append(e.name, stored+1, fresh); err != nil {
		h.log.Error("cannot store an edge's events", "edge", e.name, "err", err)
		return nil, &syncproto.Error{Code: syncproto.CodeInternal, Message: "the hub could not store the batch: it will be sent again"}
	}
	e.stored.Store(next - 1)
	e.mu.Lock()
	e.lastTS = lastTS
	e.mu.Unlock()
	h.m.events.WithLabelValues(e.name).Add(float64(len(fresh)))
	select {
	case e.kick <- struct{}{}:
	default:
	}
	return &syncproto.Ack{Stored: next - 1, Applied: e.store.Applied()}, nil
}
