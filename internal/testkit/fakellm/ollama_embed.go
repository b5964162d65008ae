package fakellm

import (
	"encoding/json"
	"net/http"
)

// ollamaEmbedRequest is the part of POST /api/embed the fake reads.
type ollamaEmbedRequest struct {
	Model string          `json:"model"`
	Input json.RawMessage `json:"input"`
}

// ollamaEmbeddingRequest is the legacy POST /api/embeddings request.
type ollamaEmbeddingRequest struct {
	Model  string `json:"model"`
	Prompt string `json:"prompt"`
}

func (h *Handler) serveOllamaEmbed(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req ollamaEmbedRequest
	if !decodeJSON(w, dialectOllama, body, &req) {
		return
	}
	// Like Ollama: a string or an array of strings; an empty string is no input.
	var inputs []string
	if len(req.Input) > 0 && string(req.Input) != "null" {
		var s string
		if json.Unmarshal(req.Input, &s) == nil {
			if s != "" {
				inputs = []string{s}
			}
		} else if json.Unmarshal(req.Input, &inputs) != nil {
			writeError(w, dialectOllama, apiError{status: http.StatusBadRequest, message: "invalid input type"})
			return
		}
	}
	m := h.resolveModel(w, dialectOllama, req.Model)
	if m == nil {
		return
	}
	words := 0
	b := make([]byte, 0, 256+len(inputs)*EmbeddingDim*12)
	b = append(b, `{"model":`...)
	b = append(b, m.quoted...)
	b = append(b, `,"embeddings":[`...)
	for i, in := range inputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVector(b, embedding(in))
		words += countWords(in)
	}
	b = append(b, ']')
	if len(inputs) > 0 {
		b = append(b, `,"total_duration":`...)
		b = appendInt(b, int64(fakeLoadDuration+fakePromptEvalPerToken*10))
		b = append(b, `,"load_duration":`...)
		b = appendInt(b, int64(fakeLoadDuration))
		b = append(b, `,"prompt_eval_count":`...)
		b = appendInt(b, promptTokens(words))
	}
	b = append(b, "}\n"...)
	writeJSON(w, ollamaJSONType, b)
}

func (h *Handler) serveOllamaEmbeddings(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req ollamaEmbeddingRequest
	if !decodeJSON(w, dialectOllama, body, &req) {
		return
	}
	m := h.resolveModel(w, dialectOllama, req.Model)
	if m == nil {
		return
	}
	b := make([]byte, 0, 32+EmbeddingDim*12)
	b = append(b, `{"embedding":`...)
	if req.Prompt == "" {
		b = append(b, "[]"...)
	} else {
		b = appendVector(b, embedding(req.Prompt))
	}
	b = append(b, "}\n"...)
	writeJSON(w, ollamaJSONType, b)
}
