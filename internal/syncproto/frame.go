package syncproto

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// Version is the protocol version this code speaks. A hub answers a hello
// of another version with an error frame naming the versions it speaks.
const Version = 1

// ALPN protocol ids: enrolment (no client certificate yet) and sync
// (mutual TLS).
const (
	ALPNEnroll = "edgedesk-enroll/1"
	ALPNSync   = "edgedesk-sync/1"
)

// Limits on what a frame may hold; larger input is refused before it is
// buffered.
const (
	MaxFrame       = 8 << 20 // bytes of one frame after its length
	MaxEvent       = 1 << 20 // bytes of one event
	MaxBatchEvents = 1 << 16 // events in one Events or Config frame
)

// Type says what a frame is.
type Type byte

// Frame types. Hello, Events and ConfigAck go from edge to hub; Welcome, Ack
// and Config from hub to edge; Error either way, and the sender closes
// after it.
const (
	TypeHello     Type = 1
	TypeWelcome   Type = 2
	TypeEvents    Type = 3
	TypeAck       Type = 4
	TypeConfig    Type = 5
	TypeConfigAck Type = 6
	TypeError     Type = 7
	TypeEnroll    Type = 8
	TypeEnrolled  Type = 9
	TypeStatus    Type = 10 // edge → hub: the region's agents now, to a hub that lists CapStatus
)

// Capabilities are the optional parts of the protocol, named in the
// capability lists of hello (what the edge speaks) and welcome (what the
// hub speaks). A part is used only when both sides list it: a frame type
// or field added to the protocol gets a capability, so that neither side
// sends it to a peer that would refuse it.
//
// A peer older than the lists sends none, and its decoder refuses a field
// it does not know: a hub therefore lists its capabilities in the welcome
// only to an edge whose hello listed some, and an edge whose hello with a
// list is refused as a bad frame says hello again without one (the hub is
// older than capabilities: it speaks none of them).
const (
	CapStatus = "status" // the edge sends, the hub takes, status frames
)

// Caps is every capability this code speaks, for a hello or a welcome.
func Caps() []string { return []string{CapStatus} }

// HasCap reports whether a capability list names c.
func HasCap(caps []string, c string) bool { return slices.Contains(caps, c) }

// MaxCaps and MaxCapLen bound a capability list.
const (
	MaxCaps   = 16
	MaxCapLen = 32
)

// checkCaps says what is wrong with a capability list.
func checkCaps(caps []string) error {
	if len(caps) > MaxCaps {
		return fmt.Errorf("%d capabilities, at most %d", len(caps), MaxCaps)
	}
	for _, c := range caps {
		if c == "" || len(c) > MaxCapLen {
			return fmt.Errorf("a capability of %d bytes: 1 to %d", len(c), MaxCapLen)
		}
	}
	return nil
}

func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypeWelcome:
		return "welcome"
	case TypeEvents:
		return "events"
	case TypeAck:
		return "ack"
	case TypeConfig:
		return "config"
	case TypeConfigAck:
		return "config-ack"
	case TypeError:
		return "error"
	case TypeEnroll:
		return "enroll"
	case TypeEnrolled:
		return "enrolled"
	case TypeStatus:
		return "status"
	}
	return fmt.Sprintf("type-%d", byte(t))
}

// ErrFrame is wrapped by every decoding error.
var ErrFrame = errors.New("bad sync frame")

// Hello opens a sync stream: the edge's protocol version, the last sequence
// of its log (for the hub's lag figures), the last configuration sequence
// it applied, the capabilities it speaks (none: an edge older than
// capabilities) and, with them, the public key of its region's key, which
// the hub seals the region's secrets to (internal/sealbox).
type Hello struct {
	V         int      `cbor:"1,keyasint"`
	Head      uint64   `cbor:"2,keyasint"`
	ConfigSeq uint64   `cbor:"3,keyasint"`
	Caps      []string `cbor:"4,keyasint,omitempty"`
	SealKey   []byte   `cbor:"5,keyasint,omitempty"`
}

