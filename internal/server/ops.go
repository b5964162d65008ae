package server

import (
	"context"
	"net/http"
	"time"
)

// healthz answers 200 while the process runs. No detail.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 when the store answers and at least one backend is healthy, else 503.
// It says which of the two failed, nothing more.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	if !s.limitsReady(ctx) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("limits unavailable\n"))
		return
	}
	if !s.router.AnyHealthy() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("no healthy backend\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// metricsOnly is the handler of the separate metrics listener.
func (s *Server) metricsOnly() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /healthz", healthz)
	return mux
}
