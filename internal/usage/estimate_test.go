package usage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// words returns n words of English-like text with punctuation, the same on
// every run.
func words(n int) string {
	vocab := strings.Fields(`the gateway checks every request before it reaches a model, and
		keys budgets limits teams audit records stream tokens prompt completion server
		backend latency throughput security policy allow deny reason configuration
		deployment replicas memory redis postgres sqlite observability metrics Ollama vLLM
		quickly carefully although because however therefore meanwhile 2025 42 3.14 (note)
		"quoted" it's don't we'll naïve café résumé`)
	r := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(vocab[r.IntN(len(vocab))])
		if r.IntN(12) == 0 {
			sb.WriteString(".\n")
		}
	}
	return sb.String()
}

func chatBody(t testing.TB, msgs ...string) []byte {
	t.Helper()
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	var m []msg
	for i, c := range msgs {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		m = append(m, msg{role, c})
	}
	b, err := json.Marshal(map[string]any{"model": "llama3.1:8b", "messages": m})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func within(t *testing.T, what string, got, exact int64, tolerance float64) {
	t.Helper()
	if lo, hi := float64(exact)*(1-tolerance), float64(exact)*(1+tolerance); float64(got) < lo || float64(got) > hi {
		t.Errorf("%s: estimate %d, exact count %d: off by more than %.0f%%", what, got, exact, tolerance*100)
	}
}

func TestEstimatePromptAccuracy(t *testing.T) {
	text := words(1000)
	exact := countTokens([]byte(text))
	if exact < 1000 {
		t.Fatalf("exact count %d for 1,000 words is implausible", exact)
	}
	within(t, "openai chat", EstimatePrompt(DialectOpenAI, "/v1/chat/completions", chatBody(t, text)), exact, 0.2)
	within(t, "ollama chat", EstimatePrompt(DialectOllama, "/api/chat", chatBody(t, text)), exact, 0.2)
	gen, _ := json.Marshal(map[string]any{"model": "m", "prompt": text})
	within(t, "ollama generate", EstimatePrompt(DialectOllama, "/api/generate", gen), exact, 0.2)
	within(t, "openai completions", EstimatePrompt(DialectOpenAI, "/v1/completions", gen), exact, 0.2)
	emb, _ := json.Marshal(map[string]any{"model": "m", "input": []string{text[:len(text)/2], text[len(text)/2:]}})
	within(t, "openai embeddings", EstimatePrompt(DialectOpenAI, "/v1/embeddings", emb), exact, 0.2)

	// Past the exactly counted 16 KiB, the rest is scaled by the ratio
	// measured on it.
	long := words(30000)
	within(t, "long prompt", EstimatePrompt(DialectOpenAI, "/v1/chat/completions", chatBody(t, long)), countTokens([]byte(long)), 0.2)
}

func TestEstimatePrompt(t *testing.T) {
	hello := countTokens([]byte("Hello there, how are you?"))
	bigImage := strings.Repeat("iVBORw0KGgo", 10000)
	tests := []struct {
		name               string
		dialect, endpoint  string
		body               string
		want               int64 // exact expectation, or -1 to use min/max
		minWant, maxWanted int64
	}{
		{"empty body", DialectOpenAI, "/v1/chat/completions", ``, 0, 0, 0},
		{"blank body", DialectOllama, "/api/chat", " \n\t", 0, 0, 0},
		{"no prompt fields", DialectOpenAI, "/v1/chat/completions", `{"model":"m"}`, 0, 0, 0},
		{"empty messages", DialectOpenAI, "/v1/chat/completions", `{"model":"m","messages":[]}`, 0, 0, 0},
		{"one message", DialectOpenAI, "/v1/chat/completions",
			`{"model":"m","messages":[{"role":"user","content":"Hello there, how are you?"}]}`,
			hello + messageTokens + replyTokens, 0, 0},
		{"escapes are decoded", DialectOpenAI, "/v1/chat/completions",
			`{"model":"m","messages":[{"role":"user","content":"Hello there, \u0068ow are you?"}]}`,
			hello + messageTokens + replyTokens, 0, 0},
		{"content parts", DialectOpenAI, "/v1/chat/completions",
			`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hello there, how are you?"}]}]}`,
			hello + messageTokens + replyTokens, 0, 0},
		{"image part costs a fixed amount, not its base64", DialectOpenAI, "/v1/chat/completions",
			`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,` + bigImage + `"}}]}]}`,
			imageTokens + messageTokens + replyTokens, 0, 0},
		{"ollama images", DialectOllama, "/api/chat",
			`{"model":"m","messages":[{"role":"user","content":"Hello there, how are you?","images":["` + bigImage + `","` + bigImage + `"]}]}`,
			hello + 2*imageTokens + messageTokens + replyTokens, 0, 0},
		{"generate with context token IDs", DialectOllama, "/api/generate",
			`{"model":"m","prompt":"Hello there, how are you?","context":[1,2,3,4,5]}`, hello + 5, 0, 0},
		{"completion token IDs", DialectOpenAI, "/v1/completions", `{"model":"m","prompt":[[1,2,3],[4,5]]}`, 5, 0, 0},
		{"embeddings of strings", DialectOpenAI, "/v1/embeddings",
			`{"model":"m","input":["Hello there, how are you?","Hello there, how are you?"]}`, 2 * hello, 0, 0},
		{"ollama legacy embeddings", DialectOllama, "/api/embeddings", `{"model":"m","prompt":"Hello there, how are you?"}`, hello, 0, 0},
		{"fields of other endpoints are not prompt", DialectOpenAI, "/v1/embeddings", `{"model":"m","messages":[{"role":"user","content":"Hello"}]}`, 0, 0, 0},
		{"unknown endpoint looks at every field", DialectOpenAI, "/v1/other", `{"model":"m","prompt":"Hello there, how are you?"}`, hello, 0, 0},
		{"tools and tool calls count", DialectOpenAI, "/v1/chat/completions",
			`{"model":"m","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}]}`,
			-1, 20, 60},
		{"responses API input", DialectOpenAI, "/v1/responses",
			`{"model":"m","instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"Hello there, how are you?"}]}]}`,
			-1, hello + 3, hello + 12},
		{"malformed JSON counts bytes", DialectOpenAI, "/v1/chat/completions", `{"messages":[{"content":"Hello there`, -1, 5, 12},
		{"not an object counts bytes", DialectOllama, "/api/chat", `["Hello there, how are you?"]`, -1, 5, 10},
		{"wrong types are ignored", DialectOpenAI, "/v1/chat/completions", `{"messages":{"content":"x"},"tools":null}`, 0, 0, 0},
		{"messages of wrong types", DialectOllama, "/api/chat", `{"messages":[1,null,{"content":7},{"content":["a",{"text":5}]}]}`, -1, 4*messageTokens + replyTokens, 4*messageTokens + replyTokens + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EstimatePrompt(tt.dialect, tt.endpoint, []byte(tt.body))
			if tt.want >= 0 && got != tt.want {
				t.Errorf("EstimatePrompt = %d, want %d", got, tt.want)
			}
			if tt.want < 0 && (got < tt.minWant || got > tt.maxWanted) {
				t.Errorf("EstimatePrompt = %d, want between %d and %d", got, tt.minWant, tt.maxWanted)
			}
		})
	}
}

