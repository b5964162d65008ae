// Package route maps model names to backends and picks a healthy one, least in-flight first.
package route

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/warden-gw/warden/internal/h1"
)

// Backend kinds.
const (
	KindOllama = "ollama"
	KindOpenAI = "openai"
)

// BackendSpec describes one backend.
type BackendSpec struct {
	Name                  string
	Kind                  string
	URL                   string
	APIKey                string
	ConnectTimeout        time.Duration
	ResponseHeaderTimeout time.Duration
	MaxIdleConns          int
	HealthPath            string
	HealthInterval        time.Duration
	HealthTimeout         time.Duration
	UnhealthyAfter        int
	HealthyAfter          int
	PlainSockets          bool // plain-HTTP backends: net.Conn I/O instead of sockio (h1.Options)
}

// Backend is one upstream server and its live state.
type Backend struct {
	Spec   BackendSpec
	Base   *url.URL // root URL without a trailing slash and without a trailing /v1
	Client *http.Client
	// Transport is Client's transport, used directly for calls to https:// backends.
	Transport *http.Transport
	// H1 carries calls to plain http:// backends (nil for https://).
	H1 *h1.Client

	auth     string         // "Bearer <key>" or ""
	onDown   func(*Backend) // called when a failed call takes the backend out
	inflight atomic.Int64
	release  func() // ends a call counted by Acquire; one closure for every call
	healthy  atomic.Bool
	fails    int // consecutive failed probes (prober goroutine only)
	oks      int
}

// NewBackend builds a Backend with its own tuned transport. It starts healthy.
func NewBackend(s BackendSpec) (*Backend, error) {
	u, err := url.Parse(strings.TrimRight(s.URL, "/"))
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimSuffix(u.Path, "/v1")
	if s.ConnectTimeout <= 0 {
		s.ConnectTimeout = 5 * time.Second
	}
	if s.MaxIdleConns <= 0 {
		s.MaxIdleConns = 256
	}
	if s.UnhealthyAfter <= 0 {
		s.UnhealthyAfter = 2
	}
	if s.HealthyAfter <= 0 {
		s.HealthyAfter = 1
	}
	if s.HealthTimeout <= 0 {
		s.HealthTimeout = 3 * time.Second
	}
	if s.HealthInterval <= 0 {
		s.HealthInterval = 10 * time.Second
	}
	if s.HealthPath == "" {
		s.HealthPath = "/"
		if s.Kind == KindOpenAI {
			s.HealthPath = "/v1/models"
		}
	}
	d := &net.Dialer{Timeout: s.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 nil, // never send model traffic through an environment proxy
		DialContext:           d.DialContext,
		MaxIdleConns:          s.MaxIdleConns,
		MaxIdleConnsPerHost:   s.MaxIdleConns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: s.ResponseHeaderTimeout,
		TLSHandshakeTimeout:   s.ConnectTimeout,
		DisableCompression:    true, // relay bytes as they come; compression would hold back stream chunks
		WriteBufferSize:       32 << 10,
		ReadBufferSize:        32 << 10,
		ForceAttemptHTTP2:     true,
	}
	b := &Backend{Spec: s, Base: u, Transport: tr, Client: &http.Client{Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.release = func() { b.inflight.Add(-1) }
	if s.APIKey != "" {
		b.auth = "Bearer " + s.APIKey
	}
	if u.Scheme == "http" {
		addr := u.Host
		if u.Port() == "" {
			addr = net.JoinHostPort(u.Hostname(), "80")
		}
		b.H1 = h1.New(h1.Options{Addr: addr, Host: u.Host, ConnectTimeout: s.ConnectTimeout,
			ResponseHeaderTimeout: s.ResponseHeaderTimeout, MaxIdle: s.MaxIdleConns, PlainSockets: s.PlainSockets,
			// One dialer for both paths: the transport's (tests may replace it).
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return b.Transport.DialContext(ctx, network, addr)
			}})
	}
	b.healthy.Store(true)
	return b, nil
}

// Name returns the backend's configured name.
func (b *Backend) Name() string { return b.Spec.Name }

// Kind returns "ollama" or "openai".
func (b *Backend) Kind() string { return b.Spec.Kind }

// Healthy reports the last health verdict.
func (b *Backend) Healthy() bool { return b.healthy.Load() }

// InFlight returns the number of calls now running on the backend.
func (b *Backend) InFlight() int64 { return b.inflight.Load() }

// Acquire counts a call in; the returned func counts it out.
func (b *Backend) Acquire() func() {
	b.inflight.Add(1)
	return b.release
}

// URL returns the absolute URL of path on the backend.
func (b *Backend) URL(path string) string {
	return b.Base.String() + path
}

// Authorize sets the backend's own credential on an upstream request, if any.
func (b *Backend) Authorize(h http.Header) {
	if v := b.AuthorizationValue(); v != "" {
		h.Set("Authorization", v)
	}
}

// AuthorizationValue is the Authorization header the backend gets, "" for none.
func (b *Backend) AuthorizationValue() string { return b.auth }

// MarkFailed records a failed connection: the backend is taken out until probes succeed again.
func (b *Backend) MarkFailed() {
	if b.healthy.CompareAndSwap(true, false) && b.onDown != nil {
		b.onDown(b)
	}
}

// probe runs one health check and updates the verdict; it reports whether it changed.
func (b *Backend) probe(ctx context.Context) (changed bool) {
	ctx, cancel := context.WithTimeout(ctx, b.Spec.HealthTimeout)
	defer cancel()
	ok := false
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.URL(b.Spec.HealthPath), nil)
	if err == nil {
		b.Authorize(req.Header)
		resp, err := b.Client.Do(req)
		if err == nil {
			resp.Body.Close()
			ok = resp.StatusCode < 500
		}
	}
	// oks counts successes while out, fails counts failures while in: a backend taken out by
	// MarkFailed needs HealthyAfter fresh successes, whatever the probes said before.
	was := b.healthy.Load()
	if ok {
		b.fails = 0
		if was {
			b.oks = 0
			return false
		}
		b.oks++
		if b.oks >= b.Spec.HealthyAfter {
			b.oks = 0
			b.healthy.Store(true)
			return true
		}
		return false
	}
	b.oks = 0
	if !was {
		b.fails = 0
		return false
	}
	b.fails++
	if b.fails >= b.Spec.UnhealthyAfter {
		b.fails = 0
		b.healthy.Store(false)
		return true
	}
	return false
}
