// Package testkit starts real Warden servers and fake backends for end-to-end tests.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/config"
	"github.com/warden-gw/warden/internal/server"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// MasterKey is the admin key every test Warden accepts.
const MasterKey = "sk-test-master-0123456789abcdef"

// Warden is a running gateway under test.
type Warden struct {
	URL    string
	Server *server.Server
	Config *config.Config
	Out    *Buffer // what the server printed (e.g. the first admin key)
	Logs   *Buffer // the server's log
	stop   context.CancelFunc
	done   chan error
	once   sync.Once
}

// Backend names a fake backend for a test config.
type Backend struct {
	Name string
	Kind string // "ollama" or "openai"
	Fake *fakellm.Server
}

// Config builds a configuration from YAML the way `warden serve --config` would, with a fresh data
// dir and a free loopback port. extra is appended to the generated document.
func Config(t testing.TB, backends []Backend, extra string) *config.Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: 127.0.0.1:0\ndata_dir: %q\nlog: {level: debug}\n", t.TempDir())
	if len(backends) > 0 {
		b.WriteString("backends:\n")
	}
	for _, be := range backends {
		fmt.Fprintf(&b, "  - {name: %s, kind: %s, url: %q, health_check: {interval: 200ms, timeout: 150ms}}\n", be.Name, be.Kind, be.Fake.URL)
	}
	b.WriteString(extra)
	cfg, err := config.Parse("test.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("test config: %v\n%s", err, b.String())
	}
	return cfg
}

// Start runs a Warden for cfg until the test ends. env adds to the environment it sees
// (WARDEN_MASTER_KEY is MasterKey unless env sets it, to "" for none).
func Start(t testing.TB, cfg *config.Config, env map[string]string) *Warden {
	t.Helper()
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "WARDEN_MASTER_KEY" {
			return MasterKey
		}
		return ""
	}
	w := &Warden{Config: cfg, Out: &Buffer{}, Logs: &Buffer{}, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(w.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	srv, err := server.New(ctx, cfg, server.Options{Logger: log, Getenv: getenv, Out: w.Out})
	if err != nil {
		cancel()
		t.Fatalf("start warden: %v", err)
	}
	w.Server = srv
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	w.URL = "http://" + ln.Addr().String()
	go func() { w.done <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() { w.Stop(t) })
	w.waitReady(t)
	return w
}

// Stop shuts the server down gracefully and waits for it. It may be called more than once,
// from any goroutine.
func (w *Warden) Stop(t testing.TB) {
	w.once.Do(func() {
		w.stop()
		select {
		case err := <-w.done:
			if err != nil {
				t.Errorf("warden stopped with: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Error("warden did not stop")
		}
		w.Server.Close()
	})
}

func (w *Warden) waitReady(t testing.TB) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(w.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("warden at %s never became healthy", w.URL)
}

// Do sends a request with an optional bearer key and JSON body; it returns status and body.
func (w *Warden) Do(t testing.TB, method, path, key string, body any) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, w.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp.StatusCode, raw, resp.Header
}

// NewKey creates an API key with the master key; fields are /key/generate's. It returns the secret and id.
func (w *Warden) NewKey(t testing.TB, fields map[string]any) (secret, id string) {
	t.Helper()
	if fields == nil {
		fields = map[string]any{}
	}
	status, body, _ := w.Do(t, http.MethodPost, "/key/generate", MasterKey, fields)
	if status != http.StatusOK {
		t.Fatalf("key/generate: %d %s", status, body)
	}
	var out struct {
		Key   string `json:"key"`
		KeyID string `json:"key_id"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Key == "" {
		t.Fatalf("key/generate answer %s: %v", body, err)
	}
	return out.Key, out.KeyID
}

// Buffer is a bytes.Buffer safe for concurrent writes and reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
