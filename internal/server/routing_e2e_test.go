package server_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// twoBackends serves model "m" from two fake backends.
func twoBackends(t *testing.T, opts fakellm.Options) (*testkit.Warden, *fakellm.Server, *fakellm.Server) {
	t.Helper()
	a := fakellm.StartTB(t, withName(opts, "alpha"))
	b := fakellm.StartTB(t, withName(opts, "beta"))
	cfg := testkit.Config(t, []testkit.Backend{{Name: "a", Kind: "openai", Fake: a}, {Name: "b", Kind: "ollama", Fake: b}},
		"models:\n  - {name: m, backends: [a, b], upstream: \"llama3.1:8b\"}\n")
	return testkit.Start(t, cfg, nil), a, b
}

func withName(o fakellm.Options, n string) fakellm.Options { o.Name = n; return o }

const mChat = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

func TestFailoverBeforeTheFirstByte(t *testing.T) {
	w, a, b := twoBackends(t, fakellm.Options{})
	// With nothing in flight the first backend is tried first; when it fails, the second answers.
	// (A dropped reused connection is retried once on a new one, so it takes two drops.)
	for _, breakA := range []func(){func() { a.Fail(1, 500) }, func() { a.Fail(1, 503) }, func() { a.FailConnections(2) }} {
		breakA()
		before := b.Requests()
		status, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", testkit.MasterKey, mChat)
		if status != 200 || !strings.Contains(string(body), "beta") {
			t.Fatalf("no failover: %d %s", status, body)
		}
		if b.Requests() != before+1 {
			t.Fatalf("the second backend got %d calls, want 1", b.Requests()-before)
		}
	}
}

func TestLeastInFlightBalancing(t *testing.T) {
	w, a, b := twoBackends(t, fakellm.Options{ChunkDelay: 20 * time.Millisecond, Chunks: 5})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.Do(t, http.MethodPost, "/v1/chat/completions", testkit.MasterKey, mChat)
		}()
	}
	wg.Wait()
	ra, rb := a.Requests(), b.Requests()
	if ra < 5 || rb < 5 {
		t.Fatalf("20 concurrent calls split %d/%d between two equal backends", ra, rb)
	}
}

func TestHealthChecksTakeOutAndPutBack(t *testing.T) {
	w, a, b := twoBackends(t, fakellm.Options{})
	a.SetHealthy(false)
	waitFor(t, func() bool {
		_, body, _ := w.Do(t, http.MethodGet, "/metrics", testkit.MasterKey, nil)
		return strings.Contains(string(body), `warden_backend_healthy{backend="a"} 0`)
	})
	for range 6 {
		s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", testkit.MasterKey, mChat)
		if s != 200 || !strings.Contains(string(body), "beta:") {
			t.Fatalf("with a out of rotation, a call got %d %s; want beta's answer", s, body)
		}
	}
	a.SetHealthy(true)
	waitFor(t, func() bool {
		_, body, _ := w.Do(t, http.MethodGet, "/metrics", testkit.MasterKey, nil)
		return strings.Contains(string(body), `warden_backend_healthy{backend="a"} 1`)
	})
	// Back in rotation: with nothing in flight the first backend answers again.
	if _, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", testkit.MasterKey, mChat); !strings.Contains(string(body), "alpha:") {
		t.Fatalf("a is healthy again but did not get the call: %s", body)
	}
	_ = b
}

func TestStreamChunksArriveAsTheyAreProduced(t *testing.T) {
	for _, tc := range []struct{ kind, path string }{
		{"ollama", "/v1/chat/completions"}, {"ollama", "/api/chat"}, {"openai", "/v1/chat/completions"}, {"openai", "/api/chat"},
	} {
		path := tc.path
		t.Run(tc.kind+path, func(t *testing.T) {
			w, fake := gateway(t, tc.kind, fakellm.Options{Chunks: 3, ChunkDelay: 400 * time.Millisecond})
			req, _ := http.NewRequest(http.MethodPost, w.URL+path, strings.NewReader(`{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}],"stream":true}`))
			req.Header.Set("Authorization", "Bearer "+testkit.MasterKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("stream ended before any content: %v", err)
				}
				if strings.Contains(line, "w0") {
					break
				}
			}
			// The first chunk is here while the backend is still producing the rest.
			if fake.InFlight() == 0 {
				t.Fatal("the first chunk arrived only after the backend had finished: the stream was buffered")
			}
		})
	}
}

func TestClientDisconnectCancelsTheBackendCall(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			w, fake := gateway(t, kind, fakellm.Options{Chunks: 50, ChunkDelay: 50 * time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/api/chat", strings.NewReader(`{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`))
			req.Header.Set("Authorization", "Bearer "+testkit.MasterKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			bufio.NewReader(resp.Body).ReadString('\n')
			cancel()
			resp.Body.Close()
			waitFor(t, func() bool { return fake.Canceled() == 1 && fake.InFlight() == 0 })
		})
	}
}

func TestGracefulShutdownLetsStreamsFinish(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{Chunks: 5, ChunkDelay: 100 * time.Millisecond})
	req, _ := http.NewRequest(http.MethodPost, w.URL+"/api/generate", strings.NewReader(`{"model":"llama3.1:8b","prompt":"hi"}`))
	req.Header.Set("Authorization", "Bearer "+testkit.MasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	r.ReadString('\n')
	go w.Stop(t)
	var last string
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			last = line
		}
		if err != nil {
			break
		}
	}
	if !strings.Contains(last, `"done":true`) {
		t.Fatalf("stream cut by shutdown; last frame %q", last)
	}
}

