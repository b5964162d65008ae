package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envMap returns a getenv function that reads m.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyEnvOverridesEveryVariable(t *testing.T) {
	c := Default()
	err := c.ApplyEnv(envMap(map[string]string{
		"WARDEN_LISTEN":            "0.0.0.0:8080",
		"WARDEN_METRICS_LISTEN":    "127.0.0.1:9090",
		"WARDEN_DATA_DIR":          "/var/lib/warden",
		"WARDEN_DATABASE_URL":      "postgres://warden@db/warden",
		"WARDEN_LOG_LEVEL":         "debug",
		"WARDEN_LOG_FORMAT":        "json",
		"WARDEN_MAX_REQUEST_BYTES": "2MiB",
		"WARDEN_BACKEND_URL":       "http://gpu:11434",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.Listen, c.MetricsListen, c.DataDir, c.DatabaseURL, c.Log.Level, c.Log.Format, c.MaxRequestBytes.String(), c.Backends[0].URL}
	want := []string{"0.0.0.0:8080", "127.0.0.1:9090", "/var/lib/warden", "postgres://warden@db/warden", "debug", "json", "2MiB", "http://gpu:11434"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate after overrides: %v", err)
	}
}

func TestApplyEnvEmptyMeansUnset(t *testing.T) {
	c := Default()
	if err := c.ApplyEnv(envMap(map[string]string{"WARDEN_LISTEN": ""})); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:4000" {
		t.Errorf("listen = %q", c.Listen)
	}
}

func TestApplyEnvDoesNotChangeTheOriginalsSources(t *testing.T) {
	orig := mustParse(t, "listen: 127.0.0.1:1\n")
	cp := *orig
	if err := cp.ApplyEnv(envMap(map[string]string{"WARDEN_LISTEN": "bad"})); err != nil {
		t.Fatal(err)
	}
	orig.Listen = "bad"
	if err := orig.Validate(); err == nil || !strings.HasPrefix(err.Error(), "warden.yaml:1: listen:") {
		t.Errorf("the original's errors must still point at the file, got %v", err)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	twoBackends := "backends:\n  - name: a\n    url: http://a:1\n  - name: b\n    url: http://b:1\n"
	tests := []struct {
		name string
		file string // "" = no file
		env  map[string]string
		want string
	}{
		{"bad listen", "", map[string]string{"WARDEN_LISTEN": "nope"}, `env WARDEN_LISTEN: listen: must be host:port`},
		{"bad metrics listen", "", map[string]string{"WARDEN_METRICS_LISTEN": "127.0.0.1:4000"}, `env WARDEN_METRICS_LISTEN: metrics_listen: must not use the same address`},
		{"bad size", "", map[string]string{"WARDEN_MAX_REQUEST_BYTES": "lots"}, `env WARDEN_MAX_REQUEST_BYTES: max_request_bytes: invalid size "lots"`},
		{"size out of range", "", map[string]string{"WARDEN_MAX_REQUEST_BYTES": "2GiB"}, `env WARDEN_MAX_REQUEST_BYTES: max_request_bytes: must be between 1KiB and 1GiB, got 2GiB`},
		{"bad log level", "", map[string]string{"WARDEN_LOG_LEVEL": "trace"}, `env WARDEN_LOG_LEVEL: log.level: must be one of debug, info, warn, error, got "trace"`},
		{"bad log format", "", map[string]string{"WARDEN_LOG_FORMAT": "yaml"}, `env WARDEN_LOG_FORMAT: log.format: must be one of text, json`},
		{"bad database url hides value", "", map[string]string{"WARDEN_DATABASE_URL": "mysql://root:hunter2@db/x"}, `env WARDEN_DATABASE_URL: database_url: must be empty (SQLite in data_dir) or a postgres:// URL (the value is not shown`},
		{"bad backend url", "", map[string]string{"WARDEN_BACKEND_URL": "gpu:11434"}, `env WARDEN_BACKEND_URL: backends[0].url: must be an absolute http:// or https:// URL`},
		{"backend url with several backends", twoBackends, map[string]string{"WARDEN_BACKEND_URL": "http://x:1"}, `env WARDEN_BACKEND_URL: can only replace the url when exactly one backend is configured, but there are 2`},
		{"api key variable unset", "backends:\n  - name: a\n    url: http://a:1\n    api_key_env: A_KEY\n", nil, `warden.yaml:4: backends[0].api_key_env: environment variable A_KEY is empty or unset`},
		{"file error and env error together", "log:\n  level: loud\n", map[string]string{"WARDEN_LISTEN": "x"}, "warden.yaml:2: log.level: must be one of debug, info, warn, error, got \"loud\"\nenv WARDEN_LISTEN: listen: must be host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, "warden.yaml", tt.file)
			}
			c, err := load(path, envMap(tt.env))
			if err == nil {
				t.Fatalf("load succeeded: %v", c)
			}
			msg := err.Error()
			if path != "" {
				msg = strings.ReplaceAll(msg, path, "warden.yaml")
			}
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error:\n  %s\nwant prefix:\n  %s", msg, tt.want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error repeats a secret: %s", msg)
			}
		})
	}
}

func TestLoadResolvesAPIKeysAndOverrides(t *testing.T) {
	path := writeFile(t, "warden.yaml", "listen: 'not valid'\nbackends:\n  - name: vllm\n    kind: openai\n    url: http://vllm:8000\n    api_key_env: VLLM_KEY\n")
	c, err := load(path, envMap(map[string]string{
		"VLLM_KEY":           "sk-upstream",
		"WARDEN_LISTEN":      "127.0.0.1:5000", // fixes the file's bad value
		"WARDEN_BACKEND_URL": "https://vllm.example:8443",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Backends[0].APIKey != "sk-upstream" {
		t.Errorf("APIKey = %q, want it resolved from VLLM_KEY", c.Backends[0].APIKey)
	}
	if c.Listen != "127.0.0.1:5000" || c.Backends[0].URL != "https://vllm.example:8443" {
		t.Errorf("overrides not applied: listen %q url %q", c.Listen, c.Backends[0].URL)
	}
}

func TestParseLeavesAPIKeysUnresolved(t *testing.T) {
	c := mustParse(t, "backends:\n  - name: a\n    url: http://a:1\n    api_key_env: SOME_KEY\n")
	if c.Backends[0].APIKey != "" {
		t.Errorf("Parse must not read the environment, APIKey = %q", c.Backends[0].APIKey)
	}
}

func TestLoadReadsProcessEnvironment(t *testing.T) {
	t.Setenv("WARDEN_LISTEN", "127.0.0.1:4567")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:4567" {
		t.Errorf("listen = %q", c.Listen)
	}
}

func TestLoadFileProblems(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error %v does not name %s", err, missing)
	}
	big := writeFile(t, "big.yaml", "# "+strings.Repeat("x", MaxFileBytes))
	if _, err := Load(big); err == nil || !strings.HasPrefix(err.Error(), big+": file is larger than") {
		t.Errorf("large file: error %v", err)
	}
	bad := writeFile(t, "bad.yaml", "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n")
	if _, err := Load(bad); err == nil || err.Error() != bad+":2: listen: set twice (first at line 1)" {
		t.Errorf("bad file: error %v", err)
	}
	good := writeFile(t, "good.yaml", "listen: 127.0.0.1:4001\n")
	if c, err := Load(good); err != nil || c.Listen != "127.0.0.1:4001" {
		t.Errorf("good file: %v, %v", c, err)
	}
}
