package bus

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
)

// SignatureHeader carries an event's signature in the log: "v1.<key id>.
// <HMAC-SHA256 of subject, dedupe id and data, base64url>". The edge
// appends nothing without one, and reads nothing past the point where the
// log is signed without checking it (docs/events.md).
const SignatureHeader = "Edgedesk-Sig"

// signer signs what this node appends and checks what it reads.
type signer struct {
	current logKey
	keys    map[string]logKey // by id, current and accepted
	// from is the first sequence that must carry a signature: events
	// before it were written before the log was signed.
	from uint64
}

func newSigner(s Secrets) *signer {
	sg := &signer{current: newLogKey(s.Current), keys: map[string]logKey{}}
	sg.keys[sg.current.id] = sg.current
	for _, a := range s.Accepted {
		k := newLogKey(a)
		sg.keys[k.id] = k
	}
	return sg
}

func (k logKey) sum(subject, id string, data []byte) []byte {
	h := k.mac()
	// lengths first, so that no two (subject, id, data) triples share
	// an input
	var n [8]byte
	for _, part := range [][]byte{[]byte(subject), []byte(id)} {
		putLen(n[:], len(part))
		h.Write(n[:])
		h.Write(part)
	}
	h.Write(data)
	return h.Sum(nil)
}

func putLen(b []byte, n int) {
	for i := range b {
		b[i] = byte(n >> (8 * (len(b) - 1 - i)))
	}
}

func (s *signer) sign(subject, id string, data []byte) string {
	return "v1." + s.current.id + "." + base64.RawURLEncoding.EncodeToString(s.current.sum(subject, id, data))
}

// Why an entry of the log is refused.
var (
	errUnsigned   = errors.New("no signature")
	errUnknownKey = errors.New("signed with a key this region does not hold")
	errBadSig     = errors.New("signature does not match")
)

// check verifies the entry at seq. Entries before s.from were written
// before signatures and pass unchecked.
func (s *signer) check(seq uint64, subject string, h nats.Header, data []byte) error {
	sig := h.Get(SignatureHeader)
	if sig == "" {
		if seq < s.from {
			return nil
		}
		return errUnsigned
	}
	ver, rest, _ := strings.Cut(sig, ".")
	kid, mac, _ := strings.Cut(rest, ".")
	if ver != "v1" {
		return fmt.Errorf("signature version %q: this edge reads v1", ver)
	}
	k, ok := s.keys[kid]
	if !ok {
		return errUnknownKey
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, k.sum(subject, h.Get(jetstream.MsgIDHeader), data)) {
		return errBadSig
	}
	return nil
}

// signedFromFile records, beside the stream's files, the first sequence
// that must be signed.
const signedFromFile = "signed-from"

// loadSignedFrom reads the first sequence that must carry a signature, or
// decides it once: a new log is signed from its first event; a log written
// before signatures is signed from the event after its last one, and what
// it held is trusted as it is.
func (b *Bus) loadSignedFrom(ctx context.Context) error {
	path := filepath.Join(b.opts.Dir, signedFromFile)
	if raw, err := os.ReadFile(path); err == nil {
		from, err := strconv.ParseUint(string(bytes.TrimSpace(raw)), 10, 64)
		if err != nil || from < 1 {
			return fmt.Errorf("%s holds %q: it must hold the first signed sequence (restore it, or write 1 if the whole log is signed)", path, raw)
		}
		b.signer.from = from
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	info, err := b.patientInfo(ctx)
	if err != nil {
		return err
	}
	from := info.State.FirstSeq
	if info.State.Msgs > 0 {
		var first *jetstream.RawStreamMsg
		for {
			gctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			first, err = b.stream.GetMsg(gctx, info.State.FirstSeq)
			cancel()
			if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("read the log's first event: %w", err)
		}
		if first.Header.Get(SignatureHeader) == "" {
			from = info.State.LastSeq + 1
			b.log.Warn("the event log was written before events were signed: its events so far are trusted as they are, every later one must be signed",
				"signed_from", from)
		}
	}
	if from < 1 {
		from = 1
	}
	if err := atomicfile.Write(path, []byte(strconv.FormatUint(from, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("record where the log's signatures start: %w", err)
	}
	b.signer.from = from
	return nil
}