func TestMaxOutput(t *testing.T) {
	const def = 1000
	tests := []struct {
		dialect, body string
		want          int64
	}{
		{DialectOpenAI, `{"model":"m","max_tokens":256}`, 256},
		{DialectOpenAI, `{"model":"m","max_completion_tokens":128,"max_tokens":256}`, 128},
		{DialectOpenAI, `{"model":"m","max_output_tokens":64}`, 64},
		{DialectOpenAI, `{"model":"m","max_tokens":100,"n":3}`, 300},
		{DialectOpenAI, `{"model":"m","n":2}`, 2 * def},
		{DialectOpenAI, `{"model":"m","max_tokens":10,"n":100000}`, 10 * maxChoices},
		{DialectOpenAI, `{"model":"m"}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":null}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":0}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":-5}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":"many"}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":12.5}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":1e30}`, def},
		{DialectOpenAI, `{"model":"m","max_tokens":`, def},
		{DialectOpenAI, ``, def},
		{DialectOllama, `{"model":"m","options":{"num_predict":42}}`, 42},
		{DialectOllama, `{"model":"m","options":{"num_predict":-1}}`, def},
		{DialectOllama, `{"model":"m","options":{"num_predict":-2}}`, def},
		{DialectOllama, `{"model":"m","options":{"temperature":0.2}}`, def},
		{DialectOllama, `{"model":"m","options":null}`, def},
		{DialectOllama, `{"model":"m","max_tokens":42}`, def},
		{DialectOllama, `{"model":"m","options":[1]}`, def},
		{"other", `{"model":"m","max_tokens":42}`, def},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.dialect, tt.body), func(t *testing.T) {
			if got := MaxOutput(tt.dialect, []byte(tt.body), def); got != tt.want {
				t.Errorf("MaxOutput = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestEscapeBoundary(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want int
	}{
		{`abcdef`, 3, 3},
		{`ab\ncd`, 3, 2},
		{`ab\ncd`, 4, 4},
		{`ab\u00e9cd`, 5, 2},
		{`ab\u00e9cd`, 8, 8},
		{`\\\\`, 3, 2},
		{`abc`, 10, 3},
		{`abc`, 0, 0},
	}
	for _, tt := range tests {
		if got := escapeBoundary([]byte(tt.s), tt.n); got != tt.want {
			t.Errorf("escapeBoundary(%q, %d) = %d, want %d", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestEstimatePromptHugeStringIsCheap(t *testing.T) {
	line := words(500) + "\n"
	huge := chatBody(t, strings.Repeat(line, 400)) // about 1.3 MiB, with escapes
	small := chatBody(t, strings.Repeat(line, 10)) // past the 16 KiB counted exactly
	got := EstimatePrompt(DialectOpenAI, "/v1/chat/completions", huge)
	exact := 400 * (countTokens([]byte(line)) - 1) // the pieces join at the newline
	within(t, "1.3 MiB prompt", got, exact, 0.2)
	// Only the first 16 KiB of text is decoded and tokenized: the memory
	// used does not grow with the body.
	if hugeBytes, smallBytes := allocated(t, huge), allocated(t, small); hugeBytes > smallBytes+256<<10 {
		t.Errorf("a %d-byte body allocates %d bytes, a %d-byte one %d", len(huge), hugeBytes, len(small), smallBytes)
	}
}

func allocated(t *testing.T, body []byte) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	EstimatePrompt(DialectOpenAI, "/v1/chat/completions", body)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
