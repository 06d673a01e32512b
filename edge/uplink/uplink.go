// Package uplink ships an edge's event log to its hub over QUIC with
// mutual TLS (docs/sync.md): enrolment with a one-time token, then a sync
// stream that sends from the last sequence the hub acknowledged, batches
// and pipelines, seals what the tenant keeps in region, and reconnects with
// exponential back-off and jitter.
package uplink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/edge/residency"
	"github.com/edgedesk/edgedesk/internal/atomicfile"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// Options configure an uplink.
type Options struct {
	Addr string // the hub's QUIC address
	Dir  string // where Enroll wrote the edge's certificate
	// EnrollTokenFile, Name and Region enrol an edge that has no
	// certificate in Dir yet.
	EnrollTokenFile string
	Name, Region    string
	Log             *slog.Logger
	QUIC            *quic.Config

	// Read delivers the edge's log from a sequence, in order, until ctx
	// ends (bus.Read); Head is the log's last sequence (bus.LastSeq).
	Read func(ctx context.Context, from uint64, fn func(seq uint64, data []byte)) error
	Head func(ctx context.Context) (uint64, error)
	// Policy is a tenant's residency policy as the edge's state has it.
	Policy func(tenant string) residency.Policy
	Sealer *residency.Sealer
	// ApplyConfig appends configuration events from the hub to the edge's
	// log and returns once they are applied. Nil: the edge takes none.
	ApplyConfig func(ctx context.Context, events [][]byte) error

	// Staff is the region's agents by tenant now, for the hub's live
	// figures: looked at every second, sent when it changed and at least
	// every StatusEvery (0: 10 s). Nil: none sent.
	Staff       func() []syncproto.TenantStatus
	StatusEvery time.Duration

	BatchEvents int           // events per batch; 0: 1024
	BatchBytes  int           // bytes per batch; 0: 1 MiB
	Window      uint64        // events sent and not yet acknowledged; 0: 32768
	MaxBackoff  time.Duration // longest wait between attempts; 0: 30 s
}

// Status is the uplink as GET /api/v1/status shows it.
type Status struct {
	Connected bool   `json:"connected"`
	AckedSeq  uint64 `json:"acked_seq"`
	Error     string `json:"error,omitempty"`
}

// Uplink is an edge's link to its hub.
type Uplink struct {
	o         Options
	codec     *event.Codec
	connected atomic.Bool
	// plainHello: the hub refused a hello that listed capabilities (it
	// is older than them); the next session says hello without them
	plainHello atomic.Bool
	warnedOld  atomic.Bool // the warning that the hub is older was logged
	acked      atomic.Uint64
	head       atomic.Uint64

	mu       sync.Mutex
	lastErr  string
	policies map[string]residency.Policy // by tenant, as of the log position sent
}

// New returns an uplink; Run starts it.
func New(o Options) *Uplink {
	if o.BatchEvents == 0 {
		o.BatchEvents = 1024
	}
	if o.BatchBytes == 0 {
		o.BatchBytes = 1 << 20
	}
	if o.Window == 0 {
		o.Window = 32768
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.StatusEvery == 0 {
		o.StatusEvery = 10 * time.Second
	}
	return &Uplink{o: o, codec: event.NewCodec(), policies: map[string]residency.Policy{}}
}

// Status reports the link.
func (u *Uplink) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	return Status{Connected: u.connected.Load(), AckedSeq: u.acked.Load(), Error: u.lastErr}
}

// ErrNotEnrolled is wrapped by the error of an uplink that has neither a
// hub certificate nor an enrolment token.
var ErrNotEnrolled = errors.New("no hub certificate and no enrolment token")

// Check says, without the network, whether an uplink with these Dir and
// EnrollTokenFile can link at all: an edge enrolled already needs its
// certificate, key and the hub's authority readable in dir; one that is
// not needs a readable, well-formed enrolment token. The error says what
// to do. Run fails the same way before an enrolment; it retries an
// unreadable certificate (the files may be restored meanwhile).
func Check(dir, tokenFile string) error {
	if Enrolled(dir) {
		if _, _, err := loadIdentity(dir); err != nil {
			return fmt.Errorf("%w in %s: restore the files Enroll wrote there, or remove %s and enrol the edge again with a new token (--enroll-token-file)",
				err, dir, filepath.Join(dir, certFile))
		}
		return nil
	}
	if tokenFile == "" {
		return fmt.Errorf("this edge has %w (none in %s): start it with --enroll-token-file and a token from `hub enroll-token`, or without --hub to run alone",
			ErrNotEnrolled, dir)
	}
	if _, err := readToken(tokenFile); err != nil {
		return fmt.Errorf("%w: give --enroll-token-file a file holding the token `hub enroll-token` printed", err)
	}
	return nil
}

