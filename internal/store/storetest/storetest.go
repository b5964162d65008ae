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
		{"Settings", testSettings},
		{"SettingInvalid", testSettingInvalid},
		{"SetSettingIfAbsentRace", testSetSettingIfAbsentRace},
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

// wantKey normalizes want the way the store documents (UTC milliseconds, compact metadata, nil empty models)
// and compares it with got.
func wantKey(t testing.TB, got, want store.Key) {
	t.Helper()
	want.CreatedAt, want.ExpiresAt, want.LastUsedAt = ms(want.CreatedAt), ms(want.ExpiresAt), ms(want.LastUsedAt)
	if len(want.Models) == 0 {
		want.Models = nil
	}
	if len(bytes.TrimSpace(want.Metadata)) == 0 {
		want.Metadata = json.RawMessage("{}")
	} else {
		var buf bytes.Buffer
		must(t, json.Compact(&buf, want.Metadata), "compact expected metadata")
		want.Metadata = buf.Bytes()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("key mismatch\n got: %s\nwant: %s", showKey(got), showKey(want))
	}
}

func showKey(k store.Key) string {
	return fmt.Sprintf("{ID:%q Hash:%x Hint:%q UserID:%q TeamID:%q Alias:%q Models:%#v ExpiresAt:%v Metadata:%s CreatedAt:%v LastUsedAt:%v}",
		k.ID, k.Hash, k.Hint, k.UserID, k.TeamID, k.Alias, k.Models, k.ExpiresAt, k.Metadata, k.CreatedAt, k.LastUsedAt)
}

func wantUser(t testing.TB, got, want store.User) {
	t.Helper()
	want.CreatedAt, want.LastSeen = ms(want.CreatedAt), ms(want.LastSeen)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("user mismatch\n got: %+v\nwant: %+v", got, want)
	}
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

func testPing(t *testing.T, s store.Store) {
	must(t, s.Ping(ctx(t)), "ping")
}
