package limits

import (
	"context"
	"errors"
	"sync/atomic"
)

// FailMode says what to do when the limiter backend cannot be reached.
type FailMode int

const (
	// FailClosed refuses: Reserve returns the ErrUnavailable error (answer 503). The default.
	FailClosed FailMode = iota
	// FailOpen admits the request unchecked and reports the error to onOpen (log it, count it).
	FailOpen
)

// WithFailMode wraps l so that backend errors (ErrUnavailable) are handled by m. Invalid
// requests, a closed limiter and the caller's cancelled context are returned as errors in
// both modes: failing open must never turn a caller bug into a free pass.
func WithFailMode(l Limiter, m FailMode, onOpen func(error)) Limiter {
	if m != FailOpen {
		return l
	}
	return &failOpen{Limiter: l, onOpen: onOpen}
}

type failOpen struct {
	Limiter
	onOpen func(error)
}

func (f *failOpen) Reserve(ctx context.Context, r Request) (Reservation, Status, *Refusal, error) {
	res, st, ref, err := f.Limiter.Reserve(ctx, r)
	if err == nil || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
		return res, st, ref, err
	}
	if f.onOpen != nil {
		f.onOpen(err)
	}
	return &unchecked{}, Status{}, nil, nil
}

// unchecked is the reservation of a request admitted without a check: nothing to settle.
type unchecked struct{ done atomic.Bool }

func (u *unchecked) Settle(context.Context, int64, float64) error { return u.finish() }
func (u *unchecked) Release(context.Context) error                { return u.finish() }

func (u *unchecked) finish() error {
	if !u.done.CompareAndSwap(false, true) {
		return ErrDone
	}
	return nil
}
