package journal

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Before an event is appended, its bytes are checked against what the
// event codec's decoder refuses, so that nothing reaches the log that the
// projector would skip as malformed (a decoder of the log refuses it for
// ever: every node, every rebuild). The codec's encoder already refuses
// an event that does not validate (event.Validate); what it writes that
// its decoder refuses are the things the struct cannot stop: text that is
// not UTF-8, more than event.MaxEncodedSize bytes, lists of more than
// 4096 items, maps of more than 256 pairs, nesting deeper than 16.
//
// checkEncoded reads the bytes once for all of them, allocating nothing
// unless it refuses them: some 170 ns for a chat message's event, a third
// of encoding it. Decoding them again with the codec would be complete
// too, at 1.2 µs and 11 allocations (BenchmarkCheck). It
// reads what the core deterministic encoder writes for event structs:
// definite lengths, maps with unsigned integer keys in ascending order
// (so that a repeated key is the one before), no tags, and refuses
// anything else, so that it never passes what the decoder would refuse
// (FuzzCheckEncoded holds it to the decoder). An event type with a Go map
// or a tagged value would need it to learn them: every event of that
// type would be refused, loudly, by the tests.

// The decoder's limits (internal/event/codec.go).
const (
	maxNesting    = 16
	maxArrayItems = 4096
	maxMapPairs   = 256
)

// encodedError says what in an event's bytes the decoder would refuse:
// the map keys leading to it and the byte.
type encodedError struct {
	path []uint64
	at   int
	msg  string
}

func (e *encodedError) Error() string {
	if len(e.path) == 0 {
		return e.msg + " (byte " + strconv.Itoa(e.at) + ")"
	}
	return "field " + fieldName(e.path) + ": " + e.msg + " (byte " + strconv.Itoa(e.at) + ")"
}

// checkEncoded reports what in b the event decoder would refuse, or nil.
func checkEncoded(b []byte) error {
	if len(b) > event.MaxEncodedSize {
		return &encodedError{msg: strconv.Itoa(len(b)) + " bytes, the log's limit is " + strconv.Itoa(event.MaxEncodedSize)}
	}
	c := checker{b: b}
	if err := c.item(0); err != nil {
		return err
	}
	if c.i != len(b) {
		return c.fail(strconv.Itoa(len(b)-c.i) + " bytes after the event")
	}
	return nil
}

type checker struct {
	b     []byte
	i     int
	path  [maxNesting + 1]uint64 // the keys of the maps read into
	depth int                    // of path in use
}

func (c *checker) fail(msg string) error {
	return &encodedError{path: append([]uint64(nil), c.path[:c.depth]...), at: c.i, msg: msg}
}

// head reads an item's major type and argument; the common case, an
// argument in the first byte, is small enough to be inlined.
func (c *checker) head() (major byte, arg uint64, err error) {
	if c.i < len(c.b) {
		if first := c.b[c.i]; first&0x1f < 24 {
			c.i++
			return first >> 5, uint64(first & 0x1f), nil
		}
	}
	return c.longHead()
}

func (c *checker) longHead() (major byte, arg uint64, err error) {
	if c.i >= len(c.b) {
		return 0, 0, c.fail("unexpected end")
	}
	first := c.b[c.i]
	major, info := first>>5, first&0x1f
	switch {
	case info < 24:
		c.i++
		return major, uint64(info), nil
	case info <= 27:
		n := 1 << (info - 24)
		if len(c.b)-c.i-1 < n {
			return 0, 0, c.fail("unexpected end")
		}
		for _, x := range c.b[c.i+1 : c.i+1+n] {
			arg = arg<<8 | uint64(x)
		}
		c.i += 1 + n
		return major, arg, nil
	case info == 31:
		return 0, 0, c.fail("an indefinite length")
	}
	return 0, 0, c.fail("reserved additional information " + strconv.Itoa(int(info)))
}

// item checks one item nested in level containers.
func (c *checker) item(level int) error {
	at := c.i
	major, arg, err := c.head()
	if err != nil {
		return err
	}
	switch major {
	case 0, 1:
		return nil
	case 2, 3:
		if arg > uint64(len(c.b)-c.i) {
			return c.fail("a string longer than the event")
		}
		s := c.b[c.i : c.i+int(arg)]
		if major == 3 && !utf8.Valid(s) {
			for n := 0; len(s) > 0; {
				r, size := utf8.DecodeRune(s)
				if r == utf8.RuneError && size == 1 {
					c.i = at
					return c.fail("text that is not valid UTF-8 at its byte " + strconv.Itoa(n))
				}
				s, n = s[size:], n+size
			}
		}
		c.i += int(arg)
		return nil
	case 4:
		if level == maxNesting {
			return c.fail("nested deeper than " + strconv.Itoa(maxNesting))
		}
		if arg > maxArrayItems {
			c.i = at
			return c.fail(strconv.FormatUint(arg, 10) + " items in a list, the log's limit is " + strconv.Itoa(maxArrayItems))
		}
		for range arg {
			if err := c.item(level + 1); err != nil {
				return err
			}
		}
		return nil
	case 5:
		if level == maxNesting {
			return c.fail("nested deeper than " + strconv.Itoa(maxNesting))
		}
		if arg > maxMapPairs {
			c.i = at
			return c.fail(strconv.FormatUint(arg, 10) + " pairs in a map, the log's limit is " + strconv.Itoa(maxMapPairs))
		}
		for j := range arg {
			k := c.i
			m, key, err := c.head()
			if err != nil {
				return err
			}
			if m != 0 {
				c.i = k
				return c.fail("a map key that is not an unsigned integer")
			}
			// in ascending order (the encoder sorts them), so no key twice
			if j > 0 && key <= c.path[c.depth] {
				c.i = k
				return c.fail("map key " + strconv.FormatUint(key, 10) + " repeated or out of order")
			}
			c.path[c.depth] = key
			c.depth++
			err = c.item(level + 1)
			c.depth--
			if err != nil {
				return err
			}
		}
		return nil
	case 6:
		c.i = at
		return c.fail("a tag (events have none)")
	}
	// 7: false, true, null, undefined and floats, whose bytes head has
	// read; not the other simple values
	if info := c.b[at] & 0x1f; info < 20 || info == 24 {
		c.i = at
		return c.fail("a simple value (events have none)")
	}
	return nil
}

// fieldName names the field of an event a path of keys leads to, as the
// event package names it, with the keys: "Conversation.RouteNote (key
// 24.7)".
func fieldName(path []uint64) string {
	var names []string
	t := reflect.TypeFor[event.Event]()
	for _, k := range path {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			t = t.Elem()
		}
		name := ""
		if t != nil && t.Kind() == reflect.Struct {
			for f := range t.Fields() {
				tag, _, _ := strings.Cut(f.Tag.Get("cbor"), ",")
				if tag == strconv.FormatUint(k, 10) {
					name, t = f.Name, f.Type
					break
				}
			}
		}
		if name == "" {
			name, t = "?", nil
		}
		names = append(names, name)
	}
	keys := make([]string, len(path))
	for i, k := range path {
		keys[i] = strconv.FormatUint(k, 10)
	}
	return strings.Join(names, ".") + " (key " + strings.Join(keys, ".") + ")"
}

// refused is the error of an append that checkEncoded refused.
func refused(e *event.Event, err error) error {
	return fmt.Errorf("%w: %s event %s: %w", ErrRefused, e.Kind, e.ID, err)
}
