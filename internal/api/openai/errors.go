package openai

import (
	"net/http"
	"strconv"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// ErrorType returns the OpenAI error "type" for an HTTP status: the values
// OpenAI's API and its SDKs use (invalid_request_error, authentication_error,
// permission_error, rate_limit_error, server_error).
func ErrorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request_error"
	}
}

// AppendError appends the OpenAI error body
// {"error":{"message":...,"type":...,"param":null,"code":...}} to dst; an
// empty code is written as null.
func AppendError(dst []byte, status int, code, message string) []byte {
	dst = append(dst, `{"error":{"message":`...)
	dst = jsonscan.AppendString(dst, message)
	dst = append(dst, `,"type":"`...)
	dst = append(dst, ErrorType(status)...)
	dst = append(dst, `","param":null,"code":`...)
	if code == "" {
		dst = append(dst, "null"...)
	} else {
		dst = jsonscan.AppendString(dst, code)
	}
	return append(dst, "}}\n"...)
}

// WriteError answers with an OpenAI-shaped error. code is OpenAI's short
// machine-readable code (e.g. "model_not_found", "rate_limit_exceeded"), or
// "" for null.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	body := AppendError(make([]byte, 0, 96+len(message)+len(code)), status, code, message)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
