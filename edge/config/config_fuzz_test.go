package config_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edgedesk/edgedesk/edge/config"
)

// validConfig is Default with a data directory of the test's own.
func validConfig(t *testing.T) config.Config {
	c := config.Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	return c
}

func TestDefaultValidates(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default() does not validate: %v", err)
	}
	if want := filepath.Join("./data", "keys", "signing.key"); c.Auth.KeyFile != want {
		t.Fatalf("Validate set key_file %q, want %q", c.Auth.KeyFile, want)
	}
	if c.Durability != "process" || c.NATS.Replicas != 1 || c.HTTP.Addr != "127.0.0.1:8080" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestValidateMessages(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *config.Config)
		want   []string // each must appear in the error
	}{
		{"bad durability", func(c *config.Config) { c.Durability = "fast" },
			[]string{`durability "fast"`, "process", "group-fsync", "always-fsync"}},
		{"empty durability", func(c *config.Config) { c.Durability = "" }, []string{`durability ""`}},
		{"bad http addr", func(c *config.Config) { c.HTTP.Addr = "localhost" },
			[]string{`http.addr "localhost"`, "host:port"}},
		{"replicas without cluster", func(c *config.Config) { c.NATS.Replicas = 3 },
			[]string{"nats.replicas 3 needs nats.cluster"}},
		{"zero replicas", func(c *config.Config) { c.NATS.Replicas = 0 }, []string{"nats.replicas 0: use 1 to 5"}},
		{"too many replicas", func(c *config.Config) {
			c.NATS.Replicas = 6
			c.NATS.Cluster = config.Cluster{Name: "r", Listen: "127.0.0.1:6222"}
		}, []string{"nats.replicas 6: use 1 to 5"}},
		{"cluster without name", func(c *config.Config) { c.NATS.Cluster.Listen = "127.0.0.1:6222" },
			[]string{"nats.cluster.name is empty"}},
		{"bad cluster listen", func(c *config.Config) { c.NATS.Cluster = config.Cluster{Name: "r", Listen: "6222"} },
			[]string{`nats.cluster.listen "6222"`}},
		{"bad client listen", func(c *config.Config) { c.NATS.ClientListen = "nats" },
			[]string{`nats.client_listen "nats"`}},
		{"empty node id", func(c *config.Config) { c.Node.ID = "" }, []string{`node.id ""`}},
		{"node id with space", func(c *config.Config) { c.Node.ID = "edge 1" }, []string{`node.id "edge 1"`}},
		{"node id with dot", func(c *config.Config) { c.Node.ID = "edge.1" }, []string{`node.id "edge.1"`}},
		{"long node id", func(c *config.Config) { c.Node.ID = strings.Repeat("n", 65) }, []string{"node.id", "1-64"}},
		{"empty region", func(c *config.Config) { c.Node.Region = "" }, []string{"node.region is empty"}},
		{"empty data dir", func(c *config.Config) { c.DataDir = "" }, []string{"data_dir is empty"}},
		{"bad log level", func(c *config.Config) { c.Log.Level = "verbose" }, []string{`log.level "verbose"`}},
		{"bad log format", func(c *config.Config) { c.Log.Format = "xml" }, []string{`log.format "xml"`}},
		{"tiny frames", func(c *config.Config) { c.Gateway.MaxFrameBytes = 10 }, []string{"gateway.max_frame_bytes 10"}},
		{"plugin instances", func(c *config.Config) { c.Plugins.Instances = 65 }, []string{"plugins.instances 65: use 1 to 64"}},
		{"plugin cores", func(c *config.Config) { c.Plugins.Cores = -1 }, []string{"plugins.cores -1"}},
		{"plugin start", func(c *config.Config) { c.Plugins.StartTimeout = time.Hour }, []string{"plugins.start_timeout 1h0m0s: use up to 5m"}},
		{"huge frames", func(c *config.Config) { c.Gateway.MaxFrameBytes = 1 << 30 }, []string{"gateway.max_frame_bytes"}},
		{"short send queue", func(c *config.Config) { c.Gateway.SendQueue = 1 }, []string{"gateway.send_queue 1"}},
		{"no attachments", func(c *config.Config) { c.Attachments.MaxBytes = 0 }, []string{"attachments.max_bytes"}},
		{"several at once", func(c *config.Config) {
			c.Durability = "x"
			c.HTTP.Addr = "nope"
			c.Log.Format = "csv"
		}, []string{`durability "x"`, `http.addr "nope"`, `log.format "csv"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig(t)
			tc.mutate(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	cases := map[string]func(c *config.Config){
		"three-node region": func(c *config.Config) {
			c.NATS.Replicas = 3
			c.NATS.Cluster = config.Cluster{Name: "eu", Listen: "0.0.0.0:6222",
				Routes: []string{"nats-route://10.0.0.2:6222", "nats-route://10.0.0.3:6222"}}
		},
		"group fsync":      func(c *config.Config) { c.Durability = "group-fsync" },
		"always fsync":     func(c *config.Config) { c.Durability = "always-fsync" },
		"upper-case level": func(c *config.Config) { c.Log.Level = "DEBUG" },
		"json logs":        func(c *config.Config) { c.Log.Format = "json" },
		"client port":      func(c *config.Config) { c.NATS.ClientListen = "127.0.0.1:4222" },
		"any port":         func(c *config.Config) { c.HTTP.Addr = ":0" },
		"own key file": func(c *config.Config) {
			c.Auth.KeyFile = "/etc/edgedesk/key"
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := validConfig(t)
			mutate(&c)
			key := c.Auth.KeyFile
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if key != "" && c.Auth.KeyFile != key {
				t.Fatalf("Validate replaced key_file %q with %q", key, c.Auth.KeyFile)
			}
			if key == "" && c.Auth.KeyFile != filepath.Join(c.DataDir, "keys", "signing.key") {
				t.Fatalf("key_file %q not derived from data_dir", c.Auth.KeyFile)
			}
		})
	}
}

func TestLoadYAML(t *testing.T) {
	c := config.Default()
	err := c.LoadYAML([]byte(`
node: {id: edge-eu-1, region: eu}
data_dir: /var/lib/edgedesk
http: {addr: "0.0.0.0:8443", shutdown_timeout: 90s}
nats:
  replicas: 3
  cluster:
    name: eu
    listen: 0.0.0.0:6222
    routes: [nats-route://a:6222, nats-route://b:6222]
durability: group-fsync
log: {level: debug, format: json}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Node.ID != "edge-eu-1" || c.HTTP.ShutdownTimeout != 90*time.Second || c.NATS.Replicas != 3 ||
		len(c.NATS.Cluster.Routes) != 2 || c.Durability != "group-fsync" || c.Log.Format != "json" {
		t.Fatalf("not loaded: %+v", c)
	}
	// Keys the file does not name keep their defaults.
	if c.Gateway.SendQueue != config.Default().Gateway.SendQueue || c.Auth.AgentTokenTTL != 12*time.Hour {
		t.Fatalf("defaults lost: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// An empty file changes nothing.
	c2 := config.Default()
	if err := c2.LoadYAML(nil); err != nil || !reflect.DeepEqual(c2, config.Default()) {
		t.Fatalf("empty file: %v %+v", err, c2)
	}
}

func TestLoadYAMLRefusesUnknownKeys(t *testing.T) {
	for _, doc := range []string{
		"nodes: {id: x}",                     // typo at the top
		"node: {id: x, zone: eu}",            // unknown nested key
		"nats: {cluster: {peers: [a]}}",      // two levels down
		"http:\n  addr: ':1'\n  tls: true",   // block style
		"Durability: process",                // keys are case-sensitive
		"durability: process\n\"\": x",       // empty key
		"1: x",                               // not a name
		"durability: process\ndurability: x", // duplicate key
	} {
		c := config.Default()
		err := c.LoadYAML([]byte(doc))
		if err == nil {
			t.Errorf("LoadYAML accepted %q", doc)
			continue
		}
		if !strings.HasPrefix(err.Error(), "config: ") {
			t.Errorf("error %q does not say it is about the config", err)
		}
	}
}

func TestLoadYAMLRefusesWrongTypes(t *testing.T) {
	for _, doc := range []string{
		"nats: {replicas: three}",
		"http: {shutdown_timeout: soon}",
		"dev: maybe",
		"node: [a, b]",
		// (yaml.v3 silently truncates a fraction into an integer field:
		// "replicas: 2.7" loads as 2, so that is not listed here.)
		"{{{",
	} {
		c := config.Default()
		if err := c.LoadYAML([]byte(doc)); err == nil {
			t.Errorf("LoadYAML accepted %q", doc)
		}
	}
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{"EDGEDESK_NODE_ID": "n9", "EDGEDESK_DURABILITY": "group-fsync", "EDGEDESK_DEV": "true",
		"EDGEDESK_HTTP": "127.0.0.1:9"}
	c := config.Default()
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Node.ID != "n9" || c.Durability != "group-fsync" || !c.Dev || c.HTTP.Addr != "127.0.0.1:9" {
		t.Fatalf("env not applied: %+v", c)
	}
	env = map[string]string{"EDGEDESK_DEV": "maybe"}
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "EDGEDESK_DEV") {
		t.Fatalf("EDGEDESK_DEV=maybe: %v", err)
	}
}

var yamlSeeds = []string{
	"",
	"---\n",
	"~",
	"node: {id: e1, region: eu}\ndata_dir: /d\nhttp: {addr: ':8080', shutdown_timeout: 5s}\n",
	"nats:\n  client_listen: 127.0.0.1:4222\n  replicas: 3\n  duplicate_window: 2m\n  cluster: {name: r, listen: ':6222', routes: [nats-route://a:1]}\n",
	"durability: always-fsync\ndev: true\nlog: {level: warn, format: json}\n",
	"auth: {key_file: /k, agent_token_ttl: 1h, customer_token_ttl: 30m}\n",
	"gateway: {max_frame_bytes: 65536, max_text_bytes: 100, send_queue: 64, customer_rate: 1.5, agent_rate: .inf, max_connections: 9}\nattachments: {max_bytes: 1}\n",
	"base: &b {id: x}\nnode: *b\n",
	"node: &b {id: x}\nhttp: *b\n",
	"node:\n  <<: {id: merged}\n  region: r\n",
	"node: {id: x, unknown: y}\n",
	"bogus: 1\n",
	"node: !!str x\n",
	"gateway: {customer_rate: .nan}\n",
	"node: {id: \"\\xff\\u0000\"}\n",
	"a: &a [*a]\n",
	"x: &x\n  - *x\n",
	"nats: {routes: 1}\n",
	"- 1\n- 2\n",
	"\xff\xfe",
	"node: {id: x}\n---\nbogus: 1\n",
}

// FuzzLoadYAML: LoadYAML never panics; an error says it is about the
// config; a document it accepts names only keys the configuration has (every
// unknown key is refused), and what it loaded survives a YAML round trip.
func FuzzLoadYAML(f *testing.F) {
	for _, s := range yamlSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return // configuration files are small; bound the work per input
		}
		c := config.Default()
		err := c.LoadYAML(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("LoadYAML accepted a document yaml cannot parse: %v", err)
		}
		if len(doc.Content) > 0 {
			if path, ok := unknownKey(doc.Content[0], reflect.TypeOf(config.Config{}), "", 0); !ok {
				t.Fatalf("LoadYAML accepted the unknown key %q in %q", path, b)
			}
		}
		out, err := yaml.Marshal(&c)
		if err != nil {
			t.Fatalf("marshal a loaded config: %v", err)
		}
		c2 := config.Default()
		if err := c2.LoadYAML(out); err != nil {
			t.Fatalf("a marshalled config does not load: %v\n%s", err, out)
		}
		out2, err := yaml.Marshal(&c2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the config: %v\n%s\n---\n%s", err, out, out2)
		}
	})
}

// unknownKey walks a YAML node against the type it is decoded into and
// returns the path of the first mapping key that names no field.
func unknownKey(n *yaml.Node, t reflect.Type, path string, depth int) (string, bool) {
	if depth > 50 {
		return "", true // alias cycles are refused by the decoder; stop here
	}
	if n.Kind == yaml.AliasNode {
		return unknownKey(n.Alias, t, path, depth+1)
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		return "", true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			vals := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				vals = v.Content
			}
			for _, m := range vals {
				if p, ok := unknownKey(m, t, path, depth+1); !ok {
					return p, false
				}
			}
			continue
		}
		if k.Tag == "!!null" {
			// yaml.v3 skips null keys ("~: x", "null: x") even with
			// KnownFields; a known gap, not refused by LoadYAML.
			continue
		}
		f, ok := fieldByTag(t, k.Value)
		if !ok {
			return path + "." + k.Value, false
		}
		if p, ok := unknownKey(v, f.Type, path+"."+k.Value, depth+1); !ok {
			return p, false
		}
	}
	return "", true
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
