package fakellm

import (
	"crypto/subtle"
	"io"
	"net/http"
	"slices"
)

// RecordedRequest is a copy of one request as the fake received it.
type RecordedRequest struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

func (rr RecordedRequest) clone() RecordedRequest {
	rr.Header = rr.Header.Clone()
	rr.Body = slices.Clone(rr.Body)
	return rr
}

// Requests is the total number of requests received, on all paths,
// including failed and aborted ones.
func (h *Handler) Requests() int64 { return h.requests.Load() }

// InFlight is the number of model calls (chat, completion, generate,
// embeddings) being answered right now.
func (h *Handler) InFlight() int64 { return h.inFlight.Load() }

// MaxInFlight is the highest InFlight seen so far.
func (h *Handler) MaxInFlight() int64 { return h.maxInFlight.Load() }

// Canceled is the number of model calls whose client went away before the
// answer was complete: mid-stream for streamed calls, during the simulated
// generation time (Chunks*ChunkDelay) for non-streamed ones.
func (h *Handler) Canceled() int64 { return h.canceled.Load() }

// LastRequest is the most recent request on any path (health probes
// included). The zero value means none yet.
func (h *Handler) LastRequest() RecordedRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last.clone()
}

// LastCall is the most recent model call (chat, completion, generate,
// embeddings), unaffected by probes and listings.
func (h *Handler) LastCall() RecordedRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastCall.clone()
}

// Fail makes the next n model calls answer status with an error body in the
// path's dialect. Status outside 400..599 is taken as 500. n <= 0 cancels
// pending failures; a new call replaces the previous setting.
func (h *Handler) Fail(n int, status int) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failN = max(n, 0)
	h.failStatus = status
}

// FailConnections makes the next n requests, on any path, close the
// connection without answering. n <= 0 cancels. Note that HTTP clients may
// retry idempotent requests (GET) on a new connection by themselves.
func (h *Handler) FailConnections(n int) { h.failConns.Store(int64(max(n, 0))) }

// SetHealthy(false) makes every request, health probes included, answer
// 503; SetHealthy(true) restores normal service.
func (h *Handler) SetHealthy(healthy bool) { h.unhealthy.Store(!healthy) }

func (h *Handler) takeFail() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failN == 0 {
		return 0
	}
	h.failN--
	return h.failStatus
}

func (h *Handler) takeFailConn() bool {
	for {
		n := h.failConns.Load()
		if n <= 0 {
			return false
		}
		if h.failConns.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (h *Handler) enter() {
	n := h.inFlight.Add(1)
	for {
		peak := h.maxInFlight.Load()
		if n <= peak || h.maxInFlight.CompareAndSwap(peak, n) {
			return
		}
	}
}

func (h *Handler) record(r *http.Request, body []byte, modelCall bool) {
	rr := RecordedRequest{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = rr
	if modelCall {
		h.lastCall = rr
	}
}

func (h *Handler) authorized(r *http.Request) bool {
	if h.auth == nil {
		return true
	}
	got := r.Header.Get("Authorization")
	return subtle.ConstantTimeCompare([]byte(got), h.auth) == 1
}

// readBody reads the whole request body, up to maxBodyBytes.
func readBody(r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > maxBodyBytes {
		e := tooLarge()
		return nil, &e
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	var body []byte
	var err error
	if r.ContentLength > 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err == nil && len(body) > maxBodyBytes {
			e := tooLarge()
			return nil, &e
		}
	}
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, message: "reading request body: " + err.Error()}
	}
	return body, nil
}

// abortConnection closes the client connection without an answer.
func abortConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2, recorders): net/http closes the stream.
	panic(http.ErrAbortHandler)
}
