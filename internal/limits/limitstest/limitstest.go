// Package limitstest is the one behaviour suite every limits.Limiter backend must pass.
package limitstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

// NewFunc returns n limiters sharing one fresh, empty set of counts (n replicas of one
// deployment), all reading the clock now, closed when t ends.
type NewFunc func(t *testing.T, now func() time.Time, n int) []limits.Limiter

// Clock is a settable clock for windows and periods.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start is a time in the middle of a second, a day and a month.
var start = time.Date(2026, 3, 14, 12, 0, 0, 250_000_000, time.UTC)

// Run runs every behaviour test against limiters from newLimiters. Subtests run in parallel.
func Run(t *testing.T, newLimiters NewFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewFunc)
	}{
		{"RPM", testRPM},
		{"RPMRolling", testRPMRolling},
		{"TPMCorrectedAtSettle", testTPM},
		{"TPMRequestOverLimit", testTPMOverLimit},
		{"Parallel", testParallel},
		{"Budget", testBudget},
		{"BudgetOverageCharged", testBudgetOverage},
		{"TokensBudget", testTokensBudget},
		{"PeriodReset", testPeriodReset},
		{"LifetimeBudget", testLifetimeBudget},
		{"Atomic", testAtomic},
		{"RefusalNamesSlowest", testRefusalNamesSlowest},
		{"ReleaseRefundsAll", testReleaseRefunds},
		{"SettleOnce", testSettleOnce},
		{"Status", testStatus},
		{"NoRules", testNoRules},
		{"Invalid", testInvalid},
		{"ScopesIndependent", testScopesIndependent},
		{"ConcurrentBudget", testConcurrentBudget},
		{"ConcurrentRPM", testConcurrentRPM},
		{"ConcurrentParallel", testConcurrentParallel},
		{"ConcurrentTPM", testConcurrentTPM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newLimiters)
		})
	}
}

// one returns a single limiter on a fresh clock at start.
func one(t *testing.T, nl NewFunc) (limits.Limiter, *Clock) {
	c := NewClock(start)
	return nl(t, c.Now, 1)[0], c
}

// reserve calls Reserve and fails the test on an error.
func reserve(t *testing.T, l limits.Limiter, r limits.Request) (limits.Reservation, limits.Status, *limits.Refusal) {
	t.Helper()
	res, st, ref, err := l.Reserve(context.Background(), r)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if (res == nil) == (ref == nil) {
		t.Fatalf("Reserve returned reservation %v and refusal %v: want exactly one", res, ref)
	}
	return res, st, ref
}

// admit reserves and fails the test unless the request is admitted.
func admit(t *testing.T, l limits.Limiter, r limits.Request) (limits.Reservation, limits.Status) {
	t.Helper()
	res, st, ref := reserve(t, l, r)
	if ref != nil {
		t.Fatalf("refused (%s, %s), want admitted", ref.Limit, ref.Message)
	}
	return res, st
}

// refuse reserves and fails the test unless limit refuses the request.
func refuse(t *testing.T, l limits.Limiter, r limits.Request, limit string) *limits.Refusal {
	t.Helper()
	_, _, ref := reserve(t, l, r)
	if ref == nil {
		t.Fatalf("admitted, want refused by %s", limit)
	}
	if ref.Limit != limit {
		t.Fatalf("refused by %s (%s), want %s", ref.Limit, ref.Message, limit)
	}
	if ref.Message == "" {
		t.Fatal("refusal without a message")
	}
	return ref
}

func settle(t *testing.T, r limits.Reservation, tokens int64, cost float64) {
	t.Helper()
	if err := r.Settle(context.Background(), tokens, cost); err != nil {
		t.Fatalf("Settle: %v", err)
	}
}

func release(t *testing.T, r limits.Reservation) {
	t.Helper()
	if err := r.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

var (
	key   = limits.Scope{Level: "key", ID: "k_1"}
	user  = limits.Scope{Level: "user", ID: "u_1"}
	team  = limits.Scope{Level: "team", ID: "t_1"}
	model = limits.Scope{Level: "model", ID: "m_1"}
)

func req(tokens int64, cost float64, rules ...limits.Rule) limits.Request {
	return limits.Request{Rules: rules, Tokens: tokens, Cost: cost}
}

func mustPeriod(t *testing.T, s string) limits.Period {
	t.Helper()
	p, err := limits.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
