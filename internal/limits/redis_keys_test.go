package limits_test

import (
	"context"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/limits/limitstest"
)

// TestRedisLeaseExpires: the parallel slot of a replica that died mid-call frees itself after the lease.
func TestRedisLeaseExpires(t *testing.T) {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	clock := limitstest.NewClock(time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC))
	crashed := limits.NewRedis(newRedisClient(t), prefix, clock.Now, limits.WithLeaseTTL(time.Minute))
	alive := limits.NewRedis(newRedisClient(t), prefix, clock.Now, limits.WithLeaseTTL(time.Minute))
	r := limits.Request{Rules: []limits.Rule{{Scope: limits.Scope{Level: "key", ID: "k"}, MaxParallel: 1}}}
	ctx := context.Background()
	if _, _, ref, err := crashed.Reserve(ctx, r); err != nil || ref != nil {
		t.Fatal(ref, err) // never settled
	}
	if _, _, ref, err := alive.Reserve(ctx, r); err != nil || ref == nil {
		t.Fatalf("second call admitted while the slot is leased (err %v)", err)
	}
	clock.Advance(time.Minute + time.Millisecond)
	if _, _, ref, err := alive.Reserve(ctx, r); err != nil || ref != nil {
		t.Fatalf("slot still held after its lease: %v %v", ref, err)
	}
}

// TestRedisKeysExpire: every key the limiter writes is under its prefix and has a TTL.
func TestRedisKeysExpire(t *testing.T) {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	c := newRedisClient(t)
	l := limits.NewRedis(c, prefix, nil)
	month, _ := limits.ParsePeriod("1mo")
	ctx := context.Background()
	res, _, ref, err := l.Reserve(ctx, limits.Request{Tokens: 10, Cost: 1, Rules: []limits.Rule{
		{Scope: limits.Scope{Level: "key", ID: "k"}, RPM: 10, TPM: 100, MaxParallel: 2, HasBudget: true, Budget: 5, TokensBudget: 100, Period: month},
		{Scope: limits.Scope{Level: "user", ID: "u"}, HasBudget: true, Budget: 5},
	}})
	if err != nil || ref != nil {
		t.Fatal(ref, err)
	}
	checkTTLs := func(want int) {
		t.Helper()
		keys, err := c.Keys(ctx, "{"+prefix+"}:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != want {
			t.Fatalf("keys %q, want %d", keys, want)
		}
		for _, k := range keys {
			if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 || ttl > 36*24*time.Hour {
				t.Errorf("key %q has TTL %v, want a bounded expiry", k, ttl)
			}
		}
	}
	checkTTLs(6) // 2 windows, 1 parallel set, 2 period budgets, 1 lifetime budget
	if err := res.Settle(ctx, 10, 1); err != nil {
		t.Fatal(err)
	}
	checkTTLs(5) // the empty parallel set is gone
}

// TestRedisNoScript: after SCRIPT FLUSH the scripts are loaded again (EVALSHA falls back to EVAL).
func TestRedisNoScript(t *testing.T) {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	c := newRedisClient(t)
	l := limits.NewRedis(c, prefix, nil)
	ctx := context.Background()
	r := limits.Request{Rules: []limits.Rule{{Scope: limits.Scope{Level: "key", ID: "k"}, RPM: 10}}}
	for range 2 {
		if err := c.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		res, _, ref, err := l.Reserve(ctx, r)
		if err != nil || ref != nil {
			t.Fatal(ref, err)
		}
		if err := c.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if err := res.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedisCounterNotReseeded: a budget counter that exists in Redis holds the truth; a replica
// that starts later (or a Warden that restarted) ignores its base for it, larger or smaller.
func TestRedisCounterNotReseeded(t *testing.T) {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	clock := limitstest.NewClock(time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	rule := limits.Rule{Scope: limits.Scope{Level: "team", ID: "t"}, Budget: 10, HasBudget: true}
	r := func(cost float64) limits.Request { return limits.Request{Cost: cost, Rules: []limits.Rule{rule}} }
	base := func(cost float64) limits.SpendBase {
		return func(context.Context, limits.Scope, time.Time) (float64, int64, error) { return cost, 0, nil }
	}

	first := limits.NewRedis(newRedisClient(t), prefix, clock.Now, limits.WithSpendBase(base(2)))
	res, _, ref, err := first.Reserve(ctx, r(1))
	if err != nil || ref != nil {
		t.Fatal(ref, err)
	}
	if err := res.Settle(ctx, 0, 3); err != nil { // the counter now holds 2 + 3
		t.Fatal(err)
	}

	for _, b := range []float64{9, 0} { // replicas (or restarts) whose store says otherwise
		later := limits.NewRedis(newRedisClient(t), prefix, clock.Now, limits.WithSpendBase(base(b)))
		if _, _, ref, err := later.Reserve(ctx, r(5.5)); err != nil || ref == nil || ref.Limit != limits.LimitBudget {
			t.Fatalf("base %v: a call over the counter's 5 of 10 left: %v, %v; want refused", b, ref, err)
		}
		res, _, ref, err := later.Reserve(ctx, r(5))
		if err != nil || ref != nil {
			t.Fatalf("base %v: a call within the counter's 5 of 10 left: %v, %v; want admitted", b, ref, err)
		}
		if err := res.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
