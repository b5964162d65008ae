package ollama

import (
	"strconv"
	"time"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// StreamKind says which Ollama response shape to produce.
type StreamKind int

const (
	StreamChat     StreamKind = iota // /api/chat: {"message":{"role","content",...}}
	StreamGenerate                   // /api/generate: {"response":...}
)

// Usage is the token count of one translated call.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	// Estimated is set when the backend reported no usage: CompletionTokens
	// then counts content deltas and PromptTokens is 0.
	Estimated bool
}

type timings struct {
	total, promptEval, eval time.Duration
}

// frame is one Ollama response object. content, thinking and toolCalls
// are raw JSON (a string, a string, an array); nil means absent.
type frame struct {
	content, thinking, toolCalls []byte
	done                         bool
	reason                       string
	usage                        Usage
	t                            timings
}

// appendFrame appends f as one NDJSON line, fields in Ollama's order.
func appendFrame(dst []byte, kind StreamKind, model []byte, now time.Time, f *frame) []byte {
	dst = append(dst, `{"model":`...)
	dst = append(dst, model...)
	dst = append(dst, `,"created_at":"`...)
	dst = now.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"', ',')
	content := f.content
	if content == nil {
		content = []byte(`""`)
	}
	if kind == StreamChat {
		dst = append(dst, `"message":{"role":"assistant","content":`...)
		dst = append(dst, content...)
		dst = appendOptional(dst, `,"thinking":`, f.thinking)
		dst = appendOptional(dst, `,"tool_calls":`, f.toolCalls)
		dst = append(dst, '}')
	} else {
		dst = append(dst, `"response":`...)
		dst = append(dst, content...)
		dst = appendOptional(dst, `,"thinking":`, f.thinking)
		dst = appendOptional(dst, `,"tool_calls":`, f.toolCalls)
	}
	if !f.done {
		return append(dst, ",\"done\":false}\n"...)
	}
	dst = append(dst, `,"done":true,"done_reason":`...)
	dst = jsonscan.AppendString(dst, f.reason)
	dst = appendMetric(dst, `,"total_duration":`, int64(f.t.total))
	dst = appendMetric(dst, `,"prompt_eval_count":`, int64(f.usage.PromptTokens))
	dst = appendMetric(dst, `,"prompt_eval_duration":`, int64(f.t.promptEval))
	dst = appendMetric(dst, `,"eval_count":`, int64(f.usage.CompletionTokens))
	dst = appendMetric(dst, `,"eval_duration":`, int64(f.t.eval))
	return append(dst, "}\n"...)
}

func appendOptional(dst []byte, key string, raw []byte) []byte {
	if raw == nil {
		return dst
	}
	return append(append(dst, key...), raw...)
}

// appendMetric writes a count or a nanosecond duration; like Ollama's
// omitempty fields, zero is left out.
func appendMetric(dst []byte, key string, v int64) []byte {
	if v <= 0 {
		return dst
	}
	return strconv.AppendInt(append(dst, key...), v, 10)
}

// doneReason maps an OpenAI finish_reason to Ollama's done_reason.
func doneReason(finish string) string {
	switch finish {
	case "", "stop", "tool_calls", "function_call", "eos_token", "stop_sequence":
		return "stop"
	case "length":
		return "length"
	}
	return finish
}

// appendDone is the final frame of a local answer or a stream.
func appendDone(dst []byte, kind StreamKind, model string, now time.Time, reason string, u Usage, t timings) []byte {
	m := jsonscan.AppendString(nil, model)
	return appendFrame(dst, kind, m, now, &frame{done: true, reason: reason, usage: u, t: t})
}

// embedEmpty is Ollama's answer to /api/embed with no input.
func embedEmpty(model string) []byte {
	out := append([]byte(`{"model":`), jsonscan.AppendString(nil, model)...)
	return append(out, ",\"embeddings\":[]}\n"...)
}
