package fakellm

import (
	"net/http"
	"strconv"
	"strings"
)

// dialect is the wire format a path speaks, which decides the error shape.
type dialect int

const (
	dialectOllama dialect = iota // {"error":"..."}
	dialectOpenAI                // {"error":{"message","type","param","code"}}
)

func dialectOf(path string) dialect {
	if strings.HasPrefix(path, "/v1/") || path == "/v1" {
		return dialectOpenAI
	}
	return dialectOllama
}

// apiError is one error answer. Ollama shows only message; OpenAI shows all
// fields, with empty param and code written as null.
type apiError struct {
	status  int
	message string
	typ     string // OpenAI "type"; default "invalid_request_error"
	param   string
	code    string
}

// Header values assigned directly into response headers, saving an
// allocation per response. They are read-only: nothing appends to or
// modifies them.
var (
	jsonContentType   = []string{"application/json"}
	ollamaJSONType    = []string{"application/json; charset=utf-8"}
	sseContentType    = []string{"text/event-stream"}
	ndjsonContentType = []string{"application/x-ndjson"}
	noCacheValue      = []string{"no-cache"}
	plainTextType     = []string{"text/plain; charset=utf-8"}
)

// writeError answers e in dialect d.
func writeError(w http.ResponseWriter, d dialect, e apiError) {
	b := make([]byte, 0, 128+len(e.message))
	if d == dialectOpenAI {
		typ := e.typ
		if typ == "" {
			typ = "invalid_request_error"
		}
		b = append(b, `{"error":{"message":`...)
		b = appendJSONString(b, e.message)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, typ)
		b = append(b, `,"param":`...)
		b = appendNullableString(b, e.param)
		b = append(b, `,"code":`...)
		b = appendNullableString(b, e.code)
		b = append(b, "}}\n"...)
		w.Header()["Content-Type"] = jsonContentType
	} else {
		b = append(b, `{"error":`...)
		b = appendJSONString(b, e.message)
		b = append(b, "}"...)
		w.Header()["Content-Type"] = ollamaJSONType
	}
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// badRequest is the answer for a body that is not the expected JSON.
func badRequest(d dialect, err error) apiError {
	if d == dialectOllama {
		return apiError{status: http.StatusBadRequest, message: err.Error()}
	}
	return apiError{
		status:  http.StatusBadRequest,
		message: "We could not parse the JSON body of your request: " + err.Error(),
	}
}

// missingBody is Ollama's answer to an empty body; OpenAI treats it as bad JSON.
func missingBody(d dialect) apiError {
	if d == dialectOllama {
		return apiError{status: http.StatusBadRequest, message: "missing request body"}
	}
	return apiError{
		status:  http.StatusBadRequest,
		message: "We could not parse the JSON body of your request: the body is empty",
	}
}

// missingModel is the answer when the request names no model.
func missingModel(d dialect) apiError {
	if d == dialectOllama {
		return apiError{status: http.StatusBadRequest, message: "model is required"}
	}
	return apiError{
		status:  http.StatusBadRequest,
		message: "you must provide a model parameter",
		param:   "model",
	}
}

// unknownModel is the 404 for a model the fake does not serve.
func unknownModel(d dialect, model string) apiError {
	if d == dialectOllama {
		return apiError{
			status:  http.StatusNotFound,
			message: "model " + strconv.Quote(model) + " not found, try pulling it first",
		}
	}
	return apiError{
		status:  http.StatusNotFound,
		message: "The model `" + model + "` does not exist",
		param:   "model",
		code:    "model_not_found",
	}
}

// unauthorized is the 401 for a missing or wrong API key.
func unauthorized(d dialect) apiError {
	if d == dialectOllama {
		return apiError{status: http.StatusUnauthorized, message: "unauthorized"}
	}
	return apiError{
		status:  http.StatusUnauthorized,
		message: "Incorrect API key provided.",
		code:    "invalid_api_key",
	}
}

// notFound is the answer for a path the fake does not serve.
func notFound(d dialect, method, path string) apiError {
	if d == dialectOllama {
		return apiError{status: http.StatusNotFound, message: "404 page not found"}
	}
	return apiError{
		status:  http.StatusNotFound,
		message: "Invalid URL (" + method + " " + path + ")",
	}
}

// injected is the answer for a failure set up with Fail, shaped like the
// real server's answer for that status.
func injected(d dialect, status int, name string) apiError {
	msg := "fakellm: injected failure: " + strconv.Itoa(status) + " " + http.StatusText(status)
	if name != "" {
		msg = "fakellm " + name + ": injected failure: " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	e := apiError{status: status, message: msg}
	if d == dialectOpenAI {
		switch {
		case status == http.StatusUnauthorized:
			e.code = "invalid_api_key"
		case status == http.StatusTooManyRequests:
			e.typ, e.code = "rate_limit_error", "rate_limit_exceeded"
		case status >= 500:
			e.typ = "server_error"
		}
	}
	return e
}

// unavailable is the 503 every request gets while the fake is unhealthy.
func unavailable(d dialect) apiError {
	e := apiError{status: http.StatusServiceUnavailable, message: "fakellm: server unavailable"}
	if d == dialectOpenAI {
		e.typ = "server_error"
	}
	return e
}

// tooLarge is the 413 for a body over the size cap.
func tooLarge() apiError {
	return apiError{status: http.StatusRequestEntityTooLarge, message: "request body too large"}
}
