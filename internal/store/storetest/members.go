package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func memberIDs(ms []store.TeamMember, team bool) []string {
	return ids(ms, func(m store.TeamMember) string {
		if team {
			return m.TeamID + ":" + m.Role
		}
		return m.UserID + ":" + m.Role
	})
}

func testTeamMembers(t *testing.T, s store.Store) {
	for _, u := range []string{"u1", "u2", "u3"} {
		must(t, s.CreateUser(ctx(t), store.User{ID: u, Role: store.RoleUser}), "create "+u)
	}
	for _, id := range []string{"t1", "t2"} {
		must(t, s.CreateTeam(ctx(t), store.Team{ID: id}), "create "+id)
	}
	add := func(team, user, role string, at time.Time) {
		t.Helper()
		must(t, s.AddTeamMember(ctx(t), store.TeamMember{TeamID: team, UserID: user, Role: role, CreatedAt: at}), "add "+user+" to "+team)
	}
	add("t1", "u2", store.TeamRoleMember, base.Add(time.Minute))
	add("t1", "u1", store.TeamRoleAdmin, base.Add(time.Minute))
	add("t1", "u3", store.TeamRoleMember, base)
	add("t2", "u1", store.TeamRoleMember, base)

	got, err := s.ListTeamMembers(ctx(t), "t1")
	must(t, err, "list t1 members")
	if got, want := memberIDs(got, false), []string{"u3:member", "u1:admin", "u2:member"}; !slices.Equal(got, want) {
		t.Fatalf("t1 members = %v, want %v (by time, then user id)", got, want)
	}
	if want := (store.TeamMember{TeamID: "t1", UserID: "u3", Role: store.TeamRoleMember, CreatedAt: ms(base)}); got[0] != want {
		t.Fatalf("member = %+v, want %+v", got[0], want)
	}

	// Adding again changes the role and keeps the original CreatedAt.
	add("t1", "u2", store.TeamRoleAdmin, base.Add(time.Hour))
	got, err = s.ListTeamMembers(ctx(t), "t1")
	must(t, err, "list t1 members")
	if got, want := memberIDs(got, false), []string{"u3:member", "u1:admin", "u2:admin"}; !slices.Equal(got, want) {
		t.Fatalf("after role change, t1 members = %v, want %v", got, want)
	}
	if !got[2].CreatedAt.Equal(ms(base.Add(time.Minute))) {
		t.Fatalf("role change moved CreatedAt to %v", got[2].CreatedAt)
	}

	of, err := s.TeamsOfUser(ctx(t), "u1")
	must(t, err, "teams of u1")
	if got, want := memberIDs(of, true), []string{"t2:member", "t1:admin"}; !slices.Equal(got, want) {
		t.Fatalf("teams of u1 = %v, want %v", got, want)
	}

	must(t, s.RemoveTeamMember(ctx(t), "t1", "u1"), "remove u1 from t1")
	wantErr(t, s.RemoveTeamMember(ctx(t), "t1", "u1"), store.ErrNotFound, "remove u1 from t1 again")
	wantErr(t, s.RemoveTeamMember(ctx(t), "t9", "u1"), store.ErrNotFound, "remove from a missing team")
	of, err = s.TeamsOfUser(ctx(t), "u1")
	must(t, err, "teams of u1")
	if got := memberIDs(of, true); !slices.Equal(got, []string{"t2:member"}) {
		t.Fatalf("after removal, teams of u1 = %v", got)
	}
	for _, empty := range []func() ([]store.TeamMember, error){
		func() ([]store.TeamMember, error) { return s.ListTeamMembers(ctx(t), "missing") },
		func() ([]store.TeamMember, error) { return s.TeamsOfUser(ctx(t), "missing") },
	} {
		if got, err := empty(); err != nil || len(got) != 0 {
			t.Fatalf("members of something missing: %v, %v; want none", got, err)
		}
	}
}

func testTeamMemberErrors(t *testing.T, s store.Store) {
	must(t, s.CreateUser(ctx(t), store.User{ID: "u1", Role: store.RoleUser}), "create u1")
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1"}), "create t1")
	for _, tc := range []struct {
		name string
		m    store.TeamMember
		want error
	}{
		{"missing team", store.TeamMember{TeamID: "t9", UserID: "u1", Role: store.TeamRoleMember}, store.ErrNotFound},
		{"missing user", store.TeamMember{TeamID: "t1", UserID: "u9", Role: store.TeamRoleMember}, store.ErrNotFound},
		{"unknown role", store.TeamMember{TeamID: "t1", UserID: "u1", Role: "owner"}, store.ErrInvalid},
		{"empty role", store.TeamMember{TeamID: "t1", UserID: "u1"}, store.ErrInvalid},
		{"user role", store.TeamMember{TeamID: "t1", UserID: "u1", Role: store.RoleUser}, store.ErrInvalid},
		{"empty team", store.TeamMember{UserID: "u1", Role: store.TeamRoleMember}, store.ErrInvalid},
		{"empty user", store.TeamMember{TeamID: "t1", Role: store.TeamRoleMember}, store.ErrInvalid},
	} {
		wantErr(t, s.AddTeamMember(ctx(t), tc.m), tc.want, tc.name)
	}
	if got, err := s.ListTeamMembers(ctx(t), "t1"); err != nil || len(got) != 0 {
		t.Fatalf("refused members were stored: %v, %v", got, err)
	}
}
