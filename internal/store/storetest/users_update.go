package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func testUserLimitsRoundTrip(t *testing.T, s store.Store) {
	u := store.User{ID: "u1", Email: "intern@example.com", Role: store.RoleUser, CreatedAt: base,
		Metadata: json.RawMessage(`{ "department" : "R&D" }`), Limits: fullLimits(5)}
	must(t, s.CreateUser(ctx(t), u), "create")
	got, err := s.GetUser(ctx(t), u.ID)
	must(t, err, "get")
	wantUser(t, got, u)
	if string(got.Metadata) != `{"department":"R&D"}` {
		t.Errorf("metadata = %s, want it compacted", got.Metadata)
	}
	// Only some limits set: the others stay nil.
	part := store.User{ID: "u2", Role: store.RoleUser, CreatedAt: base, Limits: store.Limits{TPMLimit: ptr(int64(0))}}
	must(t, s.CreateUser(ctx(t), part), "create u2")
	got, err = s.GetUser(ctx(t), part.ID)
	must(t, err, "get u2")
	wantUser(t, got, part)

	for _, tc := range []struct {
		name string
		u    store.User
	}{
		{"negative budget", store.User{ID: "u9", Role: store.RoleUser, Limits: store.Limits{MaxBudget: ptr(-1.0)}}},
		{"negative parallel", store.User{ID: "u9", Role: store.RoleUser, Limits: store.Limits{MaxParallelRequests: ptr(int64(-2))}}},
		{"metadata string", store.User{ID: "u9", Role: store.RoleUser, Metadata: json.RawMessage(`"x"`)}},
		{"metadata broken", store.User{ID: "u9", Role: store.RoleUser, Metadata: json.RawMessage(`{`)}},
	} {
		wantErr(t, s.CreateUser(ctx(t), tc.u), store.ErrInvalid, "create "+tc.name)
		tc.u.ID = "u1"
		wantErr(t, s.UpdateUser(ctx(t), tc.u), store.ErrInvalid, "update "+tc.name)
	}
	got, err = s.GetUser(ctx(t), "u1")
	must(t, err, "get u1")
	wantUser(t, got, u) // refused updates changed nothing
}

func testUpdateUser(t *testing.T, s store.Store) {
	orig := store.User{ID: "u1", Email: "a@example.com", Name: "A", Role: store.RolePending, CreatedAt: base,
		LastSeen: base.Add(time.Hour), Limits: fullLimits(1), Metadata: json.RawMessage(`{"a":1}`)}
	must(t, s.CreateUser(ctx(t), orig), "create u1")
	must(t, s.CreateUser(ctx(t), store.User{ID: "u2", Email: "b@example.com", Role: store.RoleUser}), "create u2")

	// Full replace of the mutable fields; CreatedAt and LastSeen are kept whatever is passed.
	upd := store.User{ID: "u1", Email: "a2@example.com", Name: "Ada", Role: store.RoleAdmin, Blocked: true,
		Limits: store.Limits{MaxBudget: ptr(0.0)}, CreatedAt: base.Add(99 * time.Hour)}
	must(t, s.UpdateUser(ctx(t), upd), "update u1")
	got, err := s.GetUser(ctx(t), "u1")
	must(t, err, "get u1")
	upd.CreatedAt, upd.LastSeen = orig.CreatedAt, orig.LastSeen
	wantUser(t, got, upd)

	// The old email is free; another user's email conflicts; clearing the email is allowed.
	must(t, s.CreateUser(ctx(t), store.User{ID: "u3", Email: "a@example.com", Role: store.RoleUser}), "take the freed email")
	upd.Email = "b@example.com"
	err = s.UpdateUser(ctx(t), upd)
	wantErr(t, err, store.ErrConflict, "update onto another email")
	if !strings.Contains(err.Error(), "email") {
		t.Errorf("conflict %q does not name the email", err)
	}
	upd.Email = ""
	must(t, s.UpdateUser(ctx(t), upd), "clear the email")

	wantErr(t, s.UpdateUser(ctx(t), store.User{ID: "u9", Role: store.RoleUser}), store.ErrNotFound, "update missing user")
	wantErr(t, s.UpdateUser(ctx(t), store.User{ID: "u1", Role: "root"}), store.ErrInvalid, "update to an unknown role")
	if _, err := s.GetUser(ctx(t), "u9"); err == nil {
		t.Fatal("updating a missing user created it")
	}
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	for _, u := range []string{"u1", "u2"} {
		must(t, s.CreateUser(ctx(t), store.User{ID: u, Email: u + "@example.com", Role: store.RoleUser}), "create "+u)
	}
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1"}), "create t1")
	for _, u := range []string{"u1", "u2"} {
		must(t, s.AddTeamMember(ctx(t), store.TeamMember{TeamID: "t1", UserID: u, Role: store.TeamRoleMember}), "add "+u)
	}
	for _, k := range []store.Key{{ID: "k-u1", UserID: "u1"}, {ID: "k-u1-t1", UserID: "u1", TeamID: "t1"}, {ID: "k-u2", UserID: "u2"}} {
		k.Hash = hashOf(k.ID)
		must(t, s.CreateKey(ctx(t), k), "create "+k.ID)
	}
	must(t, s.DeleteUser(ctx(t), "u1"), "delete u1")
	_, err := s.GetUser(ctx(t), "u1")
	wantErr(t, err, store.ErrNotFound, "deleted user")
	for _, id := range []string{"k-u1", "k-u1-t1"} {
		_, err := s.KeyByHash(ctx(t), hashOf(id))
		wantErr(t, err, store.ErrNotFound, "key of the deleted user "+id)
	}
	ks, err := s.ListKeys(ctx(t), store.KeyFilter{})
	must(t, err, "list keys")
	if got := keyIDs(ks); !slices.Equal(got, []string{"k-u2"}) {
		t.Fatalf("keys after deleting u1 = %v, want [k-u2]", got)
	}
	ms, err := s.ListTeamMembers(ctx(t), "t1")
	must(t, err, "list members")
	if got := memberIDs(ms, false); !slices.Equal(got, []string{"u2:member"}) {
		t.Fatalf("t1 members after deleting u1 = %v, want [u2:member]", got)
	}
	if _, err := s.GetTeam(ctx(t), "t1"); err != nil {
		t.Fatalf("deleting a user deleted its team: %v", err)
	}
	wantErr(t, s.DeleteUser(ctx(t), "u1"), store.ErrNotFound, "delete u1 again")
	// Id and email are free again.
	must(t, s.CreateUser(ctx(t), store.User{ID: "u1", Email: "u1@example.com", Role: store.RoleUser}), "re-create u1")
}

