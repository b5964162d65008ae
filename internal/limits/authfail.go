package limits

import (
	"context"
	"fmt"
	"time"
)

// Defaults and bounds of AuthFailPolicy.
const (
	DefaultAuthMaxFailures = 10
	DefaultAuthWindow      = time.Minute
	DefaultAuthBan         = 5 * time.Minute
	DefaultAuthMaxTracked  = 100_000
	// MaxAuthFailures caps AuthFailPolicy.MaxFailures: the memory backend keeps one timestamp per
	// counted failure, the Redis one a sorted-set member.
	MaxAuthFailures = 1000
	// maxAuthKey bounds the client key in bytes; ClientKey returns at most 24.
	maxAuthKey = 64
)

// AuthFailPolicy says when a client is banned: MaxFailures bad credentials within any rolling
// Window ban it for Ban. Zero or negative fields take their defaults; MaxFailures above
// MaxAuthFailures counts as MaxAuthFailures; durations are rounded up to whole milliseconds.
type AuthFailPolicy struct {
	MaxFailures int           // default 10
	Window      time.Duration // default 1m
	Ban         time.Duration // default 5m
	// MaxTracked bounds how many clients the memory backend remembers (default 100,000: a few
	// hundred bytes each with the default MaxFailures). Redis ignores it: its keys expire instead.
	MaxTracked int
}

// AuthFailures is a fail2ban-like limiter for bad credentials, keyed by client (use ClientKey).
// It counts failures only: a successful login does not reset the count, so an attacker who holds
// one valid credential cannot interleave it with guesses to keep guessing. A banned client's
// further failures are neither counted nor extend its ban, so a ban ends Ban after it began;
// the failures counted before it are forgotten when it starts.
//
// Both methods return an error wrapping ErrInvalid for an empty ip or one over 64 bytes,
// ErrClosed after Close, and (Redis) one wrapping ErrUnavailable when the backend cannot be
// reached: refuse the login then (fail closed) unless configured otherwise.
type AuthFailures interface {
	// Banned reports whether client ip is banned and for how much longer. Call it before
	// authenticating and answer 429 with Retry-After when banned.
	Banned(ctx context.Context, ip string) (retryAfter time.Duration, banned bool, err error)
	// Fail counts one bad credential from ip; banned is true when ip is banned afterwards
	// (by this failure or an earlier one).
	Fail(ctx context.Context, ip string) (banned bool, err error)
	Close() error
}

// authPolicy is a normalised AuthFailPolicy in the units the backends count in.
type authPolicy struct {
	max      int
	windowMs int64
	banMs    int64
	tracked  int
}

func (p AuthFailPolicy) normalise() authPolicy {
	n := authPolicy{max: p.MaxFailures, windowMs: ceilMs(p.Window), banMs: ceilMs(p.Ban), tracked: p.MaxTracked}
	if n.max <= 0 {
		n.max = DefaultAuthMaxFailures
	}
	n.max = min(n.max, MaxAuthFailures)
	if n.windowMs <= 0 {
		n.windowMs = DefaultAuthWindow.Milliseconds()
	}
	if n.banMs <= 0 {
		n.banMs = DefaultAuthBan.Milliseconds()
	}
	if n.tracked <= 0 {
		n.tracked = DefaultAuthMaxTracked
	}
	return n
}

// ceilMs returns d in whole milliseconds, rounded up; 0 for d <= 0.
func ceilMs(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// checkAuthKey rejects a client key that is empty or longer than maxAuthKey.
func checkAuthKey(ip string) error {
	if ip == "" || len(ip) > maxAuthKey {
		return fmt.Errorf("%w: client key must be 1 to %d bytes, got %d", ErrInvalid, maxAuthKey, len(ip))
	}
	return nil
}
