package policy

import "fmt"

// Actor is who asks for a management action.
type Actor struct {
	UserID    string
	Role      string            // RoleAdmin, RoleUser, RolePending or RoleAuditor
	Blocked   bool              // a blocked user may do nothing
	TeamRoles map[string]string // team id -> TeamRoleAdmin or TeamRoleMember
	Master    bool              // authenticated with the master key: may do everything
}

// Target is what a management action applies to. The caller fills it from the
// stored resource (not from the request alone) before calling Authorize.
type Target struct {
	// OwnerUserID is the user owning the key (key.*), the user acted on
	// (user.*), or the user filter of a listing or usage read ("" = all users).
	// For a self-service key.generate it is the user the key is for.
	OwnerUserID string
	// TeamID is the key's or user's team, the team acted on (team.*), or the
	// team filter of a listing or usage read ("" = no team, or all teams).
	TeamID string
	// GrantsRole is a role being assigned, if any: user_role for user.new and
	// user.update, the member's team role for team.member_add.
	GrantsRole string
}

// Authorize decides whether a may take action on t. Unknown actions are
// refused for everyone (fail closed). In order:
//   - the master key may do everything; a blocked user nothing;
//   - an admin may do everything; a pending user nothing;
//   - an auditor may take the read actions (*.info, *.list, events.list,
//     usage.read, review.read, metrics.read) and nothing that changes;
//   - only an admin grants the roles admin or auditor: anyone else is refused
//     with a reason naming the field (user_role, member.role);
//   - a user may manage keys they own (key.generate, update, delete, info,
//     list, regenerate; in a team only if they are a member of it) and read
//     themselves (user.info) and their own usage; that a key stays within the
//     team's allowlist is for the caller to check with Subset;
//   - a team admin may, within their teams: manage every key, add and remove
//     members (as members, not admins), create users with role user, read and
//     update the team (not team.update_limits), and read its users and usage;
//     never team.new or team.delete.
//
// A refusal is 403, except 404 when the target is out of the actor's sight (a
// resource neither theirs nor in one of their teams) for an action that names
// an existing resource, so that a refusal does not reveal that it exists.
func Authorize(a Actor, action string, t Target) Decision {
	r, ok := lookupRule(action)
	switch {
	case !ok:
		return forbidden(fmt.Sprintf("unknown action %s", quote(action)))
	case a.Master:
		return allow()
	case a.Blocked:
		return forbidden("the user is blocked")
	}
	switch a.Role {
	case RoleAdmin:
		return allow()
	case RoleAuditor:
		if r.read {
			return allow()
		}
		return forbidden(fmt.Sprintf("role auditor may only read: %s changes something", action))
	case RoleUser:
		return authorizeUser(a, r, t)
	case RolePending:
		return forbidden("role pending may do nothing until an admin approves the user")
	default:
		return forbidden(fmt.Sprintf("unknown role %s", quote(a.Role)))
	}
}

// authorizeUser decides for a user, who may be a team admin or member.
func authorizeUser(a Actor, r rule, t Target) Decision {
	if t.GrantsRole == RoleAdmin || t.GrantsRole == RoleAuditor {
		return forbidden(fmt.Sprintf("%s: only an admin may grant the role %s", grantField(r.action), t.GrantsRole))
	}
	owner := a.UserID != "" && t.OwnerUserID == a.UserID
	inTeam := t.TeamID == "" || a.TeamRoles[t.TeamID] != ""
	if r.self && owner && inTeam {
		return allow()
	}
	if r.member && t.TeamID != "" && a.TeamRoles[t.TeamID] != "" {
		return allow()
	}
	if r.teamAdmin && t.TeamID != "" && a.TeamRoles[t.TeamID] == TeamRoleAdmin {
		if r.action == UserNew && t.GrantsRole != "" && t.GrantsRole != RoleUser {
			return forbidden(fmt.Sprintf("user_role: a team admin may create users with role user only, not %s", label(t.GrantsRole)))
		}
		return allow()
	}
	related := owner || t.TeamID != "" && a.TeamRoles[t.TeamID] != ""
	switch {
	case r.addresses && (r.self || r.teamAdmin) && !related:
		return notFound(fmt.Sprintf("%s: not found among your own resources or your teams'", r.action))
	case r.self && owner && !inTeam:
		return forbidden(fmt.Sprintf("%s: it is in team %s, of which you are not a member", r.action, label(t.TeamID)))
	}
	return forbidden(userRefusal(r))
}

// userRefusal explains what a user would need to take r.
func userRefusal(r rule) string {
	switch {
	case r.self && r.teamAdmin:
		return fmt.Sprintf("%s needs the admin role, ownership, or team admin of the target's team", r.action)
	case r.teamAdmin:
		return fmt.Sprintf("%s needs the admin role or team admin of the target team", r.action)
	default:
		return fmt.Sprintf("%s needs the admin role", r.action)
	}
}

// grantField names the request field that assigns a role for action.
func grantField(action string) string {
	switch action {
	case UserNew, UserUpdate:
		return "user_role"
	case TeamMemberAdd:
		return "member.role"
	default:
		return "role"
	}
}
