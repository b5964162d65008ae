package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func testUserRoundTrip(t *testing.T, s store.Store) {
	full := store.User{ID: "u-full", Email: "ada@example.com", Name: "Ada Lovelace", Role: store.RoleAdmin,
		Blocked: true, CreatedAt: base, LastSeen: base.Add(36*time.Hour + 123456*time.Nanosecond)}
	must(t, s.CreateUser(ctx(t), full), "create full user")
	got, err := s.GetUser(ctx(t), full.ID)
	must(t, err, "get full user")
	wantUser(t, got, full)

	// Zero LastSeen stays zero; zero CreatedAt becomes the time of creation.
	before := time.Now().Add(-time.Second)
	bare := store.User{ID: "u-bare", Role: store.RolePending}
	must(t, s.CreateUser(ctx(t), bare), "create bare user")
	got, err = s.GetUser(ctx(t), bare.ID)
	must(t, err, "get bare user")
	if got.CreatedAt.Before(before) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v, want a UTC time after %v", got.CreatedAt, before)
	}
	bare.CreatedAt = got.CreatedAt
	wantUser(t, got, bare)
}

func testUserConflicts(t *testing.T, s store.Store) {
	must(t, s.CreateUser(ctx(t), store.User{ID: "u1", Email: "a@example.com", Role: store.RoleUser}), "create u1")
	// Users without email do not conflict with each other.
	must(t, s.CreateUser(ctx(t), store.User{ID: "u2", Role: store.RoleUser}), "create u2 without email")
	must(t, s.CreateUser(ctx(t), store.User{ID: "u3", Role: store.RoleUser}), "create u3 without email")
	for _, tc := range []struct {
		name  string
		u     store.User
		field string
	}{
		{"same id", store.User{ID: "u1", Email: "other@example.com", Role: store.RoleUser}, "id"},
		{"same id no email", store.User{ID: "u2", Role: store.RoleUser}, "id"},
		{"same email", store.User{ID: "u9", Email: "a@example.com", Role: store.RoleUser}, "email"},
	} {
		err := s.CreateUser(ctx(t), tc.u)
		wantErr(t, err, store.ErrConflict, tc.name)
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.field)
		}
	}
	got, err := s.GetUser(ctx(t), "u1")
	must(t, err, "get u1")
	if got.Email != "a@example.com" {
		t.Fatalf("u1 was overwritten by a conflicting create: %+v", got)
	}
}

func testUserInvalid(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		name string
		u    store.User
	}{
		{"empty id", store.User{Role: store.RoleUser}},
		{"unknown role", store.User{ID: "u", Role: "root"}},
		{"empty role", store.User{ID: "u"}},
		{"long id", store.User{ID: strings.Repeat("x", store.MaxIDLen+1), Role: store.RoleUser}},
		{"long name", store.User{ID: "u", Name: strings.Repeat("n", store.MaxTextLen+1), Role: store.RoleUser}},
		{"bad utf-8 email", store.User{ID: "u", Email: "\xff@example.com", Role: store.RoleUser}},
	} {
		wantErr(t, s.CreateUser(ctx(t), tc.u), store.ErrInvalid, tc.name)
	}
	if n, err := s.ListUsers(ctx(t), 0, 0); err != nil || len(n) != 0 {
		t.Fatalf("invalid users were stored: %v, %v", n, err)
	}
}

func testUserNotFound(t *testing.T, s store.Store) {
	_, err := s.GetUser(ctx(t), "nobody")
	wantErr(t, err, store.ErrNotFound, "get missing user")
}

func testListUsersPages(t *testing.T, s store.Store) {
	// Created out of order; u-b and u-a share a creation time, so the id breaks the tie.
	for _, u := range []store.User{
		{ID: "u-c", Role: store.RoleUser, CreatedAt: base.Add(2 * time.Minute)},
		{ID: "u-b", Role: store.RoleUser, CreatedAt: base.Add(time.Minute)},
		{ID: "u-a", Role: store.RoleUser, CreatedAt: base.Add(time.Minute)},
		{ID: "u-z", Role: store.RoleUser, CreatedAt: base},
		{ID: "u-e", Role: store.RoleUser, CreatedAt: base.Add(3 * time.Minute)},
	} {
		must(t, s.CreateUser(ctx(t), u), "create "+u.ID)
	}
	all := []string{"u-z", "u-a", "u-b", "u-c", "u-e"}
	for _, tc := range []struct {
		limit, offset int
		want          []string
	}{
		{0, 0, all},
		{2, 0, all[:2]},
		{2, 2, all[2:4]},
		{2, 4, all[4:]},
		{2, 5, nil},
		{store.MaxLimit + 1, 0, all},
	} {
		us, err := s.ListUsers(ctx(t), tc.limit, tc.offset)
		must(t, err, "list users")
		if got := userIDs(us); !slices.Equal(got, tc.want) {
			t.Errorf("ListUsers(%d, %d) = %v, want %v", tc.limit, tc.offset, got, tc.want)
		}
	}
	for _, bad := range [][2]int{{-1, 0}, {0, -1}} {
		_, err := s.ListUsers(ctx(t), bad[0], bad[1])
		wantErr(t, err, store.ErrInvalid, "negative page")
	}
}

func testCountUsersByRole(t *testing.T, s store.Store) {
	for i, role := range []string{store.RoleAdmin, store.RoleUser, store.RoleUser, store.RolePending, store.RoleUser} {
		must(t, s.CreateUser(ctx(t), store.User{ID: "u" + string(rune('a'+i)), Role: role}), "create user")
	}
	for role, want := range map[string]int{store.RoleAdmin: 1, store.RoleUser: 3, store.RolePending: 1, store.RoleAuditor: 0} {
		n, err := s.CountUsersByRole(ctx(t), role)
		must(t, err, "count "+role)
		if n != want {
			t.Errorf("CountUsersByRole(%q) = %d, want %d", role, n, want)
		}
	}
}