func testListUsersFiltered(t *testing.T, s store.Store) {
	for i, u := range []store.User{
		{ID: "u-a", Role: store.RoleAdmin}, {ID: "u-b", Role: store.RoleUser}, {ID: "u-c", Role: store.RoleUser},
		{ID: "u-d", Role: store.RolePending}, {ID: "u-e", Role: store.RoleUser},
	} {
		u.CreatedAt = base.Add(time.Duration(i) * time.Second)
		must(t, s.CreateUser(ctx(t), u), "create "+u.ID)
	}
	for _, id := range []string{"t1", "t2"} {
		must(t, s.CreateTeam(ctx(t), store.Team{ID: id}), "create "+id)
	}
	for _, m := range [][2]string{{"t1", "u-a"}, {"t1", "u-c"}, {"t1", "u-e"}, {"t2", "u-b"}} {
		must(t, s.AddTeamMember(ctx(t), store.TeamMember{TeamID: m[0], UserID: m[1], Role: store.TeamRoleMember}), "add member")
	}
	for _, tc := range []struct {
		f    store.UserFilter
		want []string
	}{
		{store.UserFilter{}, []string{"u-a", "u-b", "u-c", "u-d", "u-e"}},
		{store.UserFilter{Role: store.RoleUser}, []string{"u-b", "u-c", "u-e"}},
		{store.UserFilter{Role: store.RoleUser, Limit: 2, Offset: 1}, []string{"u-c", "u-e"}},
		{store.UserFilter{TeamID: "t1"}, []string{"u-a", "u-c", "u-e"}},
		{store.UserFilter{TeamID: "t1", Role: store.RoleUser}, []string{"u-c", "u-e"}},
		{store.UserFilter{TeamID: "t2", Role: store.RoleAdmin}, nil},
		{store.UserFilter{TeamID: "missing"}, nil},
		{store.UserFilter{Role: store.RoleAuditor}, nil},
		{store.UserFilter{Limit: 1, Offset: 4}, []string{"u-e"}},
	} {
		us, err := s.ListUsersFiltered(ctx(t), tc.f)
		must(t, err, "list users")
		if got := userIDs(us); !slices.Equal(got, tc.want) {
			t.Errorf("ListUsersFiltered(%+v) = %v, want %v", tc.f, got, tc.want)
		}
		if tc.f.Limit == 0 && tc.f.Offset == 0 {
			n, err := s.CountUsers(ctx(t), tc.f)
			must(t, err, "count users")
			if n != len(tc.want) {
				t.Errorf("CountUsers(%+v) = %d, want %d", tc.f, n, len(tc.want))
			}
		}
	}
	for _, f := range []store.UserFilter{{Limit: -1}, {Offset: -1}} {
		_, err := s.ListUsersFiltered(ctx(t), f)
		wantErr(t, err, store.ErrInvalid, fmt.Sprintf("ListUsersFiltered(%+v)", f))
	}
}

func testTouchUser(t *testing.T, s store.Store) {
	must(t, s.CreateUser(ctx(t), store.User{ID: "u1", Role: store.RoleUser}), "create u1")
	t1, t0, t2 := base.Add(time.Hour+123456*time.Nanosecond), base.Add(time.Minute), base.Add(2*time.Hour)
	for i, step := range []struct {
		at, want time.Time
	}{
		{time.Time{}, time.Time{}}, // zero: no change
		{t1, t1},
		{t0, t1}, // does not move back
		{t2, t2},
		{time.Time{}, t2},
	} {
		must(t, s.TouchUser(ctx(t), "u1", step.at), fmt.Sprint("touch step ", i))
		u, err := s.GetUser(ctx(t), "u1")
		must(t, err, "get u1")
		if want := ms(step.want); !u.LastSeen.Equal(want) || u.LastSeen.IsZero() != want.IsZero() {
			t.Fatalf("step %d: LastSeen = %v, want %v", i, u.LastSeen, want)
		}
	}
	must(t, s.TouchUser(ctx(t), "nobody", t2), "touch an unknown user")
	if _, err := s.GetUser(ctx(t), "nobody"); err == nil {
		t.Fatal("TouchUser created a user")
	}
}
