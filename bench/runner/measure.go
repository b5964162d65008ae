package main

import (
	"context"
	"fmt"
	"time"
)

// measurer puts the load on the targets and notes how busy the rest of the machine was.
type measurer struct {
	o      options
	script string       // path of chat.lua
	groups func() []int // process groups of the servers under test
	exited func() error // describes servers that stopped running, nil if none
	meter  cpuMeter
	// backend is the fake backend's process group, for its CPU time per call.
	backend int
}

// measure runs, per round and scenario, every measured target one after the other.
func (m measurer) measure(ctx context.Context, scs []scenario, targets []target) ([]sample, error) {
	var out []sample
	for round := 1; round <= m.o.rounds; round++ {
		for _, sc := range scs {
			for _, t := range targets {
				if t.pending != "" {
					continue
				}
				s, err := m.measureOne(ctx, round, sc, t)
				if err != nil {
					return nil, err
				}
				failed := ""
				if s.Failures > 0 {
					failed = fmt.Sprintf("   %d failed responses", s.Failures)
				}
				fmt.Printf("round %d/%d  %-9s %-13s %9.0f req/s   p50 %7.2f ms   p99 %7.2f ms   other CPU %s%s\n",
					round, m.o.rounds, s.Scenario, s.Target, s.RPS, s.P50ms, s.P99ms, percent(s.OtherCPU), failed)
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// measureOne waits for a quiet machine, warms up, and measures; a run during which other
// processes took a noticeable share of the CPU is repeated up to o.retries times.
func (m measurer) measureOne(ctx context.Context, round int, sc scenario, t target) (sample, error) {
	for attempt := 0; ; attempt++ {
		if err := m.waitQuiet(ctx); err != nil {
			return sample{}, err
		}
		if m.o.warmup > 0 {
			if _, err := runWrk(ctx, m.o, m.script, t, sc, m.o.warmup); err != nil {
				return sample{}, m.explain(fmt.Errorf("warm-up: %w", err))
			}
		}
		before, errBefore := m.meter.sample(m.groups(), t.servedBy...)
		r, err := runWrk(ctx, m.o, m.script, t, sc, m.o.duration)
		if err != nil {
			return sample{}, m.explain(err)
		}
		after, errAfter := m.meter.sample(m.groups(), t.servedBy...)
		other, proxyCPU, backendCPU := -1.0, -1.0, -1.0
		if errBefore == nil && errAfter == nil {
			other = otherShare(before, after, r.cpu)
			proxyCPU = perCall(before, after, t.group, t.servedBy, r.Requests)
			backendCPU = perCall(before, after, m.backend, nil, r.Requests)
		}
		s := sample{Round: round, Scenario: sc.name, Target: t.name, RPS: r.rps(),
			P50ms: r.P50US / 1000, P99ms: r.P99US / 1000, Requests: r.Requests, OtherCPU: other,
			ProxyCPU: proxyCPU, BackendCPU: backendCPU, Failures: r.failures()}
		if other <= noisyShare || attempt >= m.o.retries {
			return s, nil
		}
		fmt.Printf("           %-9s %-13s other processes took %s of the CPU; measuring again\n",
			sc.name, t.name, percent(other))
	}
}

// explain adds to a failed run which servers stopped running, if any did.
func (m measurer) explain(err error) error {
	if m.exited == nil {
		return err
	}
	if gone := m.exited(); gone != nil {
		return fmt.Errorf("%w\n%w", err, gone)
	}
	return err
}

// waitQuiet waits, up to o.quietWait, until unrelated processes use at most noisyShare of the
// CPU over one second. It gives up silently: the run then records how noisy it was.
func (m measurer) waitQuiet(ctx context.Context) error {
	if m.o.quietWait <= 0 {
		return nil
	}
	deadline := time.Now().Add(m.o.quietWait)
	told := false
	for {
		a, err := m.meter.sample(m.groups())
		if err != nil {
			return nil // no /proc: cannot tell
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		b, err := m.meter.sample(m.groups())
		if err != nil {
			return nil
		}
		share := otherShare(a, b, 0)
		if share <= noisyShare || time.Now().After(deadline) {
			return nil
		}
		if !told {
			fmt.Printf("           waiting up to %s for other processes to calm down (they take %s of the CPU)\n",
				m.o.quietWait, percent(share))
			told = true
		}
	}
}
