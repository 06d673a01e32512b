package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/config"
)

// addrKeys are the host:port keys, each with how to set it on a config that
// otherwise validates, the example its message shows, and whether it is an
// address to dial (a host and a port from 1).
var addrKeys = []struct {
	key     string
	set     func(c *config.Config, v string)
	example string
	dial    bool
}{
	{"http.addr", func(c *config.Config, v string) { c.HTTP.Addr = v }, "127.0.0.1:8080", false},
	{"nats.client_listen", func(c *config.Config, v string) { c.NATS.ClientListen = v }, "127.0.0.1:4222", false},
	{"nats.cluster.listen", func(c *config.Config, v string) {
		c.NATS.Cluster = config.Cluster{Name: "eu", Listen: v}
	}, "0.0.0.0:6222", false},
	{"hub.addr", func(c *config.Config, v string) {
		c.Node = config.Node{ID: "edge-1", Region: "eu"}
		c.Hub.Addr = v
	}, "hub.example.com:4443", true},
	{"calls.media_addr", func(c *config.Config, v string) { c.Calls.MediaAddr = v }, "0.0.0.0:7882", false},
	{"turn.addr", func(c *config.Config, v string) { c.TURN.Addr = v }, "0.0.0.0:3478", false},
	{"turn.tls_addr", func(c *config.Config, v string) {
		c.TURN = config.TURN{Addr: "0.0.0.0:3478", TLSAddr: v, TLSCertFile: "c.pem", TLSKeyFile: "k.pem"}
	}, "0.0.0.0:5349", false},
}

func TestAddressMessages(t *testing.T) {
	long := strings.Repeat("a.", 127) + "ab" // 256 characters
	cases := []struct {
		name, value string
		want        string // the problem, after the key and the quoted value
	}{
		{"no port", "abc", "use host:port"},
		{"only a port", "6222", "use host:port"},
		{"IPv6 without brackets", "::1:80", "use host:port, with an IPv6 address in brackets ([::1]:port)"},
		{"port too big", "127.0.0.1:99999", "port 99999 is out of range: use %d to 65535"},
		{"port far too big", "127.0.0.1:123456789012345678901", "port 123456789012345678901 is out of range: use %d to 65535"},
		{"service name", "127.0.0.1:http", `port "http" is not a number: use %d to 65535`},
		{"signed port", "127.0.0.1:+80", `port "+80" is not a number: use %d to 65535`},
		{"empty port", "127.0.0.1:", `port "" is not a number: use %d to 65535`},
		{"numbers not an IP", "999.1.1.1:80", "999.1.1.1 is not an IP address (each part 0-255) nor a host name"},
		{"three numbers", "10.0.0:80", "10.0.0 is not an IP address (each part 0-255) nor a host name"},
		{"bad IPv6", "[::g]:80", `"::g" is not an IP address nor a host name`},
		{"underscore", "edge_b:80", `"edge_b" is not an IP address nor a host name (letters, digits and '-' between dots`},
		{"leading dash", "-edge:80", `"-edge" is not an IP address nor a host name`},
		{"trailing dash", "edge-.internal:80", `"edge-.internal" is not an IP address nor a host name`},
		{"empty label", "edge..internal:80", `"edge..internal" is not an IP address nor a host name`},
		{"label of 64", strings.Repeat("a", 64) + ".internal:80", "is not an IP address nor a host name"},
		{"name of 256", long + ":80", "at most 253 characters"},
	}
	for _, k := range addrKeys {
		for _, tc := range cases {
			t.Run(k.key+"/"+tc.name, func(t *testing.T) {
				minPort := 0
				if k.dial {
					minPort = 1
				}
				want := tc.want
				if strings.Contains(want, "%d") {
					want = fmt.Sprintf(want, minPort)
				}
				checkMessage(t, k.set, tc.value, fmt.Sprintf("%s %q: ", k.key, tc.value), want, ", e.g. "+k.example)
			})
		}
	}
	t.Run("http.addr/empty", func(t *testing.T) {
		checkMessage(t, addrKeys[0].set, "", `http.addr "": use host:port, e.g. 127.0.0.1:8080`)
	})
	// The exact messages of the examples in the documentation.
	for _, tc := range []struct{ key, value, want string }{
		{"http.addr", "abc", `http.addr "abc": use host:port, e.g. 127.0.0.1:8080`},
		{"http.addr", "127.0.0.1:99999", `http.addr "127.0.0.1:99999": port 99999 is out of range: use 0 to 65535, e.g. 127.0.0.1:8080`},
		{"http.addr", "999.1.1.1:8080", `http.addr "999.1.1.1:8080": 999.1.1.1 is not an IP address (each part 0-255) nor a host name, e.g. 127.0.0.1:8080`},
		{"hub.addr", "hub:0", `hub.addr "hub:0": port 0 is out of range: use 1 to 65535, e.g. hub.example.com:4443`},
		{"hub.addr", ":4443", `hub.addr ":4443": the host is missing, e.g. hub.example.com:4443`},
	} {
		t.Run("exact/"+tc.key+"/"+tc.value, func(t *testing.T) {
			for _, k := range addrKeys {
				if k.key == tc.key {
					checkMessage(t, k.set, tc.value, tc.want)
				}
			}
		})
	}
}

