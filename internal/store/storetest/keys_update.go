package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func testKeyLimitsRoundTrip(t *testing.T, s store.Store) {
	k := store.Key{ID: "k-full", Hash: hashOf("full"), UserID: "intern-summer-2026", TeamID: "t1",
		Models: []string{"qwen2.5-7b", "llama3.2-3b"}, Limits: fullLimits(30), Blocked: true,
		Endpoints:         []string{"/v1/models", "/v1/chat/completions"}, // not sorted: order must be kept
		PrevHash:          hashOf("full-before"),
		PrevHashExpiresAt: base.Add(time.Hour + 500*time.Microsecond),
		CreatedAt:         base}
	must(t, s.CreateKey(ctx(t), k), "create key")
	got, err := s.KeyByID(ctx(t), k.ID)
	must(t, err, "key by id")
	wantKey(t, got, k)
	ks, err := s.ListKeys(ctx(t), store.KeyFilter{})
	must(t, err, "list keys")
	wantKey(t, ks[0], k)

	// Each limit alone: the others stay nil; an empty endpoint list comes back nil.
	for i, l := range []store.Limits{
		{MaxBudget: ptr(0.0)}, {BudgetDuration: "7d"}, {RPMLimit: ptr(int64(0))}, {TPMLimit: ptr(int64(20000))},
		{MaxParallelRequests: ptr(int64(2))}, {MaxTokensBudget: ptr(int64(0))},
	} {
		k := store.Key{ID: fmt.Sprint("k-", i), Hash: hashOf(fmt.Sprint("k-", i)), Limits: l, Endpoints: []string{}, CreatedAt: base}
		must(t, s.CreateKey(ctx(t), k), "create "+k.ID)
		got, err := s.KeyByHash(ctx(t), k.Hash)
		must(t, err, "get "+k.ID)
		wantKey(t, got, k)
	}
}

func testKeyNewFieldsInvalid(t *testing.T, s store.Store) {
	with := func(f func(*store.Key)) store.Key {
		k := newKey("k")
		f(&k)
		return k
	}
	tooMany := make([]string, store.MaxEndpoints+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("/e", i)
	}
	for _, tc := range []struct {
		name string
		k    store.Key
	}{
		{"empty endpoint", with(func(k *store.Key) { k.Endpoints = []string{"/v1/models", ""} })},
		{"long endpoint", with(func(k *store.Key) { k.Endpoints = []string{"/" + strings.Repeat("e", store.MaxIDLen)} })},
		{"too many endpoints", with(func(k *store.Key) { k.Endpoints = tooMany })},
		{"negative rpm", with(func(k *store.Key) { k.Limits.RPMLimit = ptr(int64(-30)) })},
		{"negative budget", with(func(k *store.Key) { k.Limits.MaxBudget = ptr(-5.0) })},
		{"prev hash without expiry", with(func(k *store.Key) { k.PrevHash = hashOf("old") })},
		{"expiry without prev hash", with(func(k *store.Key) { k.PrevHashExpiresAt = base })},
		{"short prev hash", with(func(k *store.Key) { k.PrevHash, k.PrevHashExpiresAt = hashOf("old")[:31], base })},
	} {
		wantErr(t, s.CreateKey(ctx(t), tc.k), store.ErrInvalid, "create "+tc.name)
	}
	if n, err := s.CountKeys(ctx(t), store.KeyFilter{}); err != nil || n != 0 {
		t.Fatalf("invalid keys were stored: %d, %v", n, err)
	}
}

