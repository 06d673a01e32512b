package gateway

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// A website's attributes are JSON scalars, kept as text: numbers as
// written, booleans, null as nothing; objects and arrays are refused.
// attributes makes them an event's, sorted, without the empty ones, or
// says what is wrong.
func TestUserAttributes(t *testing.T) {
	f, err := DecodeFrame([]byte(`{"type":"hello","inbox":"i","user":{"id":"u","hash":"h",
		"attributes":{"plan":"pro","seats":42,"ratio":-1.5e3,"trial":false,"vip":true,"gone":null,"empty":"","name":"\u00e9t\u00e9"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Scalar{"plan": "pro", "seats": "42", "ratio": "-1.5e3", "trial": "false", "vip": "true", "gone": "", "empty": "", "name": "été"}
	if !maps.Equal(f.User.Attributes, want) {
		t.Fatalf("attributes %q, want %q", f.User.Attributes, want)
	}
	a, err := attributes(f.User.Attributes)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range a.Pairs {
		keys = append(keys, p.Key+"="+p.Value)
	}
	if got := strings.Join(keys, " "); got != "name=été plan=pro ratio=-1.5e3 seats=42 trial=false vip=true" {
		t.Fatalf("the event's attributes: %s", got)
	}
	for _, b := range []string{`{"a":{"b":1}}`, `{"a":[1]}`, `[]`, `"x"`} {
		if _, err := DecodeFrame([]byte(`{"type":"hello","user":{"id":"u","hash":"h","attributes":` + b + `}}`)); !errors.Is(err, ErrFrame) {
			t.Errorf("attributes %s: %v", b, err)
		}
	}
	many := map[string]Scalar{}
	for i := range event.MaxAttributes + 1 {
		many["k"+strconv.Itoa(i)] = "v"
	}
	for name, in := range map[string]map[string]Scalar{
		"bad key":    {"a b": "x"},
		"long key":   {strings.Repeat("k", event.MaxAttributeKey+1): "x"},
		"long value": {"k": Scalar(strings.Repeat("v", event.MaxAttributeValue+1))},
		"control":    {"k": "a\nb"},
		"too many":   many,
	} {
		if _, err := attributes(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if a, err := attributes(nil); a != nil || err != nil {
		t.Errorf("no attributes: %+v, %v", a, err)
	}
	if a, err := attributes(map[string]Scalar{}); a == nil || len(a.Pairs) != 0 || err != nil {
		t.Errorf("an empty set (clears them): %+v, %v", a, err)
	}
}

// The limits the ABI promises plugins are the ones the edge keeps.
func TestAttributeLimitsMatchTheABI(t *testing.T) {
	if abi.MaxAttributes != event.MaxAttributes || abi.MaxAttributeKey != event.MaxAttributeKey || abi.MaxAttributeValue != event.MaxAttributeValue {
		t.Fatalf("abi %d/%d/%d, event %d/%d/%d", abi.MaxAttributes, abi.MaxAttributeKey, abi.MaxAttributeValue,
			event.MaxAttributes, event.MaxAttributeKey, event.MaxAttributeValue)
	}
}
