package usage

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/internal/api/jsonscan"
	"github.com/warden-gw/warden/internal/api/openai"
)

const (
	// messageTokens is added per chat message for the role and the chat
	// template's markers; replyTokens once for the assistant turn that
	// the template opens (the figures OpenAI documents for its models).
	messageTokens = 4
	replyTokens   = 3
	// imageTokens is charged per image, whatever its size: LLaVA-1.5 and
	// similar vision models spend 576 tokens on one image.
	imageTokens = 576
	// exactPromptBytes is how much prompt text is tokenized exactly; the
	// rest is counted at the ratio measured on it, so that a large body
	// costs at most a couple of milliseconds.
	exactPromptBytes = 16 << 10
	// maxChoices bounds the "n" a request can multiply its output by.
	maxChoices = 128
)

// promptFields are the top-level fields holding prompt text, by dialect
// and endpoint. Unknown endpoints look at all of a dialect's fields.
var promptFields = map[string]map[string][]string{
	DialectOpenAI: {
		"/v1/chat/completions": {"messages", "tools", "functions"},
		"/v1/completions":      {"prompt", "suffix"},
		"/v1/embeddings":       {"input"},
		"/v1/responses":        {"input", "instructions", "tools"},
		"":                     {"messages", "prompt", "suffix", "input", "instructions", "tools", "functions"},
	},
	DialectOllama: {
		"/api/chat":       {"messages", "tools"},
		"/api/generate":   {"prompt", "system", "suffix", "images", "context"},
		"/api/embed":      {"input"},
		"/api/embeddings": {"prompt"},
		"":                {"messages", "prompt", "system", "suffix", "images", "context", "input", "tools"},
	},
}

func fieldsFor(dialect, endpoint string) []string {
	byEndpoint, ok := promptFields[dialect]
	if !ok {
		byEndpoint = promptFields[DialectOpenAI]
	}
	if f, ok := byEndpoint[strings.TrimSuffix(endpoint, "/")]; ok {
		return f
	}
	return byEndpoint[""]
}

// EstimatePrompt estimates the prompt tokens of a request body before it is
// sent: the text of its messages, prompt or input is counted with the
// cl100k_base tokenizer, plus a few tokens per chat message and a fixed
// cost per image. Token-ID prompts count one per ID. dialect is
// DialectOpenAI or DialectOllama, endpoint the request path (for example
// "/v1/chat/completions" or "/api/generate"). A body that is not a JSON
// object is counted at about four bytes per token; an empty body is 0.
// The result is meant for reservations, not for billing.
func EstimatePrompt(dialect string, endpoint string, body []byte) int64 {
	if len(bytes.TrimSpace(body)) == 0 {
		return 0
	}
	fields := fieldsFor(dialect, endpoint)
	var vals [8][]byte
	if err := jsonscan.Extract(body, fields, vals[:len(fields)]); err != nil {
		return clampCount(ceilDiv(int64(len(body)), bytesPerToken))
	}
	var c promptCounter
	for i, name := range fields {
		c.field(name, vals[i])
	}
	return c.total()
}

// promptCounter adds up the tokens of a request's prompt text.
type promptCounter struct {
	fixed       int64 // per-message, per-image and token-ID counts
	exactBytes  int64 // text tokenized so far
	exactTokens int64
	restBytes   int64 // text past exactPromptBytes, counted by ratio
	buf, quoted []byte
}

func (c *promptCounter) total() int64 {
	rest := int64(0)
	if c.restBytes > 0 {
		if c.exactBytes > 0 {
			rest = ceilDiv(c.restBytes*c.exactTokens, c.exactBytes)
		} else {
			rest = ceilDiv(c.restBytes, bytesPerToken)
		}
	}
	return clampCount(c.fixed + c.exactTokens + rest)
}

