package ollama

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzOllamaParseRequest checks ParseRequest against encoding/json, which
// is how Ollama itself reads the body.
func FuzzOllamaParseRequest(f *testing.F) {
	f.Add([]byte(`{"model":"llama3","stream":false,"messages":[]}`), true)
	f.Add([]byte(`{"name":"old","model":""}`), false)
	f.Add([]byte(`{"Model":"x","STREAM":null}`), true)
	f.Fuzz(func(t *testing.T, body []byte, streamDefault bool) {
		req, err := ParseRequest(body, streamDefault)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("error %v is not a *ParseError with a message", err)
			}
			return
		}
		var v struct {
			Model  string `json:"model"`
			Name   string `json:"name"`
			Stream *bool  `json:"stream"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("accepted %q that encoding/json rejects: %v", body, err)
		}
		if want := cmp.Or(v.Model, v.Name); req.Model == "" || req.Model != want {
			t.Fatalf("model %q, Ollama would read %q", req.Model, want)
		}
		if want := streamDefault; v.Stream != nil {
			if want = *v.Stream; req.Stream != want {
				t.Fatalf("stream %v, Ollama would read %v", req.Stream, want)
			}
		} else if req.Stream != streamDefault {
			t.Fatalf("stream %v without a stream field", req.Stream)
		}
	})
}

// FuzzNDJSONReader checks that lines come out the same however the input is
// split, trimmed, non-empty and within the limit.
func FuzzNDJSONReader(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\n{\"b\":2}\r\n"))
	f.Add([]byte(" \t\r\n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 32
		whole, werr := ndLines(NewNDJSONReaderSize(bytes.NewReader(in), max))
		split, serr := ndLines(NewNDJSONReaderSize(iotest.OneByteReader(bytes.NewReader(in)), max))
		if (werr == io.EOF) != (serr == io.EOF) || len(whole) != len(split) {
			t.Fatalf("whole %q %v, split %q %v", whole, werr, split, serr)
		}
		for i, l := range whole {
			if l != split[i] {
				t.Fatalf("line %d: %q vs %q", i, l, split[i])
			}
			if l == "" || len(l) > max+1 || strings.ContainsRune(l, '\n') || strings.TrimSpace(l) != l && strings.Trim(l, " \t\r\n") != l {
				t.Fatalf("bad line %q", l)
			}
		}
	})
}

func ndLines(r *NDJSONReader) ([]string, error) {
	var out []string
	for {
		l, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, string(l))
	}
}

// FuzzChatToOpenAI checks that any accepted chat request becomes a valid
// OpenAI request for the upstream model with the same messages.
func FuzzChatToOpenAI(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"temperature":0.1,"stop":["x"]},"format":"json"}`))
	f.Add([]byte(`{"model":"m","stream":false,"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},{"role":"tool","tool_name":"f","content":"1"}]}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","images":["iVBORw0KGgoAAAANSUhEUg=="]}],"tools":[],"format":{"type":"object"}}`))
	f.Add([]byte(`{"model":"m","messages":[],"keep_alive":0}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := ChatToOpenAI(body, "upstream")
		var la *LocalAnswer
		var pe *ParseError
		switch {
		case errors.As(err, &la):
			if !json.Valid(la.Body) {
				t.Fatalf("local answer is not JSON: %q", la.Body)
			}
			return
		case errors.As(err, &pe):
			return
		case err != nil:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		var got struct {
			Model    string            `json:"model"`
			Stream   *bool             `json:"stream"`
			Messages []json.RawMessage `json:"messages"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		var in struct {
			Messages []json.RawMessage `json:"messages"`
		}
		_ = json.Unmarshal(body, &in)
		if got.Model != "upstream" || got.Stream == nil || len(got.Messages) != len(in.Messages) {
			t.Fatalf("output %s for input %s", out, body)
		}
	})
}

// FuzzTranslateStream checks that any upstream stream yields only JSON
// lines, ending in a done line on success and an error line on failure.
func FuzzTranslateStream(f *testing.F) {
	f.Add([]byte(sse(delta("a"), finishStop, usageChunk, "[DONE]")), false)
	f.Add([]byte(sse(`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`, "[DONE]")), true)
	f.Add([]byte("data: {\"error\":\"x\"}\n\n"), false)
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\r\n\r\ndata: {\"choi"), true)
	f.Fuzz(func(t *testing.T, stream []byte, generate bool) {
		kind := StreamChat
		if generate {
			kind = StreamGenerate
		}
		var out bytes.Buffer
		u, err := TranslateStream(kind, "m", bytes.NewReader(stream), &out, nil)
		text := out.String()
		if !strings.HasSuffix(text, "\n") {
			t.Fatalf("output does not end in a newline: %q", text)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		content := 0
		for i, l := range lines {
			var m map[string]any
			if jerr := json.Unmarshal([]byte(l), &m); jerr != nil {
				t.Fatalf("line %d %q is not JSON: %v", i, l, jerr)
			}
			last := i == len(lines)-1
			if _, isErr := m["error"]; isErr != (last && err != nil) {
				t.Fatalf("error line %d of %d with err=%v: %q", i, len(lines), err, l)
			}
			if done, _ := m["done"].(bool); done != (last && err == nil) {
				t.Fatalf("done line %d of %d with err=%v: %q", i, len(lines), err, l)
			}
			if !last {
				content++
			}
		}
		if u.Estimated && u.CompletionTokens > content {
			t.Fatalf("estimated %d tokens from %d lines", u.CompletionTokens, content)
		}
	})
}
