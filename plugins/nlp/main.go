//go:build wasip1

// Command nlp is Edgedesk's NLP plugin: it reads a customer's message for
// its language, its intent and sentiment (English and Chinese), and the
// personal data in it, with a redacted copy (plugins/nlp/nlp,
// docs/nlp.md). Built to .wasm by `make plugins`.
package main

import (
	"github.com/edgedesk/edgedesk/plugins/nlp/nlp"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

// answer is the last call's, reused: an instance serves one call at a
// time, and pdk encodes the answer before the next.
var answer abi.Analysis

func init() {
	pdk.Analyze(func(r *abi.AnalyzeRequest) (*abi.Analysis, error) {
		answer = nlp.Analyze(r.Text, r.Language)
		return &answer, nil
	})
}

func main() {}
