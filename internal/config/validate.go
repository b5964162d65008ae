package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Validate checks the whole configuration and returns an Errors value listing
// every problem, each located by file and line when the Config came from Parse
// or Load, or nil.
func (c *Config) Validate() error {
	file := ""
	if c.src != nil {
		file = c.src.file
	}
	return c.validate().sorted(file).err()
}

// checker collects validation errors, skipping fields that already failed to decode.
type checker struct {
	src  *sources
	errs Errors
}

func (k *checker) fail(path, format string, args ...any) {
	if k.src != nil && k.src.bad[path] || len(k.errs) >= maxErrors {
		return
	}
	k.errs = append(k.errs, k.src.errorAt(path, format, args...))
}

// where describes where path was set, for "first defined at" remarks.
func (k *checker) where(path string) string {
	if o := k.src.locate(path); o.line > 0 {
		return fmt.Sprintf("line %d", o.line)
	}
	return path
}

func (c *Config) validate() Errors {
	k := &checker{src: c.src}
	if msg := hostPortProblem(c.Listen); msg != "" {
		k.fail("listen", "%s", msg)
	}
	if c.MetricsListen != "" {
		if msg := hostPortProblem(c.MetricsListen); msg != "" {
			k.fail("metrics_listen", "%s", msg)
		} else if sameListener(c.Listen, c.MetricsListen) {
			k.fail("metrics_listen", "must not use the same address and port as listen (%s): leave it empty to serve /metrics on the main listener", quote(c.Listen))
		}
	}
	if c.DataDir == "" {
		k.fail("data_dir", "must not be empty")
	} else if strings.ContainsRune(c.DataDir, 0) {
		k.fail("data_dir", "must not contain a NUL byte")
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			k.fail("database_url", "must be empty (SQLite in data_dir) or a postgres:// URL (the value is not shown: it may hold a password)")
		}
	}
	if c.MaxRequestBytes < KiB || c.MaxRequestBytes > GiB {
		k.fail("max_request_bytes", "must be between 1KiB and 1GiB, got %s", c.MaxRequestBytes)
	}
	checkOneOf(k, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	checkOneOf(k, "log.format", c.Log.Format, "text", "json")
	s := c.Server
	checkPositive(k, "server.read_header_timeout", s.ReadHeaderTimeout)
	checkPositive(k, "server.read_timeout", s.ReadTimeout)
	checkPositive(k, "server.idle_timeout", s.IdleTimeout)
	checkPositive(k, "server.stream_idle_timeout", s.StreamIdleTimeout)
	checkPositive(k, "server.shutdown_grace", s.ShutdownGrace)
	checkOneOf(k, "server.engine", s.Engine, "fast", "net/http")
	names := c.validateBackends(k)
	c.validateModels(k, names)
	c.validateModelGroups(k)
	c.validateClientIdentity(k)
	c.validateLimits(k)
	if c.Discovery.Interval < Duration(time.Second) {
		k.fail("discovery.interval", "must be at least 1s, got %s", c.Discovery.Interval)
	}
	return k.errs
}

// validateBackends checks the backends and returns their names in order.
func (c *Config) validateBackends(k *checker) []string {
	if len(c.Backends) == 0 {
		k.fail("backends", "at least one backend is required")
	}
	first := map[string]int{}
	var names []string
	for i := range c.Backends {
		b := &c.Backends[i]
		p := indexPath("backends", i)
		switch {
		case b.Name == "":
			k.fail(p+".name", "required")
		case !validBackendName(b.Name):
			k.fail(p+".name", "must be 1 to 64 characters of a-z, 0-9, \"_\" and \"-\", got %s", quote(b.Name))
		default:
			if j, dup := first[b.Name]; dup {
				k.fail(p+".name", "duplicate backend name %s (first at %s)", quote(b.Name), k.where(indexPath("backends", j)+".name"))
			} else {
				first[b.Name] = i
				names = append(names, b.Name)
			}
		}
		if b.Kind != KindOllama && b.Kind != KindOpenAI {
			k.fail(p+".kind", "must be %q or %q, got %s", KindOllama, KindOpenAI, quote(b.Kind))
		}
		if msg := backendURLProblem(b.URL); msg != "" {
			k.fail(p+".url", "%s", msg)
		}
		if b.APIKeyEnv != "" && !validEnvName(b.APIKeyEnv) {
			k.fail(p+".api_key_env", "must be the NAME of an environment variable holding the key (A-Z, 0-9 and \"_\", not starting with a digit), not the key itself; the value is not shown")
		}
		checkPositive(k, p+".connect_timeout", b.ConnectTimeout)
		checkPositive(k, p+".response_header_timeout", b.ResponseHeaderTimeout)
		if b.MaxIdleConns < 1 {
			k.fail(p+".max_idle_conns", "must be at least 1, got %d", b.MaxIdleConns)
		}
		validateHealthCheck(k, p+".health_check", b.HealthCheck)
	}
	return names
}

