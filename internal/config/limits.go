package config

import (
	"github.com/warden-gw/warden/internal/limits"
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
	// Global limits every model call counts against, whoever makes it. Default: none.
	Global LimitSet `yaml:"global"`
	// DefaultMaxTokens is the output a call reserves when it sets no max_tokens (num_predict):
	// budgets and tpm_limit reserve the prompt plus this before the call and settle to the real
	// usage after it; a stream that runs past its reservation is ended with finish_reason "length".
	// Default 4096.
	DefaultMaxTokens int64 `yaml:"default_max_tokens"`
}

func defaultLimits() Limits {
	return Limits{RedisPrefix: "warden", FailMode: "fail_closed", DefaultMaxTokens: 4096}
}

// validateLimitSet checks one level's limits at path.
func validateLimitSet(k *checker, path string, l LimitSet) {
	for _, f := range []struct {
		name string
		v    int64
	}{{"rpm_limit", l.RPMLimit}, {"tpm_limit", l.TPMLimit}, {"max_parallel_requests", l.MaxParallelRequests}, {"max_tokens_budget", l.MaxTokensBudget}} {
		if f.v < 0 {
			k.fail(path+"."+f.name, "must be 0 (no limit) or more, got %d", f.v)
		}
	}
	if l.MaxBudget < 0 {
		k.fail(path+".max_budget", "must be 0 (no budget) or more, got %g", l.MaxBudget)
	}
	if _, err := limits.ParsePeriod(l.BudgetDuration); err != nil {
		k.fail(path+".budget_duration", "must be \"\" (never resets) or a count and a unit such as 1h, 1d, 7d, 30d or 1mo, got %s", quote(l.BudgetDuration))
	} else if l.BudgetDuration != "" && l.MaxBudget == 0 && l.MaxTokensBudget == 0 {
		k.fail(path+".budget_duration", "is set but neither max_budget nor max_tokens_budget is")
	}
}

// validatePrice checks a model's price at path.
func validatePrice(k *checker, path string, p Price) {
	if p.InputPerMillion < 0 {
		k.fail(path+".input_per_million", "must be 0 or more, got %g", p.InputPerMillion)
	}
	if p.OutputPerMillion < 0 {
		k.fail(path+".output_per_million", "must be 0 or more, got %g", p.OutputPerMillion)
	}
}

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
	validateLimitSet(k, "limits.global", l.Global)
	if l.DefaultMaxTokens < 1 || l.DefaultMaxTokens > 1<<30 {
		k.fail("limits.default_max_tokens", "must be from 1 to %d, got %d", 1<<30, l.DefaultMaxTokens)
	}
	for i, m := range c.Models {
		p := indexPath("models", i)
		validateLimitSet(k, p+".limits", m.Limits)
		validatePrice(k, p+".price", m.Price)
	}
}
