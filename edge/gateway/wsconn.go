package gateway

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// The transport is github.com/gobwas/ws alone: it upgrades the request,
// decodes the client's frames (wsutil.Reader: header checks, unmasking,
// fragments) and compiles the server's frames, which the session's writer
// sends in wire form straight to the net.Conn, one writev(2) per batch. The
// library is built for that: nothing of it buffers writes or owns the
// connection.

// upgrader upgrades GET /ws. It checks no Origin: clients authenticate with
// tokens in the hello frame, never with cookies, so a page of any origin may
// embed the widget. It offers no subprotocol and no compression.
var upgrader = ws.HTTPUpgrader{Timeout: 10 * time.Second}

// readBufferSize is the read buffer of a connection: most client frames fit,
// and larger ones are read past it.
const readBufferSize = 1024

// upgrade answers the WebSocket handshake. On failure the client has been
// answered (an HTTP error) and nothing is left open.
func upgrade(w http.ResponseWriter, r *http.Request) (net.Conn, *bufio.Reader, error) {
	nc, rw, _, err := upgrader.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close()
		}
		return nil, nil, err
	}
	// A client may send its first frame right behind the request; then it
	// is in net/http's reader, which stays the connection's. Otherwise a
	// smaller buffer of its own keeps an idle connection cheap.
	br := rw.Reader
	if br.Buffered() == 0 {
		br = bufio.NewReaderSize(nc, readBufferSize)
	}
	return nc, br, nil
}

// Reasons to fail a connection for what the client sent, each with its
// close code (RFC 6455 section 7.4.1).
var (
	errTooBig      = &readError{code: int(ws.StatusMessageTooBig), reason: "frame too large"}
	errBinary      = &readError{code: int(ws.StatusUnsupportedData), reason: "binary frames are refused: send JSON in text frames"}
	errInvalidUTF8 = &readError{code: int(ws.StatusInvalidFramePayloadData), reason: "invalid UTF-8 in a text frame"}
	errCloseBody   = &readError{code: int(ws.StatusProtocolError), reason: "bad close frame: a code of 1000 to 4999, then a reason"}
	errCloseUTF8   = &readError{code: int(ws.StatusInvalidFramePayloadData), reason: "invalid UTF-8 in a close reason"}
)

// readError fails the connection with a close code and reason.
type readError struct {
	code   int
	reason string
}

func (e *readError) Error() string { return e.reason }

// peerClose is the client's close frame; the edge answers with the code.
type peerClose struct{ code int }

func (e *peerClose) Error() string { return "closed by the client" }

// closeFor is the close frame to answer a read error with; ok is false when
// the connection just ended (a network error, a timeout, EOF) and nothing
// is to be sent.
func closeFor(err error) (code int, reason string, ok bool) {
	var re *readError
	var pc *peerClose
	var pe ws.ProtocolError
	switch {
	case errors.As(err, &re):
		return re.code, re.reason, true
	case errors.As(err, &pc):
		return pc.code, "", true
	case errors.As(err, &pe):
		return int(ws.StatusProtocolError), string(pe), true
	case errors.Is(err, ws.ErrHeaderLengthMSB), errors.Is(err, ws.ErrHeaderLengthUnexpected):
		return int(ws.StatusProtocolError), err.Error(), true
	}
	return 0, "", false
}

// msgReader reads a client's messages: only text, valid UTF-8 and at most
// max bytes each, however many frames they come in. Pings go to ping; pongs
// are dropped; a close frame ends the reading with *peerClose.
type msgReader struct {
	rd   wsutil.Reader
	max  int64
	ping func(payload []byte) // the payload is only valid during the call
	ctl  [ws.MaxControlFramePayloadSize]byte
}

func newMsgReader(src io.Reader, max int64, ping func([]byte)) *msgReader {
	m := &msgReader{max: max, ping: ping}
	m.rd = wsutil.Reader{Source: src, State: ws.StateServerSide, MaxFrameSize: max,
		OnIntermediate: func(h ws.Header, r io.Reader) error { return m.control(h, r) }}
	return m
}

// next returns the next text message. Its error is *readError, *peerClose
// or ws.ProtocolError for what the client sent (closeFor gives the answer),
// or the connection's.
func (m *msgReader) next() ([]byte, error) {
	for {
		h, err := m.rd.NextFrame()
		if err != nil {
			if errors.Is(err, wsutil.ErrFrameTooLarge) {
				return nil, errTooBig
			}
			return nil, err
		}
		if h.OpCode.IsControl() {
			if err := m.control(h, &m.rd); err != nil {
				return nil, err
			}
			continue
		}
		// CheckHeader refused a continuation here; this begins a message.
		if h.OpCode != ws.OpText {
			return nil, errBinary
		}
		var p []byte
		if h.Fin {
			// One frame, the usual case: one allocation of its size.
			p = make([]byte, h.Length)
			_, err = io.ReadFull(&m.rd, p)
		} else {
			p, err = io.ReadAll(io.LimitReader(&m.rd, m.max+1))
			if err == nil && int64(len(p)) > m.max {
				err = errTooBig
			}
		}
		if errors.Is(err, wsutil.ErrFrameTooLarge) {
			err = errTooBig
		}
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(p) {
			return nil, errInvalidUTF8
		}
		return p, nil
	}
}

// control handles a control frame whose payload r holds (unmasked).
func (m *msgReader) control(h ws.Header, r io.Reader) error {
	p := m.ctl[:h.Length] // CheckHeader bounds it to 125 bytes
	if _, err := io.ReadFull(r, p); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		if m.ping != nil {
			m.ping(p)
		}
	case ws.OpClose:
		if len(p) == 1 {
			return errCloseBody
		}
		code, reason := ws.ParseCloseFrameData(p)
		switch err := ws.CheckCloseFrameData(code, reason); {
		case code.Empty(): // no code: answered as a normal closure
			return &peerClose{code: int(ws.StatusNormalClosure)}
		case errors.Is(err, ws.ErrProtocolInvalidUTF8):
			return errCloseUTF8
		case err != nil:
			return err
		case code > 4999:
			return errCloseBody
		}
		return &peerClose{code: int(code)}
	}
	return nil
}
