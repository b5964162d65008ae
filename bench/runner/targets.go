package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// target is one way to reach the fake backend.
type target struct {
	name    string
	baseURL string // http://127.0.0.1:PORT
	auth    string // bearer token, empty for none; never printed
	pending string // why there are no numbers for this target; empty when it is measured
	// limited marks a target whose calls are checked against limits set far above the load:
	// any refused (non-200) answer fails the run, whatever -max-errors says.
	limited bool
	// servedBy are processes the runner did not start that work for this target's calls (the
	// local Redis of warden-redis): their CPU is the benchmark's own, not other processes'.
	servedBy []int
	// group is the process group of the proxy serving this target (0 for direct), whose CPU
	// time per call the results report.
	group int
}

// allTargets lists the known targets in the order they are measured.
func allTargets() []string {
	return []string{"direct", "nginx", "caddy", "warden", "warden-limits", "warden-redis"}
}

const readyTimeout = 20 * time.Second

// startBackend starts the fake backend and waits until it answers a chat call.
func startBackend(ctx context.Context, sup *supervisor, client *http.Client, o options) (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	p, err := sup.start("fakebackend", nil, o.fakeBackend,
		"-addr", addr, "-chunks", fmt.Sprint(o.chunks), "-models", o.model)
	if err != nil {
		return "", err
	}
	err = waitReady(ctx, p, readyTimeout, func(ctx context.Context) error {
		return probe(ctx, client, "http://"+addr, "", o.model, false, 0)
	})
	return addr, err
}

