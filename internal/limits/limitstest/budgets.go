package limitstest

import (
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

func testBudget(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	rule := limits.Rule{Scope: team, Budget: 25, HasBudget: true, Period: mustPeriod(t, "1d")}
	r := req(100, 10, rule)
	a, _ := admit(t, l, r)
	admit(t, l, r)
	ref := refuse(t, l, r, limits.LimitBudget)
	midnight := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	if want := midnight.Sub(start); ref.RetryAfter != want {
		t.Fatalf("RetryAfter %v, want %v (the next reset at midnight UTC)", ref.RetryAfter, want)
	}
	settle(t, a, 100, 2) // spent 2, reserved 10
	admit(t, l, r)       // 22
	refuse(t, l, r, limits.LimitBudget)
	admit(t, l, req(100, 3, rule)) // exactly 25
	refuse(t, l, req(100, 0.000001, rule), limits.LimitBudget)
}

// testBudgetOverage: a call that cost more than estimated is charged in full and later calls are refused.
func testBudgetOverage(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	rule := limits.Rule{Scope: team, Budget: 25, HasBudget: true}
	a, _ := admit(t, l, req(100, 10, rule))
	settle(t, a, 100, 40)
	refuse(t, l, req(1, 0, rule), limits.LimitBudget)
}

func testTokensBudget(t *testing.T, nl NewFunc) {
	l, c := one(t, nl)
	rule := limits.Rule{Scope: user, TokensBudget: 1000, Period: mustPeriod(t, "1h")}
	a, _ := admit(t, l, req(400, 0, rule))
	admit(t, l, req(400, 0, rule))
	ref := refuse(t, l, req(400, 0, rule), limits.LimitTokensBudget)
	if want := 60*time.Minute - 250*time.Millisecond; ref.RetryAfter != want {
		t.Fatalf("RetryAfter %v, want %v", ref.RetryAfter, want)
	}
	settle(t, a, 150, 0)
	admit(t, l, req(450, 0, rule)) // 150 + 400 + 450
	refuse(t, l, req(1, 0, rule), limits.LimitTokensBudget)
	c.Advance(time.Hour)
	admit(t, l, req(1000, 0, rule))
}

func testPeriodReset(t *testing.T, nl NewFunc) {
	tests := []struct {
		period    string
		at, reset time.Time
	}{
		{"1h", time.Date(2026, 5, 2, 10, 59, 0, 0, time.UTC), time.Date(2026, 5, 2, 11, 0, 0, 0, time.UTC)},
		{"1d", time.Date(2026, 5, 2, 23, 30, 0, 0, time.UTC), time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)},
		{"7d", time.Date(2026, 5, 6, 12, 0, 0, 0, time.UTC), time.Date(2026, 5, 7, 0, 0, 0, 0, time.UTC)}, // a Thursday, like 1970-01-01
		{"1mo", time.Date(2026, 1, 31, 23, 59, 30, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"1mo", time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"1mo", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.period+"@"+tc.at.Format(time.DateOnly), func(t *testing.T) {
			c := NewClock(tc.at)
			l := nl(t, c.Now, 1)[0]
			rule := limits.Rule{Scope: team, Budget: 1, HasBudget: true, TokensBudget: 10, Period: mustPeriod(t, tc.period)}
			a, _ := admit(t, l, req(10, 1, rule))
			settle(t, a, 10, 1)
			ref := refuse(t, l, req(0, 0.5, rule), limits.LimitBudget)
			if want := tc.reset.Sub(tc.at); ref.RetryAfter != want {
				t.Fatalf("RetryAfter %v, want %v", ref.RetryAfter, want)
			}
			c.Advance(ref.RetryAfter - time.Millisecond)
			refuse(t, l, req(0, 0.5, rule), limits.LimitBudget)
			c.Advance(time.Millisecond)
			admit(t, l, req(10, 1, rule))
		})
	}
}

func testLifetimeBudget(t *testing.T, nl NewFunc) {
	l, c := one(t, nl)
	rule := limits.Rule{Scope: key, Budget: 0, HasBudget: true}
	admit(t, l, req(10, 0, rule)) // a free model within a zero budget
	ref := refuse(t, l, req(10, 0.01, rule), limits.LimitBudget)
	if ref.RetryAfter != 0 {
		t.Fatalf("RetryAfter %v on a budget that never resets, want 0", ref.RetryAfter)
	}
	c.Advance(400 * 24 * time.Hour)
	refuse(t, l, req(10, 0.01, rule), limits.LimitBudget)
}
