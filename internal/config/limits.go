package config

import (
	"net/url"
	"strings"
)

// Limits configures where request-rate, concurrency and failed-login counts are kept.
type Limits struct {
	// RedisURL is "" for counts in memory (one Warden) or redis://host:6379/0 (rediss:// for TLS) to
	// share them between replicas. It may hold a password: it is never printed.
	RedisURL string `yaml:"redis_url"`
	// RedisPrefix starts every Redis key Warden writes. Default ("") "warden".
	RedisPrefix string `yaml:"redis_prefix"`
	// FailMode decides what happens when Redis cannot be reached: fail_closed (default) refuses
	// limited calls with 503; fail_open lets them through, logged and counted. "" means fail_closed.
	FailMode string `yaml:"fail_mode"`
}

func defaultLimits() Limits { return Limits{RedisPrefix: "warden", FailMode: "fail_closed"} }

func (c *Config) validateLimits(k *checker) {
	l := c.Limits
	if l.RedisURL != "" {
		u, err := url.Parse(l.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			k.fail("limits.redis_url", "must be empty (counts in memory) or a redis:// or rediss:// URL (the value is not shown: it may hold a password)")
		}
	}
	if len(l.RedisPrefix) > 64 || strings.ContainsAny(l.RedisPrefix, " \t\r\n{}") {
		k.fail("limits.redis_prefix", "must be at most 64 characters without spaces or braces")
	}
	if l.FailMode != "" {
		checkOneOf(k, "limits.fail_mode", l.FailMode, "fail_closed", "fail_open")
	}
}
