package store

import "math"

// Limits are the optional limits and budgets of a key, a user or a team. A nil field is not set.
// The store keeps them; enforcing them is the limiter's job.
type Limits struct {
	MaxBudget           *float64 // money, >= 0
	BudgetDuration      string   // "", or a period such as "1h", "1d", "7d", "30d", "1mo" (validated by the caller)
	RPMLimit            *int64   // requests per minute, >= 0
	TPMLimit            *int64   // tokens per minute, >= 0
	MaxParallelRequests *int64   // >= 0
	MaxTokensBudget     *int64   // tokens per budget period, >= 0
}

// MaxBudgetDurationLen bounds Limits.BudgetDuration.
const MaxBudgetDurationLen = 32

// limitCols are the columns holding Limits, in the order of limitArgs and limitDest.
const limitCols = `max_budget, budget_duration, rpm_limit, tpm_limit, max_parallel_requests, max_tokens_budget`

// limitArgs returns l's values for limitCols; nil pointers become NULL in both drivers.
func limitArgs(l Limits) []any {
	return []any{l.MaxBudget, l.BudgetDuration, l.RPMLimit, l.TPMLimit, l.MaxParallelRequests, l.MaxTokensBudget}
}

// limitDest returns scan destinations for limitCols; NULL scans to a nil pointer in both drivers.
func limitDest(l *Limits) []any {
	return []any{&l.MaxBudget, &l.BudgetDuration, &l.RPMLimit, &l.TPMLimit, &l.MaxParallelRequests, &l.MaxTokensBudget}
}

// checkLimits refuses negative or non-finite values and an oversize or non-UTF-8 duration.
func checkLimits(l Limits) error {
	if b := l.MaxBudget; b != nil && (*b < 0 || math.IsNaN(*b) || math.IsInf(*b, 0)) {
		return invalid("max_budget must be a finite number >= 0")
	}
	if len(l.BudgetDuration) > MaxBudgetDurationLen {
		return invalid("budget_duration is longer than %d bytes", MaxBudgetDurationLen)
	}
	if err := checkText("budget_duration", l.BudgetDuration); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{
		{"rpm_limit", l.RPMLimit}, {"tpm_limit", l.TPMLimit},
		{"max_parallel_requests", l.MaxParallelRequests}, {"max_tokens_budget", l.MaxTokensBudget},
	} {
		if f.v != nil && *f.v < 0 {
			return invalid("%s must not be negative", f.name)
		}
	}
	return nil
}
