package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/limits"
)

var (
	hNoSniff   = []string{"nosniff"}
	hNoStore   = []string{"no-store"}
	hDeny      = []string{"DENY"}
	hNoRef     = []string{"no-referrer"}
	hCSP       = []string{"default-src 'none'; frame-ancestors 'none'"}
	hdrRequest = http.CanonicalHeaderKey("X-Request-Id")
)

// secure sets the security headers every answer carries and the request id. (No
// Permissions-Policy: its only use here was opting out of FLoC, which browsers dropped; with it
// an answer's header outgrew the map size that needs no second allocation.)
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hNoSniff
		h["Cache-Control"] = hNoStore
		h["X-Frame-Options"] = hDeny
		h["Referrer-Policy"] = hNoRef
		h["Content-Security-Policy"] = hCSP
		id := []string{s.ridGen.requestID(r.Header.Get(hdrRequest))}
		h[hdrRequest] = id // one shared, never modified slice for both
		r.Header[hdrRequest] = id
		next.ServeHTTP(w, r)
	})
}

// authenticated is a handler that gets the caller's principal directly.
type authenticated func(w http.ResponseWriter, r *http.Request, p *identity.Principal)

// authenticateCall resolves the caller's API key and passes the principal on. It refuses in the
// endpoint's dialect: 401 for a missing or bad key, 503 when it cannot check.
func (s *Server) authenticateCall(d call.Dialect, next authenticated) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		client, ok := s.admitClient(w, r, d)
		if !ok {
			return
		}
		p, err := s.auth.Authenticate(r.Context(), identity.Credential(r))
		if err != nil {
			if client != "" && (errors.Is(err, identity.ErrInvalid) || errors.Is(err, identity.ErrExpired)) {
				if _, ferr := s.authFail.Fail(r.Context(), client); ferr != nil {
					s.log.Warn("record failed authentication", "err", ferr)
				}
			}
			status, code, msg := authFailure(err)
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="warden"`)
			}
			s.log.Info("refused", "path", r.URL.Path, "status", status, "reason", code,
				"request_id", r.Header.Get(hdrRequest), "remote", r.RemoteAddr)
			_, pattern, _ := strings.Cut(r.Pattern, " ")
			s.metrics.Observe(pattern, "", status, 0, -1)
			writeError(w, d, status, code, msg)
			return
		}
		if !p.AllowsEndpoint(r.URL.Path) {
			writeError(w, d, http.StatusForbidden, "endpoint_not_allowed", "this API key may not call "+r.URL.Path)
			return
		}
		next(w, r, p)
	}
}

// authenticate is authenticateCall for handlers that read the principal from the request context.
func (s *Server) authenticate(d call.Dialect, next http.HandlerFunc) http.HandlerFunc {
	return s.authenticateCall(d, func(w http.ResponseWriter, r *http.Request, p *identity.Principal) {
		next(w, r.WithContext(identity.With(r.Context(), p)))
	})
}

func authFailure(err error) (status int, code, msg string) {
	switch {
	case errors.Is(err, identity.ErrNoCredential):
		return http.StatusUnauthorized, "missing_api_key",
			"no API key: send it as 'Authorization: Bearer <key>', as 'x-api-key: <key>', or as the Basic auth password"
	case errors.Is(err, identity.ErrExpired):
		return http.StatusUnauthorized, "expired_api_key", "this API key has expired; ask for a new one"
	case errors.Is(err, identity.ErrBlocked):
		return http.StatusForbidden, "user_blocked", "the user this API key belongs to is blocked"
	case errors.Is(err, identity.ErrUnavailable):
		return http.StatusServiceUnavailable, "auth_unavailable", "Warden cannot verify API keys right now; try again shortly"
	default:
		return http.StatusUnauthorized, "invalid_api_key", "invalid API key"
	}
}

// admitClient answers 429 and returns ok=false when the client is banned for repeated bad
// credentials; otherwise it returns the client's key for counting failures ("" when the limit is off).
func (s *Server) admitClient(w http.ResponseWriter, r *http.Request, d call.Dialect) (client string, ok bool) {
	if s.authFail == nil {
		return "", true
	}
	client = limits.ClientKey(s.clientAddr(r))
	if client == "" {
		return "", true
	}
	retry, banned, err := s.authFail.Banned(r.Context(), client)
	if err != nil {
		s.log.Warn("check failed-authentication ban", "err", err)
		return client, true
	}
	if !banned {
		return client, true
	}
	secs := int(math.Ceil(retry.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	_, pattern, _ := strings.Cut(r.Pattern, " ")
	s.metrics.Observe(pattern, "", http.StatusTooManyRequests, 0, -1)
	writeError(w, d, http.StatusTooManyRequests, "too_many_auth_failures",
		fmt.Sprintf("too many failed authentication attempts from your address; try again in %d seconds", secs))
	return client, false
}
