package storetest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func testTeamRoundTrip(t *testing.T, s store.Store) {
	full := store.Team{ID: "team-eng", Alias: "Engineering", Models: []string{"qwen2.5-coder-14b", "llama3.1-8b"},
		Limits: fullLimits(500), Metadata: json.RawMessage(` {"org": "R&D", "n": 2} `), Blocked: true,
		CreatedAt: base, UpdatedAt: base.Add(time.Hour + 777*time.Microsecond)}
	must(t, s.CreateTeam(ctx(t), full), "create full team")
	got, err := s.GetTeam(ctx(t), full.ID)
	must(t, err, "get team")
	wantTeam(t, got, full)
	for _, alias := range []string{"Engineering", "engineering", "ENGINEERING", "eNgInEeRiNg"} {
		got, err = s.GetTeamByAlias(ctx(t), alias)
		must(t, err, "get team by alias "+alias)
		wantTeam(t, got, full) // the alias comes back as written at creation
	}

	// Nothing set: no alias, all models, no limits (nil, not zero), {} metadata, UpdatedAt = CreatedAt = now.
	before := time.Now().Add(-time.Second)
	bare := store.Team{ID: "team-bare"}
	must(t, s.CreateTeam(ctx(t), bare), "create bare team")
	got, err = s.GetTeam(ctx(t), bare.ID)
	must(t, err, "get bare team")
	if got.CreatedAt.Before(before) || got.CreatedAt.Location() != time.UTC || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Fatalf("bare team times: created %v, updated %v; want a UTC time after %v, both equal", got.CreatedAt, got.UpdatedAt, before)
	}
	bare.CreatedAt, bare.UpdatedAt = got.CreatedAt, got.UpdatedAt
	wantTeam(t, got, bare)
	if got.Limits != (store.Limits{}) {
		t.Fatalf("unset limits came back set: %s", showLimits(got.Limits))
	}
	_, err = s.GetTeamByAlias(ctx(t), "")
	wantErr(t, err, store.ErrNotFound, "get team by empty alias")

	ts, err := s.ListTeams(ctx(t), store.TeamFilter{})
	must(t, err, "list teams")
	if len(ts) != 2 {
		t.Fatalf("ListTeams returned %v, want 2 teams", teamIDs(ts))
	}
	wantTeam(t, ts[0], full)
}

func testTeamConflicts(t *testing.T, s store.Store) {
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1", Alias: "Équipe Rouge"}), "create t1")
	// Teams without alias do not conflict with each other.
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t2"}), "create t2 without alias")
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t3"}), "create t3 without alias")
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t4", Alias: "Équipe Rouge 2"}), "create t4")
	for _, tc := range []struct {
		name  string
		tm    store.Team
		field string
	}{
		{"same id", store.Team{ID: "t1", Alias: "other"}, "id"},
		{"same alias", store.Team{ID: "t9", Alias: "Équipe Rouge"}, "alias"},
		{"alias in lower case", store.Team{ID: "t9", Alias: "équipe rouge"}, "alias"},
		{"alias in upper case", store.Team{ID: "t9", Alias: "ÉQUIPE ROUGE"}, "alias"},
	} {
		err := s.CreateTeam(ctx(t), tc.tm)
		wantErr(t, err, store.ErrConflict, tc.name)
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.field)
		}
	}
	// Renaming onto another team's alias (in any case) conflicts; a change of case of one's own does not.
	err := s.UpdateTeam(ctx(t), store.Team{ID: "t4", Alias: "ÉQUIPE rouge"})
	wantErr(t, err, store.ErrConflict, "update onto another alias")
	if !strings.Contains(err.Error(), "alias") {
		t.Errorf("update conflict %q does not name the alias", err)
	}
	must(t, s.UpdateTeam(ctx(t), store.Team{ID: "t1", Alias: "ÉQUIPE ROUGE"}), "change the case of its own alias")
	got, err := s.GetTeamByAlias(ctx(t), "équipe rouge")
	must(t, err, "get by alias after case change")
	if got.ID != "t1" || got.Alias != "ÉQUIPE ROUGE" {
		t.Fatalf("after case change: %s", showTeam(got))
	}
	// A freed alias can be taken.
	must(t, s.UpdateTeam(ctx(t), store.Team{ID: "t1", Alias: "Red"}), "rename t1")
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t5", Alias: "équipe rouge"}), "take the freed alias")
}

