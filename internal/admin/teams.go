package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// memberRequest is one of LiteLLM's team members: a role and a user id or email.
type memberRequest struct {
	Role      string `json:"role"`
	UserID    string `json:"user_id"`
	UserEmail string `json:"user_email"`
}

// newTeamRequest is LiteLLM's /team/new body, as far as Warden supports it.
type newTeamRequest struct {
	TeamID           string          `json:"team_id"`
	TeamAlias        string          `json:"team_alias"`
	Models           []string        `json:"models"`
	Metadata         json.RawMessage `json:"metadata"`
	Blocked          bool            `json:"blocked"`
	MembersWithRoles []memberRequest `json:"members_with_roles"`
	limitFields
}

func (a *API) newTeam(w http.ResponseWriter, r *http.Request, c caller, req newTeamRequest) {
	t, err := a.createTeam(r, c, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeTeam(w, r, t)
}

// createTeam authorizes, validates, stores and records a new team and its members; both APIs call it.
func (a *API) createTeam(r *http.Request, c caller, req newTeamRequest) (store.Team, error) {
	if err := c.authorize(policy.TeamNew, policy.Target{}); err != nil {
		return store.Team{}, err
	}
	t, members, err := a.planTeam(r, req)
	if err != nil {
		return t, err
	}
	if err := a.store.CreateTeam(r.Context(), t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = conflict("field \"team_alias\": a team with alias %q or id %q already exists", t.Alias, t.ID)
		}
		return t, err
	}
	if err := a.record(r, c, "team.new", t.ID, teamChange(t)); err != nil {
		return t, err
	}
	for _, m := range members {
		if err := a.joinTeam(r, c, m); err != nil {
			return t, err
		}
	}
	return t, nil
}

