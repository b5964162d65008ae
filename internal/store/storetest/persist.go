package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/warden-gw/warden/internal/store"
)

// Reopener opens the same database each time it is called.
type Reopener func(ctx context.Context) (store.Store, error)

// versioned is implemented by stores that report their schema version.
type versioned interface {
	SchemaVersion(ctx context.Context) (int, error)
}

// RunPersistence checks that data survives close and reopen, and that opening (also concurrently) an
// already migrated database is harmless. fresh returns a Reopener for a new, empty database.
func RunPersistence(t *testing.T, fresh func(t *testing.T) Reopener) {
	t.Run("ReopenKeepsData", func(t *testing.T) {
		t.Parallel()
		testReopen(t, fresh(t))
	})
	t.Run("ConcurrentOpens", func(t *testing.T) {
		t.Parallel()
		testConcurrentOpens(t, fresh(t))
	})
}

func open(t *testing.T, reopen Reopener) store.Store {
	t.Helper()
	s, err := reopen(ctx(t))
	must(t, err, "open")
	t.Cleanup(func() { s.Close() })
	return s
}

func schemaVersion(t *testing.T, s store.Store) int {
	t.Helper()
	v, ok := s.(versioned)
	if !ok {
		t.Fatalf("%T has no SchemaVersion method", s)
	}
	n, err := v.SchemaVersion(ctx(t))
	must(t, err, "schema version")
	return n
}

func testReopen(t *testing.T, reopen Reopener) {
	s := open(t, reopen)
	version := schemaVersion(t, s)
	if version < 1 {
		t.Fatalf("schema version after open = %d, want at least 1", version)
	}
	u := store.User{ID: "u1", Email: "a@example.com", Role: store.RoleAdmin, CreatedAt: base, LastSeen: base}
	k := newKey("k1")
	k.UserID, k.Models, k.LastUsedAt = "u1", []string{"b", "a"}, base
	must(t, s.CreateUser(ctx(t), u), "create user")
	must(t, s.CreateKey(ctx(t), k), "create key")
	must(t, s.PutSetting(ctx(t), "name", "value"), "put setting")
	team := store.Team{ID: "t1", Alias: "One", Models: []string{"m"}, Limits: fullLimits(2), CreatedAt: base, UpdatedAt: base}
	must(t, s.CreateTeam(ctx(t), team), "create team")
	member := store.TeamMember{TeamID: "t1", UserID: "u1", Role: store.TeamRoleAdmin, CreatedAt: ms(base)}
	must(t, s.AddTeamMember(ctx(t), member), "add member")
	eventID, err := s.AppendEvent(ctx(t), store.Event{Time: base, Actor: "u1", Action: "team.create", Target: "t1"})
	must(t, err, "append event")
	spend := store.SpendRow{Day: base, KeyID: "k1", UserID: "u1", Model: "m", Requests: 2, PromptTokens: 30, CompletionTokens: 12, Cost: 0.75}
	must(t, s.AddSpend(ctx(t), []store.SpendRow{spend}), "add spend")
	must(t, s.Close(), "close")

	for range 2 { // the second open of a migrated database must change nothing
		s = open(t, reopen)
		if v := schemaVersion(t, s); v != version {
			t.Fatalf("schema version after reopen = %d, want %d", v, version)
		}
		gotU, err := s.GetUser(ctx(t), "u1")
		must(t, err, "get user after reopen")
		wantUser(t, gotU, u)
		gotK, err := s.KeyByHash(ctx(t), k.Hash)
		must(t, err, "get key after reopen")
		wantKey(t, gotK, k)
		if v, err := s.GetSetting(ctx(t), "name"); err != nil || v != "value" {
			t.Fatalf("setting after reopen = %q, %v", v, err)
		}
		gotT, err := s.GetTeamByAlias(ctx(t), "one")
		must(t, err, "get team after reopen")
		wantTeam(t, gotT, team)
		if ms, err := s.TeamsOfUser(ctx(t), "u1"); err != nil || len(ms) != 1 || ms[0] != member {
			t.Fatalf("memberships after reopen = %+v, %v; want [%+v]", ms, err, member)
		}
		if es, err := s.ListEvents(ctx(t), store.EventFilter{}); err != nil || len(es) != 1 || es[0].ID != eventID {
			t.Fatalf("events after reopen = %+v, %v; want the one with id %d", es, err, eventID)
		}
		if cost, tokens, err := s.SpendSince(ctx(t), store.SpendKey, "k1", base); err != nil || cost != 0.75 || tokens != 42 {
			t.Fatalf("spend after reopen = %v, %d, %v; want 0.75, 42", cost, tokens, err)
		}
		must(t, s.Close(), "close")
	}
}

func testConcurrentOpens(t *testing.T, reopen Reopener) {
	const n = 4
	stores := make([]store.Store, n)
	errs := parallel(n, func(i int) error {
		s, err := reopen(ctx(t))
		stores[i] = s
		return err
	})
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent opens of a new database: %v", err)
	}
	want := schemaVersion(t, stores[0])
	for i, s := range stores {
		if v := schemaVersion(t, s); v != want || v < 1 {
			t.Fatalf("store %d: schema version %d, want %d", i, v, want)
		}
		must(t, s.PutSetting(ctx(t), "opened", "yes"), "write through each store")
	}
}