// text counts decoded text, tokenizing it while the budget lasts.
func (c *promptCounter) text(p []byte) {
	if len(p) == 0 {
		return
	}
	room := exactPromptBytes - c.exactBytes
	if room <= 0 {
		c.restBytes = min(c.restBytes+int64(len(p)), maxCount)
		return
	}
	head := cutUTF8(p, int(min(room, int64(len(p)))))
	c.exactBytes += int64(len(head))
	c.exactTokens += countTokens(head)
	c.restBytes = min(c.restBytes+int64(len(p)-len(head)), maxCount)
}

// str counts a raw JSON string; other kinds of value are ignored. Only
// what fits in the exact budget is decoded: past it, a long string costs
// no copy.
func (c *promptCounter) str(raw []byte) {
	if len(raw) < 2 || raw[0] != '"' {
		return
	}
	inner := raw[1 : len(raw)-1]
	room := exactPromptBytes - c.exactBytes
	if int64(len(inner)) > room {
		head := escapeBoundary(inner, int(max(room, 0)))
		c.restBytes = min(c.restBytes+int64(len(inner)-head), maxCount)
		if head == 0 {
			return
		}
		c.quoted = append(append(append(c.quoted[:0], '"'), inner[:head]...), '"')
		raw = c.quoted
	}
	var err error
	if c.buf, err = jsonscan.AppendUnquote(c.buf[:0], raw); err == nil {
		c.text(c.buf)
	}
}

// escapeBoundary returns the largest i <= n that does not split an escape
// sequence of the JSON string contents s.
func escapeBoundary(s []byte, n int) int {
	i := 0
	for i < n && i < len(s) {
		step := 1
		if s[i] == '\\' {
			step = 2
			if i+1 < len(s) && s[i+1] == 'u' {
				step = 6
			}
		}
		if i+step > n {
			break
		}
		i += step
	}
	return i
}

// strOrRaw counts a string's text, or the JSON text of any other value
// (tool arguments and definitions are sent to the model as JSON).
func (c *promptCounter) strOrRaw(raw []byte) {
	switch {
	case len(raw) == 0 || isNull(raw):
	case raw[0] == '"':
		c.str(raw)
	default:
		c.text(raw)
	}
}

func (c *promptCounter) field(name string, raw []byte) {
	if len(raw) == 0 || isNull(raw) {
		return
	}
	switch name {
	case "messages":
		c.messages(raw)
	case "prompt", "input":
		c.input(raw)
	case "images":
		c.images(raw)
	case "context": // Ollama's token IDs of the previous exchange
		c.tokenIDs(raw)
	case "tools", "functions":
		c.text(raw)
	default: // system, suffix, instructions
		c.str(raw)
	}
}

// messages counts a chat history: OpenAI's and Ollama's messages, and the
// items of the Responses API's input.
func (c *promptCounter) messages(raw []byte) {
	if raw[0] != '[' {
		return
	}
	n := int64(0)
	_ = jsonscan.Each(raw, func(m []byte) bool {
		if m[0] == '"' { // Responses API input can mix strings in
			c.str(m)
		} else {
			c.message(m)
		}
		n++
		return true
	})
	if n > 0 {
		c.fixed += n*messageTokens + replyTokens
	}
}

var messageKeys = []string{"content", "name", "tool_calls", "images", "thinking", "reasoning_content", "output", "arguments"}

func (c *promptCounter) message(m []byte) {
	if m[0] != '{' {
		return
	}
	var v [8][]byte
	if jsonscan.Extract(m, messageKeys, v[:]) != nil {
		return
	}
	c.content(v[0])
	c.str(v[1])
	c.toolCalls(v[2])
	c.images(v[3])
	c.str(v[4])
	c.str(v[5])
	c.strOrRaw(v[6])
	c.strOrRaw(v[7])
}

// content is a string, or an array of parts (text, images, ...).
func (c *promptCounter) content(raw []byte) {
	switch {
	case len(raw) == 0:
	case raw[0] == '"':
		c.str(raw)
	case raw[0] == '[':
		_ = jsonscan.Each(raw, func(p []byte) bool {
			c.part(p)
			return true
		})
	}
}

