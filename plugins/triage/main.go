//go:build wasip1

// Command triage is Edgedesk's automation plugin: a rule's `plugin`
// action with the task "triage" has it read a conversation (the NLP
// plugin's reading, the customer's words and attributes) and answer
// priority, tags and a team, as the tenant configured it
// (plugins/triage/rules). Built to .wasm by `make plugins`; it needs the
// capability config.
package main

import (
	"github.com/edgedesk/edgedesk/plugins/triage/rules"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Automate(func(q *abi.AutomateRequest) (*abi.Automation, error) {
		c, err := rules.ParseConfig(pdk.Config())
		if err != nil {
			return nil, err
		}
		return rules.Answer(q, c)
	})
}

func main() {}
