package main

import (
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