// planTeam validates a new team and its members; nothing is written.
func (a *API) planTeam(r *http.Request, req newTeamRequest) (store.Team, []plannedMember, error) {
	t := store.Team{ID: req.TeamID, Alias: req.TeamAlias, Blocked: req.Blocked}
	for _, f := range []struct{ name, v string }{{"team_id", req.TeamID}, {"team_alias", req.TeamAlias}} {
		if err := checkText(f.name, f.v); err != nil {
			return t, nil, err
		}
	}
	if len(req.Models) > 0 {
		if _, err := a.checkModels("models", req.Models); err != nil {
			return t, nil, err
		}
		t.Models = req.Models
	}
	var err error
	if t.Metadata, err = checkMetadata("metadata", req.Metadata); err != nil {
		return t, nil, err
	}
	if t.Limits, err = req.limitFields.apply(store.Limits{}); err != nil {
		return t, nil, err
	}
	if t.Alias != "" {
		if _, err := a.store.GetTeamByAlias(r.Context(), t.Alias); err == nil {
			return t, nil, conflict("field \"team_alias\": a team with alias %q already exists", t.Alias)
		} else if !errors.Is(err, store.ErrNotFound) {
			return t, nil, err
		}
	}
	if t.ID == "" {
		id, err := keys.NewID()
		if err != nil {
			return t, nil, err
		}
		t.ID = "team_" + id[len("key_"):]
	} else if _, err := a.store.GetTeam(r.Context(), t.ID); err == nil {
		return t, nil, conflict("field \"team_id\": a team with id %q already exists", t.ID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return t, nil, err
	}
	members, err := a.planMembers(r, "members_with_roles", t.ID, req.MembersWithRoles)
	return t, members, err
}

// teamChange is what an event records of a team's settings.
func teamChange(t store.Team) map[string]any {
	return map[string]any{"team_alias": t.Alias, "models": nonNil(t.Models), "metadata": object(t.Metadata),
		"blocked": t.Blocked, "limits": viewLimits(t.Limits)}
}

// writeTeam answers with the team row and its members.
func (a *API) writeTeam(w http.ResponseWriter, r *http.Request, t store.Team) {
	t, err := a.store.GetTeam(r.Context(), t.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ms, err := a.store.ListTeamMembers(r.Context(), t.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.spendReader(r).teamView(t, ms)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// updateTeamRequest is LiteLLM's /team/update body: absent fields are unchanged.
type updateTeamRequest struct {
	TeamID    string          `json:"team_id"`
	TeamAlias opt[string]     `json:"team_alias"`
	Models    opt[[]string]   `json:"models"`
	Metadata  json.RawMessage `json:"metadata"`
	Blocked   opt[bool]       `json:"blocked"`
	limitFields
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request, c caller, req updateTeamRequest) {
	t, ms, err := a.patchTeam(r, c, req)
	var v teamView
	if err == nil {
		v, err = a.spendReader(r).teamView(t, ms)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"team_id": t.ID, "data": v})
}

// patchTeam authorizes, validates, stores and records a team update and returns the team as stored
// with its members; both APIs call it.
func (a *API) patchTeam(r *http.Request, c caller, req updateTeamRequest) (store.Team, []store.TeamMember, error) {
	t, change, err := a.planTeamUpdate(r, c, req)
	if err != nil {
		return t, nil, err
	}
	if err := a.store.UpdateTeam(r.Context(), t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = conflict("field \"team_alias\": a team with alias %q already exists", t.Alias)
		}
		return t, nil, err
	}
	a.auth.ForgetAll() // the team's keys may have lost models or been blocked
	if err := a.record(r, c, "team.update", t.ID, change); err != nil {
		return t, nil, err
	}
	if t, err = a.store.GetTeam(r.Context(), t.ID); err != nil {
		return t, nil, err
	}
	ms, err := a.store.ListTeamMembers(r.Context(), t.ID)
	return t, ms, err
}

// planTeamUpdate authorizes and validates a team update against the stored team.
func (a *API) planTeamUpdate(r *http.Request, c caller, req updateTeamRequest) (store.Team, map[string]any, error) {
	if req.TeamID == "" {
		return store.Team{}, nil, badRequest("field \"team_id\" is required")
	}
	if err := c.authorize(policy.TeamUpdate, policy.Target{TeamID: req.TeamID}); err != nil {
		return store.Team{}, nil, err
	}
	t, err := a.team(r, req.TeamID)
	if err != nil {
		return t, nil, err
	}
	// Models, blocking and limits widen or cut the team's access: the admin's call, not a team admin's.
	for _, f := range []struct {
		name string
		set  bool
	}{{"models", req.Models.Set}, {"blocked", req.Blocked.Set}, {"budget and limit fields", req.limitFields.any()}} {
		if f.set && !c.may(policy.TeamUpdateLimits, policy.Target{TeamID: t.ID}) {
			return t, nil, forbidden("field %s: only an admin may change a team's models, blocking, budget or limits", f.name)
		}
	}
	change := map[string]any{}
	if req.TeamAlias.Set {
		if err := checkText("team_alias", req.TeamAlias.V); err != nil {
			return t, nil, err
		}
		if other, err := a.store.GetTeamByAlias(r.Context(), req.TeamAlias.V); err == nil && other.ID != t.ID {
			return t, nil, conflict("field \"team_alias\": a team with alias %q already exists", req.TeamAlias.V)
		}
		t.Alias, change["team_alias"] = req.TeamAlias.V, req.TeamAlias.V
	}
	if req.Models.Set {
		if _, err := a.checkModels("models", req.Models.V); err != nil {
			return t, nil, err
		}
		t.Models, change["models"] = req.Models.V, nonNil(req.Models.V)
	}
	if meta, err := checkMetadata("metadata", req.Metadata); err != nil {
		return t, nil, err
	} else if meta != nil {
		t.Metadata, change["metadata"] = meta, meta
	}
	if req.Blocked.Set {
		t.Blocked, change["blocked"] = req.Blocked.V, req.Blocked.V
	}
	if req.limitFields.any() {
		if t.Limits, err = req.limitFields.apply(t.Limits); err != nil {
			return t, nil, err
		}
		change["limits"] = viewLimits(t.Limits)
	}
	t.UpdatedAt = a.now().UTC().Truncate(store.TimePrecision)
	return t, change, nil
}

func (a *API) deleteTeams(w http.ResponseWriter, r *http.Request, c caller, req teamDeleteRequest) {
	if err := a.removeTeams(r, c, "team_ids", req.TeamIDs); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted_teams": req.TeamIDs})
}

// removeTeams deletes teams and records each; one unknown or refused id deletes nothing. field
// names the request field in errors. Both APIs call it.
func (a *API) removeTeams(r *http.Request, c caller, field string, ids []string) error {
	if len(ids) == 0 || len(ids) > store.MaxLimit {
		return badRequest("field %q must list 1 to %d team ids", field, store.MaxLimit)
	}
	for _, id := range ids { // check all first: one unknown id deletes nothing
		if err := c.authorize(policy.TeamDelete, policy.Target{TeamID: id}); err != nil {
			return err
		}
		if _, err := a.store.GetTeam(r.Context(), id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = notFound("team_not_found", "field %q: no team %q; nothing was deleted", field, id)
			}
			return err
		}
	}
	for _, id := range ids {
		if err := a.store.DeleteTeam(r.Context(), id); err != nil {
			return err
		}
		a.auth.ForgetAll() // the team's keys are gone
		if err := a.record(r, c, "team.delete", id, nil); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) teamInfo(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if err := onlyParams(q, "team_id"); err != nil {
		a.fail(w, r, err)
		return
	}
	id := q.Get("team_id")
	if id == "" {
		a.fail(w, r, badRequest("query parameter \"team_id\" is required"))
		return
	}
	t, ms, err := a.teamFor(r, c, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ks, err := a.store.ListKeys(r.Context(), store.KeyFilter{TeamID: id, Limit: store.MaxLimit})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sr := a.spendReader(r)
	tv, err := sr.teamView(t, ms)
	var kv []keyView
	if err == nil {
		kv, err = sr.keyViews(ks)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	mv := make([]map[string]any, 0, len(ms))
	for _, m := range ms {
		mv = append(mv, map[string]any{"user_id": m.UserID, "team_id": m.TeamID, "role": litellmTeamRole(m.Role)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"team_id": id, "team_info": tv, "keys": kv, "team_memberships": mv})
}

func (a *API) listTeams(w http.ResponseWriter, r *http.Request) {
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
	ts, _, err := a.visibleTeams(r, c, store.TeamFilter{UserID: q.Get("user_id"), Limit: store.MaxLimit})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sr := a.spendReader(r)
	out := make([]teamView, 0, len(ts))
	for _, t := range ts {
		ms, err := a.store.ListTeamMembers(r.Context(), t.ID)
		var v teamView
		if err == nil {
			v, err = sr.teamView(t, ms)
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// teamFor authorizes reading team id and loads it with its members; both APIs call it.
func (a *API) teamFor(r *http.Request, c caller, id string) (store.Team, []store.TeamMember, error) {
	if err := c.authorize(policy.TeamInfo, policy.Target{TeamID: id}); err != nil {
		return store.Team{}, nil, err
	}
	t, err := a.team(r, id)
	if err != nil {
		return t, nil, err
	}
	ms, err := a.store.ListTeamMembers(r.Context(), id)
	return t, ms, err
}

// visibleTeams lists one page of the teams f selects that the caller may see, and counts them: every
// team for a caller who may list teams, else the caller's own teams (refused when there are none).
func (a *API) visibleTeams(r *http.Request, c caller, f store.TeamFilter) ([]store.Team, int, error) {
	all := c.may(policy.TeamList, policy.Target{})
	if !all {
		f.UserID = c.actor.UserID // a member or team admin sees the teams they belong to
	}
	ts, err := a.store.ListTeams(r.Context(), f)
	if err != nil {
		return nil, 0, err
	}
	total, err := a.store.CountTeams(r.Context(), f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]store.Team, 0, len(ts))
	for _, t := range ts {
		if all || c.may(policy.TeamInfo, policy.Target{TeamID: t.ID}) {
			out = append(out, t)
		}
	}
	if !all && (total == 0 || len(ts) > 0 && len(out) == 0) { // none of their own, or may see none
		return nil, 0, c.authorize(policy.TeamList, policy.Target{})
	}
	return out, total, nil
}

// teamDeleteRequest is LiteLLM's /team/delete body.
type teamDeleteRequest struct {
	TeamIDs []string `json:"team_ids"`
}
