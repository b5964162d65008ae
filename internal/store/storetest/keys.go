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

// newKey returns a minimal valid key.
func newKey(id string) store.Key {
	return store.Key{ID: id, Hash: hashOf(id), CreatedAt: base}
}

func testKeyRoundTrip(t *testing.T, s store.Store) {
	k := store.Key{
		ID: "key_3f9a1c2b7d4e", Hash: hashOf("secret"), Hint: "sk-wd-AbC…xyz",
		UserID: "u1", TeamID: "team-red", Alias: "ci runner",
		Models:     []string{"llama3:8b", "gpt-oss:20b", "qwen2.5-coder"}, // not sorted: order must be kept
		ExpiresAt:  base.Add(30 * 24 * time.Hour),
		Metadata:   json.RawMessage(` { "owner" : "ops", "n": 1.50, "tags": ["a", "b"], "nested": {"x": null} } `),
		CreatedAt:  base,
		LastUsedAt: base.Add(time.Hour + 999999*time.Nanosecond),
	}
	must(t, s.CreateKey(ctx(t), k), "create key")

	got, err := s.KeyByHash(ctx(t), hashOf("secret"))
	must(t, err, "key by hash")
	wantKey(t, got, k)
	if string(got.Metadata) != `{"owner":"ops","n":1.50,"tags":["a","b"],"nested":{"x":null}}` {
		t.Errorf("metadata = %s, want it compacted with keys and numbers as written", got.Metadata)
	}

	got, err = s.KeyByID(ctx(t), k.ID)
	must(t, err, "key by id")
	wantKey(t, got, k)

	ks, err := s.ListKeys(ctx(t), store.KeyFilter{})
	must(t, err, "list keys")
	if len(ks) != 1 {
		t.Fatalf("ListKeys returned %d keys, want 1", len(ks))
	}
	wantKey(t, ks[0], k)
}

func testKeyZeroValues(t *testing.T, s store.Store) {
	before := time.Now().Add(-time.Second)
	for _, k := range []store.Key{
		{ID: "k-nil", Hash: hashOf("nil")},
		{ID: "k-empty", Hash: hashOf("empty"), Models: []string{}, Metadata: json.RawMessage("  ")},
	} {
		must(t, s.CreateKey(ctx(t), k), "create "+k.ID)
		got, err := s.KeyByID(ctx(t), k.ID)
		must(t, err, "get "+k.ID)
		if got.CreatedAt.Before(before) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("%s: CreatedAt = %v, want a UTC time after %v", k.ID, got.CreatedAt, before)
		}
		k.CreatedAt = got.CreatedAt
		wantKey(t, got, k) // no user, no team, all models, no expiry, {} metadata, never used
		if got.Models != nil || string(got.Metadata) != "{}" || !got.ExpiresAt.IsZero() || !got.LastUsedAt.IsZero() {
			t.Fatalf("%s: zero values not kept: %s", k.ID, showKey(got))
		}
	}
}

func testKeyConflicts(t *testing.T, s store.Store) {
	must(t, s.CreateKey(ctx(t), newKey("k1")), "create k1")
	for _, tc := range []struct {
		name  string
		k     store.Key
		field string
	}{
		{"same id", store.Key{ID: "k1", Hash: hashOf("other")}, "id"},
		{"same hash", store.Key{ID: "k2", Hash: hashOf("k1")}, "hash"},
	} {
		err := s.CreateKey(ctx(t), tc.k)
		wantErr(t, err, store.ErrConflict, tc.name)
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.field)
		}
	}
	if _, err := s.KeyByID(ctx(t), "k2"); err == nil {
		t.Fatal("a key with a duplicate hash was stored")
	}
}

