package metrics

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// scrape returns the Handler's text output.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("metrics answered %d", rec.Code)
	}
	return rec.Body.String()
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, "\n"+l+"\n") {
			t.Errorf("metrics lack the line %q", l)
		}
	}
}

func TestObserve(t *testing.T) {
	m := New(nil)
	m.Observe("/v1/chat/completions", "llama3", 200, 0.3, 0.02)
	m.Observe("/v1/chat/completions", "llama3", 200, 0.7, 0.04)
	m.Observe("/v1/chat/completions", "llama3", 502, 0.1, -1) // no answer started
	m.Observe("/api/chat", "qwen", 200, 2, 0.5)
	out := scrape(t, m)
	wantLines(t, out,
		`warden_calls_total{endpoint="/v1/chat/completions",model="llama3",status="200"} 2`,
		`warden_calls_total{endpoint="/v1/chat/completions",model="llama3",status="502"} 1`,
		`warden_calls_total{endpoint="/api/chat",model="qwen",status="200"} 1`,
		`warden_call_duration_seconds_count{endpoint="/v1/chat/completions",model="llama3"} 3`,
		`warden_call_duration_seconds_sum{endpoint="/v1/chat/completions",model="llama3"} 1.1`,
		`warden_call_duration_seconds_bucket{endpoint="/v1/chat/completions",model="llama3",le="0.25"} 1`,
		// The failed call has no time to first byte.
		`warden_time_to_first_byte_seconds_count{endpoint="/v1/chat/completions",model="llama3"} 2`,
		`warden_time_to_first_byte_seconds_count{endpoint="/api/chat",model="qwen"} 1`,
	)
}

func TestBackendGauges(t *testing.T) {
	var mu sync.Mutex
	inflight := map[string]int64{"a": 3, "b": 0}
	m := New(func() map[string]int64 {
		mu.Lock()
		defer mu.Unlock()
		out := make(map[string]int64, len(inflight))
		for k, v := range inflight {
			out[k] = v
		}
		return out
	})
	m.SetHealthy("a", true)
	m.SetHealthy("b", true)
	m.SetHealthy("b", false)
	m.BackendFailure("b")
	m.BackendFailure("b")
	wantLines(t, scrape(t, m),
		`warden_backend_healthy{backend="a"} 1`,
		`warden_backend_healthy{backend="b"} 0`,
		`warden_backend_inflight{backend="a"} 3`,
		`warden_backend_inflight{backend="b"} 0`,
		`warden_backend_failures_total{backend="b"} 2`,
	)
	// The in-flight gauge is read at scrape time.
	mu.Lock()
	inflight["a"] = 1
	mu.Unlock()
	m.SetHealthy("b", true)
	wantLines(t, scrape(t, m), `warden_backend_inflight{backend="a"} 1`, `warden_backend_healthy{backend="b"} 1`)
}

func TestNoInflightCollector(t *testing.T) {
	out := scrape(t, New(nil))
	if strings.Contains(out, "warden_backend_inflight") {
		t.Fatal("in-flight gauge without a source")
	}
	if !strings.Contains(out, "go_goroutines") {
		t.Fatal("Go runtime metrics missing")
	}
}

func TestTwoInstancesAreIndependent(t *testing.T) {
	a, b := New(nil), New(nil)
	a.Observe("/v1/embeddings", "e", 200, 0.01, 0.01)
	if strings.Contains(scrape(t, b), "warden_calls_total{") {
		t.Fatal("a call observed on one Metrics shows in another")
	}
}

// callsByModel sums warden_calls_total per model label.
func callsByModel(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "warden_calls_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			model := ""
			for _, l := range mt.GetLabel() {
				if l.GetName() == "model" {
					model = l.GetValue()
				}
			}
			out[model] += mt.GetCounter().GetValue()
		}
	}
	return out
}

func TestSeriesAreBounded(t *testing.T) {
	m := New(nil)
	for i := range maxSeries {
		m.Observe("/v1/chat/completions", "model-"+strconv.Itoa(i), 200, 0.01, 0.01)
	}
	// Past the bound, new names collapse into "other"; names seen before keep their series.
	for i := range 5 {
		m.Observe("/v1/chat/completions", "late-"+strconv.Itoa(i), 200, 0.01, 0.01)
	}
	m.Observe("/v1/chat/completions", "model-7", 200, 0.01, 0.01)
	m.Observe("/v1/chat/completions", "late-0", 200, 0.01, 0.01)
	got := callsByModel(t, m)
	if len(got) != maxSeries+1 {
		t.Fatalf("%d model series, want %d plus other", len(got), maxSeries)
	}
	if got["other"] != 6 || got["model-7"] != 2 || got["late-0"] != 0 {
		t.Fatalf("other=%v model-7=%v late-0=%v, want 6, 2, 0", got["other"], got["model-7"], got["late-0"])
	}
	if len(m.children) > maxSeries+1 {
		t.Fatalf("%d children kept, want at most %d", len(m.children), maxSeries+1)
	}
}

func TestObserveConcurrently(t *testing.T) {
	m := New(nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				m.Observe("/api/chat", "m"+strconv.Itoa((g+i)%4), 200, 0.01, 0.01)
			}
		})
	}
	wg.Wait()
	total := 0.0
	for _, v := range callsByModel(t, m) {
		total += v
	}
	if total != 1600 {
		t.Fatalf("%v calls counted, want 1600", total)
	}
}
