package abi

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func sampleAutomate() AutomateRequest {
	return AutomateRequest{Tenant: "demo", Conversation: "c1", Task: "triage", Rule: "r1", Trigger: "message_in", Text: "my card was charged twice",
		Status: "open", Priority: "high", Channel: "email", Inbox: "support", Assignee: "ann", Team: "billing", Tags: []string{"vip", "refund"},
		Fields: map[string]string{"order": "A-17", "type": "problem", "plan": "gold"}, Subject: "Refund",
		Contact: &Contact{Identified: true, Attributes: map[string]string{"plan": "enterprise"}},
		Reading: &Reading{Language: "en", Intent: "billing", Sentiment: SentimentNegative}}
}

func sampleAutomation() Automation {
	return Automation{Note: "VIP with a billing problem", Actions: []Action{
		{Type: "set_priority", Value: "urgent"},
		{Type: "add_tags", Tags: []string{"escalated", "billing"}},
		{Type: "snooze", AfterS: 3600},
		{Type: "set_field", Field: "order", Value: "A-17"},
		{Type: "add_note", Text: "Line one\nline two"},
	}}
}

func TestAutomateMatchesTheLibrary(t *testing.T) {
	q := sampleAutomate()
	want, err := libEnc.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Encode(); !bytes.Equal(got, want) {
		t.Fatalf("Encode = %x\nlibrary   %x", got, want)
	}
	got, err := DecodeAutomateRequest(want)
	if err != nil || !reflect.DeepEqual(*got, q) {
		t.Fatalf("DecodeAutomateRequest = %+v, %v", got, err)
	}
	a := sampleAutomation()
	wantA, _ := libEnc.Marshal(a)
	if got := a.Encode(); !bytes.Equal(got, wantA) {
		t.Fatalf("Automation.Encode = %x\nlibrary %x", got, wantA)
	}
	gotA, err := DecodeAutomation(wantA)
	if err != nil || !reflect.DeepEqual(*gotA, a) {
		t.Fatalf("DecodeAutomation = %+v, %v", gotA, err)
	}
	// a bare request and an empty answer
	bare := AutomateRequest{Tenant: "t", Conversation: "c"}
	if got, err := DecodeAutomateRequest(bare.Encode()); err != nil || !reflect.DeepEqual(*got, bare) {
		t.Fatalf("bare: %+v, %v", got, err)
	}
	if got, err := DecodeAutomation((&Automation{}).Encode()); err != nil || len(got.Actions) != 0 {
		t.Fatalf("empty: %+v, %v", got, err)
	}
}

func TestAutomationsThatBreakTheContract(t *testing.T) {
	many := make([]Action, MaxAutoActions+1)
	for i := range many {
		many[i] = Action{Type: "add_tags", Tags: []string{"x"}}
	}
	for _, c := range []struct {
		name string
		a    Automation
		want string
	}{
		{"too many actions", Automation{Actions: many}, "actions: 11 actions, at most 10"},
		{"a type that is not a name", Automation{Actions: []Action{{Type: "Set Status"}}}, `action 1 type: not an action type (1-32 lower-case letters and '_'): "Set Status"`},
		{"no type", Automation{Actions: []Action{{Value: "x"}}}, `action 1 type: not an action type`},
		{"a value with a line break", Automation{Actions: []Action{{Type: "assign", Value: "a\nb"}}}, "action 1 value: control character"},
		{"a value too long", Automation{Actions: []Action{{Type: "assign", Value: strings.Repeat("a", 257)}}}, "action 1 value: 257 bytes, at most 256"},
		{"a field that is not a key", Automation{Actions: []Action{{Type: "set_field", Field: "a b"}}}, "action 1 field: not a field key"},
		{"a text not UTF-8", Automation{Actions: []Action{{Type: "reply", Text: "ok\xff"}}}, "action 1 text: not valid UTF-8"},
		{"a text with a bidi override", Automation{Actions: []Action{{Type: "reply", Text: "pay \u202e"}}}, "action 1 text: "},
		{"a text too long", Automation{Actions: []Action{{Type: "reply", Text: strings.Repeat("a", MaxAutoText+1)}}}, "action 1 text: 4097 bytes"},
		{"a snooze past a year", Automation{Actions: []Action{{Type: "snooze", AfterS: MaxAutoAfter + 1}}}, "action 1 after_s: outside"},
		{"a negative snooze", Automation{Actions: []Action{{Type: "snooze", AfterS: -1}}}, "action 1 after_s: outside"},
		{"too many tags", Automation{Actions: []Action{{Type: "add_tags", Tags: make([]string, 21)}}}, "action 1 tags: 21 tags, at most 20"},
		{"a note of two lines", Automation{Note: "a\nb"}, "note: control character"},
	} {
		b, _ := cbor.Marshal(c.a)
		_, err := DecodeAutomation(b)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want ErrInvalid with %q", c.name, err, c.want)
		}
	}
}

// FuzzAutomate: the readers of OpAutomate's request and answer accept
// what the library accepts, read it to the same values and re-encode
// them to what they read; what they refuse they refuse with ErrWire or
// (an answer) ErrInvalid, never a panic.
func FuzzAutomate(f *testing.F) {
	q := sampleAutomate()
	a := sampleAutomation()
	for _, b := range [][]byte{q.Encode(), a.Encode(), {0xa1, 0x01, 0x81, 0xa1, 0x01, 0x60}, {0xa1, 0x0e, 0xa2, 0x61, 'k', 0x60, 0x61, 'k', 0x60}} {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := DecodeAutomateRequest(b); err != nil {
			if !errors.Is(err, ErrWire) {
				t.Fatalf("request: error without ErrWire: %v", err)
			}
		} else {
			again, err := DecodeAutomateRequest(got.Encode())
			if err != nil || !reflect.DeepEqual(normalAuto(*again), normalAuto(*got)) {
				t.Fatalf("%+v re-encodes to %+v, %v", *got, again, err)
			}
			var want AutomateRequest
			if cbor.Unmarshal(b, &want) == nil && !reflect.DeepEqual(normalAuto(*got), normalAuto(want)) {
				t.Fatalf("fast %+v, library %+v", *got, want)
			}
		}
		got, err := DecodeAutomation(b)
		if err != nil {
			if !errors.Is(err, ErrWire) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("answer: error without ErrWire or ErrInvalid: %v", err)
			}
			return
		}
		if err := got.Check(); err != nil {
			t.Fatalf("an answer decoded that does not check: %v", err)
		}
		again, err := DecodeAutomation(got.Encode())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%+v re-encodes to %+v, %v", *got, again, err)
		}
	})
}

// normalAuto makes empty lists and maps nil, as the readers may differ.
func normalAuto(q AutomateRequest) AutomateRequest {
	if len(q.Tags) == 0 {
		q.Tags = nil
	}
	if len(q.Fields) == 0 {
		q.Fields = nil
	}
	if q.Contact != nil && len(q.Contact.Attributes) == 0 {
		c := *q.Contact
		c.Attributes = nil
		q.Contact = &c
	}
	return q
}
