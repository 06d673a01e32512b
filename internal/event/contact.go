package event

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attributes are what a website says of its signed-in user (the widget's
// setUser), as a contact.upserted event carries them: the whole set,
// which replaces the contact's (an empty one clears them), by key.
type Attributes struct {
	Pairs []Attribute `cbor:"1,keyasint,omitempty"`
}

// Attribute is one of a contact's attributes.
type Attribute struct {
	Key   string `cbor:"1,keyasint"`
	Value string `cbor:"2,keyasint"`
}

// Limits of a contact's attributes. An event may carry values up to
// MaxAttributeSealed bytes: a residency policy seals a value of
// MaxAttributeValue bytes into some 400.
const (
	MaxAttributes      = 64
	MaxAttributeKey    = 64
	MaxAttributeValue  = 256
	MaxAttributeSealed = 1024
)

// ValidAttributeKey reports whether k can be an attribute's key: 1 to
// MaxAttributeKey ASCII letters, digits, '_', '-' and '.'.
func ValidAttributeKey(k string) bool {
	if len(k) == 0 || len(k) > MaxAttributeKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// CheckAttributeValue says what is wrong with an attribute's value as a
// website gives it, or nil: 1 to MaxAttributeValue bytes of UTF-8
// without control characters.
func CheckAttributeValue(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("empty")
	case len(v) > MaxAttributeValue:
		return fmt.Errorf("%d bytes, at most %d", len(v), MaxAttributeValue)
	case !utf8.ValidString(v):
		return fmt.Errorf("not UTF-8")
	case strings.ContainsFunc(v, unicode.IsControl):
		return fmt.Errorf("a control character")
	}
	return nil
}

// validAttributes checks an event's attributes: at most MaxAttributes,
// keys valid and in ascending order (each once), values 1 to
// MaxAttributeSealed bytes.
func validAttributes(a *Attributes) bool {
	if a == nil {
		return true
	}
	if len(a.Pairs) > MaxAttributes {
		return false
	}
	for i, p := range a.Pairs {
		if !ValidAttributeKey(p.Key) || p.Value == "" || len(p.Value) > MaxAttributeSealed ||
			i > 0 && a.Pairs[i-1].Key >= p.Key {
			return false
		}
	}
	return true
}

// NormalizeTags trims and lowercases each of a list of tags (skills,
// languages) as a person typed them, keeping their order; nil stays nil.
// The valid ones are then ids (ValidSkills, ValidLanguages).
func NormalizeTags(tags []string) []string {
	if tags == nil {
		return nil
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = strings.ToLower(strings.TrimSpace(t))
	}
	return out
}

// MaxLanguages bounds an agent's languages.
const MaxLanguages = 16

// ValidLanguages checks an agent's languages: each an ISO 639 code of 2
// or 3 lower-case letters ("en", "zh"; a region or script is not routed
// on), each once, at most MaxLanguages.
func ValidLanguages(langs []string) error {
	if len(langs) > MaxLanguages {
		return fmt.Errorf("%d languages, at most %d", len(langs), MaxLanguages)
	}
	for i, l := range langs {
		ok := len(l) == 2 || len(l) == 3
		for j := 0; j < len(l) && ok; j++ {
			ok = l[j] >= 'a' && l[j] <= 'z'
		}
		if !ok {
			return fmt.Errorf("language %q: give its ISO 639 code of 2 or 3 letters (zh, not zh-cn)", l)
		}
		for _, m := range langs[:i] {
			if m == l {
				return fmt.Errorf("language %q given twice", l)
			}
		}
	}
	return nil
}
