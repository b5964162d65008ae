package usage

import (
	"testing"
)

// BenchmarkSSEObserve is the cost per chunk on the relay's hot path.
func BenchmarkSSEObserve(b *testing.B) {
	for _, bc := range []struct {
		name  string
		event string
	}{
		{"content", chunk(delta(`" world"`), "null")},
		{"event_text", "data: " + chunk(delta(`" world"`), "") + "\n\n"},
		{"usage", usageChunk},
	} {
		b.Run(bc.name, func(b *testing.B) {
			o := NewSSEObserver(false, 0)
			ev := []byte(bc.event)
			o.Observe(ev)
			b.SetBytes(int64(len(ev)))
			b.ReportAllocs()
			for b.Loop() {
				o.Observe(ev)
				_ = o.Usage()
			}
		})
	}
}

func BenchmarkNDJSONObserve(b *testing.B) {
	o := NewNDJSONObserver("/api/chat", 0)
	line := []byte(ollamaChat2)
	o.Observe(line)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		o.Observe(line)
		_ = o.Usage()
	}
}

// BenchmarkEstimatePrompt1KiB is the prompt count of a 1 KiB chat body.
func BenchmarkEstimatePrompt1KiB(b *testing.B) {
	text := words(1000)
	body := chatBody(b, "You are a helpful assistant.", text[:900])
	EstimatePrompt(DialectOpenAI, "/v1/chat/completions", body) // builds the tokenizer
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		EstimatePrompt(DialectOpenAI, "/v1/chat/completions", body)
	}
}

func BenchmarkMaxOutput(b *testing.B) {
	body := chatBody(b, words(150))
	body = append(body[:len(body)-1], `,"max_tokens":512}`...)
	b.ReportAllocs()
	for b.Loop() {
		MaxOutput(DialectOpenAI, body, 1)
	}
}
