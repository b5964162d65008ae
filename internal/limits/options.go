package limits

import (
	"context"
	"time"
)

// Option adjusts NewMemory or NewRedis; an option that concerns only one backend is ignored by the other.
type Option func(*options)

// options is what the Options of one limiter set.
type options struct {
	lease     time.Duration // Redis: parallel lease
	spendBase SpendBase     // nil: budgets start from zero
}

func buildOptions(opts []Option) options {
	o := options{lease: DefaultLeaseTTL}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// WithLeaseTTL sets how long a parallel slot is held at most (default DefaultLeaseTTL); Redis only.
func WithLeaseTTL(d time.Duration) Option {
	return func(o *options) {
		if d >= time.Second {
			o.lease = d
		}
	}
}

// SpendBase reports what was already spent at scope from since on (money and tokens); a zero
// since means all time. It is how budgets survive restarts: the store keeps the spend of record.
type SpendBase func(ctx context.Context, scope Scope, since time.Time) (cost float64, tokens int64, err error)

// WithSpendBase makes budget counters start from what f reports instead of from zero. The first
// time this process needs the budget counters of one scope and period (money and tokens together),
// it calls f once with the period's start and keeps the answer until the period ends. The memory
// backend starts its counter from that base; the Redis backend applies it only when the counter
// does not exist in Redis yet (a counter that exists holds the truth), atomically, so replicas
// starting together never add it twice (a counter Redis loses later in this process, by a Redis
// restart or a lifetime counter's 35 idle days, restarts from the base loaded first, which misses
// the spend since). Only periods that start on a UTC day boundary are seeded:
// lifetime budgets (since is the zero Time), "Nd", "Nmo" and hours that make whole days ("48h").
// Other periods ("30s", "15m", "1h", "36h") are not, since spend is kept per UTC day and seeding
// would count spend from before the period began: they start from zero after a restart.
// When f fails, Reserve reserves nothing and returns an error wrapping ErrUnavailable (so
// WithFailMode decides); the next Reserve calls f again. f gets the caller's context and should
// be quick: a budget's first Reserve waits for it.
func WithSpendBase(f SpendBase) Option {
	return func(o *options) { o.spendBase = f }
}