func validateHealthCheck(k *checker, p string, h HealthCheck) {
	checkPositive(k, p+".interval", h.Interval)
	checkPositive(k, p+".timeout", h.Timeout)
	if h.Timeout > h.Interval && h.Interval > 0 {
		k.fail(p+".timeout", "must not exceed health_check.interval (%s), got %s", h.Interval, h.Timeout)
	}
	if !strings.HasPrefix(h.Path, "/") || strings.IndexFunc(h.Path, notPrintable) >= 0 || len(h.Path) > 1024 {
		k.fail(p+".path", "must be a URL path starting with \"/\" (at most 1024 characters, no spaces), got %s", quote(h.Path))
	}
	if h.UnhealthyAfter < 1 {
		k.fail(p+".unhealthy_after", "must be at least 1, got %d", h.UnhealthyAfter)
	}
	if h.HealthyAfter < 1 {
		k.fail(p+".healthy_after", "must be at least 1, got %d", h.HealthyAfter)
	}
}

func (c *Config) validateModels(k *checker, backends []string) {
	first := map[string]int{}
	for i, m := range c.Models {
		p := indexPath("models", i)
		switch {
		case m.Name == "":
			k.fail(p+".name", "required")
		case len(m.Name) > 256 || strings.IndexFunc(m.Name, notPrintable) >= 0:
			k.fail(p+".name", "must be at most 256 characters with no spaces or control characters, got %s", quote(m.Name))
		default:
			if j, dup := first[m.Name]; dup {
				k.fail(p+".name", "duplicate model name %s (first at %s)", quote(m.Name), k.where(indexPath("models", j)+".name"))
			} else {
				first[m.Name] = i
			}
		}
		if len(m.Backends) == 0 {
			k.fail(p+".backends", "at least one backend is required")
		}
		listed := map[string]bool{}
		for j, bn := range m.Backends {
			bp := indexPath(p+".backends", j)
			switch {
			case !slices.Contains(backends, bn):
				k.fail(bp, "unknown backend %s (configured: %s)", quote(bn), strings.Join(backends, ", "))
			case listed[bn]:
				k.fail(bp, "backend %s is listed twice", quote(bn))
			}
			listed[bn] = true
		}
		// An upstream equal to the name was defaulted from it or is checked as the name.
		if m.Upstream != m.Name && (m.Upstream == "" || len(m.Upstream) > 256 || strings.IndexFunc(m.Upstream, notPrintable) >= 0) {
			k.fail(p+".upstream", "must be 1 to 256 characters with no spaces or control characters, got %s", quote(m.Upstream))
		}
	}
}

func checkOneOf(k *checker, path, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		k.fail(path, "must be one of %s, got %s", strings.Join(allowed, ", "), quote(v))
	}
}

func checkPositive(k *checker, path string, d Duration) {
	if d <= 0 {
		k.fail(path, "must be a positive duration, got %s", d)
	}
}

func notPrintable(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }

// hostPortProblem describes what is wrong with a host:port listen address, or returns "".
func hostPortProblem(s string) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("must be host:port such as \"127.0.0.1:4000\" or \":4000\", got %s", quote(s))
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("port must be a number from 0 to 65535, got %s", quote(port))
	}
	if host != "" && !validHost(host) {
		return fmt.Sprintf("host must be an IP address or a host name, got %s", quote(host))
	}
	return ""
}

func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// sameListener reports whether two valid host:port addresses would bind the same socket.
func sameListener(a, b string) bool {
	ah, ap, _ := net.SplitHostPort(a)
	bh, bp, _ := net.SplitHostPort(b)
	if ap != bp || ap == "0" {
		return false
	}
	return ah == bh || isWildcard(ah) || isWildcard(bh)
}

func isWildcard(host string) bool {
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsUnspecified()
}

// backendURLProblem describes what is wrong with a backend URL, or returns "".
// It never repeats the URL, which could carry credentials.
func backendURLProblem(s string) string {
	if s == "" {
		return "required"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an absolute http:// or https:// URL"
	case u.Host == "" || u.Hostname() == "":
		return "must name a host"
	case u.User != nil:
		return "must not contain a user name or password: put the key in an environment variable named by api_key_env"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not contain a query string"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not contain a fragment (#...)"
	}
	if p := u.Port(); p != "" {
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return "port must be a number from 0 to 65535"
		}
	}
	return ""
}

// validBackendName reports whether s matches [a-z0-9_-]{1,64}.
func validBackendName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// validEnvName reports whether s matches [A-Z_][A-Z0-9_]{0,127}. Lower case is
// refused so that a key pasted by mistake is rarely taken for a variable name.
func validEnvName(s string) bool {
	if len(s) == 0 || len(s) > 128 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// ListensPublicly reports whether the main listener is not bound to loopback
// (an IP wildcard, a non-loopback address, or a host name other than localhost).
// Callers log a warning when it is true.
func (c *Config) ListensPublicly() bool { return !isLoopback(c.Listen) }

// MetricsListensPublicly reports whether a separate /metrics listener is set and
// not bound to loopback; it serves without authentication.
func (c *Config) MetricsListensPublicly() bool {
	return c.MetricsListen != "" && !isLoopback(c.MetricsListen)
}

func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
