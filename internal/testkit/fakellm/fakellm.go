// Package fakellm is a fake LLM server speaking the OpenAI and Ollama wire formats, for tests and benchmarks.
package fakellm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a fake server. The zero value is usable.
type Options struct {
	// Models are the model names served (default: "llama3.1:8b", "qwen2.5:7b").
	// A name without a tag also matches "<name>:latest".
	Models []string
	// Chunks is the number of content chunks in a streamed answer (default 4).
	// It is also the completion token count of a full answer.
	Chunks int
	// ChunkDelay is slept before each content chunk; a non-streamed answer
	// takes Chunks*ChunkDelay. Default 0.
	ChunkDelay time.Duration
	// Reply is an optional fixed answer text, cut into at most Chunks pieces
	// of near-equal length. Default: the words "w0 w1 w2 ...", one per chunk.
	Reply string
	// Name labels this backend. With the default reply the answer starts with
	// "<Name>: ", and every response carries the header X-Fakellm-Name.
	Name string
	// APIKey, if set, makes every request except the "/" health probe
	// require "Authorization: Bearer <APIKey>"; others get 401 in the
	// path's dialect.
	APIKey string
}

// DefaultModels are the models served when Options.Models is empty.
func DefaultModels() []string { return []string{"llama3.1:8b", "qwen2.5:7b"} }

const (
	defaultChunks = 4
	maxChunks     = 1 << 16
	maxBodyBytes  = 32 << 20
	// ollamaVersion is the version /api/version reports.
	ollamaVersion = "0.17.4"
	// fingerprint is the OpenAI system_fingerprint of every answer.
	fingerprint = "fp_fakellm"
)

// modelCreatedUnix is the fixed creation time of every model (2025-01-02
// 03:04:05 UTC), so listings are the same on every run.
const modelCreatedUnix = 1735787045

// model is one served model with its precomputed wire values.
type model struct {
	name      string
	quoted    []byte // name as a JSON string, quotes included
	digest    string // hex sha256, no "sha256:" prefix
	size      int64
	family    string
	paramSize string
}

// route is one served path.
type route struct {
	methods   []string
	modelCall bool // counts toward InFlight and can be failed with Fail
	serve     func(w http.ResponseWriter, r *http.Request, body []byte)
}

func (rt route) allows(method string) bool {
	for _, m := range rt.methods {
		if m == method {
			return true
		}
	}
	return false
}

// Handler is the fake server as an http.Handler, with the controls and
// counters tests use. Create it with NewHandler; Start wraps it in a
// listening Server.
type Handler struct {
	opts       Options
	models     []*model
	byName     map[string]*model
	chunks     []string // answer pieces, one per streamed chunk
	escChunks  [][]byte // the same, JSON-escaped, without quotes
	auth       []byte   // "Bearer <key>", nil when no key is required
	nameHeader []string
	routes     map[string]route

	tagsJSON   []byte // GET /api/tags
	modelsJSON []byte // GET /v1/models

	requests    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	canceled    atomic.Int64
	failConns   atomic.Int64
	unhealthy   atomic.Bool
	idSeq       atomic.Uint64

	mu         sync.Mutex
	failN      int
	failStatus int
	last       RecordedRequest
	lastCall   RecordedRequest

	done      chan struct{} // closed when the owning Server closes
	closeOnce sync.Once
	bufs      sync.Pool // *[]byte answer buffers
}

// NewHandler validates opts and builds the fake. Serve it with any
// http.Server, or use Start for a listener on a free loopback port.
func NewHandler(opts Options) (*Handler, error) {
	if opts.Chunks < 0 || opts.Chunks > maxChunks {
		return nil, fmt.Errorf("fakellm: Chunks %d out of range 0..%d", opts.Chunks, maxChunks)
	}
	if opts.Chunks == 0 {
		opts.Chunks = defaultChunks
	}
	if opts.ChunkDelay < 0 {
		return nil, fmt.Errorf("fakellm: negative ChunkDelay %v", opts.ChunkDelay)
	}
	if len(opts.Models) == 0 {
		opts.Models = DefaultModels()
	}
	h := &Handler{
		opts:   opts,
		byName: make(map[string]*model, len(opts.Models)),
		done:   make(chan struct{}),
	}
	for _, name := range opts.Models {
		if strings.TrimSpace(name) == "" {
			return nil, errors.New("fakellm: empty model name")
		}
		if _, dup := h.byName[name]; dup {
			return nil, fmt.Errorf("fakellm: model %q listed twice", name)
		}
		digest := digestOf("model:" + name)
		m := &model{
			name:      name,
			quoted:    appendJSONString(nil, name),
			digest:    digest,
			size:      4_000_000_000 + int64(digest[0])<<20,
			family:    modelFamily(name),
			paramSize: parameterSize(name),
		}
		h.models = append(h.models, m)
		h.byName[name] = m
	}
	h.chunks = buildChunks(opts.Chunks, opts.Reply, opts.Name)
	for _, c := range h.chunks {
		h.escChunks = append(h.escChunks, appendJSONEscaped(nil, c))
	}
	if opts.APIKey != "" {
		h.auth = []byte("Bearer " + opts.APIKey)
	}
	if opts.Name != "" {
		h.nameHeader = []string{opts.Name}
	}
	h.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	var err error
	if h.tagsJSON, err = h.buildTags(); err != nil {
		return nil, err
	}
	if h.modelsJSON, err = h.buildModelList(); err != nil {
		return nil, err
	}
	h.routes = h.buildRoutes()
	return h, nil
}

