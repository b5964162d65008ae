// Package usage estimates, extracts and prices the token usage of model calls, in requests, responses and streams.
package usage

// Dialects accepted by the functions of this package.
const (
	DialectOpenAI = "openai" // /v1: OpenAI-compatible servers (vLLM, llama.cpp, Ollama's /v1)
	DialectOllama = "ollama" // /api: Ollama's native API
)

// maxCount bounds any token count read from a backend or computed here, so
// that sums and costs cannot overflow.
const maxCount = 1 << 40

// Usage is the token count of one call.
type Usage struct {
	PromptTokens     int64
	CompletionTokens int64
	// Estimated is set when the backend reported no usage and the counts
	// were made here: the prompt from the request, the completion from the
	// text that passed.
	Estimated bool
}

// Total is PromptTokens plus CompletionTokens.
func (u Usage) Total() int64 { return u.PromptTokens + u.CompletionTokens }

// Price is what a model costs, in money per one million tokens. The zero
// Price makes every call free.
type Price struct {
	InputPerMillion  float64 // per 1M prompt tokens
	OutputPerMillion float64 // per 1M completion tokens
}

// Cost is the price of u. Negative counts cost nothing.
func (p Price) Cost(u Usage) float64 {
	in, out := max(u.PromptTokens, 0), max(u.CompletionTokens, 0)
	return (float64(in)*p.InputPerMillion + float64(out)*p.OutputPerMillion) / 1e6
}

// clampCount keeps a count within [0, maxCount].
func clampCount(n int64) int64 { return min(max(n, 0), maxCount) }

// ceilDiv is a/b rounded up, for a >= 0 and b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
