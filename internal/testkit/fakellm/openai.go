package fakellm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// openaiChatRequest is the part of POST /v1/chat/completions the fake reads.
type openaiChatRequest struct {
	Model               string          `json:"model"`
	Messages            []openaiMessage `json:"messages"`
	Stream              bool            `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
}

type openaiMessage struct {
	Content json.RawMessage `json:"content"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// openaiCompletionRequest is the part of POST /v1/completions the fake reads.
type openaiCompletionRequest struct {
	Model         string          `json:"model"`
	Prompt        json.RawMessage `json:"prompt"`
	Stream        bool            `json:"stream"`
	StreamOptions *streamOptions  `json:"stream_options"`
	MaxTokens     *int64          `json:"max_tokens"`
}

// tokenLimit picks max_completion_tokens over max_tokens; 0 means none.
func tokenLimit(limits ...*int64) int64 {
	for _, l := range limits {
		if l != nil && *l > 0 {
			return *l
		}
	}
	return 0
}

// contentWords counts the words of a message content: a string, an array of
// content parts, or null.
func contentWords(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		return countWords(s), nil
	case '[':
		var parts []struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(raw, &parts); err != nil {
			return 0, err
		}
		n := 0
		for _, p := range parts {
			n += countWords(p.Text)
		}
		return n, nil
	}
	return 0, errors.New("content must be a string or an array of content parts")
}

// promptWords counts the words of a completion prompt: a string, an array
// of strings, or token arrays (one word per token).
func promptWords(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return countWords(s), nil
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		n := 0
		for _, s := range ss {
			n += countWords(s)
		}
		return n, nil
	}
	var toks []int64
	if json.Unmarshal(raw, &toks) == nil {
		return len(toks), nil
	}
	var batches [][]int64
	if json.Unmarshal(raw, &batches) == nil {
		n := 0
		for _, t := range batches {
			n += len(t)
		}
		return n, nil
	}
	return 0, errors.New("prompt must be a string, an array of strings, or token arrays")
}

// decodeJSON parses body into v, writing the dialect's 400 on failure.
func decodeJSON(w http.ResponseWriter, d dialect, body []byte, v any) bool {
	if len(body) == 0 {
		writeError(w, d, missingBody(d))
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeError(w, d, badRequest(d, err))
		return false
	}
	return true
}

func (h *Handler) serveOpenAIChat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req openaiChatRequest
	if !decodeJSON(w, dialectOpenAI, body, &req) {
		return
	}
	m := h.resolveModel(w, dialectOpenAI, req.Model)
	if m == nil {
		return
	}
	words := 0
	for i, msg := range req.Messages {
		n, err := contentWords(msg.Content)
		if err != nil {
			writeError(w, dialectOpenAI, apiError{
				status:  http.StatusBadRequest,
				message: fmt.Sprintf("Invalid value for 'messages[%d].content': %v", i, err),
				param:   fmt.Sprintf("messages[%d].content", i),
			})
			return
		}
		words += n
	}
	a := h.newAnswer(m, promptTokens(words), tokenLimit(req.MaxCompletionTokens, req.MaxTokens))
	a.includeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	h.respond(w, r, a, openaiChatEncoder{a}, req.Stream, sseContentType, jsonContentType)
}

func (h *Handler) serveOpenAICompletion(w http.ResponseWriter, r *http.Request, body []byte) {
	var req openaiCompletionRequest
	if !decodeJSON(w, dialectOpenAI, body, &req) {
		return
	}
	m := h.resolveModel(w, dialectOpenAI, req.Model)
	if m == nil {
		return
	}
	words, err := promptWords(req.Prompt)
	if err != nil {
		writeError(w, dialectOpenAI, apiError{
			status: http.StatusBadRequest, message: "Invalid value for 'prompt': " + err.Error(), param: "prompt",
		})
		return
	}
	a := h.newAnswer(m, promptTokens(words), tokenLimit(req.MaxTokens))
	a.includeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	h.respond(w, r, a, openaiTextEncoder{a}, req.Stream, sseContentType, jsonContentType)
}

// appendOpenAIHead appends the fields every OpenAI answer object starts with.
func (a *answer) appendOpenAIHead(b []byte, idPrefix, object string) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, idPrefix...)
	b = appendInt(b, int64(a.id))
	b = append(b, `","object":"`...)
	b = append(b, object...)
	b = append(b, `","created":`...)
	b = appendInt(b, a.created.Unix())
	b = append(b, `,"model":`...)
	b = append(b, a.model.quoted...)
	b = append(b, `,"system_fingerprint":"`+fingerprint+`"`...)
	return b
}