// Run keeps a sync session with the hub until ctx ends, reconnecting after
// each failure with exponential back-off and full jitter. It returns nil
// when ctx ends, and an error when linking cannot succeed however often it
// is tried: no certificate and no token, a token that cannot be read, or
// a token the hub refuses.
func (u *Uplink) Run(ctx context.Context) error {
	err := u.run(ctx)
	if err != nil {
		u.mu.Lock()
		u.lastErr = err.Error()
		u.mu.Unlock()
	}
	return err
}

func (u *Uplink) run(ctx context.Context) error {
	const base = 200 * time.Millisecond
	attempt := 0
	for ctx.Err() == nil {
		var welcomed bool
		var err error
		if !Enrolled(u.o.Dir) {
			if err := Check(u.o.Dir, u.o.EnrollTokenFile); err != nil {
				return err
			}
			if err = Enroll(ctx, u.o.Addr, u.o.EnrollTokenFile, u.o.Name, u.o.Region, u.o.Dir, u.o.QUIC); err == nil {
				u.o.Log.Info("enrolled with the hub", "hub", u.o.Addr, "as", u.o.Name, "region", u.o.Region)
				continue
			}
			var refused *syncproto.Error
			if errors.As(err, &refused) && refused.Code == syncproto.CodeToken && ctx.Err() == nil {
				return fmt.Errorf("%w: get a new token with `hub enroll-token` and start the edge with it (--enroll-token-file)", err)
			}
		} else {
			welcomed, err = u.session(ctx)
		}
		u.connected.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errPlainHello) {
			u.o.Log.Info("saying hello again without capabilities", "err", err)
			continue // at once
		}
		if welcomed {
			attempt = 0
		}
		u.mu.Lock()
		u.lastErr = err.Error()
		u.mu.Unlock()
		wait := min(u.o.MaxBackoff, base<<min(attempt, 16))
		var refused *syncproto.Error
		if errors.As(err, &refused) && (refused.Code == syncproto.CodeRevoked || refused.Code == syncproto.CodeUnknown) {
			u.o.Log.Error("the hub refuses this edge; it keeps serving alone", "err", err)
			wait = u.o.MaxBackoff
		} else {
			u.o.Log.Warn("hub link down; retrying", "err", err, "attempt", attempt+1)
		}
		attempt++
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(rand.Int64N(int64(wait)) + 1)):
		}
	}
	return nil
}

// errPlainHello ends a session whose hello, listing capabilities, the hub
// refused as a bad frame: a hub older than capability lists. The next
// session says hello without them.
var errPlainHello = errors.New("the hub refused a hello with capabilities: it is older than this edge")

type raw struct {
	seq  uint64
	data []byte
}

