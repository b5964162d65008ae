package limits

import (
	"context"
	"errors"
	"testing"
	"time"
)

// seedChecks plans r at now and fills its bases from s.
func seedChecks(t *testing.T, s *seeder, r Request, now time.Time) ([]check, error) {
	t.Helper()
	checks, err := plan(r, now)
	if err != nil {
		t.Fatal(err)
	}
	return checks, s.fill(context.Background(), checks, now.UnixMilli())
}

func (s *seeder) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seeds)
}

// TestSeederDropsEndedPeriods: the cache keeps lifetime bases and drops those of ended periods.
func TestSeederDropsEndedPeriods(t *testing.T) {
	calls := 0
	s := newSeeder(func(context.Context, Scope, time.Time) (float64, int64, error) {
		calls++
		return 1.5, 7, nil
	})
	day, _ := ParsePeriod("1d")
	now := time.Date(2026, 3, 14, 23, 0, 0, 0, time.UTC)
	r := Request{Rules: []Rule{
		{Scope: Scope{"key", "a"}, HasBudget: true, Budget: 10, TokensBudget: 100, Period: day},
		{Scope: Scope{"user", "b"}, HasBudget: true, Budget: 10},
	}}
	checks, err := seedChecks(t, s, r, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		want := int64(1_500_000_000)
		if c.kind == kindTokensBudget {
			want = 7
		}
		if c.base != want {
			t.Fatalf("base of %v %v: %d, want %d", c.scope, c.kind, c.base, want)
		}
	}
	if calls != 2 || s.size() != 2 {
		t.Fatalf("%d calls, %d cached; want 2 and 2", calls, s.size())
	}
	if _, err := seedChecks(t, s, Request{}, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := s.size(); n != 1 {
		t.Fatalf("%d bases cached after the day ended, want 1 (the lifetime one)", n)
	}
}

// TestSeederPanicFailsClosed: a SpendBase that panics caches nothing and lets no call through
// with a zero base.
func TestSeederPanicFailsClosed(t *testing.T) {
	panics := true
	s := newSeeder(func(context.Context, Scope, time.Time) (float64, int64, error) {
		if panics {
			panic("store bug")
		}
		return 2, 0, nil
	})
	r := Request{Rules: []Rule{{Scope: Scope{"team", "t"}, HasBudget: true, Budget: 10}}}
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		_, _ = seedChecks(t, s, r, now)
	}()
	if n := s.size(); n != 0 {
		t.Fatalf("%d bases cached after a panic, want 0", n)
	}
	panics = false
	checks, err := seedChecks(t, s, r, now)
	if err != nil || checks[0].base != 2_000_000_000 {
		t.Fatalf("after the panic: base %d, err %v; want 2e9, nil", checks[0].base, err)
	}
}

// TestSeederError: the error names the scope and wraps both ErrUnavailable and
// the store's error.
func TestSeederError(t *testing.T) {
	down := errors.New("store down")
	s := newSeeder(func(context.Context, Scope, time.Time) (float64, int64, error) { return 0, 0, down })
	_, err := seedChecks(t, s, Request{Rules: []Rule{{Scope: Scope{"team", "t"}, HasBudget: true}}}, time.Now())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, down) {
		t.Fatalf("error %v, want one wrapping ErrUnavailable and the store's error", err)
	}
}

func TestNilSeederDoesNothing(t *testing.T) {
	var s *seeder
	checks, err := seedChecks(t, s, Request{Rules: []Rule{{Scope: Scope{"team", "t"}, HasBudget: true, Budget: 1}}}, time.Now())
	if err != nil || checks[0].base != 0 {
		t.Fatal(checks, err)
	}
}
