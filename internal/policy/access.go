package policy

import "fmt"

// Roles a user can hold. They match the identity package's role names.
const (
	RoleAdmin   = "admin"
	RoleUser    = "user"
	RolePending = "pending"
	RoleAuditor = "auditor"
)

// Team roles a member can hold in a team.
const (
	TeamRoleAdmin  = "admin"
	TeamRoleMember = "member"
)

// Team is a team's model allowlist with the team's name for refusal reasons.
type Team struct {
	Name   string // the team's alias, or its id when it has none
	Models Allowlist
}

// Access is a caller's effective model access: what its key allows, intersected
// with what its team allows (when the key has a team), intersected with what
// its role allows. Build one with Effective; the zero Access refuses everything.
type Access struct {
	key  Allowlist
	team *Team
	role string
}

// Effective combines the layers of model access for one caller. team is nil
// when the key belongs to no team. Blocked users are refused before this (see
// Authorize); Effective only sees the role.
func Effective(key Allowlist, team *Team, role string) Access {
	return Access{key: key, team: team, role: role}
}

// CanCallModels reports whether role may call models at all: admin and user
// may; pending and auditor may not, nor may an unknown role.
func CanCallModels(role string) bool { return role == RoleAdmin || role == RoleUser }

// Decide reports whether the caller may use model. A refusal is 403 and its
// reason names the layer that refused: `role pending may not call models`,
// `model "x" is not in the key's allowlist`, or
// `model "x" is not in team engineering's allowlist`. It does not allocate
// when the model is allowed.
func (a Access) Decide(model string) Decision {
	if !CanCallModels(a.role) {
		return forbidden(fmt.Sprintf("role %s may not call models", label(a.role)))
	}
	if !a.key.Allows(model) {
		return forbidden(fmt.Sprintf("model %s is not in the key's allowlist", quote(model)))
	}
	if a.team != nil && !a.team.Models.Allows(model) {
		return forbidden(fmt.Sprintf("model %s is not in team %s's allowlist", quote(model), label(a.team.Name)))
	}
	return allow()
}

// Filter returns the models of names the caller may use, in order, for
// listing endpoints (/v1/models, /api/tags).
func (a Access) Filter(names []string) []string {
	var out []string
	for _, n := range names {
		if a.Decide(n).Allowed {
			out = append(out, n)
		}
	}
	return out
}

// Subset reports whether every model child allows is also allowed by parent,
// so that a key asked for within a team stays inside the team's allowlist. It
// is exact for model names and conservative for patterns: a pattern in child
// is inside parent only when an equal or broader parent pattern (or "*")
// covers it, so "llama3.1-*" is inside "llama3*" but not inside the names
// "llama3.1-8b" and "llama3.1-70b". A child that allows every model is inside
// only a parent that does too. When it is not a subset, offending is the first
// name or pattern outside parent ("*" for every model), followed by the group
// it came from, if any: `qwen2.5-7b (from group small)`.
func Subset(child, parent Allowlist) (ok bool, offending string) {
	if parent.All() {
		return true, ""
	}
	if child.All() {
		return false, "*"
	}
	for _, it := range child.l.items {
		// A pattern's '*' is a literal to match here: a parent literal
		// never spans a child '*', so every string the child pattern
		// matches is then matched by the parent pattern.
		if parent.Allows(it.value) {
			continue
		}
		if it.from != it.value {
			return false, fmt.Sprintf("%s (from group %s)", it.value, it.from)
		}
		return false, it.value
	}
	return true, ""
}