// Welcome answers a hello: the last sequence of this edge's log the hub has
// stored durably (the edge sends from the next one), the name and region
// the hub knows the edge by (from its certificate) and the capabilities
// the hub speaks, given only to an edge whose hello listed its own.
type Welcome struct {
	V      int      `cbor:"1,keyasint"`
	Acked  uint64   `cbor:"2,keyasint"`
	Edge   string   `cbor:"3,keyasint"`
	Region string   `cbor:"4,keyasint"`
	Caps   []string `cbor:"5,keyasint,omitempty"`
}

// Batch is a run of consecutive log entries: First is the sequence of
// Events[0], the others follow one by one. Head is the sender's last
// sequence when it sent the batch (the receiver's lag is Head minus what it
// has). Events frames carry an edge's log, Config frames the hub's
// configuration log.
type Batch struct {
	First  uint64
	Head   uint64
	Events [][]byte
}

// Last is the sequence of the batch's last event.
func (b *Batch) Last() uint64 { return b.First + uint64(len(b.Events)) - 1 }

// Ack says the hub has stored an edge's log up to Stored durably and
// applied it up to Applied.
type Ack struct {
	Stored  uint64
	Applied uint64
}

// Enroll asks an enrolment stream for a certificate: the token's secret,
// the edge's name and region (a dev token takes them from here; another
// token was issued for one edge and must match), and a PKCS#10 request.
type Enroll struct {
	Secret string `cbor:"1,keyasint"`
	Edge   string `cbor:"2,keyasint"`
	Region string `cbor:"3,keyasint"`
	CSR    []byte `cbor:"4,keyasint"`
}

// Enrolled answers Enroll: the edge's certificate and the hub's authority
// (DER).
type Enrolled struct {
	Cert []byte `cbor:"1,keyasint"`
	CA   []byte `cbor:"2,keyasint"`
}

// Status is what an edge says of its region now, every few seconds, for
// the hub's live figures: each tenant's agents as the region's presence
// has them (every node of a region sees the same).
type Status struct {
	Time    int64          `cbor:"1,keyasint"` // the edge's clock, unix ms
	Tenants []TenantStatus `cbor:"2,keyasint"`
}

// TenantStatus is a tenant's agents in the region: online, away, and of
// the online ones those serving at least one open conversation (busy).
type TenantStatus struct {
	Tenant string `cbor:"1,keyasint"`
	Online uint32 `cbor:"2,keyasint"`
	Away   uint32 `cbor:"3,keyasint"`
	Busy   uint32 `cbor:"4,keyasint"`
}

// MaxStatusTenants bounds the tenants of one Status frame.
const MaxStatusTenants = 10_000

// check says what is wrong with a status.
func (s *Status) check() error {
	if len(s.Tenants) > MaxStatusTenants {
		return fmt.Errorf("%d tenants, at most %d", len(s.Tenants), MaxStatusTenants)
	}
	for _, t := range s.Tenants {
		if t.Tenant == "" || len(t.Tenant) > 64 {
			return fmt.Errorf("a tenant id of %d bytes: 1 to 64", len(t.Tenant))
		}
		if t.Busy > t.Online {
			return fmt.Errorf("tenant %s: %d busy of %d online", t.Tenant, t.Busy, t.Online)
		}
	}
	return nil
}

