package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/route"
	"github.com/warden-gw/warden/internal/upstream"
)

// manageCall passes Ollama's model-management calls (pull, push, create, copy, delete) to an
// Ollama backend: the one serving the named model if Warden knows it, else the first healthy one.
// Only admins reach it.
func (s *Server) manageCall(ep endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call.Call{ID: r.Header.Get(hdrRequest), Dialect: call.Ollama, Endpoint: ep.path,
			Principal: identity.From(r.Context()), Start: time.Now()}
		defer s.finish(r.Context(), c)
		fail := func(status int, code, msg string) {
			c.Status, c.Err = status, code
			writeError(w, call.Ollama, status, code, msg)
		}
		body, release, err := s.readBody(w, r)
		if err != nil {
			fail(s.bodyFailure(err))
			return
		}
		defer release()
		var req struct {
			Model  string `json:"model"`
			Name   string `json:"name"`
			Source string `json:"source"`
			Stream *bool  `json:"stream"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			fail(http.StatusBadRequest, "invalid_request", "invalid JSON: "+err.Error())
			return
		}
		c.Model = firstNonEmpty(req.Model, req.Name, req.Source)
		c.Stream = ep.streamDefault && (req.Stream == nil || *req.Stream)
		m := &route.Model{Name: c.Model}
		if known, ok := s.router.Lookup(c.Model); ok {
			for _, t := range known.Targets {
				if t.Backend.Kind() == route.KindOllama {
					m.Targets = append(m.Targets, route.Target{Backend: t.Backend, Upstream: t.Upstream})
				}
			}
		}
		if len(m.Targets) == 0 {
			for _, b := range s.router.Backends() {
				if b.Kind() == route.KindOllama {
					m.Targets = append(m.Targets, route.Target{Backend: b, Upstream: c.Model})
					break
				}
			}
		}
		if len(m.Targets) == 0 {
			fail(http.StatusNotImplemented, "not_supported", ep.path+" needs an Ollama backend; none is configured")
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		resp, t, done, err := upstream.Dispatch(ctx, m, func(route.Target) (upstream.Request, error) {
			return upstream.Request{Method: ep.method, Path: ep.path, Body: body, RequestID: c.ID}, nil
		})
		if err != nil {
			s.dispatchFailed(w, r, c, err)
			return
		}
		defer done()
		defer resp.Body.Close()
		c.Backend, c.TTFB = t.Backend.Name(), time.Since(c.Start)
		ct := resp.Header.Get("Content-Type")
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		c.Status = resp.StatusCode
		w.WriteHeader(resp.StatusCode)
		idle := upstream.NewIdleReader(resp.Body, time.Duration(s.cfg.Server.StreamIdleTimeout), upstream.Aborter(resp, cancel))
		defer idle.Stop()
		if c.Bytes, err = upstream.Relay(w, idle, strings.Contains(ct, "ndjson")); err != nil {
			c.Err = relayError(r, idle, err)
		}
		if ep.path == "/api/pull" || ep.path == "/api/create" || ep.path == "/api/copy" || ep.path == "/api/delete" {
			go s.router.Discover(context.WithoutCancel(ctx)) // the model list changed
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
