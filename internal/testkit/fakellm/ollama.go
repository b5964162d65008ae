package fakellm

import (
	"net/http"
	"time"
)

// ollamaChatRequest is the part of POST /api/chat the fake reads.
type ollamaChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Content string `json:"content"`
	} `json:"messages"`
	Stream  *bool          `json:"stream"`
	Options *ollamaOptions `json:"options"`
}

// ollamaGenerateRequest is the part of POST /api/generate the fake reads.
type ollamaGenerateRequest struct {
	Model   string         `json:"model"`
	Prompt  string         `json:"prompt"`
	System  string         `json:"system"`
	Stream  *bool          `json:"stream"`
	Options *ollamaOptions `json:"options"`
}

type ollamaOptions struct {
	NumPredict *float64 `json:"num_predict"`
}

// limit is options.num_predict when positive; -1 (endless) and others mean none.
func (o *ollamaOptions) limit() int64 {
	if o == nil || o.NumPredict == nil || *o.NumPredict < 1 {
		return 0
	}
	return int64(*o.NumPredict)
}

// streamOn applies Ollama's default: stream unless told "stream": false.
func streamOn(s *bool) bool { return s == nil || *s }

// Durations reported in the final frame. Load and prompt evaluation are
// fixed; evaluation is the measured generation time.
const (
	fakeLoadDuration       = time.Millisecond
	fakePromptEvalPerToken = 100 * time.Microsecond
)

func (h *Handler) serveOllamaChat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req ollamaChatRequest
	if !decodeJSON(w, dialectOllama, body, &req) {
		return
	}
	m := h.resolveModel(w, dialectOllama, req.Model)
	if m == nil {
		return
	}
	a := h.newAnswer(m, 0, req.Options.limit())
	enc := ollamaEncoder{a: a, field: `,"message":{"role":"assistant","content":"`, suffix: `}`}
	if len(req.Messages) == 0 {
		// Real Ollama only loads the model and says so.
		writeJSON(w, ollamaJSONType, enc.loaded(nil))
		return
	}
	words := 0
	for _, msg := range req.Messages {
		words += countWords(msg.Content)
	}
	a.prompt = promptTokens(words)
	h.respond(w, r, a, enc, streamOn(req.Stream), ndjsonContentType, ollamaJSONType)
}

func (h *Handler) serveOllamaGenerate(w http.ResponseWriter, r *http.Request, body []byte) {
	var req ollamaGenerateRequest
	if !decodeJSON(w, dialectOllama, body, &req) {
		return
	}
	m := h.resolveModel(w, dialectOllama, req.Model)
	if m == nil {
		return
	}
	a := h.newAnswer(m, 0, req.Options.limit())
	enc := ollamaEncoder{a: a, field: `,"response":"`}
	if req.Prompt == "" {
		writeJSON(w, ollamaJSONType, enc.loaded(nil))
		return
	}
	a.prompt = promptTokens(countWords(req.Prompt) + countWords(req.System))
	h.respond(w, r, a, enc, streamOn(req.Stream), ndjsonContentType, ollamaJSONType)
}

// ollamaEncoder writes chat and generate frames; they differ only in how the
// text is wrapped: "message":{"role":"assistant","content":...} or "response":....
type ollamaEncoder struct {
	a      *answer
	field  string // opens the text field, up to the string's opening quote
	suffix string // closes it after the string's closing quote
}

func (e ollamaEncoder) start(b []byte) []byte {
	b = append(b, `{"model":`...)
	b = append(b, e.a.model.quoted...)
	b = append(b, `,"created_at":"`...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	return append(b, e.field...)
}

func (e ollamaEncoder) head(b []byte) []byte { return b }

func (e ollamaEncoder) chunk(b []byte, i int) []byte {
	b = e.start(b)
	b = append(b, e.a.h.escChunks[i]...)
	b = append(b, '"')
	b = append(b, e.suffix...)
	return append(b, ",\"done\":false}\n"...)
}

// final appends the done frame's fields after the text.
func (e ollamaEncoder) final(b []byte) []byte {
	b = append(b, '"')
	b = append(b, e.suffix...)
	b = append(b, `,"done":true,"done_reason":"`...)
	b = append(b, e.a.finish...)
	promptEval := time.Duration(e.a.prompt) * fakePromptEvalPerToken
	eval := max(time.Since(e.a.created), 1)
	b = append(b, `","total_duration":`...)
	b = appendInt(b, int64(fakeLoadDuration+promptEval+eval))
	b = append(b, `,"load_duration":`...)
	b = appendInt(b, int64(fakeLoadDuration))
	b = append(b, `,"prompt_eval_count":`...)
	b = appendInt(b, e.a.prompt)
	b = append(b, `,"prompt_eval_duration":`...)
	b = appendInt(b, int64(promptEval))
	b = append(b, `,"eval_count":`...)
	b = appendInt(b, int64(e.a.n))
	b = append(b, `,"eval_duration":`...)
	b = appendInt(b, int64(eval))
	return append(b, "}\n"...)
}

func (e ollamaEncoder) tail(b []byte) []byte { return e.final(e.start(b)) }

func (e ollamaEncoder) whole(b []byte) []byte {
	return e.final(e.a.appendText(e.start(b)))
}

// loaded is the answer to a call without prompt: the model is loaded, no text.
func (e ollamaEncoder) loaded(b []byte) []byte {
	b = e.start(b)
	b = append(b, '"')
	b = append(b, e.suffix...)
	return append(b, ",\"done_reason\":\"load\",\"done\":true}\n"...)
}
