package usage

import (
	"bytes"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// NDJSONObserver watches an Ollama stream (/api/chat, /api/generate) as
// the relay passes it on, line by line, without keeping it. It takes the
// usage from the done frame, counts the text of the frames before it in
// case none comes, and remembers what it needs to end the stream early
// (see AppendCut). It is not safe for concurrent use.
type NDJSONObserver struct {
	prompt int64 // prompt estimate, used when the backend reports none

	reported Usage
	hasUsage bool
	text     textCounter
	done     bool

	model    []byte // raw JSON string
	generate bool   // /api/generate frames ("response") rather than chat ("message")
	scratch  []byte

	shape         shape    // the common line's layout, once learned
	shapeGenerate bool     // what a line of that shape sets generate to
	rec           recorder // the strings the current full parse counts
	noShape       bool     // always parse in full (the reference for tests)
}

// NewNDJSONObserver returns an observer for one stream. endpoint is the
// request path ("/api/chat" or "/api/generate"), which decides the shape
// of an ending made before any frame was seen. promptEstimate
// (EstimatePrompt) is reported as the prompt tokens if the backend
// reports none.
func NewNDJSONObserver(endpoint string, promptEstimate int64) *NDJSONObserver {
	return &NDJSONObserver{prompt: clampCount(promptEstimate), generate: endpoint == "/api/generate"}
}

// Observe reads one NDJSON line. Lines it cannot read (malformed JSON,
// error objects, progress lines) count nothing. A line laid out like an
// earlier text line is read by its shape (shape.go), with the same result.
func (o *NDJSONObserver) Observe(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return
	}
	if !o.noShape {
		var counted [maxSlots][]byte
		if o.shape.match(line, &counted) {
			// The line is the learned one with another time and text:
			// its full parse would set the kind and count the text.
			o.generate = o.shapeGenerate
			for _, raw := range counted[:o.shape.counted] {
				o.addString(raw)
			}
			return
		}
		o.rec.start(true, len(line))
	}
	if o.observeLine(line) {
		// created_at changes with every line and is not read.
		var c [1][]byte
		if jsonscan.Extract(line, []string{"created_at"}, c[:]) != nil || len(c[0]) == 0 || c[0][0] != '"' {
			c[0] = nil
		}
		if o.shape.learn(line, &o.rec, c[0]) {
			o.shapeGenerate = o.generate
		}
	}
	o.rec.on = false
}

// observeLine reads one line (trimmed, starting with '{') in full. It
// reports whether the line's only effects were to set generate and count
// the strings o.rec noted, so that its shape may be learned.
func (o *NDJSONObserver) observeLine(line []byte) (learnable bool) {
	var v [7][]byte
	if jsonscan.Extract(line, []string{"model", "message", "response", "thinking", "done", "prompt_eval_count", "eval_count"}, v[:]) != nil {
		return false
	}
	if o.model == nil && len(v[0]) > 0 && v[0][0] == '"' && len(v[0]) <= maxRemembered {
		o.model = append(make([]byte, 0, len(v[0])), v[0]...)
	}
	if msg := v[1]; len(msg) > 0 && msg[0] == '{' {
		o.generate = false
		learnable = true
		var m [3][]byte
		if jsonscan.Extract(msg, []string{"content", "thinking", "tool_calls"}, m[:]) == nil {
			o.addString(m[0])
			o.addString(m[1])
			if tc := m[2]; len(tc) > 0 && tc[0] == '[' {
				o.text.add(tc) // Ollama sends tool calls whole, as JSON
				learnable = false
			}
		}
	} else if v[2] != nil {
		o.generate = true
		learnable = true
		o.addString(v[2])
		o.addString(v[3])
	}
	if string(v[4]) != "true" {
		return learnable
	}
	o.done = true
	p, okP := readCount(v[5])
	c, okC := readCount(v[6])
	if okP || okC {
		o.reported = Usage{PromptTokens: p, CompletionTokens: c}
		o.hasUsage = true
	}
	return false
}

func (o *NDJSONObserver) addString(raw []byte) {
	o.rec.note(raw)
	o.scratch = addString(&o.text, o.scratch, raw)
}

// Usage is the usage so far: the done frame's counts, or else the prompt
// estimate and a cheap running count of the text (Estimated). It costs a
// few nanoseconds, so a relay may check it after every line.
func (o *NDJSONObserver) Usage() Usage {
	if o.hasUsage {
		return o.reported
	}
	return Usage{PromptTokens: o.prompt, CompletionTokens: o.text.running(), Estimated: true}
}

// Final is the usage to settle once the stream is over (finished, cut or
// abandoned). It is Usage, except that without a backend report the
// completion is counted with the tokenizer on the first 4 KiB of text and
// scaled to the rest (up to about 0.4 ms, once).
func (o *NDJSONObserver) Final() Usage {
	if o.hasUsage {
		return o.reported
	}
	return Usage{PromptTokens: o.prompt, CompletionTokens: o.text.final(), Estimated: true}
}

// Done reports whether the done frame was seen.
func (o *NDJSONObserver) Done() bool { return o.done }
