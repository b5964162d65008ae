package upstream_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/route"
	"github.com/warden-gw/warden/internal/upstream"
)

// fake is a backend answering every request with a fixed status and body; it counts requests.
type fake struct {
	*httptest.Server
	calls atomic.Int32
}

func newFake(t *testing.T, status int, body string) *fake {
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// refusedURL returns the URL of a port nothing listens on any more.
func refusedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func backend(t *testing.T, name, url string, mod func(*route.BackendSpec)) *route.Backend {
	t.Helper()
	s := route.BackendSpec{Name: name, Kind: route.KindOpenAI, URL: url}
	if mod != nil {
		mod(&s)
	}
	b, err := route.NewBackend(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Transport.CloseIdleConnections)
	return b
}

func model(bs ...*route.Backend) *route.Model {
	m := &route.Model{Name: "m"}
	for _, b := range bs {
		m.Targets = append(m.Targets, route.Target{Backend: b, Upstream: "up-" + b.Name()})
	}
	return m
}

// chat builds the same request for every target and records which targets were built for.
type chat struct {
	mu    sync.Mutex
	built []string
}

func (c *chat) build(t route.Target) (upstream.Request, error) {
	c.mu.Lock()
	c.built = append(c.built, t.Backend.Name()+"/"+t.Upstream)
	c.mu.Unlock()
	return upstream.Request{Method: http.MethodPost, Path: "/v1/chat/completions",
		Body: []byte(`{"model":"` + t.Upstream + `"}`), RequestID: "req-1"}, nil
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDispatchFailsOver(t *testing.T) {
	tests := []struct {
		name      string
		first     func(t *testing.T) string // URL of the first backend, which fails
		wantOut   bool                      // the first backend is taken out of rotation
		wantCalls int32                     // requests the first backend received
	}{
		{"HTTP 500", func(t *testing.T) string { return newFake(t, 500, "boom").URL }, false, 1},
		{"HTTP 503", func(t *testing.T) string { return newFake(t, 503, "busy").URL }, false, 1},
		{"refused connection", refusedURL, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := backend(t, "a", tt.first(t), nil)
			good := newFake(t, 200, "hello from b")
			b := backend(t, "b", good.URL, nil)
			var c chat
			resp, target, release, err := upstream.Dispatch(context.Background(), model(a, b), c.build)
			if err != nil {
				t.Fatalf("no failover: %v", err)
			}
			if got := readAll(t, resp); resp.StatusCode != 200 || got != "hello from b" {
				t.Fatalf("answer %d %q", resp.StatusCode, got)
			}
			if target.Backend != b || target.Upstream != "up-b" {
				t.Fatalf("target %s/%s, want b/up-b", target.Backend.Name(), target.Upstream)
			}
			if !slices.Equal(c.built, []string{"a/up-a", "b/up-b"}) {
				t.Fatalf("requests built for %v, want a then b", c.built)
			}
			if a.Healthy() == tt.wantOut {
				t.Fatalf("first backend healthy=%v after %s", a.Healthy(), tt.name)
			}
			if a.InFlight() != 0 || b.InFlight() != 1 {
				t.Fatalf("in flight a=%d b=%d before release, want 0 and 1", a.InFlight(), b.InFlight())
			}
			release()
			if b.InFlight() != 0 {
				t.Fatalf("in flight b=%d after release", b.InFlight())
			}
		})
	}
}

func TestDispatchFailures(t *testing.T) {
	slow := func(t *testing.T) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // so the server notices when the client hangs up
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	headerTimeout := func(s *route.BackendSpec) { s.ResponseHeaderTimeout = 50 * time.Millisecond }
	tests := []struct {
		name     string
		backends func(t *testing.T) []*route.Backend
		status   int
		msg      string
	}{
		{"every backend answers 5xx", func(t *testing.T) []*route.Backend {
			return []*route.Backend{backend(t, "a", newFake(t, 500, "").URL, nil), backend(t, "b", newFake(t, 502, "").URL, nil)}
		}, http.StatusBadGateway, `"b" failed (HTTP 502)`},
		{"every backend refuses", func(t *testing.T) []*route.Backend {
			return []*route.Backend{backend(t, "a", refusedURL(t), nil), backend(t, "b", refusedURL(t), nil)}
		}, http.StatusBadGateway, `"b" cannot be reached`},
		{"backend too slow", func(t *testing.T) []*route.Backend {
			return []*route.Backend{backend(t, "a", slow(t), headerTimeout)}
		}, http.StatusGatewayTimeout, `"a" did not answer in time`},
		{"no healthy backend", func(t *testing.T) []*route.Backend {
			a := backend(t, "a", newFake(t, 200, "").URL, nil)
			a.MarkFailed()
			return []*route.Backend{a}
		}, http.StatusServiceUnavailable, `no healthy backend serves model "m"`},
		{"no backend at all", func(t *testing.T) []*route.Backend { return nil },
			http.StatusServiceUnavailable, "no healthy backend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := tt.backends(t)
			var c chat
			resp, _, release, err := upstream.Dispatch(context.Background(), model(bs...), c.build)
			if resp != nil || release != nil {
				t.Fatal("a failed dispatch returned a response or a release func")
			}
			f, ok := upstream.IsFailure(err)
			if !ok {
				t.Fatalf("err = %v (%T), want *Failure", err, err)
			}
			if f.Status != tt.status || !strings.Contains(f.Error(), tt.msg) {
				t.Fatalf("failure %d %q, want %d containing %q", f.Status, f.Message, tt.status, tt.msg)
			}
			for _, b := range bs {
				if b.InFlight() != 0 {
					t.Fatalf("backend %s has %d in flight after a failed dispatch", b.Name(), b.InFlight())
				}
			}
		})
	}
}

