package rules

import (
	"reflect"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

func TestTriage(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"intent_teams":{"billing":"billing-team"},"vip_attribute":"plan","vip_values":["enterprise"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    abi.AutomateRequest
		want []abi.Action
		note string
	}{
		{"an angry billing question", abi.AutomateRequest{Task: "triage", Priority: "normal",
			Reading: &abi.Reading{Language: "en", Intent: "billing", Sentiment: abi.SentimentNegative}},
			[]abi.Action{{Type: "assign_team", Value: "billing-team"}, {Type: "set_priority", Value: "high"},
				{Type: "add_tags", Tags: []string{"unhappy", "lang-en", "intent-billing"}}},
			"Triage: the customer is unhappy; intent billing"},
		{"an outage, in Chinese", abi.AutomateRequest{Task: "triage", Priority: "normal", Text: "系统宕机了"},
			[]abi.Action{{Type: "set_priority", Value: "urgent"}, {Type: "add_tags", Tags: []string{"urgent"}}},
			`Triage: the customer wrote "宕机"`},
		{"a VIP already urgent keeps urgent", abi.AutomateRequest{Task: "triage", Priority: "urgent", Tags: []string{"vip"},
			Contact: &abi.Contact{Attributes: map[string]string{"plan": "enterprise"}}},
			nil, ""},
		{"a VIP", abi.AutomateRequest{Task: "triage", Priority: "low", Text: "Hello",
			Contact: &abi.Contact{Attributes: map[string]string{"plan": "enterprise"}}},
			[]abi.Action{{Type: "set_priority", Value: "high"}, {Type: "add_tags", Tags: []string{"vip"}}},
			"Triage: a VIP (plan enterprise)"},
		{"already with its team", abi.AutomateRequest{Task: "triage", Priority: "normal", Team: "billing-team",
			Reading: &abi.Reading{Intent: "billing"}},
			[]abi.Action{{Type: "add_tags", Tags: []string{"intent-billing"}}}, ""},
	} {
		a, err := Answer(&c.q, cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(a.Actions, c.want) || a.Note != c.note {
			t.Errorf("%s: %+v %q; want %+v %q", c.name, a.Actions, a.Note, c.want, c.note)
		}
		if err := a.Check(); err != nil {
			t.Errorf("%s: the answer breaks the contract: %v", c.name, err)
		}
	}
	if _, err := Answer(&abi.AutomateRequest{Task: "refund"}, cfg); err == nil || !strings.Contains(err.Error(), `unknown task "refund"`) {
		t.Errorf("an unknown task: %v", err)
	}
	if _, err := ParseConfig([]byte(`{"teams":{}}`)); err == nil || !strings.Contains(err.Error(), "fields: intent_teams") {
		t.Errorf("an unknown field of the configuration: %v", err)
	}
}
