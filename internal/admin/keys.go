package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// generateRequest is LiteLLM's /key/generate body, as far as Warden supports it.
type generateRequest struct {
	Models        []string        `json:"models"`
	Duration      *string         `json:"duration"`
	KeyAlias      string          `json:"key_alias"`
	UserID        string          `json:"user_id"`
	TeamID        string          `json:"team_id"`
	Metadata      json.RawMessage `json:"metadata"`
	Tags          []string        `json:"tags"`
	AllowedRoutes []string        `json:"allowed_routes"`
	Blocked       bool            `json:"blocked"`
	limitFields
}

// keyPlan is a validated key creation: the key and the writes that go with it.
type keyPlan struct {
	key        store.Key
	createUser bool // the owner does not exist yet: create it with role user
	addMember  bool // the owner joins the key's team as a member
}

func (a *API) generateKey(w http.ResponseWriter, r *http.Request, c caller, req generateRequest) {
	plan, err := a.planKey(r, c, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	secret, err := a.createKey(r, c, &plan)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sp := a.spendReader(r).fresh(plan.key)
	writeJSON(w, http.StatusOK, keyAnswer{secret, viewKey(plan.key, sp.spendFields)})
}

// planKey validates a key request completely and authorizes it; nothing is written.
func (a *API) planKey(r *http.Request, c caller, req generateRequest) (keyPlan, error) {
	k, err := a.validateGenerate(req)
	if err != nil {
		return keyPlan{}, err
	}
	if k.UserID == "" && !c.admin() {
		k.UserID = c.actor.UserID // self-service: a user's key is their own
	}
	if k.TeamID == "" && !c.admin() && k.UserID != "" {
		if k.TeamID, err = a.soleTeam(r, k.UserID); err != nil {
			return keyPlan{}, err
		}
	}
	if err := c.authorize(policy.KeyGenerate, policy.Target{OwnerUserID: k.UserID, TeamID: k.TeamID}); err != nil {
		return keyPlan{}, err
	}
	if err := a.guardOwner(r, c, k.UserID); err != nil {
		return keyPlan{}, err
	}
	plan := keyPlan{key: k}
	if k.UserID != "" {
		_, err := a.store.GetUser(r.Context(), k.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound) && c.admin():
			plan.createUser = true // like LiteLLM: an admin's key for a new user id creates the user
		case errors.Is(err, store.ErrNotFound):
			return keyPlan{}, notFound("user_not_found", "field \"user_id\": no user %q", k.UserID)
		case err != nil:
			return keyPlan{}, err
		}
	}
	if k.TeamID == "" {
		return plan, nil
	}
	t, err := a.team(r, k.TeamID)
	if err != nil {
		return keyPlan{}, err
	}
	if len(plan.key.Models) == 0 {
		plan.key.Models = slices.Clone(t.Models) // a team key inherits the team's allowlist
	} else if err := a.withinTeam(plan.key.Models, t); err != nil {
		return keyPlan{}, err
	}
	if k.UserID != "" && !plan.createUser {
		member, err := a.isMember(r, k.TeamID, k.UserID)
		if err != nil {
			return keyPlan{}, err
		}
		plan.addMember = !member
	} else {
		plan.addMember = k.UserID != ""
	}
	if plan.addMember && !c.admin() {
		return keyPlan{}, forbidden("field \"user_id\": %s is not a member of team %s; a team admin adds members first", k.UserID, teamName(t))
	}
	return plan, nil
}

// validateGenerate checks every field and names the one that is wrong.
func (a *API) validateGenerate(req generateRequest) (store.Key, error) {
	k := store.Key{Alias: req.KeyAlias, UserID: req.UserID, TeamID: req.TeamID, Blocked: req.Blocked}
	for _, f := range []struct{ name, v string }{{"key_alias", req.KeyAlias}, {"user_id", req.UserID}, {"team_id", req.TeamID}} {
		if err := checkText(f.name, f.v); err != nil {
			return k, err
		}
	}
	if len(req.Models) > 0 {
		if _, err := a.checkModels("models", req.Models); err != nil {
			return k, err
		}
		k.Models = req.Models
	}
	if req.Duration != nil && *req.Duration != "" {
		d, err := parseDuration(*req.Duration)
		if err != nil {
			return k, badRequest("field \"duration\": %v", err)
		}
		k.ExpiresAt = a.now().UTC().Add(d)
	}
	meta, err := checkMetadata("metadata", req.Metadata)
	if err != nil {
		return k, err
	}
	if k.Metadata, err = withTags(meta, req.Tags); err != nil {
		return k, err
	}
	if err := policy.ValidateEndpoints(req.AllowedRoutes); err != nil {
		return k, badRequest("field \"allowed_routes\": %v", err)
	}
	k.Endpoints = req.AllowedRoutes
	if k.Limits, err = req.limitFields.apply(store.Limits{}); err != nil {
		return k, err
	}
	return k, nil
}

