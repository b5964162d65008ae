package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// teamRefs reads LiteLLM's teams field: team ids, or objects {team_id, user_role}.
type teamRefs []memberOf

// memberOf is a team to join and the team role there.
type memberOf struct {
	TeamID string `json:"team_id"`
	Role   string `json:"user_role"`
}

func (t *teamRefs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return badRequest("field \"teams\" must be a list of team ids or {team_id, user_role} objects")
	}
	out := make(teamRefs, 0, len(raw))
	for i, r := range raw {
		var id string
		if json.Unmarshal(r, &id) == nil {
			out = append(out, memberOf{TeamID: id})
			continue
		}
		var m memberOf
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return badRequest("field \"teams\"[%d] must be a team id or {team_id, user_role}", i)
		}
		out = append(out, m)
	}
	*t = out
	return nil
}

// newUserRequest is LiteLLM's /user/new body, as far as Warden supports it.
type newUserRequest struct {
	UserID        string          `json:"user_id"`
	UserEmail     string          `json:"user_email"`
	UserAlias     string          `json:"user_alias"`
	UserRole      string          `json:"user_role"`
	Teams         teamRefs        `json:"teams"`
	TeamID        string          `json:"team_id"`
	Models        []string        `json:"models"`
	Metadata      json.RawMessage `json:"metadata"`
	Blocked       bool            `json:"blocked"`
	AutoCreateKey *bool           `json:"auto_create_key"`
	KeyAlias      string          `json:"key_alias"`
	Duration      *string         `json:"duration"`
	limitFields
}

// userPlan is a validated user creation.
type userPlan struct {
	user    store.User
	members []store.TeamMember
	key     *keyPlan    // nil when auto_create_key is false
	spend   nativeSpend // what the user id has spent already (a deleted user's spend stays in the store)
}

