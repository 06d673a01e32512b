package config

import (
	"fmt"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Channel is a tenant's channel on a messaging platform (docs/channels.md):
// the platform calls its webhook at /channels/<kind>/<id>, and its
// customers' conversations are in the inbox.
type Channel struct {
	// ID names the channel in its webhook's URL and in the log: 1-64
	// lower-case letters, digits, '-' or '_', unique on the edge.
	ID string `yaml:"id"`
	// Kind is the platform: wechat, wecom, x, telegram or whatsapp.
	Kind   string `yaml:"kind"`
	Tenant string `yaml:"tenant"`
	Inbox  string `yaml:"inbox"`
	// CredentialsFile is a YAML or JSON file of the channel's secrets and
	// ids (the kind's keys: docs/channels.md), readable by the edge only
	// (mode 0600 or stricter).
	CredentialsFile string `yaml:"credentials_file"`
	// Credentials are the same, inline: for tests; a file keeps secrets
	// out of the configuration.
	Credentials map[string]string `yaml:"credentials"`
	// APIBase is the platform API's base URL: unset is the platform's
	// own. https, or http to a loopback address (tests, a local proxy).
	APIBase string `yaml:"api_base"`
}

// String keeps credentials out of logs.
func (c Channel) String() string { return fmt.Sprintf("channel %s/%s", c.Kind, c.ID) }

func (c *Config) validateChannels(bad func(string, ...any)) {
	seen := map[string]bool{}
	for i, ch := range c.Channels {
		key := fmt.Sprintf("channels[%d]", i)
		if !event.ValidChannelID(ch.ID) {
			bad("%s.id %q: 1-64 lower-case letters, digits, '-' or '_' (it is in the webhook's URL)", key, ch.ID)
		}
		if seen[ch.ID] {
			bad("%s.id %q: given twice", key, ch.ID)
		}
		seen[ch.ID] = true
		if ch.Kind == "" || ch.Tenant == "" || ch.Inbox == "" {
			bad("%s: name its kind, tenant and inbox", key)
		}
		if (ch.CredentialsFile == "") == (len(ch.Credentials) == 0) {
			bad("%s: give credentials_file (or, for tests, credentials), one of them", key)
		}
		if ch.APIBase != "" {
			if err := event.CheckAPIBase(ch.APIBase); err != nil {
				bad("%s.api_base %q: %v", key, ch.APIBase, err)
			}
		}
	}
}
