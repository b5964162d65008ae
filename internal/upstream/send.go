// Package upstream sends calls to backends, fails over before the first byte, and relays answers.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/warden-gw/warden/internal/h1"
	"github.com/warden-gw/warden/internal/route"
)

// Request is what Warden sends to one backend.
type Request struct {
	Method    string
	Path      string // e.g. "/v1/chat/completions"
	Body      []byte
	RequestID string
}

// Failure is a call that no backend answered; Status is what the caller gets (502, 503 or 504).
type Failure struct {
	Status  int
	Message string
}

func (f *Failure) Error() string { return f.Message }

// maxDrain bounds how much of a failed answer is read to keep its connection reusable.
const maxDrain = 64 << 10

// Send sends one request to one backend. The caller's own headers are never forwarded:
// the backend sees Warden, its own key and the request id.
func Send(ctx context.Context, b *route.Backend, r Request) (*http.Response, error) {
	if b.H1 != nil {
		var buf [4]h1.Header
		hdr := append(buf[:0], h1.Header{Name: "User-Agent", Value: "warden"})
		if r.Body != nil {
			hdr = append(hdr, h1.Header{Name: "Content-Type", Value: "application/json"})
		}
		if r.RequestID != "" {
			hdr = append(hdr, h1.Header{Name: "X-Request-Id", Value: r.RequestID})
		}
		if auth := b.AuthorizationValue(); auth != "" {
			hdr = append(hdr, h1.Header{Name: "Authorization", Value: auth})
		}
		return b.H1.Do(ctx, r.Method, b.Base.Path+r.Path, hdr, r.Body)
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, b.URL(r.Path), body)
	if err != nil {
		return nil, err
	}
	h := req.Header
	if r.Body != nil {
		h["Content-Type"] = contentJSON
	}
	h["User-Agent"] = userAgent
	if r.RequestID != "" {
		h["X-Request-Id"] = []string{r.RequestID}
	}
	b.Authorize(h)
	return b.Transport.RoundTrip(req)
}

var (
	contentJSON = []string{"application/json"}
	userAgent   = []string{"warden"}
)

// Build makes the request for one target (the body may depend on the backend's kind and model name).
type Build func(t route.Target) (Request, error)

// Dispatch sends to the model's healthy backends, least loaded first, and fails over to the next
// when one refuses the connection or answers 5xx before any byte reached the caller.
// The returned response's body belongs to the caller; release must be called when the call ends.
func Dispatch(ctx context.Context, m *route.Model, build Build) (resp *http.Response, t route.Target, release func(), err error) {
	var tried []*route.Backend
	var last *Failure
	for {
		t, ok := m.Pick(tried)
		if !ok {
			break
		}
		tried = append(tried, t.Backend)
		req, err := build(t)
		if err != nil {
			return nil, t, nil, err
		}
		done := t.Backend.Acquire()
		resp, err := Send(ctx, t.Backend, req)
		if err != nil {
			done()
			if ctx.Err() != nil {
				return nil, t, nil, ctx.Err()
			}
			last = classify(t.Backend, err)
			continue
		}
		if resp.StatusCode >= 500 {
			io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
			resp.Body.Close()
			done()
			last = &Failure{Status: http.StatusBadGateway,
				Message: fmt.Sprintf("the model backend %q failed (HTTP %d); try again later", t.Backend.Name(), resp.StatusCode)}
			continue
		}
		return resp, t, done, nil
	}
	if last == nil {
		last = &Failure{Status: http.StatusServiceUnavailable,
			Message: fmt.Sprintf("no healthy backend serves model %q right now; try again later", m.Name)}
	}
	return nil, route.Target{}, nil, last
}

// classify turns a transport error into the caller's status, marking dead backends: any failed
// connect, refused or timed out, takes the backend out so later calls do not wait on it.
func classify(b *route.Backend, err error) *Failure {
	var oe *net.OpError
	dial := errors.As(err, &oe) && oe.Op == "dial"
	if dial {
		b.MarkFailed()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &Failure{Status: http.StatusGatewayTimeout,
			Message: fmt.Sprintf("the model backend %q did not answer in time", b.Name())}
	}
	if dial {
		return &Failure{Status: http.StatusBadGateway,
			Message: fmt.Sprintf("the model backend %q cannot be reached", b.Name())}
	}
	return &Failure{Status: http.StatusBadGateway,
		Message: fmt.Sprintf("the connection to the model backend %q failed", b.Name())}
}

// IsFailure reports whether err is a *Failure and returns it.
func IsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}
