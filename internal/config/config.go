// Package config loads and validates Warden's YAML configuration and WARDEN_* environment overrides.
package config

import "time"

// Config is Warden's whole configuration. Build one with Default, Parse or Load.
type Config struct {
	// Listen is the main listener's host:port. Default "127.0.0.1:4000".
	Listen string `yaml:"listen"`
	// MetricsListen is an optional separate listener for /metrics, served without
	// authentication. "" serves /metrics on the main listener, for admins only.
	MetricsListen string `yaml:"metrics_listen"`
	// DataDir holds the SQLite database and other local state. Default "./warden-data".
	DataDir string `yaml:"data_dir"`
	// DatabaseURL selects the store: "" is SQLite in DataDir, postgres://... is PostgreSQL.
	// It may hold a password: print it only through Config's String or LogValue.
	DatabaseURL string `yaml:"database_url"`
	// MaxRequestBytes caps a request body. Default 10 MiB.
	MaxRequestBytes Size `yaml:"max_request_bytes"`
	// Log configures the process log.
	Log Log `yaml:"log"`
	// Server holds the listener timeouts.
	Server ServerTimeouts `yaml:"server"`
	// Backends are the upstream LLM servers. Default: one ollama backend at http://127.0.0.1:11434.
	Backends []Backend `yaml:"backends"`
	// Models maps client-visible model names to backends. Empty means discovered from backends.
	Models []Model `yaml:"models"`
	// ModelGroups names sets of models for allowlists: a key's or team's models
	// list may name a group (LiteLLM's access groups) instead of its models. Each
	// entry is an exact model name or a pattern with "*"; a group may not name
	// another group. Default: none.
	ModelGroups map[string][]string `yaml:"model_groups"`
	// Discovery configures model discovery.
	Discovery Discovery `yaml:"discovery"`
	// Limits configures where limit counters are kept (memory or Redis).
	Limits Limits `yaml:"limits"`
	// AuthFailures bans a client for a while after repeated bad credentials.
	AuthFailures AuthFailures `yaml:"auth_failures"`
	// TrustedProxies are the addresses (CIDRs) of reverse proxies in front of Warden. Only a request
	// arriving from one of them has its X-Forwarded-For believed for the client's address. Default:
	// none, so the connection's own address is the client's.
	TrustedProxies []string `yaml:"trusted_proxies"`

	src *sources // where each field came from, for error messages; nil for hand-built configs
}

// Log configures the process log.
type Log struct {
	Level  string `yaml:"level"`  // debug|info|warn|error; default info
	Format string `yaml:"format"` // text|json; default text
}

// ServerTimeouts are the listener's timeouts.
type ServerTimeouts struct {
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"` // default 10s
	ReadTimeout       Duration `yaml:"read_timeout"`        // reading the request body; default 60s
	IdleTimeout       Duration `yaml:"idle_timeout"`        // keep-alive; default 120s
	StreamIdleTimeout Duration `yaml:"stream_idle_timeout"` // no byte from upstream for this long ends a stream; default 5m
	ShutdownGrace     Duration `yaml:"shutdown_grace"`      // default 30s
	// Engine serves HTTP/1.1: "fast" (default) answers ordinary requests on Warden's lean path
	// and the rest with Go's net/http, and does socket I/O with internal/sockio; "net/http"
	// answers every request with net/http and leaves all socket I/O to Go's net package.
	Engine string `yaml:"engine"`
}

// Backend is one upstream LLM server.
type Backend struct {
	Name      string `yaml:"name"`        // required, unique, [a-z0-9_-]{1,64}
	Kind      string `yaml:"kind"`        // "ollama" | "openai"; default "ollama"
	URL       string `yaml:"url"`         // required, absolute http(s), no query/fragment/userinfo
	APIKeyEnv string `yaml:"api_key_env"` // name of the env var holding the upstream key
	// APIKey is resolved from APIKeyEnv by Load (or ApplyEnv). It is never printed:
	// Backend's String, GoString and LogValue redact it.
	APIKey string `yaml:"-" json:"-"`

	ConnectTimeout        Duration    `yaml:"connect_timeout"`         // default 5s
	ResponseHeaderTimeout Duration    `yaml:"response_header_timeout"` // time to first byte; default 5m
	MaxIdleConns          int         `yaml:"max_idle_conns"`          // default 256
	HealthCheck           HealthCheck `yaml:"health_check"`
}

