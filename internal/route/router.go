package route

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ModelSpec maps a client-facing model name to backends.
type ModelSpec struct {
	Name     string
	Backends []string
	Upstream string // "" means Name
}

// Target is one backend that serves a model, and the model's name there.
type Target struct {
	Backend  *Backend
	Upstream string
}

// Model is a client-facing model and where it is served.
type Model struct {
	Name    string
	Targets []Target
	// Tag holds the backend's own /api/tags entry when discovered from Ollama (raw JSON), else nil.
	Tag json.RawMessage
}

type table struct {
	models map[string]*Model
	names  []string // sorted
}

// Router holds the backends and the model table.
type Router struct {
	backends  []*Backend
	byName    map[string]*Backend
	static    bool
	discovery time.Duration
	log       *slog.Logger
	table     atomic.Pointer[table]
	onHealth  func(b *Backend, healthy bool)
}

// New builds a Router. With no models, the table is discovered from the backends.
func New(backends []BackendSpec, models []ModelSpec, discovery time.Duration, log *slog.Logger) (*Router, error) {
	r := &Router{byName: map[string]*Backend{}, static: len(models) > 0, discovery: discovery, log: log}
	for _, s := range backends {
		b, err := NewBackend(s)
		if err != nil {
			return nil, fmt.Errorf("route: backend %s: %w", s.Name, err)
		}
		r.backends = append(r.backends, b)
		r.byName[s.Name] = b
	}
	t := &table{models: map[string]*Model{}}
	for _, m := range models {
		mm := &Model{Name: m.Name}
		up := m.Upstream
		if up == "" {
			up = m.Name
		}
		for _, bn := range m.Backends {
			b, ok := r.byName[bn]
			if !ok {
				return nil, fmt.Errorf("route: model %s: unknown backend %s", m.Name, bn)
			}
			mm.Targets = append(mm.Targets, Target{Backend: b, Upstream: up})
		}
		t.models[m.Name] = mm
	}
	t.sortNames()
	r.table.Store(t)
	return r, nil
}

// OnHealthChange registers a callback for health transitions (for metrics and logs).
// Call it before Start.
func (r *Router) OnHealthChange(f func(b *Backend, healthy bool)) {
	r.onHealth = f
	for _, b := range r.backends {
		b.onDown = func(b *Backend) {
			r.log.Warn("backend taken out after a failed connection", "backend", b.Name())
			f(b, false)
		}
	}
}

func (t *table) sortNames() {
	t.names = make([]string, 0, len(t.models))
	for n := range t.models {
		t.names = append(t.names, n)
	}
	sort.Strings(t.names)
}

// Backends returns all backends.
func (r *Router) Backends() []*Backend { return r.backends }

// Backend returns a backend by name.
func (r *Router) Backend(name string) (*Backend, bool) {
	b, ok := r.byName[name]
	return b, ok
}

// Lookup returns the model of that client-facing name. Like Ollama, it takes a name without a
// tag ("llama3") for "<name>:latest" when no model has the bare name.
func (r *Router) Lookup(name string) (*Model, bool) {
	models := r.table.Load().models
	m, ok := models[name]
	if !ok && !strings.Contains(name[strings.LastIndexByte(name, '/')+1:], ":") {
		m, ok = models[name+":latest"]
	}
	return m, ok
}

// Models returns the known models, sorted by name.
func (r *Router) Models() []*Model {
	t := r.table.Load()
	out := make([]*Model, 0, len(t.names))
	for _, n := range t.names {
		out = append(out, t.models[n])
	}
	return out
}

// AnyHealthy reports whether at least one backend is healthy.
func (r *Router) AnyHealthy() bool {
	return slices.ContainsFunc(r.backends, (*Backend).Healthy)
}

// PlainHTTP reports whether every target is called through the h1 client, whose answers can be
// aborted without cancelling a context.
func (m *Model) PlainHTTP() bool {
	for _, t := range m.Targets {
		if t.Backend.H1 == nil {
			return false
		}
	}
	return true
}

// Pick returns the healthy target with the fewest calls in flight, skipping those already tried.
func (m *Model) Pick(tried []*Backend) (Target, bool) {
	var best Target
	found := false
	var bestLoad int64
	for _, t := range m.Targets {
		if !t.Backend.Healthy() || slices.Contains(tried, t.Backend) {
			continue
		}
		if l := t.Backend.InFlight(); !found || l < bestLoad {
			best, bestLoad, found = t, l, true
		}
	}
	return best, found
}

// Start probes the backends and, without configured models, discovers models once before
// returning; then it keeps doing both in the background until ctx ends.
func (r *Router) Start(ctx context.Context) {
	var wg sync.WaitGroup
	for _, b := range r.backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.probe(ctx, b)
		}()
	}
	wg.Wait()
	if !r.static {
		r.Discover(ctx)
	}
	for _, b := range r.backends {
		go r.healthLoop(ctx, b)
	}
	if !r.static {
		go r.discoveryLoop(ctx)
	}
}

func (r *Router) probe(ctx context.Context, b *Backend) {
	if b.probe(ctx) {
		h := b.Healthy()
		r.log.Warn("backend health changed", "backend", b.Name(), "healthy", h)
		if r.onHealth != nil {
			r.onHealth(b, h)
		}
	}
}

func (r *Router) healthLoop(ctx context.Context, b *Backend) {
	t := time.NewTicker(b.Spec.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.probe(ctx, b)
		}
	}
}

func (r *Router) discoveryLoop(ctx context.Context) {
	t := time.NewTicker(r.discovery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Discover(ctx)
		}
	}
}

// maxListing bounds a backend's model listing.
const maxListing = 8 << 20

// Discover lists each backend's models and rebuilds the table. A backend that cannot be listed
// keeps the models it had.
func (r *Router) Discover(ctx context.Context) {
	old := r.table.Load()
	t := &table{models: map[string]*Model{}}
	for _, b := range r.backends {
		entries, err := r.list(ctx, b)
		if err != nil {
			r.log.Warn("model discovery failed", "backend", b.Name(), "err", err)
			for _, m := range old.models {
				for _, tg := range m.Targets {
					if tg.Backend == b {
						entries = append(entries, discovered{name: tg.Upstream, tag: m.Tag})
					}
				}
			}
		}
		for _, e := range entries {
			m := t.models[e.name]
			if m == nil {
				m = &Model{Name: e.name, Tag: e.tag}
				t.models[e.name] = m
			}
			m.Targets = append(m.Targets, Target{Backend: b, Upstream: e.name})
		}
	}
	t.sortNames()
	r.table.Store(t)
}

type discovered struct {
	name string
	tag  json.RawMessage
}

func (r *Router) list(ctx context.Context, b *Backend) ([]discovered, error) {
	ctx, cancel := context.WithTimeout(ctx, b.Spec.HealthTimeout+5*time.Second)
	defer cancel()
	path := "/api/tags"
	if b.Kind() == KindOpenAI {
		path = "/v1/models"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.URL(path), nil)
	if err != nil {
		return nil, err
	}
	b.Authorize(req.Header)
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", path, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListing))
	if err != nil {
		return nil, err
	}
	var out []discovered
	if b.Kind() == KindOpenAI {
		var l struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &l); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, d := range l.Data {
			if d.ID != "" {
				out = append(out, discovered{name: d.ID})
			}
		}
		return out, nil
	}
	var l struct {
		Models []json.RawMessage `json:"models"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, raw := range l.Models {
		var m struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		}
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		if m.Name == "" {
			m.Name = m.Model
		}
		if m.Name != "" {
			out = append(out, discovered{name: m.Name, tag: raw})
		}
	}
	return out, nil
}
