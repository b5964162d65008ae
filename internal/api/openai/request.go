// Package openai reads and writes the OpenAI-compatible wire format (/v1): request fields, errors and SSE streams.
package openai

import (
	"bytes"
	"errors"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// Request holds the few fields of an OpenAI-format request body that the
// gateway needs; the body itself is passed through untouched.
type Request struct {
	Model        string
	Stream       bool
	IncludeUsage bool // stream_options.include_usage
	// OutputLimits holds the raw values of max_completion_tokens, max_tokens, max_output_tokens
	// and n, in that order (nil when absent), read in the same pass for the limits' estimate;
	// they are slices of the body and are not validated here.
	OutputLimits [4][]byte
}

// ParseError explains why a request body was refused. Its message is meant
// for the caller and never quotes the body beyond the offending field name.
type ParseError struct {
	Param string // the top-level field at fault, "" for malformed JSON
	Msg   string
	Err   error // the *jsonscan.SyntaxError or *jsonscan.DuplicateKeyError, if any
}

func (e *ParseError) Error() string { return e.Msg }
func (e *ParseError) Unwrap() error { return e.Err }

// ParseRequest validates that body is one well-formed JSON object and reads
// model, stream and stream_options.include_usage without decoding the rest.
// "model" must be a non-empty string, "stream" a boolean (or null), and
// "stream_options" an object (or null). Keys given twice are refused so
// that Warden and the backend cannot read different values.
func ParseRequest(body []byte) (Request, error) {
	var req Request
	if len(bytes.TrimSpace(body)) == 0 {
		return req, &ParseError{Msg: "request body is empty"}
	}
	var vals [3 + len(Request{}.OutputLimits)][]byte
	if err := jsonscan.Extract(body, requestKeys, vals[:]); err != nil {
		return req, jsonError(err)
	}
	model, stream, opts := vals[0], vals[1], vals[2]
	copy(req.OutputLimits[:], vals[3:])
	switch {
	case model == nil || isNull(model):
		return req, &ParseError{Param: "model", Msg: "model is required"}
	case model[0] != '"':
		return req, &ParseError{Param: "model", Msg: "model must be a string"}
	}
	name, err := jsonscan.Unquote(model)
	if err != nil {
		return req, &ParseError{Param: "model", Msg: "model must be a string"}
	}
	if name == "" {
		return req, &ParseError{Param: "model", Msg: "model is required"}
	}
	req.Model = name
	if req.Stream, err = optionalBool(stream); err != nil {
		return req, &ParseError{Param: "stream", Msg: "stream must be a boolean"}
	}
	if opts != nil && !isNull(opts) {
		if opts[0] != '{' {
			return req, &ParseError{Param: "stream_options", Msg: "stream_options must be an object"}
		}
		var inc [1][]byte
		if err := jsonscan.Extract(opts, []string{"include_usage"}, inc[:]); err != nil {
			// The body is already known to be valid, so this is a duplicate key.
			return req, &ParseError{Param: "stream_options", Msg: `duplicate key "include_usage" in stream_options`, Err: err}
		}
		if req.IncludeUsage, err = optionalBool(inc[0]); err != nil {
			return req, &ParseError{Param: "stream_options", Msg: "stream_options.include_usage must be a boolean"}
		}
	}
	return req, nil
}

// OutputLimitKeys are the top-level fields that bound a request's output, in the order of
// Request.OutputLimits.
var OutputLimitKeys = []string{"max_completion_tokens", "max_tokens", "max_output_tokens", "n"}

// requestKeys are the top-level fields ParseRequest reads.
var requestKeys = append([]string{"model", "stream", "stream_options"}, OutputLimitKeys...)

func jsonError(err error) error {
	var dup *jsonscan.DuplicateKeyError
	if errors.As(err, &dup) {
		return &ParseError{Param: dup.Key, Msg: err.Error(), Err: err}
	}
	return &ParseError{Msg: err.Error(), Err: err}
}

func isNull(raw []byte) bool { return string(raw) == "null" }

var errNotBool = errors.New("not a boolean")

// optionalBool reads a JSON boolean; absent or null is false.
func optionalBool(raw []byte) (bool, error) {
	switch string(raw) {
	case "", "null", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errNotBool
}
