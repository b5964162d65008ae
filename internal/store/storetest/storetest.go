// Package storetest is the one behaviour suite every store.Store implementation must pass.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// OpenFunc returns a store on a fresh, empty database, closed when t ends.
type OpenFunc func(t *testing.T) store.Store

// Run runs every behaviour test against stores from open. Subtests run in parallel.
func Run(t *testing.T, open OpenFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Ping", testPing},
		{"UserRoundTrip", testUserRoundTrip},
		{"UserConflicts", testUserConflicts},
		{"UserInvalid", testUserInvalid},
		{"UserNotFound", testUserNotFound},
		{"ListUsersPages", testListUsersPages},
		{"CountUsersByRole", testCountUsersByRole},
		{"KeyRoundTrip", testKeyRoundTrip},
		{"KeyZeroValues", testKeyZeroValues},
		{"KeyConflicts", testKeyConflicts},
		{"KeyInvalid", testKeyInvalid},
		{"KeyNotFound", testKeyNotFound},
		{"ListKeysFilters", testListKeysFilters},
		{"ListKeysPages", testListKeysPages},
		{"DeleteKeys", testDeleteKeys},
		{"TouchKeysMovesForward", testTouchKeys},
		{"ParallelCreateKey", testParallelCreateKey},
		{"ParallelDuplicateKey", testParallelDuplicateKey},
		{"ParallelMixed", testParallelMixed},
		{"UserLimitsRoundTrip", testUserLimitsRoundTrip},
		{"UpdateUser", testUpdateUser},
		{"DeleteUserCascades", testDeleteUserCascades},
		{"ListUsersFiltered", testListUsersFiltered},
		{"TouchUser", testTouchUser},
		{"KeyLimitsRoundTrip", testKeyLimitsRoundTrip},
		{"KeyNewFieldsInvalid", testKeyNewFieldsInvalid},
		{"UpdateKey", testUpdateKey},
		{"RotateKey", testRotateKey},
		{"CurrentHashWins", testCurrentHashWins},
		{"TeamRoundTrip", testTeamRoundTrip},
		{"TeamConflicts", testTeamConflicts},
		{"TeamInvalid", testTeamInvalid},
		{"TeamNotFound", testTeamNotFound},
		{"UpdateTeam", testUpdateTeam},
		{"DeleteTeamCascades", testDeleteTeamCascades},
		{"ListTeamsFilters", testListTeamsFilters},
		{"TeamMembers", testTeamMembers},
		{"TeamMemberErrors", testTeamMemberErrors},
		{"EventRoundTrip", testEventRoundTrip},
		{"ListEventsFilters", testListEventsFilters},
		{"ParallelTeamAlias", testParallelTeamAlias},
		{"ParallelMembers", testParallelMembers},
		{"ParallelDeleteTeam", testParallelDeleteTeam},
		{"ParallelRotate", testParallelRotate},
		{"ParallelAppendEvents", testParallelAppendEvents},
		{"Settings", testSettings},
		{"SettingInvalid", testSettingInvalid},
		{"SetSettingIfAbsentRace", testSetSettingIfAbsentRace},
		{"SpendSince", testSpendSince},
		{"UsageReport", testUsageReport},
		{"AddSpendMerges", testAddSpendMerges},
		{"AddSpendInvalid", testAddSpendInvalid},
		{"AddSpendAtomic", testAddSpendAtomic},
		{"ParallelAddSpend", testParallelAddSpend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// base is a fixed instant with sub-millisecond digits, so that truncation is exercised.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+2", 2*3600))

// ms is t as a store returns it: UTC, truncated to milliseconds; zero stays zero.
func ms(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// hashOf returns a 32-byte hash standing in for the HMAC of a key's secret.
func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func ctx(t testing.TB) context.Context { return t.Context() }

// wantErr fails unless err wraps target.
func wantErr(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// compact is a JSON object as a store returns it: compacted, {} when empty.
func compact(t testing.TB, m json.RawMessage) json.RawMessage {
	t.Helper()
	if len(bytes.TrimSpace(m)) == 0 {
		return json.RawMessage("{}")
	}
	var buf bytes.Buffer
	must(t, json.Compact(&buf, m), "compact expected JSON")
	return buf.Bytes()
}

// nilIfEmpty is a list as a store returns it: nil when empty.
func nilIfEmpty[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

// wantKey normalizes want the way the store documents (UTC milliseconds, compact metadata, nil empty lists)
// and compares it with got.
func wantKey(t testing.TB, got, want store.Key) {
	t.Helper()
	want.CreatedAt, want.ExpiresAt, want.LastUsedAt = ms(want.CreatedAt), ms(want.ExpiresAt), ms(want.LastUsedAt)
	want.PrevHashExpiresAt = ms(want.PrevHashExpiresAt)
	want.Models, want.Endpoints, want.PrevHash = nilIfEmpty(want.Models), nilIfEmpty(want.Endpoints), nilIfEmpty(want.PrevHash)
	want.Metadata = compact(t, want.Metadata)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("key mismatch\n got: %s\nwant: %s", showKey(got), showKey(want))
	}
}

func showKey(k store.Key) string {
	return fmt.Sprintf("{ID:%q Hash:%x Hint:%q UserID:%q TeamID:%q Alias:%q Models:%#v ExpiresAt:%v Metadata:%s "+
		"CreatedAt:%v LastUsedAt:%v Limits:%s Endpoints:%#v Blocked:%v PrevHash:%x PrevHashExpiresAt:%v}",
		k.ID, k.Hash, k.Hint, k.UserID, k.TeamID, k.Alias, k.Models, k.ExpiresAt, k.Metadata, k.CreatedAt, k.LastUsedAt,
		showLimits(k.Limits), k.Endpoints, k.Blocked, k.PrevHash, k.PrevHashExpiresAt)
}

// showLimits prints the values behind the pointers (nil shows as "-").
func showLimits(l store.Limits) string {
	p := func(v any) string {
		switch v := v.(type) {
		case *float64:
			if v != nil {
				return fmt.Sprint(*v)
			}
		case *int64:
			if v != nil {
				return fmt.Sprint(*v)
			}
		}
		return "-"
	}
	return fmt.Sprintf("{budget:%s/%q rpm:%s tpm:%s parallel:%s tokens:%s}", p(l.MaxBudget), l.BudgetDuration,
		p(l.RPMLimit), p(l.TPMLimit), p(l.MaxParallelRequests), p(l.MaxTokensBudget))
}

func wantUser(t testing.TB, got, want store.User) {
	t.Helper()
	want.CreatedAt, want.LastSeen = ms(want.CreatedAt), ms(want.LastSeen)
	want.Metadata = compact(t, want.Metadata)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("user mismatch\n got: %s\nwant: %s", showUser(got), showUser(want))
	}
}

func showUser(u store.User) string {
	return fmt.Sprintf("{ID:%q Email:%q Name:%q Role:%q Blocked:%v CreatedAt:%v LastSeen:%v Metadata:%s Limits:%s}",
		u.ID, u.Email, u.Name, u.Role, u.Blocked, u.CreatedAt, u.LastSeen, u.Metadata, showLimits(u.Limits))
}

func wantTeam(t testing.TB, got, want store.Team) {
	t.Helper()
	want.CreatedAt, want.UpdatedAt = ms(want.CreatedAt), ms(want.UpdatedAt)
	want.Models, want.Metadata = nilIfEmpty(want.Models), compact(t, want.Metadata)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("team mismatch\n got: %s\nwant: %s", showTeam(got), showTeam(want))
	}
}

func showTeam(tm store.Team) string {
	return fmt.Sprintf("{ID:%q Alias:%q Models:%#v Limits:%s Metadata:%s Blocked:%v CreatedAt:%v UpdatedAt:%v}",
		tm.ID, tm.Alias, tm.Models, showLimits(tm.Limits), tm.Metadata, tm.Blocked, tm.CreatedAt, tm.UpdatedAt)
}

// ptr returns a pointer to v, for Limits fields.
func ptr[T any](v T) *T { return &v }

// fullLimits sets every limit; zero values are set too, to tell them apart from nil.
func fullLimits(seed int64) store.Limits {
	return store.Limits{MaxBudget: ptr(float64(seed) + 0.25), BudgetDuration: "30d", RPMLimit: ptr(seed),
		TPMLimit: ptr(seed * 1000), MaxParallelRequests: ptr(int64(0)), MaxTokensBudget: ptr(int64(1) << 40)}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func keyIDs(ks []store.Key) []string   { return ids(ks, func(k store.Key) string { return k.ID }) }
func userIDs(us []store.User) []string { return ids(us, func(u store.User) string { return u.ID }) }
func teamIDs(ts []store.Team) []string { return ids(ts, func(t store.Team) string { return t.ID }) }

func testPing(t *testing.T, s store.Store) {
	must(t, s.Ping(ctx(t)), "ping")
}
