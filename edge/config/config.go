// Package config is the edge's configuration: defaults that run with no
// file at all, a strict YAML file (unknown keys are errors), EDGEDESK_*
// environment variables, then command-line flags, in that order, checked by
// Validate with messages that say what to change.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edgedesk/edgedesk/turn"
)

// Config is the whole edge configuration. See deploy/edge.sample.yaml.
type Config struct {
	Node        Node        `yaml:"node"`
	DataDir     string      `yaml:"data_dir"`
	HTTP        HTTP        `yaml:"http"`
	NATS        NATS        `yaml:"nats"`
	Durability  string      `yaml:"durability"`
	Projector   Projector   `yaml:"projector"`
	Auth        Auth        `yaml:"auth"`
	Gateway     Gateway     `yaml:"gateway"`
	Attachments Attachments `yaml:"attachments"`
	Log         Log         `yaml:"log"`
	Hub         Hub         `yaml:"hub"`
	Plugins     Plugins     `yaml:"plugins"`
	TURN        TURN        `yaml:"turn"`
	Calls       Calls       `yaml:"calls"`
	Tickets     Tickets     `yaml:"tickets"`
	Webhooks    Webhooks    `yaml:"webhooks"`
	Email       Email       `yaml:"email"`
	Channels    []Channel   `yaml:"channels"`
	Dev         bool        `yaml:"dev"`
}

// Tickets configures the lifecycle of conversations as tickets
// (docs/tickets.md).
type Tickets struct {
	// CloseAfter is how long a solved conversation stays solved (a
	// customer's reply reopens it) before it is closed for good: 1s to
	// 8760h; 0 never closes one.
	CloseAfter time.Duration `yaml:"close_after"`
}

// Webhooks configures the delivery of tenants' outbound webhooks
// (docs/webhooks.md).
type Webhooks struct {
	// Timeout bounds an attempt (1s to 60s).
	Timeout time.Duration `yaml:"timeout"`
	// InFlight bounds each endpoint's deliveries in flight (1 to 64).
	InFlight int `yaml:"in_flight"`
	// Retry are the waits before each attempt after a failed one; a
	// delivery is dead after the last (1 to 20 waits, each 1s to 24h).
	Retry []time.Duration `yaml:"retry"`
}

// Calls configures the media server of calls (docs/calls.md).
type Calls struct {
	// MediaAddr, when set, is one UDP address all calls' media goes
	// through (e.g. 0.0.0.0:7882): one port to open. Empty: a port per
	// connection, from the ephemeral range.
	MediaAddr string `yaml:"media_addr"`
	// RingTimeout is how long a call rings unanswered before it ends
	// ("no answer"): 1s to 10m.
	RingTimeout time.Duration `yaml:"ring_timeout"`
}

// TURN configures the embedded TURN server (docs/calls.md). With no addr
// there is none, and clients get no ICE servers.
type TURN struct {
	// Addr is where it listens, on UDP and TCP (e.g. 0.0.0.0:3478).
	Addr string `yaml:"addr"`
	// SecretFile holds the TURN REST API shared secret (at least 16
	// bytes): the edge makes credentials with it, the server checks them.
	// A standalone `turn` server given the same file serves the edge's
	// clients too. Default <data_dir>/turn.secret, made on first start.
	SecretFile string `yaml:"secret_file"`
	// PublicHost is the host name or address clients reach the server at
	// (default: the host of the request that asks for credentials).
	PublicHost string `yaml:"public_host"`
	// RelayIP is the address of relays as clients see them (required
	// when Addr listens on every interface).
	RelayIP string `yaml:"relay_ip"`
	// Ports is the relay port range (default 49152-65535).
	Ports string `yaml:"ports"`
	// MaxAllocations a user may hold (default 10); Bandwidth caps a
	// user's relays, bytes per second each way (0: none).
	MaxAllocations int `yaml:"max_allocations"`
	Bandwidth      int `yaml:"bandwidth"`
	// AllowPrivatePeers lets relays reach private addresses (a
	// deployment inside one network). Loopback peers are allowed with
	// dev only.
	AllowPrivatePeers bool `yaml:"allow_private_peers"`
	// TTL is how long the credentials a client gets are good for
	// allocating (default 1h); a call that started keeps its relay.
	TTL time.Duration `yaml:"ttl"`
	// TLSAddr, with TLSCertFile and TLSKeyFile (PEM), also serves TURN
	// over TLS 1.3 (turns:), for networks that let only TLS through.
	TLSAddr     string `yaml:"tls_addr"`
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
}

