package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/config"
)

// Upload quotas, the sign-in throttle and trusted proxies: each value out
// of bounds is refused with a message that names the key and what to use.
func TestQuotaAndThrottleBounds(t *testing.T) {
	for _, c := range []struct {
		set  func(c *config.Config)
		want string
	}{
		{func(c *config.Config) { c.Attachments.QuotaWindow = 0 }, "attachments.quota_window 0s: use 1s to 24h"},
		{func(c *config.Config) { c.Attachments.SessionBytes = 1 << 20 }, "attachments.session_bytes 1048576: use at least attachments.max_bytes (10485760)"},
		{func(c *config.Config) { c.Attachments.TenantBytes = 1 << 20 }, "attachments.tenant_bytes 1048576: use at least attachments.session_bytes"},
		{func(c *config.Config) { c.Attachments.SessionUnreferencedBytes = 0 }, "attachments.session_unreferenced_bytes 0: use at least attachments.max_bytes"},
		{func(c *config.Config) { c.Attachments.TenantUnreferencedBytes = 1 }, "attachments.tenant_unreferenced_bytes 1: use at least attachments.session_unreferenced_bytes"},
		{func(c *config.Config) { c.Attachments.UnreferencedTTL = 0 }, "attachments.unreferenced_ttl 0s: use 1s to 720h"},
		{func(c *config.Config) { c.Auth.Login.AccountFailures = 0 }, "auth.login.account_failures 0: use 1 to 1000"},
		{func(c *config.Config) { c.Auth.Login.AddressFailures = -1 }, "auth.login.address_failures -1: use 1 to 100000"},
		{func(c *config.Config) { c.Auth.Login.Backoff = time.Hour }, "auth.login.backoff 1h0m0s: use 10ms up to auth.login.max_backoff"},
		{func(c *config.Config) { c.Auth.Login.MaxBackoff = 48 * time.Hour }, "auth.login.max_backoff 48h0m0s: use up to 24h"},
		{func(c *config.Config) { c.Auth.Login.ForgetAfter = time.Minute }, "auth.login.forget_after 1m0s: use at least auth.login.max_backoff (15m0s)"},
		{func(c *config.Config) { c.Auth.Login.MaxTracked = 10 }, "auth.login.max_tracked 10: use 100 to 10000000"},
		{func(c *config.Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "lb.internal"} }, `http.trusted_proxies[1] "lb.internal": give an IP address or a CIDR prefix`},
	} {
		cfg := config.Default()
		c.set(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	cfg := config.Default()
	cfg.HTTP.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("trusted proxies refused: %v", err)
	}
	if p, err := config.ParsePrefix("192.0.2.7"); err != nil || p.String() != "192.0.2.7/32" {
		t.Fatalf("one address: %v %v", p, err)
	}
}
