package limitstest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

// NewSeededFunc is NewFunc for limiters built with limits.WithSpendBase(base): n replicas on one
// fresh, empty set of counts, each with its own cache of bases.
type NewSeededFunc func(t *testing.T, now func() time.Time, n int, base limits.SpendBase) []limits.Limiter

// Spend is a fake store of spend already recorded: it counts its calls, can fail and can hold
// callers until Open.
type Spend struct {
	Cost   float64
	Tokens int64

	mu    sync.Mutex
	calls []SpendCall
	err   error
	gate  chan struct{} // nil: answer at once
}

// SpendCall is one call of a Spend's Base.
type SpendCall struct {
	Scope limits.Scope
	Since time.Time
}

// Base is the limits.SpendBase of s.
func (s *Spend) Base(ctx context.Context, scope limits.Scope, since time.Time) (float64, int64, error) {
	s.mu.Lock()
	s.calls = append(s.calls, SpendCall{scope, since})
	gate, err := s.gate, s.err
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	if err != nil {
		return 0, 0, err
	}
	return s.Cost, s.Tokens, nil
}

// Calls returns the calls so far.
func (s *Spend) Calls() []SpendCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SpendCall(nil), s.calls...)
}

// Fail makes the following calls return err (nil: answer again).
func (s *Spend) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Hold makes the following calls wait until Open.
func (s *Spend) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = make(chan struct{})
}

// Open lets the held calls answer.
func (s *Spend) Open() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// RunSpendBase runs the behaviour tests of limits.WithSpendBase against limiters from nl.
func RunSpendBase(t *testing.T, nl NewSeededFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewSeededFunc)
	}{
		{"BudgetStartsFromBase", testSeededBudget},
		{"TokensBudgetStartsFromBase", testSeededTokensBudget},
		{"PeriodStarts", testSeedSince},
		{"LoadedOncePerScopeAndPeriod", testSeedOnce},
		{"ConcurrentFirstCalls", testSeedConcurrent},
		{"Replicas", testSeedReplicas},
		{"SubDayPeriodsNotSeeded", testSeedSubDay},
		{"ErrorFailsClosedAndRetries", testSeedError},
		{"CallerGivesUp", testSeedCallerGivesUp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, nl)
		})
	}
}

// seeded returns one limiter with base s on a fresh clock at start.
func seeded(t *testing.T, nl NewSeededFunc, s *Spend) (limits.Limiter, *Clock) {
	c := NewClock(start)
	return nl(t, c.Now, 1, s.Base)[0], c
}

func testSeededBudget(t *testing.T, nl NewSeededFunc) {
	for _, period := range []string{"", "1d", "7d", "1mo"} {
		t.Run("period="+period, func(t *testing.T) {
			s := &Spend{Cost: 8}
			l, _ := seeded(t, nl, s)
			rule := limits.Rule{Scope: team, Budget: 10, HasBudget: true, Period: mustPeriod(t, period)}
			refuse(t, l, req(10, 3, rule), limits.LimitBudget)
			a, _ := admit(t, l, req(10, 2, rule))
			refuse(t, l, req(10, 0.5, rule), limits.LimitBudget)
			release(t, a)
			a, _ = admit(t, l, req(10, 2, rule))
			settle(t, a, 10, 1.5) // 9.5 spent
			admit(t, l, req(10, 0.5, rule))
			refuse(t, l, req(0, 0.01, rule), limits.LimitBudget)
		})
	}
}

func testSeededTokensBudget(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Tokens: 800}
	l, _ := seeded(t, nl, s)
	rule := limits.Rule{Scope: user, TokensBudget: 1000, Period: mustPeriod(t, "1d")}
	refuse(t, l, req(300, 0, rule), limits.LimitTokensBudget)
	a, _ := admit(t, l, req(200, 0, rule))
	refuse(t, l, req(1, 0, rule), limits.LimitTokensBudget)
	settle(t, a, 150, 0)
	admit(t, l, req(50, 0, rule))
	refuse(t, l, req(1, 0, rule), limits.LimitTokensBudget)
}

