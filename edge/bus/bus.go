package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// Durability modes: when an append is acknowledged.
const (
	// DurabilityProcess acknowledges once JetStream has written the event
	// to the operating system: it survives the process being killed.
	DurabilityProcess = "process"
	// DurabilityGroupFsync also waits for an fsync of the log's file system,
	// shared by every append in flight (group commit): it survives a
	// machine crash or power loss.
	DurabilityGroupFsync = "group-fsync"
	// DurabilityAlwaysFsync has JetStream fsync every write itself
	// (sync_always). Kept for comparison; group-fsync gives the same
	// guarantee with higher throughput.
	DurabilityAlwaysFsync = "always-fsync"
)

// StreamName is the JetStream stream holding the event log.
const StreamName = "EVENTS"

// SubjectPrefix starts every event subject: ev.<tenant>.
const SubjectPrefix = "ev."

// Options configure the bus.
type Options struct {
	Dir        string // JetStream store directory
	ServerName string // unique per node of a cluster
	// ClientListen opens a NATS client port for tools ("host:port");
	// empty means in-process connections only, and no port at all.
	ClientListen string
	// ClientAccess is what the tools' nkey may do: AccessRead (default)
	// or AccessOperate.
	ClientAccess string
	// ToolsNkeyFile and SystemNkeyFile hold the nkey seeds of the tools'
	// user and of the system account's user, made on first start; empty:
	// keys that live in memory only (nobody can use them).
	ToolsNkeyFile, SystemNkeyFile string
	// Secrets are the region secret and those it accepts: they sign the
	// log's events and make the routes' certificates. Required.
	Secrets Secrets
	// Cluster joins the node to a NATS cluster when Listen is set.
	Cluster  ClusterOptions
	Replicas int // stream replicas; 1 for a single node
	// Durability is one of the Durability* modes; empty means process.
	Durability string
	// DuplicateWindow is how long JetStream remembers dedupe ids.
	DuplicateWindow time.Duration
	Log             *slog.Logger
}

// ClusterOptions configure NATS clustering between the edge nodes of a
// region. Routes are mutual TLS 1.3 with certificates of the region's
// route authority (secret.go).
type ClusterOptions struct {
	Name   string
	Listen string   // host:port for routes
	Routes []string // nats-route://host:port of the other nodes
}

// Bus is the embedded server, its in-process connection and the event log.
type Bus struct {
	srv    *server.Server
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	opts   Options
	gc     *groupCommit
	log    *slog.Logger
	signer *signer
	health *health

	nRefused atomic.Uint64

	mu      sync.Mutex
	pending map[*nats.Msg]*pendingAppend // appends waiting for their ack
}

type pendingAppend struct {
	done    AppendFunc
	retries int
	first   time.Time // when it was first published
}

// An append whose acknowledgement does not come within ackTimeout is
// published again, with the same id, until appendBudget has passed since
// the first try. An append in flight when the stream's leader changes
// gets no answer at all; asking again reaches the new leader, and the id
// makes JetStream store it once whichever attempt arrived.
const (
	ackTimeout   = 3 * time.Second
	appendBudget = 30 * time.Second
)

// errDuplicateInProcess is JetStream's answer when another append with the
// same id is being stored at that moment (on another node of a cluster):
// asking again shortly gets the original's sequence.
const errDuplicateInProcess = 10158

// AppendFunc receives the outcome of an asynchronous append: the event's
// sequence (for a duplicate id, the original's, with dup set) or an error.
// It runs on the bus's acknowledgement goroutine and must not block.
type AppendFunc func(seq uint64, dup bool, err error)

