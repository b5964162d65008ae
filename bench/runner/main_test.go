package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlagsRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no backend", nil, "-fakebackend is required"},
		{"unknown target", []string{"-fakebackend", "fb", "-targets", "direct,haproxy"}, `unknown target "haproxy"`},
		{"misspelt Warden target", []string{"-fakebackend", "fb", "-targets", "warden,warden-limit"}, `unknown target "warden-limit"`},
		{"empty targets", []string{"-fakebackend", "fb", "-targets", " , "}, "-targets is empty"},
		{"zero rounds", []string{"-fakebackend", "fb", "-rounds", "0"}, "-rounds"},
		{"short duration", []string{"-fakebackend", "fb", "-duration", "500ms"}, "-duration"},
		{"fewer connections than threads", []string{"-fakebackend", "fb", "-c", "1", "-t", "2"}, "-c and -t"},
		{"no chunks", []string{"-fakebackend", "fb", "-chunks", "0"}, "-chunks"},
		{"negative retries", []string{"-fakebackend", "fb", "-retries", "-1"}, "-retries"},
		{"undefined flag", []string{"-fakebackend", "fb", "-bogus"}, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseFlags(%q) error = %v, want it to mention %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestParseFlagsDefaultsMatchTheDocumentedRun(t *testing.T) {
	o, err := parseFlags([]string{"-fakebackend", "fb"})
	if err != nil {
		t.Fatal(err)
	}
	if o.conns != 32 || o.threads != 2 || o.duration != 10*time.Second || o.rounds != 3 || o.chunks != 16 {
		t.Errorf("defaults = c%d t%d %s rounds %d chunks %d, want c32 t2 10s rounds 3 chunks 16",
			o.conns, o.threads, o.duration, o.rounds, o.chunks)
	}
	if got := strings.Join(o.targets, ","); got != "direct,nginx,caddy,warden,warden-limits,warden-redis" {
		t.Errorf("targets = %s, want all six in order", got)
	}
	if o.redisURL != "redis://127.0.0.1:6379/0" {
		t.Errorf("redis = %q, want the local test Redis", o.redisURL)
	}
}

func TestQuickKeepsExplicitSettings(t *testing.T) {
	o, err := parseFlags([]string{"-fakebackend", "fb", "-quick", "-rounds", "2"})
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 3*time.Second || o.warmup != time.Second || o.rounds != 2 {
		t.Errorf("quick with -rounds 2: duration %s warmup %s rounds %d, want 3s 1s 2", o.duration, o.warmup, o.rounds)
	}
}

func TestParseFlagsAcceptsTheWardenLimitTargets(t *testing.T) {
	o, err := parseFlags([]string{"-fakebackend", "fb", "-targets", "warden,warden-limits,warden-redis", "-redis", ""})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.targets, ","); got != "warden,warden-limits,warden-redis" || o.redisURL != "" {
		t.Errorf("targets %s, redis %q", got, o.redisURL)
	}
}
