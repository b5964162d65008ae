package usage

import "testing"

// Bodies as internal/testkit/fakellm (and the servers it copies) send them.
const (
	openAIChatBody  = `{"id":"chatcmpl-1","object":"chat.completion","created":1795419325,"model":"llama3.1:8b","system_fingerprint":"fp_fakellm","choices":[{"index":0,"message":{"role":"assistant","content":"w0 w1 w2","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`
	openAIEmbedBody = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[-0.8039,0.4039]}],"model":"llama3.1:8b","usage":{"prompt_tokens":2,"total_tokens":2}}`
	ollamaChatBody  = `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.64448357Z","message":{"role":"assistant","content":"w0 w1 w2"},"done":true,"done_reason":"stop","total_duration":1201533,"load_duration":1000000,"prompt_eval_count":26,"prompt_eval_duration":200000,"eval_count":3,"eval_duration":1533}`
	ollamaEmbedBody = `{"model":"llama3.1:8b","embeddings":[[-0.8039,0.4039]],"total_duration":2000000,"load_duration":1000000,"prompt_eval_count":2}`
)

func TestFromOpenAI(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Usage
		ok   bool
	}{
		{"chat completion", openAIChatBody, Usage{PromptTokens: 12, CompletionTokens: 3}, true},
		{"embeddings have no completion", openAIEmbedBody, Usage{PromptTokens: 2}, true},
		{"responses API", `{"id":"resp_1","object":"response","usage":{"input_tokens":9,"output_tokens":4,"total_tokens":13}}`, Usage{PromptTokens: 9, CompletionTokens: 4}, true},
		{"integral floats", `{"usage":{"prompt_tokens":5.0,"completion_tokens":1e1}}`, Usage{PromptTokens: 5, CompletionTokens: 10}, true},
		{"no usage", `{"id":"x","choices":[]}`, Usage{}, false},
		{"null usage", `{"usage":null}`, Usage{}, false},
		{"usage not an object", `{"usage":[1,2]}`, Usage{}, false},
		{"empty usage", `{"usage":{}}`, Usage{}, false},
		{"negative counts", `{"usage":{"prompt_tokens":-1,"completion_tokens":-2}}`, Usage{}, false},
		{"string counts", `{"usage":{"prompt_tokens":"5","completion_tokens":"2"}}`, Usage{}, false},
		{"malformed JSON", `{"usage":{"prompt_tokens":5`, Usage{}, false},
		{"empty body", ``, Usage{}, false},
		{"not an object", `[{"usage":{"prompt_tokens":5}}]`, Usage{}, false},
		{"duplicate usage", `{"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":9}}`, Usage{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FromOpenAI([]byte(tt.body))
			if ok != tt.ok || got != tt.want {
				t.Errorf("FromOpenAI = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFromOllama(t *testing.T) {
	stream := `{"model":"m","created_at":"2026-11-23T07:35:25Z","response":"w0","done":false}` + "\n" +
		`{"model":"m","created_at":"2026-11-23T07:35:25Z","response":"","done":true,"done_reason":"stop","prompt_eval_count":4,"eval_count":1}` + "\n"
	tests := []struct {
		name string
		body string
		want Usage
		ok   bool
	}{
		{"chat", ollamaChatBody, Usage{PromptTokens: 26, CompletionTokens: 3}, true},
		{"embed has prompt only", ollamaEmbedBody, Usage{PromptTokens: 2}, true},
		{"prompt cached, eval only", `{"model":"m","done":true,"eval_count":7}`, Usage{CompletionTokens: 7}, true},
		{"whole NDJSON stream", stream, Usage{PromptTokens: 4, CompletionTokens: 1}, true},
		{"not done", `{"model":"m","response":"a","done":false,"eval_count":3}`, Usage{}, false},
		{"stream cut before done", `{"model":"m","response":"a","done":false}` + "\n" + `{"model":"m","response":"b","done":false}`, Usage{}, false},
		{"no counts", `{"model":"m","done":true}`, Usage{}, false},
		{"error object", `{"error":"model not found"}`, Usage{}, false},
		{"malformed", `{"done":true,"eval_count":`, Usage{}, false},
		{"empty", ``, Usage{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FromOllama([]byte(tt.body))
			if ok != tt.ok || got != tt.want {
				t.Errorf("FromOllama = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
