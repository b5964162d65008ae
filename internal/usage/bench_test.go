package usage

import (
	"bytes"
	"fmt"
	"strings"
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

// BenchmarkSSEObserveStream is the cost per chunk of a stream whose chunks
// differ in their text, as real ones do; full is the full parse every time.
func BenchmarkSSEObserveStream(b *testing.B) {
	var events [][]byte
	for _, w := range strings.Fields(words(64)) {
		events = append(events, []byte("data: "+chunk(delta(jsonString(" "+w)), "null")+"\n"))
	}
	// n=2: the choices alternate, so every chunk misses the shape and
	// teaches a new one, the worst case.
	var n2 [][]byte
	for i, ev := range events {
		n2 = append(n2, bytes.Replace(ev, []byte(`"index":0`), fmt.Appendf(nil, `"index":%d`, i%2), 1))
	}
	for _, bc := range []struct {
		name   string
		full   bool
		events [][]byte
	}{{"shape", false, events}, {"full", true, events}, {"n2_shape", false, n2}, {"n2_full", true, n2}} {
		b.Run(bc.name, func(b *testing.B) {
			o := NewSSEObserver(false, 0)
			o.noShape = bc.full
			b.SetBytes(int64(len(bc.events[0])))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o.Observe(bc.events[i%len(bc.events)])
				_ = o.Usage()
				i++
			}
		})
	}
}

// BenchmarkNDJSONObserveStream is the same for Ollama lines, whose
// created_at changes with every line.
func BenchmarkNDJSONObserveStream(b *testing.B) {
	var lines [][]byte
	for i, w := range strings.Fields(words(64)) {
		lines = append(lines, []byte(fmt.Sprintf(`{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.6442%05dZ","message":{"role":"assistant","content":%s},"done":false}`, i, jsonString(" "+w))))
	}
	for _, full := range []bool{false, true} {
		b.Run(map[bool]string{false: "shape", true: "full"}[full], func(b *testing.B) {
			o := NewNDJSONObserver("/api/chat", 0)
			o.noShape = full
			b.SetBytes(int64(len(lines[0])))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o.Observe(lines[i%len(lines)])
				_ = o.Usage()
				i++
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