// createKey carries out a plan: the owner, its membership, the key, and their events.
func (a *API) createKey(r *http.Request, c caller, plan *keyPlan) (string, error) {
	k := &plan.key
	if plan.createUser {
		if err := a.createUser(r, c, store.User{ID: k.UserID, Role: store.RoleUser}); err != nil {
			return "", err
		}
	}
	if plan.addMember {
		if err := a.addMember(r, c, store.TeamMember{TeamID: k.TeamID, UserID: k.UserID, Role: store.TeamRoleMember}); err != nil {
			return "", err
		}
	}
	secret, err := keys.New()
	if err != nil {
		return "", err
	}
	if k.ID, err = keys.NewID(); err != nil {
		return "", err
	}
	h := a.hasher.Sum(secret)
	k.Hash, k.Hint, k.CreatedAt = h[:], keys.Hint(secret), a.now().UTC().Truncate(store.TimePrecision)
	if err := a.store.CreateKey(r.Context(), *k); err != nil {
		return "", err
	}
	return secret, a.record(r, c, "key.generate", k.ID, keyChange(*k))
}

// createUser creates a user (email taken from an id that looks like one) and records it.
func (a *API) createUser(r *http.Request, c caller, u store.User) error {
	if u.Email == "" && strings.Contains(u.ID, "@") {
		u.Email = u.ID
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = a.now().UTC().Truncate(store.TimePrecision)
	}
	if err := a.store.CreateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return conflict("field \"user_email\": a user with id %q or email %q already exists", u.ID, u.Email)
		}
		return err
	}
	return a.record(r, c, "user.new", u.ID, map[string]any{"user_email": u.Email, "user_alias": u.Name, "role": u.Role})
}

// addMember adds a membership and records it; the auth cache is dropped (team roles changed).
func (a *API) addMember(r *http.Request, c caller, m store.TeamMember) error {
	if err := a.store.AddTeamMember(r.Context(), m); err != nil {
		return err
	}
	a.auth.ForgetAll()
	return a.record(r, c, "team.member_add", m.TeamID, map[string]any{"user_id": m.UserID, "role": litellmTeamRole(m.Role)})
}

// soleTeam is the team a non-admin's key belongs to when the request names none: the user's only
// team. A user in several teams must say which; a user in none gets a key without a team.
func (a *API) soleTeam(r *http.Request, userID string) (string, error) {
	ms, err := a.store.TeamsOfUser(r.Context(), userID)
	if err != nil {
		return "", err
	}
	switch len(ms) {
	case 0:
		return "", nil
	case 1:
		return ms[0].TeamID, nil
	}
	return "", badRequest("field \"team_id\" is required: %s is a member of %d teams", userID, len(ms))
}

// team loads a team, answering 404 naming team_id when there is none.
func (a *API) team(r *http.Request, id string) (store.Team, error) {
	t, err := a.store.GetTeam(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return t, notFound("team_not_found", "field \"team_id\": no team %q", id)
	}
	return t, err
}

// isMember reports whether userID is a member of teamID.
func (a *API) isMember(r *http.Request, teamID, userID string) (bool, error) {
	ms, err := a.store.TeamsOfUser(r.Context(), userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ms, func(m store.TeamMember) bool { return m.TeamID == teamID }), nil
}

// resolve finds a key by its secret or its public id; 404 naming field when there is none.
func (a *API) resolve(r *http.Request, field, ref string) (store.Key, error) {
	var k store.Key
	var err error
	switch {
	case keys.LooksLikeID(ref):
		k, err = a.store.KeyByID(r.Context(), ref)
	case keys.Plausible(ref):
		h := a.hasher.Sum(ref)
		k, err = a.store.KeyByHash(r.Context(), h[:])
	default:
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return k, notFound("key_not_found", "field %q: no such key %s", field, redactRef(ref))
	}
	return k, err
}

// keyTarget is the policy target of an existing key.
func keyTarget(k store.Key) policy.Target {
	return policy.Target{OwnerUserID: k.UserID, TeamID: k.TeamID}
}

// forgetKey drops a key's current and previous hashes from the auth cache.
func (a *API) forgetKey(k store.Key) {
	a.auth.Forget(k.Hash)
	if len(k.PrevHash) > 0 {
		a.auth.Forget(k.PrevHash)
	}
}

// redactRef shows a reference in an error without echoing a secret.
func redactRef(ref string) string {
	if keys.LooksLikeID(ref) {
		return `"` + ref + `"`
	}
	return `"` + keys.Hint(ref) + `"`
}

// expiry reads an update's duration: a value sets a new lifetime from now; null or "-1" means never.
func (a *API) expiry(d opt[string]) (time.Time, error) {
	if !d.has() || d.V == "-1" || d.V == "" {
		return time.Time{}, nil
	}
	dur, err := parseDuration(d.V)
	if err != nil {
		return time.Time{}, badRequest("field \"duration\": %v", err)
	}
	return a.now().UTC().Add(dur), nil
}
