package route

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mustBackend(t *testing.T, s BackendSpec) *Backend {
	t.Helper()
	if s.URL == "" {
		s.URL = "http://127.0.0.1:1"
	}
	b, err := NewBackend(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBackendURLIsNormalised(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://llm:11434", "http://llm:11434/api/tags"},
		{"http://llm:11434/", "http://llm:11434/api/tags"},
		{"http://llm:11434//", "http://llm:11434/api/tags"},
		{"http://llm:8000/v1", "http://llm:8000/api/tags"},
		{"http://llm:8000/v1/", "http://llm:8000/api/tags"},
		{"https://gw.example/openai/v1", "https://gw.example/openai/api/tags"},
		{"https://gw.example/openai", "https://gw.example/openai/api/tags"},
		{"http://llm/v1beta", "http://llm/v1beta/api/tags"},
	}
	for _, tt := range tests {
		b := mustBackend(t, BackendSpec{Name: "b", Kind: KindOllama, URL: tt.in})
		if got := b.URL("/api/tags"); got != tt.want {
			t.Errorf("URL %q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewBackendDefaults(t *testing.T) {
	o := mustBackend(t, BackendSpec{Name: "o", Kind: KindOllama})
	v := mustBackend(t, BackendSpec{Name: "v", Kind: KindOpenAI})
	if !o.Healthy() || o.InFlight() != 0 {
		t.Fatal("a new backend must start healthy and idle")
	}
	if o.Spec.HealthPath != "/" || v.Spec.HealthPath != "/v1/models" {
		t.Fatalf("health paths %q, %q", o.Spec.HealthPath, v.Spec.HealthPath)
	}
	if o.Transport.Proxy != nil {
		t.Fatal("model traffic must not go through an environment proxy")
	}
	if _, err := NewBackend(BackendSpec{Name: "bad", URL: "http://[::1"}); err == nil {
		t.Fatal("an unparsable URL was accepted")
	}
}

func TestAuthorize(t *testing.T) {
	h := http.Header{}
	mustBackend(t, BackendSpec{Name: "a"}).Authorize(h)
	if h.Get("Authorization") != "" {
		t.Fatal("a backend without a key set Authorization")
	}
	mustBackend(t, BackendSpec{Name: "b", APIKey: "backend-secret"}).Authorize(h)
	if got := h.Get("Authorization"); got != "Bearer backend-secret" {
		t.Fatalf("Authorization = %q", got)
	}
}

func TestAcquireCountsInFlight(t *testing.T) {
	b := mustBackend(t, BackendSpec{Name: "b"})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { b.Acquire()() })
	}
	wg.Wait()
	done := b.Acquire()
	if b.InFlight() != 1 {
		t.Fatalf("InFlight = %d, want 1", b.InFlight())
	}
	done()
	if b.InFlight() != 0 {
		t.Fatalf("InFlight = %d after release, want 0", b.InFlight())
	}
}

func TestPick(t *testing.T) {
	a := mustBackend(t, BackendSpec{Name: "a"})
	b := mustBackend(t, BackendSpec{Name: "b"})
	c := mustBackend(t, BackendSpec{Name: "c"})
	m := &Model{Name: "m", Targets: []Target{{a, "m-a"}, {b, "m-b"}, {c, "m-c"}}}
	pick := func(tried ...*Backend) string {
		t.Helper()
		tg, ok := m.Pick(tried)
		if !ok {
			return ""
		}
		return tg.Backend.Name() + "/" + tg.Upstream
	}

	if got := pick(); got != "a/m-a" {
		t.Fatalf("all idle: picked %q, want the first, a/m-a", got)
	}
	releaseA := a.Acquire()
	a.Acquire()
	releaseB := b.Acquire()
	if got := pick(); got != "c/m-c" {
		t.Fatalf("a=2 b=1 c=0 in flight: picked %q, want c", got)
	}
	c.Acquire()
	c.Acquire()
	if got := pick(); got != "b/m-b" {
		t.Fatalf("a=2 b=1 c=2 in flight: picked %q, want b", got)
	}
	if got := pick(b); got != "a/m-a" {
		t.Fatalf("b tried: picked %q, want a (first of the equally loaded)", got)
	}
	releaseA()
	releaseB()
	b.MarkFailed()
	if got := pick(); got != "a/m-a" {
		t.Fatalf("b unhealthy, a=1 c=2: picked %q, want a", got)
	}
	if got := pick(a); got != "c/m-c" {
		t.Fatalf("b unhealthy, a tried: picked %q, want c", got)
	}
	if got := pick(a, c); got != "" {
		t.Fatalf("all tried or unhealthy: picked %q, want none", got)
	}
	if _, ok := (&Model{Name: "empty"}).Pick(nil); ok {
		t.Fatal("a model without targets picked something")
	}
}

// healthServer answers its health path with a status the test sets; it records the Authorization it saw.
type healthServer struct {
	*httptest.Server
	status atomic.Int32
	auth   atomic.Value
	hits   atomic.Int32
}

func newHealthServer(t *testing.T) *healthServer {
	hs := &healthServer{}
	hs.status.Store(http.StatusOK)
	hs.auth.Store("")
	hs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.hits.Add(1)
		hs.auth.Store(r.Header.Get("Authorization"))
		w.WriteHeader(int(hs.status.Load()))
	}))
	t.Cleanup(hs.Close)
	return hs
}