// Plugins configures the WebAssembly plugins (docs/plugins.md).
type Plugins struct {
	// TrustedKeys are files of public keys (`edge plugin keygen`) whose
	// signatures the edge accepts on plugin packages. With none, no plugin
	// can be installed and the built-in rules run.
	TrustedKeys []string `yaml:"trusted_keys"`
	// Timeout bounds one plugin call (default 50ms).
	Timeout time.Duration `yaml:"timeout"`
	// MemoryMiB caps a plugin instance's memory (default 64).
	MemoryMiB uint32 `yaml:"memory_mib"`
	// Instances caps the instances of a plugin version (default 4); with
	// MemoryMiB it also sets the memory quota (Instances x MemoryMiB of
	// growth per 10 s).
	Instances int `yaml:"instances"`
	// Cores caps the plugin calls running at once, over all plugins
	// (default: one fewer than the cores Go uses, at least one).
	Cores int `yaml:"cores"`
	// StartTimeout bounds making a plugin instance (start section and
	// _initialize) and the check at install (default 10s).
	StartTimeout time.Duration `yaml:"start_timeout"`
	// CacheDir keeps compiled plugins across restarts (default
	// <data_dir>/plugin-cache). Edges on one machine may share one.
	CacheDir string `yaml:"cache_dir"`
}

// Node names this edge.
type Node struct {
	ID     string `yaml:"id"`
	Region string `yaml:"region"`
}

