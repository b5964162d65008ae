package server

import (
	"net/http"

	"github.com/warden-gw/warden/internal/api/ollama"
	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/call"
)

// writeError answers in the caller's dialect: OpenAI-shaped for /v1 and the admin API,
// Ollama-shaped for /api.
func writeError(w http.ResponseWriter, d call.Dialect, status int, code, msg string) {
	if d == call.Ollama {
		ollama.WriteError(w, status, msg)
		return
	}
	openai.WriteError(w, status, code, msg)
}
