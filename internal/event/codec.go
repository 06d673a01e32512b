package event

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// ErrMalformed is returned for bytes that are not a valid event.
var ErrMalformed = errors.New("malformed event")

// MaxEncodedSize bounds one encoded event; larger input is refused before it
// is parsed.
const MaxEncodedSize = 1 << 20

// Codec encodes and decodes events. It holds the CBOR modes, built once; it is
// safe for concurrent use.
type Codec struct {
	enc cbor.EncMode
	dec cbor.DecMode
}

// NewCodec returns a Codec using core deterministic CBOR encoding and a
// decoder with tight limits for input from outside the process.
func NewCodec() *Codec {
	enc, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(fmt.Sprintf("event: cbor encoder options: %v", err)) // static options; cannot fail
	}
	dec, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  16,
		MaxArrayElements: 4096,
		MaxMapPairs:      256,
		IndefLength:      cbor.IndefLengthForbidden,
	}.DecMode()
	if err != nil {
		panic(fmt.Sprintf("event: cbor decoder options: %v", err))
	}
	return &Codec{enc: enc, dec: dec}
}

// Encode returns the canonical bytes of e.
func (c *Codec) Encode(e *Event) ([]byte, error) {
	if e.V == 0 {
		e.V = Version
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return c.enc.Marshal(e)
}

// Decode parses and validates one event. Errors wrap ErrMalformed and say
// what was wrong.
func (c *Codec) Decode(b []byte) (*Event, error) {
	if len(b) > MaxEncodedSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(b), MaxEncodedSize)
	}
	var e Event
	if err := c.dec.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// Marshal encodes any value with the deterministic encoder; state records use
// it so that the same state has the same bytes.
func (c *Codec) Marshal(v any) ([]byte, error) { return c.enc.Marshal(v) }

// Unmarshal decodes a value written by Marshal.
func (c *Codec) Unmarshal(b []byte, v any) error { return c.dec.Unmarshal(b, v) }
