// Package admin serves the management API: LiteLLM-compatible key endpoints for now.
package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// maxBody bounds a management request.
const maxBody = 1 << 20

// Deps are what the management API works with.
type Deps struct {
	Store  store.Store
	Hasher *keys.Hasher
	Auth   *identity.KeyAuth
	Groups *policy.Groups // configured model groups, nil for none
	// KnownModel reports whether a model name is served (for refusing typos in allowlists).
	KnownModel func(name string) bool
	Log        *slog.Logger
}

// API is the management API.
type API struct {
	store  store.Store
	hasher *keys.Hasher
	auth   *identity.KeyAuth
	groups *policy.Groups
	known  func(string) bool
	log    *slog.Logger
}

// New returns the management API.
func New(d Deps) *API {
	return &API{store: d.Store, hasher: d.Hasher, auth: d.Auth, groups: d.Groups, known: d.KnownModel, log: d.Log}
}

// Register adds the endpoints to mux, each wrapped by authn, which authenticates the caller and
// puts the principal in the request context. Each handler authorizes its own action.
func (a *API) Register(mux *http.ServeMux, authn func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("POST /key/generate", authn(a.adminOnly(a.generateKey)))
	mux.HandleFunc("POST /key/delete", authn(a.adminOnly(a.deleteKeys)))
	mux.HandleFunc("GET /key/info", authn(a.adminOnly(a.keyInfo)))
	mux.HandleFunc("GET /key/list", authn(a.adminOnly(a.listKeys)))
}

// adminOnly refuses callers who are not admins.
func (a *API) adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !identity.From(r.Context()).IsAdmin() {
			openai.WriteError(w, http.StatusForbidden, "admin_only", "this endpoint is for Warden administrators only")
			return
		}
		next(w, r)
	}
}

// apiError is an error with the status and code the caller gets.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...)}
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		openai.WriteError(w, ae.status, ae.code, ae.msg)
		return
	}
	a.log.Error("management call failed", "path", r.URL.Path, "err", err)
	openai.WriteError(w, http.StatusServiceUnavailable, "store_unavailable", "the store could not complete the request; try again")
}

// decode reads a JSON object into v whatever the Content-Type says (curl -d sends form encoding),
// refusing unknown fields by name, trailing data and oversized bodies.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{http.StatusRequestEntityTooLarge, "request_too_large", "request body over 1 MiB"}
		}
		return badRequest("could not read the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("%s", describeJSONError(body, err))
	}
	if dec.More() {
		return badRequest("unexpected data after the JSON object")
	}
	return nil
}

func describeJSONError(body []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s, not %s", te.Field, kindName(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("field %s is not supported by Warden", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.EOF):
		if len(bytes.TrimSpace(body)) == 0 {
			return "the request body is empty; send a JSON object"
		}
	}
	return "invalid JSON: " + err.Error()
}

func kindName(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	case "float64", "int", "int64":
		return "a number"
	}
	return "a " + k
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// actor names the caller for the admin log.
func actor(r *http.Request) string {
	p := identity.From(r.Context())
	if p == nil {
		return ""
	}
	if p.Master {
		return "master-key"
	}
	return p.UserID + "/" + p.KeyID
}
