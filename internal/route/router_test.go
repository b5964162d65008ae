package route

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewStaticTable(t *testing.T) {
	r, err := New([]BackendSpec{
		{Name: "a", Kind: KindOllama, URL: "http://a:11434"},
		{Name: "b", Kind: KindOpenAI, URL: "http://b:8000/v1"},
	}, []ModelSpec{
		{Name: "zeta", Backends: []string{"b"}},
		{Name: "chat", Backends: []string{"a", "b"}, Upstream: "llama3.1:8b"},
	}, 0, discard())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range r.Models() {
		names = append(names, m.Name)
	}
	if !slices.Equal(names, []string{"chat", "zeta"}) {
		t.Fatalf("Models() = %v, want sorted [chat zeta]", names)
	}
	m, ok := r.Lookup("chat")
	if !ok || len(m.Targets) != 2 {
		t.Fatalf("Lookup(chat) = %+v, %v", m, ok)
	}
	for i, want := range []string{"a", "b"} {
		if m.Targets[i].Backend.Name() != want || m.Targets[i].Upstream != "llama3.1:8b" {
			t.Errorf("target %d = %s/%s", i, m.Targets[i].Backend.Name(), m.Targets[i].Upstream)
		}
	}
	if z, _ := r.Lookup("zeta"); z.Targets[0].Upstream != "zeta" {
		t.Fatalf("upstream name defaults to the model name, got %q", z.Targets[0].Upstream)
	}
	if _, ok := r.Lookup("nope"); ok {
		t.Fatal("Lookup found an unknown model")
	}
	if b, ok := r.Backend("b"); !ok || b.URL("/v1/models") != "http://b:8000/v1/models" {
		t.Fatalf("backend b: %v %v", b, ok)
	}
	if len(r.Backends()) != 2 {
		t.Fatalf("%d backends", len(r.Backends()))
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name     string
		backends []BackendSpec
		models   []ModelSpec
		want     string
	}{
		{"unknown backend", []BackendSpec{{Name: "a", URL: "http://a"}},
			[]ModelSpec{{Name: "m", Backends: []string{"a", "ghost"}}}, "unknown backend ghost"},
		{"bad url", []BackendSpec{{Name: "a", URL: "http://[::1"}}, nil, "backend a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.backends, tt.models, 0, discard())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

// fakeBackend serves a model listing in Ollama or OpenAI form.
type fakeBackend struct {
	*httptest.Server
	mu     sync.Mutex
	models []string
	fail   bool
	auth   []string // Authorization header of each listing request
	paths  []string
}

func newFakeBackend(t *testing.T, kind string, models ...string) *fakeBackend {
	f := &fakeBackend{models: models}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.paths = append(f.paths, r.URL.Path)
		if f.fail {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		switch {
		case kind == KindOllama && r.URL.Path == "/api/tags":
			type tag struct {
				Name   string `json:"name"`
				Model  string `json:"model"`
				Digest string `json:"digest"`
			}
			var out struct {
				Models []tag `json:"models"`
			}
			for _, m := range f.models {
				out.Models = append(out.Models, tag{Name: m, Model: m, Digest: "sha-" + m})
			}
			json.NewEncoder(w).Encode(out)
		case kind == KindOpenAI && r.URL.Path == "/v1/models":
			type entry struct {
				ID     string `json:"id"`
				Object string `json:"object"`
			}
			out := struct {
				Object string  `json:"object"`
				Data   []entry `json:"data"`
			}{Object: "list", Data: []entry{}}
			for _, m := range f.models {
				out.Data = append(out.Data, entry{ID: m, Object: "model"})
			}
			json.NewEncoder(w).Encode(out)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBackend) set(fail bool, models ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.models = fail, models
}

func (f *fakeBackend) seen() (auth, paths []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.auth), slices.Clone(f.paths)
}

// table renders the router's table as "model=backend/upstream,..." sorted by model.
func tableOf(r *Router) string {
	var parts []string
	for _, m := range r.Models() {
		var ts []string
		for _, t := range m.Targets {
			ts = append(ts, t.Backend.Name()+"/"+t.Upstream)
		}
		parts = append(parts, m.Name+"="+strings.Join(ts, "+"))
	}
	return strings.Join(parts, " ")
}

func TestDiscover(t *testing.T) {
	ol := newFakeBackend(t, KindOllama, "llama3.2:3b", "shared:latest")
	oa := newFakeBackend(t, KindOpenAI, "Qwen/Qwen2.5-7B-Instruct", "shared:latest")
	r, err := New([]BackendSpec{
		{Name: "ol", Kind: KindOllama, URL: ol.URL + "/"},
		{Name: "oa", Kind: KindOpenAI, URL: oa.URL + "/v1", APIKey: "vllm-key"},
	}, nil, time.Hour, discard())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Models()) != 0 {
		t.Fatal("models before discovery")
	}
	r.Discover(context.Background())
	want := "Qwen/Qwen2.5-7B-Instruct=oa/Qwen/Qwen2.5-7B-Instruct llama3.2:3b=ol/llama3.2:3b shared:latest=ol/shared:latest+oa/shared:latest"
	if got := tableOf(r); got != want {
		t.Fatalf("table after discovery:\n got %s\nwant %s", got, want)
	}
	// The Ollama entry is kept as the backend sent it (for /api/tags answers).
	m, _ := r.Lookup("llama3.2:3b")
	if !strings.Contains(string(m.Tag), `"digest":"sha-llama3.2:3b"`) {
		t.Fatalf("Ollama tag not kept: %s", m.Tag)
	}
	if q, _ := r.Lookup("Qwen/Qwen2.5-7B-Instruct"); q.Tag != nil {
		t.Fatalf("OpenAI model has a tag: %s", q.Tag)
	}
	auth, paths := oa.seen()
	if len(auth) != 1 || auth[0] != "Bearer vllm-key" || paths[0] != "/v1/models" {
		t.Fatalf("OpenAI listing: auth %q, paths %q; want the backend's key on /v1/models", auth, paths)
	}
	auth, paths = ol.seen()
	if len(auth) != 1 || auth[0] != "" || paths[0] != "/api/tags" {
		t.Fatalf("Ollama listing: auth %q, paths %q", auth, paths)
	}

	// A backend whose listing fails keeps its models; one that lists again replaces them.
	oa.set(true)
	ol.set(false, "llama3.2:3b", "phi4:latest")
	r.Discover(context.Background())
	want = "Qwen/Qwen2.5-7B-Instruct=oa/Qwen/Qwen2.5-7B-Instruct llama3.2:3b=ol/llama3.2:3b phi4:latest=ol/phi4:latest shared:latest=oa/shared:latest"
	if got := tableOf(r); got != want {
		t.Fatalf("table after a failed listing:\n got %s\nwant %s", got, want)
	}
	oa.Close() // refused connections also keep the old models
	r.Discover(context.Background())
	if got := tableOf(r); got != want {
		t.Fatalf("table with a backend down:\n got %s\nwant %s", got, want)
	}
}

func TestDiscoverIgnoresBadListings(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"models":[{"name":"a:1"},{"model":"b:2"},{"name":""},42,{"name":"c:3"}]}`))
	}))
	defer srv.Close()
	r, err := New([]BackendSpec{{Name: "o", Kind: KindOllama, URL: srv.URL}}, nil, time.Hour, discard())
	if err != nil {
		t.Fatal(err)
	}
	r.Discover(context.Background())
	if got := tableOf(r); got != "a:1=o/a:1 b:2=o/b:2 c:3=o/c:3" {
		t.Fatalf("table %s", got)
	}
}

// Ollama, and so its clients, take a model name without a tag for "<name>:latest".
func TestLookupUntaggedOllamaName(t *testing.T) {
	r, err := New([]BackendSpec{{Name: "o", Kind: KindOllama, URL: "http://o"}}, []ModelSpec{
		{Name: "llama3:latest", Backends: []string{"o"}},
		{Name: "phi4", Backends: []string{"o"}},
		{Name: "phi4:latest", Backends: []string{"o"}, Upstream: "phi4-other"},
		{Name: "hf.co/org/model:latest", Backends: []string{"o"}},
	}, 0, discard())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ ask, want string }{
		{"llama3", "llama3:latest"},
		{"llama3:latest", "llama3:latest"},
		{"phi4", "phi4"}, // an exact name wins
		{"hf.co/org/model", "hf.co/org/model:latest"},
		{"llama3:8b", ""},
		{"llama", ""},
	}
	for _, tt := range tests {
		m, ok := r.Lookup(tt.ask)
		got := ""
		if ok {
			got = m.Name
		}
		if got != tt.want {
			t.Errorf("Lookup(%q) = %q, want %q", tt.ask, got, tt.want)
		}
	}
}

func TestStartDiscoversBeforeReturning(t *testing.T) {
	ol := newFakeBackend(t, KindOllama, "m:1")
	r, err := New([]BackendSpec{{Name: "ol", Kind: KindOllama, URL: ol.URL, HealthPath: "/api/tags"}}, nil, time.Hour, discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	if _, ok := r.Lookup("m:1"); !ok {
		t.Fatalf("model not discovered when Start returned: %s", tableOf(r))
	}
}
