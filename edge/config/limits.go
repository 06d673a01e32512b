package config

import (
	"net/netip"
	"strings"
	"time"
)

// validateQuotas checks the upload quotas, the sign-in throttle and the
// trusted proxies.
func (c *Config) validateQuotas(bad func(format string, a ...any)) {
	a := c.Attachments
	if a.QuotaWindow < time.Second || a.QuotaWindow > 24*time.Hour {
		bad("attachments.quota_window %s: use 1s to 24h (1h is the usual)", a.QuotaWindow)
	}
	if a.SessionBytes < a.MaxBytes {
		bad("attachments.session_bytes %d: use at least attachments.max_bytes (%d), or no upload fits", a.SessionBytes, a.MaxBytes)
	}
	if a.TenantBytes < a.SessionBytes {
		bad("attachments.tenant_bytes %d: use at least attachments.session_bytes (%d)", a.TenantBytes, a.SessionBytes)
	}
	if a.SessionUnreferencedBytes < a.MaxBytes {
		bad("attachments.session_unreferenced_bytes %d: use at least attachments.max_bytes (%d), or no upload fits", a.SessionUnreferencedBytes, a.MaxBytes)
	}
	if a.TenantUnreferencedBytes < a.SessionUnreferencedBytes {
		bad("attachments.tenant_unreferenced_bytes %d: use at least attachments.session_unreferenced_bytes (%d)", a.TenantUnreferencedBytes, a.SessionUnreferencedBytes)
	}
	if a.UnreferencedTTL < time.Second || a.UnreferencedTTL > 30*24*time.Hour {
		bad("attachments.unreferenced_ttl %s: use 1s to 720h (24h is the usual; long enough to write the message an upload goes with)", a.UnreferencedTTL)
	}
	l := c.Auth.Login
	if l.AccountFailures < 1 || l.AccountFailures > 1000 {
		bad("auth.login.account_failures %d: use 1 to 1000 (5 is the usual)", l.AccountFailures)
	}
	if l.AddressFailures < 1 || l.AddressFailures > 100000 {
		bad("auth.login.address_failures %d: use 1 to 100000 (20 is the usual)", l.AddressFailures)
	}
	if l.Backoff < 10*time.Millisecond || l.Backoff > l.MaxBackoff {
		bad("auth.login.backoff %s: use 10ms up to auth.login.max_backoff (1s is the usual)", l.Backoff)
	}
	if l.MaxBackoff > 24*time.Hour {
		bad("auth.login.max_backoff %s: use up to 24h (15m is the usual)", l.MaxBackoff)
	}
	if l.ForgetAfter < l.MaxBackoff {
		bad("auth.login.forget_after %s: use at least auth.login.max_backoff (%s)", l.ForgetAfter, l.MaxBackoff)
	}
	if l.MaxTracked < 100 || l.MaxTracked > 10_000_000 {
		bad("auth.login.max_tracked %d: use 100 to 10000000 (each entry takes about 200 bytes)", l.MaxTracked)
	}
	for i, p := range c.HTTP.TrustedProxies {
		if _, err := ParsePrefix(p); err != nil {
			bad("http.trusted_proxies[%d] %q: give an IP address or a CIDR prefix, e.g. 10.0.0.0/8", i, p)
		}
	}
	if len(c.HTTP.TrustedProxies) == 0 {
		c.HTTP.TrustedProxies = nil
	}
}

// ParsePrefix reads a trusted proxy: a CIDR prefix, or one address.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
