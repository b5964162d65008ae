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