// HTTP is the listener for the WebSocket gateway, API, health and metrics.
type HTTP struct {
	Addr            string        `yaml:"addr"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// DrainDelay is how long /readyz answers 503 at shutdown before the
	// listener closes, so that a load balancer stops sending first.
	DrainDelay time.Duration `yaml:"drain_delay"`
	// TrustedProxies are the addresses (or CIDR prefixes) of the load
	// balancers in front of the edge: a request from one of them names
	// its client in X-Forwarded-For. Sign-in throttling counts failures
	// per client address.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// NATS configures the embedded NATS server.
type NATS struct {
	// ClientListen opens a NATS client port for tools (host:port); empty:
	// none. Every connection to it authenticates with an nkey.
	ClientListen string `yaml:"client_listen"`
	// ClientAccess is what the tools' nkey may do: read (the stream's
	// state and events) or operate (also step leaders down, remove
	// peers and consumers). Nobody but the edge writes the log.
	ClientAccess string `yaml:"client_access"`
	// ToolsNkeyFile holds the tools' nkey seed (`nats --nkey FILE`);
	// default <data_dir>/nats/tools.nk, made on first start.
	ToolsNkeyFile string `yaml:"tools_nkey_file"`
	// SystemNkeyFile holds the seed of the NATS system account's user,
	// for monitoring (`nats server report jetstream`); default
	// <data_dir>/nats/system.nk, made on first start.
	SystemNkeyFile  string        `yaml:"system_nkey_file"`
	Cluster         Cluster       `yaml:"cluster"`
	Replicas        int           `yaml:"replicas"`
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
}

// Cluster joins the edge nodes of one region.
type Cluster struct {
	Name   string   `yaml:"name"`
	Listen string   `yaml:"listen"`
	Routes []string `yaml:"routes"`
}

// Projector tunes how the event log is applied to the state store.
type Projector struct {
	// Linger: when fewer than 64 events are ready, wait this long for more
	// before applying them (group commit); 0 applies at once.
	Linger time.Duration `yaml:"linger"`
}

// Auth configures credentials.
type Auth struct {
	KeyFile string `yaml:"key_file"`
	// MetricsTokenFile holds a bearer token that /metrics requires. When it
	// is empty, /metrics answers loopback clients only.
	MetricsTokenFile string        `yaml:"metrics_token_file"`
	AgentTokenTTL    time.Duration `yaml:"agent_token_ttl"`
	CustomerTTL      time.Duration `yaml:"customer_token_ttl"`
	// BcryptCost is the cost of new password hashes (4-31; default 10).
	BcryptCost int `yaml:"bcrypt_cost"`
	// AcceptedKeyFiles are other region secrets the region accepts
	// beside key_file (a rotation under way, or the secrets before it):
	// events they signed still verify, and route certificates made with
	// them are accepted. Tokens are signed and checked with key_file only.
	AcceptedKeyFiles []string `yaml:"accepted_key_files"`
	// AdminTokenFile holds the operators' bearer token for the admin API
	// (/api/v1/status). Empty: <data>/admin-token, made on first start
	// (<data>/dev-admin-token with --dev).
	AdminTokenFile string `yaml:"admin_token_file"`
	Login          Login  `yaml:"login"`
}

// Login throttles failed sign-ins (POST /api/v1/login), per account and per
// client address (docs/protocol.md#connecting). After AccountFailures
// failures of one account, or AddressFailures from one address, each
// further failure locks it for Backoff, doubling up to MaxBackoff; a
// locked account or address is answered 429 without checking the
// password, until the lock ends or an operator lifts it.
type Login struct {
	AccountFailures int           `yaml:"account_failures"`
	AddressFailures int           `yaml:"address_failures"`
	Backoff         time.Duration `yaml:"backoff"`
	MaxBackoff      time.Duration `yaml:"max_backoff"`
	// ForgetAfter: failures this long ago, with no lock left, no longer
	// count.
	ForgetAfter time.Duration `yaml:"forget_after"`
	// MaxTracked bounds the accounts, and the addresses, remembered:
	// beyond it the least recently seen unlocked ones are forgotten.
	MaxTracked int `yaml:"max_tracked"`
}

// Gateway bounds clients.
type Gateway struct {
	MaxFrameBytes  int64   `yaml:"max_frame_bytes"`
	MaxTextBytes   int     `yaml:"max_text_bytes"`
	SendQueue      int     `yaml:"send_queue"`
	CustomerRate   float64 `yaml:"customer_rate"`
	AgentRate      float64 `yaml:"agent_rate"`
	MaxConnections int64   `yaml:"max_connections"`
	// PresenceTTL: another node's agents count as online this long after
	// that node's last heartbeat.
	PresenceTTL time.Duration `yaml:"presence_ttl"`
}

// Hub links the edge to its hub. With no address the edge runs alone.
type Hub struct {
	// Addr is the hub's QUIC address (host:port).
	Addr string `yaml:"addr"`
	// EnrollTokenFile holds the token from `hub enroll-token`, used once
	// when the edge has no certificate yet.
	EnrollTokenFile string `yaml:"enroll_token_file"`
	// RegionKeyFile holds the region's 32-byte key that seals what tenants
	// keep in region; every edge of a region holds the same. Made on first
	// start when missing (default <data>/region.key).
	RegionKeyFile string `yaml:"region_key_file"`
}

// Attachments configures uploads (docs/protocol.md#attachments). The
// quotas hold on each node, for the bytes it stores.
type Attachments struct {
	MaxBytes int64 `yaml:"max_bytes"`
	// A session (the holder of one customer or agent token) may upload
	// SessionBytes per QuotaWindow, all of a tenant's sessions together
	// TenantBytes.
	QuotaWindow  time.Duration `yaml:"quota_window"`
	SessionBytes int64         `yaml:"session_bytes"`
	TenantBytes  int64         `yaml:"tenant_bytes"`
	// Uploads no message references yet may hold at most these bytes of
	// a session and of a tenant; each counts at least 4 KiB.
	SessionUnreferencedBytes int64 `yaml:"session_unreferenced_bytes"`
	TenantUnreferencedBytes  int64 `yaml:"tenant_unreferenced_bytes"`
	// UnreferencedTTL: an upload no message references this long after
	// it was stored is deleted.
	UnreferencedTTL time.Duration `yaml:"unreferenced_ttl"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Default returns the configuration used when nothing is given.
func Default() Config {
	host, _ := os.Hostname()
	if host == "" {
		host = "edge"
	}
	return Config{
		Node:       Node{ID: truncate(sanitize(host), 64), Region: "local"},
		DataDir:    "./data",
		HTTP:       HTTP{Addr: "127.0.0.1:8080", ShutdownTimeout: 15 * time.Second, DrainDelay: 5 * time.Second},
		NATS:       NATS{ClientAccess: "read", Replicas: 1, DuplicateWindow: 10 * time.Minute},
		Durability: "process",
		Projector:  Projector{Linger: time.Millisecond},
		Auth: Auth{AgentTokenTTL: 12 * time.Hour, CustomerTTL: 24 * time.Hour, BcryptCost: 10,
			Login: Login{AccountFailures: 5, AddressFailures: 20, Backoff: time.Second, MaxBackoff: 15 * time.Minute,
				ForgetAfter: time.Hour, MaxTracked: 100000}},
		Gateway: Gateway{MaxFrameBytes: 64 << 10, MaxTextBytes: 16 << 10, SendQueue: 1024,
			CustomerRate: 100, AgentRate: 1000, MaxConnections: 100000, PresenceTTL: 15 * time.Second},
		Attachments: Attachments{MaxBytes: 10 << 20, QuotaWindow: time.Hour, SessionBytes: 256 << 20, TenantBytes: 16 << 30,
			SessionUnreferencedBytes: 64 << 20, TenantUnreferencedBytes: 2 << 30, UnreferencedTTL: 24 * time.Hour},
		Log:     Log{Level: "info", Format: "text"},
		Calls:   Calls{RingTimeout: 45 * time.Second},
		Tickets: Tickets{CloseAfter: 96 * time.Hour},
		Webhooks: Webhooks{Timeout: 10 * time.Second, InFlight: 8,
			Retry: []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}},
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return b.String()
}

// LoadFile decodes a YAML file over c. Unknown keys are errors.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	return c.LoadYAML(b)
}

