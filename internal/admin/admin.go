// Package admin serves the management API, native REST under /admin/v1 and LiteLLM-compatible: keys, teams, users, usage, admin events.
package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

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
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// API is the management API.
type API struct {
	store  store.Store
	hasher *keys.Hasher
	auth   *identity.KeyAuth
	groups *policy.Groups
	known  func(string) bool
	log    *slog.Logger
	now    func() time.Time
	// openapi builds the OpenAPI document once, on first use.
	openapi func() ([]byte, error)
}

// New returns the management API.
func New(d Deps) *API {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &API{store: d.Store, hasher: d.Hasher, auth: d.Auth, groups: d.Groups, known: d.KnownModel, log: d.Log, now: now,
		openapi: sync.OnceValues(buildOpenAPI)}
}

// Mux is where Register adds routes: an *http.ServeMux, or a wrapper that records patterns.
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Register adds the endpoints to mux, each wrapped by authn, which authenticates the caller and
// puts the principal in the request context. Each handler authorizes its own action.
func (a *API) Register(mux Mux, authn func(http.HandlerFunc) http.HandlerFunc) {
	for _, e := range a.endpoints() {
		mux.HandleFunc(e.method+" "+e.path, authn(e.handler))
	}
}

// Endpoint is one management route and the policy action it authorizes ("" for a route any
// authenticated caller may use: GET /admin/v1/openapi.json).
type Endpoint struct {
	Method, Path, Action string
}

// Endpoints lists the management routes with their policy actions, for route tables and tests.
func (a *API) Endpoints() []Endpoint {
	var out []Endpoint
	for _, e := range a.endpoints() {
		out = append(out, Endpoint{Method: e.method, Path: e.path, Action: e.action})
	}
	return out
}

type endpoint struct {
	method, path, action string
	handler              http.HandlerFunc
}

// litellmEndpoints are LiteLLM's management routes (spend as daily aggregates), and the event log.
func (a *API) litellmEndpoints() []endpoint {
	return []endpoint{
		{"POST", "/key/generate", policy.KeyGenerate, posted(a, a.generateKey)},
		{"POST", "/key/update", policy.KeyUpdate, posted(a, a.updateKey)},
		{"POST", "/key/delete", policy.KeyDelete, posted(a, a.deleteKeys)},
		{"GET", "/key/info", policy.KeyInfo, a.keyInfo},
		{"GET", "/key/list", policy.KeyList, a.listKeys},
		{"POST", "/key/regenerate", policy.KeyRegenerate, a.regenerateKey},
		{"POST", "/key/{key}/regenerate", policy.KeyRegenerate, a.regenerateKey},
		{"POST", "/team/new", policy.TeamNew, posted(a, a.newTeam)},
		{"POST", "/team/update", policy.TeamUpdate, posted(a, a.updateTeam)},
		{"POST", "/team/delete", policy.TeamDelete, posted(a, a.deleteTeams)},
		{"GET", "/team/info", policy.TeamInfo, a.teamInfo},
		{"GET", "/team/list", policy.TeamList, a.listTeams},
		{"POST", "/team/member_add", policy.TeamMemberAdd, posted(a, a.addMembers)},
		{"POST", "/team/member_delete", policy.TeamMemberDelete, posted(a, a.deleteMember)},
		{"POST", "/user/new", policy.UserNew, posted(a, a.newUser)},
		{"GET", "/user/info", policy.UserInfo, a.userInfo},
		{"POST", "/user/update", policy.UserUpdate, posted(a, a.updateUser)},
		{"POST", "/user/delete", policy.UserDelete, posted(a, a.deleteUsers)},
		{"GET", "/user/list", policy.UserList, a.listUsers},
		{"GET", "/spend/logs", policy.UsageRead, a.serveSpendLogs},
		{"GET", "/admin/v1/events", policy.EventsList, a.native(nil, a.listEvents)},
	}
}

// endpoints are every route: the LiteLLM-compatible ones and the native REST API.
func (a *API) endpoints() []endpoint { return append(a.litellmEndpoints(), a.nativeEndpoints()...) }

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

func forbidden(format string, args ...any) *apiError {
	return &apiError{http.StatusForbidden, "forbidden", fmt.Sprintf(format, args...)}
}

func notFound(code, format string, args ...any) *apiError {
	return &apiError{http.StatusNotFound, code, fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *apiError {
	return &apiError{http.StatusConflict, "conflict", fmt.Sprintf(format, args...)}
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	ae := a.classify(r, err)
	openai.WriteError(w, ae.status, ae.code, ae.msg)
}

// classify turns err into the status, code and message the caller gets; an unexpected error is
// logged and answered as the store being unavailable, without its details.
func (a *API) classify(r *http.Request, err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrInvalid):
		return badRequest("%s", err.Error())
	}
	a.log.Error("management call failed", "path", r.URL.Path, "err", err)
	return &apiError{http.StatusServiceUnavailable, "store_unavailable", "the store could not complete the request; try again"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
