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
	u, teams, err := a.userFor(r, c, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ks, err := a.store.ListKeys(r.Context(), store.KeyFilter{UserID: id, Limit: store.MaxLimit})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sr := a.spendReader(r)
	kv := []keyView{}
	for _, k := range ks {
		if !c.may(policy.KeyInfo, keyTarget(k)) {
			continue
		}
		v, err := sr.keyView(k)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		kv = append(kv, v)
	}
	tv := []teamView{}
	for _, m := range teams {
		if id != c.actor.UserID && !c.may(policy.TeamInfo, policy.Target{TeamID: m.TeamID}) {
			continue
		}
		t, err := a.store.GetTeam(r.Context(), m.TeamID)
		var v teamView
		if err == nil {
			v, err = sr.teamView(t, nil)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		tv = append(tv, v)
	}
	uv, err := sr.userView(u, teams)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": id, "user_info": uv, "keys": kv, "teams": tv})
}

// userFor authorizes reading user id (before revealing whether it exists) and loads it with its
// teams; both APIs call it.
func (a *API) userFor(r *http.Request, c caller, id string) (store.User, []store.TeamMember, error) {
	teams, err := a.store.TeamsOfUser(r.Context(), id)
	if err == nil {
		err = authorizeOnUser(c, policy.UserInfo, "", id, teams)
	}
	if err != nil {
		return store.User{}, nil, err
	}
	return a.loadUser(r, "user_id", id)
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

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, c caller, req updateUserRequest) {
	u, teams, err := a.patchUser(r, c, req)
	var v userView
	if err == nil {
		v, err = a.spendReader(r).userView(u, teams)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": u.ID, "data": v})
}

// patchUser authorizes, validates, stores and records a user update and returns the user as
// stored with its teams; both APIs call it.
func (a *API) patchUser(r *http.Request, c caller, req updateUserRequest) (store.User, []store.TeamMember, error) {
	u, change, err := a.planUserUpdate(r, c, req)
	if err != nil {
		return u, nil, err
	}
	if err := a.store.UpdateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = conflict("field \"user_email\": another user has the email %q", u.Email)
		}
		return u, nil, err
	}
	a.auth.ForgetAll() // the user's keys may have changed role or been blocked
	if err := a.record(r, c, "user.update", u.ID, change); err != nil {
		return u, nil, err
	}
	return a.loadUser(r, "user_id", u.ID)
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

func (a *API) deleteUsers(w http.ResponseWriter, r *http.Request, c caller, req userDeleteRequest) {
	if err := a.removeUsers(r, c, "user_ids", req.UserIDs); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted_users": req.UserIDs})
}

// removeUsers deletes users and records each; one unknown or refused id deletes nothing. field
// names the request field in errors. Both APIs call it.
func (a *API) removeUsers(r *http.Request, c caller, field string, ids []string) error {
	if len(ids) == 0 || len(ids) > store.MaxLimit {
		return badRequest("field %q must list 1 to %d user ids", field, store.MaxLimit)
	}
	for _, id := range ids { // check all first: one unknown id deletes nothing
		err := c.authorize(policy.UserDelete, policy.Target{OwnerUserID: id})
		if err == nil {
			_, _, err = a.loadUser(r, field, id)
		}
		if err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := a.store.DeleteUser(r.Context(), id); err != nil {
			return err
		}
		a.auth.ForgetAll() // the user's keys are gone
		if err := a.record(r, c, "user.delete", id, nil); err != nil {
			return err
		}
	}
	return nil
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
	us, total, err := a.userPage(r, c, q.Get("role"), "team", q.Get("team"), size, (page-1)*size)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sr := a.spendReader(r)
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
		v, err := sr.userView(u, teams)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out = append(out, struct {
			userView
			KeyCount int `json:"key_count"`
		}{v, n})
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "total": total, "page": page, "page_size": size,
		"total_pages": pages(total, size)})
}

// userPage lists one page of the users the caller may see (all, or the members of the team they
// administer) with role and in team teamID (both optional), and counts them. teamParam names the
// team query parameter in errors. Both APIs call it.
func (a *API) userPage(r *http.Request, c caller, role, teamParam, teamID string, limit, offset int) ([]store.User, int, error) {
	f := store.UserFilter{TeamID: teamID, Limit: limit, Offset: offset}
	if role != "" {
		var err error
		if f.Role, err = roleOf(role); err != nil {
			return nil, 0, badRequest("query parameter \"role\": %q is not a role", role)
		}
	}
	if err := checkText(teamParam, teamID); err != nil {
		return nil, 0, err
	}
	if f.TeamID == "" && !c.may(policy.UserList, policy.Target{}) {
		f.TeamID = a.administeredTeam(c) // a team admin sees their team's members
	}
	if err := c.authorize(policy.UserList, policy.Target{TeamID: f.TeamID}); err != nil {
		return nil, 0, err
	}
	us, err := a.store.ListUsersFiltered(r.Context(), f)
	if err != nil {
		return nil, 0, err
	}
	total, err := a.store.CountUsers(r.Context(), f)
	return us, total, err
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

// userDeleteRequest is LiteLLM's /user/delete body.
type userDeleteRequest struct {
	UserIDs []string `json:"user_ids"`
}
