package server

import (
	"net/http"

	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/policy"
)

// recordingMux is a ServeMux that remembers its patterns, so tests can check that every endpoint
// is covered by the authorization table.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *recordingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

func (m *recordingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// Routes returns every registered route pattern, such as "POST /v1/chat/completions".
func (s *Server) Routes() []string { return append([]string(nil), s.patterns...) }

// routes registers every endpoint. Unknown paths answer 404 in the dialect of their prefix.
func (s *Server) routes() http.Handler {
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	defer func() { s.patterns = mux.patterns }()
	known := map[string]bool{}
	for _, ep := range modelEndpoints {
		mux.HandleFunc(ep.method+" "+ep.path, s.authenticateCall(ep.dialect, s.modelCall(ep)))
		known[ep.path] = true
	}
	for _, ep := range manageEndpoints {
		mux.HandleFunc(ep.method+" "+ep.path, s.authenticate(call.Ollama, s.allow(call.Ollama, policy.ModelManage, s.manageCall(ep))))
		known[ep.path] = true
	}
	get := func(path string, d call.Dialect, h http.HandlerFunc) {
		mux.HandleFunc("GET "+path, s.authenticate(d, h))
		known[path] = true
	}
	get("/v1/models", call.OpenAI, s.listModelsOpenAI)
	mux.HandleFunc("GET /v1/models/{model...}", s.authenticate(call.OpenAI, s.retrieveModelOpenAI))
	get("/api/tags", call.Ollama, s.tags)
	get("/api/ps", call.Ollama, s.ps)
	get("/api/version", call.Ollama, s.version)

	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("Warden is running\n"))
	})
	if s.cfg.MetricsListen == "" {
		mux.Handle("GET /metrics", s.authenticate(call.OpenAI, s.allow(call.OpenAI, policy.MetricsRead, s.metrics.Handler().ServeHTTP)))
	}
	mux.HandleFunc("GET /admin/v1/review", s.authenticate(call.OpenAI, s.allow(call.OpenAI, policy.ReviewRead, s.accessReview)))
	s.admin.Register(mux, func(h http.HandlerFunc) http.HandlerFunc { return s.authenticate(call.OpenAI, h) })

	mux.HandleFunc("/v1/", unknownEndpoint(call.OpenAI, known))
	mux.HandleFunc("/api/", unknownEndpoint(call.Ollama, known))
	mux.HandleFunc("/", unknownEndpoint(call.OpenAI, known))
	return s.secure(mux)
}

func unknownEndpoint(d call.Dialect, known map[string]bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if known[r.URL.Path] {
			writeError(w, d, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
			return
		}
		writeError(w, d, http.StatusNotFound, "unknown_endpoint", "unknown endpoint "+r.URL.Path)
	}
}
