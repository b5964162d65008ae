package identity

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/store"
)

// fakeStore keeps keys and users in memory. It implements only what KeyAuth calls;
// the embedded nil interface makes any other method panic.
type fakeStore struct {
	store.Store

	mu      sync.Mutex
	keys    map[string]store.Key // by string(hash)
	users   map[string]store.User
	teams   map[string]store.Team
	members map[string][]store.TeamMember // by user id
	err     error                         // returned by KeyByHash and GetUser when set
	userErr error                         // returned by GetUser when set
	touchEr error                         // returned by TouchKeys when set
	lookups int                           // KeyByHash calls
	touches []map[string]time.Time
}

func newFakeStore() *fakeStore {
	return &fakeStore{keys: map[string]store.Key{}, users: map[string]store.User{},
		teams: map[string]store.Team{}, members: map[string][]store.TeamMember{}}
}

func (f *fakeStore) GetTeam(_ context.Context, id string) (store.Team, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.teams[id]
	if !ok {
		return store.Team{}, store.ErrNotFound
	}
	return t, nil
}

func (f *fakeStore) TeamsOfUser(_ context.Context, userID string) ([]store.TeamMember, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.members[userID], nil
}

func (f *fakeStore) KeyByHash(_ context.Context, hash []byte) (store.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.err != nil {
		return store.Key{}, f.err
	}
	k, ok := f.keys[string(hash)]
	if !ok {
		return store.Key{}, store.ErrNotFound
	}
	return k, nil
}

func (f *fakeStore) GetUser(_ context.Context, id string) (store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.userErr != nil {
		return store.User{}, f.userErr
	}
	u, ok := f.users[id]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return u, nil
}

func (f *fakeStore) TouchKeys(_ context.Context, lastUsed map[string]time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.touchEr != nil {
		return f.touchEr
	}
	cp := make(map[string]time.Time, len(lastUsed))
	for k, v := range lastUsed {
		cp[k] = v
	}
	f.touches = append(f.touches, cp)
	return nil
}

func (f *fakeStore) lookupCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups
}

