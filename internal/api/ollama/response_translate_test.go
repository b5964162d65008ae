package ollama

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
)

func TestChatFromOpenAI(t *testing.T) {
	tests := []struct {
		name   string
		resp   string
		check  func(t *testing.T, r api.ChatResponse)
		reason string
	}{
		{
			name:   "content and usage",
			resp:   `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi <there> \u00e9"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}`,
			reason: "stop",
			check: func(t *testing.T, r api.ChatResponse) {
				if r.Message.Content != "Hi <there> é" || r.PromptEvalCount != 9 || r.EvalCount != 4 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name:   "length",
			resp:   `{"choices":[{"index":0,"message":{"role":"assistant","content":"trunc"},"finish_reason":"length"}]}`,
			reason: "length",
			check:  func(t *testing.T, r api.ChatResponse) {},
		},
		{
			name:   "null content with reasoning",
			resp:   `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"thinking..."},"finish_reason":"stop"}]}`,
			reason: "stop",
			check: func(t *testing.T, r api.ChatResponse) {
				if r.Message.Content != "" || r.Message.Thinking != "thinking..." {
					t.Errorf("got %+v", r.Message)
				}
			},
		},
		{
			name:   "content parts",
			resp:   `{"choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"stop"}]}`,
			reason: "stop",
			check: func(t *testing.T, r api.ChatResponse) {
				if r.Message.Content != "ab" {
					t.Errorf("got %q", r.Message.Content)
				}
			},
		},
		{
			name:   "content filter kept",
			resp:   `{"choices":[{"index":0,"message":{"content":""},"finish_reason":"content_filter"}]}`,
			reason: "content_filter",
			check:  func(t *testing.T, r api.ChatResponse) {},
		},
		{
			name:   "tool calls",
			resp:   `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{\"x\":[1,2]}"}},{"id":"c2","type":"function","function":{"name":"b","arguments":""}}]},"finish_reason":"tool_calls"}]}`,
			reason: "stop",
			check: func(t *testing.T, r api.ChatResponse) {
				tc := r.Message.ToolCalls
				if len(tc) != 2 || tc[0].ID != "c1" || tc[0].Function.Arguments.String() != `{"x":[1,2]}` || tc[1].Function.Name != "b" || tc[1].Function.Index != 1 || tc[1].Function.Arguments.Len() != 0 {
					t.Errorf("tool calls = %+v", tc)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ChatFromOpenAI([]byte(tt.resp), "llama3")
			if err != nil {
				t.Fatal(err)
			}
			var r api.ChatResponse
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			if !r.Done || r.DoneReason != tt.reason || r.Model != "llama3" || r.Message.Role != "assistant" || r.CreatedAt.IsZero() {
				t.Errorf("envelope = %s", out)
			}
			tt.check(t, r)
		})
	}
}

func TestGenerateFromOpenAI(t *testing.T) {
	out, err := GenerateFromOpenAI([]byte(`{"choices":[{"index":0,"message":{"content":"42"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`), "g")
	if err != nil {
		t.Fatal(err)
	}
	var r api.GenerateResponse
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if r.Response != "42" || !r.Done || r.DoneReason != "stop" || r.PromptEvalCount != 3 || r.EvalCount != 1 || r.Model != "g" {
		t.Errorf("got %+v", r)
	}
	if strings.Contains(string(out), `"message"`) {
		t.Errorf("generate response has a message: %s", out)
	}
}

func TestFromOpenAIErrors(t *testing.T) {
	tests := []struct {
		name, resp, want string
	}{
		{"not JSON", `<html>`, "invalid upstream response"},
		{"no choices", `{"choices":[]}`, "upstream response has no choices"},
		{"choices missing", `{"id":"x"}`, "upstream response has no choices"},
		{"choices not array", `{"choices":{}}`, "invalid upstream response"},
		{"error body", `{"error":{"message":"overloaded"}}`, "upstream error: overloaded"},
		{"bad tool args", `{"choices":[{"message":{"tool_calls":[{"function":{"name":"f","arguments":"[1]"}}]}}]}`, `upstream tool call "f" has arguments that are not a JSON object`},
		{"bad finish", `{"choices":[{"message":{},"finish_reason":3}]}`, "invalid upstream response"},
	}
	for _, tt := range tests {
		_, err := ChatFromOpenAI([]byte(tt.resp), "m")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestEmbedFromOpenAI(t *testing.T) {
	resp := `{"object":"list","data":[{"index":2,"embedding":[3]},{"index":0,"embedding":[1.5e-3,-2]},{"index":1,"embedding":[2]}],"usage":{"prompt_tokens":5}}`
	out, err := EmbedFromOpenAI([]byte(resp), "nomic")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"model":"nomic","embeddings":[[1.5e-3,-2],[2],[3]],"prompt_eval_count":5}`+"\n" {
		t.Errorf("got %s", out)
	}
	var r api.EmbedResponse
	if err := json.Unmarshal(out, &r); err != nil || len(r.Embeddings) != 3 {
		t.Errorf("client decode: %+v %v", r, err)
	}
	legacy, err := EmbeddingsFromOpenAI([]byte(resp))
	if err != nil || string(legacy) != `{"embedding":[1.5e-3,-2]}`+"\n" {
		t.Errorf("legacy: %s %v", legacy, err)
	}
	for _, bad := range []string{
		`{}`, `{"data":{}}`, `{"data":[{"embedding":"AAAA"}]}`, `{"data":[{"embedding":["x"]}]}`,
		`{"data":[{"index":"a","embedding":[1]}]}`, `{"data":[{}]}`, `nope`,
	} {
		if out, err := EmbedFromOpenAI([]byte(bad), "m"); err == nil {
			t.Errorf("%s accepted: %s", bad, out)
		}
	}
	if _, err := EmbeddingsFromOpenAI([]byte(`{"data":[]}`)); err == nil {
		t.Error("empty data accepted by legacy embeddings")
	}
}

func TestErrorFromOpenAI(t *testing.T) {
	long := strings.Repeat("é", 600)
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{400, `{"error":{"message":"context too long","type":"invalid_request_error"}}`, "context too long"},
		{400, `{"error":"plain string"}`, "plain string"},
		{400, `{"object":"error","message":"vllm says no","code":400}`, "vllm says no"},
		{422, `{"detail":"bad field"}`, "bad field"},
		{422, `{"detail":[{"loc":["body","model"],"msg":"field required"}]}`, "field required"},
		{502, `<html>Bad Gateway</html>`, "Bad Gateway"},
		{500, `{"error":{"message":""}}`, "Internal Server Error"},
		{599, ``, "upstream error (HTTP 599)"},
		{400, `{"error":{"message":"` + long + `"}}`, strings.Repeat("é", 512) + "…"},
	}
	for _, tt := range tests {
		if got := ErrorFromOpenAI(tt.status, []byte(tt.body)); got != tt.want {
			t.Errorf("%d %.40s: got %.60q, want %.60q", tt.status, tt.body, got, tt.want)
		}
	}
}
