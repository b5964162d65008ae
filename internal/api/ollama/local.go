package ollama

import "net/http"

// LocalAnswer is returned as the error of a *ToOpenAI function when Ollama
// would answer the request itself without running the model: a chat with no
// messages or a generate with no prompt (Ollama only loads, or with
// keep_alive 0 unloads, the model) and an embed request with no input. The
// caller should send Body with status 200 and not call the backend.
type LocalAnswer struct {
	Body []byte // a complete JSON response, newline-terminated
}

func (a *LocalAnswer) Error() string { return "request is answered without calling the model" }

// Write sends the answer as Ollama does.
func (a *LocalAnswer) Write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Body)
}

func badRequest(msg string) error { return &ParseError{Msg: msg} }
