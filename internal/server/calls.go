package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/api/jsonscan"
	"github.com/warden-gw/warden/internal/api/ollama"
	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/route"
	"github.com/warden-gw/warden/internal/upstream"
	"github.com/warden-gw/warden/internal/usage"
)

// maxTranslatedAnswer bounds a non-streamed answer that Warden must decode to translate.
const maxTranslatedAnswer = 64 << 20

// modelCall runs the pipeline for one model call: parse, authorize, route, forward, relay.
func (s *Server) modelCall(ep endpoint) authenticated {
	return func(w http.ResponseWriter, r *http.Request, p *identity.Principal) {
		c := &call.Call{ID: r.Header.Get(hdrRequest), Dialect: ep.dialect, Endpoint: ep.path,
			Principal: p, Start: time.Now()}
		defer s.finish(r.Context(), c)
		fail := func(status int, code, msg string) {
			c.Status, c.Err = status, code
			writeError(w, ep.dialect, status, code, msg)
		}
		if !c.Principal.CanUseModels() {
			fail(http.StatusForbidden, "role_not_allowed", fmt.Sprintf("a user with role %q may not call models", c.Principal.Role))
			return
		}
		body, release, err := s.readBody(w, r)
		if err != nil {
			fail(s.bodyFailure(err))
			return
		}
		defer release()
		parsed, err := parseCall(ep, body)
		if err != nil {
			fail(http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		c.Model, c.Stream = parsed.model, parsed.stream
		// The allowlist is checked before existence, so a key cannot probe which models exist.
		m, ok := s.router.Lookup(c.Model)
		d := p.DecideModel(c.Model)
		if !d.Allowed && ok && m.Name != c.Model {
			d = p.DecideModel(m.Name) // "llama3" resolved to "llama3:latest"
		}
		if !d.Allowed {
			fail(http.StatusForbidden, "model_not_allowed", "this API key may not use this model: "+d.Reason)
			return
		}
		if !ok {
			fail(http.StatusNotFound, "model_not_found", fmt.Sprintf("model %q does not exist; list the available models with GET %s", c.Model, listPath(ep.dialect)))
			return
		}
		c.Model = m.Name
		mt, ok := s.admit(w, r, c, ep, body, parsed.maxOutput)
		if !ok {
			return
		}
		defer s.settle(r.Context(), c, mt)
		if c.Stream && ep.dialect == call.OpenAI && ep.generates() {
			// Ask the backend for the stream's usage; the client sees that chunk only if it asked.
			if b, err := openai.SetIncludeUsage(body); err == nil {
				body = b
			}
		}
		mt.clientUsage = parsed.includeUsage
		s.forward(w, r, c, ep, m, body, mt)
	}
}

func listPath(d call.Dialect) string {
	if d == call.Ollama {
		return "/api/tags"
	}
	return "/v1/models"
}

// parsedCall is what Warden reads of a call's body.
type parsedCall struct {
	model        string
	stream       bool
	includeUsage bool // OpenAI stream_options.include_usage
	// maxOutput is the request's output limit for reservations (usage.MaxOutput with no
	// default), read in the same pass; -1 when not read, for admit to read it if needed.
	maxOutput int64
}

// parseCall reads the model name and the stream flags in the endpoint's dialect.
func parseCall(ep endpoint, body []byte) (parsedCall, error) {
	if ep.dialect == call.OpenAI {
		req, err := openai.ParseRequest(body)
		return parsedCall{req.Model, req.Stream, req.IncludeUsage, usage.MaxOutputOpenAI(req.OutputLimits, 0)}, err
	}
	req, err := ollama.ParseRequest(body, ep.streamDefault)
	return parsedCall{model: req.Model, stream: req.Stream, maxOutput: -1}, err
}

// translated reports whether a call must be translated for the target: Ollama calls to OpenAI backends.
func translated(ep endpoint, t route.Target) bool {
	return ep.dialect == call.Ollama && t.Backend.Kind() == route.KindOpenAI
}

// buildRequest makes the upstream request for one target.
func buildRequest(c *call.Call, ep endpoint, body []byte) upstream.Build {
	return func(t route.Target) (upstream.Request, error) {
		req := upstream.Request{Method: ep.method, Path: ep.path, RequestID: c.ID}
		if !translated(ep, t) {
			req.Body = body
			if t.Upstream != c.Model {
				b, err := jsonscan.SetTopLevelString(body, "model", t.Upstream)
				if err != nil {
					return req, &badRequest{err}
				}
				req.Body = b
			}
			return req, nil
		}
		var err error
		switch ep.kind {
		case kOllamaChat:
			req.Path = "/v1/chat/completions"
			req.Body, err = ollama.ChatToOpenAI(body, t.Upstream)
		case kOllamaGenerate:
			req.Path = "/v1/chat/completions"
			req.Body, err = ollama.GenerateToOpenAI(body, t.Upstream)
		case kOllamaEmbed:
			req.Path = "/v1/embeddings"
			req.Body, err = ollama.EmbedToOpenAI(body, t.Upstream)
		case kOllamaEmbeddings:
			req.Path = "/v1/embeddings"
			req.Body, err = ollama.EmbeddingsToOpenAI(body, t.Upstream)
		default:
			err = fmt.Errorf("%s cannot be sent to an OpenAI-compatible backend", ep.path)
		}
		var local *ollama.LocalAnswer
		if errors.As(err, &local) {
			return req, local // answered by Warden, like Ollama does for load-only requests
		}
		if err != nil {
			return req, &badRequest{err}
		}
		return req, nil
	}
}

// badRequest is a request that cannot be translated for its backend.
type badRequest struct{ err error }

func (b *badRequest) Error() string { return b.err.Error() }

// forward sends the call to a backend of the model and relays the answer, measuring its usage.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, c *call.Call, ep endpoint, m *route.Model, body []byte, mt *meter) {
	ctx, cancel := r.Context(), context.CancelFunc(nil)
	if !m.PlainHTTP() { // answers over net/http's transport are interrupted through their context
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
	}
	if ep.kind == kOllamaShow {
		if t, ok := m.Pick(nil); ok && t.Backend.Kind() == route.KindOpenAI {
			s.writeJSON(c, w, http.StatusOK, ollama.ShowFromModel(c.Model))
			return
		}
	}
	resp, t, done, err := upstream.Dispatch(ctx, m, buildRequest(c, ep, body))
	if err != nil {
		s.dispatchFailed(w, r, c, err)
		return
	}
	defer done()
	defer resp.Body.Close()
	c.Backend, c.Upstream, c.TTFB = t.Backend.Name(), t.Upstream, time.Since(c.Start)
	idle := upstream.NewIdleReader(resp.Body, time.Duration(s.cfg.Server.StreamIdleTimeout), upstream.Aborter(resp, cancel))
	defer idle.Stop()
	if translated(ep, t) {
		s.relayTranslated(w, c, ep, resp, idle, mt)
		return
	}
	h := w.Header()
	ct := resp.Header["Content-Type"] // shared, never modified: saves a copy per call
	if len(ct) > 0 {
		h["Content-Type"] = ct[:1]
	}
	sse := len(ct) > 0 && strings.HasPrefix(ct[0], "text/event-stream")
	ndjson := len(ct) > 0 && strings.HasPrefix(ct[0], "application/x-ndjson")
	metered := resp.StatusCode == http.StatusOK && ep.kind != kOllamaShow
	rename := ""
	if t.Upstream != c.Model {
		rename = c.Model
	}
	switch {
	case metered && sse && ep.generates():
		c.Status = resp.StatusCode
		w.WriteHeader(resp.StatusCode)
		obs := usage.NewSSEObserver(mt.clientUsage, mt.prompt)
		res := relaySSE(w, idle, obs, mt.cutAt, rename)
		s.streamEnded(r, c, idle, res, obs.Final(), ep, body)
		return
	case metered && ndjson && ep.generates():
		c.Status = resp.StatusCode
		w.WriteHeader(resp.StatusCode)
		obs := usage.NewNDJSONObserver(ep.path, mt.prompt)
		res := relayNDJSON(w, idle, obs, mt.cutAt, rename)
		s.streamEnded(r, c, idle, res, obs.Final(), ep, body)
		return
	case metered && !sse && !ndjson:
		s.relayWhole(w, c, idle, rename != "", mt, resp.ContentLength)
		return
	}
	if cl := resp.Header["Content-Length"]; len(cl) > 0 && !sse && !ndjson {
		h["Content-Length"] = cl[:1]
	}
	c.Status = resp.StatusCode
	w.WriteHeader(resp.StatusCode)
	c.Bytes, err = upstream.Relay(w, idle, sse || ndjson)
	if err != nil {
		c.Err = relayError(r, idle, err)
	}
}

// streamEnded records how a metered stream ended and what it used. A stream the client
// abandoned is charged for what passed through Warden, no more.
func (s *Server) streamEnded(r *http.Request, c *call.Call, idle *upstream.IdleReader, res streamResult, u usage.Usage, ep endpoint, body []byte) {
	c.Bytes = res.bytes
	switch {
	case res.cut:
		c.Err = errBudgetCut
	case res.err != nil:
		c.Err = relayError(r, idle, res.err)
	}
	if u.Estimated { // the backend reported nothing: count the prompt properly, once
		u.PromptTokens = usage.EstimatePrompt(dialectName(c.Dialect), ep.path, body)
	}
	c.Usage, c.Metered = u, true
}

// relayWhole relays a whole answer, reading it first to take its usage. A model that has another
// name on its backend gets the name the client used put back into the answer's "model" field.
func (s *Server) relayWhole(w http.ResponseWriter, c *call.Call, body io.Reader, renamed bool, mt *meter, size int64) {
	raw, err := readAnswer(body, size)
	if err != nil {
		c.Status, c.Err = http.StatusBadGateway, "backend_read"
		writeError(w, c.Dialect, http.StatusBadGateway, "backend_read", "the model backend's answer was cut off")
		return
	}
	c.Usage, c.Metered = usage.FromAnswer(dialectName(c.Dialect), raw, mt.prompt), true
	if renamed {
		if b, err := jsonscan.SetTopLevelString(raw, "model", c.Model); err == nil {
			raw = b
		}
	}
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(raw))}
	c.Status = http.StatusOK
	w.WriteHeader(http.StatusOK)
	n, _ := w.Write(raw)
	c.Bytes = int64(n)
}

