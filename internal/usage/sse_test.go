package usage

import (
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// chunk builds one chat.completion.chunk as vLLM and fakellm send it.
func chunk(choices, usage string) string {
	s := `{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1795419325,"model":"llama3.1:8b","choices":` + choices
	if usage != "" {
		s += `,"usage":` + usage
	}
	return s + "}"
}

func delta(content string) string {
	return `[{"index":0,"delta":{"content":` + content + `},"logprobs":null,"finish_reason":null}]`
}

var (
	roleChunk   = chunk(`[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]`, "")
	finishChunk = chunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`, "")
	usageChunk  = chunk(`[]`, `{"prompt_tokens":21,"completion_tokens":3,"total_tokens":24}`)
)

func TestSSEObserver(t *testing.T) {
	content := []string{roleChunk, chunk(delta(`"Hello"`), ""), chunk(delta(`" world"`), ""), chunk(delta(`"!"`), ""), finishChunk}
	withUsage := append(append([]string{}, content...), usageChunk, "[DONE]")
	tests := []struct {
		name         string
		clientUsage  bool
		events       []string
		want         Usage
		wantDropped  []int // indexes of the events to drop
		estimatedMin int64 // for estimated usage: CompletionTokens at least
	}{
		{"usage chunk dropped when the client did not ask", false, withUsage, Usage{PromptTokens: 21, CompletionTokens: 3}, []int{5}, 0},
		{"usage chunk kept when the client asked", true, withUsage, Usage{PromptTokens: 21, CompletionTokens: 3}, nil, 0},
		{"no usage: text is counted", false, append(content, "[DONE]"), Usage{PromptTokens: 50, CompletionTokens: 3, Estimated: true}, nil, 0},
		{"usage in the finish chunk is not dropped", false, []string{
			chunk(delta(`"Hi"`), "null"),
			chunk(`[{"index":0,"delta":{},"finish_reason":"stop"}]`, `{"prompt_tokens":4,"completion_tokens":1}`),
			"[DONE]",
		}, Usage{PromptTokens: 4, CompletionTokens: 1}, nil, 0},
		{"continuous usage stats: the last report wins", false, []string{
			chunk(delta(`"a"`), `{"prompt_tokens":4,"completion_tokens":1}`),
			chunk(delta(`"b"`), `{"prompt_tokens":4,"completion_tokens":2}`),
		}, Usage{PromptTokens: 4, CompletionTokens: 2}, nil, 0},
		{"empty choices without usage are not dropped", false, []string{chunk(`[]`, "null"), chunk(`[ ]`, "")}, Usage{PromptTokens: 50, Estimated: true}, nil, 0},
		{"text completions", false, []string{
			`{"id":"cmpl-4","object":"text_completion","created":1,"model":"m","choices":[{"text":"w0","index":0,"logprobs":null,"finish_reason":null}],"usage":null}`,
			`{"id":"cmpl-4","object":"text_completion","created":1,"model":"m","choices":[{"text":" w1","index":0,"logprobs":null,"finish_reason":null}],"usage":null}`,
			`{"id":"cmpl-4","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}`,
			"[DONE]",
		}, Usage{PromptTokens: 2, CompletionTokens: 2}, []int{2}, 0},
		{"reasoning and tool calls count as completion", false, []string{
			chunk(`[{"index":0,"delta":{"reasoning_content":"think"}}]`, ""),
			chunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]`, ""),
			chunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]`, ""),
			chunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]`, ""),
		}, Usage{PromptTokens: 50, CompletionTokens: 8, Estimated: true}, nil, 0}, // 32 bytes of text in 4 pieces
		{"raw events with data lines and comments", false, []string{
			": keep-alive\n\n",
			"data: " + chunk(delta(`"Hello"`), "") + "\n\n",
			"event: message\r\ndata: " + usageChunk + "\r\n\r\n",
			"data: [DONE]\n\n",
		}, Usage{PromptTokens: 21, CompletionTokens: 3}, []int{2}, 0},
		{"data split over lines", false, []string{
			"data: {\"id\":\"x\",\"choices\":[],\ndata: \"usage\":{\"prompt_tokens\":8,\"completion_tokens\":1}}\n\n",
		}, Usage{PromptTokens: 8, CompletionTokens: 1}, []int{0}, 0},
		{"malformed and error events pass and count nothing", false, []string{
			`{"id":"x","choices":[{"delta":{"content":"abc"`,
			`{"error":{"message":"overloaded","type":"server_error"}}`,
			`{"choices":"nope","usage":"nope"}`,
			`{"choices":[1,"a",{"delta":[]},{"delta":{"content":5}}]}`,
			``,
		}, Usage{PromptTokens: 50, Estimated: true}, nil, 0},
		{"escaped text is decoded", false, []string{chunk(delta(`"line\none \u00e9"`), "")}, Usage{PromptTokens: 50, Estimated: true}, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewSSEObserver(tt.clientUsage, 50)
			var dropped []int
			for i, ev := range tt.events {
				if o.Observe([]byte(ev)) {
					dropped = append(dropped, i)
				}
			}
			if !equalInts(dropped, tt.wantDropped) {
				t.Errorf("dropped events %v, want %v", dropped, tt.wantDropped)
			}
			got := o.Usage()
			if tt.estimatedMin > 0 {
				if !got.Estimated || got.CompletionTokens < tt.estimatedMin {
					t.Errorf("Usage = %+v, want estimated with at least %d completion tokens", got, tt.estimatedMin)
				}
				return
			}
			if got != tt.want {
				t.Errorf("Usage = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSSEObserverFinalCountsWithTokenizer(t *testing.T) {
	text := words(2000) // about 13 KiB: past the 4 KiB sample
	o := NewSSEObserver(false, 0)
	// One chunk per word, as a server streams one token or so at a time.
	for i, w := range strings.SplitAfter(text, " ") {
		if i == 0 {
			o.Observe([]byte(roleChunk))
		}
		o.Observe([]byte(chunk(delta(jsonString(w)), "")))
	}
	o.Observe([]byte("[DONE]"))
	if !o.Done() {
		t.Error("Done = false after [DONE]")
	}
	exact := countTokens([]byte(text))
	final := o.Final()
	if !final.Estimated {
		t.Errorf("Final = %+v, want Estimated", final)
	}
	// Each chunk is at least one token, so the estimate cannot fall under
	// the number of chunks; within that, it follows the tokenizer.
	within(t, "final completion", final.CompletionTokens, max(exact, 2000), 0.2)
	if run := o.Usage().CompletionTokens; run < 2000 {
		t.Errorf("running estimate %d is under the 2000 chunks seen", run)
	}
}

func TestSSEObserverNoTextNoTokens(t *testing.T) {
	o := NewSSEObserver(false, 7)
	o.Observe([]byte(roleChunk))
	o.Observe([]byte(finishChunk))
	if got, want := o.Final(), (Usage{PromptTokens: 7, Estimated: true}); got != want {
		t.Errorf("Final = %+v, want %+v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func jsonString(s string) string {
	return string(jsonscan.AppendString(nil, s))
}