func (h *Handler) buildRoutes() map[string]route {
	post := []string{http.MethodPost}
	get := []string{http.MethodGet}
	getHead := []string{http.MethodGet, http.MethodHead}
	return map[string]route{
		"/": {methods: getHead, serve: h.serveRoot},

		"/v1/chat/completions": {methods: post, modelCall: true, serve: h.serveOpenAIChat},
		"/v1/completions":      {methods: post, modelCall: true, serve: h.serveOpenAICompletion},
		"/v1/embeddings":       {methods: post, modelCall: true, serve: h.serveOpenAIEmbeddings},
		"/v1/models":           {methods: get, serve: h.serveOpenAIModels},

		"/api/chat":       {methods: post, modelCall: true, serve: h.serveOllamaChat},
		"/api/generate":   {methods: post, modelCall: true, serve: h.serveOllamaGenerate},
		"/api/embed":      {methods: post, modelCall: true, serve: h.serveOllamaEmbed},
		"/api/embeddings": {methods: post, modelCall: true, serve: h.serveOllamaEmbeddings},
		"/api/tags":       {methods: getHead, serve: h.serveOllamaTags},
		"/api/show":       {methods: post, serve: h.serveOllamaShow},
		"/api/ps":         {methods: get, serve: h.serveOllamaPS},
		"/api/version":    {methods: getHead, serve: h.serveOllamaVersion},
		"/api/pull":       {methods: post, serve: h.serveOllamaPull},
		"/api/push":       {methods: post, serve: h.serveOllamaPush},
		"/api/create":     {methods: post, serve: h.serveOllamaCreate},
		"/api/copy":       {methods: post, serve: h.serveOllamaCopy},
		"/api/delete":     {methods: []string{http.MethodDelete}, serve: h.serveOllamaDelete},
	}
}

func (h *Handler) lookup(path string) (route, bool) {
	if rt, ok := h.routes[path]; ok {
		return rt, true
	}
	if id, ok := strings.CutPrefix(path, "/v1/models/"); ok && id != "" {
		return route{
			methods: []string{http.MethodGet},
			serve: func(w http.ResponseWriter, r *http.Request, _ []byte) {
				h.serveOpenAIModel(w, id)
			},
		}, true
	}
	return route{}, false
}

// ServeHTTP records the request, applies the injected faults, health and
// API key check in that order, then answers it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	path := r.URL.Path
	d := dialectOf(path)
	rt, found := h.lookup(path)
	body, bodyErr := readBody(r)
	h.record(r, body, found && rt.modelCall)
	if h.takeFailConn() {
		abortConnection(w)
		return
	}
	if h.nameHeader != nil {
		w.Header()["X-Fakellm-Name"] = h.nameHeader
	}
	if h.unhealthy.Load() {
		writeError(w, d, unavailable(d))
		return
	}
	if bodyErr != nil {
		writeError(w, d, *bodyErr)
		return
	}
	isProbe := path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	if !isProbe && !h.authorized(r) {
		writeError(w, d, unauthorized(d))
		return
	}
	if !found || !rt.allows(r.Method) {
		writeError(w, d, notFound(d, r.Method, path))
		return
	}
	if rt.modelCall {
		h.enter()
		defer h.inFlight.Add(-1)
		if status := h.takeFail(); status != 0 {
			writeError(w, d, injected(d, status, h.opts.Name))
			return
		}
	}
	rt.serve(w, r, body)
}

// serveRoot is the health probe, answered like real Ollama.
func (h *Handler) serveRoot(w http.ResponseWriter, r *http.Request, _ []byte) {
	const msg = "Ollama is running"
	w.Header()["Content-Type"] = plainTextType
	w.Header()["Content-Length"] = []string{"17"}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_, _ = w.Write([]byte(msg))
}

// findModel resolves a requested model name, also accepting a name without
// tag for "<name>:latest".
func (h *Handler) findModel(name string) *model {
	if m, ok := h.byName[name]; ok {
		return m
	}
	if !strings.Contains(name, ":") {
		return h.byName[name+":latest"]
	}
	return nil
}

// resolveModel finds the model or writes the dialect's 400/404 and returns nil.
func (h *Handler) resolveModel(w http.ResponseWriter, d dialect, name string) *model {
	if name == "" {
		writeError(w, d, missingModel(d))
		return nil
	}
	m := h.findModel(name)
	if m == nil {
		writeError(w, d, unknownModel(d, name))
	}
	return m
}

// ReplyText is the full answer text a call gets when no token limit cuts it short.
func (h *Handler) ReplyText() string { return strings.Join(h.chunks, "") }

// ChunkCount is the number of content chunks in a full answer (its
// completion token count).
func (h *Handler) ChunkCount() int { return len(h.chunks) }

// Models returns the served model names.
func (h *Handler) Models() []string {
	names := make([]string, len(h.models))
	for i, m := range h.models {
		names[i] = m.name
	}
	return names
}

// digestOf is the hex sha256 of s, for stable fake digests.
func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// getBuf and putBuf lend out answer buffers.
func (h *Handler) getBuf() *[]byte { return h.bufs.Get().(*[]byte) }

func (h *Handler) putBuf(b *[]byte) {
	if cap(*b) > 1<<20 {
		return
	}
	*b = (*b)[:0]
	h.bufs.Put(b)
}
