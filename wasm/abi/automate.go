package abi

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// The messages of OpAutomate: an automation rule's `plugin` action asks
// the edge's automation plugin what to do with a conversation, and the
// plugin answers with actions, which the edge checks as it checks a
// rule's and then makes as the rule's (docs/automation.md). Read and
// written like the other ops' messages (wire.go): the bytes are those
// fxamacker/cbor writes for the struct tags (FuzzAutomate).

// AutomateRequest is what an automation plugin is asked about: the rule
// and its task, what triggered it, and the conversation as it is.
type AutomateRequest struct {
	Tenant       string `cbor:"1,keyasint"`
	Conversation string `cbor:"2,keyasint"`
	// Task is the rule's action's value: what the rule asks of the
	// plugin ("triage", "route-vip"), so that one plugin serves many
	// rules.
	Task string `cbor:"3,keyasint,omitempty"`
	// Rule is the id of the rule, Trigger what set it off ("created",
	// "message_in", …: docs/automation.md).
	Rule    string `cbor:"4,keyasint,omitempty"`
	Trigger string `cbor:"5,keyasint,omitempty"`
	// Text is the message that set it off (message_in, message_out,
	// note), else empty.
	Text string `cbor:"6,keyasint,omitempty"`
	// The conversation: its status (one of the six), priority ("low",
	// "normal", "high", "urgent"), channel ("web", "email", "api"),
	// inbox, assignee and team ids ("" none), tags, custom fields' values
	// (key → value as the edge keeps it), and an e-mail's subject.
	Status   string            `cbor:"7,keyasint,omitempty"`
	Priority string            `cbor:"8,keyasint,omitempty"`
	Channel  string            `cbor:"9,keyasint,omitempty"`
	Inbox    string            `cbor:"10,keyasint,omitempty"`
	Assignee string            `cbor:"11,keyasint,omitempty"`
	Team     string            `cbor:"12,keyasint,omitempty"`
	Tags     []string          `cbor:"13,keyasint,omitempty"`
	Fields   map[string]string `cbor:"14,keyasint,omitempty"`
	Subject  string            `cbor:"15,keyasint,omitempty"`
	// Contact is the customer, as routing sees them; Reading the NLP
	// plugin's latest reading of the conversation.
	Contact *Contact `cbor:"16,keyasint,omitempty"`
	Reading *Reading `cbor:"17,keyasint,omitempty"`
}

// Automation is an automation plugin's answer: the actions to make, in
// order (none: nothing to do), and a note for agents saying why.
type Automation struct {
	Actions []Action `cbor:"1,keyasint,omitempty" json:"actions,omitempty"`
	Note    string   `cbor:"2,keyasint,omitempty" json:"note,omitempty"`
}

// Action is one change, as a rule's actions are written
// (docs/automation.md): Type is one of the action types but `plugin`;
// Value an agent, team, status, priority or field value; Field the custom
// field set_field sets; Tags the tags to add or remove; Text a reply's or
// a note's; AfterS a snooze's length in seconds.
type Action struct {
	Type   string   `cbor:"1,keyasint" json:"type"`
	Value  string   `cbor:"2,keyasint,omitempty" json:"value,omitempty"`
	Tags   []string `cbor:"3,keyasint,omitempty" json:"tags,omitempty"`
	Text   string   `cbor:"4,keyasint,omitempty" json:"text,omitempty"`
	AfterS int64    `cbor:"5,keyasint,omitempty" json:"after_s,omitempty"`
	Field  string   `cbor:"6,keyasint,omitempty" json:"field,omitempty"`
}

// Limits of an Automation.
const (
	// MaxAutoActions is the most actions an answer may give.
	MaxAutoActions = 10
	// MaxAutoValue is the longest Value and tag, MaxAutoText the longest
	// Text, MaxAutoNote the longest Note (one line), in bytes.
	MaxAutoValue = 256
	MaxAutoText  = 4096
	MaxAutoNote  = 300
	// MaxAutoTags is the most tags of one action.
	MaxAutoTags = 20
	// MaxAutoAfter is the longest snooze, in seconds (a year).
	MaxAutoAfter = 365 * 24 * 3600
)

