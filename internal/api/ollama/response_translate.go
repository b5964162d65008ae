package ollama

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// The *FromOpenAI functions translate a successful (2xx) OpenAI response
// into Ollama's. Their errors mean the backend's answer was unusable; the
// caller should answer 502 with the error text.

// ChatFromOpenAI translates a non-streaming chat.completion into an Ollama
// /api/chat response with done:true, done_reason, prompt_eval_count and
// eval_count. Durations are left out: only the caller knows them.
func ChatFromOpenAI(resp []byte, clientModel string) ([]byte, error) {
	return completionFromOpenAI(StreamChat, resp, clientModel)
}

// GenerateFromOpenAI is ChatFromOpenAI for an /api/generate response.
func GenerateFromOpenAI(resp []byte, clientModel string) ([]byte, error) {
	return completionFromOpenAI(StreamGenerate, resp, clientModel)
}

func completionFromOpenAI(kind StreamKind, resp []byte, clientModel string) ([]byte, error) {
	c, err := readChunk(resp)
	switch {
	case err != nil:
		return nil, fmt.Errorf("invalid upstream response: %w", err)
	case c.errMsg != "":
		return nil, fmt.Errorf("upstream error: %s", c.errMsg)
	case !c.hasChoice:
		return nil, errors.New("upstream response has no choices")
	}
	f := frame{content: c.content, thinking: c.thinking, done: true, reason: doneReason(c.finish), usage: c.usage}
	if c.toolCalls != nil {
		var calls toolCalls
		if err := calls.add(c.toolCalls); err != nil {
			return nil, fmt.Errorf("invalid upstream tool call: %w", err)
		}
		if len(calls.calls) > 0 {
			if f.toolCalls, err = calls.appendJSON(nil); err != nil {
				return nil, err
			}
		}
	}
	return appendFrame(nil, kind, jsonscan.AppendString(nil, clientModel), time.Now(), &f), nil
}

// embeddings reads the data[].embedding arrays of an OpenAI embedding list,
// ordered by index, and usage.prompt_tokens.
func embeddings(resp []byte) ([][]byte, int, error) {
	var v [2][]byte
	if err := jsonscan.Extract(resp, []string{"data", "usage"}, v[:]); err != nil {
		return nil, 0, fmt.Errorf("invalid upstream response: %w", err)
	}
	if v[0] == nil || v[0][0] != '[' {
		return nil, 0, errors.New("upstream response has no embedding data")
	}
	type item struct {
		index int
		vec   []byte
	}
	var items []item
	var bad error
	err := jsonscan.Each(v[0], func(e []byte) bool {
		var f [2][]byte
		if e[0] != '{' || jsonscan.Extract(e, []string{"embedding", "index"}, f[:]) != nil || f[0] == nil {
			bad = errors.New("upstream embedding item has no embedding")
			return false
		}
		if f[0][0] != '[' {
			bad = errors.New("upstream embedding is not an array of numbers")
			return false
		}
		if err := numbersOnly(f[0]); err != nil {
			bad = err
			return false
		}
		idx := len(items)
		if f[1] != nil {
			n, err := strconv.Atoi(string(f[1]))
			if err != nil {
				bad = errors.New("upstream embedding index is not an integer")
				return false
			}
			idx = n
		}
		items = append(items, item{idx, f[0]})
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, 0, err
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.index - b.index })
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i] = it.vec
	}
	prompt := 0
	if u := v[1]; u != nil && u[0] == '{' {
		var p [1][]byte
		if jsonscan.Extract(u, []string{"prompt_tokens"}, p[:]) == nil {
			prompt = count(p[0])
		}
	}
	return out, prompt, nil
}

func numbersOnly(arr []byte) error {
	var bad bool
	err := jsonscan.Each(arr, func(e []byte) bool {
		bad = e[0] != '-' && (e[0] < '0' || e[0] > '9')
		return !bad
	})
	if err == nil && bad {
		err = errors.New("upstream embedding is not an array of numbers")
	}
	return err
}

// EmbedFromOpenAI translates an OpenAI embedding list into an Ollama
// /api/embed response {"model","embeddings":[[...]],"prompt_eval_count"}.
// Vectors are copied as they are (Ollama itself L2-normalises; most
// OpenAI-compatible embedding servers already do).
func EmbedFromOpenAI(resp []byte, clientModel string) ([]byte, error) {
	vecs, prompt, err := embeddings(resp)
	if err != nil {
		return nil, err
	}
	out := append([]byte(`{"model":`), jsonscan.AppendString(nil, clientModel)...)
	out = append(out, `,"embeddings":[`...)
	for i, v := range vecs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, v...)
	}
	out = append(out, ']')
	out = appendMetric(out, `,"prompt_eval_count":`, int64(prompt))
	return append(out, "}\n"...), nil
}

// EmbeddingsFromOpenAI translates an OpenAI embedding list into a legacy
// Ollama /api/embeddings response {"embedding":[...]}.
func EmbeddingsFromOpenAI(resp []byte) ([]byte, error) {
	vecs, _, err := embeddings(resp)
	if err != nil {
		return nil, err
	}
	if len(vecs) == 0 {
		return nil, errors.New("upstream response has no embedding data")
	}
	out := append([]byte(`{"embedding":`), vecs[0]...)
	return append(out, "}\n"...), nil
}

// ErrorFromOpenAI extracts a message for the caller from an OpenAI-style
// error body: {"error":{"message":...}}, {"error":"..."}, vLLM's
// {"object":"error","message":...} or FastAPI's {"detail":...}. It falls
// back to the HTTP status text. Messages are cut at 1 KiB.
func ErrorFromOpenAI(status int, body []byte) string {
	var v [3][]byte
	if jsonscan.Extract(body, []string{"error", "message", "detail"}, v[:]) == nil {
		if msg := errorText(v[0]); msg != "" {
			return msg
		}
		if msg := clip(stringValue(v[1])); msg != "" {
			return msg
		}
		if msg := detailText(v[2]); msg != "" {
			return msg
		}
	}
	if text := http.StatusText(status); text != "" {
		return text
	}
	return fmt.Sprintf("upstream error (HTTP %d)", status)
}

// detailText reads FastAPI's "detail": a string, or a list of {"msg":...}.
func detailText(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		return clip(stringValue(raw))
	}
	var msg string
	if raw[0] == '[' {
		_ = jsonscan.Each(raw, func(e []byte) bool {
			var m [1][]byte
			if e[0] == '{' && jsonscan.Extract(e, []string{"msg"}, m[:]) == nil {
				msg = clip(stringValue(m[0]))
			}
			return msg == ""
		})
	}
	return msg
}
