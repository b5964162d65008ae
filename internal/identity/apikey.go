package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// Authentication errors. ErrUnavailable means the check could not be made (fail closed).
var (
	ErrNoCredential = errors.New("no API key provided")
	ErrInvalid      = errors.New("invalid API key")
	ErrExpired      = errors.New("API key expired")
	ErrBlocked      = errors.New("user is blocked")
	ErrUnavailable  = errors.New("cannot verify the API key right now")
	// ErrAccessRules means the key's stored allowlist no longer parses (a model group was removed
	// from the config): the key is refused until an admin fixes it.
	ErrAccessRules = errors.New("this API key's model allowlist refers to something that no longer exists; an admin must update the key")
)

// cacheTTL bounds how stale a cached key may be: a deleted key is refused within this time everywhere.
const cacheTTL = time.Second

// maxCache bounds the cache; past it, the cache is cleared rather than grown.
const maxCache = 100_000

type cached struct {
	p       *Principal // nil: the hash is not a key (negative entry)
	blocked bool       // the key, its owner or its team is blocked
	bad     error      // the key exists but cannot be used (ErrAccessRules)
	fetched time.Time
}

// KeyAuth authenticates API keys against the store, with a short-lived cache.
type KeyAuth struct {
	store     store.Store
	groups    *policy.Groups
	hasher    *keys.Hasher
	master    keys.Hash
	hasMaster bool
	now       func() time.Time
	log       *slog.Logger

	mu    sync.RWMutex
	cache map[keys.Hash]cached

	touchMu sync.Mutex
	touched map[string]time.Time
}

// NewKeyAuth returns a KeyAuth. masterKey may be "" (no master key); groups are the configured
// model groups (nil for none).
func NewKeyAuth(st store.Store, h *keys.Hasher, masterKey string, groups *policy.Groups, log *slog.Logger) *KeyAuth {
	a := &KeyAuth{store: st, hasher: h, now: time.Now, log: log, groups: groups,
		cache: make(map[keys.Hash]cached), touched: make(map[string]time.Time)}
	if masterKey != "" {
		a.master, a.hasMaster = h.Sum(masterKey), true
	}
	return a
}

// Authenticate resolves a presented secret to a principal.
func (a *KeyAuth) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	if secret == "" {
		return nil, ErrNoCredential
	}
	if !keys.Plausible(secret) {
		return nil, ErrInvalid
	}
	h := a.hasher.Sum(secret)
	if a.hasMaster && keys.Equal(h, a.master) {
		return &Principal{UserID: "admin", Role: RoleAdmin, Master: true,
			Access: policy.Effective(policy.Allowlist{}, nil, RoleAdmin)}, nil
	}
	now := a.now()
	a.mu.RLock()
	c, ok := a.cache[h]
	a.mu.RUnlock()
	if !ok || now.Sub(c.fetched) >= cacheTTL {
		p, blocked, bad, err := a.load(ctx, h)
		if err != nil {
			return nil, err
		}
		c = cached{p: p, blocked: blocked, bad: bad, fetched: now}
		a.mu.Lock()
		if len(a.cache) >= maxCache {
			clear(a.cache)
		}
		a.cache[h] = c
		a.mu.Unlock()
	}
	if c.p == nil {
		return nil, ErrInvalid
	}
	if !c.p.ExpiresAt.IsZero() && !now.Before(c.p.ExpiresAt) {
		return nil, ErrExpired
	}
	if c.blocked {
		return nil, ErrBlocked
	}
	if c.bad != nil {
		return nil, c.bad
	}
	a.touch(c.p.KeyID, now)
	return c.p, nil
}