func testUpdateKey(t *testing.T, s store.Store) {
	orig := store.Key{ID: "k1", Hash: hashOf("k1"), Hint: "sk-wd-k1…", UserID: "u1", TeamID: "t1", Alias: "ci",
		Models: []string{"a"}, Endpoints: []string{"/v1/models"}, Limits: fullLimits(3), ExpiresAt: base.Add(time.Hour),
		Metadata: json.RawMessage(`{"owner":"ops"}`), CreatedAt: base, LastUsedAt: base.Add(time.Minute)}
	must(t, s.CreateKey(ctx(t), orig), "create")
	must(t, s.RotateKey(ctx(t), "k1", hashOf("k1-new"), "sk-wd-new…", base.Add(48*time.Hour)), "rotate")

	// Full replace of the mutable fields; the rest is kept whatever is passed.
	upd := store.Key{ID: "k1", Alias: "ci-2", Models: []string{"b", "c"}, Blocked: true,
		Limits:   store.Limits{RPMLimit: ptr(int64(10))},
		Metadata: json.RawMessage(`{"owner":"dev","justification":"tests"}`),
		Hash:     hashOf("ignored"), Hint: "ignored", UserID: "ignored", CreatedAt: base.Add(time.Hour),
		LastUsedAt: base.Add(time.Hour), PrevHash: hashOf("ignored"), PrevHashExpiresAt: base}
	must(t, s.UpdateKey(ctx(t), upd), "update")
	got, err := s.KeyByID(ctx(t), "k1")
	must(t, err, "get")
	want := upd
	want.Hash, want.Hint, want.UserID, want.CreatedAt, want.LastUsedAt = hashOf("k1-new"), "sk-wd-new…", "u1", base, base.Add(time.Minute)
	want.PrevHash, want.PrevHashExpiresAt = hashOf("k1"), base.Add(48*time.Hour)
	wantKey(t, got, want) // team, expiry and endpoints cleared, limits replaced
	if _, err := s.KeyByHash(ctx(t), hashOf("ignored")); err == nil {
		t.Fatal("UpdateKey changed the hash")
	}

	wantErr(t, s.UpdateKey(ctx(t), store.Key{ID: "k9"}), store.ErrNotFound, "update missing key")
	wantErr(t, s.UpdateKey(ctx(t), store.Key{ID: "k1", Limits: store.Limits{TPMLimit: ptr(int64(-1))}}), store.ErrInvalid, "negative tpm")
	wantErr(t, s.UpdateKey(ctx(t), store.Key{ID: "k1", Metadata: json.RawMessage(`[]`)}), store.ErrInvalid, "metadata array")
	wantErr(t, s.UpdateKey(ctx(t), store.Key{}), store.ErrInvalid, "empty id")
	got, err = s.KeyByID(ctx(t), "k1")
	must(t, err, "get")
	wantKey(t, got, want) // refused updates changed nothing
}

