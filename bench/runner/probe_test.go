package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func sse(events int) string {
	var b strings.Builder
	for range events {
		b.WriteString("data: {\"choices\":[{\"delta\":{\"content\":\"w\"}}]}\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

func TestCheckAnswer(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		stream bool
		want   string // empty: accepted
	}{
		{"plain answer", 200, `{"choices":[{"message":{"content":"hi"}}]}`, false, ""},
		{"full stream", 200, sse(17), true, ""},
		{"error status", 429, `{"error":{"message":"slow down"}}`, false, "status 429"},
		{"plain answer without choices", 200, `{"object":"error"}`, false, "no \"choices\""},
		{"stream cut after the first chunk", 200, "data: {\"choices\":[]}\n\n", true, "[DONE]"},
		{"stream with too few chunks", 200, sse(3), true, "4 data events, want more than 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAnswer(tt.status, []byte(tt.body), tt.stream, 16)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestProbeSendsTheChatCall(t *testing.T) {
	var auth, body, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		io.WriteString(w, sse(16))
	}))
	defer srv.Close()
	if err := probe(context.Background(), srv.Client(), srv.URL, "sk-k", "llama3.1:8b", true, 16); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/chat/completions" || auth != "Bearer sk-k" {
		t.Errorf("path %q auth %q", path, auth)
	}
	if !strings.Contains(body, `"model":"llama3.1:8b"`) || !strings.Contains(body, `"stream":true`) {
		t.Errorf("body %s", body)
	}
}