func testTeamInvalid(t *testing.T, s store.Store) {
	tooMany := make([]string, store.MaxModels+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("m", i)
	}
	for _, tc := range []struct {
		name string
		tm   store.Team
	}{
		{"empty id", store.Team{Alias: "a"}},
		{"long id", store.Team{ID: strings.Repeat("t", store.MaxIDLen+1)}},
		{"long alias", store.Team{ID: "t", Alias: strings.Repeat("a", store.MaxTextLen+1)}},
		{"bad utf-8 alias", store.Team{ID: "t", Alias: "\xff"}},
		{"empty model", store.Team{ID: "t", Models: []string{""}}},
		{"too many models", store.Team{ID: "t", Models: tooMany}},
		{"metadata array", store.Team{ID: "t", Metadata: json.RawMessage(`[]`)}},
		{"negative budget", store.Team{ID: "t", Limits: store.Limits{MaxBudget: ptr(-0.01)}}},
		{"NaN budget", store.Team{ID: "t", Limits: store.Limits{MaxBudget: ptr(math.NaN())}}},
		{"infinite budget", store.Team{ID: "t", Limits: store.Limits{MaxBudget: ptr(math.Inf(1))}}},
		{"negative rpm", store.Team{ID: "t", Limits: store.Limits{RPMLimit: ptr(int64(-1))}}},
		{"negative tpm", store.Team{ID: "t", Limits: store.Limits{TPMLimit: ptr(int64(-1))}}},
		{"negative parallel", store.Team{ID: "t", Limits: store.Limits{MaxParallelRequests: ptr(int64(-1))}}},
		{"negative tokens", store.Team{ID: "t", Limits: store.Limits{MaxTokensBudget: ptr(int64(-1))}}},
		{"long duration", store.Team{ID: "t", Limits: store.Limits{BudgetDuration: strings.Repeat("1", store.MaxBudgetDurationLen+1)}}},
	} {
		wantErr(t, s.CreateTeam(ctx(t), tc.tm), store.ErrInvalid, "create "+tc.name)
		wantErr(t, s.UpdateTeam(ctx(t), tc.tm), store.ErrInvalid, "update "+tc.name)
	}
	if n, err := s.CountTeams(ctx(t), store.TeamFilter{}); err != nil || n != 0 {
		t.Fatalf("invalid teams were stored: %d, %v", n, err)
	}
}

func testTeamNotFound(t *testing.T, s store.Store) {
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1", Alias: "one"}), "create t1")
	_, err := s.GetTeam(ctx(t), "t2")
	wantErr(t, err, store.ErrNotFound, "get missing team")
	_, err = s.GetTeamByAlias(ctx(t), "two")
	wantErr(t, err, store.ErrNotFound, "get missing alias")
	wantErr(t, s.UpdateTeam(ctx(t), store.Team{ID: "t2", Alias: "two"}), store.ErrNotFound, "update missing team")
	wantErr(t, s.DeleteTeam(ctx(t), "t2"), store.ErrNotFound, "delete missing team")
	if _, err := s.GetTeamByAlias(ctx(t), "two"); err == nil {
		t.Fatal("updating a missing team created it")
	}
}

func testUpdateTeam(t *testing.T, s store.Store) {
	orig := store.Team{ID: "t1", Alias: "one", Models: []string{"a", "b"}, Limits: fullLimits(7),
		Metadata: json.RawMessage(`{"x":1}`), CreatedAt: base}
	must(t, s.CreateTeam(ctx(t), orig), "create")

	// Full replace: fields left zero are cleared, limits set back to nil; CreatedAt is kept whatever is passed.
	upd := store.Team{ID: "t1", Alias: "uno", Models: []string{"c"}, Blocked: true,
		Limits:    store.Limits{RPMLimit: ptr(int64(30)), BudgetDuration: "1mo"},
		CreatedAt: base.Add(99 * time.Hour), UpdatedAt: base.Add(2 * time.Hour)}
	must(t, s.UpdateTeam(ctx(t), upd), "update")
	got, err := s.GetTeam(ctx(t), "t1")
	must(t, err, "get")
	upd.CreatedAt = orig.CreatedAt
	wantTeam(t, got, upd)
	if _, err := s.GetTeamByAlias(ctx(t), "one"); err == nil {
		t.Fatal("the old alias still finds the team")
	}

	// A zero UpdatedAt becomes the time of the update.
	before := time.Now().Add(-time.Second)
	upd.UpdatedAt = time.Time{}
	must(t, s.UpdateTeam(ctx(t), upd), "update again")
	got, err = s.GetTeam(ctx(t), "t1")
	must(t, err, "get")
	if got.UpdatedAt.Before(before) {
		t.Fatalf("UpdatedAt = %v, want the time of the update (after %v)", got.UpdatedAt, before)
	}
}