func TestAddressesAccepted(t *testing.T) {
	for _, k := range addrKeys {
		for _, v := range []string{":8080", "0.0.0.0:6222", "[::1]:4222", "edge-eu-2.internal:6222",
			"edge-eu-2.internal.:6222", "127.0.0.1:65535", "[fe80::1%eth0]:6222", "LOCALHOST:1",
			strings.Repeat("a", 63) + ".internal:1", strings.Repeat("a.", 126) + "a:1"} { // 63, 253 characters
			if k.dial && strings.HasPrefix(v, ":") {
				continue // an address to dial names a host
			}
			t.Run(k.key+"/"+v[:min(len(v), 30)], func(t *testing.T) {
				c := validConfig(t)
				k.set(&c, v)
				if err := c.Validate(); err != nil {
					t.Fatalf("%s %q refused: %v", k.key, v, err)
				}
			})
		}
		if !k.dial {
			t.Run(k.key+"/port 0", func(t *testing.T) {
				c := validConfig(t)
				k.set(&c, "127.0.0.1:0")
				if err := c.Validate(); err != nil {
					t.Fatalf("%s port 0 (any free port) refused: %v", k.key, err)
				}
			})
		}
	}
}

func TestRouteMessages(t *testing.T) {
	cluster := func(routes ...string) func(c *config.Config, _ string) {
		return func(c *config.Config, _ string) {
			c.NATS.Cluster = config.Cluster{Name: "eu", Listen: "0.0.0.0:6222", Routes: routes}
		}
	}
	cases := []struct {
		name   string
		routes []string
		want   []string
	}{
		{"no scheme", []string{"nats-route://10.0.0.2:6222", "edge-b:6222"},
			[]string{`nats.cluster.routes[1] "edge-b:6222": use nats-route://host:port, e.g. nats-route://edge-b:6222`}},
		{"bare host", []string{"edge-b"},
			[]string{`nats.cluster.routes[0] "edge-b": use nats-route://host:port, e.g. nats-route://10.0.0.2:6222`}},
		{"no port", []string{"nats-route://edge-b"},
			[]string{`nats.cluster.routes[0] "nats-route://edge-b": use nats-route://host:port, e.g. nats-route://10.0.0.2:6222`}},
		{"other scheme", []string{"tls://edge-b:6222"}, []string{`nats.cluster.routes[0] "tls://edge-b:6222": use nats-route://host:port`}},
		{"path", []string{"nats-route://edge-b:6222/x"}, []string{`nats.cluster.routes[0] "nats-route://edge-b:6222/x": use nats-route://host:port`}},
		{"user", []string{"nats-route://u:p@edge-b:6222"}, []string{`nats.cluster.routes[0] "nats-route://u:p@edge-b:6222": use nats-route://host:port`}},
		{"bad port", []string{"nats-route://edge-b:port"}, []string{`nats.cluster.routes[0] "nats-route://edge-b:port": use nats-route://host:port`}},
		{"port out of range", []string{"nats-route://edge-b:99999"},
			[]string{`nats.cluster.routes[0] "nats-route://edge-b:99999": port 99999 is out of range: use 1 to 65535, e.g. nats-route://10.0.0.2:6222`}},
		{"port 0", []string{"nats-route://edge-b:0"}, []string{`nats.cluster.routes[0] "nats-route://edge-b:0": port 0 is out of range: use 1 to 65535`}},
		{"no host", []string{"nats-route://:6222"}, []string{`nats.cluster.routes[0] "nats-route://:6222": the host is missing`}},
		{"not an IP", []string{"nats-route://999.1.1.1:6222"},
			[]string{`nats.cluster.routes[0] "nats-route://999.1.1.1:6222": 999.1.1.1 is not an IP address (each part 0-255) nor a host name, e.g. nats-route://10.0.0.2:6222`}},
		{"every bad route", []string{"a", "nats-route://b:1", "c:1"},
			[]string{`nats.cluster.routes[0] "a"`, `nats.cluster.routes[2] "c:1"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkMessage(t, cluster(tc.routes...), "", tc.want...)
		})
	}
	t.Run("routes without listen", func(t *testing.T) {
		checkMessage(t, func(c *config.Config, _ string) {
			c.NATS.Cluster = config.Cluster{Name: "eu", Routes: []string{"nats-route://10.0.0.2:6222"}}
		}, "", "nats.cluster.routes needs nats.cluster.listen")
	})
	for _, r := range []string{"nats-route://10.0.0.2:6222", "nats://10.0.0.2:6222", "nats-route://edge-eu-2.internal:6222",
		"nats-route://[::1]:6222", "NATS-ROUTE://edge-b:6222"} {
		t.Run("accepts "+r, func(t *testing.T) {
			c := validConfig(t)
			cluster(r)(&c, "")
			if err := c.Validate(); err != nil {
				t.Fatalf("route %q refused: %v", r, err)
			}
		})
	}
}

// TestValidateReportsEveryAddress: every bad address is reported at once.
func TestValidateReportsEveryAddress(t *testing.T) {
	c := validConfig(t)
	c.HTTP.Addr = "abc"
	c.NATS.ClientListen = "127.0.0.1:99999"
	c.NATS.Cluster = config.Cluster{Name: "eu", Listen: "999.1.1.1:6222", Routes: []string{"edge-b:6222"}}
	c.Calls.MediaAddr = "media"
	err := c.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{`http.addr "abc"`, `nats.client_listen "127.0.0.1:99999"`, `nats.cluster.listen "999.1.1.1:6222"`,
		`nats.cluster.routes[0] "edge-b:6222"`, `calls.media_addr "media"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 5 {
		t.Errorf("%d problems reported, want 5:\n%v", n, err)
	}
}

// checkMessage sets value with set on a config that validates and checks
// that Validate refuses it with a message containing each of want.
func checkMessage(t *testing.T, set func(c *config.Config, v string), value string, want ...string) {
	t.Helper()
	c := validConfig(t)
	set(&c, value)
	err := c.Validate()
	if err == nil {
		t.Fatalf("Validate accepted %q", value)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestLoadYAMLTypeMessages(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string // each a line of the error
	}{
		{"duration", "projector:\n  linger: fast\n", []string{"config: `projector.linger` (line 2): give a duration such as 15ms"}},
		// yaml.v3 refuses a bare number for a duration: 15 would be 15ns.
		{"duration without a unit", "projector: {linger: 15}", []string{"config: `projector.linger` (line 1): give a duration such as 15ms"}},
		{"duration as a fraction", "http:\n  drain_delay: 1.5\n", []string{"config: `http.drain_delay` (line 2): give a duration such as 15ms"}},
		{"int", "nats: {replicas: three}", []string{"config: `nats.replicas` (line 1): give a whole number such as 10"}},
		{"int64", "gateway:\n  max_frame_bytes: 64KiB\n", []string{"config: `gateway.max_frame_bytes` (line 2): give a whole number such as 10"}},
		{"negative uint32", "plugins: {memory_mib: -1}", []string{"config: `plugins.memory_mib` (line 1): give a whole number such as 10"}},
		{"plugin cores", "plugins: {cores: many}", []string{"config: `plugins.cores` (line 1): give a whole number such as 10"}},
		{"float", "gateway: {customer_rate: fast}", []string{"config: `gateway.customer_rate` (line 1): give a number such as 2.5"}},
		{"bool", "dev: maybe", []string{"config: `dev` (line 1): give true or false"}},
		{"string", "node: {id: [a]}", []string{"config: `node.id` (line 1): give text, in quotes if it looks like a number or a boolean"}},
		{"list", "plugins: {trusted_keys: /k}", []string{"config: `plugins.trusted_keys` (line 1): give a list such as [a, b]"}},
		{"list element", "nats:\n  cluster:\n    routes:\n      - nats-route://a:1\n      - {host: b}\n",
			[]string{"config: `nats.cluster.routes[1]` (line 5): give text, in quotes if it looks like a number or a boolean"}},
		{"mapping", "node: [a, b]", []string{"config: `node` (line 1): give a mapping of keys (see deploy/edge.sample.yaml)"}},
		{"the file", "- a\n- b\n", []string{"config: the file (line 1): give a mapping of keys (see deploy/edge.sample.yaml)"}},
		{"several on one line", "http: {shutdown_timeout: soon, drain_delay: later}\nnats: {replicas: x}",
			[]string{"config: `http.shutdown_timeout` (line 1): give a duration", "config: `http.drain_delay` (line 1): give a duration",
				"config: `nats.replicas` (line 2): give a whole number"}},
		{"same value twice", "http: {shutdown_timeout: soon, drain_delay: soon}",
			[]string{"config: `http.shutdown_timeout` (line 1)", "config: `http.drain_delay` (line 1)"}},
		{"alias", "http: {shutdown_timeout: &d soon, drain_delay: *d}",
			[]string{"config: `http.shutdown_timeout` (line 1)", "config: `http.drain_delay` (line 1)"}},
		{"merge", "node:\n  <<: {id: [x]}\n  region: eu\n", []string{"config: `node.id` (line 2): give text"}},
		{"long value", "projector: {linger: a very long value}", []string{"config: `projector.linger` (line 1): give a duration such as 15ms"}},
		{"unknown key", "node: {id: x, zone: eu}", []string{"config: `node.zone` (line 1): unknown key: use one of id, region"}},
		{"unknown key two levels down", "nats:\n  cluster:\n    peers: [a]\n",
			[]string{"config: `nats.cluster.peers` (line 3): unknown key: use one of name, listen, routes"}},
		{"duplicate key", "durability: process\ndurability: x", []string{"config: `durability` (line 2): given twice (first at line 1): keep one"}},
		{"syntax error keeps the line", "node:\n  id: [x\n", []string{"config: yaml: line "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			err := c.LoadYAML([]byte(tc.doc))
			if err == nil {
				t.Fatalf("LoadYAML accepted %q", tc.doc)
			}
			lines := strings.Split(err.Error(), "\n")
			if tc.name != "syntax error keeps the line" && len(lines) != len(tc.want) {
				t.Errorf("%d errors, want %d: %v", len(lines), len(tc.want), err)
			}
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, w)
				}
				if !found {
					t.Errorf("error %q has no line starting %q", err, w)
				}
			}
		})
	}
}