// HealthCheck configures active health checks of one backend.
type HealthCheck struct {
	Interval Duration `yaml:"interval"` // default 10s
	Timeout  Duration `yaml:"timeout"`  // default 3s; at most Interval
	// Path is probed with GET. Parse and Load fill an empty path with the kind's
	// default: "/" for ollama, "/v1/models" for openai.
	Path           string `yaml:"path"`
	UnhealthyAfter int    `yaml:"unhealthy_after"` // consecutive failures; default 2
	HealthyAfter   int    `yaml:"healthy_after"`   // consecutive successes; default 1
}

// Model maps a client-visible model name to the backends that serve it.
type Model struct {
	Name     string   `yaml:"name"`     // required, unique: the name clients use
	Backends []string `yaml:"backends"` // required; each names a configured backend
	Upstream string   `yaml:"upstream"` // the backends' own model name; Parse and Load default it to Name
	Price    Price    `yaml:"price"`    // what a call costs; zero = free
	Limits   LimitSet `yaml:"limits"`   // limits of the model across all callers; zero = none
}

// Price is a model's price in money per one million tokens.
type Price struct {
	InputPerMillion  float64 `yaml:"input_per_million"`  // prompt tokens
	OutputPerMillion float64 `yaml:"output_per_million"` // completion tokens
}

// LimitSet is one level's limits, as on keys, users and teams; a zero field is no limit.
type LimitSet struct {
	RPMLimit            int64   `yaml:"rpm_limit"`
	TPMLimit            int64   `yaml:"tpm_limit"`
	MaxParallelRequests int64   `yaml:"max_parallel_requests"`
	MaxBudget           float64 `yaml:"max_budget"`        // money per budget_duration; 0 = no money budget
	BudgetDuration      string  `yaml:"budget_duration"`   // "" (never resets), 1h, 1d, 7d, 30d, 1mo, ...
	MaxTokensBudget     int64   `yaml:"max_tokens_budget"` // tokens per budget_duration
}

// IsZero reports whether the set limits nothing.
func (l LimitSet) IsZero() bool {
	return l.RPMLimit == 0 && l.TPMLimit == 0 && l.MaxParallelRequests == 0 && l.MaxBudget == 0 && l.MaxTokensBudget == 0
}

// Discovery configures how models are discovered from backends.
type Discovery struct {
	Interval Duration `yaml:"interval"` // default 30s, at least 1s
}

// Backend kinds.
const (
	KindOllama = "ollama"
	KindOpenAI = "openai"
)

// Default returns the built-in configuration used when no file is given.
func Default() *Config {
	return &Config{
		Listen:          "127.0.0.1:4000",
		DataDir:         "./warden-data",
		MaxRequestBytes: 10 * MiB,
		Log:             Log{Level: "info", Format: "text"},
		Server: ServerTimeouts{
			ReadHeaderTimeout: Duration(10 * time.Second),
			ReadTimeout:       Duration(60 * time.Second),
			IdleTimeout:       Duration(120 * time.Second),
			StreamIdleTimeout: Duration(5 * time.Minute),
			ShutdownGrace:     Duration(30 * time.Second),
			Engine:            "fast",
		},
		Backends: []Backend{defaultOllamaBackend()},
		Discovery: Discovery{
			Interval: Duration(30 * time.Second),
		},
		AuthFailures: defaultAuthFailures(),
		Limits:       defaultLimits(),
	}
}

func defaultOllamaBackend() Backend {
	var b Backend
	b.setDefaults()
	b.Name = "ollama"
	b.URL = "http://127.0.0.1:11434"
	b.HealthCheck.Path = defaultHealthPath(KindOllama)
	return b
}

// setDefaults fills the per-backend defaults before a file's values are decoded over them.
func (b *Backend) setDefaults() {
	*b = Backend{
		Kind:                  KindOllama,
		ConnectTimeout:        Duration(5 * time.Second),
		ResponseHeaderTimeout: Duration(5 * time.Minute),
		MaxIdleConns:          256,
		HealthCheck: HealthCheck{
			Interval:       Duration(10 * time.Second),
			Timeout:        Duration(3 * time.Second),
			UnhealthyAfter: 2,
			HealthyAfter:   1,
		},
	}
}

func defaultHealthPath(kind string) string {
	if kind == KindOpenAI {
		return "/v1/models"
	}
	return "/"
}

// fillDerived sets the defaults that depend on other fields: a backend's health
// check path (by kind) and a model's upstream name (its own name).
func (c *Config) fillDerived() {
	for i := range c.Backends {
		b := &c.Backends[i]
		if b.HealthCheck.Path == "" {
			b.HealthCheck.Path = defaultHealthPath(b.Kind)
		}
	}
	for i := range c.Models {
		m := &c.Models[i]
		if m.Upstream == "" {
			m.Upstream = m.Name
		}
	}
}
