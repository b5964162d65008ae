package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/store"
)

// Authentication errors. ErrUnavailable means the check could not be made (fail closed).
var (
	ErrNoCredential = errors.New("no API key provided")
	ErrInvalid      = errors.New("invalid API key")
	ErrExpired      = errors.New("API key expired")
	ErrBlocked      = errors.New("user is blocked")
	ErrUnavailable  = errors.New("cannot verify the API key right now")
)

// cacheTTL bounds how stale a cached key may be: a deleted key is refused within this time everywhere.
const cacheTTL = time.Second

// maxCache bounds the cache; past it, the cache is cleared rather than grown.
const maxCache = 100_000

type cached struct {
	p       *Principal // nil: the hash is not a key (negative entry)
	blocked bool       // the key's owner is blocked
	fetched time.Time
}

// KeyAuth authenticates API keys against the store, with a short-lived cache.
type KeyAuth struct {
	store     store.Store
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

// NewKeyAuth returns a KeyAuth. masterKey may be "" (no master key).
func NewKeyAuth(st store.Store, h *keys.Hasher, masterKey string, log *slog.Logger) *KeyAuth {
	a := &KeyAuth{store: st, hasher: h, now: time.Now, log: log,
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
		return &Principal{UserID: "admin", Role: RoleAdmin, Master: true}, nil
	}
	now := a.now()
	a.mu.RLock()
	c, ok := a.cache[h]
	a.mu.RUnlock()
	if !ok || now.Sub(c.fetched) >= cacheTTL {
		p, blocked, err := a.load(ctx, h)
		if err != nil {
			return nil, err
		}
		c = cached{p: p, blocked: blocked, fetched: now}
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
	a.touch(c.p.KeyID, now)
	return c.p, nil
}

// load reads a key and its owner from the store. A missing key is a negative entry, not an error.
func (a *KeyAuth) load(ctx context.Context, h keys.Hash) (p *Principal, blocked bool, err error) {
	k, err := a.store.KeyByHash(ctx, h[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		a.log.Error("key lookup failed", "err", err)
		return nil, false, ErrUnavailable
	}
	role := RoleUser
	if k.UserID != "" {
		u, err := a.store.GetUser(ctx, k.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			a.log.Error("user lookup failed", "err", err)
			return nil, false, ErrUnavailable
		default:
			role, blocked = u.Role, u.Blocked
		}
	}
	return &Principal{UserID: k.UserID, Role: role, KeyID: k.ID, TeamID: k.TeamID,
		Models: k.Models, ExpiresAt: k.ExpiresAt}, blocked, nil
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
