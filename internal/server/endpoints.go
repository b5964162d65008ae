package server

import (
	"net/http"

	"github.com/warden-gw/warden/internal/call"
)

// kind says how an endpoint's call is forwarded and, when needed, translated.
type kind uint8

const (
	kOpenAI           kind = iota // any /v1 model call: passed through
	kOllamaChat                   // /api/chat
	kOllamaGenerate               // /api/generate
	kOllamaEmbed                  // /api/embed
	kOllamaEmbeddings             // /api/embeddings (legacy)
	kOllamaShow                   // /api/show
)

type endpoint struct {
	method        string
	path          string
	dialect       call.Dialect
	kind          kind
	streamDefault bool // Ollama streams unless told not to
}

// modelEndpoints are the calls that name a model and go through the whole pipeline.
var modelEndpoints = []endpoint{
	{http.MethodPost, "/v1/chat/completions", call.OpenAI, kOpenAI, false},
	{http.MethodPost, "/v1/completions", call.OpenAI, kOpenAI, false},
	{http.MethodPost, "/v1/embeddings", call.OpenAI, kOpenAI, false},
	{http.MethodPost, "/api/chat", call.Ollama, kOllamaChat, true},
	{http.MethodPost, "/api/generate", call.Ollama, kOllamaGenerate, true},
	{http.MethodPost, "/api/embed", call.Ollama, kOllamaEmbed, false},
	{http.MethodPost, "/api/embeddings", call.Ollama, kOllamaEmbeddings, false},
	{http.MethodPost, "/api/show", call.Ollama, kOllamaShow, false},
}

// manageEndpoints are Ollama's model-management calls: admins only, Ollama backends only.
var manageEndpoints = []endpoint{
	{http.MethodPost, "/api/pull", call.Ollama, kOpenAI, true},
	{http.MethodPost, "/api/push", call.Ollama, kOpenAI, true},
	{http.MethodPost, "/api/create", call.Ollama, kOpenAI, true},
	{http.MethodPost, "/api/copy", call.Ollama, kOpenAI, false},
	{http.MethodDelete, "/api/delete", call.Ollama, kOpenAI, false},
}

// generates reports whether the endpoint's calls produce completion tokens (not embeddings, not show).
func (e endpoint) generates() bool {
	switch e.kind {
	case kOllamaChat, kOllamaGenerate:
		return true
	case kOpenAI:
		return e.path == "/v1/chat/completions" || e.path == "/v1/completions"
	}
	return false
}
