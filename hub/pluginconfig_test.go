package hub_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/hub/hubtest"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// A plugin's configuration set on the hub goes out on the control stream
// and reaches the plugin's calls for that tenant on the edge; clearing it
// does too. What the hub refuses says why and appends nothing to its
// configuration log.
func TestPluginConfigFromTheHub(t *testing.T) {
	h := hubtest.Start(t)
	cfg := linkedEdge(t, h, "eu-1", "eu")
	key := edgetest.TrustPluginKey(t, &cfg)
	e := edgetest.Start(t, cfg)
	e.InstallPlugin(key, "edge/testdata/configured", host.Manifest{Name: "routing", Version: "1.0.0", ABI: abi.Version,
		Kind: abi.KindRouting, Capabilities: []string{abi.CapConfig}})

	const path = "/api/v1/tenants/demo/plugins/routing/config"
	for _, c := range []struct{ path, body, want string }{
		{path, `agent=agent-bob`, `{"code":"invalid","message":"a plugin's configuration is a JSON object (starting with '{'): this one is not an object (send null to clear it)"}`},
		{path, `{"agent":"agent-bob"`, `unexpected end of JSON input`},
		{path, `[1]`, `this one is not an object`},
		{"/api/v1/tenants/demo/plugins/Routing/config", `{}`, `"plugin \"Routing\": a plugin's name is 1-63 lower-case letters, digits or '-'"`},
		{"/api/v1/tenants/no%20such/plugins/routing/config", `{}`, `bad tenant id`},
	} {
		if got := put(t, h, c.path, c.body, 400); !strings.Contains(got, c.want) {
			t.Errorf("PUT %s %s: %s, want it to say %q", c.path, c.body, got, c.want)
		}
	}
	big := `{"x":"` + strings.Repeat("a", event.MaxPluginConfig) + `"}`
	if got := put(t, h, path, big, 413); !strings.Contains(got, "at most 65536 bytes of JSON") {
		t.Errorf("too large: %s", got)
	}
	if got := put(t, h, path, `{ "agent": "agent-bob" }`, 200); !strings.Contains(got, `"config_seq":1,`) {
		t.Fatalf("the first configuration the hub took: %s (refused ones must not have been appended)", got)
	}

	eventually(t, "the edge has the configuration", func() error {
		r, err := e.Node.Store().PluginConfig("demo", "routing")
		if err != nil || string(r.Config) != `{"agent":"agent-bob"}` {
			return fmt.Errorf("%+v, %v", r, err)
		}
		return nil
	})
	e.Agent("alice@demo.test", "")
	e.Agent("bob@demo.test", "")
	route := func() string {
		t.Helper()
		v := e.Customer(&client.Hello{Inbox: "demo-web"})
		defer v.Close()
		ack, err := v.Start(ctxT(t), "c1")
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.Node.Store().Conversation("demo", ack.Conv)
		if err != nil {
			t.Fatal(err)
		}
		return c.Assignee + " " + c.RouteNote
	}
	if got := route(); got != `agent-bob config {"agent":"agent-bob"}` {
		t.Fatalf("routed by the hub's configuration: %s", got)
	}

	put(t, h, path, `null`, 200)
	eventually(t, "the edge has it cleared", func() error {
		if r, err := e.Node.Store().PluginConfig("demo", "routing"); !errors.Is(err, state.ErrNotFound) {
			return fmt.Errorf("%+v, %v", r, err)
		}
		return nil
	})
	if got := route(); !strings.HasSuffix(got, " config none") {
		t.Fatalf("routed after the hub cleared it: %s", got)
	}
}
