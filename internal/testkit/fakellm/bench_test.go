package fakellm

import (
	"net/http"
	"strings"
	"testing"
)

// discard is a minimal ResponseWriter and Flusher, so the benchmarks
// measure the fake and not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Flush()                      {}

func benchCall(b *testing.B, path, body string) {
	h := newHandler(b, Options{Chunks: 16})
	req, err := http.NewRequest("POST", "http://fake"+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req.Body = nopCloser{strings.NewReader(body)}
		req.ContentLength = int64(len(body))
		h.ServeHTTP(&discard{h: http.Header{}}, req)
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func BenchmarkOpenAIChat(b *testing.B) {
	benchCall(b, "/v1/chat/completions", `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hello there"}]}`)
}

func BenchmarkOpenAIChatStream(b *testing.B) {
	benchCall(b, "/v1/chat/completions", `{"model":"llama3.1:8b","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there"}]}`)
}

func BenchmarkOllamaChatStream(b *testing.B) {
	benchCall(b, "/api/chat", `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hello there"}]}`)
}