// startTargets starts every proxy named in o.targets in front of the backend at backendAddr and
// checks that a plain and a streamed call pass through each of them.
func startTargets(ctx context.Context, sup *supervisor, client *http.Client, o options, backendAddr string) ([]target, error) {
	var out []target
	var shared *wardenInstance // the Warden behind both "warden" and "warden-limits"
	for _, name := range o.targets {
		var t target
		var err error
		switch name {
		case "direct":
			t = target{name: name, baseURL: "http://" + backendAddr}
		case "nginx":
			t, err = startNginx(ctx, sup, client, o, backendAddr)
		case "caddy":
			t, err = startCaddy(ctx, sup, client, o, backendAddr)
		case "warden", "warden-limits", "warden-redis":
			t, err = startWardenTarget(ctx, sup, client, o, backendAddr, name, &shared)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t.group = sup.pgidOf(procName(name))
		if t.pending == "" {
			for _, stream := range []bool{false, true} {
				if err := checkTarget(ctx, client, o, t, stream); err != nil {
					return nil, fmt.Errorf("%s: check call (stream=%v): %w", name, stream, err)
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// procName is the name under which the supervisor started the process serving target.
func procName(target string) string {
	if target == "warden-limits" {
		return "warden" // one Warden serves "warden" and "warden-limits"
	}
	return target
}

// startWardenTarget makes a Warden target. "warden" (a key without limits) and "warden-limits"
// (a key with every limit) share one Warden, started on first use and kept in *shared, so that
// they differ only in the key; "warden-redis" gets its own Warden counting limits in Redis.
func startWardenTarget(ctx context.Context, sup *supervisor, client *http.Client, o options, backend, name string, shared **wardenInstance) (target, error) {
	if o.warden == "" {
		return target{name: name, pending: "pending (no warden binary)"}, nil
	}
	if name == "warden-redis" {
		if o.redisURL == "" {
			return target{name: name, pending: "pending (-redis is empty)"}, nil
		}
		if err := redisReachable(ctx, o.redisURL); err != nil {
			fmt.Printf("bench: warden-redis is not measured: %v\n", err)
			return target{name: name, pending: "pending (no Redis)"}, nil
		}
		w, err := startWarden(ctx, sup, client, o, backend, name, o.redisURL)
		if err != nil {
			return target{}, err
		}
		t, err := wardenTarget(ctx, client, w, name, true)
		if pid, ok := localRedisPID(ctx, o.redisURL); ok {
			t.servedBy = []int{pid}
		}
		return t, err
	}
	if *shared == nil {
		w, err := startWarden(ctx, sup, client, o, backend, "warden", "")
		if err != nil {
			return target{}, err
		}
		*shared = &w
	}
	return wardenTarget(ctx, client, **shared, name, name == "warden-limits")
}

// checkTarget makes one call through t and checks the answer as chat.lua does. On Warden
// targets it also checks that limits apply exactly when they should: a limited key's answer
// announces its request limit, a key without limits gets no such header.
func checkTarget(ctx context.Context, client *http.Client, o options, t target, stream bool) error {
	h, err := probeCall(ctx, client, t.baseURL, t.auth, o.model, stream, o.chunks)
	if err != nil {
		return err
	}
	got := h.Get("X-Ratelimit-Limit-Requests")
	switch {
	case t.limited && got != limitedRPM:
		return fmt.Errorf("answer announces request limit %q, want %s: the key's limits are not applied", got, limitedRPM)
	case t.name == "warden" && got != "":
		return fmt.Errorf("answer announces request limit %q for a key without limits: the comparison would not be limits off", got)
	}
	return nil
}

// nginxConfig is a reverse proxy with upstream keep-alive and no response buffering, no access
// log, all state under the prefix directory.
func nginxConfig(listen, backend string) string {
	return fmt.Sprintf(`# generated by bench/runner
worker_processes auto;
daemon off;
pid nginx.pid;
error_log error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    keepalive_requests 1000000;

    upstream backend {
        server %s;
        keepalive 64;
        keepalive_requests 1000000;
    }

    server {
        listen %s;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
`, backend, listen)
}

func startNginx(ctx context.Context, sup *supervisor, client *http.Client, o options, backend string) (target, error) {
	addr, err := freeAddr()
	if err != nil {
		return target{}, err
	}
	prefix := filepath.Join(sup.dir, "nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		return target{}, err
	}
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConfig(addr, backend)), 0o644); err != nil {
		return target{}, err
	}
	p, err := sup.start("nginx", nil, o.nginx, "-p", prefix+"/", "-c", conf, "-e", filepath.Join(prefix, "error.log"))
	if err != nil {
		return target{}, err
	}
	t := target{name: "nginx", baseURL: "http://" + addr}
	return t, waitReady(ctx, p, readyTimeout, func(ctx context.Context) error {
		return probe(ctx, client, t.baseURL, "", o.model, false, 0)
	})
}

// caddyConfig is a Caddyfile for a plain-HTTP reverse proxy on 127.0.0.1 that flushes every
// write, keeps up to 64 idle upstream connections, buffers request bodies (as nginx does by
// default), and logs only errors. version is the output of "caddy version".
func caddyConfig(port, backend, version string) string {
	return fmt.Sprintf(`# generated by bench/runner
{
	admin off
	auto_https off
	log {
		level ERROR
	}
}

http://:%s {
	bind 127.0.0.1
	reverse_proxy %s {
		flush_interval -1
		%s
		transport http {
			keepalive 2m
			keepalive_idle_conns_per_host 64
		}
	}
}
`, port, backend, caddyRequestBuffering(version))
}

// caddyRequestBuffering is the reverse_proxy option that reads the whole (small) request body
// before proxying. Without it, Caddy 2.6.2 ends about 1 in 5,000 streamed answers to a POST
// after the first chunk, with a well-formed chunked ending, so the client cannot tell
// (caddyserver/caddy#5431). The option was renamed in Caddy 2.6.4.
func caddyRequestBuffering(version string) string {
	if v, ok := parseVersion(version); ok && compareVersion(v, [3]int{2, 6, 4}) < 0 {
		return "buffer_requests"
	}
	return "request_buffers 64k"
}

// parseVersion reads "2.6.2" or "v2.7.6 h1:..." into major, minor, patch.
func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, " ")
	s, _, _ = strings.Cut(s, "-")
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func compareVersion(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return 0
}

func startCaddy(ctx context.Context, sup *supervisor, client *http.Client, o options, backend string) (target, error) {
	addr, err := freeAddr()
	if err != nil {
		return target{}, err
	}
	dir := filepath.Join(sup.dir, "caddy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return target{}, err
	}
	conf := filepath.Join(dir, "Caddyfile")
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	version := toolVersion(ctx, o.caddy, "version")
	if err := os.WriteFile(conf, []byte(caddyConfig(port, backend, version)), 0o644); err != nil {
		return target{}, err
	}
	// Keep Caddy's data and config directories inside the work directory.
	env := append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	p, err := sup.start("caddy", env, o.caddy, "run", "--config", conf, "--adapter", "caddyfile")
	if err != nil {
		return target{}, err
	}
	t := target{name: "caddy", baseURL: "http://" + addr}
	return t, waitReady(ctx, p, readyTimeout, func(ctx context.Context) error {
		return probe(ctx, client, t.baseURL, "", o.model, false, 0)
	})
}
