package event

import (
	"slices"
	"unicode/utf8"
)

// FieldDef is a custom field of a tenant's conversations: a Key, what
// agents read (Label), its Kind (FieldKinds) and a drop-down's Options;
// RequiredOnSolve: a conversation is not solved without it.
type FieldDef struct {
	Key             string   `cbor:"1,keyasint" json:"key"`
	Label           string   `cbor:"2,keyasint" json:"label"`
	Kind            string   `cbor:"3,keyasint" json:"kind"`
	Options         []string `cbor:"4,keyasint,omitempty" json:"options,omitempty"`
	RequiredOnSolve bool     `cbor:"5,keyasint,omitempty" json:"required_on_solve,omitempty"`
}

// FieldSet is the body of ticket.fields_set: all of a tenant's custom
// fields, in the order agents see them.
type FieldSet struct {
	Fields []FieldDef `cbor:"1,keyasint"`
}

// FieldValue is a conversation's value of a field, as text: a number as
// written ("12.5"), a date YYYY-MM-DD, a checkbox "true" or "false".
type FieldValue struct {
	Key   string `cbor:"1,keyasint"`
	Value string `cbor:"2,keyasint"`
}

// FieldsChange sets and clears a conversation's field values
// (conversation.fields_changed).
type FieldsChange struct {
	Conv  string       `cbor:"1,keyasint"`
	Set   []FieldValue `cbor:"2,keyasint,omitempty"`
	Clear []string     `cbor:"3,keyasint,omitempty"`
}

// The kinds of fields.
const (
	FieldText     = "text"
	FieldNumber   = "number"
	FieldDate     = "date"
	FieldDropdown = "dropdown"
	FieldCheckbox = "checkbox"
)

// FieldKinds are the kinds of custom fields.
var FieldKinds = []string{FieldText, FieldNumber, FieldDate, FieldDropdown, FieldCheckbox}

// TypeField is the built-in field every tenant has: the conversation's
// type.
const TypeField = "type"

// Types are the type field's options.
var Types = []string{"question", "incident", "problem", "task"}

// Bounds of custom fields.
const (
	MaxFields      = 100
	MaxOptions     = 500
	MaxFieldLabel  = 100
	MaxOptionLen   = 100
	MaxFieldKey    = 32
	MaxFieldValue  = 4000
	maxFieldsWire  = MaxFields + 1
	maxLabelBytes  = MaxFieldLabel * 4
	maxOptionBytes = MaxOptionLen * 4
)

// ValidFieldKey reports whether k is a field key: 1 to MaxFieldKey
// lower-case letters, digits and '_', starting with a letter.
func ValidFieldKey(k string) bool {
	if k == "" || len(k) > MaxFieldKey || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validFieldSet(s *FieldSet) bool {
	if s == nil || len(s.Fields) > maxFieldsWire {
		return false
	}
	for _, f := range s.Fields {
		if !ValidFieldKey(f.Key) || len(f.Label) > maxLabelBytes || !slices.Contains(FieldKinds, f.Kind) || len(f.Options) > MaxOptions {
			return false
		}
		for _, o := range f.Options {
			if len(o) > maxOptionBytes || !utf8.ValidString(o) {
				return false
			}
		}
	}
	return true
}

func validFieldsChange(c *FieldsChange) bool {
	if c == nil || !ValidID(c.Conv) || len(c.Set)+len(c.Clear) == 0 || len(c.Set) > maxFieldsWire || len(c.Clear) > maxFieldsWire {
		return false
	}
	for _, v := range c.Set {
		if !ValidFieldKey(v.Key) || len(v.Value) > MaxFieldValue*2 { // sealed values grow
			return false
		}
	}
	for _, k := range c.Clear {
		if !ValidFieldKey(k) {
			return false
		}
	}
	return true
}
