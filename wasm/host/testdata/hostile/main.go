//go:build wasip1

// A hostile routing plugin, misbehaving as the request's conversation says
// (one module for every kind, so that the tests compile it once):
//
//	loop       loops forever
//	membomb    allocates 32 MiB chunks until its memory runs out
//	recursion  recurses without end
//	huge       answers 2 MiB
//	trap       exits mid-call
//	panic      writes to a nil map
//	hostflood  calls the host without end
//
// and one well-behaved mode, for the tests of the key-value store:
//
//	count      adds one to the counter "calls" of its store and answers
//	           the new count as the decision's reason
package main

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

var (
	n    uint64
	keep [][]byte
)

func deeper(n int) int { return deeper(n+1) + 1 }

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		switch r.Conversation {
		case "loop":
			for {
				n++
			}
		case "membomb":
			for {
				b := make([]byte, 32<<20)
				b[0] = 1
				keep = append(keep, b)
			}
		case "recursion":
			return &abi.RouteDecision{Agent: string(rune(deeper(0)))}, nil
		case "huge":
			return &abi.RouteDecision{Reason: strings.Repeat("x", 2<<20)}, nil
		case "trap":
			os.Exit(3)
		case "panic":
			var m map[string]int
			m[r.Tenant] = 1
		case "count":
			n := 0
			if v, ok := pdk.KVGet("calls"); ok {
				n, _ = strconv.Atoi(string(v))
			}
			n++
			if !pdk.KVSet("calls", []byte(strconv.Itoa(n))) {
				return nil, errors.New("the store refused the count")
			}
			return &abi.RouteDecision{Reason: strconv.Itoa(n)}, nil
		case "hostflood":
			for {
				pdk.NowMillis()
			}
		}
		return &abi.RouteDecision{Reason: "behaved"}, nil
	})
}

func main() {}
