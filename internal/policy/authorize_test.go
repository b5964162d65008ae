package policy

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The actors of the matrix, in column order. The team admin and the member are
// in team "eng"; the pending user is a member of "eng" too (that gives it
// nothing); the blocked user is a blocked admin (that gives it nothing either).
var matrixActors = []struct {
	name  string
	actor Actor
}{
	{"admin", Actor{UserID: "ada", Role: RoleAdmin}},
	{"team admin", Actor{UserID: "tom", Role: RoleUser, TeamRoles: map[string]string{"eng": TeamRoleAdmin}}},
	{"member", Actor{UserID: "meg", Role: RoleUser, TeamRoles: map[string]string{"eng": TeamRoleMember}}},
	{"user without team", Actor{UserID: "sol", Role: RoleUser}},
	{"pending", Actor{UserID: "pat", Role: RolePending, TeamRoles: map[string]string{"eng": TeamRoleMember}}},
	{"auditor", Actor{UserID: "aud", Role: RoleAuditor}},
	{"blocked", Actor{UserID: "bob", Role: RoleAdmin, Blocked: true, TeamRoles: map[string]string{"eng": TeamRoleAdmin}}},
}

// The targets of the matrix.
const (
	own   = "own"   // owned by the actor, in the actor's team (no team for those without one)
	mate  = "mate"  // owned by another user of team "eng"; for team.* the team "eng"
	other = "other" // owned by a user of team "ops"; for team.* the team "ops"
)

func matrixTarget(t *testing.T, kind string, a Actor) Target {
	switch kind {
	case own:
		tg := Target{OwnerUserID: a.UserID}
		if a.TeamRoles["eng"] != "" {
			tg.TeamID = "eng"
		}
		return tg
	case mate:
		return Target{OwnerUserID: "mia", TeamID: "eng"}
	case other:
		return Target{OwnerUserID: "oli", TeamID: "ops"}
	}
	t.Fatalf("unknown matrix target %q", kind)
	return Target{}
}

// permissionMatrix is the expected answer of every role for every action and
// target, in the columns of matrixActors: admin, team admin (tadmin), team
// member, user without team (solo), pending, auditor, blocked. "ok" is
// allowed; 403 and 404 are refusals. Targets: "own" is the actor's own key,
// user or team; "mate" another user's in team eng (team.*: team eng); "other"
// another user's in team ops (team.*: team ops).
const permissionMatrix = `
# action           target  admin  tadmin member solo   pend   audit  block
key.generate       own     ok     ok     ok     ok     403    403    403
key.generate       mate    ok     ok     403    403    403    403    403
key.generate       other   ok     403    403    403    403    403    403
key.update         own     ok     ok     ok     ok     403    403    403
key.update         mate    ok     ok     403    404    403    403    403
key.update         other   ok     404    404    404    403    403    403
key.delete         own     ok     ok     ok     ok     403    403    403
key.delete         mate    ok     ok     403    404    403    403    403
key.delete         other   ok     404    404    404    403    403    403
key.info           own     ok     ok     ok     ok     403    ok     403
key.info           mate    ok     ok     403    404    403    ok     403
key.info           other   ok     404    404    404    403    ok     403
key.list           own     ok     ok     ok     ok     403    ok     403
key.list           mate    ok     ok     403    403    403    ok     403
key.list           other   ok     403    403    403    403    ok     403
key.regenerate     own     ok     ok     ok     ok     403    403    403
key.regenerate     mate    ok     ok     403    404    403    403    403
key.regenerate     other   ok     404    404    404    403    403    403

team.new           own     ok     403    403    403    403    403    403
team.new           mate    ok     403    403    403    403    403    403
team.new           other   ok     403    403    403    403    403    403
team.update        own     ok     ok     403    403    403    403    403
team.update        mate    ok     ok     403    404    403    403    403
team.update        other   ok     404    404    404    403    403    403
team.update_limits own     ok     403    403    403    403    403    403
team.update_limits mate    ok     403    403    403    403    403    403
team.update_limits other   ok     403    403    403    403    403    403
team.delete        own     ok     403    403    403    403    403    403
team.delete        mate    ok     403    403    403    403    403    403
team.delete        other   ok     403    403    403    403    403    403
team.info          own     ok     ok     ok     403    403    ok     403
team.info          mate    ok     ok     ok     404    403    ok     403
team.info          other   ok     404    404    404    403    ok     403
team.list          own     ok     403    403    403    403    ok     403
team.list          mate    ok     403    403    403    403    ok     403
team.list          other   ok     403    403    403    403    ok     403
team.member_add    own     ok     ok     403    403    403    403    403
team.member_add    mate    ok     ok     403    404    403    403    403
team.member_add    other   ok     404    404    404    403    403    403
team.member_delete own     ok     ok     403    403    403    403    403
team.member_delete mate    ok     ok     403    404    403    403    403
team.member_delete other   ok     404    404    404    403    403    403

user.new           own     ok     ok     403    403    403    403    403
user.new           mate    ok     ok     403    403    403    403    403
user.new           other   ok     403    403    403    403    403    403
user.info          own     ok     ok     ok     ok     403    ok     403
user.info          mate    ok     ok     403    404    403    ok     403
user.info          other   ok     404    404    404    403    ok     403
user.update        own     ok     403    403    403    403    403    403
user.update        mate    ok     403    403    403    403    403    403
user.update        other   ok     403    403    403    403    403    403
user.delete        own     ok     403    403    403    403    403    403
user.delete        mate    ok     403    403    403    403    403    403
user.delete        other   ok     403    403    403    403    403    403
user.list          own     ok     ok     403    403    403    ok     403
user.list          mate    ok     ok     403    403    403    ok     403
user.list          other   ok     403    403    403    403    ok     403

events.list        own     ok     403    403    403    403    ok     403
events.list        mate    ok     403    403    403    403    ok     403
events.list        other   ok     403    403    403    403    ok     403

usage.read         own     ok     ok     ok     ok     403    ok     403
usage.read         mate    ok     ok     403    403    403    ok     403
usage.read         other   ok     403    403    403    403    ok     403

review.read        own     ok     403    403    403    403    ok     403
review.read        mate    ok     403    403    403    403    ok     403
review.read        other   ok     403    403    403    403    ok     403

metrics.read       own     ok     403    403    403    403    ok     403
metrics.read       mate    ok     403    403    403    403    ok     403
metrics.read       other   ok     403    403    403    403    ok     403

model.manage       own     ok     403    403    403    403    403    403
model.manage       mate    ok     403    403    403    403    403    403
model.manage       other   ok     403    403    403    403    403    403
`

