package edge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/api"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/event"
)

// openAPI is the part of the document the walk reads: each operation's
// documented answers.
type openAPI struct {
	OpenAPI string                                                   `json:"openapi"`
	Paths   map[string]map[string]struct{ Responses map[string]any } `json:"paths"`
}

// TestRouteWalk: the OpenAPI document the edge serves is the one the API
// embeds, names exactly the routes the router has, and every route ×
// {no key, revoked key, read key, another tenant's admin key, admin key}
// answers what the scopes say, with a status its operation documents.
func TestRouteWalk(t *testing.T) {
	e := edgeWithKeys(t)
	code, ctype, body := call(t, e.Edge, "GET", api.DocumentPath, "", "")
	if code != 200 || ctype != "application/json" || !bytes.Equal([]byte(body), api.Document()) {
		t.Fatalf("GET %s: %d %s (%d bytes, the embedded one has %d)", api.DocumentPath, code, ctype, len(body), len(api.Document()))
	}
	var doc openAPI
	if err := json.Unmarshal(api.Document(), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("the document: %v (openapi %q)", err, doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	for _, r := range api.Routes() {
		if !documented[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is not in openapi.json", r.Method, r.Path)
		}
		delete(documented, r.Method+" "+r.Path)
	}
	for op := range documented {
		t.Errorf("openapi.json has %s, which no route serves", op)
	}

	fx := e.fixtures(t)
	for _, r := range api.Routes() {
		for _, who := range []string{"no key", "revoked key", "read key", "other tenant's admin key", "admin key"} {
			token := map[string]string{"no key": "", "revoked key": e.revoked, "read key": e.read,
				"other tenant's admin key": e.other, "admin key": e.admin}[who]
			path, body, want := fx.request(t, e, r)
			switch {
			case who == "no key" || who == "revoked key":
				want = 401
			case who == "read key" && !apiAllows(event.ScopeRead, r.Scope):
				want = 403
			case who == "other tenant's admin key" && (strings.Contains(r.Path, "{id}") || fx.refersToDemo(r)):
				want = 404
			}
			got, ctype, out := call(t, e.Edge, r.Method, path, token, body)
			if got != want {
				t.Errorf("%s %s with %s: %d %s; want %d", r.Method, r.Path, who, got, out, want)
				continue
			}
			if got >= 400 && ctype != "application/problem+json" {
				t.Errorf("%s %s with %s: %d as %s, want application/problem+json", r.Method, r.Path, who, got, ctype)
			}
			op := doc.Paths[r.Path][strings.ToLower(r.Method)]
			if _, ok := op.Responses[fmt.Sprint(got)]; !ok {
				t.Errorf("%s %s answers %d, which openapi.json does not document", r.Method, r.Path, got)
			}
		}
	}
}

// walkFixtures are the demo tenant's resources the walk's routes act on.
type walkFixtures struct {
	contact, conv, webhook string
}

func (e *keyedEdge) fixtures(t *testing.T) *walkFixtures {
	t.Helper()
	code, _, out := call(t, e.Edge, "POST", "/api/v1/contacts", e.admin, `{"inbox_id":"`+edge.DemoInbox+`","name":"Walker"}`)
	var ct api.Contact
	if err := json.Unmarshal([]byte(out), &ct); code != http.StatusCreated || err != nil {
		t.Fatalf("a contact: %d %s", code, out)
	}
	code, _, out = call(t, e.Edge, "POST", "/api/v1/conversations", e.admin, `{"contact_id":"`+ct.ID+`","message":{"text":"hello"}}`)
	var cv api.Conversation
	if err := json.Unmarshal([]byte(out), &cv); code != http.StatusCreated || err != nil {
		t.Fatalf("a conversation: %d %s", code, out)
	}
	return &walkFixtures{contact: ct.ID, conv: cv.ID}
}

// refersToDemo: the route's body names a resource of the demo tenant.
func (f *walkFixtures) refersToDemo(r api.Route) bool {
	return r.Method == "POST" && (r.Path == "/api/v1/conversations" || r.Path == "/api/v1/contacts") ||
		r.Method == "GET" && r.Path == "/api/v1/sla" // the other tenant has no policy
}

// request is the path, the body and the success status of a call of r
// by the demo tenant's admin.
func (f *walkFixtures) request(t *testing.T, e *keyedEdge, r api.Route) (path, body string, status int) {
	t.Helper()
	status = map[string]int{"GET": 200, "POST": 201, "PATCH": 200, "PUT": 200, "DELETE": 204}[r.Method]
	id := ""
	switch {
	case strings.HasPrefix(r.Path, "/api/v1/api-keys/"):
		id = e.victim(t)
	case strings.HasPrefix(r.Path, "/api/v1/conversations/"):
		id = f.conv
	case strings.HasPrefix(r.Path, "/api/v1/contacts/"):
		id = f.contact
	case strings.HasPrefix(r.Path, "/api/v1/inboxes/"):
		id = edge.DemoInbox
	case strings.HasPrefix(r.Path, "/api/v1/agents/"):
		id = edge.DemoAgents[1].ID
	case strings.HasPrefix(r.Path, "/api/v1/views/"):
		if code, _, out := call(t, e.Edge, "PUT", "/api/v1/views", e.admin, `{"views":[{"id":"walk-view","name":"Walk","sort":"due"}]}`); code != http.StatusOK {
			t.Fatalf("a view to list: %d %s", code, out)
		}
		id = "walk-view"
	case strings.HasPrefix(r.Path, "/api/v1/teams/"):
		code, _, out := call(t, e.Edge, "POST", "/api/v1/teams", e.admin, `{"name":"Victim `+event.NewID()[:8]+`","agent_ids":["`+edge.DemoAgents[1].ID+`"]}`)
		var tm api.Team
		if err := json.Unmarshal([]byte(out), &tm); code != http.StatusCreated || err != nil {
			t.Fatalf("a victim team: %d %s", code, out)
		}
		id = tm.ID
	case strings.HasPrefix(r.Path, "/api/v1/webhooks/"):
		// one for every route but DELETE's, which removes its own: a
		// tenant has at most 100
		if f.webhook == "" || r.Method == "DELETE" {
			code, _, out := call(t, e.Edge, "POST", "/api/v1/webhooks", e.admin, `{"url":"http://127.0.0.1:9/victim","types":["contact.updated"]}`)
			var w api.Webhook
			if err := json.Unmarshal([]byte(out), &w); code != http.StatusCreated || err != nil {
				t.Fatalf("a victim webhook endpoint: %d %s", code, out)
			}
			if r.Method == "DELETE" {
				id = w.ID
				break
			}
			f.webhook = w.ID
		}
		id = f.webhook
	case strings.HasPrefix(r.Path, "/api/v1/canned-responses/"):
		code, _, out := call(t, e.Edge, "POST", "/api/v1/canned-responses", e.admin, `{"shortcut":"victim","text":"Victim"}`)
		var c api.Canned
		if err := json.Unmarshal([]byte(out), &c); code != http.StatusCreated || err != nil {
			t.Fatalf("a victim canned response: %d %s", code, out)
		}
		id = c.ID
	}
	fresh := func(text string) (conv, msg string) { // a conversation of the fixture's contact, with a message of theirs
		code, _, out := call(t, e.Edge, "POST", "/api/v1/conversations", e.admin,
			`{"contact_id":"`+f.contact+`","message":{"text":"`+text+`"}}`)
		var cv api.Conversation
		if err := json.Unmarshal([]byte(out), &cv); code != http.StatusCreated || err != nil {
			t.Fatalf("a fresh conversation: %d %s", code, out)
		}
		code, _, out = call(t, e.Edge, "GET", "/api/v1/conversations/"+cv.ID+"/messages", e.admin, "")
		var ms struct{ Data []api.Message }
		if err := json.Unmarshal([]byte(out), &ms); code != http.StatusOK || err != nil || len(ms.Data) == 0 {
			t.Fatalf("its messages: %d %s", code, out)
		}
		return cv.ID, ms.Data[0].ID
	}
	switch {
	case strings.HasSuffix(r.Path, "/merge"):
		id, _ = fresh("merged")
		into, _ := fresh("kept")
		body, status = `{"into_id":"`+into+`"}`, 200
	case strings.HasSuffix(r.Path, "/split"):
		var msg string
		id, msg = fresh("split me")
		body = `{"message_id":"` + msg + `"}`
	case strings.HasSuffix(r.Path, "/links"):
		other, _ := fresh("linked")
		body, status = `{"conversation_id":"`+other+`"}`, 200
	}
	path = strings.Replace(r.Path, "{id}", id, 1)
	if r.Path == "/api/v1/search" {
		path += "?q=hello"
	}
	if strings.Contains(path, "{macro}") {
		code, _, out := call(t, e.Edge, "PUT", "/api/v1/macros", e.admin, `{"macros":[{"id":"walk","name":"Walk","actions":[{"type":"add_tags","tags":["walked"]}]}]}`)
		if code != http.StatusOK {
			t.Fatalf("a macro to apply: %d %s", code, out)
		}
		path, status = strings.Replace(path, "{macro}", "walk", 1), 200
	}
	switch r.Method + " " + r.Path {
	case "POST /api/v1/api-keys":
		body = `{"name":"walk","scopes":["read"]}`
	case "POST /api/v1/conversations":
		body = `{"contact_id":"` + f.contact + `","message":{"text":"walk"}}`
	case "POST /api/v1/conversations/{id}/status":
		body, status = `{"status":"open"}`, 200
	case "POST /api/v1/conversations/{id}/priority":
		body, status = `{"priority":"high"}`, 200
	case "POST /api/v1/conversations/{id}/tags":
		body, status = `{"add":["walk"]}`, 200
	case "POST /api/v1/conversations/{id}/assignee":
		body, status = `{"agent_id":null}`, 200
	case "POST /api/v1/conversations/{id}/messages":
		body = `{"text":"walk"}`
	case "POST /api/v1/contacts":
		body = `{"inbox_id":"` + edge.DemoInbox + `","name":"Walk"}`
	case "PATCH /api/v1/contacts/{id}":
		body = `{"name":"Walked"}`
	case "POST /api/v1/canned-responses":
		body = `{"shortcut":"walk","text":"Walk"}`
	case "PUT /api/v1/rules":
		body, status = `{"rules":[{"name":"Walk","when":["created"],"conditions":[{"field":"channel","op":"is","value":"email"}],"actions":[{"type":"add_tags","tags":["mail"]}]}]}`, 200
	case "POST /api/v1/conversations/{id}/merge", "POST /api/v1/conversations/{id}/split", "POST /api/v1/conversations/{id}/links":
		// made above
	case "POST /api/v1/conversations/{id}/fields":
		body, status = `{"set":{"type":"question"}}`, 200
	case "PUT /api/v1/sla":
		body, status = `{"first_response_s":[0,3600,1800,900],"next_response_s":[0,0,0,0],"resolution_s":[0,0,0,0],"time_zone":"Europe/Berlin","hours":[[0,0],[540,1020],[540,1020],[540,1020],[540,1020],[540,1020],[0,0]]}`, 200
	case "PUT /api/v1/statuses":
		body, status = `{"statuses":[{"id":"waiting-carrier","label":"Waiting on the carrier","base":"on_hold"}]}`, 200
	case "PUT /api/v1/views":
		body, status = `{"views":[{"name":"Urgent","priorities":["urgent"],"sort":"due"}]}`, 200
	case "PUT /api/v1/fields":
		body, status = `{"fields":[{"key":"order","label":"Order","kind":"text"}]}`, 200
	case "POST /api/v1/conversations/{id}/team":
		body, status = `{"team_id":null}`, 200
	case "POST /api/v1/teams":
		body = `{"name":"Walk ` + event.NewID()[:8] + `","agent_ids":[]}`
	case "PUT /api/v1/teams/{id}":
		body = `{"name":"Walked ` + event.NewID()[:8] + `","agent_ids":["` + edge.DemoAgents[0].ID + `"]}`
	case "POST /api/v1/conversations/{id}/macros/{macro}":
		// no body: the path names it all
	case "PUT /api/v1/macros":
		body, status = `{"macros":[]}`, 200
	case "POST /api/v1/webhooks":
		body = `{"url":"https://hooks.example.com/edgedesk","description":"Walk","types":["message.created"]}`
	case "PATCH /api/v1/webhooks/{id}":
		body = `{"disabled":true}`
	case "POST /api/v1/webhooks/{id}/rotate":
		body, status = `{"overlap_s":60}`, 200
	case "POST /api/v1/webhooks/{id}/replay":
		body, status = `{}`, 422 // nothing is dead
	default:
		if r.Method != "GET" && r.Method != "DELETE" {
			t.Fatalf("the walk has no body for %s %s", r.Method, r.Path)
		}
	}
	return path, body, status
}

func apiAllows(have, need string) bool {
	return map[string]int{"read": 0, "write": 1, "admin": 2}[have] >= map[string]int{"read": 0, "write": 1, "admin": 2}[need]
}

// keyedEdge is an edge with a demo admin key, a read key, a revoked key and
// another tenant's admin key.
type keyedEdge struct {
	Edge                        *edgetest.Edge
	admin, read, revoked, other string
}

// victim makes a demo key for a route to act on.
func (e *keyedEdge) victim(t *testing.T) string {
	t.Helper()
	code, _, out := call(t, e.Edge, "POST", "/api/v1/api-keys", e.admin, `{"name":"victim","scopes":["read"]}`)
	var v api.KeyView
	if err := json.Unmarshal([]byte(out), &v); code != http.StatusCreated || err != nil {
		t.Fatalf("a victim key: %d %s", code, out)
	}
	return v.ID
}

func edgeWithKeys(t *testing.T) *keyedEdge {
	t.Helper()
	e := edgetest.Start(t, edgetest.Config(t))
	addTenant(t, e, "other", "other-web")
	mk := func(token, query, scopes string) api.KeyView {
		code, _, out := call(t, e, "POST", "/api/v1/api-keys"+query, token, `{"name":"k","scopes":`+scopes+`}`)
		var v api.KeyView
		if err := json.Unmarshal([]byte(out), &v); code != http.StatusCreated || err != nil {
			t.Fatalf("a key: %d %s", code, out)
		}
		return v
	}
	k := &keyedEdge{Edge: e}
	k.admin = mk(e.AdminToken(), "?tenant="+edge.DemoTenant, `["admin"]`).Token
	k.read = mk(k.admin, "", `["read"]`).Token
	rev := mk(k.admin, "", `["admin"]`)
	k.revoked = rev.Token
	if code, _, out := call(t, e, "DELETE", "/api/v1/api-keys/"+rev.ID, k.admin, ""); code != 204 {
		t.Fatalf("revoke: %d %s", code, out)
	}
	k.other = mk(e.AdminToken(), "?tenant=other", `["admin"]`).Token
	return k
}
