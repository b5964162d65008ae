package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// FuzzOpenAIParseRequest checks ParseRequest against encoding/json: whatever
// it accepts, a Go backend reads with the same model and stream values.
func FuzzOpenAIParseRequest(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte(`{"MODEL":"m","stream":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(body)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("error %v is not a *ParseError with a message", err)
			}
			return
		}
		var v struct {
			Model         string `json:"model"`
			Stream        *bool  `json:"stream"`
			StreamOptions *struct {
				IncludeUsage *bool `json:"include_usage"`
			} `json:"stream_options"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("accepted %q that encoding/json rejects: %v", body, err)
		}
		if req.Model == "" || req.Model != v.Model {
			t.Fatalf("model %q, encoding/json %q", req.Model, v.Model)
		}
		if req.Stream != (v.Stream != nil && *v.Stream) {
			t.Fatalf("stream %v, encoding/json %v", req.Stream, v.Stream)
		}
		inc := v.StreamOptions != nil && v.StreamOptions.IncludeUsage != nil && *v.StreamOptions.IncludeUsage
		if req.IncludeUsage != inc {
			t.Fatalf("include_usage %v, encoding/json %v", req.IncludeUsage, inc)
		}
	})
}

// FuzzSSEReader checks that an SSE stream yields the same events however it
// is split into reads, and that no event exceeds the limit.
func FuzzSSEReader(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\ndata: [DONE]\n\n"))
	f.Add([]byte(": ping\r\ndata: a\r\ndata: b\r\n\r\n"))
	f.Add([]byte("data: x\rdata\r\r\xef\xbb\xbf"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		const max = 64
		whole, werr := collect(NewSSEReaderSize(bytes.NewReader(stream), max))
		split, serr := collect(NewSSEReaderSize(iotest.OneByteReader(bytes.NewReader(stream)), max))
		if (werr == io.EOF) != (serr == io.EOF) {
			t.Fatalf("errors differ: %v vs %v", werr, serr)
		}
		if len(whole) != len(split) {
			t.Fatalf("%d events vs %d", len(whole), len(split))
		}
		for i := range whole {
			if whole[i] != split[i] {
				t.Fatalf("event %d: %q vs %q", i, whole[i], split[i])
			}
			if len(whole[i]) > max {
				t.Fatalf("event of %d bytes over limit %d", len(whole[i]), max)
			}
		}
	})
}

func collect(r *SSEReader) ([]string, error) {
	var out []string
	for {
		d, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, string(d))
	}
}