// matrixRow is one parsed line of permissionMatrix.
type matrixRow struct {
	action, target string
	want           []string
}

func parseMatrix(t *testing.T) []matrixRow {
	t.Helper()
	var rows []matrixRow
	for line := range strings.Lines(permissionMatrix) {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 2+len(matrixActors) {
			t.Fatalf("matrix line %q: %d columns, want %d", line, len(f), 2+len(matrixActors))
		}
		rows = append(rows, matrixRow{action: f[0], target: f[1], want: f[2:]})
	}
	return rows
}

func TestAuthorizeMatrix(t *testing.T) {
	for _, row := range parseMatrix(t) {
		want := row.want
		for i, col := range matrixActors {
			d := Authorize(col.actor, row.action, matrixTarget(t, row.target, col.actor))
			if got := answer(d); got != want[i] {
				t.Errorf("%s on %s target by %s: got %s, want %s (reason %q)", row.action, row.target, col.name, got, want[i], d.Reason)
			}
			if !d.Allowed && d.Reason == "" {
				t.Errorf("%s on %s target by %s: refusal without a reason", row.action, row.target, col.name)
			}
		}
	}
}

func answer(d Decision) string {
	switch {
	case d.Allowed && d.Status == 0 && d.Reason == "":
		return "ok"
	case !d.Allowed && d.Status == http.StatusForbidden:
		return "403"
	case !d.Allowed && d.Status == http.StatusNotFound:
		return "404"
	default:
		return "malformed decision"
	}
}

// The matrix must list every action for every target, and nothing else.
func TestMatrixCoversEveryAction(t *testing.T) {
	seen := map[string][]string{}
	for _, row := range parseMatrix(t) {
		seen[row.action] = append(seen[row.action], row.target)
	}
	for _, a := range Actions() {
		if got := seen[a]; !slices.Equal(got, []string{own, mate, other}) {
			t.Errorf("matrix rows for %s: %v, want own, mate, other", a, got)
		}
		delete(seen, a)
	}
	for a := range seen {
		t.Errorf("matrix lists %s, which Actions does not", a)
	}
	if n := len(Actions()); n != 24 {
		t.Errorf("Actions() has %d actions, want the 23 management endpoints plus team.update_limits", n)
	}
}

func TestActionsReturnsACopy(t *testing.T) {
	a := Actions()
	a[0] = "changed"
	if Actions()[0] != KeyGenerate {
		t.Error("changing the slice Actions returned changed the table")
	}
}

