package usage

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzSSEObserver feeds arbitrary events (split on blank lines) and checks
// that the observer never panics, never reports negative counts, drops only
// usage-only chunks, and always produces an ending that parses.
func FuzzSSEObserver(f *testing.F) {
	f.Add([]byte(roleChunk+"\n\n"+chunk(delta(`"Hi"`), "")+"\n\n"+usageChunk+"\n\n[DONE]"), false)
	f.Add([]byte(usageChunk), true)
	f.Add([]byte("data: {\"choices\":[],\ndata: \"usage\":{\"prompt_tokens\":1}}"), false)
	f.Fuzz(func(t *testing.T, stream []byte, clientUsage bool) {
		o := NewSSEObserver(clientUsage, 3)
		for _, ev := range bytes.Split(stream, []byte("\n\n")) {
			if o.Observe(ev) && clientUsage {
				t.Fatalf("dropped %q for a client that asked for usage", ev)
			}
		}
		checkUsage(t, o.Usage())
		checkUsage(t, o.Final())
		for _, ev := range sseDataLines(t, o.AppendCut(nil)) {
			if ev != "[DONE]" && !json.Valid([]byte(ev)) {
				t.Fatalf("ending event is not JSON: %s", ev)
			}
		}
	})
}

// FuzzNDJSONObserver does the same for Ollama lines.
func FuzzNDJSONObserver(f *testing.F) {
	f.Add([]byte(ollamaChat1 + "\n" + ollamaChat2 + "\n" + ollamaChatEnd + "\n"))
	f.Add([]byte(ollamaGen1 + "\n" + ollamaGenEnd))
	f.Add([]byte(`{"model":"m","message":{"content":"a\u00e9","tool_calls":[{}]},"done":false}`))
	f.Fuzz(func(t *testing.T, stream []byte) {
		o := NewNDJSONObserver("/api/chat", 3)
		for _, line := range bytes.Split(stream, []byte("\n")) {
			o.Observe(line)
		}
		checkUsage(t, o.Usage())
		checkUsage(t, o.Final())
		if out := o.AppendCut(nil); !json.Valid(out) {
			t.Fatalf("ending is not JSON: %s", out)
		}
	})
}

// FuzzEstimatePrompt checks that any body gives a count in range.
func FuzzEstimatePrompt(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:,"}}]}]}`), true)
	f.Add([]byte(`{"model":"m","prompt":"hi","images":["AA=="],"context":[1,2],"options":{"num_predict":5}}`), false)
	f.Fuzz(func(t *testing.T, body []byte, openAI bool) {
		dialect, endpoint := DialectOllama, ""
		if openAI {
			dialect = DialectOpenAI
		}
		if n := EstimatePrompt(dialect, endpoint, body); n < 0 || n > maxCount {
			t.Fatalf("EstimatePrompt = %d", n)
		}
		if n := MaxOutput(dialect, body, 7); n < 0 || n > maxCount {
			t.Fatalf("MaxOutput = %d", n)
		}
		for _, fn := range []func([]byte) (Usage, bool){FromOpenAI, FromOllama} {
			u, _ := fn(body)
			checkUsage(t, u)
		}
	})
}

func checkUsage(t *testing.T, u Usage) {
	t.Helper()
	if u.PromptTokens < 0 || u.CompletionTokens < 0 || u.PromptTokens > maxCount || u.CompletionTokens > maxCount {
		t.Fatalf("usage out of range: %+v", u)
	}
}
