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

//go:embed authfail.lua
var authFailLua string

// redisAuth shares failure counts and bans between replicas. Fail is one Lua script (atomic, no
// read-then-write); Banned is one GET. A client's keys are "{prefix}:af:f:<ip>" (a sorted set of
// at most MaxFailures-1 failure times, expiring after Window) and "{prefix}:af:b:<ip>" (the ban's
// end, expiring after Ban); all keys share the "{prefix}" hash slot under Redis Cluster.
type redisAuth struct {
	c      redis.UniversalClient
	prefix string
	p      authPolicy
	now    func() time.Time
	id     string // this instance, in failure members
	seq    atomic.Uint64
	closed atomic.Bool
	fail   *redis.Script
}

// NewRedisAuthFailures returns an AuthFailures keeping its counts in Redis under keys starting
// "{prefix}:af:", so replicas on one Redis share them. now is its clock (nil means time.Now);
// keep replicas' clocks in sync (NTP). p.MaxTracked is ignored. The client stays the caller's to close.
func NewRedisAuthFailures(c redis.UniversalClient, prefix string, p AuthFailPolicy, now func() time.Time) AuthFailures {
	if now == nil {
		now = time.Now
	}
	var id [6]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	return &redisAuth{
		c:      c,
		prefix: "{" + prefix + "}:af:",
		p:      p.normalise(),
		now:    now,
		id:     hex.EncodeToString(id[:]) + ":",
		fail:   redis.NewScript(authFailLua),
	}
}

func (r *redisAuth) Banned(ctx context.Context, ip string) (time.Duration, bool, error) {
	if err := r.usable(ip); err != nil {
		return 0, false, err
	}
	v, err := r.c.Get(ctx, r.prefix+"b:"+ip).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, r.wrap(ctx, "banned", err)
	}
	until, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%w: banned: malformed ban value", ErrUnavailable)
	}
	if nowMs := r.now().UnixMilli(); nowMs < until {
		return time.Duration(until-nowMs) * time.Millisecond, true, nil
	}
	return 0, false, nil
}

func (r *redisAuth) Fail(ctx context.Context, ip string) (bool, error) {
	if err := r.usable(ip); err != nil {
		return false, err
	}
	member := r.id + strconv.FormatUint(r.seq.Add(1), 36)
	keys := []string{r.prefix + "f:" + ip, r.prefix + "b:" + ip}
	vals, err := r.fail.Run(ctx, r.c, keys, r.now().UnixMilli(), r.p.windowMs, r.p.max, r.p.banMs, member).Int64Slice()
	if err != nil {
		return false, r.wrap(ctx, "fail", err)
	}
	if len(vals) != 2 {
		return false, fmt.Errorf("%w: fail script returned %d values, want 2", ErrUnavailable, len(vals))
	}
	return vals[0] == 1, nil
}

func (r *redisAuth) usable(ip string) error {
	if r.closed.Load() {
		return ErrClosed
	}
	return checkAuthKey(ip)
}

// wrap wraps a backend error as ErrUnavailable, but leaves the caller's own cancellation as it is.
func (r *redisAuth) wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: auth failures: %s: %w", ErrUnavailable, op, err)
}

func (r *redisAuth) Close() error {
	r.closed.Store(true)
	return nil
}
