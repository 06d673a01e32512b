package api

import (
	"encoding/json"
	"net/http"
)

// Problem is an error answer, application/problem+json (RFC 9457). Type
// names the kind of problem as a stable URI under problemBase (documented
// in docs/api.md); Detail says what was wrong with this request and what
// to do.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

const problemBase = "https://edgedesk.dev/problems/"

// The problems of the API, by the last part of their type.
var titles = map[string]string{
	"unauthorized":         "Authentication required",
	"forbidden":            "The key's scopes do not allow this",
	"not-found":            "No such resource",
	"invalid-request":      "The request is not valid",
	"too-large":            "The request body is too large",
	"unsupported-media":    "The body is not JSON",
	"method-not-allowed":   "Method not allowed",
	"unavailable":          "The edge cannot serve this now",
	"idempotency-mismatch": "The idempotency key was used with another request",
}

func problem(w http.ResponseWriter, status int, kind, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="edgedesk-api"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Problem{Type: problemBase + kind, Title: titles[kind], Status: status, Detail: detail})
}
