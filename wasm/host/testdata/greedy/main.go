//go:build wasip1

// A greedy routing plugin for the tests of the quotas (quota.go): it does
// what the request's conversation says, with the request's skills as its
// arguments (one module for every quota, so that the tests compile it
// once):
//
//	log        writes 400 log lines of 4 KiB (what an outside probe did)
//	metrics    adds 1 to a counter named after each skill
//	kvfill     stores 64 KiB values under new keys (the first skill, or
//	           "k", and a number) until the store refuses one, and
//	           answers how many it stored
//	kvchurn    overwrites one key with 64 KiB, 200 times (12.5 MiB)
//
// and otherwise writes one short log line and answers "behaved".
package main

import (
	"strconv"
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

var big = []byte(strings.Repeat("x", 64<<10))

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		switch r.Conversation {
		case "log":
			line := strings.Repeat("y", 4<<10)
			for range 400 {
				pdk.Log(abi.LogInfo, line)
			}
		case "metrics":
			for _, s := range r.Skills {
				pdk.MetricAdd(s, 1)
			}
		case "kvfill":
			prefix := "k"
			if len(r.Skills) > 0 {
				prefix = r.Skills[0]
			}
			n := 0
			for pdk.KVSet(prefix+strconv.Itoa(n), big) {
				n++
			}
			return &abi.RouteDecision{Reason: strconv.Itoa(n)}, nil
		case "kvchurn":
			for range 200 {
				pdk.KVSet("churn", big)
			}
		default:
			pdk.Log(abi.LogInfo, "routing "+r.Conversation)
		}
		return &abi.RouteDecision{Reason: "behaved"}, nil
	})
}

func main() {}
