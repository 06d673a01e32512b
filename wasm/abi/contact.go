package abi

// The Contact and Reading of a RouteRequest on the wire: maps with small
// integer keys, like the request, and the attributes a map of text to
// text in the order of the core deterministic encoding (shorter keys
// first, then bytewise), which is what fxamacker/cbor's
// CoreDetEncOptions writes.

// contactField reads a request's contact: nil for null, else the
// reader's spare Contact (a Decoder's, reused, whose Attributes map is
// emptied and kept even when the request has none) or a new one.
func (r *reader) contactField() (*Contact, error) {
	if r.null() {
		return nil, nil
	}
	c := r.contact
	if c == nil {
		c = &Contact{}
	} else {
		attrs := c.Attributes
		clear(attrs)
		*c = Contact{Attributes: attrs}
	}
	n, err := r.count(5)
	var seen keySet
	for i := 0; i < n && err == nil; i++ {
		var k uint64
		if k, err = r.key(&seen); err != nil {
			break
		}
		switch k {
		case 1:
			c.Identified, err = r.bool()
		case 2:
			err = r.attributes(c)
		case 3:
			c.Language, err = r.str()
		case 4:
			c.Conversations, err = r.intField()
		default:
			err = r.skip(0)
		}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// attributes reads a map of text to text into c.Attributes, reusing the
// map c has; a key given twice is refused.
func (r *reader) attributes(c *Contact) (err error) {
	c.Attributes, err = r.strMap(c.Attributes, "attribute")
	return err
}

// readingField reads a request's reading: nil for null.
func (r *reader) readingField() (*Reading, error) {
	if r.null() {
		return nil, nil
	}
	g := r.reading
	if g == nil {
		g = &Reading{}
	} else {
		*g = Reading{}
	}
	n, err := r.count(5)
	var seen keySet
	for i := 0; i < n && err == nil; i++ {
		var k uint64
		if k, err = r.key(&seen); err != nil {
			break
		}
		switch k {
		case 1:
			g.Language, err = r.str()
		case 2:
			g.Intent, err = r.str()
		case 3:
			g.Sentiment, err = r.str()
		default:
			err = r.skip(0)
		}
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// null reads a CBOR null if one is next.
func (r *reader) null() bool {
	if r.i < len(r.b) && r.b[r.i] == 0xf6 {
		r.i++
		return true
	}
	return false
}

func (w *writer) contact(c *Contact) {
	n := 0
	for _, set := range []bool{c.Identified, len(c.Attributes) > 0, c.Language != "", c.Conversations != 0} {
		if set {
			n++
		}
	}
	w.head(5, uint64(n))
	if c.Identified {
		w.head(0, 1)
		w.bool(true)
	}
	if len(c.Attributes) > 0 {
		w.head(0, 2)
		w.strMap(c.Attributes)
	}
	w.optStr(3, c.Language)
	w.optInt(4, c.Conversations)
}

func (w *writer) reading(g *Reading) {
	n := 0
	for _, s := range []string{g.Language, g.Intent, g.Sentiment} {
		if s != "" {
			n++
		}
	}
	w.head(5, uint64(n))
	w.optStr(1, g.Language)
	w.optStr(2, g.Intent)
	w.optStr(3, g.Sentiment)
}