// testSeedSince: the base is asked for the scope from the start of the current period, and
// again when a new period starts.
func testSeedSince(t *testing.T, nl NewSeededFunc) {
	s := &Spend{}
	l, c := seeded(t, nl, s)
	admit(t, l, req(1, 1,
		limits.Rule{Scope: key, Budget: 10, HasBudget: true},
		limits.Rule{Scope: user, Budget: 10, HasBudget: true, Period: mustPeriod(t, "1d")},
		limits.Rule{Scope: team, TokensBudget: 10, Period: mustPeriod(t, "1mo")},
		limits.Rule{Scope: model, TokensBudget: 10, Period: mustPeriod(t, "48h")},
	))
	c.Advance(24 * time.Hour)
	admit(t, l, req(1, 1, limits.Rule{Scope: user, Budget: 10, HasBudget: true, Period: mustPeriod(t, "1d")}))
	twoDays, _ := mustPeriod(t, "48h").Bounds(start)
	want := []SpendCall{
		{key, time.Time{}},
		{user, time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)},
		{team, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{model, twoDays},
		{user, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
	}
	if twoDays.Hour() != 0 || twoDays.Minute() != 0 {
		t.Fatalf("48h period starts at %v, want midnight UTC", twoDays)
	}
	got := s.Calls()
	if len(got) != len(want) {
		t.Fatalf("SpendBase calls %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Scope != want[i].Scope || !got[i].Since.Equal(want[i].Since) || got[i].Since.Location() != time.UTC {
			t.Fatalf("SpendBase call %d: %v, want %v (in UTC)", i, got[i], want[i])
		}
	}
}

// testSeedOnce: one call per scope and period, for money and tokens together, however many
// requests follow, admitted or refused.
func testSeedOnce(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Cost: 8, Tokens: 800}
	l, _ := seeded(t, nl, s)
	rules := []limits.Rule{
		{Scope: key, Budget: 10, HasBudget: true, TokensBudget: 1000, Period: mustPeriod(t, "1mo")},
		{Scope: team, Budget: 10, HasBudget: true},
	}
	for range 3 {
		a, _ := admit(t, l, req(10, 0.1, rules...))
		settle(t, a, 10, 0.1)
	}
	for range 3 {
		refuse(t, l, req(10, 5, rules...), limits.LimitBudget)
	}
	if n := len(s.Calls()); n != 2 {
		t.Fatalf("%d SpendBase calls, want 2 (one per scope)", n)
	}
}

// testSeedConcurrent: first calls arriving together load the base once and add it once.
func testSeedConcurrent(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Cost: 8}
	s.Hold()
	l, _ := seeded(t, nl, s)
	rule := limits.Rule{Scope: team, Budget: 10, HasBudget: true, Period: mustPeriod(t, "1d")}
	const calls = 50
	var started, wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	started.Add(calls)
	for range calls {
		wg.Go(func() {
			started.Done()
			if try(t, l, req(1, 1, rule)) != nil {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		})
	}
	started.Wait()
	for len(s.Calls()) == 0 { // one load is under way
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // gives the other calls time to arrive while it loads
	s.Open()
	wg.Wait()
	if admitted != 2 {
		t.Fatalf("%d of %d calls of cost 1 admitted against a budget of 10 with 8 spent, want 2", admitted, calls)
	}
	if c := len(s.Calls()); c != 1 {
		t.Fatalf("%d SpendBase calls, want 1", c)
	}
}

// testSeedReplicas: replicas each with a base admit no more together than budget minus base.
func testSeedReplicas(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Cost: 8}
	c := NewClock(start)
	ls := nl(t, c.Now, replicas, s.Base)
	rule := limits.Rule{Scope: team, Budget: 10, HasBudget: true, Period: mustPeriod(t, "1mo")}
	admitted := 0
	for round := range 2 {
		for i, l := range ls {
			_, _, ref := reserve(t, l, req(1, 1, rule))
			if ref == nil {
				admitted++
			}
			if round == 1 && ref == nil {
				t.Fatalf("replica %d admitted in round 2: the base was added twice or not at all", i)
			}
		}
	}
	if admitted != 2 {
		t.Fatalf("%d calls of cost 1 admitted by %d replicas against a budget of 10 with 8 spent, want 2", admitted, replicas)
	}
}

