// Package limits enforces RPM, TPM, parallel-request and budget limits with atomic multi-rule reservations.
package limits

import (
	"context"
	"errors"
	"time"
)

// Scope names what a rule counts against: Level is "key", "user", "team", "model" or "global"
// (any lowercase word of letters and '_' is accepted), ID the key id, user id, team id or model name.
type Scope struct {
	Level string
	ID    string
}

// Rule is one set of limits at one scope. A zero field means no limit of that kind.
type Rule struct {
	Scope        Scope
	RPM          int64   // requests per rolling 60 s
	TPM          int64   // tokens per rolling 60 s
	MaxParallel  int64   // requests in flight
	Budget       float64 // money per Period; enforced only when HasBudget (so 0 can mean "nothing")
	HasBudget    bool
	TokensBudget int64  // tokens per Period
	Period       Period // budget period; the zero Period never resets
}

// Request is what one call asks every rule for.
type Request struct {
	Rules  []Rule
	Tokens int64   // estimated tokens: prompt plus the maximum output
	Cost   float64 // estimated cost of those tokens
}

// Reservation holds what an admitted request reserved. Exactly one of Settle and Release takes
// effect; later calls return ErrDone and change nothing, so `defer r.Release(ctx)` is safe.
type Reservation interface {
	// Settle charges the real usage (which may exceed the estimate: it is charged in full, never
	// refused after the fact), refunds the rest of the estimate and frees the parallel slot.
	// Negative or NaN values count as 0.
	Settle(ctx context.Context, usedTokens int64, usedCost float64) error
	// Release refunds everything, the request itself included, and frees the parallel slot; for
	// calls that failed before the backend produced any token.
	Release(ctx context.Context) error
}

// Refusal says which limit refused a request. When several refuse, it names the one that
// frees up last (the largest RetryAfter, where 0 means never), the first in request order on a tie.
type Refusal struct {
	Rule       Rule
	Limit      string        // LimitRPM, LimitTPM, LimitParallel, LimitBudget or LimitTokensBudget
	RetryAfter time.Duration // 0 when waiting will not help (a lifetime budget, a request over the whole limit)
	Message    string        // safe to show to the caller
}

// Limit names, as in the configuration and the management API.
const (
	LimitRPM          = "rpm_limit"
	LimitTPM          = "tpm_limit"
	LimitParallel     = "max_parallel_requests"
	LimitBudget       = "max_budget"
	LimitTokensBudget = "max_tokens_budget"
)

// Status feeds the x-ratelimit-* headers, from the rule with the fewest remaining requests
// (and, separately, tokens). A zero LimitRequests or LimitTokens means no such rule applied.
type Status struct {
	LimitRequests, RemainingRequests int64
	ResetRequests                    time.Duration // until every counted request has left the window
	LimitTokens, RemainingTokens     int64
	ResetTokens                      time.Duration
}

// Limiter decides whether requests may run and keeps the counts.
type Limiter interface {
	// Reserve reserves the request at every rule, or at none. It returns a Reservation when every
	// rule admits, a Refusal when one does not, and an error when the decision could not be made
	// (ErrUnavailable: backend down; ErrInvalid: a malformed request).
	Reserve(ctx context.Context, r Request) (Reservation, Status, *Refusal, error)
	Close() error
}

var (
	// ErrUnavailable wraps every error of an unreachable or failing backend.
	ErrUnavailable = errors.New("limits: limiter backend unavailable")
	// ErrInvalid wraps every error about a malformed Request or Period.
	ErrInvalid = errors.New("limits: invalid")
	// ErrDone is returned by Settle or Release on a reservation already settled or released.
	ErrDone = errors.New("limits: reservation already settled or released")
	// ErrClosed is returned by Reserve after Close.
	ErrClosed = errors.New("limits: limiter closed")
)