// Start starts the embedded server, waits until it accepts and JetStream is
// ready, and creates or updates the event stream.
func Start(ctx context.Context, o Options) (*Bus, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	switch o.Durability {
	case "":
		o.Durability = DurabilityProcess
	case DurabilityProcess, DurabilityGroupFsync, DurabilityAlwaysFsync:
	default:
		return nil, fmt.Errorf("%w %q: use %s, %s or %s", ErrBadDurability, o.Durability,
			DurabilityProcess, DurabilityGroupFsync, DurabilityAlwaysFsync)
	}
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = 10 * time.Minute
	}
	if err := o.Secrets.check(); err != nil {
		return nil, err
	}
	if o.ClientAccess == "" {
		o.ClientAccess = AccessRead
	}
	if o.ClientAccess != AccessRead && o.ClientAccess != AccessOperate {
		return nil, fmt.Errorf("client access %q: use %s or %s", o.ClientAccess, AccessRead, AccessOperate)
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create event log directory: %w", err)
	}
	if err := moveGlobalAccount(o.Dir, o.Cluster.Listen != "", o.Log); err != nil {
		return nil, err
	}
	self, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	sopts, err := serverOptions(o, self)
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("configure embedded NATS: %w", err)
	}
	srv.SetLoggerV2(newNATSLogger(o.Log.With("component", "nats")), false, false, false)
	go srv.Start()
	if err := waitReady(srv, sopts); err != nil {
		srv.Shutdown()
		return nil, err
	}
	pub, err := self.PublicKey()
	if err != nil {
		srv.Shutdown()
		return nil, err
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("edgedesk-edge"), nats.Nkey(pub, self.Sign),
		nats.MaxReconnects(-1), nats.ReconnectBufSize(64<<20))
	if err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("connect to embedded NATS: %w", err)
	}
	b := &Bus{srv: srv, nc: nc, opts: o, log: o.Log, pending: map[*nats.Msg]*pendingAppend{}, signer: newSigner(o.Secrets)}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1<<16),
		jetstream.WithPublishAsyncAckHandler(b.onAck), jetstream.WithPublishAsyncErrHandler(b.onAckErr),
		jetstream.WithPublishAsyncTimeout(ackTimeout))
	if err != nil {
		nc.Close()
		srv.Shutdown()
		return nil, err
	}
	b.js = js
	if err := b.ensureStream(ctx); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.loadSignedFrom(ctx); err != nil {
		b.Close()
		return nil, err
	}
	if o.Durability == DurabilityGroupFsync {
		gc, err := newGroupCommit(o.Dir)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.gc = gc
	}
	b.health = newHealth(b)
	return b, nil
}

// serverOptions are the embedded server's options: accounts and users
// (access.go), no listener but those configured, routes with mutual TLS.
func serverOptions(o Options, self nkeys.KeyPair) (*server.Options, error) {
	sopts := &server.Options{}
	pubOf := func(file string) (string, error) {
		var kp nkeys.KeyPair
		var err error
		if file == "" {
			kp, err = nkeys.CreateUser()
		} else {
			kp, err = loadOrCreateSeed(file)
		}
		if err != nil {
			return "", err
		}
		return kp.PublicKey()
	}
	edgePub, err := self.PublicKey()
	if err != nil {
		return nil, err
	}
	toolsPub, err := pubOf(o.ToolsNkeyFile)
	if err != nil {
		return nil, err
	}
	sysPub, err := pubOf(o.SystemNkeyFile)
	if err != nil {
		return nil, err
	}
	if err := sopts.ProcessConfigString(accessConfig(edgePub, toolsPub, sysPub, o.ClientAccess)); err != nil {
		return nil, fmt.Errorf("configure embedded NATS accounts: %w", err)
	}
	sopts.ServerName = o.ServerName
	sopts.JetStream = true
	sopts.StoreDir = o.Dir
	sopts.NoSigs = true
	sopts.MaxPayload = 2 << 20
	sopts.JetStreamMaxMemory = 256 << 20
	sopts.DisableJetStreamBanner = true
	// a client port, when there is one, tells clients only its own
	// address
	sopts.Cluster.NoAdvertise = true
	// a peer that stays away is reported once an hour, not every second
	sopts.ReconnectErrorReports = 3600
	sopts.ConnectErrorReports = 3600
	if o.Durability == DurabilityAlwaysFsync {
		sopts.SyncAlways = true
		sopts.SyncInterval = 2 * time.Minute
	}
	switch {
	case o.ClientListen == "" && o.Cluster.Listen != "":
		// nats-server starts its routes only once its client listener is
		// up or has failed (Server.Start waits for it), and DontListen
		// never starts it: a clustered node without a client port asks
		// for one on an address no interface has, the bind fails at
		// once, and the routes start. No client port opens.
		sopts.Host, sopts.Port = unboundHost, server.RANDOM_PORT
	case o.ClientListen == "":
		sopts.DontListen = true
	default:
		host, port, err := splitHostPort(o.ClientListen)
		if err != nil {
			return nil, fmt.Errorf("nats client listen address: %w", err)
		}
		sopts.Host, sopts.Port = host, port
	}
	if o.Cluster.Listen != "" {
		host, port, err := splitHostPort(o.Cluster.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats cluster listen address: %w", err)
		}
		sopts.Cluster.Name = o.Cluster.Name
		sopts.Cluster.Host, sopts.Cluster.Port = host, port
		for _, r := range o.Cluster.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("nats route %q: %w", r, err)
			}
			sopts.Routes = append(sopts.Routes, u)
		}
		if o.ServerName == "" {
			return nil, errors.New("a clustered node needs a unique server name (node.id)")
		}
		if sopts.Cluster.TLSConfig, err = routeTLS(o.Secrets, o.ServerName); err != nil {
			return nil, err
		}
		sopts.Cluster.TLSTimeout = 5
	}
	return sopts, nil
}

