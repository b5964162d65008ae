package store

import (
	"encoding/json"
	"strings"
	"time"
)

// Team roles a member can hold.
const (
	TeamRoleAdmin  = "admin"
	TeamRoleMember = "member"
)

// Team is an org unit: a model allowlist and limits shared by its members' keys.
type Team struct {
	ID        string
	Alias     string   // unique when non-empty, compared case-insensitively
	Models    []string // empty = all; order kept; returned as nil when empty
	Limits    Limits
	Metadata  json.RawMessage // a JSON object, stored and returned compacted; nil/empty = {}
	Blocked   bool
	CreatedAt time.Time // set to now by CreateTeam when zero
	UpdatedAt time.Time // set to CreatedAt by CreateTeam and to now by UpdateTeam when zero
}

// TeamMember is a user's membership of a team.
type TeamMember struct {
	TeamID, UserID string
	Role           string    // TeamRoleAdmin or TeamRoleMember
	CreatedAt      time.Time // set to now by AddTeamMember when zero
}

// TeamFilter selects teams for ListTeams and CountTeams. Empty fields match everything.
type TeamFilter struct {
	UserID string // teams this user is a member of
	Limit  int    // 0 = DefaultLimit, capped at MaxLimit; Limit and Offset are ignored by CountTeams
	Offset int
}

// foldAlias is the form in which team aliases are compared and kept unique: the same in both stores,
// independent of the database's collation. "" (no alias) folds to NULL, so alias-less teams never clash.
func foldAlias(alias string) any {
	if alias == "" {
		return nil
	}
	return strings.ToLower(strings.ToUpper(alias))
}

// normTeam validates t and returns it with times, models and metadata in stored form.
func normTeam(t Team, now time.Time) (Team, error) {
	if err := checkID("team id", t.ID); err != nil {
		return t, err
	}
	if err := checkText("team alias", t.Alias); err != nil {
		return t, err
	}
	models, err := normModels(t.Models)
	if err != nil {
		return t, err
	}
	t.Models = models
	if err := checkLimits(t.Limits); err != nil {
		return t, err
	}
	if t.Metadata, err = normMetadata(t.Metadata); err != nil {
		return t, err
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	t.CreatedAt, t.UpdatedAt = normTime(t.CreatedAt), normTime(t.UpdatedAt)
	return t, nil
}

// normMember validates m and returns it with its time in stored form.
func normMember(m TeamMember, now time.Time) (TeamMember, error) {
	if err := checkID("team id", m.TeamID); err != nil {
		return m, err
	}
	if err := checkID("user id", m.UserID); err != nil {
		return m, err
	}
	if m.Role != TeamRoleAdmin && m.Role != TeamRoleMember {
		return m, invalid("team role %q is not one of admin, member", trunc(m.Role))
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	m.CreatedAt = normTime(m.CreatedAt)
	return m, nil
}