func testKeyInvalid(t *testing.T, s store.Store) {
	tooMany := make([]string, store.MaxModels+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("m", i)
	}
	with := func(f func(*store.Key)) store.Key {
		k := newKey("k")
		f(&k)
		return k
	}
	for _, tc := range []struct {
		name string
		k    store.Key
	}{
		{"empty id", with(func(k *store.Key) { k.ID = "" })},
		{"long id", with(func(k *store.Key) { k.ID = strings.Repeat("k", store.MaxIDLen+1) })},
		{"no hash", with(func(k *store.Key) { k.Hash = nil })},
		{"short hash", with(func(k *store.Key) { k.Hash = k.Hash[:16] })},
		{"long hash", with(func(k *store.Key) { k.Hash = append(k.Hash, 0) })},
		{"metadata array", with(func(k *store.Key) { k.Metadata = json.RawMessage(`[1]`) })},
		{"metadata string", with(func(k *store.Key) { k.Metadata = json.RawMessage(`"x"`) })},
		{"metadata broken", with(func(k *store.Key) { k.Metadata = json.RawMessage(`{"a":`) })},
		{"metadata huge", with(func(k *store.Key) {
			k.Metadata = json.RawMessage(`{"a":"` + strings.Repeat("x", store.MaxMetadataLen) + `"}`)
		})},
		{"empty model", with(func(k *store.Key) { k.Models = []string{"a", ""} })},
		{"too many models", with(func(k *store.Key) { k.Models = tooMany })},
		{"long alias", with(func(k *store.Key) { k.Alias = strings.Repeat("a", store.MaxTextLen+1) })},
		{"long team", with(func(k *store.Key) { k.TeamID = strings.Repeat("t", store.MaxIDLen+1) })},
	} {
		wantErr(t, s.CreateKey(ctx(t), tc.k), store.ErrInvalid, tc.name)
	}
	if ks, err := s.ListKeys(ctx(t), store.KeyFilter{}); err != nil || len(ks) != 0 {
		t.Fatalf("invalid keys were stored: %v, %v", keyIDs(ks), err)
	}
}

func testKeyNotFound(t *testing.T, s store.Store) {
	must(t, s.CreateKey(ctx(t), newKey("k1")), "create k1")
	_, err := s.KeyByHash(ctx(t), hashOf("unknown"))
	wantErr(t, err, store.ErrNotFound, "key by unknown hash")
	_, err = s.KeyByHash(ctx(t), nil)
	wantErr(t, err, store.ErrNotFound, "key by nil hash")
	_, err = s.KeyByID(ctx(t), "k2")
	wantErr(t, err, store.ErrNotFound, "key by unknown id")
}

func testListKeysFilters(t *testing.T, s store.Store) {
	for i, k := range []store.Key{
		{ID: "k-ax", UserID: "a", TeamID: "x"},
		{ID: "k-a", UserID: "a"},
		{ID: "k-bx", UserID: "b", TeamID: "x"},
		{ID: "k-x", TeamID: "x"},
		{ID: "k-none"},
	} {
		k.Hash, k.CreatedAt = hashOf(k.ID), base.Add(time.Duration(i)*time.Second)
		must(t, s.CreateKey(ctx(t), k), "create "+k.ID)
	}
	for _, tc := range []struct {
		f    store.KeyFilter
		want []string
	}{
		{store.KeyFilter{}, []string{"k-ax", "k-a", "k-bx", "k-x", "k-none"}},
		{store.KeyFilter{UserID: "a"}, []string{"k-ax", "k-a"}},
		{store.KeyFilter{TeamID: "x"}, []string{"k-ax", "k-bx", "k-x"}},
		{store.KeyFilter{UserID: "a", TeamID: "x"}, []string{"k-ax"}},
		{store.KeyFilter{UserID: "b", TeamID: "y"}, nil},
		{store.KeyFilter{UserID: "nobody"}, nil},
		{store.KeyFilter{TeamID: "x", Limit: 1, Offset: 1}, []string{"k-bx"}},
	} {
		ks, err := s.ListKeys(ctx(t), tc.f)
		must(t, err, "list keys")
		if got := keyIDs(ks); !slices.Equal(got, tc.want) {
			t.Errorf("ListKeys(%+v) = %v, want %v", tc.f, got, tc.want)
		}
		if tc.f.Limit == 0 && tc.f.Offset == 0 {
			n, err := s.CountKeys(ctx(t), tc.f)
			must(t, err, "count keys")
			if n != len(tc.want) {
				t.Errorf("CountKeys(%+v) = %d, want %d", tc.f, n, len(tc.want))
			}
		}
	}
}

