package channels

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// The guards every adapter puts in front of its decoder: a body is
// checked in one pass, before a decoder sees it, so that a nesting bomb
// or an entity costs nothing.

// JSONTooDeep reports whether the JSON in b nests objects and arrays
// deeper than limit (brackets in strings do not count).
func JSONTooDeep(b []byte, limit int) bool {
	depth, str, esc := 0, false, false
	for _, c := range b {
		switch {
		case str && esc:
			esc = false
		case str && c == '\\':
			esc = true
		case str && c == '"':
			str = false
		case str:
		case c == '"':
			str = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// XMLDepth bounds the nesting of a platform's XML: WeChat's and WeCom's
// messages are two elements deep.
const XMLDepth = 8

// CheckXML refuses, in a strict pass of raw tokens, XML with a directive
// (a DOCTYPE: so no entity is ever defined, let alone expanded or
// fetched), elements nested deeper than XMLDepth, or a syntax error (said
// by line, never quoting the body). It does not match end tags to
// start tags: the decoder that follows does.
func CheckXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			if depth != 0 {
				return errors.New("an element is not closed")
			}
			return nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("XML syntax error on line %d", se.Line)
			}
			return errors.New("not well-formed XML")
		}
		switch tok.(type) {
		case xml.Directive:
			return errors.New("a DOCTYPE or another directive, refused")
		case xml.StartElement:
			if depth++; depth > XMLDepth {
				return fmt.Errorf("elements nested deeper than %d", XMLDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
}
