package gateway

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// fuzzMax is the message limit of the fuzz targets: small, so that they
// reach it.
const fuzzMax = 64

// clientFrames compiles masked client frames.
func clientFrames(fs ...ws.Frame) []byte {
	var b bytes.Buffer
	for _, f := range fs {
		c, err := ws.CompileFrame(ws.MaskFrame(f))
		if err != nil {
			panic(err)
		}
		b.Write(c)
	}
	return b.Bytes()
}

var wsReadSeeds = [][]byte{
	clientFrames(ws.NewTextFrame([]byte(`{"type":"ping"}`))),
	clientFrames(ws.NewTextFrame([]byte(`{"type":"ping"}`)), ws.NewTextFrame([]byte(`{"type":"send","text":"é"}`))),
	clientFrames(ws.NewFrame(ws.OpText, false, []byte("{\"a\":\"\xc3")), ws.NewPingFrame([]byte("p")),
		ws.NewFrame(ws.OpContinuation, true, []byte("\xa9\"}"))),
	clientFrames(ws.NewTextFrame([]byte("caf\xe9"))),
	clientFrames(ws.NewBinaryFrame([]byte(`{"type":"ping"}`))),
	clientFrames(ws.NewTextFrame(bytes.Repeat([]byte("x"), fuzzMax+1))),
	clientFrames(ws.NewFrame(ws.OpText, false, bytes.Repeat([]byte("x"), fuzzMax)), ws.NewFrame(ws.OpContinuation, true, []byte("y"))),
	clientFrames(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))),
	clientFrames(ws.NewCloseFrame([]byte{3, 0xed, 0xff})),
	clientFrames(ws.NewCloseFrame(nil)),
	clientFrames(ws.NewPongFrame([]byte("late")), ws.NewTextFrame([]byte("{}"))),
	clientFrames(ws.NewFrame(ws.OpContinuation, true, []byte("x"))),
	{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'},               // unmasked
	{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, // a length with its top bit set
	{0xc1, 0x80, 1, 2, 3, 4},                            // RSV1 without an extension
	{0x89, 0xfe, 0x00, 0x7e},                            // a ping over 125 bytes
	{},
}

// FuzzMsgReader: whatever bytes a client sends, the reader never panics,
// never returns a message that is not valid UTF-8 or is over the limit,
// and each error either ends a connection that broke (EOF) or maps to a
// close code the edge sends.
func FuzzMsgReader(f *testing.F) {
	for _, s := range wsReadSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := newMsgReader(bytes.NewReader(b), fuzzMax, func(p []byte) {
			if len(p) > ws.MaxControlFramePayloadSize {
				t.Fatalf("ping of %d bytes", len(p))
			}
		})
		for i := 0; i < 1000; i++ {
			p, err := m.next()
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return
				}
				code, _, ok := closeFor(err)
				if !ok {
					t.Fatalf("error without a close code: %v", err)
				}
				switch code {
				case 1000, 1002, 1003, 1007, 1009:
				default:
					if code < 1000 || code > 4999 || code == 1005 || code == 1006 || code == 1015 {
						t.Fatalf("close code %d cannot be sent", code)
					}
				}
				return
			}
			if int64(len(p)) > fuzzMax {
				t.Fatalf("message of %d bytes over the limit %d", len(p), fuzzMax)
			}
			if !utf8.Valid(p) {
				t.Fatalf("message is not UTF-8: %q", p)
			}
		}
	})
}

// FuzzMsgReaderFragments: a text message split into fragments at any
// points, with a ping between two of them, reads back as the text when it
// is valid UTF-8 within the limit, and fails with 1007 or 1009 otherwise.
func FuzzMsgReaderFragments(f *testing.F) {
	f.Add([]byte(`{"type":"ping"}`), uint8(3), uint8(7), true)
	f.Add([]byte("caf\xc3\xa9"), uint8(4), uint8(4), false)
	f.Add([]byte("caf\xe9"), uint8(1), uint8(2), true)
	f.Add(bytes.Repeat([]byte("z"), fuzzMax+1), uint8(10), uint8(60), false)
	f.Fuzz(func(t *testing.T, text []byte, cut1, cut2 uint8, ping bool) {
		a, b := int(cut1)%(len(text)+1), int(cut2)%(len(text)+1)
		if a > b {
			a, b = b, a
		}
		frames := []ws.Frame{ws.NewFrame(ws.OpText, false, text[:a])}
		if ping {
			frames = append(frames, ws.NewPingFrame([]byte("between")))
		}
		frames = append(frames, ws.NewFrame(ws.OpContinuation, false, text[a:b]), ws.NewFrame(ws.OpContinuation, true, text[b:]))
		pings := 0
		m := newMsgReader(bytes.NewReader(clientFrames(frames...)), fuzzMax, func(p []byte) {
			if string(p) != "between" {
				t.Fatalf("ping %q", p)
			}
			pings++
		})
		p, err := m.next()
		switch {
		case len(text) > fuzzMax:
			if err != errTooBig {
				t.Fatalf("%d bytes: %v, want errTooBig", len(text), err)
			}
		case !utf8.Valid(text):
			if err != errInvalidUTF8 {
				t.Fatalf("%q: %v, want errInvalidUTF8", text, err)
			}
		default:
			if err != nil || !bytes.Equal(p, text) {
				t.Fatalf("read %q, %v; want %q", p, err, text)
			}
			if want := map[bool]int{true: 1, false: 0}[ping]; pings != want {
				t.Fatalf("%d pings, want %d", pings, want)
			}
			if _, err := m.next(); err != io.EOF {
				t.Fatalf("after the message: %v, want EOF", err)
			}
		}
	})
}
