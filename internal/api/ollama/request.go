// Package ollama reads and writes Ollama's native wire format (/api): requests, errors, NDJSON streams, and translation to and from OpenAI-compatible backends.
package ollama

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// Request holds the few fields of an Ollama-format request body that the
// gateway needs; the body itself is passed through untouched.
type Request struct {
	Model  string
	Stream bool
}

// ParseError explains why a request body was refused.
type ParseError struct {
	Field string // the top-level field at fault, "" for malformed JSON
	Msg   string
	Err   error // the *jsonscan.SyntaxError or *jsonscan.DuplicateKeyError, if any
}

func (e *ParseError) Error() string { return e.Msg }
func (e *ParseError) Unwrap() error { return e.Err }

// ParseRequest validates that body is one well-formed JSON object and reads
// the model ("model", or the legacy "name" when "model" is absent or empty,
// as Ollama does for show, pull, push, create and delete) and "stream".
// streamDefault is the value when "stream" is absent or null: true for
// chat, generate, pull, push and create; false elsewhere. Keys given twice
// are refused so that Warden and the backend cannot read different values.
// To rewrite the model for the backend, set "model" (Ollama prefers it over
// "name").
func ParseRequest(body []byte, streamDefault bool) (Request, error) {
	req := Request{Stream: streamDefault}
	if len(bytes.TrimSpace(body)) == 0 {
		return req, &ParseError{Msg: "missing request body"}
	}
	var vals [3][]byte
	if err := jsonscan.Extract(body, []string{"model", "name", "stream"}, vals[:]); err != nil {
		var dup *jsonscan.DuplicateKeyError
		if errors.As(err, &dup) {
			return req, &ParseError{Field: dup.Key, Msg: err.Error(), Err: err}
		}
		return req, &ParseError{Msg: err.Error(), Err: err}
	}
	model, err := optionalString(vals[0])
	if err != nil {
		return req, &ParseError{Field: "model", Msg: "model must be a string"}
	}
	if model == "" {
		if model, err = optionalString(vals[1]); err != nil {
			return req, &ParseError{Field: "name", Msg: "name must be a string"}
		}
	}
	if model == "" {
		return req, &ParseError{Field: "model", Msg: "model is required"}
	}
	req.Model = model
	switch string(vals[2]) {
	case "", "null":
	case "true":
		req.Stream = true
	case "false":
		req.Stream = false
	default:
		return req, &ParseError{Field: "stream", Msg: "stream must be a boolean"}
	}
	return req, nil
}

var errNotString = errors.New("not a string")

// optionalString decodes a JSON string; absent or null is "".
func optionalString(raw []byte) (string, error) {
	if raw == nil || string(raw) == "null" {
		return "", nil
	}
	if raw[0] != '"' {
		return "", errNotString
	}
	return jsonscan.Unquote(raw)
}

// AppendError appends Ollama's error body {"error":"..."} and a newline.
func AppendError(dst []byte, message string) []byte {
	dst = append(dst, `{"error":`...)
	dst = jsonscan.AppendString(dst, message)
	return append(dst, "}\n"...)
}

// WriteError answers with an Ollama-shaped error, {"error":"..."}.
func WriteError(w http.ResponseWriter, status int, message string) {
	body := AppendError(make([]byte, 0, 16+len(message)), message)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
