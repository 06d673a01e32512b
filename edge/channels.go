package edge

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.yaml.in/yaml/v3"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/kinds"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// platformLimits are the messaging platforms' limits on replies, for the
// conversation core to hold agents to.
func platformLimits() map[conversation.Channel]conversation.PlatformLimits {
	out := map[conversation.Channel]conversation.PlatformLimits{}
	for _, k := range kinds.All() {
		out[conversation.Channel(k.Name)] = conversation.PlatformLimits{Label: k.Label, Window: k.Limits.Window,
			MaxText: k.Limits.MaxText, MaxTextBytes: k.Limits.MaxTextBytes, MaxFile: k.Limits.MaxFile, Templates: k.Limits.Templates}
	}
	return out
}

// channelDeps are what every channel's adapter is made with.
type channelDeps struct {
	tokens *channels.Tokens
	client *http.Client
}

// openChannels makes the channels.Service: the channels of the edge's
// configuration now, the hub's as they come (watchChannels;
// docs/channels.md).
func (n *Node) openChannels() error {
	buckets := func(ctx context.Context) (kv, locks jetstream.KeyValue, err error) {
		if kv, err = n.bus.KeyValue(ctx, "channel_tokens", 0); err != nil {
			return nil, nil, err
		}
		if locks, err = n.bus.KeyValue(ctx, "channel_token_locks", 30*time.Second); err != nil {
			return nil, nil, err
		}
		return kv, locks, nil
	}
	n.channelDeps = channelDeps{client: platformClient(), tokens: channels.NewTokens(channels.TokenOptions{Buckets: buckets, Node: n.cfg.Node.ID,
		Seal: func(p, key string) string { return n.sealer.Seal(p, "channel-token", key) },
		Open: func(s, key string) (string, error) { return n.sealer.Open(s, "channel-token", key) }})}
	var chs []channels.Channel
	for i, c := range n.cfg.Channels {
		key := fmt.Sprintf("channels[%d] (%s)", i, c.ID)
		creds, err := channelCredentials(c.CredentialsFile, c.Credentials)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		ch, err := n.newChannel(c.ID, c.Kind, c.Tenant, c.Inbox, c.APIBase, creds)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if _, err := n.store.Inbox(c.Tenant, c.Inbox); err != nil {
			n.log.Warn("a channel's inbox is not in the state (yet): its messages are refused until it is",
				"channel", c.ID, "tenant", c.Tenant, "inbox", c.Inbox)
		}
		chs = append(chs, ch)
	}
	s, err := channels.New(channels.ServiceOptions{Conversations: n.gateway.Conversations(), Store: n.store, Append: n.journal.Append,
		Attachments: n.attachments(), Channels: chs, NodeID: n.cfg.Node.ID, Metrics: n.metrics.Registry,
		Log: n.log.With("component", "channels")})
	if err != nil {
		return err
	}
	n.channels = s
	n.loadChannels()
	return nil
}

// newChannel checks a channel's kind and credentials and makes its
// adapter.
func (n *Node) newChannel(id, kind, tenant, inbox, apiBase string, creds channels.Credentials) (channels.Channel, error) {
	k, ok := kinds.Named(kind)
	if !ok {
		return channels.Channel{}, fmt.Errorf("kind %q is not one of %s", kind, strings.Join(event.SocialChannels, ", "))
	}
	if err := creds.Check(k); err != nil {
		return channels.Channel{}, err
	}
	a, err := k.New(channels.Options{Credentials: creds, APIBase: apiBase, HTTP: n.channelDeps.client, Tokens: n.channelDeps.tokens, ID: id,
		Log: n.log.With("component", "channel", "channel", id)})
	if err != nil {
		return channels.Channel{}, err
	}
	return channels.Channel{ID: id, Tenant: tenant, Inbox: inbox, Kind: k, Adapter: a}, nil
}

// ChannelInfo is a channel as GET /api/v1/channels shows it: where it
// comes from (file: the edge's configuration; hub), its credentials'
// names, and whether this edge serves it (serving; other_region: the hub
// configured it for another region's edges; error: see Error).
type ChannelInfo struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Tenant      string   `json:"tenant"`
	Inbox       string   `json:"inbox"`
	Source      string   `json:"source"`
	Region      string   `json:"region,omitempty"`
	Webhook     string   `json:"webhook"`
	Credentials []string `json:"credentials"`
	State       string   `json:"state"`
	Error       string   `json:"error,omitempty"`
	UpdatedAt   int64    `json:"updated_at,omitempty"`
	Seq         uint64   `json:"seq,omitempty"`
}

