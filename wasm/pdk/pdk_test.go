package pdk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

// A plugin's logic runs under `go test` on the host: Call answers as the
// host's call would, bad input and the handler's errors become the
// statuses the host reads, and a host function says where it works.
func TestCallOutsideAPlugin(t *testing.T) {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		if r.Inbox == "fail" {
			return nil, errors.New("no rule for this inbox")
		}
		for _, a := range r.Agents {
			if a.Online {
				return &abi.RouteDecision{Agent: a.ID, Reason: "first online"}, nil
			}
		}
		return &abi.RouteDecision{Reason: "nobody online"}, nil
	})
	req := &abi.RouteRequest{Tenant: "t", Conversation: "c", Agents: []abi.AgentStatus{{ID: "a1"}, {ID: "a2", Online: true}}}
	res := pdk.Call(abi.OpRoute, req.Append(nil))
	if res.Status != abi.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Message)
	}
	d, err := abi.DecodeRouteDecision(res.Output)
	if err != nil || d.Agent != "a2" || d.Reason != "first online" {
		t.Fatalf("decision %+v, %v", d, err)
	}

	if res := pdk.Call(abi.OpRoute, []byte{0xff, 0x00}); res.Status != abi.StatusBadInput {
		t.Fatalf("undecodable input: status %d (%s), want bad input", res.Status, res.Message)
	}
	req.Inbox = "fail"
	if res := pdk.Call(abi.OpRoute, req.Append(nil)); res.Status != abi.StatusFailed || !strings.Contains(res.Message, "no rule") {
		t.Fatalf("a failing handler: status %d (%s)", res.Status, res.Message)
	}
	if res := pdk.Call(abi.OpAnalyze, nil); res.Status != abi.StatusUnsupported {
		t.Fatalf("an op it does not answer: status %d", res.Status)
	}

	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "GOOS=wasip1") {
			t.Fatalf("a host function outside a plugin: %v", r)
		}
	}()
	pdk.NowMillis()
}
