package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNginxConfigKeepsUpstreamConnectionsAndStreams(t *testing.T) {
	conf := nginxConfig("127.0.0.1:8081", "127.0.0.1:9000")
	for _, want := range []string{
		"worker_processes auto;",
		"daemon off;",
		"access_log off;",
		"server 127.0.0.1:9000;",
		"keepalive 64;",
		"listen 127.0.0.1:8081;",
		"proxy_http_version 1.1;",
		`proxy_set_header Connection "";`,
		"proxy_buffering off;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %q", want)
		}
	}
}

func TestCaddyConfigFlushesAndStaysOnLoopback(t *testing.T) {
	conf := caddyConfig("8082", "127.0.0.1:9000", "v2.7.6 h1:abc")
	for _, want := range []string{
		"admin off", "auto_https off", "http://:8082", "bind 127.0.0.1",
		"reverse_proxy 127.0.0.1:9000", "flush_interval -1", "keepalive_idle_conns_per_host 64",
		"request_buffers 64k",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("Caddyfile lacks %q:\n%s", want, conf)
		}
	}
}

func TestCaddyRequestBufferingFollowsTheVersion(t *testing.T) {
	tests := []struct{ version, want string }{
		{"2.6.2", "buffer_requests"},
		{"v2.6.3 h1:xyz=", "buffer_requests"},
		{"v2.6.4", "request_buffers 64k"},
		{"2.10.0", "request_buffers 64k"},
		{"unknown", "request_buffers 64k"},
		{"", "request_buffers 64k"},
	}
	for _, tt := range tests {
		if got := caddyRequestBuffering(tt.version); got != tt.want {
			t.Errorf("caddyRequestBuffering(%q) = %q, want %q", tt.version, got, tt.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want [3]int
		ok   bool
	}{
		{"2.6.2", [3]int{2, 6, 2}, true},
		{"v2.10.1 h1:abc", [3]int{2, 10, 1}, true},
		{"2.8.0-beta.1", [3]int{2, 8, 0}, true},
		{"2.6", [3]int{}, false},
		{"x.y.z", [3]int{}, false},
	}
	for _, tt := range tests {
		got, ok := parseVersion(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseVersion(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// rateServer answers every chat call with a full stream or JSON answer and, when limit is set,
// the request-limit header a limited Warden key gets.
func rateServer(t *testing.T, limit string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limit != "" {
			w.Header().Set("X-Ratelimit-Limit-Requests", limit)
		}
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"stream":true`) {
			io.WriteString(w, sse(16))
			return
		}
		io.WriteString(w, `{"choices":[{"message":{"content":"hi"}}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckTargetInsistsLimitsAreOnExactlyWhereAsked(t *testing.T) {
	o := options{model: "m", chunks: 16}
	limited, plain := rateServer(t, limitedRPM), rateServer(t, "")
	other := rateServer(t, "60")
	tests := []struct {
		name string
		t    target
		want string // empty: accepted
	}{
		{"limited key announces its limit", target{name: "warden-limits", baseURL: limited.URL, limited: true}, ""},
		{"plain key without limit headers", target{name: "warden", baseURL: plain.URL}, ""},
		{"limited key without limits applied", target{name: "warden-limits", baseURL: plain.URL, limited: true}, "not applied"},
		{"limited key with another limit", target{name: "warden-redis", baseURL: other.URL, limited: true}, `"60"`},
		{"plain key that is limited", target{name: "warden", baseURL: limited.URL}, "would not be limits off"},
		{"proxies are not asked about limits", target{name: "nginx", baseURL: other.URL}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, stream := range []bool{false, true} {
				err := checkTarget(context.Background(), http.DefaultClient, o, tt.t, stream)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("stream=%v rejected: %v", stream, err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("stream=%v error = %v, want %q", stream, err, tt.want)
				}
			}
		})
	}
}

func TestWardenTargetsArePendingWithoutABinaryOrRedis(t *testing.T) {
	sup := newSupervisor(t.TempDir())
	defer sup.stopAll()
	var shared *wardenInstance
	for _, name := range []string{"warden", "warden-limits", "warden-redis"} {
		tg, err := startWardenTarget(context.Background(), sup, http.DefaultClient, options{redisURL: "redis://127.0.0.1:6379/0"}, "127.0.0.1:1", name, &shared)
		if err != nil || tg.pending != "pending (no warden binary)" {
			t.Errorf("%s without a binary: %+v, %v", name, tg, err)
		}
	}
	o := options{warden: "/nonexistent/warden"}
	tg, err := startWardenTarget(context.Background(), sup, http.DefaultClient, o, "127.0.0.1:1", "warden-redis", &shared)
	if err != nil || tg.pending != "pending (-redis is empty)" {
		t.Errorf("warden-redis with -redis \"\": %+v, %v", tg, err)
	}
	o.redisURL = "redis://127.0.0.1:1/0" // nothing listens on port 1
	tg, err = startWardenTarget(context.Background(), sup, http.DefaultClient, o, "127.0.0.1:1", "warden-redis", &shared)
	if err != nil || tg.pending != "pending (no Redis)" {
		t.Errorf("warden-redis without Redis: %+v, %v", tg, err)
	}
}