func testRotateKey(t *testing.T, s store.Store) {
	must(t, s.CreateKey(ctx(t), newKey("k1")), "create k1")
	must(t, s.CreateKey(ctx(t), newKey("k2")), "create k2")
	grace := base.Add(time.Hour)
	must(t, s.RotateKey(ctx(t), "k1", hashOf("k1-v2"), "hint-v2", grace), "rotate k1 with grace")

	got, err := s.KeyByID(ctx(t), "k1")
	must(t, err, "get k1")
	if string(got.Hash) != string(hashOf("k1-v2")) || got.Hint != "hint-v2" ||
		string(got.PrevHash) != string(hashOf("k1")) || !got.PrevHashExpiresAt.Equal(ms(grace)) {
		t.Fatalf("after rotation: %s", showKey(got))
	}
	for _, tc := range []struct {
		name string
		hash []byte
		now  time.Time
		ok   bool
	}{
		{"new secret", hashOf("k1-v2"), base, true},
		{"new secret after the grace", hashOf("k1-v2"), grace.Add(time.Hour), true},
		{"old secret during the grace", hashOf("k1"), grace.Add(-time.Millisecond), true},
		{"old secret when the grace ends", hashOf("k1"), ms(grace), false},
		{"old secret after the grace", hashOf("k1"), grace.Add(time.Second), false},
	} {
		k, err := s.KeyByHashAt(ctx(t), tc.hash, tc.now)
		if !tc.ok {
			wantErr(t, err, store.ErrNotFound, tc.name)
			continue
		}
		must(t, err, tc.name)
		if k.ID != "k1" || string(k.Hash) != string(hashOf("k1-v2")) {
			t.Fatalf("%s: found %s, want k1 with its new hash", tc.name, showKey(k))
		}
	}
	// KeyByHash uses the current time: a grace period in the past is over, one in the future is not.
	_, err = s.KeyByHash(ctx(t), hashOf("k1"))
	wantErr(t, err, store.ErrNotFound, "old secret, grace long over")
	must(t, s.RotateKey(ctx(t), "k2", hashOf("k2-v2"), "", time.Now().Add(time.Hour)), "rotate k2 with a future grace")
	if k, err := s.KeyByHash(ctx(t), hashOf("k2")); err != nil || k.ID != "k2" {
		t.Fatalf("old k2 secret in its grace: %v, %v", k.ID, err)
	}

	// Rotating again without grace drops both older secrets.
	must(t, s.RotateKey(ctx(t), "k1", hashOf("k1-v3"), "hint-v3", time.Time{}), "rotate k1 without grace")
	for _, old := range []string{"k1", "k1-v2"} {
		_, err := s.KeyByHashAt(ctx(t), hashOf(old), base)
		wantErr(t, err, store.ErrNotFound, "secret "+old+" after a rotation without grace")
	}
	got, err = s.KeyByID(ctx(t), "k1")
	must(t, err, "get k1")
	if got.PrevHash != nil || !got.PrevHashExpiresAt.IsZero() || got.Hint != "hint-v3" {
		t.Fatalf("after rotation without grace: %s", showKey(got))
	}

	err = s.RotateKey(ctx(t), "k1", hashOf("k2-v2"), "", time.Time{})
	wantErr(t, err, store.ErrConflict, "rotate onto another key's hash")
	if !strings.Contains(err.Error(), "hash") {
		t.Errorf("conflict %q does not name the hash", err)
	}
	wantErr(t, s.RotateKey(ctx(t), "k9", hashOf("k9"), "", time.Time{}), store.ErrNotFound, "rotate missing key")
	wantErr(t, s.RotateKey(ctx(t), "k1", hashOf("x")[:16], "", time.Time{}), store.ErrInvalid, "short hash")
	wantErr(t, s.RotateKey(ctx(t), "", hashOf("x"), "", time.Time{}), store.ErrInvalid, "empty id")
	if k, err := s.KeyByHash(ctx(t), hashOf("k1-v3")); err != nil || k.ID != "k1" {
		t.Fatalf("refused rotations changed k1: %v, %v", k.ID, err)
	}
}

// A key's current hash wins over another key's previous hash (which only a reused secret could cause).
func testCurrentHashWins(t *testing.T, s store.Store) {
	must(t, s.CreateKey(ctx(t), newKey("a")), "create a")
	must(t, s.RotateKey(ctx(t), "a", hashOf("a-v2"), "", base.Add(time.Hour)), "rotate a")
	b := newKey("b")
	b.Hash = hashOf("a")
	must(t, s.CreateKey(ctx(t), b), "create b with a's old hash")
	k, err := s.KeyByHashAt(ctx(t), hashOf("a"), base)
	must(t, err, "lookup")
	if k.ID != "b" {
		t.Fatalf("a's previous hash found %s, want b whose current hash it is", k.ID)
	}
	if n, err := s.DeleteKeys(ctx(t), []string{"b"}); err != nil || n != 1 {
		t.Fatalf("delete b: %d, %v", n, err)
	}
	k, err = s.KeyByHashAt(ctx(t), hashOf("a"), base)
	must(t, err, "lookup after deleting b")
	if k.ID != "a" {
		t.Fatalf("a's previous hash found %s after b was deleted, want a", k.ID)
	}
}