// session runs one connection: it reports whether the hub welcomed the
// edge, and why the session ended.
func (u *Uplink) session(ctx context.Context) (bool, error) {
	cert, ca, err := loadIdentity(u.o.Dir)
	if err != nil {
		return false, err
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(dctx, u.o.Addr, pki.EdgeTLS(cert, ca.Pool(), syncproto.ALPNSync), u.o.QUIC)
	if err != nil {
		var te *quic.TransportError
		if errors.As(err, &te) && te.Remote && te.ErrorCode.IsCryptoError() {
			return false, fmt.Errorf("the hub refused this edge's certificate (%s): enrol the edge again with a new token", te.ErrorMessage)
		}
		return false, fmt.Errorf("dial the hub at %s: %w", u.o.Addr, err)
	}
	defer conn.CloseWithError(0, "")
	s, err := conn.OpenStreamSync(dctx)
	if err != nil {
		return false, fmt.Errorf("open the sync stream: %w", closeReason(conn, err))
	}
	head, err := u.o.Head(ctx)
	if err != nil {
		return false, err
	}
	u.head.Store(head)
	w := syncproto.NewWriter(s)
	configSeq := u.configSeq()
	hello := &syncproto.Hello{V: syncproto.Version, Head: head, ConfigSeq: configSeq}
	if !u.plainHello.Swap(false) {
		// a hub older than capabilities refuses both
		hello.Caps = syncproto.Caps()
		if u.o.Sealer != nil {
			hello.SealKey = u.o.Sealer.PublicKey()
		}
	}
	if err := w.Write(&syncproto.Frame{Type: syncproto.TypeHello, Hello: hello}); err != nil {
		return false, fmt.Errorf("send hello: %w", closeReason(conn, err))
	}
	r := syncproto.NewReader(s)
	f, err := r.Read()
	switch {
	case err != nil:
		return false, fmt.Errorf("read welcome: %w", closeReason(conn, err))
	case f.Type == syncproto.TypeError && f.Error.Code == syncproto.CodeBadFrame && len(hello.Caps) > 0:
		// a hub older than capability lists refuses the field
		u.plainHello.Store(true)
		return false, fmt.Errorf("%w (%v)", errPlainHello, f.Error)
	case f.Type == syncproto.TypeError:
		return false, fmt.Errorf("the hub refused the sync: %w", f.Error)
	case f.Type != syncproto.TypeWelcome:
		return false, fmt.Errorf("the hub answered hello with a %s frame", f.Type)
	}
	hubCaps := f.Welcome.Caps
	if u.o.Staff != nil && !syncproto.HasCap(hubCaps, syncproto.CapStatus) {
		if !u.warnedOld.Swap(true) {
			u.o.Log.Warn("the hub does not take the region's agents (it is older than this edge): upgrade it; events sync without them")
		}
	} else {
		u.warnedOld.Store(false)
	}
	acked := f.Welcome.Acked
	u.acked.Store(acked)
	u.connected.Store(true)
	u.mu.Lock()
	u.lastErr = ""
	u.mu.Unlock()
	u.o.Log.Info("hub link up", "hub", u.o.Addr, "as", f.Welcome.Edge, "region", f.Welcome.Region, "hub_has", acked, "head", head,
		"hub_caps", hubCaps)

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 3)
	ackc := make(chan struct{}, 1)
	go func() { // acknowledgements
		for {
			f, err := r.Read()
			if err != nil {
				errc <- fmt.Errorf("hub link: %w", closeReason(conn, err))
				return
			}
			switch f.Type {
			case syncproto.TypeAck:
				u.acked.Store(max(u.acked.Load(), f.Ack.Stored))
				select {
				case ackc <- struct{}{}:
				default:
				}
			case syncproto.TypeConfig:
				if err := u.applyConfig(sctx, w, f.Batch, &configSeq); err != nil {
					errc <- err
					return
				}
			case syncproto.TypeError:
				errc <- fmt.Errorf("the hub closed the sync: %w", f.Error)
				return
			default:
				errc <- fmt.Errorf("the hub sent a %s frame on the sync stream", f.Type)
				return
			}
		}
	}()
	in := make(chan raw, 4*u.o.BatchEvents)
	go func() { // the log, from what the hub has
		err := u.o.Read(sctx, acked+1, func(seq uint64, data []byte) {
			select {
			case in <- raw{seq, data}:
			case <-sctx.Done():
			}
		})
		if err != nil {
			errc <- err
		}
	}()
	go func() { // the head, for the hub's lag figures
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				if h, err := u.o.Head(sctx); err == nil {
					u.head.Store(h)
				}
			}
		}
	}()
	if u.o.Staff != nil && syncproto.HasCap(hubCaps, syncproto.CapStatus) {
		go u.sendStatus(sctx, w, errc)
	}
	var buf []byte
	batch := &syncproto.Batch{}
	next := acked + 1
	for {
		var first raw
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case err := <-errc:
			return true, err
		case first = <-in:
		}
		batch.Events = batch.Events[:0]
		batch.First = first.seq
		size := 0
		add := func(r raw) error {
			if r.seq != next {
				return fmt.Errorf("the log skipped from %d to %d", next-1, r.seq)
			}
			b, err := u.seal(r)
			if err != nil {
				return err
			}
			batch.Events = append(batch.Events, b)
			size += len(b)
			next++
			return nil
		}
		if err := add(first); err != nil {
			return true, err
		}
	fill:
		for len(batch.Events) < u.o.BatchEvents && size < u.o.BatchBytes {
			select {
			case r := <-in:
				if err := add(r); err != nil {
					return true, err
				}
			default:
				break fill
			}
		}
		// flow control: at most Window events unacknowledged
		for batch.Last() > u.acked.Load()+u.o.Window {
			select {
			case <-ctx.Done():
				return true, ctx.Err()
			case err := <-errc:
				return true, err
			case <-ackc:
			}
		}
		batch.Head = max(u.head.Load(), batch.Last())
		if buf, err = syncproto.Append(buf[:0], &syncproto.Frame{Type: syncproto.TypeEvents, Batch: batch}); err != nil {
			return true, err
		}
		if err := w.WriteRaw(buf); err != nil {
			return true, fmt.Errorf("send events: %w", closeReason(conn, err))
		}
	}
}

