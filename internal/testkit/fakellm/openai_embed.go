package fakellm

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// openaiEmbeddingRequest is the part of POST /v1/embeddings the fake reads.
type openaiEmbeddingRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
}

// embeddingInputs reads an OpenAI input: a string, an array of strings, a
// token array or an array of token arrays. Token arrays are embedded by
// their JSON text and count one word per token.
func embeddingInputs(raw json.RawMessage) (texts []string, words int, ok bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, countWords(s), true
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		for _, s := range ss {
			words += countWords(s)
		}
		return ss, words, true
	}
	var toks []int64
	if json.Unmarshal(raw, &toks) == nil {
		return []string{string(raw)}, len(toks), true
	}
	var batches []json.RawMessage
	if json.Unmarshal(raw, &batches) != nil {
		return nil, 0, false
	}
	for _, b := range batches {
		if json.Unmarshal(b, &toks) != nil {
			return nil, 0, false
		}
		texts = append(texts, string(b))
		words += len(toks)
	}
	return texts, words, true
}

func (h *Handler) serveOpenAIEmbeddings(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req openaiEmbeddingRequest
	if !decodeJSON(w, dialectOpenAI, body, &req) {
		return
	}
	m := h.resolveModel(w, dialectOpenAI, req.Model)
	if m == nil {
		return
	}
	texts, words, ok := embeddingInputs(req.Input)
	if !ok || len(texts) == 0 {
		writeError(w, dialectOpenAI, apiError{
			status:  http.StatusBadRequest,
			message: "'input' must be a non-empty string, array of strings, or array of token arrays",
			param:   "input",
		})
		return
	}
	var appendVec func([]byte, [EmbeddingDim]float32) []byte
	switch req.EncodingFormat {
	case "", "float":
		appendVec = appendVector
	case "base64":
		appendVec = appendVectorBase64
	default:
		writeError(w, dialectOpenAI, apiError{
			status:  http.StatusBadRequest,
			message: "Invalid value for 'encoding_format': expected 'float' or 'base64'",
			param:   "encoding_format",
		})
		return
	}
	b := make([]byte, 0, 128+len(texts)*(EmbeddingDim*12+48))
	b = append(b, `{"object":"list","data":[`...)
	for i, t := range texts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = appendInt(b, int64(i))
		b = append(b, `,"embedding":`...)
		b = appendVec(b, embedding(t))
		b = append(b, '}')
	}
	b = append(b, `],"model":`...)
	b = append(b, m.quoted...)
	tokens := promptTokens(words)
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = appendInt(b, tokens)
	b = append(b, `,"total_tokens":`...)
	b = appendInt(b, tokens)
	b = append(b, "}}\n"...)
	writeJSON(w, jsonContentType, b)
}

// openaiModel is one entry of GET /v1/models.
type openaiModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func (m *model) openai() openaiModel {
	return openaiModel{ID: m.name, Object: "model", Created: modelCreatedUnix, OwnedBy: "library"}
}

func (h *Handler) buildModelList() ([]byte, error) {
	list := struct {
		Object string        `json:"object"`
		Data   []openaiModel `json:"data"`
	}{Object: "list", Data: make([]openaiModel, 0, len(h.models))}
	for _, m := range h.models {
		list.Data = append(list.Data, m.openai())
	}
	b, err := json.Marshal(list)
	return append(b, '\n'), err
}

func (h *Handler) serveOpenAIModels(w http.ResponseWriter, _ *http.Request, _ []byte) {
	writeJSON(w, jsonContentType, h.modelsJSON)
}

// serveOpenAIModel answers GET /v1/models/{id}.
func (h *Handler) serveOpenAIModel(w http.ResponseWriter, id string) {
	m := h.findModel(id)
	if m == nil {
		writeError(w, dialectOpenAI, unknownModel(dialectOpenAI, id))
		return
	}
	b, err := json.Marshal(m.openai())
	if err != nil {
		writeError(w, dialectOpenAI, apiError{status: http.StatusInternalServerError, message: err.Error(), typ: "server_error"})
		return
	}
	writeJSON(w, jsonContentType, append(b, '\n'))
}

// writeJSON answers 200 with a complete JSON body.
func writeJSON(w http.ResponseWriter, contentType []string, b []byte) {
	hdr := w.Header()
	hdr["Content-Type"] = contentType
	hdr["Content-Length"] = []string{strconv.Itoa(len(b))}
	_, _ = w.Write(b)
}