func (f *fakeStore) set(fn func(f *fakeStore)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

const master = "sk-wd-master-key-for-tests-0123456789"

// fixture is a KeyAuth over a fakeStore with a clock the test moves by hand.
type fixture struct {
	auth   *KeyAuth
	st     *fakeStore
	hasher *keys.Hasher
	clock  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	h, err := keys.NewHasher([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{st: newFakeStore(), hasher: h, clock: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	fx.auth = NewKeyAuth(fx.st, h, master, nil, slog.New(slog.DiscardHandler))
	fx.auth.now = func() time.Time { return fx.clock }
	return fx
}

// addKey stores a key for secret owned by user (created with role when not "").
func (fx *fixture) addKey(secret, id, user, role string, mod func(*store.Key)) {
	k := store.Key{ID: id, Hash: fx.hash(secret), UserID: user}
	if mod != nil {
		mod(&k)
	}
	fx.st.set(func(f *fakeStore) {
		f.keys[string(k.Hash)] = k
		if user != "" && role != "" {
			f.users[user] = store.User{ID: user, Role: role}
		}
	})
}

func (fx *fixture) hash(secret string) []byte {
	h := fx.hasher.Sum(secret)
	return h[:]
}

func (fx *fixture) advance(d time.Duration) { fx.clock = fx.clock.Add(d) }

func TestMasterKeyIsAdmin(t *testing.T) {
	fx := newFixture(t)
	p, err := fx.auth.Authenticate(context.Background(), master)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Master || !p.IsAdmin() || !p.CanUseModels() || p.KeyID != "" {
		t.Fatalf("master principal = %+v", p)
	}
	if fx.st.lookupCount() != 0 {
		t.Fatal("the master key was looked up in the store")
	}
	// Even with the store down, the master key works.
	fx.st.set(func(f *fakeStore) { f.err = errors.New("db down") })
	if _, err := fx.auth.Authenticate(context.Background(), master); err != nil {
		t.Fatalf("master key with the store down: %v", err)
	}
}

func TestNoMasterKeyConfigured(t *testing.T) {
	h, _ := keys.NewHasher([]byte(strings.Repeat("s", 32)))
	st := newFakeStore()
	a := NewKeyAuth(st, h, "", nil, slog.New(slog.DiscardHandler))
	// With no master key, a key whose hash is the zero value must not be taken for it.
	if _, err := a.Authenticate(context.Background(), "sk-wd-anything"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestUserKey(t *testing.T) {
	fx := newFixture(t)
	fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, func(k *store.Key) {
		k.TeamID, k.Models = "t1", []string{"llama*"}
	})
	fx.st.set(func(f *fakeStore) {
		f.teams["t1"] = store.Team{ID: "t1", Alias: "eng", Models: []string{"llama3:8b", "qwen*"}}
		f.members["u1"] = []store.TeamMember{{TeamID: "t1", UserID: "u1", Role: "member"}}
	})
	p, err := fx.auth.Authenticate(context.Background(), "sk-wd-user")
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != "u1" || p.Role != RoleUser || p.KeyID != "key_1" || p.TeamID != "t1" || p.Master || p.IsAdmin() {
		t.Fatalf("principal = %+v", p)
	}
	// Effective access is the key's allowlist (llama*) within the team's (llama3:8b, qwen*).
	if !p.AllowsModel("llama3:8b") || p.AllowsModel("llama3:70b") || p.AllowsModel("qwen2.5:7b") {
		t.Fatalf("effective access wrong for key %v in team t1", p.Models)
	}
	if d := p.DecideModel("llama3:70b"); d.Allowed || !strings.Contains(d.Reason, "eng") {
		t.Fatalf("refusal should name the team: %+v", d)
	}
	if p.TeamRoles["t1"] != "member" {
		t.Fatalf("team roles not loaded: %v", p.TeamRoles)
	}
}

func TestKeyOfADeletedTeamIsRefused(t *testing.T) {
	fx := newFixture(t)
	fx.addKey("sk-wd-orphan", "key_2", "u1", RoleUser, func(k *store.Key) { k.TeamID = "gone" })
	if _, err := fx.auth.Authenticate(context.Background(), "sk-wd-orphan"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestKeyRoleComesFromItsUser(t *testing.T) {
	fx := newFixture(t)
	fx.addKey("sk-wd-admin", "key_a", "boss", RoleAdmin, nil)
	fx.addKey("sk-wd-pending", "key_p", "newbie", RolePending, nil)
	fx.addKey("sk-wd-orphan", "key_o", "gone", "", nil) // user no longer exists
	fx.addKey("sk-wd-nouser", "key_n", "", "", nil)
	for secret, want := range map[string]string{
		"sk-wd-admin": RoleAdmin, "sk-wd-pending": RolePending, "sk-wd-orphan": RoleUser, "sk-wd-nouser": RoleUser,
	} {
		p, err := fx.auth.Authenticate(context.Background(), secret)
		if err != nil {
			t.Fatalf("%s: %v", secret, err)
		}
		if p.Role != want {
			t.Errorf("%s: role %q, want %q", secret, p.Role, want)
		}
	}
}

func TestAuthenticateErrors(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		setup  func(fx *fixture)
		want   error
	}{
		{"empty", "", nil, ErrNoCredential},
		{"unknown", "sk-wd-unknown", nil, ErrInvalid},
		{"expired", "sk-wd-old", func(fx *fixture) {
			fx.addKey("sk-wd-old", "key_old", "u1", RoleUser, func(k *store.Key) { k.ExpiresAt = fx.clock.Add(-time.Minute) })
		}, ErrExpired},
		{"expires right now", "sk-wd-now", func(fx *fixture) {
			fx.addKey("sk-wd-now", "key_now", "u1", RoleUser, func(k *store.Key) { k.ExpiresAt = fx.clock })
		}, ErrExpired},
		{"blocked user", "sk-wd-blocked", func(fx *fixture) {
			fx.addKey("sk-wd-blocked", "key_b", "u2", "", nil)
			fx.st.set(func(f *fakeStore) { f.users["u2"] = store.User{ID: "u2", Role: RoleUser, Blocked: true} })
		}, ErrBlocked},
		{"key lookup fails", "sk-wd-user", func(fx *fixture) {
			fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, nil)
			fx.st.set(func(f *fakeStore) { f.err = errors.New("connection refused") })
		}, ErrUnavailable},
		{"user lookup fails", "sk-wd-user", func(fx *fixture) {
			fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, nil)
			fx.st.set(func(f *fakeStore) { f.userErr = errors.New("connection refused") })
		}, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			if tt.setup != nil {
				tt.setup(fx)
			}
			p, err := fx.auth.Authenticate(context.Background(), tt.secret)
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Authenticate = %v, %v; want nil, %v", p, err, tt.want)
			}
		})
	}
}

func TestKeyNotYetExpiredWorksUntilItExpires(t *testing.T) {
	fx := newFixture(t)
	fx.addKey("sk-wd-soon", "key_s", "u1", RoleUser, func(k *store.Key) { k.ExpiresAt = fx.clock.Add(500 * time.Millisecond) })
	if _, err := fx.auth.Authenticate(context.Background(), "sk-wd-soon"); err != nil {
		t.Fatal(err)
	}
	fx.advance(600 * time.Millisecond) // still cached, but past its expiry
	if _, err := fx.auth.Authenticate(context.Background(), "sk-wd-soon"); !errors.Is(err, ErrExpired) {
		t.Fatalf("err = %v, want ErrExpired from the cached entry", err)
	}
}

func TestUnknownKeyIsNegativelyCached(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	for range 5 {
		if _, err := fx.auth.Authenticate(ctx, "sk-wd-unknown"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		fx.advance(100 * time.Millisecond)
	}
	if n := fx.st.lookupCount(); n != 1 {
		t.Fatalf("store hit %d times within the cache TTL, want 1", n)
	}
	// Once the TTL passes, a key created meanwhile is found.
	fx.addKey("sk-wd-unknown", "key_new", "u1", RoleUser, nil)
	fx.advance(cacheTTL)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-unknown"); err != nil {
		t.Fatalf("a key created after its negative entry is still refused after the TTL: %v", err)
	}
	if n := fx.st.lookupCount(); n != 2 {
		t.Fatalf("store hit %d times, want 2", n)
	}
}

func TestDeletedKeyRefusedAfterTTL(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, nil)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); err != nil {
		t.Fatal(err)
	}
	// Deleted on another replica: this one does not know, so the cache answers until the TTL.
	fx.st.set(func(f *fakeStore) { clear(f.keys) })
	fx.advance(cacheTTL - time.Millisecond)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); err != nil {
		t.Fatalf("within the TTL the cached key should still work: %v", err)
	}
	fx.advance(time.Millisecond)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("deleted key after the TTL: err = %v, want ErrInvalid", err)
	}
}