func TestAuthorizeCases(t *testing.T) {
	teamAdmin := matrixActors[1].actor
	member := matrixActors[2].actor
	user := matrixActors[3].actor
	tests := []struct {
		name      string
		actor     Actor
		action    string
		target    Target
		status    int    // 0: allowed
		reasonHas string // part of the reason
	}{
		{"user grants itself admin", user, UserUpdate, Target{OwnerUserID: "sol", GrantsRole: RoleAdmin}, 403, "user_role: only an admin may grant the role admin"},
		{"user creates an auditor", user, UserNew, Target{GrantsRole: RoleAuditor}, 403, "user_role: only an admin may grant the role auditor"},
		{"team admin creates an admin", teamAdmin, UserNew, Target{TeamID: "eng", GrantsRole: RoleAdmin}, 403, "user_role: only an admin"},
		{"team admin creates a pending user", teamAdmin, UserNew, Target{TeamID: "eng", GrantsRole: RolePending}, 403, "user_role: a team admin may create users with role user only"},
		{"team admin creates a user", teamAdmin, UserNew, Target{TeamID: "eng", GrantsRole: RoleUser}, 0, ""},
		{"team admin promotes a member to team admin", teamAdmin, TeamMemberAdd, Target{TeamID: "eng", GrantsRole: TeamRoleAdmin}, 403, "member.role: only an admin"},
		{"team admin adds a member", teamAdmin, TeamMemberAdd, Target{TeamID: "eng", GrantsRole: TeamRoleMember}, 0, ""},
		{"team admin grants on other team", teamAdmin, TeamMemberAdd, Target{TeamID: "ops", GrantsRole: RoleAdmin}, 403, "member.role"},
		{"admin grants admin", matrixActors[0].actor, UserUpdate, Target{OwnerUserID: "sol", GrantsRole: RoleAdmin}, 0, ""},
		{"master grants admin", Actor{Master: true}, UserNew, Target{GrantsRole: RoleAdmin}, 0, ""},
		{"master even when marked blocked", Actor{Master: true, Blocked: true}, TeamDelete, Target{}, 0, ""},
		{"unknown action for admin", matrixActors[0].actor, "key.steal", Target{}, 403, `unknown action "key.steal"`},
		{"unknown action for master", Actor{Master: true}, "", Target{}, 403, "unknown action"},
		{"unknown role", Actor{UserID: "x", Role: "superuser"}, KeyInfo, Target{OwnerUserID: "x"}, 403, `unknown role "superuser"`},
		{"empty role", Actor{UserID: "x"}, KeyList, Target{OwnerUserID: "x"}, 403, "unknown role"},
		{"no user id does not own ownerless keys", Actor{Role: RoleUser}, KeyInfo, Target{}, 404, "not found"},
		{"no user id does not list ownerless keys", Actor{Role: RoleUser}, KeyList, Target{}, 403, "key.list needs"},
		{"own key in a team one is not in", user, KeyGenerate, Target{OwnerUserID: "sol", TeamID: "eng"}, 403, "key.generate: it is in team eng, of which you are not a member"},
		{"own key of a team one left", user, KeyUpdate, Target{OwnerUserID: "sol", TeamID: "eng"}, 403, "not a member"},
		{"listing every key", member, KeyList, Target{}, 403, "key.list needs"},
		{"listing every user", teamAdmin, UserList, Target{}, 403, "user.list needs"},
		{"auditor changes", matrixActors[5].actor, KeyDelete, Target{}, 403, "role auditor may only read"},
		{"pending", matrixActors[4].actor, UserInfo, Target{OwnerUserID: "pat"}, 403, "role pending"},
		{"blocked", matrixActors[6].actor, KeyInfo, Target{}, 403, "blocked"},
		{"team admin on other team's key", teamAdmin, KeyInfo, Target{OwnerUserID: "oli", TeamID: "ops"}, 404, "not found"},
		{"team admin on a team-less key of another user", teamAdmin, KeyDelete, Target{OwnerUserID: "oli"}, 404, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(tt.actor, tt.action, tt.target)
			if d.Status != tt.status || d.Allowed != (tt.status == 0) {
				t.Fatalf("Authorize = %+v, want status %d", d, tt.status)
			}
			if !strings.Contains(d.Reason, tt.reasonHas) {
				t.Errorf("reason %q does not contain %q", d.Reason, tt.reasonHas)
			}
		})
	}
}
