package whatsapp

import (
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
)

func TestKind(t *testing.T) {
	k := Kind()
	if k.Name != "whatsapp" || k.Label != "WhatsApp" || len(k.Credentials) != 4 || len(k.Optional) != 1 ||
		k.Limits.Window != 24*time.Hour || k.Limits.MaxText != 4096 || k.Limits.MaxFile != 100<<20 ||
		k.Limits.Deadline != 20*time.Second || k.Limits.MaxBody != 1<<20 {
		t.Fatalf("Kind() = %+v", k)
	}
	p := whatsapptest.New(t)
	if _, err := k.New(channels.Options{Credentials: p.Credentials(), APIBase: p.APIBase()}); err != nil {
		t.Fatal(err)
	}
	if a, err := New(channels.Options{Credentials: p.Credentials()}); err != nil || a.endpoint("1", "messages") != "https://graph.facebook.com/v21.0/1/messages" {
		t.Fatalf("the default API base: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	p := whatsapptest.New(t)
	for name, change := range map[string]func(channels.Credentials){
		"no access_token":       func(c channels.Credentials) { delete(c, KeyAccessToken) },
		"no app_secret":         func(c channels.Credentials) { c[KeyAppSecret] = " " },
		"no verify_token":       func(c channels.Credentials) { delete(c, KeyVerifyToken) },
		"a phone number":        func(c channels.Credentials) { c[KeyPhoneNumberID] = "+1 555 078 3881" },
		"a bad api_version":     func(c channels.Credentials) { c[KeyAPIVersion] = "21" },
		"a path in api_version": func(c channels.Credentials) { c[KeyAPIVersion] = "v21.0/../x" },
	} {
		c := channels.Credentials(p.Credentials())
		change(c)
		_, err := New(channels.Options{Credentials: c, APIBase: p.APIBase()})
		if err == nil {
			t.Errorf("%s: taken", name)
			continue
		}
		for _, v := range p.Credentials() {
			if strings.Contains(err.Error(), v) && len(v) > 8 {
				t.Errorf("%s: the error %q quotes a credential", name, err)
			}
		}
	}
	c := channels.Credentials(p.Credentials())
	c[KeyAPIVersion] = "v22.0"
	if a, err := New(channels.Options{Credentials: c, APIBase: p.APIBase() + "/"}); err != nil || !strings.HasSuffix(a.endpoint("x"), "/v22.0/x") {
		t.Fatalf("api_version v22.0: %v", err)
	}
}
