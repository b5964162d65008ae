package server

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/internal/config"
	"github.com/warden-gw/warden/internal/limits"
)

// buildLimits makes the limiter and the failed-login counter: in memory for one Warden, or in
// Redis (limits.redis_url) so that every replica shares one count.
func (s *Server) buildLimits(cfg *config.Config) error {
	l := cfg.Limits
	a := cfg.AuthFailures
	policy := limits.AuthFailPolicy{MaxFailures: a.MaxFailures, Window: time.Duration(a.Window), Ban: time.Duration(a.Ban)}
	// Budgets start from the spend already in the store, so that a restart spends nothing twice.
	base := limits.WithSpendBase(func(ctx context.Context, sc limits.Scope, since time.Time) (float64, int64, error) {
		return s.store.SpendSince(ctx, sc.Level, sc.ID, since)
	})
	if l.RedisURL == "" {
		s.limiter = limits.NewMemory(time.Now, base)
		if a.MaxFailures > 0 {
			s.authFail = limits.NewMemoryAuthFailures(policy, time.Now)
		}
		return nil
	}
	opts, err := redis.ParseURL(l.RedisURL)
	if err != nil {
		return errors.New("limits.redis_url is not a valid Redis URL") // the URL may hold a password
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, time.Second, time.Second
	s.redis = redis.NewClient(opts)
	prefix := l.RedisPrefix
	if prefix == "" {
		prefix = "warden"
	}
	mode := limits.FailClosed
	if l.FailMode == "fail_open" {
		mode = limits.FailOpen
	}
	s.limiter = limits.WithFailMode(limits.NewRedis(s.redis, prefix, time.Now, base), mode, func(err error) {
		s.log.Warn("limits unavailable; call let through (limits.fail_mode: fail_open)", "err", err)
		s.metrics.LimitsFailedOpen()
	})
	if a.MaxFailures > 0 {
		s.authFail = limits.NewRedisAuthFailures(s.redis, prefix, policy, time.Now)
	}
	return nil
}

// limitsReady reports whether limits can be checked: always with counts in memory or with
// fail_open; with fail_closed only while Redis answers.
func (s *Server) limitsReady(ctx context.Context) bool {
	if s.redis == nil || s.cfg.Limits.FailMode == "fail_open" {
		return true
	}
	return s.redis.Ping(ctx).Err() == nil
}
