package fakellm

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// Server is a fake listening on a free port of 127.0.0.1. The Handler's
// controls and counters are available on it directly.
type Server struct {
	*Handler
	// URL is the base URL, "http://127.0.0.1:PORT", without trailing slash.
	URL string

	srv    *http.Server
	served chan struct{} // closed when Serve returns
}

// Start builds the fake from opts and serves it on 127.0.0.1 at a free port.
func Start(opts Options) (*Server, error) {
	h, err := NewHandler(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Handler: h,
		URL:     "http://" + ln.Addr().String(),
		srv:     &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		served:  make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// StartTB starts a fake for a test or benchmark and closes it in tb.Cleanup.
func StartTB(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := Start(opts)
	if err != nil {
		tb.Fatalf("fakellm: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Addr is the listening host:port.
func (s *Server) Addr() string { return s.URL[len("http://"):] }

// Close stops the server: streams in progress end at once (without counting
// as canceled), then it waits up to five seconds for handlers to return.
// It is safe to call more than once.
func (s *Server) Close() {
	s.shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = s.srv.Close()
	}
	<-s.served
}
