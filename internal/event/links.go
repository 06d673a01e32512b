package event

// Link kinds.
const (
	LinkRelated = "related" // linked by an agent
	LinkSplit   = "split"   // Conv was split from Other (its message Ref)
)

// Link links two conversations of a tenant (conversation.linked), or
// unlinks them (Remove): related ones by an agent, a split one to the
// conversation it came from (Ref: the message split off).
type Link struct {
	Conv   string `cbor:"1,keyasint"`
	Other  string `cbor:"2,keyasint"`
	Kind   string `cbor:"3,keyasint"`
	Ref    uint64 `cbor:"4,keyasint,omitempty"`
	Remove bool   `cbor:"5,keyasint,omitempty"`
}

// Merge merges conversation Conv into Into (conversation.merged): both
// of one customer; Conv is closed and points to Into, its timeline kept.
type Merge struct {
	Conv string `cbor:"1,keyasint"`
	Into string `cbor:"2,keyasint"`
}

// MaxLinks bounds a conversation's links.
const MaxLinks = 50
