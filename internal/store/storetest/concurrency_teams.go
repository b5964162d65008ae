package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func testParallelTeamAlias(t *testing.T, s store.Store) {
	const n = 20
	errs := parallel(n, func(i int) error {
		alias := "Platform"
		if i%2 == 1 {
			alias = strings.ToUpper(alias)
		}
		return s.CreateTeam(ctx(t), store.Team{ID: fmt.Sprint("t-", i), Alias: alias})
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racing CreateTeam: got %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d racing creates of one alias succeeded, want exactly 1", won, n)
	}
}

func testParallelMembers(t *testing.T, s store.Store) {
	const workers, rounds = 10, 5
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1"}), "create t1")
	for w := range workers {
		must(t, s.CreateUser(ctx(t), store.User{ID: fmt.Sprint("u", w), Role: store.RoleUser}), "create user")
	}
	roles := []string{store.TeamRoleMember, store.TeamRoleAdmin}
	errs := parallel(workers, func(w int) error {
		for r := range rounds {
			// Every worker upserts its own membership and the shared one of u0.
			for _, u := range []string{fmt.Sprint("u", w), "u0"} {
				if err := s.AddTeamMember(ctx(t), store.TeamMember{TeamID: "t1", UserID: u, Role: roles[(w+r)%2]}); err != nil {
					return err
				}
			}
			if _, err := s.TeamsOfUser(ctx(t), "u0"); err != nil {
				return err
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel AddTeamMember: %v", err)
	}
	ms, err := s.ListTeamMembers(ctx(t), "t1")
	must(t, err, "list members")
	if len(ms) != workers {
		t.Fatalf("t1 has %d members, want %d", len(ms), workers)
	}
}

// testParallelDeleteTeam deletes a team while members are being added: no membership may outlive it.
func testParallelDeleteTeam(t *testing.T, s store.Store) {
	const workers = 8
	must(t, s.CreateTeam(ctx(t), store.Team{ID: "t1", Alias: "doomed"}), "create t1")
	for w := range workers {
		must(t, s.CreateUser(ctx(t), store.User{ID: fmt.Sprint("u", w), Role: store.RoleUser}), "create user")
	}
	errs := parallel(workers+1, func(w int) error {
		if w == workers {
			return s.DeleteTeam(ctx(t), "t1")
		}
		for range 3 {
			err := s.AddTeamMember(ctx(t), store.TeamMember{TeamID: "t1", UserID: fmt.Sprint("u", w), Role: store.TeamRoleMember})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("AddTeamMember racing DeleteTeam: %v", err)
	}
	if _, err := s.GetTeam(ctx(t), "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("team after delete: %v", err)
	}
	ms, err := s.ListTeamMembers(ctx(t), "t1")
	must(t, err, "list members")
	if len(ms) != 0 {
		t.Fatalf("%d memberships outlived their team: %+v", len(ms), ms)
	}
}

// testParallelRotate rotates one key from many goroutines: every rotation applies, one after another, so
// the final previous hash is the hash some other rotation set (never a lost or torn update).
func testParallelRotate(t *testing.T, s store.Store) {
	const n = 10
	must(t, s.CreateKey(ctx(t), newKey("k1")), "create k1")
	grace := base.Add(time.Hour)
	errs := parallel(n, func(i int) error {
		return s.RotateKey(ctx(t), "k1", hashOf(fmt.Sprint("k1-", i)), fmt.Sprint("hint-", i), grace)
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel RotateKey: %v", err)
	}
	k, err := s.KeyByID(ctx(t), "k1")
	must(t, err, "get k1")
	set := map[string]string{string(hashOf("k1")): "original"}
	for i := range n {
		set[string(hashOf(fmt.Sprint("k1-", i)))] = fmt.Sprint("k1-", i)
	}
	cur, prev := set[string(k.Hash)], set[string(k.PrevHash)]
	if cur == "" || cur == "original" || prev == "" || prev == cur || k.Hint != "hint-"+strings.TrimPrefix(cur, "k1-") {
		t.Fatalf("after parallel rotations: hash %q, previous %q, hint %q", cur, prev, k.Hint)
	}
	for _, h := range [][]byte{k.Hash, k.PrevHash} {
		if got, err := s.KeyByHashAt(ctx(t), h, base); err != nil || got.ID != "k1" {
			t.Fatalf("lookup of %s: %v, %v", set[string(h)], got.ID, err)
		}
	}
	_, err = s.KeyByHashAt(ctx(t), hashOf("k1"), base)
	if prev != "original" {
		wantErr(t, err, store.ErrNotFound, "original secret after several rotations")
	}
}

func testParallelAppendEvents(t *testing.T, s store.Store) {
	const workers, each = 10, 10
	got := make([][]int64, workers)
	errs := parallel(workers, func(w int) error {
		for j := range each {
			id, err := s.AppendEvent(ctx(t), store.Event{Time: base, Actor: fmt.Sprint("w", w), Action: "key.create", Target: fmt.Sprint(j)})
			if err != nil {
				return err
			}
			got[w] = append(got[w], id)
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel AppendEvent: %v", err)
	}
	var all []int64
	for w, idsOf := range got {
		if !slices.IsSorted(idsOf) {
			t.Fatalf("worker %d got ids out of order: %v", w, idsOf)
		}
		all = append(all, idsOf...)
	}
	slices.Sort(all)
	if distinct := len(slices.Compact(all)); distinct != workers*each {
		t.Fatalf("%d distinct ids for %d appends", distinct, workers*each)
	}
	es, err := s.ListEvents(ctx(t), store.EventFilter{Limit: store.MaxLimit})
	must(t, err, "list events")
	if len(es) != workers*each {
		t.Fatalf("listed %d events, want %d", len(es), workers*each)
	}
	listed := ids(es, func(e store.Event) string { return fmt.Sprintf("%020d", e.ID) })
	if !slices.IsSortedFunc(listed, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatal("events with one time are not listed newest (highest id) first")
	}
}