// appendUsage appends the usage object.
func (a *answer) appendUsage(b []byte) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = appendInt(b, a.prompt)
	b = append(b, `,"completion_tokens":`...)
	b = appendInt(b, int64(a.n))
	b = append(b, `,"total_tokens":`...)
	b = appendInt(b, a.prompt+int64(a.n))
	return append(b, '}')
}

// appendSSEEnd closes a chunk object (with "usage":null when usage was
// asked for, as OpenAI does) and the SSE event.
func (a *answer) appendSSEEnd(b []byte) []byte {
	if a.includeUsage {
		b = append(b, `,"usage":null`...)
	}
	return append(b, "}\n\n"...)
}

// appendSSETail appends the usage chunk (if asked for) and [DONE].
func (a *answer) appendSSETail(b []byte, idPrefix, object string) []byte {
	if a.includeUsage {
		b = append(b, "data: "...)
		b = a.appendOpenAIHead(b, idPrefix, object)
		b = append(b, `,"choices":[],"usage":`...)
		b = a.appendUsage(b)
		b = append(b, "}\n\n"...)
	}
	return append(b, "data: [DONE]\n\n"...)
}

// openaiChatEncoder writes chat.completion and chat.completion.chunk objects.
type openaiChatEncoder struct{ a *answer }

const chatChunkObject = "chat.completion.chunk"

func (e openaiChatEncoder) chunkStart(b []byte) []byte {
	b = append(b, "data: "...)
	b = e.a.appendOpenAIHead(b, "chatcmpl-", chatChunkObject)
	return append(b, `,"choices":[{"index":0,"delta":`...)
}

func (e openaiChatEncoder) head(b []byte) []byte {
	b = e.chunkStart(b)
	b = append(b, `{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]`...)
	return e.a.appendSSEEnd(b)
}

func (e openaiChatEncoder) chunk(b []byte, i int) []byte {
	b = e.chunkStart(b)
	b = append(b, `{"content":"`...)
	b = append(b, e.a.h.escChunks[i]...)
	b = append(b, `"},"logprobs":null,"finish_reason":null}]`...)
	return e.a.appendSSEEnd(b)
}

func (e openaiChatEncoder) tail(b []byte) []byte {
	b = e.chunkStart(b)
	b = append(b, `{},"logprobs":null,"finish_reason":"`...)
	b = append(b, e.a.finish...)
	b = append(b, `"}]`...)
	b = e.a.appendSSEEnd(b)
	return e.a.appendSSETail(b, "chatcmpl-", chatChunkObject)
}

func (e openaiChatEncoder) whole(b []byte) []byte {
	b = e.a.appendOpenAIHead(b, "chatcmpl-", "chat.completion")
	b = append(b, `,"choices":[{"index":0,"message":{"role":"assistant","content":"`...)
	b = e.a.appendText(b)
	b = append(b, `","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"`...)
	b = append(b, e.a.finish...)
	b = append(b, `"}],"usage":`...)
	b = e.a.appendUsage(b)
	return append(b, "}\n"...)
}

// openaiTextEncoder writes text_completion objects.
type openaiTextEncoder struct{ a *answer }

func (e openaiTextEncoder) chunkStart(b []byte) []byte {
	b = append(b, "data: "...)
	b = e.a.appendOpenAIHead(b, "cmpl-", "text_completion")
	return append(b, `,"choices":[{"text":"`...)
}

func (e openaiTextEncoder) head(b []byte) []byte { return b }

func (e openaiTextEncoder) chunk(b []byte, i int) []byte {
	b = e.chunkStart(b)
	b = append(b, e.a.h.escChunks[i]...)
	b = append(b, `","index":0,"logprobs":null,"finish_reason":null}]`...)
	return e.a.appendSSEEnd(b)
}

func (e openaiTextEncoder) tail(b []byte) []byte {
	b = e.chunkStart(b)
	b = append(b, `","index":0,"logprobs":null,"finish_reason":"`...)
	b = append(b, e.a.finish...)
	b = append(b, `"}]`...)
	b = e.a.appendSSEEnd(b)
	return e.a.appendSSETail(b, "cmpl-", "text_completion")
}

func (e openaiTextEncoder) whole(b []byte) []byte {
	b = e.a.appendOpenAIHead(b, "cmpl-", "text_completion")
	b = append(b, `,"choices":[{"text":"`...)
	b = e.a.appendText(b)
	b = append(b, `","index":0,"logprobs":null,"finish_reason":"`...)
	b = append(b, e.a.finish...)
	b = append(b, `"}],"usage":`...)
	b = e.a.appendUsage(b)
	return append(b, "}\n"...)
}
