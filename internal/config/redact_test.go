package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const (
	testAPIKey = "sk-upstream-s3cr3t"
	testDBPass = "db-pa55word"
)

func configWithSecrets() *Config {
	c := Default()
	c.DatabaseURL = "postgres://warden:" + testDBPass + "@db.internal:5432/warden?sslmode=require&password=" + testDBPass
	c.Backends[0].APIKeyEnv = "OLLAMA_KEY"
	c.Backends[0].APIKey = testAPIKey
	return c
}

func TestFormattingRedactsSecrets(t *testing.T) {
	c := configWithSecrets()
	b := c.Backends[0]
	outputs := map[string]string{
		"%v Backend":     fmt.Sprintf("%v", b),
		"%+v Backend":    fmt.Sprintf("%+v", b),
		"%#v Backend":    fmt.Sprintf("%#v", b),
		"Sprint Backend": fmt.Sprint(b),
		"%v *Backend":    fmt.Sprintf("%v", &b),
		"%v []Backend":   fmt.Sprintf("%v", c.Backends),
		"%+v []Backend":  fmt.Sprintf("%+v", c.Backends),
		"%v Config":      fmt.Sprintf("%v", *c),
		"%+v Config":     fmt.Sprintf("%+v", *c),
		"%#v Config":     fmt.Sprintf("%#v", *c),
		"%v *Config":     fmt.Sprintf("%v", c),
		"%+v *Config":    fmt.Sprintf("%+v", c),
		"Println Config": fmt.Sprintln(c),
	}
	for name, out := range outputs {
		if strings.Contains(out, testAPIKey) || strings.Contains(out, testDBPass) {
			t.Errorf("%s prints a secret: %s", name, out)
		}
		if !strings.Contains(out, "127.0.0.1:11434") {
			t.Errorf("%s lost the non-secret backend URL: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s does not show that a key is set: %s", name, out)
		}
	}
	if got := fmt.Sprintf("%v", *c); !strings.Contains(got, "db.internal:5432/warden") || strings.Contains(got, "src:") || !strings.HasSuffix(got, "AuthFailures:{MaxFailures:10 Window:1m Ban:5m} TrustedProxies:[]}") {
		t.Errorf("Config.String = %s", got)
	}
}

func TestSlogRedactsSecrets(t *testing.T) {
	c := configWithSecrets()
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("loaded", "config", c, "backend", c.Backends[0], "backends", c.Backends, "value", *c)
		out := buf.String()
		if strings.Contains(out, testAPIKey) || strings.Contains(out, testDBPass) {
			t.Errorf("%s handler logs a secret: %s", h.name, out)
		}
		if !strings.Contains(out, "api_key_set") || !strings.Contains(out, "db.internal:5432") {
			t.Errorf("%s handler lost the non-secret fields: %s", h.name, out)
		}
	}
}

func TestRedactDatabaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"postgres://db/warden", "postgres://db/warden"},
		{"postgres://u:p@db:5432/warden", "postgres://" + redacted + "@db:5432/warden"},
		{"postgres://db/warden?password=p", "postgres://db/warden?" + redacted},
		{"host=db password=p", redacted},
		{"postgres://u:p@db:port/x", redacted},
	}
	for _, tt := range tests {
		if got := redactDatabaseURL(tt.in); got != tt.want {
			t.Errorf("redactDatabaseURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
