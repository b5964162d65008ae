package admin

import (
	"encoding/json"
	"net/http"

	"github.com/warden-gw/warden/internal/store"
)

// userCreate is the body of POST /admin/v1/users. It creates no key: POST /admin/v1/keys does.
type userCreate struct {
	ID       string          `json:"id"`
	Email    string          `json:"email"`
	Name     string          `json:"name"`
	Role     string          `json:"role"`
	Blocked  bool            `json:"blocked"`
	Metadata json.RawMessage `json:"metadata"`
	Limits   *limitFields    `json:"limits"`
	Teams    []membership    `json:"teams"`
}

// membership is a team the new user joins and the team role there (admin or member).
type membership struct {
	TeamID string `json:"team_id"`
	Role   string `json:"role"`
}

// userPatch is the body of PATCH /admin/v1/users/{id}: absent fields are unchanged.
type userPatch struct {
	Email    opt[string]     `json:"email"`
	Name     opt[string]     `json:"name"`
	Role     opt[string]     `json:"role"`
	Blocked  opt[bool]       `json:"blocked"`
	Metadata json.RawMessage `json:"metadata"`
	Limits   *limitFields    `json:"limits"`
}

func (a *API) nativeListUsers(w http.ResponseWriter, r *http.Request, c caller) error {
	q := r.URL.Query()
	if err := onlyParams(q, "role", "team_id", "limit", "offset"); err != nil {
		return err
	}
	limit, offset, err := window(q)
	if err != nil {
		return err
	}
	us, total, err := a.userPage(r, c, q.Get("role"), "team_id", q.Get("team_id"), limit, offset)
	if err != nil {
		return err
	}
	sr := a.spendReader(r)
	out := make([]userResource, 0, len(us))
	for _, u := range us {
		teams, err := a.store.TeamsOfUser(r.Context(), u.ID)
		if err != nil {
			return err
		}
		v, err := sr.userResource(u, teams)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, newPage(out, total, offset))
	return nil
}

func (a *API) nativeCreateUser(w http.ResponseWriter, r *http.Request, c caller) error {
	var req userCreate
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	noKey := false
	teams := make(teamRefs, 0, len(req.Teams))
	for _, m := range req.Teams {
		teams = append(teams, memberOf(m))
	}
	_, _, u, err := a.addUser(r, c, newUserRequest{UserID: req.ID, UserEmail: req.Email, UserAlias: req.Name,
		UserRole: req.Role, Teams: teams, Metadata: req.Metadata, Blocked: req.Blocked, AutoCreateKey: &noKey,
		limitFields: limitsOf(req.Limits)})
	if err != nil {
		return err
	}
	return a.writeUserResource(w, r, http.StatusCreated, u.ID)
}

// writeUserResource answers with user id as stored, with its teams.
func (a *API) writeUserResource(w http.ResponseWriter, r *http.Request, status int, id string) error {
	u, teams, err := a.loadUser(r, "id", id)
	if err != nil {
		return err
	}
	return a.writeUserWith(w, r, status, u, teams)
}

// writeUserWith answers with user u, its teams and its current spend.
func (a *API) writeUserWith(w http.ResponseWriter, r *http.Request, status int, u store.User, teams []store.TeamMember) error {
	v, err := a.spendReader(r).userResource(u, teams)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (a *API) nativeGetUser(w http.ResponseWriter, r *http.Request, c caller) error {
	u, teams, err := a.userFor(r, c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeUserWith(w, r, http.StatusOK, u, teams)
}

func (a *API) nativePatchUser(w http.ResponseWriter, r *http.Request, c caller) error {
	var req userPatch
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	u, teams, err := a.patchUser(r, c, updateUserRequest{UserID: r.PathValue("id"), UserEmail: req.Email,
		UserAlias: req.Name, UserRole: req.Role, Blocked: req.Blocked, Metadata: req.Metadata,
		limitFields: limitsOf(req.Limits)})
	if err != nil {
		return err
	}
	return a.writeUserWith(w, r, http.StatusOK, u, teams)
}

func (a *API) nativeDeleteUser(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := a.removeUsers(r, c, "id", []string{r.PathValue("id")}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
