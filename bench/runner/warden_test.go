package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"

	"github.com/warden-gw/warden/internal/config"
)

// benchConfigShape is the part of the generated Warden configuration the bench relies on.
type benchConfigShape struct {
	Listen   string `yaml:"listen"`
	DataDir  string `yaml:"data_dir"`
	Log      struct{ Level string }
	Backends []struct{ Name, Kind, URL string }
	Models   []struct {
		Name     string
		Backends []string
		Price    struct {
			Input  float64 `yaml:"input_per_million"`
			Output float64 `yaml:"output_per_million"`
		}
	}
	Limits *struct {
		RedisURL    string `yaml:"redis_url"`
		RedisPrefix string `yaml:"redis_prefix"`
	}
}

func TestWardenConfigFollowsTheContract(t *testing.T) {
	var conf benchConfigShape
	text := wardenConfig(wardenSetup{listen: "127.0.0.1:8083", dataDir: "/tmp/x y/data", backend: "127.0.0.1:9000", model: "llama3.1:8b"})
	if err := yaml.Unmarshal([]byte(text), &conf); err != nil {
		t.Fatalf("config is not YAML: %v\n%s", err, text)
	}
	if conf.Listen != "127.0.0.1:8083" || conf.DataDir != "/tmp/x y/data" || conf.Log.Level != "warn" {
		t.Errorf("listen/data_dir/log = %q %q %q", conf.Listen, conf.DataDir, conf.Log.Level)
	}
	if len(conf.Backends) != 1 || conf.Backends[0].Kind != "openai" || conf.Backends[0].URL != "http://127.0.0.1:9000" {
		t.Errorf("backends = %+v", conf.Backends)
	}
	if len(conf.Models) != 1 || conf.Models[0].Name != "llama3.1:8b" || !slices.Equal(conf.Models[0].Backends, []string{conf.Backends[0].Name}) {
		t.Errorf("models = %+v", conf.Models)
	}
	if p := conf.Models[0].Price; p.Input != 0.1 || p.Output != 0.2 {
		t.Errorf("model price = %+v, want 0.1 in and 0.2 out per million tokens", p)
	}
	if conf.Limits != nil {
		t.Errorf("memory limits must leave the limits section out, got %+v", *conf.Limits)
	}
}

func TestWardenConfigWithRedisCountsLimitsThere(t *testing.T) {
	var conf benchConfigShape
	text := wardenConfig(wardenSetup{listen: "127.0.0.1:8083", dataDir: "/d", backend: "127.0.0.1:9000", model: "m",
		redisURL: "redis://127.0.0.1:6379/0", redisPrefix: "warden-bench-abc"})
	if err := yaml.Unmarshal([]byte(text), &conf); err != nil {
		t.Fatalf("config is not YAML: %v\n%s", err, text)
	}
	if conf.Limits == nil || conf.Limits.RedisURL != "redis://127.0.0.1:6379/0" || conf.Limits.RedisPrefix != "warden-bench-abc" {
		t.Errorf("limits = %+v, want the Redis URL and prefix", conf.Limits)
	}
}

// TestWardenAcceptsTheGeneratedConfig: Warden's own parser takes both variants without complaint.
func TestWardenAcceptsTheGeneratedConfig(t *testing.T) {
	for _, redisURL := range []string{"", "redis://127.0.0.1:6379/0"} {
		text := wardenConfig(wardenSetup{listen: "127.0.0.1:8083", dataDir: t.TempDir(), backend: "127.0.0.1:9000",
			model: "llama3.1:8b", redisURL: redisURL, redisPrefix: "warden-bench-0123456789abcdef0123456789abcdef"})
		cfg, err := config.Parse("warden.yaml", []byte(text))
		if err != nil {
			t.Fatalf("redis %q: Warden rejects the bench config: %v\n%s", redisURL, err, text)
		}
		if len(cfg.Models) != 1 || cfg.Models[0].Price.OutputPerMillion != 0.2 || cfg.Limits.RedisURL != redisURL {
			t.Errorf("redis %q: parsed models %+v, limits.redis_url %q", redisURL, cfg.Models, cfg.Limits.RedisURL)
		}
	}
}

func TestLimitedKeyCarriesEveryLimitFarAboveTheLoad(t *testing.T) {
	var body map[string]any
	if err := json.Unmarshal([]byte(limitedKeyBody), &body); err != nil {
		t.Fatalf("limitedKeyBody is not JSON: %v", err)
	}
	for _, field := range []string{"rpm_limit", "tpm_limit", "max_parallel_requests", "max_budget", "budget_duration", "max_tokens_budget"} {
		if _, ok := body[field]; !ok {
			t.Errorf("limitedKeyBody lacks %s", field)
		}
	}
	if rpm := fmt.Sprint(int64(body["rpm_limit"].(float64))); rpm != limitedRPM {
		t.Errorf("rpm_limit %s, but the check call expects %s in X-Ratelimit-Limit-Requests", rpm, limitedRPM)
	}
	// 100k calls/s for an hour at 100 tokens and the bench price stay under every limit.
	const calls, tokens = 100_000 * 3600, 100
	if rpm := body["rpm_limit"].(float64); rpm < 100_000*60 {
		t.Errorf("rpm_limit %v is within reach of the load", rpm)
	}
	if tb := body["max_tokens_budget"].(float64); tb < calls*tokens {
		t.Errorf("max_tokens_budget %v is within reach of the load", tb)
	}
	if b := body["max_budget"].(float64); b < calls*tokens*benchOutputPrice/1e6 {
		t.Errorf("max_budget %v is within reach of the load", b)
	}
	var plain map[string]any
	if err := json.Unmarshal([]byte(plainKeyBody), &plain); err != nil || len(plain) != 1 {
		t.Errorf("plainKeyBody %s must carry only an alias (err %v)", plainKeyBody, err)
	}
}