// DecodeAutomateRequest reads an AutomateRequest. Unknown keys are
// skipped; malformed input gives an error wrapping ErrWire and no
// request.
func DecodeAutomateRequest(b []byte) (*AutomateRequest, error) {
	r := &reader{b: b}
	var q AutomateRequest
	err := r.message(func(k uint64) (bool, error) {
		var err error
		switch k {
		case 1:
			q.Tenant, err = r.str()
		case 2:
			q.Conversation, err = r.str()
		case 3:
			q.Task, err = r.str()
		case 4:
			q.Rule, err = r.str()
		case 5:
			q.Trigger, err = r.str()
		case 6:
			q.Text, err = r.str()
		case 7:
			q.Status, err = r.str()
		case 8:
			q.Priority, err = r.str()
		case 9:
			q.Channel, err = r.str()
		case 10:
			q.Inbox, err = r.str()
		case 11:
			q.Assignee, err = r.str()
		case 12:
			q.Team, err = r.str()
		case 13:
			q.Tags, err = r.strs()
		case 14:
			q.Fields, err = r.strMap(q.Fields, "field")
		case 15:
			q.Subject, err = r.str()
		case 16:
			q.Contact, err = r.contactField()
		case 17:
			q.Reading, err = r.readingField()
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// strMap reads a map of text to text into m (made when nil); a key given
// twice is refused, named as what.
func (r *reader) strMap(m map[string]string, what string) (map[string]string, error) {
	if r.null() {
		return m, nil
	}
	n, err := r.count(5)
	if err != nil || n == 0 {
		return m, err
	}
	if m == nil {
		m = make(map[string]string, n)
	}
	for range n {
		k, err := r.str()
		if err != nil {
			return m, err
		}
		v, err := r.str()
		if err != nil {
			return m, err
		}
		if _, dup := m[k]; dup {
			return m, r.fail(what + " " + quote(k) + " given twice")
		}
		m[k] = v
	}
	return m, nil
}

// strMap writes a map of text to text in the core deterministic order
// (shorter keys first, then bytewise), as fxamacker/cbor does.
func (w *writer) strMap(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return cmp.Compare(len(a), len(b))
		}
		return cmp.Compare(a, b)
	})
	w.head(5, uint64(len(keys)))
	for _, k := range keys {
		w.str(3, k)
		w.str(3, m[k])
	}
}

// Encode writes q as fxamacker/cbor would: empty fields omitted, keys in
// order.
func (q *AutomateRequest) Encode() []byte {
	w := &writer{b: make([]byte, 0, 256+len(q.Text))}
	n := 2
	for _, set := range [...]bool{q.Task != "", q.Rule != "", q.Trigger != "", q.Text != "", q.Status != "", q.Priority != "",
		q.Channel != "", q.Inbox != "", q.Assignee != "", q.Team != "", len(q.Tags) > 0, len(q.Fields) > 0, q.Subject != "",
		q.Contact != nil, q.Reading != nil} {
		if set {
			n++
		}
	}
	w.head(5, uint64(n))
	w.head(0, 1)
	w.str(3, q.Tenant)
	w.head(0, 2)
	w.str(3, q.Conversation)
	for i, s := range [...]string{q.Task, q.Rule, q.Trigger, q.Text, q.Status, q.Priority, q.Channel, q.Inbox, q.Assignee, q.Team} {
		w.optStr(uint64(3+i), s)
	}
	if len(q.Tags) > 0 {
		w.head(0, 13)
		w.strs(q.Tags)
	}
	if len(q.Fields) > 0 {
		w.head(0, 14)
		w.strMap(q.Fields)
	}
	w.optStr(15, q.Subject)
	if q.Contact != nil {
		w.head(0, 16)
		w.contact(q.Contact)
	}
	if q.Reading != nil {
		w.head(0, 17)
		w.reading(q.Reading)
	}
	return w.b
}

// DecodeAutomation reads an Automation and checks it
// (Automation.Check). Unknown keys are skipped; malformed input gives an
// error wrapping ErrWire, an answer that breaks the contract one wrapping
// ErrInvalid, and neither an answer.
func DecodeAutomation(b []byte) (*Automation, error) {
	r := &reader{b: b}
	var a Automation
	err := r.message(func(k uint64) (bool, error) {
		var err error
		switch k {
		case 1:
			var n int
			if n, err = r.count(4); err != nil || n == 0 {
				return true, err
			}
			if n > MaxAutoActions {
				return true, invalid("actions", itoa(n)+" actions, at most "+itoa(MaxAutoActions))
			}
			a.Actions = make([]Action, n)
			for i := range a.Actions {
				if err = r.action(&a.Actions[i]); err != nil {
					return true, err
				}
			}
		case 2:
			a.Note, err = r.str()
		default:
			return false, nil
		}
		return true, err
	})
	if err == nil {
		err = a.Check()
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (r *reader) action(x *Action) error {
	return r.fields(func(k uint64) (bool, error) {
		var err error
		switch k {
		case 1:
			x.Type, err = r.str()
		case 2:
			x.Value, err = r.str()
		case 3:
			x.Tags, err = r.strs()
		case 4:
			x.Text, err = r.str()
		case 5:
			x.AfterS, err = r.int()
		case 6:
			x.Field, err = r.str()
		default:
			return false, nil
		}
		return true, err
	})
}

// Check reports whether a keeps to the contract: at most MaxAutoActions
// actions, each of a type that is a lower-case name, a Value and tags of
// one line of at most MaxAutoValue bytes, a Field that is an id, a Text
// of UTF-8 (line breaks allowed) of at most MaxAutoText bytes, and AfterS
// 0 to MaxAutoAfter; a Note of one line of at most MaxAutoNote bytes.
// Whether the actions can be made (an agent that exists, a status the
// lifecycle allows) is the edge's to check.
func (a *Automation) Check() error {
	if len(a.Actions) > MaxAutoActions {
		return invalid("actions", itoa(len(a.Actions))+" actions, at most "+itoa(MaxAutoActions))
	}
	for i := range a.Actions {
		x := &a.Actions[i]
		at := "action " + itoa(i+1)
		if !actionType(x.Type) {
			return invalid(at+" type", "not an action type (1-32 lower-case letters and '_'): "+quote(x.Type))
		}
		if err := checkLine(at+" value", x.Value, MaxAutoValue); err != nil {
			return err
		}
		if x.Field != "" && !validID(x.Field) {
			return invalid(at+" field", "not a field key (1-64 ASCII letters, digits, '-' or '_'): "+quote(x.Field))
		}
		if len(x.Tags) > MaxAutoTags {
			return invalid(at+" tags", itoa(len(x.Tags))+" tags, at most "+itoa(MaxAutoTags))
		}
		for _, t := range x.Tags {
			if err := checkLine(at+" tag", t, MaxAutoValue); err != nil {
				return err
			}
		}
		if len(x.Text) > MaxAutoText {
			return invalid(at+" text", itoa(len(x.Text))+" bytes, at most "+itoa(MaxAutoText))
		}
		if !utf8.ValidString(x.Text) {
			return invalid(at+" text", "not valid UTF-8")
		}
		if i, msg := badText(x.Text, true); msg != "" {
			return invalid(at+" text", msg+" at byte "+itoa(i))
		}
		if x.AfterS < 0 || x.AfterS > MaxAutoAfter {
			return invalid(at+" after_s", "outside 0-"+itoa(MaxAutoAfter))
		}
	}
	return checkLine("note", a.Note, MaxAutoNote)
}

func actionType(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// Encode writes a as fxamacker/cbor would.
func (a *Automation) Encode() []byte { return a.Append(nil) }

// Append appends a's encoding to b.
func (a *Automation) Append(b []byte) []byte {
	w := &writer{b: b}
	n := 0
	if len(a.Actions) > 0 {
		n++
	}
	if a.Note != "" {
		n++
	}
	w.head(5, uint64(n))
	if len(a.Actions) > 0 {
		w.head(0, 1)
		w.head(4, uint64(len(a.Actions)))
		for i := range a.Actions {
			x := &a.Actions[i]
			m := 1
			for _, set := range [...]bool{x.Value != "", len(x.Tags) > 0, x.Text != "", x.AfterS != 0, x.Field != ""} {
				if set {
					m++
				}
			}
			w.head(5, uint64(m))
			w.head(0, 1)
			w.str(3, x.Type)
			w.optStr(2, x.Value)
			if len(x.Tags) > 0 {
				w.head(0, 3)
				w.strs(x.Tags)
			}
			w.optStr(4, x.Text)
			if x.AfterS != 0 {
				w.head(0, 5)
				w.int(x.AfterS)
			}
			w.optStr(6, x.Field)
		}
	}
	w.optStr(2, a.Note)
	return w.b
}