// loadChannels makes the hub's channels the service's when they have
// changed since it last did, and reports each as the admin API shows it.
// Credentials sealed to another region's key are not this edge's to
// serve; those that do not open or do not fit their platform are logged
// once per change.
func (n *Node) loadChannels() {
	v := n.store.ChannelVersion()
	n.channelMu.Lock()
	defer n.channelMu.Unlock()
	if n.channelInfo != nil && n.channelVersion == v {
		return
	}
	recs, err := n.store.ChannelConfs()
	if err != nil {
		n.log.Warn("cannot read the hub's channels: the edge serves the ones it had", "err", err)
		return
	}
	var chs []channels.Channel
	info := []ChannelInfo{}
	for _, c := range n.cfg.Channels {
		creds, _ := channelCredentials(c.CredentialsFile, c.Credentials)
		info = append(info, ChannelInfo{ID: c.ID, Kind: c.Kind, Tenant: c.Tenant, Inbox: c.Inbox, Source: "file", Region: n.cfg.Node.Region,
			Webhook: channels.Prefix + c.Kind + "/" + c.ID, Credentials: slices.Sorted(maps.Keys(creds)), State: "serving"})
	}
	for _, r := range recs {
		c := r.Config
		ci := ChannelInfo{ID: c.ID, Kind: c.Kind, Tenant: r.Tenant, Inbox: c.Inbox, Source: "hub", Region: c.Region,
			Webhook: channels.Prefix + c.Kind + "/" + c.ID, Credentials: c.Keys, State: "serving", UpdatedAt: r.UpdatedAt, Seq: r.Seq}
		err := func() error {
			switch {
			case n.channels.Static(c.ID):
				return fmt.Errorf("the edge's configuration has a channel %q too: it is served instead", c.ID)
			case c.Region != n.cfg.Node.Region:
				ci.State = "other_region"
				return nil
			}
			b, err := n.sealer.OpenBox(c.Credentials, event.ChannelContext(r.Tenant, c.ID))
			if err != nil {
				return fmt.Errorf("the credentials do not open with this edge's region key (%v): give every edge of region %s the same residency key", err, c.Region)
			}
			var creds channels.Credentials
			if err := json.Unmarshal(b, &creds); err != nil {
				return fmt.Errorf("the credentials are not a JSON object of strings: %v", err)
			}
			ch, err := n.newChannel(c.ID, c.Kind, r.Tenant, c.Inbox, c.APIBase, creds)
			if err != nil {
				return err
			}
			chs = append(chs, ch)
			return nil
		}()
		if err != nil {
			ci.State, ci.Error = "error", err.Error()
			n.log.Warn("a channel the hub configured is not served", "channel", c.ID, "tenant", r.Tenant, "seq", r.Seq, "err", err)
		} else if ci.State == "serving" {
			n.log.Info("serving a channel the hub configured", "channel", c.ID, "kind", c.Kind, "tenant", r.Tenant, "inbox", c.Inbox, "seq", r.Seq)
		}
		info = append(info, ci)
	}
	n.channels.SetChannels(chs)
	n.channelVersion, n.channelInfo = v, info
}

// watchChannels takes the hub's channels' changes as the state applies
// them, until ctx ends.
func (n *Node) watchChannels(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.loadChannels()
		}
	}
}

// channelsAPI serves the admin API's view of the channels
// (docs/channels.md):
//
//	GET /api/v1/channels  the channels of the edge's configuration and the hub's
func (n *Node) channelsAPI(mux *http.ServeMux, guard func(http.Handler) http.Handler) {
	mux.Handle("GET /api/v1/channels", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.loadChannels()
		n.channelMu.Lock()
		info := n.channelInfo
		n.channelMu.Unlock()
		writeJSON(w, http.StatusOK, info)
	})))
}

// channelCredentials reads a channel's credentials: a file of the edge's
// own (not readable by group or others), or inline.
func channelCredentials(file string, inline map[string]string) (channels.Credentials, error) {
	if file == "" {
		return channels.Credentials(inline), nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("credentials_file: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("credentials_file %s is readable by others (mode %v): chmod 600 it", file, fi.Mode().Perm())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("credentials_file: %w", err)
	}
	out := map[string]string{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		if jerr := json.Unmarshal(b, &out); jerr != nil {
			return nil, fmt.Errorf("credentials_file %s: give a YAML or JSON map of strings (key: value)", file)
		}
	}
	return out, nil
}

// platformClient calls the platforms' APIs: TLS 1.2 at least (not all
// platforms' APIs speak 1.3), proxies from the environment, 30 s for the
// platform's answer to begin; the caller's context bounds the whole (a
// file of tens of MiB takes longer than a text).
func platformClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 16
	tr.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: tr}
}
