package admin

import (
	"encoding/json"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// keyResource is a key as the native API shows it: never the secret nor its hash.
type keyResource struct {
	ID         string          `json:"id"`
	Hint       string          `json:"hint"`
	Alias      string          `json:"alias"`
	UserID     string          `json:"user_id"`
	TeamID     *string         `json:"team_id"`
	Models     []string        `json:"models"`
	Endpoints  []string        `json:"endpoints"`
	Metadata   json.RawMessage `json:"metadata"`
	Blocked    bool            `json:"blocked"`
	ExpiresAt  *time.Time      `json:"expires_at"`
	CreatedAt  time.Time       `json:"created_at"`
	LastUsedAt *time.Time      `json:"last_used_at"`
	Limits     limitsView      `json:"limits"`
	nativeSpend
}

// keyWithSecret is a new or regenerated key: the only answer that holds the secret.
type keyWithSecret struct {
	Secret string `json:"secret"`
	keyResource
}

// keyResourceOf is the native view of key k with spend sp.
func keyResourceOf(k store.Key, sp nativeSpend) keyResource {
	v := viewKey(k, sp.spendFields)
	return keyResource{ID: k.ID, Hint: k.Hint, Alias: k.Alias, UserID: k.UserID, TeamID: v.TeamID,
		Models: v.Models, Endpoints: v.AllowedRoutes, Metadata: v.Metadata, Blocked: k.Blocked,
		ExpiresAt: v.Expires, CreatedAt: k.CreatedAt, LastUsedAt: v.LastUsedAt, Limits: v.limitsView, nativeSpend: sp}
}

// memberResource is a team membership with Warden's team role (admin or member).
type memberResource struct {
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
	Role   string `json:"role"`
}

func memberResourceOf(m store.TeamMember) memberResource {
	return memberResource{TeamID: m.TeamID, UserID: m.UserID, Role: m.Role}
}

// teamResource is a team as the native API shows it.
type teamResource struct {
	ID        string           `json:"id"`
	Alias     string           `json:"alias"`
	Models    []string         `json:"models"`
	Metadata  json.RawMessage  `json:"metadata"`
	Blocked   bool             `json:"blocked"`
	Limits    limitsView       `json:"limits"`
	Members   []memberResource `json:"members"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	nativeSpend
}

// teamResourceOf is the native view of team t with its members and spend sp.
func teamResourceOf(t store.Team, members []store.TeamMember, sp nativeSpend) teamResource {
	return teamResource{ID: t.ID, Alias: t.Alias, Models: nonNil(t.Models), Metadata: object(t.Metadata),
		Blocked: t.Blocked, Limits: viewLimits(t.Limits), Members: mapAll(members, memberResourceOf),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, nativeSpend: sp}
}

// userResource is a user as the native API shows it, with Warden's role names.
type userResource struct {
	ID         string           `json:"id"`
	Email      string           `json:"email"`
	Name       string           `json:"name"`
	Role       string           `json:"role"`
	Blocked    bool             `json:"blocked"`
	Teams      []memberResource `json:"teams"`
	Metadata   json.RawMessage  `json:"metadata"`
	Limits     limitsView       `json:"limits"`
	CreatedAt  time.Time        `json:"created_at"`
	LastSeenAt *time.Time       `json:"last_seen_at"`
	nativeSpend
}

// userResourceOf is the native view of user u with its teams and spend sp.
func userResourceOf(u store.User, teams []store.TeamMember, sp nativeSpend) userResource {
	v := userResource{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Blocked: u.Blocked,
		Teams: mapAll(teams, memberResourceOf), Metadata: object(u.Metadata), Limits: viewLimits(u.Limits),
		CreatedAt: u.CreatedAt, nativeSpend: sp}
	if !u.LastSeen.IsZero() {
		v.LastSeenAt = &u.LastSeen
	}
	return v
}