func (b *Bus) ensureStream(ctx context.Context) error {
	cfg := jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Edgedesk event log",
		Subjects:    []string{SubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    b.opts.Replicas,
		Duplicates:  b.opts.DuplicateWindow,
		MaxMsgSize:  1 << 20,
		Discard:     jetstream.DiscardNew,
		// only the edge's own retention policy may remove events
		DenyDelete: true,
		DenyPurge:  true,
	}
	// A cluster elects its JetStream meta leader after start; retry until
	// the stream can be created.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		s, err := b.js.CreateOrUpdateStream(cctx, cfg)
		cancel()
		if err == nil {
			b.stream = s
			return checkStream(s.CachedInfo().Config, cfg)
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("create event stream %s: %w", StreamName, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Conn is the in-process NATS connection, for live subjects.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Server is the embedded NATS server.
func (b *Bus) Server() *server.Server { return b.srv }

// Durability is the mode in force.
func (b *Bus) Durability() string { return b.opts.Durability }

// Subject is the event-log subject of a tenant.
func Subject(tenant string) string { return SubjectPrefix + tenant }

// Append stores data in the log under the dedupe id and returns its
// sequence. If the id was appended before (within the duplicate window), the
// original sequence is returned with dup set.
func (b *Bus) Append(ctx context.Context, subject, id string, data []byte) (seq uint64, dup bool, err error) {
	type result struct {
		seq uint64
		dup bool
		err error
	}
	ch := make(chan result, 1)
	b.AppendAsync(subject, id, data, func(seq uint64, dup bool, err error) { ch <- result{seq, dup, err} })
	select {
	case r := <-ch:
		return r.seq, r.dup, r.err
	case <-ctx.Done():
		return 0, false, ctx.Err()
	}
}

// AppendAsync appends like Append without waiting: done is called once with
// the outcome. Appends from one goroutine are stored, and acknowledged, in
// the order they were made.
func (b *Bus) AppendAsync(subject, id string, data []byte, done AppendFunc) {
	m := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	m.Header.Set(jetstream.MsgIDHeader, id)
	m.Header.Set(SignatureHeader, b.signer.sign(subject, id, data))
	b.publish(m, &pendingAppend{done: done, first: time.Now()})
}

func (b *Bus) publish(m *nats.Msg, p *pendingAppend) {
	b.mu.Lock()
	b.pending[m] = p
	b.mu.Unlock()
	if _, err := b.js.PublishMsgAsync(m); err != nil {
		b.take(m)
		p.done(0, false, fmt.Errorf("append to event log: %w", err))
	}
}

func (b *Bus) take(m *nats.Msg) *pendingAppend {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[m]
	delete(b.pending, m)
	return p
}

func (b *Bus) onAck(_ jetstream.JetStream, m *nats.Msg, ack *jetstream.PubAck) {
	p := b.take(m)
	if p == nil {
		return
	}
	if b.gc == nil {
		p.done(ack.Sequence, ack.Duplicate, nil)
		return
	}
	seq, dup := ack.Sequence, ack.Duplicate
	b.gc.sync(func(err error) {
		if err != nil {
			p.done(0, false, fmt.Errorf("fsync event log: %w", err))
			return
		}
		p.done(seq, dup, nil)
	})
}

func (b *Bus) onAckErr(_ jetstream.JetStream, m *nats.Msg, err error) {
	p := b.take(m)
	if p == nil {
		return
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errDuplicateInProcess && p.retries < 50 {
		p.retries++
		time.AfterFunc(20*time.Millisecond, func() { b.publish(m, p) })
		return
	}
	if errors.Is(err, jetstream.ErrAsyncPublishTimeout) && time.Since(p.first) < appendBudget-ackTimeout && !b.nc.IsClosed() {
		// (called under the publisher's lock: publish from elsewhere)
		p.retries++
		time.AfterFunc(0, func() { b.publish(m, p) })
		return
	}
	p.done(0, false, fmt.Errorf("append to event log: %w", err))
}

// LastSeq is the log's last sequence.
func (b *Bus) LastSeq(ctx context.Context) (uint64, error) {
	info, err := b.patientInfo(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}

// patientInfo asks for the stream's state until it answers or ctx ends.
func (b *Bus) patientInfo(ctx context.Context) (*jetstream.StreamInfo, error) {
	for {
		// A clustered stream can leave an API request unanswered (while
		// its leader is being elected), so one request must not wait for
		// all of ctx: ask again.
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		info, err := b.stream.Info(actx)
		cancel()
		if err == nil {
			return info, nil
		}
		if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("event log info: %w", err)
		}
		b.log.Warn("event log info: no answer in 2s, asking again")
	}
}

// StreamInfo returns the stream's state for health and metrics.
func (b *Bus) StreamInfo(ctx context.Context) (*jetstream.StreamInfo, error) {
	return b.stream.Info(ctx)
}

// Healthy reports whether the server runs and JetStream is enabled.
func (b *Bus) Healthy() bool {
	return b.srv.Running() && b.srv.JetStreamEnabled() && b.nc.IsConnected()
}

// readHeartbeat is how often the server tells a reading node it is still
// there while the log is idle. In a cluster the reading consumer lives on
// any node of the region; when that node goes, the reader notices after
// two missed heartbeats and starts again elsewhere. Meanwhile this node
// applies nothing, and its clients wait for their acknowledgements: with
// 2 s, writes paused 4 s whenever a node left.
const readHeartbeat = 500 * time.Millisecond

// Read delivers the log's events from sequence from (1 for all), in order,
// to fn until ctx ends. fn runs on one goroutine. An entry the region did
// not sign is delivered with nil data: its sequence passes, nothing of it
// is read, and the log says why.
func (b *Bus) Read(ctx context.Context, from uint64, fn func(seq uint64, data []byte)) error {
	if from < 1 {
		from = 1
	}
	cons, err := b.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return fmt.Errorf("read event log from %d: %w", from, err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			b.log.Error("event without metadata", "err", err)
			return
		}
		seq := md.Sequence.Stream
		if err := b.signer.check(seq, m.Subject(), m.Headers(), m.Data()); err != nil {
			b.refused(seq, err)
			fn(seq, nil)
			return
		}
		fn(seq, m.Data())
	}, jetstream.PullMaxMessages(2048), jetstream.PullExpiry(10*time.Second), jetstream.PullHeartbeat(readHeartbeat))
	if err != nil {
		return fmt.Errorf("read event log from %d: %w", from, err)
	}
	<-ctx.Done()
	cc.Stop()
	return nil
}

func (b *Bus) refused(seq uint64, err error) {
	// the first ten, then one in a thousand: a damaged store must not
	// flood the log
	if n := b.nRefused.Add(1); n <= 10 || n%1000 == 0 {
		b.log.Warn("refusing an event the region did not sign: it is skipped", "seq", seq, "why", err, "refused_so_far", n)
	}
}

// Close drains the connection and shuts the server down.
func (b *Bus) Close() {
	if b.health != nil {
		b.health.stop()
	}
	if b.gc != nil {
		b.gc.close()
	}
	if b.nc != nil {
		_ = b.nc.Drain()
		b.nc.Close()
	}
	b.mu.Lock()
	left := b.pending
	b.pending = map[*nats.Msg]*pendingAppend{}
	b.mu.Unlock()
	for _, p := range left {
		p.done(0, false, ErrClosed)
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

func splitHostPort(a string) (string, int, error) {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if n == 0 {
		n = server.RANDOM_PORT
	}
	return h, n, nil
}

// unboundHost is TEST-NET-1 (RFC 5737): an address of no interface, so
// binding it fails, and no packet to it reaches this machine even where
// non-local binds are allowed.
const unboundHost = "192.0.2.1"

// waitReady waits until the server has started: with a client or route
// listener, until they listen (a client listener on unboundHost never
// does, by design).
func waitReady(srv *server.Server, o *server.Options) error {
	if o.Host != unboundHost {
		if !srv.ReadyForConnections(10 * time.Second) {
			return errors.New("embedded NATS did not become ready in 10s: check the log for the cause")
		}
		return nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.ClusterAddr() == nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("embedded NATS did not listen for routes on %s in 10s: check the log for the cause",
				net.JoinHostPort(o.Cluster.Host, strconv.Itoa(o.Cluster.Port)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// storeDir is where the stream's files live, for the group commit.
func storeDir(dir string) string { return filepath.Join(dir, "jetstream") }

// KeyValue opens (making it when missing) a key-value bucket of the
// region, replicated as the event stream is; ttl > 0 expires its keys.
func (b *Bus) KeyValue(ctx context.Context, bucket string, ttl time.Duration) (jetstream.KeyValue, error) {
	return b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, TTL: ttl, Replicas: b.opts.Replicas,
		Storage: jetstream.FileStorage, History: 1})
}