func TestDispatchNeverRetriesA4xx(t *testing.T) {
	a := newFake(t, 400, `{"error":"bad"}`)
	b := newFake(t, 200, "ok")
	ba, bb := backend(t, "a", a.URL, nil), backend(t, "b", b.URL, nil)
	var c chat
	resp, target, release, err := upstream.Dispatch(context.Background(), model(ba, bb), c.build)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, resp); resp.StatusCode != 400 || got != `{"error":"bad"}` || target.Backend != ba {
		t.Fatalf("answer %d %q from %s, want a's 400 passed through", resp.StatusCode, got, target.Backend.Name())
	}
	release()
	if b.calls.Load() != 0 {
		t.Fatal("a 4xx was retried on another backend")
	}
	if !ba.Healthy() || ba.InFlight() != 0 {
		t.Fatalf("after a 4xx: healthy=%v inflight=%d", ba.Healthy(), ba.InFlight())
	}
}

func TestDispatchPicksTheLeastLoaded(t *testing.T) {
	a, b := newFake(t, 200, "a"), newFake(t, 200, "b")
	ba, bb := backend(t, "a", a.URL, nil), backend(t, "b", b.URL, nil)
	hold := ba.Acquire()
	defer hold()
	var c chat
	resp, target, release, err := upstream.Dispatch(context.Background(), model(ba, bb), c.build)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if readAll(t, resp) != "b" || target.Backend != bb {
		t.Fatal("the busier backend was picked")
	}
}

func TestDispatchStopsWhenTheCallerLeaves(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	good := newFake(t, 200, "ok")
	ba, bb := backend(t, "a", good.URL, nil), backend(t, "b", good.URL, nil)
	var c chat
	_, _, release, err := upstream.Dispatch(ctx, model(ba, bb), c.build)
	if !errors.Is(err, context.Canceled) || release != nil {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(c.built) != 1 || good.calls.Load() != 0 || ba.InFlight() != 0 {
		t.Fatalf("a cancelled call went on: built %v, %d calls", c.built, good.calls.Load())
	}
	if !ba.Healthy() {
		t.Fatal("the caller leaving marked the backend failed")
	}
}

func TestDispatchBuildError(t *testing.T) {
	good := newFake(t, 200, "ok")
	ba := backend(t, "a", good.URL, nil)
	bad := errors.New("cannot translate")
	_, _, release, err := upstream.Dispatch(context.Background(), model(ba), func(route.Target) (upstream.Request, error) {
		return upstream.Request{}, bad
	})
	if !errors.Is(err, bad) || release != nil {
		t.Fatalf("err = %v, want the build error", err)
	}
	if _, ok := upstream.IsFailure(err); ok {
		t.Fatal("a build error reported as a backend failure")
	}
	if good.calls.Load() != 0 || ba.InFlight() != 0 {
		t.Fatal("a request that could not be built was sent")
	}
}

// timeoutErr is a dial timeout, as a backend host that drops packets produces.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// A backend that cannot be connected to in time is taken out, so later calls do not wait for it.
func TestDispatchDialTimeoutTakesTheBackendOut(t *testing.T) {
	a := backend(t, "a", "http://127.0.0.1:9", nil)
	a.Transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: timeoutErr{}}
	}
	good := newFake(t, 200, "ok")
	b := backend(t, "b", good.URL, nil)
	var c chat
	resp, target, release, err := upstream.Dispatch(context.Background(), model(a, b), c.build)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	release()
	if target.Backend != b || a.Healthy() {
		t.Fatalf("target %s, a healthy=%v: want b, a out", target.Backend.Name(), a.Healthy())
	}
	_, _, _, err = upstream.Dispatch(context.Background(), model(a), c.build)
	if f, ok := upstream.IsFailure(err); !ok || f.Status != http.StatusServiceUnavailable {
		t.Fatalf("a alone after its dial timeout: %v, want 503 (out of rotation)", err)
	}
}

func TestSendForwardsOnlyItsOwnHeaders(t *testing.T) {
	var mu sync.Mutex
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer srv.Close()
	allowed := []string{"Content-Type", "User-Agent", "X-Request-Id", "Authorization", "Content-Length"}
	tests := []struct {
		name string
		key  string
		req  upstream.Request
		want map[string]string
	}{
		{"with key, body and id", "backend-key", upstream.Request{Method: "POST", Path: "/v1/chat/completions", Body: []byte("{}"), RequestID: "rid-7"},
			map[string]string{"Authorization": "Bearer backend-key", "Content-Type": "application/json", "User-Agent": "warden", "X-Request-Id": "rid-7"}},
		{"no key, no body, no id", "", upstream.Request{Method: "GET", Path: "/api/tags"},
			map[string]string{"Authorization": "", "Content-Type": "", "User-Agent": "warden", "X-Request-Id": ""}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := backend(t, "b", srv.URL+"/v1", func(s *route.BackendSpec) { s.APIKey = tt.key })
			resp, err := upstream.Send(context.Background(), b, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			mu.Lock()
			h := got[i]
			mu.Unlock()
			for name := range h {
				if !slices.Contains(allowed, name) {
					t.Errorf("header %s reached the backend", name)
				}
			}
			for name, want := range tt.want {
				if v := h.Get(name); v != want {
					t.Errorf("%s = %q, want %q", name, v, want)
				}
			}
		})
	}
}

func TestSendUsesTheNormalisedBaseURL(t *testing.T) {
	var path atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.Path)
	}))
	defer srv.Close()
	b := backend(t, "b", srv.URL+"/v1/", nil)
	resp, err := upstream.Send(context.Background(), b, upstream.Request{Method: "GET", Path: "/v1/models"})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if p := path.Load(); p != "/v1/models" {
		t.Fatalf("backend saw path %v, want /v1/models", p)
	}
}