func TestBlockingAUserTakesEffectAfterTTL(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, nil)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); err != nil {
		t.Fatal(err)
	}
	fx.st.set(func(f *fakeStore) { f.users["u1"] = store.User{ID: "u1", Role: RoleUser, Blocked: true} })
	fx.advance(cacheTTL)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); !errors.Is(err, ErrBlocked) {
		t.Fatalf("err = %v, want ErrBlocked", err)
	}
}

func TestStoreErrorIsNotCached(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, nil)
	fx.st.set(func(f *fakeStore) { f.err = errors.New("db down") })
	for range 3 {
		if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	}
	if n := fx.st.lookupCount(); n != 3 {
		t.Fatalf("store asked %d times for 3 attempts: a failure was cached", n)
	}
	// The store recovers: the very next attempt succeeds, with no TTL to wait out.
	fx.st.set(func(f *fakeStore) { f.err = nil })
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); err != nil {
		t.Fatalf("after the store recovered: %v", err)
	}
}

func TestForget(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.addKey("sk-wd-user", "key_1", "u1", RoleUser, nil)
	fx.addKey("sk-wd-other", "key_2", "u1", RoleUser, nil)
	for _, s := range []string{"sk-wd-user", "sk-wd-other"} {
		if _, err := fx.auth.Authenticate(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	fx.st.set(func(f *fakeStore) { clear(f.keys) })
	fx.auth.Forget(fx.hash("sk-wd-user"))
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-user"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("forgotten deleted key: err = %v, want ErrInvalid at once", err)
	}
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-other"); err != nil {
		t.Fatalf("Forget dropped another key too: %v", err)
	}
	fx.auth.ForgetAll()
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-other"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("after ForgetAll: err = %v, want ErrInvalid", err)
	}
}

