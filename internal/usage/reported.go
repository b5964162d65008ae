package usage

import (
	"bytes"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// FromOpenAI reads the "usage" object of an OpenAI-format response body
// (chat, completions, embeddings; input_tokens and output_tokens of the
// Responses API too). It reports false when the body has no usage object
// with a valid count, or is not a JSON object.
func FromOpenAI(body []byte) (Usage, bool) {
	var v [1][]byte
	if jsonscan.Extract(body, []string{"usage"}, v[:]) != nil {
		return Usage{}, false
	}
	return openAIUsage(v[0])
}

// openAIUsage reads a usage object; raw may be nil or null.
func openAIUsage(raw []byte) (Usage, bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return Usage{}, false
	}
	var v [4][]byte
	if jsonscan.Extract(raw, []string{"prompt_tokens", "completion_tokens", "input_tokens", "output_tokens"}, v[:]) != nil {
		return Usage{}, false
	}
	p, okP := readCount(v[0])
	c, okC := readCount(v[1])
	if !okP && !okC {
		p, okP = readCount(v[2])
		c, okC = readCount(v[3])
	}
	return Usage{PromptTokens: p, CompletionTokens: c}, okP || okC
}

// FromOllama reads prompt_eval_count and eval_count from an Ollama response
// body: the one object of a non-streamed answer (chat, generate, embed),
// or the last line of an NDJSON stream, which must be the done frame. It
// reports false when neither count is there, or the object is not done.
func FromOllama(body []byte) (Usage, bool) {
	u, ok, valid := ollamaUsage(body)
	if valid {
		return u, ok
	}
	// Not one JSON object: a whole NDJSON stream, perhaps.
	body = bytes.TrimRight(body, " \t\r\n")
	if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
		u, ok, _ = ollamaUsage(body[i+1:])
		return u, ok
	}
	return Usage{}, false
}

// ollamaUsage reads one Ollama object; valid is false when it is not one.
func ollamaUsage(obj []byte) (u Usage, ok, valid bool) {
	var v [3][]byte
	if jsonscan.Extract(obj, []string{"done", "prompt_eval_count", "eval_count"}, v[:]) != nil {
		return Usage{}, false, false
	}
	if string(v[0]) == "false" {
		return Usage{}, false, true
	}
	p, okP := readCount(v[1])
	c, okC := readCount(v[2])
	return Usage{PromptTokens: p, CompletionTokens: c}, okP || okC, true
}
