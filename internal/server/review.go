package server

import (
	"net/http"

	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/review"
)

// accessReview answers GET /admin/v1/review: keys unused for 30+ days, keys due for rotation, keys
// without owner or justification, users in no team, and every admin. ?format=json (default), csv
// or table.
func (s *Server) accessReview(w http.ResponseWriter, r *http.Request) {
	rep, err := review.Run(r.Context(), s.store, review.Options{})
	if err != nil {
		s.log.Error("access review failed", "err", err)
		openai.WriteError(w, http.StatusServiceUnavailable, "store_unavailable", "the access review could not read the store; try again")
		return
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		err = rep.WriteJSON(w)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="warden-access-review.csv"`)
		err = rep.WriteCSV(w)
	case "table":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		err = rep.WriteTable(w)
	default:
		openai.WriteError(w, http.StatusBadRequest, "invalid_request", `query parameter "format" must be json, csv or table`)
		return
	}
	if err != nil {
		s.log.Warn("access review write", "err", err)
	}
}

// allow wraps h so that only principals the policy allows to perform action reach it; a refusal
// is answered in dialect d.
func (s *Server) allow(d call.Dialect, action string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := identity.From(r.Context())
		if dec := policy.Authorize(p.Actor(), action, policy.Target{}); !dec.Allowed {
			writeError(w, d, dec.Status, "forbidden", dec.Reason)
			return
		}
		h(w, r)
	}
}
