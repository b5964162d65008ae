package config

import (
	"fmt"
	"net/netip"
	"time"
)

// AuthFailures configures the per-client limit on bad credentials (like fail2ban).
type AuthFailures struct {
	// MaxFailures bad credentials from one client within Window ban it for Ban. 0 turns the limit off.
	MaxFailures int      `yaml:"max_failures"` // default 10
	Window      Duration `yaml:"window"`       // default 1m
	Ban         Duration `yaml:"ban"`          // default 5m
}

func defaultAuthFailures() AuthFailures {
	return AuthFailures{MaxFailures: 10, Window: Duration(time.Minute), Ban: Duration(5 * time.Minute)}
}

// validateClientIdentity checks auth_failures and trusted_proxies.
func (c *Config) validateClientIdentity(k *checker) {
	a := c.AuthFailures
	if a.MaxFailures < 0 || a.MaxFailures > 1000 {
		k.fail("auth_failures.max_failures", "must be between 0 (off) and 1000, got %d", a.MaxFailures)
	}
	checkPositive(k, "auth_failures.window", a.Window)
	checkPositive(k, "auth_failures.ban", a.Ban)
	for i, p := range c.TrustedProxies {
		if _, err := ParsePrefix(p); err != nil {
			k.fail(indexPath("trusted_proxies", i), "%v", err)
		}
	}
}

// ParsePrefix reads a trusted proxy entry: a CIDR such as 10.0.0.0/8, or a single address.
func ParsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR (like 10.0.0.0/8)", s)
}
