package mailauth

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// field is one header field as the mail has it.
type field struct {
	name  string // before the colon, spaces trimmed (the whole line when it has none)
	value string // after the colon, unfolded: line breaks removed
	lines int    // physical lines, the first included
	size  int    // bytes, line ends included
}

// header is a mail's header section.
type header struct {
	fields   []field
	complete bool // ended by an empty line (a mail may be all header)
}

var errHeaderTooLarge = fmt.Errorf("header section over %d bytes", MaxHeaderBytes)

// scanHeader splits raw's header section into fields, the way the DKIM
// verifier will (LF or CRLF line ends; a line starting with a space or tab
// continues the field before it). It refuses a header section of more
// than limit bytes.
func scanHeader(raw []byte, limit int) (*header, error) {
	h := &header{}
	var value strings.Builder
	flush := func() {
		if n := len(h.fields); n > 0 {
			h.fields[n-1].value = value.String()
		}
		value.Reset()
	}
	for pos := 0; pos < len(raw); {
		end := bytes.IndexByte(raw[pos:], '\n')
		next := pos + end + 1
		if end < 0 {
			next = len(raw)
		}
		if next > limit {
			return nil, errHeaderTooLarge
		}
		line := bytes.TrimSuffix(raw[pos:next], []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		size := next - pos
		pos = next
		switch {
		case len(line) == 0:
			flush()
			h.complete = true
			return h, nil
		case (line[0] == ' ' || line[0] == '\t') && len(h.fields) > 0:
			f := &h.fields[len(h.fields)-1]
			f.lines++
			f.size += size
			value.Write(line)
		default:
			flush()
			name, v, _ := bytes.Cut(line, []byte(":"))
			h.fields = append(h.fields, field{name: string(bytes.TrimSpace(name)), lines: 1, size: size})
			value.Write(v)
		}
	}
	flush()
	return h, nil
}

// get returns the values of the fields named name (case-insensitive).
func (h *header) get(name string) []string {
	var vs []string
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// Budgets for the DKIM verifier's work on one header section. The
// library joins a folded field line by line (work: lines × bytes of the
// field) and looks each name of a signature's h= tag up among all the
// fields (work: names × fields, and the bytes before each colon). Real
// mail stays orders of magnitude below these; a header built to exhaust
// the verifier is refused before it runs.
const (
	maxFoldWork  = 1 << 27
	maxPickCalls = 1 << 22
	maxPickBytes = 1 << 28
)

var errHeaderTooComplex = errors.New("header section too complex to verify (folded too often, or too many fields signed)")

// dkimWork checks the budgets for verifying the first n signatures.
func (h *header) dkimWork(sigs []string) error {
	var fold, nameBytes int
	for _, f := range h.fields {
		fold += f.lines * f.size
		nameBytes += len(f.name) + 1
	}
	var names int
	for _, s := range sigs {
		names += signedNames(s)
	}
	if fold > maxFoldWork || names*len(h.fields) > maxPickCalls || names*nameBytes > maxPickBytes {
		return errHeaderTooComplex
	}
	return nil
}

// signedNames counts the names in a DKIM-Signature's h= tag.
func signedNames(sig string) int {
	for tag := range strings.SplitSeq(sig, ";") {
		k, v, ok := strings.Cut(tag, "=")
		if ok && strings.TrimSpace(k) == "h" {
			return strings.Count(v, ":") + 1
		}
	}
	return 0
}