// LoadYAML decodes YAML over c strictly. A value of the wrong type or an
// unknown key is reported with its key path, line and what to write there;
// a syntax error keeps yaml's line number.
func (c *Config) LoadYAML(b []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(c)
	var te *yaml.TypeError
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &te):
		return explainTypeError(b, te)
	}
	return fmt.Errorf("config: %w", err)
}

// ApplyEnv applies EDGEDESK_* variables found by getenv.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("EDGEDESK_NODE_ID", &c.Node.ID)
	str("EDGEDESK_REGION", &c.Node.Region)
	str("EDGEDESK_DATA", &c.DataDir)
	str("EDGEDESK_HTTP", &c.HTTP.Addr)
	str("EDGEDESK_DURABILITY", &c.Durability)
	str("EDGEDESK_NATS_LISTEN", &c.NATS.ClientListen)
	str("EDGEDESK_LOG_LEVEL", &c.Log.Level)
	str("EDGEDESK_LOG_FORMAT", &c.Log.Format)
	str("EDGEDESK_KEY_FILE", &c.Auth.KeyFile)
	str("EDGEDESK_METRICS_TOKEN_FILE", &c.Auth.MetricsTokenFile)
	str("EDGEDESK_TURN", &c.TURN.Addr)
	str("EDGEDESK_SMTP", &c.Email.SMTP)
	str("EDGEDESK_TURN_SECRET_FILE", &c.TURN.SecretFile)
	if v := getenv("EDGEDESK_PLUGIN_KEYS"); v != "" {
		c.Plugins.TrustedKeys = strings.Split(v, ",")
	}
	if v := getenv("EDGEDESK_DEV"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("EDGEDESK_DEV=%q: use true or false", v)
		}
		c.Dev = b
	}
	return nil
}