func (a *API) newUser(w http.ResponseWriter, r *http.Request, c caller, req newUserRequest) {
	var out userNewAnswer
	plan, secret, u, err := a.addUser(r, c, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if plan.key != nil {
		k := plan.key.key
		out.Key, out.KeyID, out.KeyName = secret, &k.ID, &k.Hint
		if !k.ExpiresAt.IsZero() {
			out.Expires = &k.ExpiresAt
		}
	}
	out.userView = viewUser(u, plan.members, plan.spend.spendFields)
	writeJSON(w, http.StatusOK, out)
}

// userNewAnswer is LiteLLM's /user/new answer: the user and its first key, if one was made.
type userNewAnswer struct {
	Key     string     `json:"key"`
	KeyID   *string    `json:"key_id"`
	KeyName *string    `json:"key_name"`
	Expires *time.Time `json:"expires"`
	userView
}

// addUser authorizes, validates, stores and records a new user, its memberships and its first key
// (when the plan has one, whose secret it returns); both APIs call it. The user's spend is read
// before anything is written, so that a failed read cannot lose the key's secret.
func (a *API) addUser(r *http.Request, c caller, req newUserRequest) (userPlan, string, store.User, error) {
	plan, err := a.planUser(r, c, req)
	if err == nil {
		plan.spend, err = a.spendReader(r).user(plan.user)
	}
	if err != nil {
		return plan, "", store.User{}, err
	}
	if err := a.createUser(r, c, plan.user); err != nil {
		return plan, "", store.User{}, err
	}
	for _, m := range plan.members {
		if err := a.addMember(r, c, m); err != nil {
			return plan, "", store.User{}, err
		}
	}
	var secret string
	if plan.key != nil {
		if secret, err = a.createKey(r, c, plan.key); err != nil {
			return plan, "", store.User{}, err
		}
	}
	u, err := a.store.GetUser(r.Context(), plan.user.ID)
	return plan, secret, u, err
}

// planUser authorizes and validates a new user, its teams and its first key; nothing is written.
func (a *API) planUser(r *http.Request, c caller, req newUserRequest) (userPlan, error) {
	role := store.RoleUser
	if req.UserRole != "" {
		var err error
		if role, err = roleOf(req.UserRole); err != nil {
			return userPlan{}, err
		}
	}
	if len(req.Models) > 0 {
		return userPlan{}, badRequest("field \"models\" is not supported by Warden on users: limit models on the user's teams or keys")
	}
	teams := slices.Clone([]memberOf(req.Teams))
	if req.TeamID != "" {
		teams = append(teams, memberOf{TeamID: req.TeamID})
	}
	if err := a.authorizeUserNew(c, role, teams); err != nil {
		return userPlan{}, err
	}
	u := store.User{ID: req.UserID, Email: req.UserEmail, Name: req.UserAlias, Role: role, Blocked: req.Blocked}
	for _, f := range []struct{ name, v string }{{"user_id", u.ID}, {"user_email", u.Email}, {"user_alias", u.Name}, {"key_alias", req.KeyAlias}} {
		if err := checkText(f.name, f.v); err != nil {
			return userPlan{}, err
		}
	}
	var err error
	if u.Metadata, err = checkMetadata("metadata", req.Metadata); err != nil {
		return userPlan{}, err
	}
	if u.Limits, err = req.limitFields.apply(store.Limits{}); err != nil {
		return userPlan{}, err
	}
	if u.ID == "" {
		id, err := keys.NewID()
		if err != nil {
			return userPlan{}, err
		}
		u.ID = "user_" + id[len("key_"):]
	} else if _, err := a.store.GetUser(r.Context(), u.ID); err == nil {
		return userPlan{}, conflict("field \"user_id\": a user with id %q already exists", u.ID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return userPlan{}, err
	}
	plan := userPlan{user: u}
	var firstTeam *store.Team
	for i, m := range teams {
		tr, err := teamRoleOf(fmt.Sprintf("teams[%d].user_role", i), m.Role)
		if err != nil {
			return userPlan{}, err
		}
		t, err := a.store.GetTeam(r.Context(), m.TeamID)
		if errors.Is(err, store.ErrNotFound) {
			return userPlan{}, notFound("team_not_found", "field \"teams\"[%d]: no team %q", i, m.TeamID)
		} else if err != nil {
			return userPlan{}, err
		}
		if firstTeam == nil {
			firstTeam = &t
		}
		plan.members = append(plan.members, store.TeamMember{TeamID: t.ID, UserID: u.ID, Role: tr})
	}
	if req.AutoCreateKey == nil || *req.AutoCreateKey {
		k := store.Key{UserID: u.ID, Alias: req.KeyAlias}
		if req.Duration != nil && *req.Duration != "" {
			d, err := parseDuration(*req.Duration)
			if err != nil {
				return userPlan{}, badRequest("field \"duration\": %v", err)
			}
			k.ExpiresAt = a.now().UTC().Add(d)
		}
		if firstTeam != nil { // bound to its first team, so that it never escapes the allowlists
			k.TeamID, k.Models = firstTeam.ID, slices.Clone(firstTeam.Models)
		}
		plan.key = &keyPlan{key: k}
	}
	return plan, nil
}

// authorizeUserNew checks user.new for each team the user joins (or none).
func (a *API) authorizeUserNew(c caller, role string, teams []memberOf) error {
	if len(teams) == 0 {
		return c.authorize(policy.UserNew, policy.Target{GrantsRole: role})
	}
	for i, m := range teams {
		if m.TeamID == "" {
			return badRequest("field \"teams\"[%d] must name a team id", i)
		}
		if err := c.authorize(policy.UserNew, policy.Target{TeamID: m.TeamID, GrantsRole: role}); err != nil {
			return err
		}
		if m.Role == "admin" {
			if err := c.authorize(policy.TeamMemberAdd, policy.Target{TeamID: m.TeamID, GrantsRole: store.TeamRoleAdmin}); err != nil {
				return err
			}
		}
	}
	return nil
}

// authorizeOnUser decides action on user u, who is in teams: allowed on the user, or through any
// of the user's teams (a team admin). The first refusal is returned when nothing allows it.
func authorizeOnUser(c caller, action, grants string, u string, teams []store.TeamMember) error {
	first := c.authorize(action, policy.Target{OwnerUserID: u, GrantsRole: grants})
	if first == nil {
		return nil
	}
	for _, m := range teams {
		if c.authorize(action, policy.Target{OwnerUserID: u, TeamID: m.TeamID, GrantsRole: grants}) == nil {
			return nil
		}
	}
	return first
}
