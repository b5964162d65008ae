package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidateHandBuiltConfig(t *testing.T) {
	c := Default()
	c.Backends = append(c.Backends, Backend{Name: "x", Kind: "openai", URL: "http://x:1"})
	c.Models = []Model{{Name: "m", Backends: []string{"ghost"}, Upstream: "m"}}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a backend without timeouts and a model on an unknown backend")
	}
	msg := err.Error()
	for _, want := range []string{
		"backends[1].connect_timeout: must be a positive duration, got 0s",
		"backends[1].max_idle_conns: must be at least 1, got 0",
		"backends[1].health_check.path: must be a URL path",
		`models[0].backends[0]: unknown backend "ghost" (configured: ollama, x)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, ".yaml") {
		t.Errorf("a hand-built config has no file, got:\n%s", msg)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path == "" {
		t.Errorf("errors.As(*FieldError) = %v, %+v", errors.As(err, &fe), fe)
	}
}

func TestServerEngineIsOneOfTwo(t *testing.T) {
	c := Default()
	c.Server.Engine = "nginx"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "server.engine") || !strings.Contains(err.Error(), "net/http") {
		t.Fatalf("Validate with server.engine nginx: %v", err)
	}
	c.Server.Engine = "net/http"
	if err := c.Validate(); err != nil {
		t.Fatalf("server.engine net/http refused: %v", err)
	}
}

func TestListensPublicly(t *testing.T) {
	tests := []struct {
		listen string
		public bool
	}{
		{"127.0.0.1:4000", false},
		{"127.0.0.2:4000", false},
		{"[::1]:4000", false},
		{"localhost:4000", false},
		{"LOCALHOST:4000", false},
		{"[::ffff:127.0.0.1]:4000", false},
		{":4000", true},
		{"0.0.0.0:4000", true},
		{"[::]:4000", true},
		{"192.168.1.10:4000", true},
		{"gateway.example:4000", true},
	}
	for _, tt := range tests {
		c := Default()
		c.Listen, c.MetricsListen = tt.listen, tt.listen
		if got := c.ListensPublicly(); got != tt.public {
			t.Errorf("ListensPublicly(%q) = %v, want %v", tt.listen, got, tt.public)
		}
		if got := c.MetricsListensPublicly(); got != tt.public {
			t.Errorf("MetricsListensPublicly(%q) = %v, want %v", tt.listen, got, tt.public)
		}
	}
	if Default().MetricsListensPublicly() {
		t.Error("no metrics listener must not count as public")
	}
}

func TestMetricsListenerMayShareHostOnAnotherPort(t *testing.T) {
	for _, ml := range []string{"127.0.0.1:9090", ":9090", "127.0.0.2:4000"} {
		c := Default()
		c.MetricsListen = ml
		if err := c.Validate(); err != nil {
			t.Errorf("metrics_listen %q: %v", ml, err)
		}
	}
}

func TestFieldErrorFormat(t *testing.T) {
	tests := []struct {
		e    FieldError
		want string
	}{
		{FieldError{Source: "w.yaml", Line: 3, Path: "log.level", Msg: "bad"}, "w.yaml:3: log.level: bad"},
		{FieldError{Source: "w.yaml", Line: 3, Msg: "bad"}, "w.yaml:3: bad"},
		{FieldError{Source: "w.yaml", Msg: "bad"}, "w.yaml: bad"},
		{FieldError{Source: "env WARDEN_LISTEN", Path: "listen", Msg: "bad"}, "env WARDEN_LISTEN: listen: bad"},
		{FieldError{Path: "listen", Msg: "bad"}, "listen: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorsListingIsBounded(t *testing.T) {
	var errs Errors
	for i := range maxListedErrors + 10 {
		errs = append(errs, &FieldError{Source: "w.yaml", Line: i + 1, Msg: fmt.Sprint("problem ", i)})
	}
	lines := strings.Split(errs.Error(), "\n")
	if len(lines) != maxListedErrors+1 || lines[len(lines)-1] != "... and 10 more errors" {
		t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if len(errs.Unwrap()) != maxListedErrors+10 {
		t.Error("Unwrap must return every error")
	}
}

func TestSuggestions(t *testing.T) {
	top := []string{"listen", "metrics_listen", "data_dir", "database_url"}
	tests := []struct{ key, want string }{
		{"Listen", "listen"},
		{"lsiten", "listen"},
		{"metrics-listen", "metrics_listen"},
		{"databse_url", "database_url"},
		{"datadir", "data_dir"},
		{"xyz", ""},
		{strings.Repeat("l", 100), ""},
	}
	for _, tt := range tests {
		if got := closest(normalizeKey(tt.key), top); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