func (c *promptCounter) part(p []byte) {
	switch {
	case p[0] == '"':
		c.str(p)
		return
	case p[0] != '{':
		return
	}
	var v [4][]byte
	if jsonscan.Extract(p, []string{"type", "text", "image_url", "refusal"}, v[:]) != nil {
		return
	}
	c.str(v[1])
	c.str(v[3])
	if (v[2] != nil && !isNull(v[2])) || bytes.Contains(v[0], []byte("image")) {
		c.fixed += imageTokens
	}
}

func (c *promptCounter) toolCalls(raw []byte) {
	if len(raw) == 0 || raw[0] != '[' {
		return
	}
	_ = jsonscan.Each(raw, func(tc []byte) bool {
		var fn [1][]byte
		if tc[0] != '{' || jsonscan.Extract(tc, []string{"function"}, fn[:]) != nil || fn[0] == nil || fn[0][0] != '{' {
			return true
		}
		var v [2][]byte
		if jsonscan.Extract(fn[0], []string{"name", "arguments"}, v[:]) == nil {
			c.str(v[0])
			c.strOrRaw(v[1])
		}
		return true
	})
}

func (c *promptCounter) images(raw []byte) {
	if len(raw) == 0 || raw[0] != '[' {
		return
	}
	_ = jsonscan.Each(raw, func([]byte) bool {
		c.fixed += imageTokens
		return true
	})
}

// input is a string, an array of strings, an array of token IDs, or an
// array of arrays of token IDs.
func (c *promptCounter) input(raw []byte) {
	switch raw[0] {
	case '"':
		c.str(raw)
	case '[':
		_ = jsonscan.Each(raw, func(e []byte) bool {
			switch e[0] {
			case '"':
				c.str(e)
			case '[':
				c.tokenIDs(e)
			case '{': // Responses API input items
				c.message(e)
				c.fixed += messageTokens
			default:
				c.fixed++ // one token ID
			}
			return true
		})
	}
}

func (c *promptCounter) tokenIDs(raw []byte) {
	if raw[0] != '[' {
		return
	}
	_ = jsonscan.Each(raw, func([]byte) bool {
		c.fixed++
		return true
	})
}

// MaxOutput is the most completion tokens a request may produce, for
// reservations: OpenAI's max_completion_tokens, else max_tokens (else the
// Responses API's max_output_tokens), times "n" choices; Ollama's
// options.num_predict. It returns def (times n) when the request sets no
// positive limit (Ollama's -1 and -2 mean "unlimited") or cannot be read.
func MaxOutput(dialect string, body []byte, def int64) int64 {
	switch dialect {
	case DialectOpenAI:
		var v [4][]byte
		if jsonscan.Extract(body, openai.OutputLimitKeys, v[:]) != nil {
			return def
		}
		return MaxOutputOpenAI(v, def)
	case DialectOllama:
		var opts [1][]byte
		if jsonscan.Extract(body, []string{"options"}, opts[:]) != nil || opts[0] == nil || opts[0][0] != '{' {
			return def
		}
		var np [1][]byte
		if jsonscan.Extract(opts[0], []string{"num_predict"}, np[:]) != nil {
			return def
		}
		if n, ok := readCount(np[0]); ok && n > 0 {
			return n
		}
	}
	return def
}

// MaxOutputOpenAI is MaxOutput of an OpenAI body from the raw values of its openai.OutputLimitKeys
// (nil when absent), as openai.ParseRequest returns them, so that the body need not be scanned
// twice.
func MaxOutputOpenAI(v [4][]byte, def int64) int64 {
	limit := def
	for _, raw := range v[:3] {
		if n, ok := readCount(raw); ok && n > 0 {
			limit = n
			break
		}
	}
	if n, ok := readCount(v[3]); ok && n > 1 {
		limit = clampCount(limit * min(n, maxChoices))
	}
	return limit
}

// readCount reads a JSON integer (an integral float like 12.0 too) within
// [0, maxCount].
func readCount(raw []byte) (int64, bool) {
	if len(raw) == 0 || isNull(raw) {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, n >= 0 && n <= maxCount
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < 0 || f > maxCount || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

func isNull(raw []byte) bool { return string(raw) == "null" }