// Error is a refusal with a code a program can act on and a message a
// person can.
type Error struct {
	Code    string `cbor:"1,keyasint"`
	Message string `cbor:"2,keyasint"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes.
const (
	CodeVersion  = "version" // protocol version not spoken
	CodeRevoked  = "revoked" // the edge's certificate was revoked
	CodeUnknown  = "unknown" // no such edge enrolled
	CodeGap      = "gap"     // a batch does not follow what the hub has
	CodeBadFrame = "bad_frame"
	CodeInternal = "internal" // the hub could not store: the edge retries later
	CodeToken    = "token"    // enrolment token unknown, used or expired
)

// Frame is one decoded frame: Type says which field is set.
type Frame struct {
	Type      Type
	Hello     *Hello
	Welcome   *Welcome
	Batch     *Batch // Events and Config
	Ack       *Ack
	ConfigAck uint64
	Error     *Error
	Enroll    *Enroll
	Enrolled  *Enrolled
	Status    *Status
}

// The CBOR modes are immutable once built: shared by every frame.
var (
	encMode = mustEncMode()
	decMode = mustDecMode()
)

func mustEncMode() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err) // static options
	}
	return m
}

func mustDecMode() cbor.DecMode { return decModeOf(16) }

// statusDecMode decodes Status frames: a list of tenants.
var statusDecMode = decModeOf(MaxStatusTenants)

func decModeOf(maxArray int) cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   4,
		MaxArrayElements:  maxArray,
		MaxMapPairs:       16,
		IndefLength:       cbor.IndefLengthForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err) // static options
	}
	return m
}

// Append encodes f after buf: its length, its type, its body.
func Append(buf []byte, f *Frame) ([]byte, error) {
	var body []byte
	var err error
	switch f.Type {
	case TypeHello:
		if err = checkCaps(f.Hello.Caps); err == nil {
			body, err = encMode.Marshal(f.Hello)
		}
	case TypeWelcome:
		if err = checkCaps(f.Welcome.Caps); err == nil {
			body, err = encMode.Marshal(f.Welcome)
		}
	case TypeError:
		body, err = encMode.Marshal(f.Error)
	case TypeEnroll:
		body, err = encMode.Marshal(f.Enroll)
	case TypeEnrolled:
		body, err = encMode.Marshal(f.Enrolled)
	case TypeStatus:
		if err = f.Status.check(); err == nil {
			body, err = encMode.Marshal(f.Status)
		}
	case TypeEvents, TypeConfig:
		b := f.Batch
		if len(b.Events) == 0 || len(b.Events) > MaxBatchEvents {
			return buf, fmt.Errorf("syncproto: a batch holds 1 to %d events, not %d", MaxBatchEvents, len(b.Events))
		}
		body = binary.AppendUvarint(body, b.First)
		body = binary.AppendUvarint(body, b.Head)
		body = binary.AppendUvarint(body, uint64(len(b.Events)))
		for _, e := range b.Events {
			body = binary.AppendUvarint(body, uint64(len(e)))
			body = append(body, e...)
		}
	case TypeAck:
		body = binary.AppendUvarint(body, f.Ack.Stored)
		body = binary.AppendUvarint(body, f.Ack.Applied)
	case TypeConfigAck:
		body = binary.AppendUvarint(body, f.ConfigAck)
	default:
		return buf, fmt.Errorf("syncproto: cannot encode frame type %d", f.Type)
	}
	if err != nil {
		return buf, fmt.Errorf("syncproto: encode %s: %w", f.Type, err)
	}
	if len(body)+1 > MaxFrame {
		return buf, fmt.Errorf("syncproto: %s frame of %d bytes, limit %d", f.Type, len(body)+1, MaxFrame)
	}
	buf = binary.AppendUvarint(buf, uint64(len(body)+1))
	buf = append(buf, byte(f.Type))
	return append(buf, body...), nil
}

// Reader reads frames from a stream.
type Reader struct {
	r *bufio.Reader
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// Read returns the next frame; it owns its bytes. io.EOF means the stream ended between frames; an error wrapping
// ErrFrame means the peer sent something malformed.
func (r *Reader) Read() (*Frame, error) {
	n, err := r.length()
	if err != nil {
		return nil, err
	}
	if n == 0 || n > MaxFrame {
		return nil, fmt.Errorf("%w: frame of %d bytes, limit %d", ErrFrame, n, MaxFrame)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return Decode(buf)
}

// Buffered is how many bytes of later frames have arrived already: a
// receiver may take them before it answers.
func (r *Reader) Buffered() int { return r.r.Buffered() }

// length reads a frame's uvarint length. It tells a stream that ended or
// failed (returned as is) from bytes that are no length (ErrFrame).
func (r *Reader) length() (uint64, error) {
	var n uint64
	for i := 0; ; i++ {
		c, err := r.r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if i == binary.MaxVarintLen64-1 && c > 1 {
			return 0, fmt.Errorf("%w: frame length overflows 64 bits", ErrFrame)
		}
		n |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return n, nil
		}
	}
}

// Decode parses one frame without its length prefix: a type byte and the
// body. Batches alias b.
func Decode(b []byte) (*Frame, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrFrame)
	}
	f := &Frame{Type: Type(b[0])}
	body := b[1:]
	var err error
	switch f.Type {
	case TypeHello:
		f.Hello = new(Hello)
		if err = decMode.Unmarshal(body, f.Hello); err == nil {
			f.Hello.Caps, err = caps(f.Hello.Caps)
		}
		if err == nil && len(f.Hello.SealKey) != 0 && len(f.Hello.SealKey) != 32 {
			err = fmt.Errorf("a region's public key of %d bytes, not 32", len(f.Hello.SealKey))
		}
	case TypeWelcome:
		f.Welcome = new(Welcome)
		if err = decMode.Unmarshal(body, f.Welcome); err == nil {
			f.Welcome.Caps, err = caps(f.Welcome.Caps)
		}
	case TypeError:
		f.Error = new(Error)
		if err = decMode.Unmarshal(body, f.Error); err == nil && (len(f.Error.Code) > 64 || len(f.Error.Message) > 1024) {
			err = errors.New("error code or message too long")
		}
	case TypeEnroll:
		f.Enroll = new(Enroll)
		if err = decMode.Unmarshal(body, f.Enroll); err == nil && (len(f.Enroll.Secret) > 64 || len(f.Enroll.Edge) > 64 || len(f.Enroll.Region) > 64 || len(f.Enroll.CSR) > 4096) {
			err = errors.New("field too long")
		}
	case TypeEnrolled:
		f.Enrolled = new(Enrolled)
		err = decMode.Unmarshal(body, f.Enrolled)
	case TypeStatus:
		f.Status = new(Status)
		if err = statusDecMode.Unmarshal(body, f.Status); err == nil {
			err = f.Status.check()
		}
	case TypeEvents, TypeConfig:
		f.Batch, err = decodeBatch(body)
	case TypeAck:
		f.Ack = new(Ack)
		var rest []byte
		if f.Ack.Stored, rest, err = uvarint(body, "stored"); err == nil {
			if f.Ack.Applied, rest, err = uvarint(rest, "applied"); err == nil {
				err = empty(rest)
			}
		}
	case TypeConfigAck:
		var rest []byte
		if f.ConfigAck, rest, err = uvarint(body, "sequence"); err == nil {
			err = empty(rest)
		}
	default:
		return nil, fmt.Errorf("%w: unknown frame type %d", ErrFrame, b[0])
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFrame, f.Type, err)
	}
	return f, nil
}

// caps checks a decoded capability list; an empty one is no list (as it
// is encoded).
func caps(c []string) ([]string, error) {
	if len(c) == 0 {
		return nil, nil
	}
	return c, checkCaps(c)
}

func decodeBatch(b []byte) (*Batch, error) {
	var bt Batch
	var n uint64
	var err error
	if bt.First, b, err = uvarint(b, "first sequence"); err != nil {
		return nil, err
	}
	if bt.Head, b, err = uvarint(b, "head"); err != nil {
		return nil, err
	}
	if n, b, err = uvarint(b, "count"); err != nil {
		return nil, err
	}
	switch {
	case bt.First == 0:
		return nil, errors.New("sequences start at 1")
	case n == 0 || n > MaxBatchEvents:
		return nil, fmt.Errorf("%d events: a batch holds 1 to %d", n, MaxBatchEvents)
	case bt.First+n-1 < bt.First:
		return nil, errors.New("sequence overflow")
	case bt.Head < bt.First+n-1:
		return nil, fmt.Errorf("head %d before the batch's last sequence %d", bt.Head, bt.First+n-1)
	}
	// every event takes at least one byte: n bounds the allocation
	if n > uint64(len(b)) {
		return nil, fmt.Errorf("%d events in %d bytes", n, len(b))
	}
	bt.Events = make([][]byte, 0, n)
	for i := uint64(0); i < n; i++ {
		var l uint64
		if l, b, err = uvarint(b, "event length"); err != nil {
			return nil, err
		}
		if l == 0 || l > MaxEvent {
			return nil, fmt.Errorf("event %d of %d bytes: 1 to %d", bt.First+i, l, MaxEvent)
		}
		if l > uint64(len(b)) {
			return nil, fmt.Errorf("event %d: %d bytes announced, %d left", bt.First+i, l, len(b))
		}
		bt.Events = append(bt.Events, b[:l:l])
		b = b[l:]
	}
	if err := empty(b); err != nil {
		return nil, err
	}
	return &bt, nil
}

func uvarint(b []byte, what string) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, fmt.Errorf("bad %s", what)
	}
	return v, b[n:], nil
}

func empty(rest []byte) error {
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the frame's body", len(rest))
	}
	return nil
}
