package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mustParse parses src as warden.yaml and fails the test on error.
func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("warden.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return c
}

// stripSources drops the position records so that configs compare by value.
func stripSources(c *Config) *Config {
	c.src = nil
	return c
}

func TestDefaultMatchesDocumentedValues(t *testing.T) {
	c := Default()
	b := c.Backends[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, "127.0.0.1:4000"},
		{"metrics_listen", c.MetricsListen, ""},
		{"data_dir", c.DataDir, "./warden-data"},
		{"database_url", c.DatabaseURL, ""},
		{"max_request_bytes", c.MaxRequestBytes, 10 * MiB},
		{"log.level", c.Log.Level, "info"},
		{"log.format", c.Log.Format, "text"},
		{"server.read_header_timeout", c.Server.ReadHeaderTimeout.Std(), 10 * time.Second},
		{"server.read_timeout", c.Server.ReadTimeout.Std(), 60 * time.Second},
		{"server.idle_timeout", c.Server.IdleTimeout.Std(), 120 * time.Second},
		{"server.stream_idle_timeout", c.Server.StreamIdleTimeout.Std(), 5 * time.Minute},
		{"server.shutdown_grace", c.Server.ShutdownGrace.Std(), 30 * time.Second},
		{"server.engine", c.Server.Engine, "fast"},
		{"len(backends)", len(c.Backends), 1},
		{"backend name", b.Name, "ollama"},
		{"backend kind", b.Kind, "ollama"},
		{"backend url", b.URL, "http://127.0.0.1:11434"},
		{"backend connect_timeout", b.ConnectTimeout.Std(), 5 * time.Second},
		{"backend response_header_timeout", b.ResponseHeaderTimeout.Std(), 5 * time.Minute},
		{"backend max_idle_conns", b.MaxIdleConns, 256},
		{"health interval", b.HealthCheck.Interval.Std(), 10 * time.Second},
		{"health timeout", b.HealthCheck.Timeout.Std(), 3 * time.Second},
		{"health path", b.HealthCheck.Path, "/"},
		{"health unhealthy_after", b.HealthCheck.UnhealthyAfter, 2},
		{"health healthy_after", b.HealthCheck.HealthyAfter, 1},
		{"len(models)", len(c.Models), 0},
		{"discovery.interval", c.Discovery.Interval.Std(), 30 * time.Second},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	a, b2 := Default(), Default()
	a.Backends[0].Name, a.Listen = "changed", "changed"
	if b2.Backends[0].Name != "ollama" || b2.Listen != "127.0.0.1:4000" {
		t.Error("Default must return a fresh Config each call")
	}
}

