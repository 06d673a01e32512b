package telegram

import (
	"slices"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/channels"
)

func TestKind(t *testing.T) {
	k := Kind()
	if k.Name != "telegram" || k.Label != "Telegram" || !slices.Equal(k.Credentials, []string{"bot_token", "secret_token"}) {
		t.Errorf("kind %+v", k)
	}
	if l := k.Limits; l.Window != 0 || l.MaxText != 4096 || l.MaxFile != 50<<20 || l.MaxBody != 1<<20 || l.Deadline.Seconds() != 60 {
		t.Errorf("limits %+v", l)
	}
}

func TestNewChecksCredentials(t *testing.T) {
	good := channels.Credentials{KeyBotToken: "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", KeySecretToken: "s3cret_-"}
	if _, err := New(channels.Options{Credentials: good}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, key, value, base, want string
	}{
		{"no token", KeyBotToken, "", "", "bot_token"},
		{"token without colon", KeyBotToken, "123456ABC", "", "bot_token"},
		{"token with a slash", KeyBotToken, "123:abc/../x", "", "bot_token"},
		{"no secret", KeySecretToken, "", "", "secret_token"},
		{"secret with a space", KeySecretToken, "a b", "", "secret_token"},
		{"secret too long", KeySecretToken, strings.Repeat("a", 257), "", "secret_token"},
		{"bad base", KeySecretToken, "ok", "ftp://x", "API base"},
	} {
		t.Run(c.name, func(t *testing.T) {
			creds := channels.Credentials{}
			for k, v := range good {
				creds[k] = v
			}
			creds[c.key] = c.value
			_, err := New(channels.Options{Credentials: creds, APIBase: c.base})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, want an error about %s", err, c.want)
			}
			if c.value != "" && len(c.value) > 3 && strings.Contains(err.Error(), c.value) {
				t.Errorf("the error %q shows the credential", err)
			}
		})
	}
	if _, err := New(channels.Options{Credentials: channels.Credentials{KeyBotToken: good[KeyBotToken], KeySecretToken: strings.Repeat("a", 256)}}); err != nil {
		t.Errorf("a 256-character secret: %v", err)
	}
}
