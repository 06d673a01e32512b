package edge_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// adminDo sends body to path with method and token ("" for none) and
// returns the status and body.
func adminDo(t *testing.T, e *edgetest.Edge, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// addTenant gives the edge a second tenant with a web inbox and no agents.
func addTenant(t *testing.T, e *edgetest.Edge, tenant, inbox string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
	for _, ev := range []*event.Event{
		{Kind: event.KindTenantUpserted, Tenant: tenant, Actor: sys, TenantInfo: &event.Tenant{ID: tenant, Name: tenant}},
		{Kind: event.KindInboxUpserted, Tenant: tenant, Actor: sys, Inbox: &event.Inbox{ID: inbox, Name: "Web", Channel: "web"}},
	} {
		if _, err := e.Journal().Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// routed opens a conversation as a new visitor of inbox and returns it as
// the edge recorded it.
func routed(t *testing.T, e *edgetest.Edge, tenant, inbox string) state.ConversationRec {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v := e.Customer(&client.Hello{Inbox: inbox})
	defer v.Close()
	ack, err := v.Start(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Store().Conversation(tenant, ack.Conv)
	if err != nil {
		t.Fatalf("conversation %s of %s: %v", ack.Conv, tenant, err)
	}
	return *c
}

func lastSeq(t *testing.T, e *edgetest.Edge) uint64 {
	t.Helper()
	s, err := e.Bus().LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPluginConfigPerTenant: a routing plugin with capability config is
// configured over the admin API for one tenant: that tenant's calls read
// it (the plugin assigns the agent it names), another tenant's do not; it
// survives a restart and can be cleared. What the API refuses says why
// and appends nothing.
func TestPluginConfigPerTenant(t *testing.T) {
	e, key := pluginEdge(t)
	tok := e.AdminToken()
	e.InstallPlugin(key, "edge/testdata/configured", manifestOf("routing", "1.0.0", abi.KindRouting, abi.CapConfig))
	addTenant(t, e, "beta", "beta-web")
	const path = "/api/v1/plugins/routing/config?tenant=" + edge.DemoTenant

	head := lastSeq(t, e)
	big := `{"x":"` + strings.Repeat("a", event.MaxPluginConfig) + `"}`
	for _, c := range []struct {
		name, method, path, token, body string
		code                            int
		want                            string
	}{
		{"no token", "PUT", path, "", `{"agent":"agent-bob"}`, 401, ""},
		{"a wrong token", "PUT", path, "not-the-token", `{"agent":"agent-bob"}`, 401, ""},
		{"no token to read", "GET", path, "", "", 401, ""},
		{"not JSON", "PUT", path, tok, `agent=agent-bob`, 400, "not configured: a plugin's configuration is a JSON object (starting with '{'): this one is not an object"},
		{"broken JSON", "PUT", path, tok, `{"agent":}`, 400, "invalid character '}' looking for beginning of value"},
		{"an array", "PUT", path, tok, `["agent-bob"]`, 400, "this one is not an object"},
		{"too large", "PUT", path, tok, big, 413, "not configured: a plugin's configuration is at most 65536 bytes of JSON"},
		{"an unknown plugin", "PUT", "/api/v1/plugins/nope/config?tenant=demo", tok, `{}`, 404, `not configured: no plugin "nope" is installed`},
		{"not a plugin's name", "PUT", "/api/v1/plugins/No_pe/config?tenant=demo", tok, `{}`, 404, `not configured: no plugin "No_pe" is installed`},
		{"no tenant", "PUT", "/api/v1/plugins/routing/config", tok, `{}`, 400, "not configured: give the tenant: ?tenant=ID"},
		{"an unknown tenant", "PUT", "/api/v1/plugins/routing/config?tenant=ghost", tok, `{}`, 404, `not configured: no tenant "ghost" on this edge`},
		{"reading an unknown tenant's", "GET", "/api/v1/plugins/routing/config?tenant=ghost", tok, "", 404, `no configuration: no tenant "ghost" on this edge`},
	} {
		code, body := adminDo(t, e, c.method, c.path, c.token, c.body)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, code, body, c.code, c.want)
		}
	}
	if got := lastSeq(t, e); got != head {
		t.Fatalf("refused requests appended %d events", got-head)
	}

	code, body := adminDo(t, e, "PUT", path, tok, "{\n  \"agent\": \"agent-bob\"\n}\n")
	var info plugins.ConfigInfo
	if code != 200 || json.Unmarshal([]byte(body), &info) != nil || string(info.Config) != `{"agent":"agent-bob"}` ||
		info.Tenant != edge.DemoTenant || info.Plugin != "routing" || info.Seq != head+1 {
		t.Fatalf("set: %d %s", code, body)
	}
	read := func(tenant string) string {
		t.Helper()
		code, body := adminDo(t, e, "GET", "/api/v1/plugins/routing/config?tenant="+tenant, tok, "")
		var info plugins.ConfigInfo
		if code != 200 || json.Unmarshal([]byte(body), &info) != nil {
			t.Fatalf("read %s's: %d %s", tenant, code, body)
		}
		return string(info.Config)
	}
	if got := read(edge.DemoTenant); got != `{"agent":"agent-bob"}` {
		t.Fatalf("demo's configuration: %s", got)
	}
	if got := read("beta"); got != "null" {
		t.Fatalf("beta's configuration: %s", got)
	}

	check := func(when string) {
		t.Helper()
		e.Agent("alice@demo.test", "") // online first: without the configuration she would be chosen
		e.Agent("bob@demo.test", "")
		c := routed(t, e, edge.DemoTenant, edge.DemoInbox)
		if c.Assignee != "agent-bob" || c.RouteNote != `config {"agent":"agent-bob"}` || c.RoutedBy != "routing@1.0.0" {
			t.Fatalf("%s: the demo tenant's conversation was routed %+v", when, c)
		}
		c = routed(t, e, "beta", "beta-web")
		if c.RouteNote != "config none" || c.RoutedBy != "routing@1.0.0" {
			t.Fatalf("%s: the beta tenant's conversation was routed %+v", when, c)
		}
	}
	check("configured")
	e.Restart()
	tok = e.AdminToken()
	if got := read(edge.DemoTenant); got != `{"agent":"agent-bob"}` {
		t.Fatalf("demo's configuration after a restart: %s", got)
	}
	check("after a restart")

	// null clears it, for the next call
	if code, body := adminDo(t, e, "PUT", path, tok, "null"); code != 200 || !strings.Contains(body, `"config":null`) {
		t.Fatalf("clear: %d %s", code, body)
	}
	if got := read(edge.DemoTenant); got != "null" {
		t.Fatalf("demo's configuration after clearing: %s", got)
	}
	if c := routed(t, e, edge.DemoTenant, edge.DemoInbox); c.RouteNote != "config none" {
		t.Fatalf("after clearing: %+v", c)
	}
}
