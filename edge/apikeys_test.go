package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/api"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// call sends a request to the edge's REST API with a bearer token and
// returns the status, the Content-Type and the body.
func call(t *testing.T, e *edgetest.Edge, method, path, token, body string, header ...string) (int, string, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestAPIKeys: the operator makes a tenant's first key; an admin key makes,
// lists and revokes others; a read key may not; a revoked key is refused;
// one tenant's key cannot touch another's; every refusal is a problem+json
// with its status, and appends nothing.
func TestAPIKeys(t *testing.T) {
	e := edgetest.Start(t, edgetest.Config(t))
	addTenant(t, e, "other", "other-web")

	create := func(token, query, body string, header ...string) api.KeyView {
		t.Helper()
		code, ctype, out := call(t, e, "POST", "/api/v1/api-keys"+query, token, body, header...)
		if code != http.StatusCreated || ctype != "application/json" {
			t.Fatalf("create %s: %d %s %s", body, code, ctype, out)
		}
		var v api.KeyView
		if err := json.Unmarshal([]byte(out), &v); err != nil || v.Token == "" || !strings.HasPrefix(v.Token, "edk_"+v.ID+"_") {
			t.Fatalf("create: %s (%v)", out, err)
		}
		return v
	}
	admin := create(e.AdminToken(), "?tenant="+edge.DemoTenant, `{"name":"Operations","scopes":["admin"]}`)
	reader := create(admin.Token, "", `{"name":"Reporting (北京)","scopes":["read"]}`)
	other := create(e.AdminToken(), "?tenant=other", `{"name":"Other's","scopes":["admin"]}`)

	code, _, out := call(t, e, "GET", "/api/v1/api-keys", admin.Token, "")
	var list struct{ Data []api.KeyView }
	if err := json.Unmarshal([]byte(out), &list); code != 200 || err != nil || len(list.Data) != 2 {
		t.Fatalf("list: %d %s", code, out)
	}
	for _, k := range list.Data {
		if k.Token != "" || k.ID == other.ID {
			t.Fatalf("the list shows a token, or another tenant's key: %+v", k)
		}
	}

	// the same Idempotency-Key makes one key: the repeat says the token was shown once
	first := create(admin.Token, "", `{"name":"CRM","scopes":["write"]}`, "Idempotency-Key", "crm-1")
	code, ctype, out := call(t, e, "POST", "/api/v1/api-keys", admin.Token, `{"name":"CRM","scopes":["write"]}`, "Idempotency-Key", "crm-1")
	if code != http.StatusConflict || ctype != "application/problem+json" || !strings.Contains(out, "shown in that answer only") {
		t.Fatalf("a repeated Idempotency-Key: %d %s %s", code, ctype, out)
	}
	if code, _, _ := call(t, e, "GET", "/api/v1/api-keys", first.Token, ""); code != http.StatusForbidden {
		t.Fatalf("a write key listing keys: %d, want 403", code)
	}

	head := lastSeq(t, e)
	for _, c := range []struct {
		name, method, path, token, body string
		code                            int
		kind, detail                    string
	}{
		{"no key", "GET", "/api/v1/api-keys", "", "", 401, "unauthorized", "Authorization: Bearer edk_"},
		{"malformed key", "GET", "/api/v1/api-keys", "edk_nonsense", "", 401, "unauthorized", "malformed"},
		{"unknown key", "GET", "/api/v1/api-keys", "edk_k000000000000000000000000_" + strings.Repeat("A", 43), "", 401, "unauthorized", "no such API key"},
		{"wrong secret", "GET", "/api/v1/api-keys", admin.Token[:len(admin.Token)-2] + "AA", "", 401, "unauthorized", "no such API key"},
		{"not a key", "GET", "/api/v1/api-keys", "letmein", "", 401, "unauthorized", "not an API key"},
		{"operator without tenant", "GET", "/api/v1/api-keys", e.AdminToken(), "", 400, "invalid-request", "?tenant="},
		{"read key writes", "POST", "/api/v1/api-keys", reader.Token, `{"name":"x","scopes":["read"]}`, 403, "forbidden", "scope admin"},
		{"malformed JSON", "POST", "/api/v1/api-keys", admin.Token, `{"name":`, 400, "invalid-request", "not the JSON"},
		{"unknown field", "POST", "/api/v1/api-keys", admin.Token, `{"name":"x","scopes":["read"],"owner":"me"}`, 400, "invalid-request", "unknown field"},
		{"wrong type", "POST", "/api/v1/api-keys", admin.Token, `{"name":7,"scopes":["read"]}`, 400, "invalid-request", "not the JSON"},
		{"two values", "POST", "/api/v1/api-keys", admin.Token, `{"name":"x","scopes":["read"]}{}`, 400, "invalid-request", "more after"},
		{"oversize", "POST", "/api/v1/api-keys", admin.Token, `{"name":"` + strings.Repeat("x", 70000) + `"}`, 413, "too-large", "over 65536 bytes"},
		{"no scopes", "POST", "/api/v1/api-keys", admin.Token, `{"name":"x","scopes":[]}`, 422, "invalid-request", "scopes"},
		{"unknown scope", "POST", "/api/v1/api-keys", admin.Token, `{"name":"x","scopes":["root"]}`, 422, "invalid-request", "scopes"},
		{"empty name", "POST", "/api/v1/api-keys", admin.Token, `{"name":"","scopes":["read"]}`, 422, "invalid-request", "name"},
		{"control in name", "POST", "/api/v1/api-keys", admin.Token, `{"name":"a\u0007b","scopes":["read"]}`, 422, "invalid-request", "name"},
		{"another tenant's key", "DELETE", "/api/v1/api-keys/" + other.ID, admin.Token, "", 404, "not-found", "no API key"},
		{"unknown id", "DELETE", "/api/v1/api-keys/k42", admin.Token, "", 404, "not-found", "no API key"},
	} {
		code, ctype, out := call(t, e, c.method, c.path, c.token, c.body)
		var p api.Problem
		_ = json.Unmarshal([]byte(out), &p)
		if code != c.code || ctype != "application/problem+json" || p.Status != c.code ||
			p.Type != "https://edgedesk.dev/problems/"+c.kind || p.Title == "" || !strings.Contains(p.Detail, c.detail) {
			t.Errorf("%s: %d %s %s; want %d, problem %s, detail with %q", c.name, code, ctype, out, c.code, c.kind, c.detail)
		}
	}
	if got := lastSeq(t, e); got != head {
		t.Fatalf("refused requests appended %d events", got-head)
	}

	// revoked: refused at once, listed as revoked, and revoking again is quiet
	if code, _, out := call(t, e, "DELETE", "/api/v1/api-keys/"+reader.ID, admin.Token, ""); code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if code, _, out := call(t, e, "GET", "/api/v1/api-keys", reader.Token, ""); code != 401 || !strings.Contains(out, "revoked") {
		t.Fatalf("a revoked key: %d %s", code, out)
	}
	if code, _, _ := call(t, e, "DELETE", "/api/v1/api-keys/"+reader.ID, admin.Token, ""); code != http.StatusNoContent {
		t.Fatalf("revoking again: %d", code)
	}
	// and it survives a restart (the store is rebuilt from what the log says)
	e.Restart()
	if code, _, out := call(t, e, "GET", "/api/v1/api-keys", reader.Token, ""); code != 401 || !strings.Contains(out, "revoked") {
		t.Fatalf("a revoked key after a restart: %d %s", code, out)
	}
	if code, _, _ := call(t, e, "GET", "/api/v1/api-keys", admin.Token, ""); code != 200 {
		t.Fatalf("the admin key after a restart: %d", code)
	}
}
