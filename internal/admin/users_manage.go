package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// loadUser reads a user and its teams, answering 404 naming field when there is no such user.
func (a *API) loadUser(r *http.Request, field, id string) (store.User, []store.TeamMember, error) {
	u, err := a.store.GetUser(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return u, nil, notFound("user_not_found", "field %q: no user %q", field, id)
	}
	if err != nil {
		return u, nil, err
	}
	teams, err := a.store.TeamsOfUser(r.Context(), id)
	return u, teams, err
}

func (a *API) userInfo(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if err := onlyParams(q, "user_id"); err != nil {
		a.fail(w, r, err)
		return
	}
	id := q.Get("user_id")
	if id == "" {
		id = c.actor.UserID
	}
	if id == "" {
		a.fail(w, r, badRequest("query parameter \"user_id\" is required"))
		return
	}
	// Authorize before revealing whether the user exists.
	teams, err := a.store.TeamsOfUser(r.Context(), id)
	if err == nil {
		err = authorizeOnUser(c, policy.UserInfo, "", id, teams)
	}
	var u store.User
	if err == nil {
		u, teams, err = a.loadUser(r, "user_id", id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ks, err := a.store.ListKeys(r.Context(), store.KeyFilter{UserID: id, Limit: store.MaxLimit})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	kv := []keyView{}
	for _, k := range ks {
		if c.may(policy.KeyInfo, keyTarget(k)) {
			kv = append(kv, viewKey(k))
		}
	}
	tv := []teamView{}
	for _, m := range teams {
		if id != c.actor.UserID && !c.may(policy.TeamInfo, policy.Target{TeamID: m.TeamID}) {
			continue
		}
		t, err := a.store.GetTeam(r.Context(), m.TeamID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		tv = append(tv, viewTeam(t, nil))
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": id, "user_info": viewUser(u, teams), "keys": kv, "teams": tv})
}

// updateUserRequest is LiteLLM's /user/update body: absent fields are unchanged.
type updateUserRequest struct {
	UserID    string          `json:"user_id"`
	UserEmail opt[string]     `json:"user_email"`
	UserAlias opt[string]     `json:"user_alias"`
	UserRole  opt[string]     `json:"user_role"`
	Blocked   opt[bool]       `json:"blocked"`
	Models    []string        `json:"models"`
	Metadata  json.RawMessage `json:"metadata"`
	limitFields
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req updateUserRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	u, change, err := a.planUserUpdate(r, c, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.store.UpdateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = conflict("field \"user_email\": another user has the email %q", u.Email)
		}
		a.fail(w, r, err)
		return
	}
	a.auth.ForgetAll() // the user's keys may have changed role or been blocked
	if err := a.record(r, c, "user.update", u.ID, change); err != nil {
		a.fail(w, r, err)
		return
	}
	u, teams, err := a.loadUser(r, "user_id", u.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": u.ID, "data": viewUser(u, teams)})
}

// planUserUpdate authorizes and validates a user update against the stored user.
func (a *API) planUserUpdate(r *http.Request, c caller, req updateUserRequest) (store.User, map[string]any, error) {
	id := req.UserID
	if id == "" && req.UserEmail.has() {
		id = req.UserEmail.V
	}
	if id == "" {
		return store.User{}, nil, badRequest("field \"user_id\" (or \"user_email\") is required")
	}
	if len(req.Models) > 0 {
		return store.User{}, nil, badRequest("field \"models\" is not supported by Warden on users: limit models on the user's teams or keys")
	}
	grants := ""
	if req.UserRole.has() {
		role, err := roleOf(req.UserRole.V)
		if err != nil {
			return store.User{}, nil, err
		}
		grants = role
	}
	teams, err := a.store.TeamsOfUser(r.Context(), id)
	if err != nil {
		return store.User{}, nil, err
	}
	if err := authorizeOnUser(c, policy.UserUpdate, grants, id, teams); err != nil {
		return store.User{}, nil, err
	}
	u, _, err := a.loadUser(r, "user_id", id)
	if err != nil {
		return u, nil, err
	}
	change := map[string]any{}
	if grants != "" && grants != u.Role {
		change["role"] = map[string]string{"from": u.Role, "to": grants}
		u.Role = grants
	}
	if req.UserEmail.Set && req.UserID != "" {
		if err := checkText("user_email", req.UserEmail.V); err != nil {
			return u, nil, err
		}
		u.Email, change["user_email"] = req.UserEmail.V, req.UserEmail.V
	}
	if req.UserAlias.Set {
		if err := checkText("user_alias", req.UserAlias.V); err != nil {
			return u, nil, err
		}
		u.Name, change["user_alias"] = req.UserAlias.V, req.UserAlias.V
	}
	if req.Blocked.Set {
		u.Blocked, change["blocked"] = req.Blocked.V, req.Blocked.V
	}
	if meta, err := checkMetadata("metadata", req.Metadata); err != nil {
		return u, nil, err
	} else if meta != nil {
		u.Metadata, change["metadata"] = meta, meta
	}
	if req.limitFields.any() {
		if u.Limits, err = req.limitFields.apply(u.Limits); err != nil {
			return u, nil, err
		}
		change["limits"] = viewLimits(u.Limits)
	}
	return u, change, nil
}

func (a *API) deleteUsers(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req struct {
		UserIDs []string `json:"user_ids"`
	}
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if len(req.UserIDs) == 0 || len(req.UserIDs) > store.MaxLimit {
		a.fail(w, r, badRequest("field \"user_ids\" must list 1 to %d user ids", store.MaxLimit))
		return
	}
	for _, id := range req.UserIDs { // check all first: one unknown id deletes nothing
		err := c.authorize(policy.UserDelete, policy.Target{OwnerUserID: id})
		if err == nil {
			_, _, err = a.loadUser(r, "user_ids", id)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
	}
	for _, id := range req.UserIDs {
		if err := a.store.DeleteUser(r.Context(), id); err != nil {
			a.fail(w, r, err)
			return
		}
		a.auth.ForgetAll() // the user's keys are gone
		if err := a.record(r, c, "user.delete", id, nil); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted_users": req.UserIDs})
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if err := onlyParams(q, "role", "team", "page", "page_size"); err != nil {
		a.fail(w, r, err)
		return
	}
	page, size, err := paging(q, "page_size", 25)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := store.UserFilter{TeamID: q.Get("team"), Limit: size, Offset: (page - 1) * size}
	if role := q.Get("role"); role != "" {
		if f.Role, err = roleOf(role); err != nil {
			a.fail(w, r, badRequest("query parameter \"role\": %q is not a role", role))
			return
		}
	}
	if f.TeamID == "" && !c.may(policy.UserList, policy.Target{}) {
		f.TeamID = a.administeredTeam(c) // a team admin sees their team's members
	}
	if err := c.authorize(policy.UserList, policy.Target{TeamID: f.TeamID}); err != nil {
		a.fail(w, r, err)
		return
	}
	us, err := a.store.ListUsersFiltered(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	total, err := a.store.CountUsers(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(us))
	for _, u := range us {
		teams, err := a.store.TeamsOfUser(r.Context(), u.ID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		n, err := a.store.CountKeys(r.Context(), store.KeyFilter{UserID: u.ID})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out = append(out, struct {
			userView
			KeyCount int `json:"key_count"`
		}{viewUser(u, teams), n})
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "total": total, "page": page, "page_size": size,
		"total_pages": pages(total, size)})
}

// administeredTeam is the one team the caller administers, or "" (none, or several: then the
// caller must name one with ?team=).
func (a *API) administeredTeam(c caller) string {
	found := ""
	for id, role := range c.actor.TeamRoles {
		if role == policy.TeamRoleAdmin {
			if found != "" {
				return ""
			}
			found = id
		}
	}
	return found
}
