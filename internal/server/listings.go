package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/route"
)

// allowedModels returns the models the caller may use.
func (s *Server) allowedModels(p *identity.Principal) []*route.Model {
	all := s.router.Models()
	if !p.CanUseModels() {
		return nil
	}
	out := all[:0:0]
	for _, m := range all {
		if p.AllowsModel(m.Name) {
			out = append(out, m)
		}
	}
	return out
}

// listModelsOpenAI answers GET /v1/models with the models the caller may use.
func (s *Server) listModelsOpenAI(w http.ResponseWriter, r *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, m := range s.allowedModels(identity.From(r.Context())) {
		out.Data = append(out.Data, model{ID: m.Name, Object: "model", Created: 0, OwnedBy: ownedBy(m)})
	}
	writeJSONValue(w, out)
}

// retrieveModelOpenAI answers GET /v1/models/{model}.
func (s *Server) retrieveModelOpenAI(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("model")
	p := identity.From(r.Context())
	m, ok := s.router.Lookup(name)
	if !ok || !p.CanUseModels() || !p.AllowsModel(name) {
		writeError(w, call.OpenAI, http.StatusNotFound, "model_not_found", "model \""+name+"\" does not exist or this key may not use it")
		return
	}
	writeJSONValue(w, map[string]any{"id": m.Name, "object": "model", "created": 0, "owned_by": ownedBy(m)})
}

func ownedBy(m *route.Model) string {
	if len(m.Targets) > 0 {
		return m.Targets[0].Backend.Name()
	}
	return "warden"
}

// tags answers GET /api/tags with the models the caller may use, in Ollama's format: the backend's
// own entry (renamed to the client-facing name) when it came from Ollama, else a minimal one.
func (s *Server) tags(w http.ResponseWriter, r *http.Request) {
	out := []json.RawMessage{}
	for _, m := range s.allowedModels(identity.From(r.Context())) {
		out = append(out, tagFor(m))
	}
	writeJSONValue(w, map[string]any{"models": out})
}

func tagFor(m *route.Model) json.RawMessage {
	if len(m.Tag) > 0 {
		var entry map[string]any
		if json.Unmarshal(m.Tag, &entry) == nil {
			entry["name"], entry["model"] = m.Name, m.Name
			if raw, err := json.Marshal(entry); err == nil {
				return raw
			}
		}
	}
	raw, _ := json.Marshal(map[string]any{
		"name": m.Name, "model": m.Name, "modified_at": time.Unix(0, 0).UTC(), "size": 0, "digest": "",
		"details": map[string]any{"parent_model": "", "format": "", "family": "", "families": nil,
			"parameter_size": "", "quantization_level": ""},
	})
	return raw
}

// ps answers GET /api/ps: the models loaded on the Ollama backends, limited to what the caller may use.
func (s *Server) ps(w http.ResponseWriter, r *http.Request) {
	p := identity.From(r.Context())
	allowed := map[string]map[string]string{} // backend -> upstream name -> client name
	for _, m := range s.allowedModels(p) {
		for _, t := range m.Targets {
			if allowed[t.Backend.Name()] == nil {
				allowed[t.Backend.Name()] = map[string]string{}
			}
			allowed[t.Backend.Name()][t.Upstream] = m.Name
		}
	}
	var out []json.RawMessage
	for _, b := range s.router.Backends() {
		if b.Kind() != route.KindOllama || !b.Healthy() || allowed[b.Name()] == nil {
			continue
		}
		var l struct {
			Models []json.RawMessage `json:"models"`
		}
		if err := s.getJSON(r.Context(), b, "/api/ps", &l); err != nil {
			s.log.Warn("list loaded models", "backend", b.Name(), "err", err)
			continue
		}
		for _, raw := range l.Models {
			var m map[string]any
			if json.Unmarshal(raw, &m) != nil {
				continue
			}
			name, _ := m["name"].(string)
			if name == "" {
				name, _ = m["model"].(string)
			}
			client, ok := allowed[b.Name()][name]
			if !ok {
				continue
			}
			m["name"], m["model"] = client, client
			enc, _ := json.Marshal(m)
			out = append(out, enc)
		}
	}
	if out == nil {
		out = []json.RawMessage{}
	}
	writeJSONValue(w, map[string]any{"models": out})
}

// version answers GET /api/version with the version of the first healthy Ollama backend, so that
// clients which check Ollama's version keep working; "0.0.0" when there is none.
func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	for _, b := range s.router.Backends() {
		if b.Kind() != route.KindOllama || !b.Healthy() {
			continue
		}
		var v struct {
			Version string `json:"version"`
		}
		if err := s.getJSON(r.Context(), b, "/api/version", &v); err == nil && v.Version != "" {
			writeJSONValue(w, map[string]string{"version": v.Version})
			return
		}
	}
	writeJSONValue(w, map[string]string{"version": "0.0.0"})
}

func (s *Server) getJSON(ctx context.Context, b *route.Backend, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.URL(path), nil)
	if err != nil {
		return err
	}
	b.Authorize(req.Header)
	resp, err := b.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &httpStatusError{resp.StatusCode}
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(v)
}

type httpStatusError struct{ status int }

func (e *httpStatusError) Error() string { return "answered " + http.StatusText(e.status) }

func writeJSONValue(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
