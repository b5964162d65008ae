package limits

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed reserve.lua
	reserveLua string
	//go:embed settle.lua
	settleLua string
)

// Defaults of the Redis backend.
const (
	// DefaultLeaseTTL is how long a parallel slot stays held without Settle or Release: the
	// slot of a replica that crashed mid-call frees itself after this. Calls that run longer
	// stop counting against max_parallel_requests, so keep upstream timeouts below it.
	DefaultLeaseTTL = 15 * time.Minute
	// budgetGrace keeps a budget counter this long after its period ends, for late settles.
	budgetGrace = time.Hour
	// lifetimeIdleTTL drops a lifetime budget counter idle this long; the store keeps the spend of record.
	lifetimeIdleTTL = 35 * 24 * time.Hour
)

// redisLimiter shares counts between replicas: each Reserve and each Settle is one Lua script
// (EVALSHA, EVAL on NOSCRIPT), so checks and reservations are atomic with no read-then-write.
// Every key starts with "{prefix}:", so under Redis Cluster all of them live in one hash slot.
type redisLimiter struct {
	c      redis.UniversalClient
	prefix string
	now    func() time.Time
	lease  time.Duration
	seed   *seeder // nil: budgets start from zero
	id     string  // this instance, in lease members
	seq    atomic.Uint64
	closed atomic.Bool

	reserve, settle *redis.Script
}

// NewRedis returns a limiter keeping its counts in Redis under keys starting "{prefix}:".
// now is its clock (nil means time.Now); replicas should keep their clocks in sync (NTP):
// skew blurs windows and period edges by as much. The client stays the caller's to close.
func NewRedis(c redis.UniversalClient, prefix string, now func() time.Time, opts ...Option) Limiter {
	if now == nil {
		now = time.Now
	}
	o := buildOptions(opts)
	var id [6]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	return &redisLimiter{
		c:       c,
		prefix:  "{" + prefix + "}:",
		now:     now,
		lease:   o.lease,
		seed:    newSeeder(o.spendBase),
		id:      hex.EncodeToString(id[:]) + ":",
		reserve: redis.NewScript(reserveLua),
		settle:  redis.NewScript(settleLua),
	}
}

var kindCodes = [...]string{"r", "t", "p", "b", "k"}

// key names the counter of check c.
func (l *redisLimiter) key(c check) string {
	s := c.scope.Level + ":" + c.scope.ID
	switch c.kind {
	case kindRequests, kindTokens:
		return l.prefix + "w" + kindCodes[c.kind] + ":" + s
	case kindParallel:
		return l.prefix + "p:" + s
	}
	return l.prefix + kindCodes[c.kind] + ":" + c.period.String() + ":" + strconv.FormatInt(c.start, 10) + ":" + s
}

func (l *redisLimiter) Reserve(ctx context.Context, r Request) (Reservation, Status, *Refusal, error) {
	if l.closed.Load() {
		return nil, Status{}, nil, ErrClosed
	}
	now := l.now()
	checks, err := plan(r, now)
	if err != nil {
		return nil, Status{}, nil, err
	}
	nowMs := now.UnixMilli()
	res := &redisReservation{l: l, checks: checks, bucket: nowMs / bucketMs}
	if len(checks) == 0 {
		return res, Status{}, nil, nil
	}
	if err := l.seed.fill(ctx, checks, nowMs); err != nil {
		return nil, Status{}, nil, err
	}
	res.member = l.id + strconv.FormatUint(l.seq.Add(1), 36)
	keys := make([]string, len(checks))
	args := make([]any, 5, 5+5*len(checks))
	args[0], args[1], args[2], args[3], args[4] = nowMs, res.member, l.lease.Milliseconds(), budgetGrace.Milliseconds(), lifetimeIdleTTL.Milliseconds()
	for i, c := range checks {
		keys[i] = l.key(c)
		args = append(args, kindCodes[c.kind], c.limit, c.amount, c.end, c.base)
	}
	vals, err := l.reserve.Run(ctx, l.c, keys, args...).Int64Slice()
	if err != nil {
		return nil, Status{}, nil, l.fail(ctx, "reserve", err)
	}
	if len(vals) != 1+4*len(checks) {
		return nil, Status{}, nil, fmt.Errorf("%w: reserve script returned %d values, want %d", ErrUnavailable, len(vals), 1+4*len(checks))
	}
	outs := make([]outcome, len(checks))
	for i := range outs {
		v := vals[1+4*i:]
		outs[i] = outcome{used: v[0], ok: v[1] == 1, retry: time.Duration(v[2]) * time.Millisecond, newest: v[3]}
	}
	refusal, st := decide(r, checks, outs, nowMs)
	if refusal != nil {
		return nil, st, refusal, nil
	}
	res.keys = keys
	return res, st, nil, nil
}

// fail wraps a backend error as ErrUnavailable, but leaves the caller's own cancellation as it is.
func (l *redisLimiter) fail(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

func (l *redisLimiter) Close() error {
	l.closed.Store(true)
	return nil
}

type redisReservation struct {
	l      *redisLimiter
	checks []check
	keys   []string
	member string
	bucket int64
	done   atomic.Bool
}

func (r *redisReservation) Settle(ctx context.Context, usedTokens int64, usedCost float64) error {
	tokens, cost := sanitizeUsage(usedTokens, usedCost)
	return r.finish(ctx, false, tokens, cost)
}

func (r *redisReservation) Release(ctx context.Context) error {
	return r.finish(ctx, true, 0, 0)
}

// finish runs the settle script once. When Redis cannot be reached the reservation still
// counts as finished: its window entries age out, its parallel lease expires, and its budget
// reservation stays held until the period's counter expires (never an overspend).
func (r *redisReservation) finish(ctx context.Context, release bool, tokens, cost int64) error {
	if !r.done.CompareAndSwap(false, true) {
		return ErrDone
	}
	if len(r.checks) == 0 {
		return nil
	}
	keys := make([]string, 0, len(r.checks))
	args := make([]any, 3, 3+4*len(r.checks))
	args[0], args[1], args[2] = r.l.now().UnixMilli(), r.member, lifetimeIdleTTL.Milliseconds()
	for i, c := range r.checks {
		var x, y int64
		switch c.kind {
		case kindRequests:
			if !release {
				continue
			}
			x, y = r.bucket, -c.amount
		case kindTokens:
			x, y = r.bucket, tokens-c.amount
			if release {
				y = -c.amount
			}
		case kindBudget:
			x, y = -c.amount, cost
		case kindTokensBudget:
			x, y = -c.amount, tokens
		}
		keys = append(keys, r.keys[i])
		args = append(args, kindCodes[c.kind], x, y, c.end)
	}
	if len(keys) == 0 {
		return nil
	}
	if err := r.l.settle.Run(ctx, r.l.c, keys, args...).Err(); err != nil {
		return r.l.fail(ctx, "settle", err)
	}
	return nil
}
