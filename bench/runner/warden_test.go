package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestWardenConfigFollowsTheContract(t *testing.T) {
	var conf struct {
		Listen   string `yaml:"listen"`
		DataDir  string `yaml:"data_dir"`
		Log      struct{ Level string }
		Backends []struct{ Name, Kind, URL string }
		Models   []struct {
			Name     string
			Backends []string
		}
	}
	text := wardenConfig("127.0.0.1:8083", "/tmp/x y/data", "127.0.0.1:9000", "llama3.1:8b")
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
	key, err := generateKey(context.Background(), srv.Client(), srv.URL, "sk-master")
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
			_, err := generateKey(context.Background(), srv.Client(), srv.URL, "sk-master")
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