// readAnswer reads a whole answer of at most maxTranslatedAnswer bytes; size is its
// Content-Length, or -1.
func readAnswer(body io.Reader, size int64) ([]byte, error) {
	if size >= 0 && size <= maxTranslatedAnswer {
		buf := make([]byte, size) // the body is cut at its Content-Length by the HTTP client
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	buf, err := io.ReadAll(io.LimitReader(body, maxTranslatedAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(buf) > maxTranslatedAnswer {
		return nil, errors.New("answer too large")
	}
	return buf, nil
}

// relayTranslated answers an Ollama call from an OpenAI backend's answer.
func (s *Server) relayTranslated(w http.ResponseWriter, c *call.Call, ep endpoint, resp *http.Response, body io.Reader, mt *meter) {
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(body, 1<<20))
		c.Status, c.Err = resp.StatusCode, "backend_error"
		ollama.WriteError(w, resp.StatusCode, ollama.ErrorFromOpenAI(resp.StatusCode, raw))
		return
	}
	if c.Stream && (ep.kind == kOllamaChat || ep.kind == kOllamaGenerate) {
		w.Header()["Content-Type"] = []string{"application/x-ndjson"}
		c.Status = http.StatusOK
		w.WriteHeader(http.StatusOK)
		sk := ollama.StreamChat
		if ep.kind == kOllamaGenerate {
			sk = ollama.StreamGenerate
		}
		cw := &countingWriter{w: w}
		flusher, _ := w.(http.Flusher)
		flush := func() {
			if flusher != nil {
				flusher.Flush()
			}
		}
		u, err := ollama.TranslateStreamLimit(sk, c.Model, body, cw, flush, int(min(mt.cutAt, 1<<30)))
		if errors.Is(err, ollama.ErrLimitReached) {
			c.Err = errBudgetCut
		} else if err != nil {
			c.Err = "stream_error"
			s.log.Warn("stream translation ended early", "request_id", c.ID, "err", err)
		}
		c.Bytes = cw.n
		c.Usage, c.Metered = usage.Usage{PromptTokens: int64(u.PromptTokens), CompletionTokens: int64(u.CompletionTokens), Estimated: u.Estimated}, true
		if u.Estimated {
			c.Usage.PromptTokens = mt.prompt
		}
		return
	}
	raw, err := readAnswer(body, resp.ContentLength)
	if err != nil {
		c.Status, c.Err = http.StatusBadGateway, "backend_read"
		ollama.WriteError(w, http.StatusBadGateway, "the model backend's answer was cut off")
		return
	}
	c.Usage, c.Metered = usage.FromAnswer(usage.DialectOpenAI, raw, mt.prompt), true
	var out []byte
	switch ep.kind {
	case kOllamaChat:
		out, err = ollama.ChatFromOpenAI(raw, c.Model)
	case kOllamaGenerate:
		out, err = ollama.GenerateFromOpenAI(raw, c.Model)
	case kOllamaEmbed:
		out, err = ollama.EmbedFromOpenAI(raw, c.Model)
	case kOllamaEmbeddings:
		out, err = ollama.EmbeddingsFromOpenAI(raw)
	}
	if err != nil {
		c.Status, c.Err = http.StatusBadGateway, "backend_answer"
		ollama.WriteError(w, http.StatusBadGateway, "the model backend sent an answer Warden could not understand")
		return
	}
	s.writeJSON(c, w, http.StatusOK, out)
}

func (s *Server) writeJSON(c *call.Call, w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = []string{"application/json; charset=utf-8"}
	c.Status = status
	w.WriteHeader(status)
	n, _ := w.Write(body)
	c.Bytes = int64(n)
}

// dispatchFailed answers a call no backend took.
func (s *Server) dispatchFailed(w http.ResponseWriter, r *http.Request, c *call.Call, err error) {
	var br *badRequest
	var local *ollama.LocalAnswer
	switch f, ok := upstream.IsFailure(err); {
	case errors.As(err, &local):
		c.Status = http.StatusOK
		local.Write(w)
	case ok:
		c.Status, c.Err = f.Status, "backend_failed"
		writeError(w, c.Dialect, f.Status, "backend_unavailable", f.Message)
	case errors.As(err, &br):
		c.Status, c.Err = http.StatusBadRequest, "invalid_request"
		writeError(w, c.Dialect, http.StatusBadRequest, "invalid_request", br.Error())
	case r.Context().Err() != nil:
		c.Status, c.Err = 499, "client_closed"
	default:
		c.Status, c.Err = http.StatusBadGateway, "backend_failed"
		writeError(w, c.Dialect, http.StatusBadGateway, "backend_unavailable", "the model backend could not be reached")
	}
}

func relayError(r *http.Request, idle *upstream.IdleReader, err error) string {
	switch {
	case r.Context().Err() != nil:
		return "client_closed"
	case idle.Fired():
		return "stream_idle_timeout"
	}
	return "relay_failed"
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}

// finish records a finished call in the metrics and the log. Never the prompt, never the key.
func (s *Server) finish(ctx context.Context, c *call.Call) {
	d := time.Since(c.Start)
	model := c.Model
	if c.Status == http.StatusNotFound || c.Status == http.StatusBadRequest || c.Status == http.StatusForbidden {
		model = "" // do not let unknown names grow the metric series
	}
	ttfb := -1.0
	if c.TTFB > 0 {
		ttfb = c.TTFB.Seconds()
	}
	s.metrics.Observe(c.Endpoint, model, c.Status, d.Seconds(), ttfb)
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	keyID := ""
	if c.Principal != nil {
		keyID = c.Principal.KeyID
		if c.Principal.Master {
			keyID = "master"
		}
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "call",
		slog.String("request_id", c.ID), slog.String("endpoint", c.Endpoint), slog.String("model", c.Model),
		slog.Bool("stream", c.Stream), slog.Int("status", c.Status), slog.String("key_id", keyID),
		slog.String("backend", c.Backend), slog.Duration("duration", d), slog.Duration("ttfb", c.TTFB),
		slog.Int64("bytes", c.Bytes), slog.String("error", c.Err))
}
