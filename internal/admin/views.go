package admin

import (
	"encoding/json"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// keyView is a key as the API shows it: never the secret nor its hash.
type keyView struct {
	KeyID         string          `json:"key_id"`
	Token         string          `json:"token"`
	KeyName       string          `json:"key_name"`
	KeyAlias      string          `json:"key_alias"`
	UserID        string          `json:"user_id"`
	TeamID        *string         `json:"team_id"`
	Models        []string        `json:"models"`
	AllowedRoutes []string        `json:"allowed_routes"`
	Metadata      json.RawMessage `json:"metadata"`
	Blocked       bool            `json:"blocked"`
	Expires       *time.Time      `json:"expires"`
	CreatedAt     time.Time       `json:"created_at"`
	LastUsedAt    *time.Time      `json:"last_used_at"`
	limitsView
	spendFields
}

// keyAnswer is LiteLLM's answer about one key: key is the secret after generate and regenerate, the
// key id after update.
type keyAnswer struct {
	Key string `json:"key"`
	keyView
}

// viewKey is LiteLLM's row of key k with spend sp.
func viewKey(k store.Key, sp spendFields) keyView {
	v := keyView{KeyID: k.ID, Token: k.ID, KeyName: k.Hint, KeyAlias: k.Alias, UserID: k.UserID,
		Models: nonNil(k.Models), AllowedRoutes: nonNil(k.Endpoints), Metadata: object(k.Metadata),
		Blocked: k.Blocked, CreatedAt: k.CreatedAt, limitsView: viewLimits(k.Limits), spendFields: sp}
	if k.TeamID != "" {
		v.TeamID = &k.TeamID
	}
	if !k.ExpiresAt.IsZero() {
		v.Expires = &k.ExpiresAt
	}
	if !k.LastUsedAt.IsZero() {
		v.LastUsedAt = &k.LastUsedAt
	}
	return v
}

// keyChange is what an event records of a new key: its settings, never its secret, hash or hint.
func keyChange(k store.Key) map[string]any {
	v := viewKey(k, spendFields{})
	return map[string]any{"user_id": v.UserID, "team_id": v.TeamID, "key_alias": v.KeyAlias, "models": v.Models,
		"allowed_routes": v.AllowedRoutes, "metadata": v.Metadata, "expires": v.Expires, "limits": v.limitsView}
}

// memberView is a team member as LiteLLM shows it (members_with_roles).
type memberView struct {
	Role      string `json:"role"`
	UserID    string `json:"user_id"`
	UserEmail string `json:"user_email,omitempty"`
}

// teamView is a team as LiteLLM's team row shows it.
type teamView struct {
	TeamID           string          `json:"team_id"`
	TeamAlias        string          `json:"team_alias"`
	Models           []string        `json:"models"`
	Metadata         json.RawMessage `json:"metadata"`
	Blocked          bool            `json:"blocked"`
	MembersWithRoles []memberView    `json:"members_with_roles"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	limitsView
	spendFields
}

// viewTeam is LiteLLM's row of team t with its members and spend sp.
func viewTeam(t store.Team, members []store.TeamMember, sp spendFields) teamView {
	v := teamView{TeamID: t.ID, TeamAlias: t.Alias, Models: nonNil(t.Models), Metadata: object(t.Metadata),
		Blocked: t.Blocked, MembersWithRoles: []memberView{}, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		limitsView: viewLimits(t.Limits), spendFields: sp}
	for _, m := range members {
		v.MembersWithRoles = append(v.MembersWithRoles, memberView{Role: litellmTeamRole(m.Role), UserID: m.UserID})
	}
	return v
}

// userView is a user as LiteLLM's user row shows it. user_role is LiteLLM's name, role Warden's.
type userView struct {
	UserID    string          `json:"user_id"`
	UserEmail *string         `json:"user_email"`
	UserAlias *string         `json:"user_alias"`
	UserRole  string          `json:"user_role"`
	Role      string          `json:"role"`
	Blocked   bool            `json:"blocked"`
	Teams     []string        `json:"teams"`
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt time.Time       `json:"created_at"`
	LastSeen  *time.Time      `json:"last_seen"`
	limitsView
	spendFields
}

// viewUser is LiteLLM's row of user u with its teams and spend sp.
func viewUser(u store.User, teams []store.TeamMember, sp spendFields) userView {
	v := userView{UserID: u.ID, UserRole: litellmRole(u.Role), Role: u.Role, Blocked: u.Blocked, Teams: []string{},
		Metadata: object(u.Metadata), CreatedAt: u.CreatedAt, limitsView: viewLimits(u.Limits), spendFields: sp}
	if u.Email != "" {
		v.UserEmail = &u.Email
	}
	if u.Name != "" {
		v.UserAlias = &u.Name
	}
	if !u.LastSeen.IsZero() {
		v.LastSeen = &u.LastSeen
	}
	for _, m := range teams {
		v.Teams = append(v.Teams, m.TeamID)
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func object(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}
