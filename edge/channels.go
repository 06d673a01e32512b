package edge

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/telegram"
	"github.com/edgedesk/edgedesk/edge/channels/wechat"
	"github.com/edgedesk/edgedesk/edge/channels/wecom"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp"
	"github.com/edgedesk/edgedesk/edge/channels/x"
	"github.com/edgedesk/edgedesk/edge/conversation"
)

// channelKinds are the messaging platforms an edge speaks: a new one is a
// package under edge/channels and a line here.
func channelKinds() []channels.Kind {
	return []channels.Kind{wechat.Kind(), wecom.Kind(), x.Kind(), telegram.Kind(), whatsapp.Kind()}
}

func channelKind(name string) (channels.Kind, bool) {
	i := slices.IndexFunc(channelKinds(), func(k channels.Kind) bool { return k.Name == name })
	if i < 0 {
		return channels.Kind{}, false
	}
	return channelKinds()[i], true
}

// platformLimits are the configured platforms' limits on replies, for
// the conversation core to hold agents to.
func (n *Node) platformLimits() map[conversation.Channel]conversation.PlatformLimits {
	out := map[conversation.Channel]conversation.PlatformLimits{}
	for _, c := range n.cfg.Channels {
		if k, ok := channelKind(c.Kind); ok {
			out[conversation.Channel(k.Name)] = conversation.PlatformLimits{Label: k.Label, Window: k.Limits.Window,
				MaxText: k.Limits.MaxText, MaxTextBytes: k.Limits.MaxTextBytes, MaxFile: k.Limits.MaxFile, Templates: k.Limits.Templates}
		}
	}
	return out
}

// openChannels makes the channels.Service of the configured channels
// (docs/channels.md); nil when there are none.
func (n *Node) openChannels(ctx context.Context) error {
	if len(n.cfg.Channels) == 0 {
		return nil
	}
	kv, err := n.bus.KeyValue(ctx, "channel_tokens", 0)
	if err != nil {
		return fmt.Errorf("channels: the region's token bucket: %w", err)
	}
	locks, err := n.bus.KeyValue(ctx, "channel_token_locks", 30*time.Second)
	if err != nil {
		return fmt.Errorf("channels: the region's token locks: %w", err)
	}
	tokens := channels.NewTokens(channels.TokenOptions{KV: kv, Locks: locks, Node: n.cfg.Node.ID,
		Seal: func(p, key string) string { return n.sealer.Seal(p, "channel-token", key) },
		Open: func(s, key string) (string, error) { return n.sealer.Open(s, "channel-token", key) }})
	client := platformClient()
	var chs []channels.Channel
	for i, c := range n.cfg.Channels {
		key := fmt.Sprintf("channels[%d] (%s)", i, c.ID)
		k, ok := channelKind(c.Kind)
		if !ok {
			names := []string{}
			for _, k := range channelKinds() {
				names = append(names, k.Name)
			}
			return fmt.Errorf("%s: kind %q is not one of %s", key, c.Kind, strings.Join(names, ", "))
		}
		creds, err := channelCredentials(c.CredentialsFile, c.Credentials)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		for _, want := range k.Credentials {
			if creds[want] == "" {
				return fmt.Errorf("%s: the %s credentials need %s (all of: %s)", key, k.Label, want, strings.Join(k.Credentials, ", "))
			}
		}
		for have := range creds {
			if !slices.Contains(k.Credentials, have) && !slices.Contains(k.Optional, have) {
				return fmt.Errorf("%s: %q is not a %s credential (it takes %s)", key, have, k.Label,
					strings.Join(slices.Concat(k.Credentials, k.Optional), ", "))
			}
		}
		if _, err := n.store.Inbox(c.Tenant, c.Inbox); err != nil {
			n.log.Warn("a channel's inbox is not in the state (yet): its messages are refused until it is",
				"channel", c.ID, "tenant", c.Tenant, "inbox", c.Inbox)
		}
		a, err := k.New(channels.Options{Credentials: creds, APIBase: c.APIBase, HTTP: client, Tokens: tokens, ID: c.ID,
			Log: n.log.With("component", "channel", "channel", c.ID)})
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		chs = append(chs, channels.Channel{ID: c.ID, Tenant: c.Tenant, Inbox: c.Inbox, Kind: k, Adapter: a})
	}
	appendEvent := n.journal.Append
	s, err := channels.New(channels.ServiceOptions{Conversations: n.gateway.Conversations(), Store: n.store, Append: appendEvent,
		Attachments: n.attachments(), Channels: chs, NodeID: n.cfg.Node.ID, Metrics: n.metrics.Registry,
		Log: n.log.With("component", "channels")})
	if err != nil {
		return err
	}
	n.channels = s
	return nil
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
