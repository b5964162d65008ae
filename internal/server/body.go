package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody keeps unusually large buffers out of the pool.
const maxPooledBody = 1 << 20

var errTooLarge = errors.New("request body too large")

// readBody reads the whole request body, at most the configured limit.
// The returned release gives the buffer back; the body must not be used after it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, func(), error) {
	limit := int64(s.cfg.MaxRequestBytes)
	if r.ContentLength > limit {
		return nil, func() {}, errTooLarge
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	release := func() {
		if buf.Cap() <= maxPooledBody {
			bodyPool.Put(buf)
		}
	}
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		release()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, func() {}, errTooLarge
		}
		return nil, func() {}, fmt.Errorf("could not read the request body: %w", err)
	}
	return buf.Bytes(), release, nil
}

// bodyFailure is the answer to a body readBody could not read.
func (s *Server) bodyFailure(err error) (status int, code, msg string) {
	if errors.Is(err, errTooLarge) {
		return http.StatusRequestEntityTooLarge, "request_too_large",
			fmt.Sprintf("request body is larger than the %d-byte limit (max_request_bytes)", int64(s.cfg.MaxRequestBytes))
	}
	return http.StatusBadRequest, "invalid_request", err.Error()
}
