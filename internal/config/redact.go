package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

const redacted = "REDACTED"

// String formats b with its APIKey redacted.
func (b Backend) String() string {
	type plain Backend // same fields, no methods
	p := plain(b)
	if p.APIKey != "" {
		p.APIKey = redacted
	}
	return fmt.Sprintf("%+v", p)
}

// GoString formats b for %#v with its APIKey redacted.
func (b Backend) GoString() string { return "config.Backend" + b.String() }

// LogValue logs b without its APIKey (only whether one is set).
func (b Backend) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", b.Name),
		slog.String("kind", b.Kind),
		slog.String("url", b.URL),
		slog.String("api_key_env", b.APIKeyEnv),
		slog.Bool("api_key_set", b.APIKey != ""),
	)
}

// String formats c with backend API keys and the database password redacted.
func (c Config) String() string {
	type plain Config // same fields, no methods
	p := plain(c)
	p.DatabaseURL = redactDatabaseURL(c.DatabaseURL)
	p.Limits.RedisURL = redactDatabaseURL(c.Limits.RedisURL)
	p.src = nil
	return strings.TrimSuffix(fmt.Sprintf("%+v", p), " src:<nil>}") + "}"
}

// GoString formats c for %#v with secrets redacted.
func (c Config) GoString() string { return "config.Config" + c.String() }

// LogValue logs a summary of c without secrets.
func (c Config) LogValue() slog.Value {
	backends := make([]slog.Attr, len(c.Backends))
	for i, b := range c.Backends {
		backends[i] = slog.Any(b.Name, b)
	}
	return slog.GroupValue(
		slog.String("listen", c.Listen),
		slog.String("metrics_listen", c.MetricsListen),
		slog.String("data_dir", c.DataDir),
		slog.String("database_url", redactDatabaseURL(c.DatabaseURL)),
		slog.String("max_request_bytes", c.MaxRequestBytes.String()),
		slog.String("log_level", c.Log.Level),
		slog.String("log_format", c.Log.Format),
		slog.Attr{Key: "backends", Value: slog.GroupValue(backends...)},
		slog.Int("models", len(c.Models)),
		slog.Int("model_groups", len(c.ModelGroups)),
		slog.String("redis_url", redactDatabaseURL(c.Limits.RedisURL)),
	)
}

// redactDatabaseURL keeps a database URL's scheme, host and path, and hides its
// user information and query (either may hold a password).
func redactDatabaseURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return redacted
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		out.User = url.User(redacted)
	}
	if u.RawQuery != "" {
		out.RawQuery = redacted
	}
	return out.String()
}