// Validate checks the configuration and fills derived paths.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	// addr checks a host:port key; dial: an address to connect to (a host
	// and a port from 1), not one to listen on.
	addr := func(key, v, example string, dial bool) {
		if p := addrProblem(v, dial); p != "" {
			bad("%s %q: %s, e.g. %s", key, v, p, example)
		}
	}
	if c.Node.ID == "" || sanitize(c.Node.ID) != c.Node.ID || len(c.Node.ID) > 64 {
		bad("node.id %q: use 1-64 letters, digits, '-' or '_'", c.Node.ID)
	}
	if c.Node.Region == "" {
		bad("node.region is empty: name the region this edge serves")
	}
	if c.DataDir == "" {
		bad("data_dir is empty: give a directory for the event log and state")
	}
	addr("http.addr", c.HTTP.Addr, "127.0.0.1:8080", false)
	if c.NATS.ClientListen != "" {
		addr("nats.client_listen", c.NATS.ClientListen, "127.0.0.1:4222", false)
	}
	if c.NATS.Cluster.Listen != "" {
		addr("nats.cluster.listen", c.NATS.Cluster.Listen, "0.0.0.0:6222", false)
		if c.NATS.Cluster.Name == "" {
			bad("nats.cluster.name is empty: every node of a region uses the same name")
		}
	} else if len(c.NATS.Cluster.Routes) > 0 {
		bad("nats.cluster.routes needs nats.cluster.listen: this node's cluster port, e.g. 0.0.0.0:6222")
	}
	for i, r := range c.NATS.Cluster.Routes {
		if p, example := routeProblem(r); p != "" {
			bad("nats.cluster.routes[%d] %q: %s, e.g. %s", i, r, p, example)
		}
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		bad("nats.replicas %d: use 1 to 5 (3 for a three-node region)", c.NATS.Replicas)
	}
	if c.NATS.Replicas > 1 && c.NATS.Cluster.Listen == "" {
		bad("nats.replicas %d needs nats.cluster: replicas live on other nodes", c.NATS.Replicas)
	}
	switch c.Durability {
	case "process", "group-fsync", "always-fsync":
	default:
		bad("durability %q: use process (survives kill -9), group-fsync (survives power loss) or always-fsync", c.Durability)
	}
	if c.Projector.Linger < 0 || c.Projector.Linger > 100*time.Millisecond {
		bad("projector.linger %s: use 0 to 100ms (1ms is the usual)", c.Projector.Linger)
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level %q: use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format %q: use text or json", c.Log.Format)
	}
	if c.Gateway.MaxFrameBytes < 1024 || c.Gateway.MaxFrameBytes > 16<<20 {
		bad("gateway.max_frame_bytes %d: use 1024 to 16777216", c.Gateway.MaxFrameBytes)
	}
	if c.Gateway.SendQueue < 160 {
		bad("gateway.send_queue %d: use at least 160 (a client may have 64 messages in flight, each with an ack and an echo)", c.Gateway.SendQueue)
	}
	if c.Auth.BcryptCost < 4 || c.Auth.BcryptCost > 31 {
		bad("auth.bcrypt_cost %d: use 4 to 31 (10 is the usual)", c.Auth.BcryptCost)
	}
	if c.Gateway.PresenceTTL < 300*time.Millisecond {
		bad("gateway.presence_ttl %s: use at least 300ms (15s is the usual)", c.Gateway.PresenceTTL)
	}
	if c.Hub.Addr != "" {
		addr("hub.addr", c.Hub.Addr, "hub.example.com:4443 (the hub's quic address)", true)
		for what, v := range map[string]string{"node.id": c.Node.ID, "node.region": c.Node.Region} {
			if sanitize(v) != v || strings.ToLower(v) != v || strings.Contains(v, "_") || len(v) > 63 {
				bad("%s %q: an edge linked to a hub uses 1-63 lower-case letters, digits and '-'", what, v)
			}
		}
	}
	if c.Attachments.MaxBytes < 1 {
		bad("attachments.max_bytes must be positive")
	}
	c.validateQuotas(bad)
	if c.Plugins.Timeout < 0 || c.Plugins.Timeout > 10*time.Second {
		bad("plugins.timeout %s: use up to 10s (50ms is the usual)", c.Plugins.Timeout)
	}
	if c.Plugins.Instances < 0 || c.Plugins.Instances > 64 {
		bad("plugins.instances %d: use 1 to 64 (4 is the usual; 0 for the default)", c.Plugins.Instances)
	}
	if c.Plugins.Cores < 0 || c.Plugins.Cores > 1024 {
		bad("plugins.cores %d: use 1 to the machine's cores (0 for one fewer than they are)", c.Plugins.Cores)
	}
	if c.Plugins.StartTimeout < 0 || c.Plugins.StartTimeout > 5*time.Minute {
		bad("plugins.start_timeout %s: use up to 5m (10s is the usual)", c.Plugins.StartTimeout)
	}
	if c.Plugins.MemoryMiB > 4096 {
		bad("plugins.memory_mib %d: use up to 4096", c.Plugins.MemoryMiB)
	}
	c.validateEmail(bad, addr)
	c.validateChannels(bad)
	if c.Calls.MediaAddr != "" {
		addr("calls.media_addr", c.Calls.MediaAddr, "0.0.0.0:7882", false)
	}
	if w := c.Webhooks; w.Timeout < time.Second || w.Timeout > time.Minute {
		bad("webhooks.timeout %s: 1s to 60s (10s is the usual)", w.Timeout)
	}
	if w := c.Webhooks; w.InFlight < 1 || w.InFlight > 64 {
		bad("webhooks.in_flight %d: 1 to 64 deliveries in flight per endpoint", w.InFlight)
	}
	if r := c.Webhooks.Retry; len(r) < 1 || len(r) > 20 || slices.ContainsFunc(r, func(d time.Duration) bool { return d < time.Second || d > 24*time.Hour }) {
		bad("webhooks.retry %v: 1 to 20 waits, each 1s to 24h", r)
	}
	if ca := c.Tickets.CloseAfter; ca != 0 && (ca < time.Second || ca > 8760*time.Hour) {
		bad("tickets.close_after %s: use 0 (never) or 1s to 8760h (96h, four days, is the usual)", ca)
	}
	if c.Calls.RingTimeout < time.Second || c.Calls.RingTimeout > 10*time.Minute {
		bad("calls.ring_timeout %s: use 1s to 10m (45s is the usual)", c.Calls.RingTimeout)
	}
	if c.TURN.Addr != "" {
		addr("turn.addr", c.TURN.Addr, "0.0.0.0:3478", false)
		if c.TURN.RelayIP != "" && net.ParseIP(c.TURN.RelayIP) == nil {
			bad("turn.relay_ip %q: give an IP address", c.TURN.RelayIP)
		}
		if c.TURN.TLSAddr != "" {
			addr("turn.tls_addr", c.TURN.TLSAddr, "0.0.0.0:5349", false)
			if c.TURN.TLSCertFile == "" || c.TURN.TLSKeyFile == "" {
				bad("turn.tls_addr needs turn.tls_cert_file and turn.tls_key_file")
			}
		}
		if c.TURN.TTL < 0 || c.TURN.TTL > 48*time.Hour {
			bad("turn.ttl %s: use up to 48h (1h is the usual)", c.TURN.TTL)
		}
		if c.TURN.SecretFile == "" && c.DataDir != "" {
			c.TURN.SecretFile = filepath.Join(c.DataDir, "turn.secret")
		}
		if c.TURN.Ports == "" {
			c.TURN.Ports = "49152-65535"
		}
		if _, _, err := turn.ParsePorts(c.TURN.Ports); err != nil {
			bad("turn.ports: %v", err)
		}
		if c.TURN.TTL == 0 {
			c.TURN.TTL = time.Hour
		}
	}
	if len(c.NATS.Cluster.Routes) == 0 {
		c.NATS.Cluster.Routes = nil
	}
	if len(c.Plugins.TrustedKeys) == 0 {
		c.Plugins.TrustedKeys = nil
	}
	if c.Auth.KeyFile == "" && c.DataDir != "" {
		c.Auth.KeyFile = filepath.Join(c.DataDir, "keys", "signing.key")
	}
	if len(c.Auth.AcceptedKeyFiles) == 0 {
		c.Auth.AcceptedKeyFiles = nil
	}
	switch c.NATS.ClientAccess {
	case "read", "operate":
	default:
		bad("nats.client_access %q: use read (the default) or operate", c.NATS.ClientAccess)
	}
	if c.HTTP.DrainDelay < 0 || c.HTTP.DrainDelay > time.Minute {
		bad("http.drain_delay %s: use 0 to 1m (5s is the usual; longer than your load balancer's check interval)", c.HTTP.DrainDelay)
	}
	if c.NATS.ToolsNkeyFile == "" && c.DataDir != "" {
		c.NATS.ToolsNkeyFile = filepath.Join(c.DataDir, "nats", "tools.nk")
	}
	if c.NATS.SystemNkeyFile == "" && c.DataDir != "" {
		c.NATS.SystemNkeyFile = filepath.Join(c.DataDir, "nats", "system.nk")
	}
	return errors.Join(errs...)
}
