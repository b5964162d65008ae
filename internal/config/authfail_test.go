package config

import (
	"strings"
	"testing"
)

func TestAuthFailuresAndTrustedProxies(t *testing.T) {
	c, err := Parse("w.yaml", []byte("trusted_proxies: [10.0.0.0/8, 192.168.1.7, \"fd00::/8\"]\nauth_failures: {max_failures: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthFailures.MaxFailures != 0 || len(c.TrustedProxies) != 3 {
		t.Fatalf("%+v %v", c.AuthFailures, c.TrustedProxies)
	}
	for _, tc := range []struct{ doc, want string }{
		{"trusted_proxies: [10.0.0.0/33]\n", "w.yaml:1: trusted_proxies[0]: \"10.0.0.0/33\" is not an IP address or CIDR"},
		{"trusted_proxies:\n  - 10.0.0.1\n  - lb.internal\n", "w.yaml:3: trusted_proxies[1]:"},
		{"auth_failures:\n  max_failures: -1\n", "w.yaml:2: auth_failures.max_failures: must be between 0 (off) and 1000"},
		{"auth_failures:\n  ban: 0s\n", "w.yaml:2: auth_failures.ban:"},
	} {
		_, err := Parse("w.yaml", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.doc, err, tc.want)
		}
	}
	if p, err := ParsePrefix("192.168.1.7"); err != nil || p.String() != "192.168.1.7/32" {
		t.Fatalf("single address: %v %v", p, err)
	}
}
