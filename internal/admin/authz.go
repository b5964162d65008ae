package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// caller is the authenticated principal of a management request.
type caller struct {
	p     *identity.Principal
	actor policy.Actor
}

// callerOf returns the request's caller; a request without a principal is refused (fail closed).
func callerOf(r *http.Request) (caller, error) {
	p := identity.From(r.Context())
	if p == nil {
		return caller{}, &apiError{http.StatusUnauthorized, "missing_api_key", "no authenticated caller"}
	}
	return caller{p: p, actor: p.Actor()}, nil
}

// admin reports whether the caller may do everything (master key or role admin).
func (c caller) admin() bool { return c.actor.Master || c.actor.Role == policy.RoleAdmin }

// name identifies the caller in the event log: "master-key" or the user id (with the key id).
func (c caller) name() string {
	switch {
	case c.p.Master:
		return "master-key"
	case c.p.UserID == "":
		return "key:" + c.p.KeyID
	}
	return c.p.UserID
}

// authorize decides action on t for the caller and turns a refusal into an error with the
// decision's status and reason. A key bound to no user owns nothing and manages nothing.
func (c caller) authorize(action string, t policy.Target) error {
	if !c.actor.Master && c.actor.UserID == "" {
		return forbidden("%s: this API key belongs to no user; ask an admin", action)
	}
	d := policy.Authorize(c.actor, action, t)
	if d.Allowed {
		return nil
	}
	code := "forbidden"
	if d.Status == http.StatusNotFound {
		code = "not_found"
	}
	return &apiError{d.Status, code, d.Reason}
}

// may reports whether the caller may take action on t.
func (c caller) may(action string, t policy.Target) bool { return c.authorize(action, t) == nil }

// guardOwner refuses a non-admin acting on a key of another user who holds a role above theirs, so
// that a team admin cannot mint or rotate a secret that acts as an admin or auditor.
func (a *API) guardOwner(r *http.Request, c caller, ownerID string) error {
	if c.admin() || ownerID == "" || ownerID == c.actor.UserID {
		return nil
	}
	u, err := a.store.GetUser(r.Context(), ownerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Role == store.RoleAdmin || u.Role == store.RoleAuditor {
		return forbidden("user_id: only an admin may manage the keys of %s, who has the role %s", ownerID, u.Role)
	}
	return nil
}

// record appends an admin event. change must never hold a secret or a hash. A failure is returned:
// an unrecorded change is reported to the caller rather than passed over.
func (a *API) record(r *http.Request, c caller, action, target string, change any) error {
	raw, err := json.Marshal(change)
	if err != nil {
		return err
	}
	if string(raw) == "null" {
		raw = nil
	}
	_, err = a.store.AppendEvent(r.Context(), store.Event{Actor: c.name(), Action: action, Target: target, Change: raw})
	if err != nil {
		return err
	}
	a.log.Info("admin action", "action", action, "actor", c.name(), "target", target)
	return nil
}

// asAPIError is errors.As for *apiError.
func asAPIError(err error, target **apiError) bool { return errors.As(err, target) }
