package limits

import (
	"context"
	"sync"
	"time"
)

// memoryAuth is the single-node AuthFailures. Clients sit in a map and in a list ordered by last
// counted failure, newest first. Each Fail drops, from the old end, clients idle for
// max(Window, Ban) (no failure left in the window and any ban over); when MaxTracked clients
// are still held, it forgets the one whose last failure is oldest, banned or not. So memory
// stays bounded under a flood of new addresses and no address is ever refused for want of
// room; the price is that a flood larger than MaxTracked within one Ban can end old bans early.
type memoryAuth struct {
	p   authPolicy
	now func() time.Time

	mu      sync.RWMutex
	clients map[string]*authClient
	list    authClient // sentinel: list.next is the newest, list.prev the oldest
	closed  bool
}

// authClient is one client's failures (Unix ms, oldest first, fewer than MaxFailures) and ban.
type authClient struct {
	key         string
	fails       []int64
	bannedUntil int64 // Unix ms; banned while now < bannedUntil
	last        int64 // Unix ms of the last counted failure
	prev, next  *authClient
}

// NewMemoryAuthFailures returns the in-process AuthFailures; now is its clock (nil means time.Now).
// It remembers at most p.MaxTracked clients (see AuthFailPolicy).
func NewMemoryAuthFailures(p AuthFailPolicy, now func() time.Time) AuthFailures {
	if now == nil {
		now = time.Now
	}
	m := &memoryAuth{p: p.normalise(), now: now, clients: make(map[string]*authClient)}
	m.list.next, m.list.prev = &m.list, &m.list
	return m
}

func (m *memoryAuth) Banned(ctx context.Context, ip string) (time.Duration, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	if err := checkAuthKey(ip); err != nil {
		return 0, false, err
	}
	nowMs := m.now().UnixMilli()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, false, ErrClosed
	}
	c := m.clients[ip]
	if c == nil || nowMs >= c.bannedUntil {
		return 0, false, nil
	}
	return time.Duration(c.bannedUntil-nowMs) * time.Millisecond, true, nil
}

func (m *memoryAuth) Fail(ctx context.Context, ip string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := checkAuthKey(ip); err != nil {
		return false, err
	}
	nowMs := m.now().UnixMilli()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, ErrClosed
	}
	if c := m.clients[ip]; c != nil && nowMs < c.bannedUntil {
		return true, nil
	}
	m.evictIdle(nowMs)
	c := m.clients[ip] // nil too when it was idle and just dropped
	if c == nil {
		for len(m.clients) >= m.p.tracked {
			m.drop(m.list.prev)
		}
		c = &authClient{key: ip, fails: make([]int64, 0, m.p.max)}
		m.clients[ip] = c
	} else {
		m.unlink(c)
	}
	m.pushFront(c)
	c.last = nowMs
	// Failures at t count while nowMs-t < window; they are in order unless the clock went back,
	// and then an out-of-order one is kept longer, never dropped early.
	drop := 0
	for drop < len(c.fails) && c.fails[drop] <= nowMs-m.p.windowMs {
		drop++
	}
	c.fails = append(c.fails[:copy(c.fails, c.fails[drop:])], nowMs)
	if len(c.fails) < m.p.max {
		return false, nil
	}
	c.fails = c.fails[:0]
	c.bannedUntil = nowMs + m.p.banMs
	return true, nil
}

// evictIdle drops, from the old end, clients with no failure in the window and no ban.
func (m *memoryAuth) evictIdle(nowMs int64) {
	idle := nowMs - max(m.p.windowMs, m.p.banMs)
	for m.list.prev != &m.list && m.list.prev.last <= idle {
		m.drop(m.list.prev)
	}
}

func (m *memoryAuth) drop(c *authClient) {
	m.unlink(c)
	delete(m.clients, c.key)
}

func (m *memoryAuth) unlink(c *authClient) {
	c.prev.next, c.next.prev = c.next, c.prev
	c.prev, c.next = nil, nil
}

func (m *memoryAuth) pushFront(c *authClient) {
	c.prev, c.next = &m.list, m.list.next
	m.list.next.prev = c
	m.list.next = c
}

func (m *memoryAuth) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	clear(m.clients)
	m.list.next, m.list.prev = &m.list, &m.list
	return nil
}