func TestModelsDiscoveredFromBackends(t *testing.T) {
	o := fakellm.StartTB(t, fakellm.Options{Models: []string{"llama3.2:3b"}})
	v := fakellm.StartTB(t, fakellm.Options{Models: []string{"Qwen/Qwen2.5-7B-Instruct"}})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "o", Kind: "ollama", Fake: o}, {Name: "v", Kind: "openai", Fake: v}}, "")
	w := testkit.Start(t, cfg, nil)
	_, body, _ := w.Do(t, http.MethodGet, "/v1/models", testkit.MasterKey, nil)
	for _, m := range []string{"llama3.2:3b", "Qwen/Qwen2.5-7B-Instruct"} {
		if !strings.Contains(string(body), m) {
			t.Fatalf("model %s not discovered: %s", m, body)
		}
		if s, b, _ := w.Do(t, http.MethodPost, "/api/chat", testkit.MasterKey, `{"model":"`+m+`","messages":[{"role":"user","content":"hi"}],"stream":false}`); s != 200 {
			t.Fatalf("call to discovered %s: %d %s", m, s, b)
		}
	}
}

func TestOperationsEndpoints(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	user, _ := w.NewKey(t, nil)
	if s, b, _ := w.Do(t, http.MethodGet, "/healthz", "", nil); s != 200 || len(b) > 10 {
		t.Fatalf("healthz: %d %q", s, b)
	}
	if s, _, _ := w.Do(t, http.MethodGet, "/readyz", "", nil); s != 200 {
		t.Fatalf("readyz: %d", s)
	}
	w.Do(t, http.MethodPost, "/v1/chat/completions", user, chatBody)
	if s, _, _ := w.Do(t, http.MethodGet, "/metrics", "", nil); s != 401 {
		t.Fatalf("metrics without a key: %d", s)
	}
	if s, _, _ := w.Do(t, http.MethodGet, "/metrics", user, nil); s != 403 {
		t.Fatalf("metrics for a user: %d", s)
	}
	s, body, _ := w.Do(t, http.MethodGet, "/metrics", testkit.MasterKey, nil)
	for _, want := range []string{
		`warden_calls_total{endpoint="/v1/chat/completions",model="llama3.1:8b",status="200"} 1`,
		"warden_time_to_first_byte_seconds_bucket", "warden_call_duration_seconds_bucket", "warden_backend_healthy",
	} {
		if s != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
	_, _, h := w.Do(t, http.MethodGet, "/healthz", "", nil)
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("security headers missing: %v", h)
	}
}

func TestSilentStreamEndsAfterTheIdleTimeout(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{Chunks: 3, ChunkDelay: 2 * time.Second})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "server: {stream_idle_timeout: 300ms}\n")
	w := testkit.Start(t, cfg, nil)
	start := time.Now()
	status, _, _ := w.Do(t, http.MethodPost, "/api/generate", testkit.MasterKey, `{"model":"llama3.1:8b","prompt":"hi"}`)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("a silent stream was not ended by the idle timeout")
	}
	waitFor(t, func() bool { return fake.InFlight() == 0 })
}

func TestMetricsOnTheirOwnListener(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "metrics_listen: 127.0.0.1:0\n")
	w := testkit.Start(t, cfg, nil)
	// The main listener no longer serves /metrics when a metrics listener is configured.
	if s, _, _ := w.Do(t, http.MethodGet, "/metrics", testkit.MasterKey, nil); s != 404 {
		t.Fatalf("main listener /metrics: %d", s)
	}
}

// A model renamed with `upstream:` answers under the name the client used, not the backend's.
func TestRenamedModelAnswersUnderItsClientName(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			fake := fakellm.StartTB(t, fakellm.Options{})
			cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: kind, Fake: fake}},
				"models:\n  - {name: house-model, backends: [b1], upstream: \"llama3.1:8b\"}\n")
			w := testkit.Start(t, cfg, nil)
			for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
				s, body, _ := w.Do(t, http.MethodPost, path, testkit.MasterKey,
					`{"model":"house-model","messages":[{"role":"user","content":"hi"}],"stream":false}`)
				if s != 200 || !strings.Contains(string(body), `"model":"house-model"`) || strings.Contains(string(body), "llama3.1:8b") {
					t.Fatalf("%s: %d %s", path, s, body)
				}
				// Streamed, every chunk carries the client's name too.
				s, body, _ = w.Do(t, http.MethodPost, path, testkit.MasterKey,
					`{"model":"house-model","messages":[{"role":"user","content":"hi"}],"stream":true}`)
				if s != 200 || strings.Count(string(body), `"model":"house-model"`) < 4 || strings.Contains(string(body), "llama3.1:8b") {
					t.Fatalf("%s streamed: %d %s", path, s, body)
				}
			}
			if got := fake.LastCall().Body; !strings.Contains(string(got), `"llama3.1:8b"`) {
				t.Fatalf("the backend did not get its own model name: %s", got)
			}
		})
	}
}