// sendStatus sends the region's agents now, then when they change (looked
// at every second) and at least every StatusEvery, until ctx ends; a
// write that fails ends the session.
func (u *Uplink) sendStatus(ctx context.Context, w *syncproto.Writer, errc chan<- error) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last []syncproto.TenantStatus
	var sent time.Time
	for {
		var tenants []syncproto.TenantStatus
		for _, t := range u.o.Staff() {
			if t.Tenant != "" && len(t.Tenant) <= 64 && len(tenants) < syncproto.MaxStatusTenants {
				t.Busy = min(t.Busy, t.Online)
				tenants = append(tenants, t)
			}
		}
		if now := time.Now(); !slices.Equal(tenants, last) || now.Sub(sent) >= u.o.StatusEvery {
			st := &syncproto.Status{Time: now.UnixMilli(), Tenants: tenants}
			if err := w.Write(&syncproto.Frame{Type: syncproto.TypeStatus, Status: st}); err != nil {
				select {
				case errc <- fmt.Errorf("send status: %w", err):
				default:
				}
				return
			}
			last, sent = tenants, now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// seal returns an entry as it may leave the region: the fields its
// tenant's policy keeps in region sealed or blanked. Policies are taken in
// log order: a tenant event changes the policy from the next event on.
func (u *Uplink) seal(r raw) ([]byte, error) {
	e, err := u.codec.Decode(r.data)
	if err != nil {
		// Not an event (the edge skipped it too): its bytes may hold
		// anything, so a placeholder goes in its place.
		u.o.Log.Warn("sending a placeholder for a malformed log entry", "seq", r.seq, "err", err)
		return u.codec.Encode(&event.Event{ID: fmt.Sprintf("malformed-%d", r.seq), Kind: KindMalformed,
			Tenant: "edgedesk", Actor: event.Actor{Kind: event.ActorSystem}})
	}
	if e.Kind == event.KindTenantUpserted && e.TenantInfo != nil {
		u.policies[e.Tenant] = residency.Policy{Fields: e.TenantInfo.Residency, Redact: e.TenantInfo.ResidencyMode == "redact"}
		return r.data, nil
	}
	p, ok := u.policies[e.Tenant]
	if !ok && u.o.Policy != nil {
		p = u.o.Policy(e.Tenant)
		u.policies[e.Tenant] = p
	}
	if len(p.Fields) > 0 && u.o.Sealer == nil {
		return nil, fmt.Errorf("event %d: tenant %s keeps fields in region but this uplink has no region key", r.seq, e.Tenant)
	}
	if len(p.Fields) == 0 || !u.o.Sealer.Apply(e, p) {
		return r.data, nil
	}
	b, err := u.codec.Encode(e)
	if err != nil {
		// never send the clear original instead: stop syncing
		return nil, fmt.Errorf("seal event %d: %w", r.seq, err)
	}
	return b, nil
}

// KindMalformed stands in, on the hub, for a log entry of the edge that is
// not an event.
const KindMalformed event.Kind = "log.malformed"

// configSeqFile records the last configuration sequence the edge applied.
const configSeqFile = "config-seq"

func (u *Uplink) configSeq() uint64 {
	b, err := os.ReadFile(filepath.Join(u.o.Dir, configSeqFile))
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// applyConfig applies a batch of the hub's configuration log, records how
// far it got and tells the hub. A batch from before *seq (sent again) is
// applied again: configuration events are upserts, and the log drops
// repeated ids.
func (u *Uplink) applyConfig(ctx context.Context, w *syncproto.Writer, b *syncproto.Batch, seq *uint64) error {
	if u.o.ApplyConfig == nil {
		return nil
	}
	if b.First > *seq+1 {
		return fmt.Errorf("the hub's configuration jumps from %d to %d", *seq, b.First)
	}
	if err := u.o.ApplyConfig(ctx, b.Events); err != nil {
		return fmt.Errorf("apply the hub's configuration %d-%d: %w", b.First, b.Last(), err)
	}
	*seq = max(*seq, b.Last())
	if err := atomicfile.Write(filepath.Join(u.o.Dir, configSeqFile), []byte(strconv.FormatUint(*seq, 10)+"\n"), 0o600); err != nil {
		return err
	}
	u.o.Log.Info("applied the hub's configuration", "through", *seq, "events", len(b.Events))
	return w.Write(&syncproto.Frame{Type: syncproto.TypeConfigAck, ConfigAck: *seq})
}

// closeReason prefers the hub's reason for closing the connection to the
// stream error it caused.
func closeReason(conn *quic.Conn, err error) error {
	if cause := context.Cause(conn.Context()); cause != nil {
		err = cause
	}
	var ae *quic.ApplicationError
	if errors.As(err, &ae) && ae.Remote {
		return fmt.Errorf("the hub closed the connection: %s", ae.ErrorMessage)
	}
	var te *quic.TransportError
	if errors.As(err, &te) && te.Remote && te.ErrorCode.IsCryptoError() {
		return fmt.Errorf("the hub refused this edge's certificate (%s): enrol the edge again with a new token", te.ErrorMessage)
	}
	return err
}
