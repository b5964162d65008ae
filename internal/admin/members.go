package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// plannedMember is a validated membership, with the user to create first when it is new.
type plannedMember struct {
	m      store.TeamMember
	create *store.User
}

// planMembers validates members for team teamID: roles, and users found by id or email (created
// with role user when unknown, as LiteLLM does). Nothing is written.
func (a *API) planMembers(r *http.Request, field, teamID string, list []memberRequest) ([]plannedMember, error) {
	if len(list) > store.MaxLimit {
		return nil, badRequest("field %q lists more than %d members", field, store.MaxLimit)
	}
	out := make([]plannedMember, 0, len(list))
	seen := map[string]bool{}
	for i, req := range list {
		at := fmt.Sprintf("%s[%d]", field, i)
		role, err := teamRoleOf(at+".role", req.Role)
		if err != nil {
			return nil, err
		}
		id := req.UserID
		if id == "" {
			id = req.UserEmail
		}
		if id == "" {
			return nil, badRequest("field %q needs user_id or user_email", at)
		}
		if err := checkText(at+".user_id", id); err != nil {
			return nil, err
		}
		if err := checkText(at+".user_email", req.UserEmail); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, badRequest("field %q: user %q is listed twice", at, id)
		}
		seen[id] = true
		pm := plannedMember{m: store.TeamMember{TeamID: teamID, UserID: id, Role: role}}
		_, err = a.store.GetUser(r.Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			pm.create = &store.User{ID: id, Email: req.UserEmail, Role: store.RoleUser}
		case err != nil:
			return nil, err
		}
		out = append(out, pm)
	}
	return out, nil
}

// joinTeam creates a planned member's user if needed and adds the membership, recording both.
func (a *API) joinTeam(r *http.Request, c caller, pm plannedMember) error {
	if pm.create != nil {
		if err := a.createUser(r, c, *pm.create); err != nil {
			return err
		}
	}
	return a.addMember(r, c, pm.m)
}

// memberList reads LiteLLM's member field: one object or a list of them.
type memberList []memberRequest

func (l *memberList) UnmarshalJSON(b []byte) error {
	var one memberRequest
	if json.Unmarshal(b, &one) == nil && len(b) > 0 && b[0] == '{' {
		*l = memberList{one}
		return nil
	}
	var many []memberRequest
	if err := json.Unmarshal(b, &many); err != nil {
		return badRequest("field \"member\" must be a member object or a list of them")
	}
	*l = many
	return nil
}

func (a *API) addMembers(w http.ResponseWriter, r *http.Request, c caller, req memberAddRequest) {
	if req.TeamID == "" || len(req.Member) == 0 {
		a.fail(w, r, badRequest("fields \"team_id\" and \"member\" are required"))
		return
	}
	if _, err := a.addTeamMembers(r, c, req.TeamID, req.Member); err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeTeam(w, r, store.Team{ID: req.TeamID})
}

// addTeamMembers authorizes, validates and adds members to team id, creating unknown users, and
// returns the memberships added; both APIs call it.
func (a *API) addTeamMembers(r *http.Request, c caller, id string, list memberList) ([]store.TeamMember, error) {
	plan, err := a.planMemberAdd(r, c, id, list)
	if err != nil {
		return nil, err
	}
	out := make([]store.TeamMember, 0, len(plan))
	for _, pm := range plan {
		if err := a.joinTeam(r, c, pm); err != nil {
			return nil, err
		}
		out = append(out, pm.m)
	}
	return out, nil
}

// planMemberAdd authorizes and validates adding members to team id.
func (a *API) planMemberAdd(r *http.Request, c caller, id string, list memberList) ([]plannedMember, error) {
	if err := c.authorize(policy.TeamMemberAdd, policy.Target{TeamID: id}); err != nil {
		return nil, err
	}
	if _, err := a.team(r, id); err != nil {
		return nil, err
	}
	plan, err := a.planMembers(r, "member", id, list)
	if err != nil {
		return nil, err
	}
	current, err := a.store.ListTeamMembers(r.Context(), id)
	if err != nil {
		return nil, err
	}
	for _, pm := range plan {
		if err := c.authorize(policy.TeamMemberAdd, policy.Target{TeamID: id, GrantsRole: pm.m.Role}); err != nil {
			return nil, err
		}
		if pm.create != nil {
			if err := c.authorize(policy.UserNew, policy.Target{TeamID: id, GrantsRole: store.RoleUser}); err != nil {
				return nil, err
			}
		}
		for _, m := range current {
			if m.UserID == pm.m.UserID {
				return nil, &apiError{http.StatusBadRequest, "team_member_already_in_team",
					fmt.Sprintf("field \"member\": %s is already a member of team %s", m.UserID, id)}
			}
		}
	}
	return plan, nil
}

func (a *API) deleteMember(w http.ResponseWriter, r *http.Request, c caller, req memberDeleteRequest) {
	id := req.UserID
	if id == "" {
		id = req.UserEmail
	}
	if req.TeamID == "" || id == "" {
		a.fail(w, r, badRequest("field \"team_id\" and one of \"user_id\" or \"user_email\" are required"))
		return
	}
	if err := a.removeMember(r, c, req.TeamID, id); err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeTeam(w, r, store.Team{ID: req.TeamID})
}

// removeMember authorizes and removes user id from team teamID and records it; both APIs call it.
func (a *API) removeMember(r *http.Request, c caller, teamID, id string) error {
	if err := c.authorize(policy.TeamMemberDelete, policy.Target{TeamID: teamID}); err != nil {
		return err
	}
	if _, err := a.team(r, teamID); err != nil {
		return err
	}
	if err := a.store.RemoveTeamMember(r.Context(), teamID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = notFound("member_not_found", "field \"user_id\": %q is not a member of team %s", id, teamID)
		}
		return err
	}
	a.auth.ForgetAll()
	return a.record(r, c, "team.member_delete", teamID, map[string]any{"user_id": id})
}

// memberAddRequest is LiteLLM's /team/member_add body.
type memberAddRequest struct {
	TeamID string     `json:"team_id"`
	Member memberList `json:"member"`
}

// memberDeleteRequest is LiteLLM's /team/member_delete body.
type memberDeleteRequest struct {
	TeamID    string `json:"team_id"`
	UserID    string `json:"user_id"`
	UserEmail string `json:"user_email"`
}