func testDeleteTeamCascades(t *testing.T, s store.Store) {
	for _, id := range []string{"u1", "u2"} {
		must(t, s.CreateUser(ctx(t), store.User{ID: id, Role: store.RoleUser}), "create "+id)
	}
	for _, id := range []string{"t1", "t2"} {
		must(t, s.CreateTeam(ctx(t), store.Team{ID: id, Alias: "alias-" + id}), "create "+id)
		for _, u := range []string{"u1", "u2"} {
			must(t, s.AddTeamMember(ctx(t), store.TeamMember{TeamID: id, UserID: u, Role: store.TeamRoleMember}), "add member")
		}
	}
	for _, k := range []store.Key{
		{ID: "k-t1", TeamID: "t1", UserID: "u1"}, {ID: "k-t1b", TeamID: "t1"},
		{ID: "k-t2", TeamID: "t2", UserID: "u1"}, {ID: "k-none", UserID: "u1"},
	} {
		k.Hash, k.CreatedAt = hashOf(k.ID), base // one time: the id orders them
		must(t, s.CreateKey(ctx(t), k), "create "+k.ID)
	}

	must(t, s.DeleteTeam(ctx(t), "t1"), "delete t1")
	_, err := s.GetTeam(ctx(t), "t1")
	wantErr(t, err, store.ErrNotFound, "deleted team")
	if members, err := s.ListTeamMembers(ctx(t), "t1"); err != nil || len(members) != 0 {
		t.Fatalf("members of the deleted team: %v, %v", members, err)
	}
	for _, id := range []string{"k-t1", "k-t1b"} {
		_, err := s.KeyByHash(ctx(t), hashOf(id))
		wantErr(t, err, store.ErrNotFound, "key of the deleted team "+id)
	}
	ks, err := s.ListKeys(ctx(t), store.KeyFilter{})
	must(t, err, "list keys")
	if got := keyIDs(ks); !slices.Equal(got, []string{"k-none", "k-t2"}) {
		t.Fatalf("keys after deleting t1 = %v, want [k-none k-t2]", got)
	}
	for _, u := range []string{"u1", "u2"} {
		if _, err := s.GetUser(ctx(t), u); err != nil {
			t.Fatalf("deleting a team deleted its member %s: %v", u, err)
		}
		members, err := s.TeamsOfUser(ctx(t), u)
		must(t, err, "teams of "+u)
		if len(members) != 1 || members[0].TeamID != "t2" {
			t.Fatalf("%s memberships after deleting t1 = %+v, want only t2", u, members)
		}
	}
	wantErr(t, s.DeleteTeam(ctx(t), "t1"), store.ErrNotFound, "delete t1 again")
	// The id and alias are free again.
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1", Alias: "ALIAS-T1"}), "re-create t1")
}

func testListTeamsFilters(t *testing.T, s store.Store) {
	for _, u := range []string{"u1", "u2", "u3"} {
		must(t, s.CreateUser(ctx(t), store.User{ID: u, Role: store.RoleUser}), "create "+u)
	}
	// Created out of order; tb and ta share a creation time, so the id breaks the tie.
	for _, tm := range []store.Team{
		{ID: "tc", CreatedAt: base.Add(2 * time.Minute)},
		{ID: "tb", CreatedAt: base.Add(time.Minute)},
		{ID: "ta", CreatedAt: base.Add(time.Minute)},
		{ID: "tz", CreatedAt: base},
	} {
		must(t, s.CreateTeam(ctx(t), tm), "create "+tm.ID)
	}
	for _, m := range []store.TeamMember{
		{TeamID: "tc", UserID: "u1"}, {TeamID: "tz", UserID: "u1"}, {TeamID: "ta", UserID: "u1", Role: store.TeamRoleAdmin},
		{TeamID: "tb", UserID: "u2"},
	} {
		if m.Role == "" {
			m.Role = store.TeamRoleMember
		}
		must(t, s.AddTeamMember(ctx(t), m), "add member")
	}
	all := []string{"tz", "ta", "tb", "tc"}
	for _, tc := range []struct {
		f    store.TeamFilter
		want []string
	}{
		{store.TeamFilter{}, all},
		{store.TeamFilter{Limit: 2}, all[:2]},
		{store.TeamFilter{Limit: 2, Offset: 2}, all[2:]},
		{store.TeamFilter{Offset: 4}, nil},
		{store.TeamFilter{Limit: store.MaxLimit + 1}, all},
		{store.TeamFilter{UserID: "u1"}, []string{"tz", "ta", "tc"}},
		{store.TeamFilter{UserID: "u1", Limit: 1, Offset: 1}, []string{"ta"}},
		{store.TeamFilter{UserID: "u2"}, []string{"tb"}},
		{store.TeamFilter{UserID: "u3"}, nil},
		{store.TeamFilter{UserID: "nobody"}, nil},
	} {
		ts, err := s.ListTeams(ctx(t), tc.f)
		must(t, err, "list teams")
		if got := teamIDs(ts); !slices.Equal(got, tc.want) {
			t.Errorf("ListTeams(%+v) = %v, want %v", tc.f, got, tc.want)
		}
		if tc.f.Limit == 0 && tc.f.Offset == 0 {
			n, err := s.CountTeams(ctx(t), tc.f)
			must(t, err, "count teams")
			if n != len(tc.want) {
				t.Errorf("CountTeams(%+v) = %d, want %d", tc.f, n, len(tc.want))
			}
		}
	}
	for _, f := range []store.TeamFilter{{Limit: -1}, {Offset: -1}} {
		_, err := s.ListTeams(ctx(t), f)
		wantErr(t, err, store.ErrInvalid, fmt.Sprintf("ListTeams(%+v)", f))
	}
}