// testSeedSubDay: periods shorter than a day are not seeded (spend is kept per day).
func testSeedSubDay(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Cost: 8, Tokens: 800}
	l, _ := seeded(t, nl, s)
	for _, p := range []string{"30s", "15m", "1h", "36h"} {
		rule := limits.Rule{Scope: limits.Scope{Level: "key", ID: "k_" + p}, Budget: 10, HasBudget: true, TokensBudget: 1000, Period: mustPeriod(t, p)}
		admit(t, l, req(1000, 10, rule))
	}
	if n := len(s.Calls()); n != 0 {
		t.Fatalf("%d SpendBase calls for periods shorter than a day, want 0", n)
	}
}

// testSeedError: a failing base refuses to decide (fail closed), reserves nothing, and is asked
// again on the next call.
func testSeedError(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Cost: 8}
	l, _ := seeded(t, nl, s)
	down := errors.New("store down")
	s.Fail(down)
	rule := limits.Rule{Scope: team, RPM: 1, Budget: 10, HasBudget: true, Period: mustPeriod(t, "1d")}
	for range 2 {
		res, _, ref, err := l.Reserve(context.Background(), req(1, 1, rule))
		if !errors.Is(err, limits.ErrUnavailable) || res != nil || ref != nil {
			t.Fatalf("Reserve with the base failing: %v, %v, %v; want an error wrapping ErrUnavailable", res, ref, err)
		}
	}
	if n := len(s.Calls()); n != 2 {
		t.Fatalf("%d SpendBase calls after two failed Reserves, want 2 (no failure cached)", n)
	}
	s.Fail(nil)
	admit(t, l, req(1, 2, rule)) // the RPM of 1 is still free: nothing was reserved
	refuse(t, l, req(0, 0.5, limits.Rule{Scope: team, Budget: 10, HasBudget: true, Period: mustPeriod(t, "1d")}), limits.LimitBudget)
	if n := len(s.Calls()); n != 3 {
		t.Fatalf("%d SpendBase calls, want 3", n)
	}
}

// testSeedCallerGivesUp: a caller whose context ends while the base loads gets its own context's
// error; another caller still gets an answer.
func testSeedCallerGivesUp(t *testing.T, nl NewSeededFunc) {
	s := &Spend{Cost: 8}
	s.Hold()
	l, _ := seeded(t, nl, s)
	rule := limits.Rule{Scope: team, Budget: 10, HasBudget: true}
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp, other := make(chan error, 1), make(chan error, 1)
	go func() {
		_, _, _, err := l.Reserve(ctx, req(1, 1, rule))
		gaveUp <- err
	}()
	for len(s.Calls()) == 0 { // the first caller is loading
		time.Sleep(time.Millisecond)
	}
	go func() { // most likely waits for the first caller's load
		_, _, ref, err := l.Reserve(context.Background(), req(1, 1, rule))
		if err == nil && ref != nil {
			err = errors.New("refused: " + ref.Message)
		}
		other <- err
	}()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("Reserve of a caller that gave up: %v, want context.Canceled", err)
	}
	s.Open()
	if err := <-other; err != nil {
		t.Fatalf("Reserve of a caller still waiting: %v, want admitted", err)
	}
	admit(t, l, req(1, 1, rule)) // 8 + 1 + 1
	refuse(t, l, req(1, 0.5, rule), limits.LimitBudget)
}
