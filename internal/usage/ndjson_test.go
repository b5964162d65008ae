package usage

import "testing"

const (
	ollamaChat1   = `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.644229053Z","message":{"role":"assistant","content":"w0"},"done":false}`
	ollamaChat2   = `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.644236544Z","message":{"role":"assistant","content":" w1"},"done":false}`
	ollamaChatEnd = `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.644248051Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1236815,"load_duration":1000000,"prompt_eval_count":26,"prompt_eval_duration":200000,"eval_count":2,"eval_duration":36815}`
	ollamaGen1    = `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.644698249Z","response":"w0","done":false}`
	ollamaGenEnd  = `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.644716877Z","response":"","done":true,"done_reason":"stop","prompt_eval_count":2,"eval_count":1}`
)

func TestNDJSONObserver(t *testing.T) {
	const toolCallsJSON = `[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]`
	tests := []struct {
		name     string
		lines    []string
		want     Usage
		wantDone bool
	}{
		{"chat", []string{ollamaChat1, ollamaChat2, ollamaChatEnd}, Usage{PromptTokens: 26, CompletionTokens: 2}, true},
		{"generate", []string{ollamaGen1, ollamaGenEnd}, Usage{PromptTokens: 2, CompletionTokens: 1}, true},
		{"lines with newlines", []string{ollamaChat1 + "\n", ollamaChatEnd + "\r\n"}, Usage{PromptTokens: 26, CompletionTokens: 2}, true},
		{"cut before done: text is counted", []string{ollamaChat1, ollamaChat2}, Usage{PromptTokens: 9, CompletionTokens: 2, Estimated: true}, false},
		{"done without counts", []string{ollamaChat1, `{"model":"m","message":{"role":"assistant","content":""},"done":true}`}, Usage{PromptTokens: 9, CompletionTokens: 1, Estimated: true}, true},
		{"thinking and tool calls count", []string{
			`{"model":"m","message":{"role":"assistant","content":"","thinking":"hmm, let me see"},"done":false}`,
			`{"model":"m","message":{"role":"assistant","content":"","tool_calls":` + toolCallsJSON + `},"done":false}`,
		}, Usage{PromptTokens: 9, CompletionTokens: ceilDiv(int64(len("hmm, let me see")+len(toolCallsJSON)), 4), Estimated: true}, false},
		{"errors, progress and garbage count nothing", []string{
			`{"error":"model 'x' not found"}`, `{"status":"pulling manifest"}`, `{"message":`, `[1,2]`, ``, `{"message":"x","response":7,"done":"yes"}`,
		}, Usage{PromptTokens: 9, Estimated: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewNDJSONObserver("/api/chat", 9)
			for _, l := range tt.lines {
				o.Observe([]byte(l))
			}
			if got := o.Usage(); got != tt.want {
				t.Errorf("Usage = %+v, want %+v", got, tt.want)
			}
			if o.Done() != tt.wantDone {
				t.Errorf("Done = %v, want %v", o.Done(), tt.wantDone)
			}
		})
	}
}

func TestNDJSONObserverFinal(t *testing.T) {
	o := NewNDJSONObserver("/api/generate", 3)
	text := words(300)
	for _, w := range []byte(text) { // one byte per frame: the piece count dominates
		o.Observe([]byte(`{"model":"m","response":` + jsonString(string(w)) + `,"done":false}`))
	}
	if got := o.Final(); !got.Estimated || got.PromptTokens != 3 || got.CompletionTokens != int64(len(text)) {
		t.Errorf("Final = %+v, want 3 prompt and %d completion tokens, estimated", got, len(text))
	}
	o = NewNDJSONObserver("/api/generate", 3)
	o.Observe([]byte(`{"model":"m","response":` + jsonString(text) + `,"done":false}`))
	within(t, "one big frame", o.Final().CompletionTokens, countTokens([]byte(text)), 0.05)
}