func TestImplausibleCredentialsNeverReachTheStore(t *testing.T) {
	fx := newFixture(t)
	for _, s := range []string{
		"sk-wd with space", "sk-wd-\tTab", "sk-wd-ключ", "sk-wd-\x00", "sk-wd-\x7f",
		"sk-wd-" + strings.Repeat("a", 251), // 257 bytes
		" " + master,
	} {
		if _, err := fx.auth.Authenticate(context.Background(), s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%.20q: err = %v, want ErrInvalid", s, err)
		}
	}
	if n := fx.st.lookupCount(); n != 0 {
		t.Fatalf("implausible credentials reached the store %d times", n)
	}
	// The longest plausible credential still does.
	if _, err := fx.auth.Authenticate(context.Background(), strings.Repeat("a", 256)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("256-byte credential: %v", err)
	}
	if n := fx.st.lookupCount(); n != 1 {
		t.Fatalf("a 256-byte credential was not looked up (%d lookups)", n)
	}
}

func TestFlushLastUsedBatches(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.addKey("sk-wd-a", "key_a", "u1", RoleUser, nil)
	fx.addKey("sk-wd-b", "key_b", "u1", RoleUser, nil)

	if err := fx.auth.FlushLastUsed(ctx); err != nil || len(fx.st.touches) != 0 {
		t.Fatalf("flush with nothing used: err %v, %d TouchKeys calls", err, len(fx.st.touches))
	}
	t0 := fx.clock
	for _, s := range []string{"sk-wd-a", "sk-wd-b", "sk-wd-a"} {
		if _, err := fx.auth.Authenticate(ctx, s); err != nil {
			t.Fatal(err)
		}
		fx.advance(10 * time.Millisecond)
	}
	// Refused calls are not uses.
	fx.auth.Authenticate(ctx, "sk-wd-unknown")
	fx.auth.Authenticate(ctx, master)

	if err := fx.auth.FlushLastUsed(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fx.st.touches) != 1 {
		t.Fatalf("%d TouchKeys calls, want 1", len(fx.st.touches))
	}
	got := fx.st.touches[0]
	want := map[string]time.Time{"key_a": t0.Add(20 * time.Millisecond), "key_b": t0.Add(10 * time.Millisecond)}
	if len(got) != len(want) || !got["key_a"].Equal(want["key_a"]) || !got["key_b"].Equal(want["key_b"]) {
		t.Fatalf("TouchKeys got %v, want %v", got, want)
	}
	// Flushed times are not sent again.
	if err := fx.auth.FlushLastUsed(ctx); err != nil || len(fx.st.touches) != 1 {
		t.Fatalf("second flush: err %v, %d TouchKeys calls, want still 1", err, len(fx.st.touches))
	}
}

func TestFlushLastUsedKeepsTimesWhenTheStoreFails(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.addKey("sk-wd-a", "key_a", "u1", RoleUser, nil)
	if _, err := fx.auth.Authenticate(ctx, "sk-wd-a"); err != nil {
		t.Fatal(err)
	}
	used := fx.clock
	fx.st.set(func(f *fakeStore) { f.touchEr = errors.New("db down") })
	if err := fx.auth.FlushLastUsed(ctx); err == nil {
		t.Fatal("a failed TouchKeys was not reported")
	}
	fx.st.set(func(f *fakeStore) { f.touchEr = nil })
	if err := fx.auth.FlushLastUsed(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fx.st.touches) != 1 || !fx.st.touches[0]["key_a"].Equal(used) {
		t.Fatalf("last use lost after a failed flush: %v", fx.st.touches)
	}
}

func TestRunLastUsedFlusherFlushesOnStop(t *testing.T) {
	fx := newFixture(t)
	fx.addKey("sk-wd-a", "key_a", "u1", RoleUser, nil)
	if _, err := fx.auth.Authenticate(context.Background(), "sk-wd-a"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { fx.auth.RunLastUsedFlusher(ctx, time.Hour); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunLastUsedFlusher did not return after its context ended")
	}
	fx.st.mu.Lock()
	defer fx.st.mu.Unlock()
	if len(fx.st.touches) != 1 || fx.st.touches[0]["key_a"].IsZero() {
		t.Fatalf("final flush missing: %v", fx.st.touches)
	}
}

func TestConcurrentAuthenticate(t *testing.T) {
	fx := newFixture(t)
	fx.addKey("sk-wd-a", "key_a", "u1", RoleUser, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				s := "sk-wd-a"
				if (i+j)%3 == 0 {
					s = "sk-wd-nope"
				}
				fx.auth.Authenticate(context.Background(), s)
				if j%10 == 0 {
					fx.auth.Forget(fx.hash(s))
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			fx.auth.FlushLastUsed(context.Background())
		}
	})
	wg.Wait()
}