func TestProbeHysteresis(t *testing.T) {
	hs := newHealthServer(t)
	b := mustBackend(t, BackendSpec{Name: "b", URL: hs.URL, APIKey: "k", UnhealthyAfter: 3, HealthyAfter: 2})
	ctx := context.Background()
	type step struct {
		status      int
		healthy     bool
		wantChanged bool
	}
	steps := []step{
		{200, true, false},
		{500, true, false}, // 1 failure of 3
		{503, true, false}, // 2
		{200, true, false}, // a success resets the count
		{500, true, false},
		{500, true, false},
		{500, false, true}, // 3 in a row: out
		{502, false, false},
		{200, false, false}, // 1 success of 2
		{500, false, false}, // a failure resets the count
		{200, false, false},
		{404, true, true}, // a 4xx is an answer: 2 in a row, back in
		{200, true, false},
	}
	for i, s := range steps {
		hs.status.Store(int32(s.status))
		changed := b.probe(ctx)
		if b.Healthy() != s.healthy || changed != s.wantChanged {
			t.Fatalf("step %d (HTTP %d): healthy=%v changed=%v, want healthy=%v changed=%v",
				i, s.status, b.Healthy(), changed, s.healthy, s.wantChanged)
		}
	}
	if got := hs.auth.Load(); got != "Bearer k" {
		t.Fatalf("probe sent Authorization %q, want the backend's key", got)
	}
}

func TestProbeUnreachableBackend(t *testing.T) {
	hs := newHealthServer(t)
	url := hs.URL
	hs.Close() // nothing listens there any more
	b := mustBackend(t, BackendSpec{Name: "b", URL: url, UnhealthyAfter: 2})
	if b.probe(context.Background()) || !b.Healthy() {
		t.Fatal("one failed probe must not take the backend out with UnhealthyAfter 2")
	}
	if !b.probe(context.Background()) || b.Healthy() {
		t.Fatal("two refused probes must take the backend out")
	}
}

// After a failed call takes a backend out, it comes back only after HealthyAfter successful
// probes, however many probes succeeded before.
func TestMarkFailedNeedsHealthyAfterProbes(t *testing.T) {
	hs := newHealthServer(t)
	b := mustBackend(t, BackendSpec{Name: "b", URL: hs.URL, HealthyAfter: 2})
	ctx := context.Background()
	for range 3 {
		b.probe(ctx)
	}
	b.MarkFailed()
	if b.Healthy() {
		t.Fatal("MarkFailed left the backend healthy")
	}
	if b.probe(ctx) || b.Healthy() {
		t.Fatal("one successful probe brought back a failed backend with HealthyAfter 2")
	}
	if !b.probe(ctx) || !b.Healthy() {
		t.Fatal("two successful probes did not bring the backend back")
	}
}

func TestRouterProbeReportsChanges(t *testing.T) {
	hs := newHealthServer(t)
	r, err := New([]BackendSpec{{Name: "b", Kind: KindOllama, URL: hs.URL, UnhealthyAfter: 1, HealthyAfter: 1}},
		[]ModelSpec{{Name: "m", Backends: []string{"b"}}}, 0, discard())
	if err != nil {
		t.Fatal(err)
	}
	type event struct {
		name    string
		healthy bool
	}
	var events []event
	r.OnHealthChange(func(b *Backend, h bool) { events = append(events, event{b.Name(), h}) })
	b, _ := r.Backend("b")
	ctx := context.Background()
	r.probe(ctx, b) // healthy, no change
	hs.status.Store(500)
	r.probe(ctx, b)
	r.probe(ctx, b) // still out, no second event
	if r.AnyHealthy() {
		t.Fatal("AnyHealthy with the only backend out")
	}
	hs.status.Store(200)
	r.probe(ctx, b)
	if len(events) != 2 || events[0] != (event{"b", false}) || events[1] != (event{"b", true}) {
		t.Fatalf("health events %v, want b down then up", events)
	}
	if !r.AnyHealthy() {
		t.Fatal("AnyHealthy false with the backend back")
	}
}