func TestGenerateKeyUsesTheMasterKey(t *testing.T) {
	var gotAuth, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/key/generate" {
			http.NotFound(w, r)
			return
		}
		gotAuth = r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		io.WriteString(w, `{"key":"sk-normal","key_alias":"bench"}`)
	}))
	defer srv.Close()
	key, err := generateKey(context.Background(), srv.Client(), srv.URL, "sk-master", plainKeyBody)
	if err != nil {
		t.Fatal(err)
	}
	if key != "sk-normal" {
		t.Errorf("key = %q, want sk-normal", key)
	}
	if gotAuth != "Bearer sk-master" || !strings.Contains(gotBody, `"key_alias":"bench"`) {
		t.Errorf("request: Authorization %q, body %q", gotAuth, gotBody)
	}
}

func TestGenerateKeyErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"refused", http.StatusUnauthorized, `{"error":{"message":"bad key"}}`, "status 401"},
		{"no key field", http.StatusOK, `{"token":"x"}`, `no "key" field`},
		{"not json", http.StatusOK, `<html>`, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			_, err := generateKey(context.Background(), srv.Client(), srv.URL, "sk-master", plainKeyBody)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "sk-master") {
				t.Error("error message shows the master key")
			}
		})
	}
}

func TestWardenEnvDropsInheritedWardenSettings(t *testing.T) {
	t.Setenv("WARDEN_CONFIG", "/etc/elsewhere.yaml")
	t.Setenv("WARDEN_MASTER_KEY", "sk-inherited")
	env := wardenEnv("sk-bench")
	if !slices.Contains(env, "WARDEN_MASTER_KEY=sk-bench") {
		t.Error("master key not set")
	}
	for _, kv := range env {
		if kv == "WARDEN_CONFIG=/etc/elsewhere.yaml" || kv == "WARDEN_MASTER_KEY=sk-inherited" {
			t.Errorf("inherited %s kept", kv)
		}
	}
	if os.Getenv("PATH") != "" && !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=") }) {
		t.Error("PATH dropped")
	}
}

func TestRandomSecretsDiffer(t *testing.T) {
	a, err := randomSecret("sk-bench-")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := randomSecret("sk-bench-")
	if a == b || !strings.HasPrefix(a, "sk-bench-") || len(a) != len("sk-bench-")+32 {
		t.Errorf("secrets %q and %q: want distinct, prefixed, 32 hex digits", a, b)
	}
}

// benchRedis is the Redis the warden-redis target uses by default; tests skip without it
// unless CI=true.
const benchRedis = "redis://127.0.0.1:6379/0"

func needRedis(t *testing.T) {
	t.Helper()
	if err := redisReachable(context.Background(), benchRedis); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

func TestDropRedisKeysDeletesOnlyItsPrefix(t *testing.T) {
	needRedis(t)
	prefix, _ := randomSecret("warden-bench-test-")
	other, _ := randomSecret("warden-bench-test-")
	opt, _ := redis.ParseURL(benchRedis)
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	var mine []string
	for i := range 1200 { // more than one batch
		k := fmt.Sprintf("{%s}:w:key:%d", prefix, i)
		mine = append(mine, k)
		if err := c.Set(ctx, k, 1, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	keep := "{" + other + "}:w:key:0"
	if err := c.Set(ctx, keep, 1, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	defer c.Del(ctx, keep)

	sup := newSupervisor(t.TempDir())
	sup.afterStop(func() {
		if err := dropRedisKeys(benchRedis, prefix); err != nil {
			t.Errorf("dropRedisKeys: %v", err)
		}
	})
	if n, _ := c.Exists(ctx, mine[0]).Result(); n != 1 {
		t.Fatal("keys gone before stopAll")
	}
	sup.stopAll()
	if n, err := c.Exists(ctx, mine...).Result(); err != nil || n != 0 {
		t.Errorf("%d of %d keys under the bench prefix left after stopAll (err %v)", n, len(mine), err)
	}
	if n, _ := c.Exists(ctx, keep).Result(); n != 1 {
		t.Error("a key under another prefix was deleted")
	}
}

func TestRedisReachableNamesTheHostNotTheURL(t *testing.T) {
	err := redisReachable(context.Background(), "redis://bench:s3cret@127.0.0.1:1/0")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error = %v, want it to name 127.0.0.1:1", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
	if err := redisReachable(context.Background(), "http://127.0.0.1:6379"); err == nil || strings.Contains(err.Error(), "http://") {
		t.Errorf("bad URL: error = %v, want a refusal that does not repeat the URL", err)
	}
}

func TestParseRedisPID(t *testing.T) {
	info := "# Server\r\nredis_version:7.0.15\r\nprocess_id:2226\r\ntcp_port:6379\r\n"
	if pid, ok := parseRedisPID(info); !ok || pid != 2226 {
		t.Errorf("parseRedisPID = %d, %v; want 2226, true", pid, ok)
	}
	for _, bad := range []string{"", "# Server\r\nredis_version:7\r\n", "process_id:x\r\n", "process_id:0\r\n"} {
		if pid, ok := parseRedisPID(bad); ok {
			t.Errorf("parseRedisPID(%q) = %d, true; want not found", bad, pid)
		}
	}
}

func TestLocalRedisPIDOnlyForLoopback(t *testing.T) {
	if _, ok := localRedisPID(context.Background(), "redis://10.1.2.3:6379/0"); ok {
		t.Error("a remote Redis's pid would be counted as a local process")
	}
	needRedis(t)
	pid, ok := localRedisPID(context.Background(), benchRedis)
	if !ok || pid <= 0 {
		t.Fatalf("local Redis pid = %d, %v", pid, ok)
	}
}
