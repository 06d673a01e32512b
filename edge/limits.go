package edge

import (
	"net/netip"

	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// uploadLimits are the gateway's upload quotas from attachments.*.
func uploadLimits(c *config.Config) gateway.UploadLimits {
	a := c.Attachments
	return gateway.UploadLimits{Window: a.QuotaWindow, SessionBytes: a.SessionBytes, TenantBytes: a.TenantBytes,
		SessionUnreferencedBytes: a.SessionUnreferencedBytes, TenantUnreferencedBytes: a.TenantUnreferencedBytes,
		UnreferencedTTL: a.UnreferencedTTL}
}

// loginLimits are the gateway's sign-in throttle from auth.login.*.
func loginLimits(c *config.Config) gateway.LoginLimits {
	l := c.Auth.Login
	return gateway.LoginLimits{AccountFailures: l.AccountFailures, AddressFailures: l.AddressFailures,
		Backoff: l.Backoff, MaxBackoff: l.MaxBackoff, ForgetAfter: l.ForgetAfter, MaxTracked: l.MaxTracked,
		BcryptCost: c.Auth.BcryptCost}
}

// trustedProxies are http.trusted_proxies, which Validate checked.
func trustedProxies(c *config.Config) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.HTTP.TrustedProxies {
		if p, err := config.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
