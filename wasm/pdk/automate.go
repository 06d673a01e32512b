package pdk

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// automationBuf is the last answer's encoding, reused.
var automationBuf []byte

// Automate makes the plugin an automation plugin: h answers a rule's
// `plugin` action (abi.OpAutomate) with the actions to make in the
// conversation, which the edge checks and makes as the rule's. The
// request is the plugin's to keep. A nil Automation is an empty one:
// nothing to do.
func Automate(h func(*abi.AutomateRequest) (*abi.Automation, error)) {
	Handle(abi.OpAutomate, func(b []byte) ([]byte, error) {
		q, err := abi.DecodeAutomateRequest(b)
		if err != nil {
			return nil, &inputError{err}
		}
		a, err := h(q)
		if err != nil {
			return nil, err
		}
		if a == nil {
			a = &abi.Automation{}
		}
		automationBuf = a.Append(automationBuf[:0])
		return automationBuf, nil
	})
}
