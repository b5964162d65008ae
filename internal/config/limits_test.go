package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestLimitsSection(t *testing.T) {
	c, err := Parse("w.yaml", []byte("limits: {redis_url: \"redis://:s3cret@127.0.0.1:6379/0\", fail_mode: fail_open}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.FailMode != "fail_open" || c.Limits.RedisPrefix != "warden" {
		t.Fatalf("%+v", c.Limits)
	}
	if out := fmt.Sprintf("%v", c); strings.Contains(out, "s3cret") {
		t.Fatalf("the Redis password is printed: %s", out)
	}
	for _, tc := range []struct{ doc, want string }{
		{"limits: {redis_url: \"http://x\"}\n", "w.yaml:1: limits.redis_url: must be empty"},
		{"limits: {fail_mode: open}\n", "w.yaml:1: limits.fail_mode:"},
		{"limits: {redis_prefix: \"a b\"}\n", "w.yaml:1: limits.redis_prefix:"},
	} {
		if _, err := Parse("w.yaml", []byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.doc, err, tc.want)
		}
	}
}

func TestLimitSetsAndPrices(t *testing.T) {
	base := "backends: [{name: b, kind: ollama, url: \"http://127.0.0.1:1\"}]\n" +
		"models: [{name: m, backends: [b], price: {input_per_million: 1.5, output_per_million: 3}, limits: {rpm_limit: 5, max_tokens_budget: 1000, budget_duration: 1d}}]\n"
	cfg, err := Parse("w.yaml", []byte(base+"limits: {default_max_tokens: 256, global: {max_budget: 2.5, budget_duration: 1mo}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.Models[0]
	if m.Price.InputPerMillion != 1.5 || m.Price.OutputPerMillion != 3 || m.Limits.RPMLimit != 5 || m.Limits.MaxTokensBudget != 1000 {
		t.Errorf("model = %+v", m)
	}
	if g := cfg.Limits.Global; g.MaxBudget != 2.5 || g.BudgetDuration != "1mo" || cfg.Limits.DefaultMaxTokens != 256 {
		t.Errorf("limits = %+v", cfg.Limits)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"limits: {global: {rpm_limit: -1}}", "limits.global.rpm_limit"},
		{"limits: {global: {max_budget: -0.5}}", "limits.global.max_budget"},
		{"limits: {global: {max_budget: 1, budget_duration: 2y}}", "limits.global.budget_duration"},
		{"limits: {global: {budget_duration: 1d}}", "neither max_budget nor max_tokens_budget"},
		{"limits: {global: {max_budget: lots}}", "must be a number"},
		{"limits: {default_max_tokens: 0}", "limits.default_max_tokens"},
	} {
		_, err := Parse("w.yaml", []byte(base+bad.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err = %v, want it to mention %q", bad.yaml, err, bad.want)
		}
	}
	_, err = Parse("w.yaml", []byte("backends: [{name: b, kind: ollama, url: \"http://127.0.0.1:1\"}]\nmodels: [{name: m, backends: [b], price: {input_per_million: -1}}]\n"))
	if err == nil || !strings.Contains(err.Error(), "models[0].price.input_per_million") {
		t.Errorf("negative price: %v", err)
	}
}