func TestEmptyDocumentsMeanDefaults(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# only a comment\n# and another\n", "---\n", "---\n# comment\n...\n", "~\n", "listen: ~\nbackends:\n"} {
		t.Run(fmt.Sprintf("%q", src), func(t *testing.T) {
			got := stripSources(mustParse(t, src))
			if want := Default(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestFullExampleIsDefaultsPlusItsBackendsModelsAndGroups(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("full.yaml", data)
	if err != nil {
		t.Fatalf("Parse(full.yaml):\n%v", err)
	}
	var vllm Backend
	vllm.setDefaults()
	vllm.Name, vllm.Kind, vllm.URL, vllm.APIKeyEnv = "vllm", "openai", "https://vllm.internal:8000", "VLLM_API_KEY"
	vllm.HealthCheck.Path = "/v1/models"
	want := Default()
	want.Backends = append(want.Backends, vllm)
	want.Models = []Model{
		{Name: "llama3", Backends: []string{"ollama"}, Upstream: "llama3"},
		{Name: "llama3-8b", Backends: []string{"vllm"}, Upstream: "meta-llama/Meta-Llama-3-8B-Instruct",
			Price:  Price{InputPerMillion: 0.15, OutputPerMillion: 0.6},
			Limits: LimitSet{MaxParallelRequests: 8, MaxBudget: 200, BudgetDuration: "1mo"}},
	}
	want.ModelGroups = map[string][]string{"small": {"llama3"}, "llamas": {"llama3*"}}
	want.TrustedProxies = []string{"10.0.0.0/8"}
	if stripSources(got); !reflect.DeepEqual(got, want) {
		t.Errorf("full.yaml:\n got %+v\nwant %+v", got, want)
	}
}

func TestFullExampleMentionsEveryField(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[Log](), reflect.TypeFor[ServerTimeouts](),
		reflect.TypeFor[Backend](), reflect.TypeFor[HealthCheck](), reflect.TypeFor[Model](), reflect.TypeFor[Discovery](), reflect.TypeFor[AuthFailures](), reflect.TypeFor[Limits]()} {
		_, names := yamlFields(typ)
		for _, n := range names {
			if !strings.Contains(string(data), n+":") {
				t.Errorf("testdata/full.yaml does not set %s.%s", typ.Name(), n)
			}
		}
	}
}

func TestPartialBackendGetsDefaults(t *testing.T) {
	c := mustParse(t, `
backends:
  - name: gpu
    kind: openai
    url: http://10.0.0.5:8000/
    health_check:
      interval: 1m
models:
  - name: qwen
    backends: [gpu]
`)
	b := c.Backends[0]
	if len(c.Backends) != 1 || b.Name != "gpu" {
		t.Fatalf("the file's backends must replace the default one, got %v", c.Backends)
	}
	if b.HealthCheck.Path != "/v1/models" || b.HealthCheck.Interval.Std() != time.Minute || b.HealthCheck.Timeout.Std() != 3*time.Second ||
		b.ConnectTimeout.Std() != 5*time.Second || b.MaxIdleConns != 256 || b.HealthCheck.UnhealthyAfter != 2 {
		t.Errorf("backend defaults not filled: %+v", b)
	}
	if c.Models[0].Upstream != "qwen" {
		t.Errorf("model upstream = %q, want its name", c.Models[0].Upstream)
	}
}

func TestAliasesAndDaySyntax(t *testing.T) {
	c := mustParse(t, `
backends:
  - name: a
    url: http://a:1
    health_check: &hc {interval: 1d, timeout: 1h}
  - name: b
    url: http://b:1
    health_check: *hc
`)
	for _, b := range c.Backends {
		if b.HealthCheck.Interval.Std() != 24*time.Hour || b.HealthCheck.Timeout.Std() != time.Hour {
			t.Errorf("backend %s health_check = %+v", b.Name, b.HealthCheck)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const backend = "backends:\n  - name: a\n    url: http://h:1\n"
	tests := []struct {
		name    string
		src     string
		want    string // the whole error when count is 1
		notWant string // a secret that must not be repeated
	}{
		{"unknown top-level field", "listen: 127.0.0.1:1\nlistn: 1.2.3.4:1\n", `warden.yaml:2: unknown field "listn" (did you mean "listen"?)`, ""},
		{"unknown field dash spelling", "data-dir: x\n", `warden.yaml:1: unknown field "data-dir" (did you mean "data_dir"?)`, ""},
		{"unknown field far from any", "zzzzzz: 1\n", `warden.yaml:1: unknown field "zzzzzz" (known fields: listen, metrics_listen, data_dir,`, ""},
		{"unknown nested field", "log:\n  levle: info\n", `warden.yaml:2: log: unknown field "levle" (did you mean "level"?)`, ""},
		{"api_key in file", backend + "    api_key: sk-hush\n", `warden.yaml:4: backends[0]: unknown field "api_key": secrets are not written in the file`, "sk-hush"},
		{"field set twice", "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n", `warden.yaml:2: listen: set twice (first at line 1)`, ""},
		{"merge key", "log:\n  <<: {level: info}\n", `warden.yaml:2: log: merge keys (<<) are not supported`, ""},
		{"mapping key", "? [a]\n: 1\n", `warden.yaml:1: field names must be plain words, got a list`, ""},
		{"listen not host:port", "listen: localhost\n", `warden.yaml:1: listen: must be host:port such as "127.0.0.1:4000" or ":4000", got "localhost"`, ""},
		{"listen bad port", "listen: 'localhost:99999'\n", `warden.yaml:1: listen: port must be a number from 0 to 65535, got "99999"`, ""},
		{"listen named port", "listen: 'localhost:http'\n", `warden.yaml:1: listen: port must be a number`, ""},
		{"listen bad host", "listen: 'bad host:80'\n", `warden.yaml:1: listen: host must be an IP address or a host name, got "bad host"`, ""},
		{"listen is a list", "listen: [a]\n", `warden.yaml:1: listen: must be a string, got a list`, ""},
		{"metrics_listen same as listen", "metrics_listen: 127.0.0.1:4000\n", `warden.yaml:1: metrics_listen: must not use the same address and port as listen`, ""},
		{"metrics_listen wildcard on listen port", "metrics_listen: ':4000'\n", `warden.yaml:1: metrics_listen: must not use the same address and port as listen`, ""},
		{"metrics_listen invalid", "\nmetrics_listen: nope\n", `warden.yaml:2: metrics_listen: must be host:port`, ""},
		{"data_dir empty", "data_dir: ''\n", `warden.yaml:1: data_dir: must not be empty`, ""},
		{"database_url not postgres", "database_url: mysql://u:s3cret@h/db\n", `warden.yaml:1: database_url: must be empty (SQLite in data_dir) or a postgres:// URL`, "s3cret"},
		{"database_url unparseable", "database_url: 'postgres://u:s3cret@h:port/db'\n", `warden.yaml:1: database_url: must be empty`, "s3cret"},
		{"max_request_bytes too small", "max_request_bytes: 100\n", `warden.yaml:1: max_request_bytes: must be between 1KiB and 1GiB, got 100`, ""},
		{"max_request_bytes too large", "max_request_bytes: 2GiB\n", `warden.yaml:1: max_request_bytes: must be between 1KiB and 1GiB, got 2GiB`, ""},
		{"max_request_bytes bad unit", "max_request_bytes: 10 parsecs\n", `warden.yaml:1: max_request_bytes: invalid size "10 parsecs"`, ""},
		{"max_request_bytes mapping", "max_request_bytes: {a: 1}\n", `warden.yaml:1: max_request_bytes: must be a size such as "10MiB", got a mapping`, ""},
		{"log level", "log:\n  level: verbose\n", `warden.yaml:2: log.level: must be one of debug, info, warn, error, got "verbose"`, ""},
		{"log format", "log:\n  format: xml\n", `warden.yaml:2: log.format: must be one of text, json, got "xml"`, ""},
		{"log not a mapping", "log: debug\n", `warden.yaml:1: log: must be a mapping of fields, got "debug"`, ""},
		{"zero timeout", "server:\n  read_timeout: 0s\n", `warden.yaml:2: server.read_timeout: must be a positive duration, got 0s`, ""},
		{"negative timeout", "server:\n  idle_timeout: -5s\n", `warden.yaml:2: server.idle_timeout: must be a positive duration, got -5s`, ""},
		{"duration without unit", "server:\n  shutdown_grace: 30\n", `warden.yaml:2: server.shutdown_grace: invalid duration "30": missing unit`, ""},
		{"duration garbage", "server:\n  read_header_timeout: soon\n", `warden.yaml:2: server.read_header_timeout: invalid duration "soon"`, ""},
		{"duration list", "server:\n  stream_idle_timeout: [1s]\n", `warden.yaml:2: server.stream_idle_timeout: must be a duration such as "30s", got a list`, ""},
		{"no backends", "backends: []\n", `warden.yaml:1: backends: at least one backend is required`, ""},
		{"backends not a list", "backends: ollama\n", `warden.yaml:1: backends: must be a list, got "ollama"`, ""},
		{"backend kind typo", backend + "  - name: b\n    kind: olama\n    url: http://h:2\n", `warden.yaml:5: backends[1].kind: must be "ollama" or "openai", got "olama"`, ""},
		{"backend name missing", "backends:\n  - url: http://h:1\n", `warden.yaml:2: backends[0].name: required`, ""},
		{"backend name invalid", "backends:\n  - name: My Backend\n    url: http://h:1\n", `warden.yaml:2: backends[0].name: must be 1 to 64 characters of a-z, 0-9, "_" and "-", got "My Backend"`, ""},
		{"backend name too long", "backends:\n  - name: " + strings.Repeat("a", 65) + "\n    url: http://h:1\n", `warden.yaml:2: backends[0].name: must be 1 to 64 characters`, ""},
		{"backend name duplicate", backend + "  - name: a\n    url: http://h:2\n", `warden.yaml:4: backends[1].name: duplicate backend name "a" (first at line 2)`, ""},
		{"backend url missing", "backends:\n  - name: a\n", `warden.yaml:2: backends[0].url: required`, ""},
		{"backend url scheme", "backends:\n  - name: a\n    url: ftp://h\n", `warden.yaml:3: backends[0].url: must be an absolute http:// or https:// URL`, ""},
		{"backend url relative", "backends:\n  - name: a\n    url: /v1\n", `warden.yaml:3: backends[0].url: must be an absolute http:// or https:// URL`, ""},
		{"backend url no host", "backends:\n  - name: a\n    url: 'http:///x'\n", `warden.yaml:3: backends[0].url: must name a host`, ""},
		{"backend url userinfo", "backends:\n  - name: a\n    url: http://u:pa55@h\n", `warden.yaml:3: backends[0].url: must not contain a user name or password`, "pa55"},
		{"backend url query", "backends:\n  - name: a\n    url: http://h/?token=t0ken\n", `warden.yaml:3: backends[0].url: must not contain a query string`, "t0ken"},
		{"backend url fragment", "backends:\n  - name: a\n    url: http://h/#frag\n", `warden.yaml:3: backends[0].url: must not contain a fragment`, ""},
		{"backend url bad port", "backends:\n  - name: a\n    url: http://h:99999\n", `warden.yaml:3: backends[0].url: port must be a number from 0 to 65535`, ""},
		{"api_key_env holds a key", backend + "    api_key_env: sk-live-abc123\n", `warden.yaml:4: backends[0].api_key_env: must be the NAME of an environment variable`, "sk-live-abc123"},
		{"connect_timeout zero", backend + "    connect_timeout: 0s\n", `warden.yaml:4: backends[0].connect_timeout: must be a positive duration, got 0s`, ""},
		{"response_header_timeout negative", backend + "    response_header_timeout: -1s\n", `warden.yaml:4: backends[0].response_header_timeout: must be a positive duration, got -1s`, ""},
		{"max_idle_conns zero", backend + "    max_idle_conns: 0\n", `warden.yaml:4: backends[0].max_idle_conns: must be at least 1, got 0`, ""},
		{"max_idle_conns not a number", backend + "    max_idle_conns: many\n", `warden.yaml:4: backends[0].max_idle_conns: must be a whole number, got "many"`, ""},
		{"max_idle_conns float", backend + "    max_idle_conns: 1.5\n", `warden.yaml:4: backends[0].max_idle_conns: must be a whole number, got "1.5"`, ""},
		{"health timeout above interval", backend + "    health_check:\n      interval: 1s\n      timeout: 2s\n", `warden.yaml:6: backends[0].health_check.timeout: must not exceed health_check.interval (1s), got 2s`, ""},
		{"health path relative", backend + "    health_check:\n      path: health\n", `warden.yaml:5: backends[0].health_check.path: must be a URL path starting with "/"`, ""},
		{"health path with space", backend + "    health_check:\n      path: /a b\n", `warden.yaml:5: backends[0].health_check.path: must be a URL path`, ""},
		{"health unhealthy_after", backend + "    health_check:\n      unhealthy_after: 0\n", `warden.yaml:5: backends[0].health_check.unhealthy_after: must be at least 1, got 0`, ""},
		{"health healthy_after", backend + "    health_check:\n      healthy_after: -1\n", `warden.yaml:5: backends[0].health_check.healthy_after: must be at least 1, got -1`, ""},
		{"health_check not a mapping", backend + "    health_check: yes\n", `warden.yaml:4: backends[0].health_check: must be a mapping of fields, got "yes"`, ""},
		{"model name missing", backend + "models:\n  - backends: [a]\n", `warden.yaml:5: models[0].name: required`, ""},
		{"model name with space", backend + "models:\n  - name: my model\n    backends: [a]\n", `warden.yaml:5: models[0].name: must be at most 256 characters with no spaces or control characters, got "my model"`, ""},
		{"model name duplicate", backend + "models:\n  - name: m\n    backends: [a]\n  - name: m\n    backends: [a]\n", `warden.yaml:7: models[1].name: duplicate model name "m" (first at line 5)`, ""},
		{"model without backends", backend + "models:\n  - name: m\n", `warden.yaml:5: models[0].backends: at least one backend is required`, ""},
		{"model unknown backend", backend + "models:\n  - name: m\n    backends:\n      - a\n      - nope\n", `warden.yaml:8: models[0].backends[1]: unknown backend "nope" (configured: a)`, ""},
		{"model backend twice", backend + "models:\n  - name: m\n    backends: [a, a]\n", `warden.yaml:6: models[0].backends[1]: backend "a" is listed twice`, ""},
		{"model backends not a list", backend + "models:\n  - name: m\n    backends: a\n", `warden.yaml:6: models[0].backends: must be a list, got "a"`, ""},
		{"model upstream with space", backend + "models:\n  - name: m\n    backends: [a]\n    upstream: 'x y'\n", `warden.yaml:7: models[0].upstream: must be 1 to 256 characters`, ""},
		{"discovery interval below 1s", "discovery:\n  interval: 500ms\n", `warden.yaml:2: discovery.interval: must be at least 1s, got 500ms`, ""},
		{"discovery interval zero", "discovery:\n  interval: 0s\n", `warden.yaml:2: discovery.interval: must be at least 1s, got 0s`, ""},
		{"error at an alias names the alias line", "listen: &x 127.0.0.1:1\n\nlog: *x\n", `warden.yaml:3: log: must be a mapping of fields, got "127.0.0.1:1"`, ""},
		{"unknown anchor", "listen: 127.0.0.1:1\nlog: *nope\n", `warden.yaml:2: invalid YAML: unknown anchor 'nope' referenced`, ""},
		{"top level is a list", "- a\n- b\n", `warden.yaml:1: the top level must be a mapping of fields`, ""},
		{"top level is a scalar", "hello\n", `warden.yaml:1: the top level must be a mapping of fields such as "listen: 127.0.0.1:4000", got "hello"`, ""},
		{"two documents", "listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n", `warden.yaml:2: more than one YAML document ("---")`, ""},
		{"syntax error", "listen: 127.0.0.1:1\nlog:\n  level: a: b\n", `warden.yaml:3: invalid YAML: mapping values are not allowed in this context`, ""},
		{"tab indentation", "log:\n\tlevel: info\n", `warden.yaml:2: invalid YAML: found`, ""},
		{"too large", "# " + strings.Repeat("x", MaxFileBytes) + "\n", `warden.yaml: file is larger than the 1048576 byte limit`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("warden.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q", tt.want)
			}
			if c != nil {
				t.Error("Parse returned a config together with an error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors", err)
			}
			msg := err.Error()
			if len(errs) != 1 {
				t.Errorf("got %d errors, want 1:\n%s", len(errs), msg)
			}
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error:\n  %s\nwant prefix:\n  %s", msg, tt.want)
			}
			if tt.notWant != "" && strings.Contains(msg, tt.notWant) {
				t.Errorf("error repeats the secret %q: %s", tt.notWant, msg)
			}
		})
	}
}

func TestParseReportsAllErrorsInLineOrder(t *testing.T) {
	src := `listn: 127.0.0.1:1
log:
  level: loud
backends:
  - name: a
    kind: olama
    url: http://h:1
  - name: a
    url: ftp://h
discovery:
  interval: 10
`
	_, err := Parse("warden.yaml", []byte(src))
	want := []string{
		`warden.yaml:1: unknown field "listn" (did you mean "listen"?)`,
		`warden.yaml:3: log.level: must be one of debug, info, warn, error, got "loud"`,
		`warden.yaml:6: backends[0].kind: must be "ollama" or "openai", got "olama"`,
		`warden.yaml:8: backends[1].name: duplicate backend name "a" (first at line 5)`,
		`warden.yaml:9: backends[1].url: must be an absolute http:// or https:// URL`,
		`warden.yaml:11: discovery.interval: invalid duration "10": missing unit (write e.g. "10s", "10m" or "10d")`,
	}
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestAliasFanOutIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("backends: [{name: a, url: 'http://h:1'}]\nmodels:\n  - name: m0\n    backends: &l [")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("a")
	}
	b.WriteString("]\n")
	for i := 1; i < 200; i++ {
		fmt.Fprintf(&b, "  - {name: m%d, backends: *l}\n", i)
	}
	_, err := Parse("warden.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "document too complex") {
		t.Fatalf("want a 'too complex' error, got %v", err)
	}
	if n := len(err.(Errors)); n != 1 {
		t.Errorf("%d errors, want only the 'too complex' one:\n%v", n, err)
	}
}