// load reads a key, its owner and its team from the store and computes the effective access.
// A missing key is a negative entry, not an error.
func (a *KeyAuth) load(ctx context.Context, h keys.Hash) (p *Principal, blocked bool, bad, err error) {
	k, err := a.store.KeyByHash(ctx, h[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil, nil
	}
	if err != nil {
		a.log.Error("key lookup failed", "err", err)
		return nil, false, nil, ErrUnavailable
	}
	unavailable := func(what string, err error) (*Principal, bool, error, error) {
		a.log.Error(what+" lookup failed", "err", err)
		return nil, false, nil, ErrUnavailable
	}
	p = &Principal{UserID: k.UserID, Role: RoleUser, KeyID: k.ID, TeamID: k.TeamID, Models: k.Models,
		Endpoints: k.Endpoints, ExpiresAt: k.ExpiresAt}
	blocked = k.Blocked
	addRule := func(level, id string, l store.Limits) {
		if r, ok := rateRule(level, id, l); ok {
			p.RateRules = append(p.RateRules, r)
		}
	}
	addRule("key", k.ID, k.Limits)
	if k.UserID != "" {
		u, err := a.store.GetUser(ctx, k.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return unavailable("user", err)
		default:
			p.Role, blocked = u.Role, blocked || u.Blocked
			addRule("user", u.ID, u.Limits)
		}
		members, err := a.store.TeamsOfUser(ctx, k.UserID)
		if err != nil {
			return unavailable("team membership", err)
		}
		if len(members) > 0 {
			p.TeamRoles = make(map[string]string, len(members))
			for _, m := range members {
				p.TeamRoles[m.TeamID] = m.Role
			}
		}
	}
	var team *policy.Team
	if k.TeamID != "" {
		t, err := a.store.GetTeam(ctx, k.TeamID)
		switch {
		case errors.Is(err, store.ErrNotFound): // the team is gone: its keys are no longer valid
			return nil, false, nil, nil
		case err != nil:
			return unavailable("team", err)
		}
		models, err := a.groups.Parse(t.Models)
		if err != nil {
			a.log.Warn("team allowlist does not parse", "team_id", t.ID, "err", err)
			return p, blocked, ErrAccessRules, nil
		}
		name := t.Alias
		if name == "" {
			name = t.ID
		}
		team = &policy.Team{Name: name, Models: models}
		blocked = blocked || t.Blocked
		addRule("team", t.ID, t.Limits)
	}
	models, err := a.groups.Parse(k.Models)
	if err != nil {
		a.log.Warn("key allowlist does not parse", "key_id", k.ID, "err", err)
		return p, blocked, ErrAccessRules, nil
	}
	p.Access = policy.Effective(models, team, p.Role)
	return p, blocked, nil, nil
}

// Forget drops a key from the cache at once (after it is deleted through this server).
func (a *KeyAuth) Forget(hash []byte) {
	var h keys.Hash
	copy(h[:], hash)
	a.mu.Lock()
	delete(a.cache, h)
	a.mu.Unlock()
}

// ForgetAll empties the cache.
func (a *KeyAuth) ForgetAll() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}

func (a *KeyAuth) touch(id string, now time.Time) {
	a.touchMu.Lock()
	a.touched[id] = now
	a.touchMu.Unlock()
}

// FlushLastUsed writes the batched last-used times to the store.
func (a *KeyAuth) FlushLastUsed(ctx context.Context) error {
	a.touchMu.Lock()
	batch := a.touched
	if len(batch) == 0 {
		a.touchMu.Unlock()
		return nil
	}
	a.touched = make(map[string]time.Time, len(batch))
	a.touchMu.Unlock()
	if err := a.store.TouchKeys(ctx, batch); err != nil {
		// Keep the times for the next flush (bounded by the number of keys); newer uses win.
		a.touchMu.Lock()
		for id, t := range batch {
			if cur, ok := a.touched[id]; !ok || t.After(cur) {
				a.touched[id] = t
			}
		}
		a.touchMu.Unlock()
		return fmt.Errorf("identity: record last use of %d keys: %w", len(batch), err)
	}
	return nil
}

// RunLastUsedFlusher flushes last-used times every interval until ctx ends, then once more.
func (a *KeyAuth) RunLastUsedFlusher(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := a.FlushLastUsed(fctx); err != nil {
				a.log.Warn("flush last-used", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := a.FlushLastUsed(ctx); err != nil {
				a.log.Warn("flush last-used", "err", err)
			}
		}
	}
}
