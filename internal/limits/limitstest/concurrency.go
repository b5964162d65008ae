package limitstest

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/warden-gw/warden/internal/limits"
)

// replicas is how many limiters share one set of counts in the concurrency tests.
const replicas = 3

// together runs f(0..n-1) in n goroutines started at once and returns how many returned true.
func together(t *testing.T, n int, f func(i int) bool) int {
	t.Helper()
	var admitted atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			if f(i) {
				admitted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(admitted.Load())
}

// try reserves and reports whether the request was admitted, recording errors on t.
func try(t *testing.T, l limits.Limiter, r limits.Request) limits.Reservation {
	res, _, _, err := l.Reserve(context.Background(), r)
	if err != nil {
		t.Errorf("Reserve: %v", err)
	}
	return res
}

// testConcurrentBudget: 200 calls of cost 1 at once against a budget of 50, spread over the replicas.
func testConcurrentBudget(t *testing.T, nl NewFunc) {
	c := NewClock(start)
	ls := nl(t, c.Now, replicas)
	rule := limits.Rule{Scope: team, Budget: 50, HasBudget: true, Period: mustPeriod(t, "1mo")}
	var mu sync.Mutex
	var held []limits.Reservation
	n := together(t, 200, func(i int) bool {
		res := try(t, ls[i%replicas], req(10, 1, rule))
		if res == nil {
			return false
		}
		mu.Lock()
		held = append(held, res)
		mu.Unlock()
		return true
	})
	if n != 50 {
		t.Fatalf("%d of 200 admitted against a budget of 50, want exactly 50", n)
	}
	for _, r := range held {
		settle(t, r, 10, 1)
	}
	for _, l := range ls {
		refuse(t, l, req(10, 0.01, rule), limits.LimitBudget)
	}
}

func testConcurrentRPM(t *testing.T, nl NewFunc) {
	c := NewClock(start)
	ls := nl(t, c.Now, replicas)
	rule := limits.Rule{Scope: key, RPM: 30}
	n := together(t, 90, func(i int) bool {
		return try(t, ls[i%replicas], req(1, 0, rule)) != nil
	})
	if n != 30 {
		t.Fatalf("%d of 90 admitted with rpm 30 across %d replicas, want exactly 30", n, replicas)
	}
}

func testConcurrentTPM(t *testing.T, nl NewFunc) {
	c := NewClock(start)
	ls := nl(t, c.Now, replicas)
	rule := limits.Rule{Scope: key, TPM: 1000}
	n := together(t, 60, func(i int) bool {
		return try(t, ls[i%replicas], req(100, 0, rule)) != nil
	})
	if n != 10 {
		t.Fatalf("%d calls of 100 tokens admitted with tpm 1000, want exactly 10", n)
	}
}

// testConcurrentParallel: 20 callers, each looping, never hold more than 2 slots at once.
func testConcurrentParallel(t *testing.T, nl NewFunc) {
	c := NewClock(start)
	ls := nl(t, c.Now, replicas)
	rule := limits.Rule{Scope: key, MaxParallel: 2}
	var inFlight, peak atomic.Int64
	n := together(t, 20, func(i int) bool {
		ok := false
		for range 10 {
			res := try(t, ls[i%replicas], req(1, 0, rule))
			if res == nil {
				continue
			}
			ok = true
			now := inFlight.Add(1)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			runtime.Gosched()
			inFlight.Add(-1)
			if err := res.Release(context.Background()); err != nil {
				t.Errorf("Release: %v", err)
			}
		}
		return ok
	})
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d calls in flight at once with max_parallel_requests 2", p)
	}
	if n == 0 {
		t.Fatal("no caller was ever admitted")
	}
	for _, l := range ls[:2] {
		admit(t, l, req(1, 0, rule))
	}
	refuse(t, ls[2], req(1, 0, rule), limits.LimitParallel) // every slot came back, and no more
}
