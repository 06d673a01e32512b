// Package rules is the logic of the triage automation plugin, plain Go
// that the plugin (plugins/triage) and its tests run: for the task
// "triage" it raises the priority of unhappy, urgent or VIP customers,
// tags what it read (the language, the intent, the mood) and gives the
// conversation to the team the tenant named for its intent.
package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Config is a tenant's configuration of the plugin (the edge's or the
// hub's plugin configuration, a JSON object); every part is optional.
type Config struct {
	// IntentTeams gives an intent's conversations to a team (intent →
	// team id).
	IntentTeams map[string]string `json:"intent_teams,omitempty"`
	// UrgentWords make a conversation urgent when the customer's message
	// has one (matched without regard to case). Default: outage, down,
	// urgent, 紧急, 宕机.
	UrgentWords []string `json:"urgent_words,omitempty"`
	// VIPAttribute and VIPValues name the customers whose conversations
	// are high priority at least and tagged vip: those the website says
	// have one of the values in the attribute (setUser).
	VIPAttribute string   `json:"vip_attribute,omitempty"`
	VIPValues    []string `json:"vip_values,omitempty"`
}

// DefaultUrgentWords are the urgent words of a tenant that names none.
var DefaultUrgentWords = []string{"outage", "down", "urgent", "紧急", "宕机"}

// ParseConfig reads a tenant's configuration (nil: none, the defaults).
func ParseConfig(b []byte) (*Config, error) {
	c := &Config{}
	if b != nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(c); err != nil {
			return nil, errors.New("the tenant's triage configuration: " + err.Error() +
				" (fields: intent_teams, urgent_words, vip_attribute, vip_values)")
		}
	}
	if c.UrgentWords == nil {
		c.UrgentWords = DefaultUrgentWords
	}
	return c, nil
}

// The priorities, lowest first.
var priorities = []string{"low", "normal", "high", "urgent"}

// Answer is the actions of task q.Task for the conversation q tells of.
func Answer(q *abi.AutomateRequest, c *Config) (*abi.Automation, error) {
	if q.Task != "triage" {
		return nil, errors.New("unknown task " + strconvQuote(q.Task) + ": this plugin does triage")
	}
	a := &abi.Automation{}
	var why []string
	priority := q.Priority
	raise := func(to, reason string) {
		if slices.Index(priorities, to) > slices.Index(priorities, priority) {
			priority = to
			why = append(why, reason)
		}
	}
	var tags []string
	tag := func(t string) {
		if t != "" && !slices.Contains(q.Tags, t) && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	text := strings.ToLower(q.Text)
	for _, w := range c.UrgentWords {
		if w != "" && strings.Contains(text, strings.ToLower(w)) {
			raise("urgent", "the customer wrote \""+w+"\"")
			tag("urgent")
			break
		}
	}
	if c.VIPAttribute != "" && q.Contact != nil {
		if v, ok := q.Contact.Attributes[c.VIPAttribute]; ok && slices.Contains(c.VIPValues, v) {
			raise("high", "a VIP ("+c.VIPAttribute+" "+v+")")
			tag("vip")
		}
	}
	if g := q.Reading; g != nil {
		if g.Sentiment == abi.SentimentNegative {
			raise("high", "the customer is unhappy")
			tag("unhappy")
		}
		if g.Language != "" {
			tag("lang-" + tagPart(g.Language))
		}
		if g.Intent != "" {
			tag("intent-" + tagPart(g.Intent))
			if team := c.IntentTeams[g.Intent]; team != "" && team != q.Team {
				a.Actions = append(a.Actions, abi.Action{Type: "assign_team", Value: team})
				why = append(why, "intent "+g.Intent)
			}
		}
	}
	if priority != q.Priority {
		a.Actions = append(a.Actions, abi.Action{Type: "set_priority", Value: priority})
	}
	if len(tags) > 0 {
		a.Actions = append(a.Actions, abi.Action{Type: "add_tags", Tags: tags})
	}
	if len(why) > 0 {
		// as many reasons as the note holds
		a.Note = "Triage: " + why[0]
		for _, w := range why[1:] {
			if len(a.Note)+2+len(w) > abi.MaxAutoNote {
				break
			}
			a.Note += "; " + w
		}
		if len(a.Note) > abi.MaxAutoNote {
			a.Note = "Triage"
		}
	}
	return a, nil
}

// tagPart makes s part of a tag: lower case, what is not a letter,
// digit, '-', '_' or '.' a '-', at most 40 bytes.
func tagPart(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
