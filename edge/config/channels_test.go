package config_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/config"
)

func TestChannelMessages(t *testing.T) {
	ok := config.Channel{ID: "acme-wa", Kind: "whatsapp", Tenant: "acme", Inbox: "support", CredentialsFile: "/etc/edgedesk/wa.yaml"}
	for _, tc := range []struct {
		name string
		set  func(cs []config.Channel) []config.Channel
		want string
	}{
		{"upper-case id", func(cs []config.Channel) []config.Channel { cs[0].ID = "Acme"; return cs }, `channels[0].id "Acme": 1-64 lower-case letters`},
		{"twice", func(cs []config.Channel) []config.Channel { return append(cs, ok) }, `channels[1].id "acme-wa": given twice`},
		{"no inbox", func(cs []config.Channel) []config.Channel { cs[0].Inbox = ""; return cs }, "channels[0]: name its kind, tenant and inbox"},
		{"no credentials", func(cs []config.Channel) []config.Channel { cs[0].CredentialsFile = ""; return cs }, "channels[0]: give credentials_file"},
		{"both credentials", func(cs []config.Channel) []config.Channel {
			cs[0].Credentials = map[string]string{"a": "b"}
			return cs
		}, "channels[0]: give credentials_file"},
		{"plain http away", func(cs []config.Channel) []config.Channel { cs[0].APIBase = "http://graph.example.com"; return cs },
			`channels[0].api_base "http://graph.example.com": http only to a loopback address; use https`},
		{"not a url", func(cs []config.Channel) []config.Channel { cs[0].APIBase = "graph"; return cs }, "give a base URL like https://api.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.Channels = tc.set([]config.Channel{ok})
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	c := config.Default()
	c.Channels = []config.Channel{ok, {ID: "acme-tg", Kind: "telegram", Tenant: "acme", Inbox: "support",
		Credentials: map[string]string{"bot_token": "x"}, APIBase: "http://127.0.0.1:9999"}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := c.Channels[1].String(); strings.Contains(s, "bot_token") || strings.Contains(s, "x") && !strings.Contains(s, "telegram") {
		t.Fatalf("a channel prints as %q", s)
	}
}
