package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// openaiError and ollamaError are the two error dialects.
type openaiError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    any    `json:"code"`
	} `json:"error"`
}

type ollamaError struct {
	Error string `json:"error"`
}

// checkDialect asserts the body is an error in the path's dialect and returns its message.
func checkDialect(t *testing.T, path string, body []byte) string {
	t.Helper()
	if strings.HasPrefix(path, "/api/") {
		var e ollamaError
		if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
			t.Fatalf("not an Ollama error: %s", body)
		}
		return e.Error
	}
	var e openaiError
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
		t.Fatalf("not an OpenAI error: %s", body)
	}
	return e.Error.Message
}

func TestErrorsInTheCallersDialect(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "max_request_bytes: 4KiB\n")
	w := testkit.Start(t, cfg, nil)
	key, _ := w.NewKey(t, map[string]any{"models": []string{"llama3.1:8b"}})
	big := `{"model":"llama3.1:8b","prompt":"` + strings.Repeat("x", 5000) + `"}`
	chat := `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`
	for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
		cases := []struct {
			name   string
			key    string
			body   string
			status int
			want   string // part of the message
		}{
			{"malformed JSON", key, `{"model": "llama3.1:8b", "messages": [}`, 400, "byte"},
			{"model missing", key, `{"messages": []}`, 400, "model"},
			{"no key", "", chat, 401, "API key"},
			{"bad key", "sk-wd-0000000000000000000000000000000", chat, 401, "invalid"},
			{"model not allowed", key, `{"model":"qwen2.5:7b","messages":[]}`, 403, "qwen2.5:7b"},
			{"unknown model", testkit.MasterKey, `{"model":"nope:1b","messages":[]}`, 404, "nope:1b"},
			{"body too large", key, big, 413, "limit"},
		}
		for _, tc := range cases {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				status, body, h := w.Do(t, http.MethodPost, path, tc.key, tc.body)
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, body)
				}
				msg := checkDialect(t, path, body)
				if !strings.Contains(msg, tc.want) {
					t.Fatalf("message %q does not mention %q", msg, tc.want)
				}
				if h.Get("X-Request-Id") == "" {
					t.Fatal("no X-Request-Id on an error")
				}
			})
		}
	}
}

func TestMalformedJSONSaysWhere(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	for _, path := range []string{"/v1/chat/completions", "/api/generate"} {
		status, body, _ := w.Do(t, http.MethodPost, path, testkit.MasterKey, "{\n  \"model\": \"llama3.1:8b\",\n  \"prompt\": oops\n}")
		msg := checkDialect(t, path, body)
		if status != 400 || !strings.Contains(msg, "line 3") {
			t.Fatalf("%s: %d %q: want 400 naming line 3", path, status, msg)
		}
	}
}

func TestBackendFailures(t *testing.T) {
	t.Run("5xx from every backend is 502", func(t *testing.T) {
		w, fake := gateway(t, "openai", fakellm.Options{})
		for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
			fake.Fail(1, 500)
			status, body, _ := w.Do(t, http.MethodPost, path, testkit.MasterKey, `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}],"stream":false}`)
			msg := checkDialect(t, path, body)
			if status != 502 || strings.Contains(msg, "fakellm") {
				t.Fatalf("%s: %d %q", path, status, msg)
			}
		}
	})
	t.Run("no healthy backend is 503", func(t *testing.T) {
		w, fake := gateway(t, "ollama", fakellm.Options{})
		fake.SetHealthy(false)
		waitFor(t, func() bool {
			status, _, _ := w.Do(t, http.MethodGet, "/readyz", "", nil)
			return status == 503
		})
		for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
			status, body, _ := w.Do(t, http.MethodPost, path, testkit.MasterKey, `{"model":"llama3.1:8b","messages":[]}`)
			msg := checkDialect(t, path, body)
			if status != 503 || !strings.Contains(msg, "healthy") {
				t.Fatalf("%s: %d %q", path, status, msg)
			}
		}
	})
	t.Run("a backend that does not answer in time is 504", func(t *testing.T) {
		fake := fakellm.StartTB(t, fakellm.Options{ChunkDelay: 300 * time.Millisecond, Chunks: 4})
		cfg := testkit.Config(t, nil, "backends:\n  - {name: slow, kind: openai, url: \""+fake.URL+"\", response_header_timeout: 100ms}\n")
		w := testkit.Start(t, cfg, nil)
		for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
			status, body, _ := w.Do(t, http.MethodPost, path, testkit.MasterKey, `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}],"stream":false}`)
			msg := checkDialect(t, path, body)
			if status != 504 || !strings.Contains(msg, "in time") {
				t.Fatalf("%s: %d %q", path, status, msg)
			}
		}
	})
	t.Run("a refused connection is 502", func(t *testing.T) {
		fake := fakellm.StartTB(t, fakellm.Options{})
		cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "models:\n  - {name: m, backends: [b1], upstream: \"llama3.1:8b\"}\n")
		w := testkit.Start(t, cfg, nil)
		fake.Close()
		status, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", testkit.MasterKey, `{"model":"m","messages":[]}`)
		msg := checkDialect(t, "/v1/chat/completions", body)
		if status != 502 || !strings.Contains(msg, "cannot be reached") {
			t.Fatalf("%d %q", status, msg)
		}
	})
}

func TestUnknownEndpointAndMethod(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/chat/completions", 405},
		{"POST", "/v1/nothing", 404},
		{"GET", "/api/chat", 405},
		{"POST", "/api/nothing", 404},
	} {
		status, body, _ := w.Do(t, c.method, c.path, testkit.MasterKey, nil)
		if status != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, status, c.status)
		}
		checkDialect(t, c.path, body)
	}
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
