package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/warden-gw/warden/internal/store"
)

// teamCreate is the body of POST /admin/v1/teams.
type teamCreate struct {
	ID       string          `json:"id"`
	Alias    string          `json:"alias"`
	Models   []string        `json:"models"`
	Metadata json.RawMessage `json:"metadata"`
	Blocked  bool            `json:"blocked"`
	Limits   *limitFields    `json:"limits"`
	Members  []memberCreate  `json:"members"`
}

// memberCreate is a member to add: a user id (or an email for a user to create) and a team role.
type memberCreate struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

func (m memberCreate) request() memberRequest {
	return memberRequest{Role: m.Role, UserID: m.UserID, UserEmail: m.Email}
}

// teamPatch is the body of PATCH /admin/v1/teams/{id}: absent fields are unchanged, null clears.
type teamPatch struct {
	Alias    opt[string]     `json:"alias"`
	Models   opt[[]string]   `json:"models"`
	Metadata json.RawMessage `json:"metadata"`
	Blocked  opt[bool]       `json:"blocked"`
	Limits   *limitFields    `json:"limits"`
}

func (a *API) nativeListTeams(w http.ResponseWriter, r *http.Request, c caller) error {
	q := r.URL.Query()
	if err := onlyParams(q, "user_id", "limit", "offset"); err != nil {
		return err
	}
	limit, offset, err := window(q)
	if err != nil {
		return err
	}
	if err := checkText("user_id", q.Get("user_id")); err != nil {
		return err
	}
	ts, total, err := a.visibleTeams(r, c, store.TeamFilter{UserID: q.Get("user_id"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	sr := a.spendReader(r)
	out := make([]teamResource, 0, len(ts))
	for _, t := range ts {
		ms, err := a.store.ListTeamMembers(r.Context(), t.ID)
		if err != nil {
			return err
		}
		v, err := sr.teamResource(t, ms)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, newPage(out, total, offset))
	return nil
}

func (a *API) nativeCreateTeam(w http.ResponseWriter, r *http.Request, c caller) error {
	var req teamCreate
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	t, err := a.createTeam(r, c, newTeamRequest{TeamID: req.ID, TeamAlias: req.Alias, Models: req.Models,
		Metadata: req.Metadata, Blocked: req.Blocked, MembersWithRoles: mapAll(req.Members, memberCreate.request),
		limitFields: limitsOf(req.Limits)})
	if err != nil {
		return err
	}
	return a.writeTeamResource(w, r, http.StatusCreated, t.ID)
}

// writeTeamResource answers with team id as stored, with its members.
func (a *API) writeTeamResource(w http.ResponseWriter, r *http.Request, status int, id string) error {
	t, err := a.store.GetTeam(r.Context(), id)
	if err != nil {
		return err
	}
	ms, err := a.store.ListTeamMembers(r.Context(), id)
	if err != nil {
		return err
	}
	return a.writeTeamWith(w, r, status, t, ms)
}

// writeTeamWith answers with team t, its members ms and its current spend.
func (a *API) writeTeamWith(w http.ResponseWriter, r *http.Request, status int, t store.Team, ms []store.TeamMember) error {
	v, err := a.spendReader(r).teamResource(t, ms)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (a *API) nativeGetTeam(w http.ResponseWriter, r *http.Request, c caller) error {
	t, ms, err := a.teamFor(r, c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeTeamWith(w, r, http.StatusOK, t, ms)
}

func (a *API) nativePatchTeam(w http.ResponseWriter, r *http.Request, c caller) error {
	var req teamPatch
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	t, ms, err := a.patchTeam(r, c, updateTeamRequest{TeamID: r.PathValue("id"), TeamAlias: req.Alias,
		Models: req.Models, Metadata: req.Metadata, Blocked: req.Blocked, limitFields: limitsOf(req.Limits)})
	if err != nil {
		return err
	}
	return a.writeTeamWith(w, r, http.StatusOK, t, ms)
}

func (a *API) nativeDeleteTeam(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := a.removeTeams(r, c, "id", []string{r.PathValue("id")}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) nativeListMembers(w http.ResponseWriter, r *http.Request, c caller) error {
	q := r.URL.Query()
	if err := onlyParams(q, "limit", "offset"); err != nil {
		return err
	}
	limit, offset, err := window(q)
	if err != nil {
		return err
	}
	_, ms, err := a.teamFor(r, c, r.PathValue("id"))
	if err != nil {
		return err
	}
	total := len(ms)
	ms = ms[min(offset, total):min(offset+limit, total)]
	writeJSON(w, http.StatusOK, newPage(mapAll(ms, memberResourceOf), total, offset))
	return nil
}

func (a *API) nativeAddMember(w http.ResponseWriter, r *http.Request, c caller) error {
	var req memberCreate
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	added, err := a.addTeamMembers(r, c, r.PathValue("id"), memberList{req.request()})
	var ae *apiError
	if errors.As(err, &ae) && ae.code == "team_member_already_in_team" {
		return &apiError{http.StatusConflict, ae.code, ae.msg} // REST: the membership exists
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, memberResourceOf(added[0]))
	return nil
}

func (a *API) nativeRemoveMember(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := a.removeMember(r, c, r.PathValue("id"), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
