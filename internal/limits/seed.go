package limits

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Bounds of the cache of loaded spend bases.
const (
	seedSweepEveryMs = 60_000 // how often (by the limiter's clock) bases of ended periods are dropped
	// maxSeeds caps the cached bases; past it the loaded ones are dropped. That is always safe: a
	// base only ever starts a counter that does not exist yet, so at worst it is loaded again.
	maxSeeds = 1 << 16
)

// seedKey names the budget counters (money and tokens) that one SpendBase call seeds.
type seedKey struct {
	scope  Scope
	period Period
	start  int64 // Unix ms, 0 for lifetime
}

// seed is one SpendBase call, in flight until ready is closed; the fields are then fixed.
type seed struct {
	ready     chan struct{}
	cost      int64 // money already spent, in billionths
	tokens    int64
	err       error // nil when loaded
	abandoned bool  // failed because the loading caller's context ended: others try again
	end       int64 // period end, Unix ms, 0 for lifetime
}

// seeder loads the spend already recorded for budget counters, once per counter and period:
// concurrent first callers wait for the one load.
type seeder struct {
	load SpendBase

	mu        sync.Mutex
	seeds     map[seedKey]*seed
	nextSweep int64
}

// newSeeder returns nil when f is nil: no seeding, and no cost.
func newSeeder(f SpendBase) *seeder {
	if f == nil {
		return nil
	}
	return &seeder{load: f, seeds: make(map[seedKey]*seed)}
}

// seeded reports whether budgets of period p start from the store's spend: only periods that
// begin at 00:00 UTC (lifetime, months, whole days), since the store keeps spend per UTC day.
func (p Period) seeded() bool {
	switch p.unit {
	case 0, 'd', 'M':
		return true
	case 'h':
		return p.n%24 == 0
	case 'm':
		return p.n%(24*60) == 0
	}
	return p.n%(24*60*60) == 0 // seconds: never within maxPeriodCount
}

// seededCheck reports whether c is a budget check whose counter starts from a base.
func seededCheck(c *check) bool {
	return (c.kind == kindBudget || c.kind == kindTokensBudget) && c.period.seeded()
}

// fill sets the base of every seeded budget check in checks, loading the bases not cached yet
// outside any lock of the backend. nowMs is the limiter's clock. A nil seeder does nothing.
func (s *seeder) fill(ctx context.Context, checks []check, nowMs int64) error {
	if s == nil {
		return nil
	}
	missing := false
	s.mu.Lock()
	s.sweep(nowMs)
	for i := range checks {
		c := &checks[i]
		if !seededCheck(c) {
			continue
		}
		if sd := s.seeds[seedKey{c.scope, c.period, c.start}]; sd != nil && loaded(sd) {
			c.setBase(sd)
		} else {
			missing = true
		}
	}
	s.mu.Unlock()
	if !missing {
		return nil
	}
	for i := range checks {
		c := &checks[i]
		if !seededCheck(c) {
			continue
		}
		sd, err := s.get(ctx, seedKey{c.scope, c.period, c.start}, c.end)
		if err != nil {
			return err
		}
		c.setBase(sd)
	}
	return nil
}

// setBase takes c's base from a loaded seed.
func (c *check) setBase(sd *seed) {
	if c.kind == kindBudget {
		c.base = sd.cost
	} else {
		c.base = sd.tokens
	}
}

// loaded reports whether sd finished loading without an error.
func loaded(sd *seed) bool {
	select {
	case <-sd.ready:
		return sd.err == nil
	default:
		return false
	}
}

// get returns the loaded seed of k, loading it when no one else is; a caller never waits while
// it owes a load of its own, so callers cannot wait for each other in a cycle.
func (s *seeder) get(ctx context.Context, k seedKey, end int64) (*seed, error) {
	for {
		s.mu.Lock()
		sd := s.seeds[k]
		if sd == nil {
			s.makeRoom()
			sd = &seed{ready: make(chan struct{}), end: end}
			s.seeds[k] = sd
			s.mu.Unlock()
			s.run(ctx, k, sd)
		} else {
			s.mu.Unlock()
		}
		select {
		case <-sd.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if sd.err == nil {
			return sd, nil
		}
		if sd.abandoned && ctx.Err() == nil {
			continue // another caller gave up; this one still wants the answer
		}
		return nil, sd.err
	}
}

// run calls SpendBase for k and publishes the result in sd. A failed load leaves the cache, so
// the next call tries again; a panicking SpendBase counts as failed.
func (s *seeder) run(ctx context.Context, k seedKey, sd *seed) {
	sd.err = fmt.Errorf("%w: spend base of %s %s did not return", ErrUnavailable, k.scope.Level, strconv.Quote(trim(k.scope.ID)))
	defer func() {
		if sd.err != nil {
			s.mu.Lock()
			if s.seeds[k] == sd {
				delete(s.seeds, k)
			}
			s.mu.Unlock()
		}
		close(sd.ready)
	}()
	var since time.Time
	if !k.period.IsZero() {
		since = time.UnixMilli(k.start).UTC()
	}
	cost, tokens, err := s.load(ctx, k.scope, since)
	if err != nil {
		if ctx.Err() != nil {
			sd.abandoned = true
			sd.err = ctx.Err()
			return
		}
		sd.err = fmt.Errorf("%w: spend base of %s %s: %w", ErrUnavailable, k.scope.Level, strconv.Quote(trim(k.scope.ID)), err)
		return
	}
	sd.cost, sd.tokens, sd.err = cashUnits(cost), min(max(tokens, 0), maxExact), nil
}

// sweep drops the bases of ended periods, at most once per seedSweepEveryMs. Under s.mu.
func (s *seeder) sweep(nowMs int64) {
	if nowMs < s.nextSweep {
		return
	}
	s.nextSweep = nowMs + seedSweepEveryMs
	for k, sd := range s.seeds {
		if sd.end != 0 && sd.end <= nowMs {
			delete(s.seeds, k)
		}
	}
}

// makeRoom drops the finished seeds when the cache is full. Under s.mu.
func (s *seeder) makeRoom() {
	if len(s.seeds) < maxSeeds {
		return
	}
	for k, sd := range s.seeds {
		select {
		case <-sd.ready:
			delete(s.seeds, k)
		default:
		}
	}
}