func testListKeysPages(t *testing.T, s store.Store) {
	// Same creation time for all but one: the id (bytewise) orders them, in both stores.
	for _, id := range []string{"k-b", "k-B", "k-a", "k-10", "k-9"} {
		must(t, s.CreateKey(ctx(t), newKey(id)), "create "+id)
	}
	early := newKey("k-z")
	early.CreatedAt = base.Add(-time.Millisecond)
	must(t, s.CreateKey(ctx(t), early), "create k-z")
	all := []string{"k-z", "k-10", "k-9", "k-B", "k-a", "k-b"}
	for _, tc := range []struct {
		limit, offset int
		want          []string
	}{
		{0, 0, all},
		{4, 0, all[:4]},
		{4, 4, all[4:]},
		{1, 5, all[5:]},
		{1, 6, nil},
		{store.MaxLimit * 10, 0, all},
	} {
		ks, err := s.ListKeys(ctx(t), store.KeyFilter{Limit: tc.limit, Offset: tc.offset})
		must(t, err, "list keys")
		if got := keyIDs(ks); !slices.Equal(got, tc.want) {
			t.Errorf("ListKeys(limit %d, offset %d) = %v, want %v", tc.limit, tc.offset, got, tc.want)
		}
	}
	for _, f := range []store.KeyFilter{{Limit: -1}, {Offset: -1}} {
		_, err := s.ListKeys(ctx(t), f)
		wantErr(t, err, store.ErrInvalid, fmt.Sprintf("ListKeys(%+v)", f))
	}
}

func testDeleteKeys(t *testing.T, s store.Store) {
	for _, id := range []string{"k1", "k2", "k3", "k4"} {
		must(t, s.CreateKey(ctx(t), newKey(id)), "create "+id)
	}
	for _, tc := range []struct {
		ids  []string
		want int
	}{
		{nil, 0},
		{[]string{}, 0},
		{[]string{"missing"}, 0},
		{[]string{"k1", "k2", "missing", "k1", ""}, 2}, // duplicates and unknown ids are not counted
		{[]string{"k1", "k2"}, 0},                      // already gone
		{[]string{"k3"}, 1},
	} {
		n, err := s.DeleteKeys(ctx(t), tc.ids)
		must(t, err, "delete keys")
		if n != tc.want {
			t.Errorf("DeleteKeys(%q) = %d, want %d", tc.ids, n, tc.want)
		}
	}
	for _, id := range []string{"k1", "k2", "k3"} {
		_, err := s.KeyByID(ctx(t), id)
		wantErr(t, err, store.ErrNotFound, "deleted "+id)
		_, err = s.KeyByHash(ctx(t), hashOf(id))
		wantErr(t, err, store.ErrNotFound, "deleted "+id+" by hash")
	}
	ks, err := s.ListKeys(ctx(t), store.KeyFilter{})
	must(t, err, "list keys")
	if got := keyIDs(ks); !slices.Equal(got, []string{"k4"}) {
		t.Fatalf("after deletes, keys = %v, want [k4]", got)
	}
	// A deleted key's id and hash can be used again.
	must(t, s.CreateKey(ctx(t), newKey("k1")), "re-create k1")
}

func testTouchKeys(t *testing.T, s store.Store) {
	for _, id := range []string{"k1", "k2", "k3"} {
		must(t, s.CreateKey(ctx(t), newKey(id)), "create "+id)
	}
	t1, t0, t2 := base.Add(time.Hour+123456*time.Nanosecond), base.Add(time.Minute), base.Add(2*time.Hour)
	steps := []struct {
		touch map[string]time.Time
		want  map[string]time.Time // last used per key after the step; absent = never
	}{
		{nil, map[string]time.Time{}},
		{map[string]time.Time{"k1": t1, "k2": t1, "unknown": t2}, map[string]time.Time{"k1": t1, "k2": t1}},
		{map[string]time.Time{"k1": t0, "k2": t2}, map[string]time.Time{"k1": t1, "k2": t2}}, // k1 does not move back
		{map[string]time.Time{"k1": t1, "k3": {}}, map[string]time.Time{"k1": t1, "k2": t2}}, // same time, zero time: no change
	}
	for i, step := range steps {
		must(t, s.TouchKeys(ctx(t), step.touch), fmt.Sprint("touch step ", i))
		for _, id := range []string{"k1", "k2", "k3"} {
			k, err := s.KeyByID(ctx(t), id)
			must(t, err, "get "+id)
			if want := ms(step.want[id]); !k.LastUsedAt.Equal(want) || k.LastUsedAt.IsZero() != want.IsZero() {
				t.Fatalf("step %d: %s LastUsedAt = %v, want %v", i, id, k.LastUsedAt, want)
			}
		}
	}
	if _, err := s.KeyByID(ctx(t), "unknown"); err == nil {
		t.Fatal("TouchKeys created a key for an unknown id")
	}
}
