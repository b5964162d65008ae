package fakellm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzAppendJSONEscaped(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\xff", "ü\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEscaped(t, s) })
}

// FuzzModelCallBodies sends arbitrary bodies to every model endpoint: the
// fake must answer 200, 400 or 404, and every answer line must be JSON.
func FuzzModelCallBodies(f *testing.F) {
	seeds := []string{
		`{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"llama3.1:8b","stream":true,"stream_options":{"include_usage":true},"messages":[{"content":[{"type":"text","text":"a b"}]}]}`,
		`{"model":"llama3.1:8b","prompt":[[1,2],[3]],"max_tokens":1}`,
		`{"model":"llama3.1:8b","input":["a",""],"encoding_format":"base64"}`,
		`{"model":"llama3.1:8b","options":{"num_predict":2},"prompt":"x"}`,
		`{"model":"nope"}`, `{`, ``, `null`, `[]`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	h := newHandler(f, Options{Reply: "a \"quoted\"\nreply ✓", Chunks: 3})
	paths := []string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings",
		"/api/chat", "/api/generate", "/api/embed", "/api/embeddings"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("POST", p, strings.NewReader(body)))
			switch w.Code {
			case 200, 400, 404:
			default:
				t.Fatalf("%s: status %d for %q", p, w.Code, body)
			}
			sc := bufio.NewScanner(bytes.NewReader(w.Body.Bytes()))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				line := bytes.TrimPrefix(sc.Bytes(), []byte("data: "))
				if len(line) == 0 || string(line) == "[DONE]" {
					continue
				}
				if !json.Valid(line) {
					t.Fatalf("%s: invalid JSON line %q for body %q", p, line, body)
				}
			}
		}
	})
}
