package limits

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Bounds on a Request, so that one call cannot make the limiter do unbounded work.
const (
	MaxRules     = 32  // rules per request
	maxLevelLen  = 32  // bytes in Scope.Level
	MaxScopeID   = 256 // bytes in Scope.ID
	maxExact     = 1<<53 - 1
	unitsPerCash = 1e9 // money is counted in integer billionths, exact in Lua's doubles up to ~9 million
)

// Window geometry shared by both backends: RPM and TPM count usage in 1 s buckets and admit a
// request when the buckets of the last 61 s (the current one and 60 whole ones before it) plus
// the request stay within the limit. Any rolling 60 s therefore holds at most the limit; the
// price is that usage is forgotten up to 1 s late.
const (
	bucketMs      = 1000
	windowBuckets = 61
	parallelRetry = time.Second // a hint: when a slot frees is unknowable
)

// kind is one kind of counter; checks of one rule come in this order.
type kind uint8

const (
	kindRequests kind = iota
	kindTokens
	kindParallel
	kindBudget
	kindTokensBudget
)

var limitNames = [...]string{LimitRPM, LimitTPM, LimitParallel, LimitBudget, LimitTokensBudget}

// check is one counter a request must pass.
type check struct {
	scope  Scope
	rule   int
	kind   kind
	limit  int64  // in the counter's units (money in billionths)
	amount int64  // what the request adds
	period Period // budgets: the rule's period
	start  int64  // budget period start, Unix ms (0 for lifetime)
	end    int64  // budget period end, Unix ms (0 for lifetime)
	base   int64  // budgets: what a new counter starts from (see WithSpendBase)
}

// outcome is a backend's verdict on one check, made before anything was reserved.
type outcome struct {
	used   int64         // counted before this request
	ok     bool          // used + amount fits the limit
	retry  time.Duration // when refused: until it would fit
	newest int64         // windows: newest bucket holding usage before this request, -1 if none
}

// plan validates r and lists its checks at time now.
func plan(r Request, now time.Time) ([]check, error) {
	if len(r.Rules) > MaxRules {
		return nil, fmt.Errorf("%w: %d rules, more than %d", ErrInvalid, len(r.Rules), MaxRules)
	}
	if r.Tokens < 0 || r.Cost < 0 || math.IsNaN(r.Cost) || math.IsInf(r.Cost, 0) {
		return nil, fmt.Errorf("%w: tokens and cost must be finite and >= 0", ErrInvalid)
	}
	tokens, cost := min(r.Tokens, maxExact), cashUnits(r.Cost)
	n := 0 // exactly the checks the rules make, so the slice never grows
	for _, rule := range r.Rules {
		for _, on := range [...]bool{rule.RPM > 0, rule.TPM > 0, rule.MaxParallel > 0, rule.HasBudget, rule.TokensBudget > 0} {
			if on {
				n++
			}
		}
	}
	checks := make([]check, 0, n)
	for i, rule := range r.Rules {
		if err := validRule(rule); err != nil {
			return nil, err
		}
		for _, prev := range r.Rules[:i] {
			if prev.Scope == rule.Scope {
				return nil, fmt.Errorf("%w: scope %s %q appears twice", ErrInvalid, rule.Scope.Level, trim(rule.Scope.ID))
			}
		}
		add := func(k kind, limit, amount int64) {
			checks = append(checks, check{scope: rule.Scope, rule: i, kind: k, limit: min(limit, maxExact), amount: amount})
		}
		if rule.RPM > 0 {
			add(kindRequests, rule.RPM, 1)
		}
		if rule.TPM > 0 {
			add(kindTokens, rule.TPM, tokens)
		}
		if rule.MaxParallel > 0 {
			add(kindParallel, rule.MaxParallel, 1)
		}
		var start, end int64
		if !rule.Period.IsZero() {
			s, e := rule.Period.Bounds(now)
			start, end = s.UnixMilli(), e.UnixMilli()
		}
		if rule.HasBudget {
			add(kindBudget, cashUnits(rule.Budget), cost)
			last := &checks[len(checks)-1]
			last.period, last.start, last.end = rule.Period, start, end
		}
		if rule.TokensBudget > 0 {
			add(kindTokensBudget, rule.TokensBudget, tokens)
			last := &checks[len(checks)-1]
			last.period, last.start, last.end = rule.Period, start, end
		}
	}
	return checks, nil
}

// validRule refuses malformed scopes and negative or non-finite limits.
func validRule(r Rule) error {
	lv := r.Scope.Level
	if lv == "" || len(lv) > maxLevelLen {
		return fmt.Errorf("%w: scope level must be 1 to %d bytes", ErrInvalid, maxLevelLen)
	}
	for i := 0; i < len(lv); i++ {
		if c := lv[i]; (c < 'a' || c > 'z') && c != '_' {
			return fmt.Errorf("%w: scope level %q: only a-z and _ allowed", ErrInvalid, trim(lv))
		}
	}
	if len(r.Scope.ID) > MaxScopeID {
		return fmt.Errorf("%w: scope id longer than %d bytes", ErrInvalid, MaxScopeID)
	}
	if r.RPM < 0 || r.TPM < 0 || r.MaxParallel < 0 || r.TokensBudget < 0 {
		return fmt.Errorf("%w: %s %q: limits must not be negative", ErrInvalid, lv, trim(r.Scope.ID))
	}
	if r.Budget < 0 || math.IsNaN(r.Budget) || math.IsInf(r.Budget, 0) {
		return fmt.Errorf("%w: %s %q: budget must be finite and >= 0", ErrInvalid, lv, trim(r.Scope.ID))
	}
	return nil
}

// cashUnits converts money to integer billionths, clamped to [0, maxExact]; NaN counts as 0.
func cashUnits(x float64) int64 {
	if !(x > 0) {
		return 0
	}
	if u := math.Round(x * unitsPerCash); u < maxExact {
		return int64(u)
	}
	return maxExact
}

// sanitizeUsage makes Settle's arguments safe: negative and NaN become 0, huge values are clamped.
func sanitizeUsage(tokens int64, cost float64) (int64, int64) {
	return min(max(tokens, 0), maxExact), cashUnits(cost)
}

// windowRetry returns when enough of a window's usage leaves it for amount to fit. counts holds
// the bucket counts from oldest (cur-60) to newest (cur).
func windowRetry(counts *[windowBuckets]int64, cur, nowMs, used, amount, limit int64) time.Duration {
	if amount > limit {
		return 0
	}
	need, freed := used+amount-limit, int64(0)
	for i, c := range counts {
		freed += c
		if freed >= need {
			return time.Duration((cur-60+int64(i)+windowBuckets)*bucketMs-nowMs) * time.Millisecond
		}
	}
	return time.Duration((cur+windowBuckets)*bucketMs-nowMs) * time.Millisecond
}

// decide turns the backend's outcomes into the refusal (nil when every check passed) and the
// header status.
func decide(r Request, checks []check, outs []outcome, nowMs int64) (*Refusal, Status) {
	admitted, worst := true, -1
	for i, o := range outs {
		if !o.ok {
			admitted = false
			if worst < 0 || later(o.retry, outs[worst].retry) {
				worst = i
			}
		}
	}
	var st Status
	reqBest, tokBest := int64(-1), int64(-1)
	for i, c := range checks {
		if c.kind != kindRequests && c.kind != kindTokens {
			continue
		}
		o := outs[i]
		rem, newest := c.limit-o.used, o.newest
		if admitted {
			rem -= c.amount
			newest = nowMs / bucketMs
		}
		rem = max(rem, 0)
		var reset time.Duration
		if newest >= 0 {
			reset = time.Duration((newest+windowBuckets)*bucketMs-nowMs) * time.Millisecond
		}
		if c.kind == kindRequests && (reqBest < 0 || rem < reqBest) {
			reqBest, st.LimitRequests, st.RemainingRequests, st.ResetRequests = rem, c.limit, rem, reset
		}
		if c.kind == kindTokens && (tokBest < 0 || rem < tokBest) {
			tokBest, st.LimitTokens, st.RemainingTokens, st.ResetTokens = rem, c.limit, rem, reset
		}
	}
	if admitted {
		return nil, st
	}
	c := checks[worst]
	rule := r.Rules[c.rule]
	return &Refusal{Rule: rule, Limit: limitNames[c.kind], RetryAfter: outs[worst].retry, Message: message(rule, c)}, st
}

// later reports whether retry a frees up after b; 0 means never.
func later(a, b time.Duration) bool {
	return b != 0 && (a == 0 || a > b)
}

// message explains a refusal without secrets: scope ids are public ids or names.
func message(r Rule, c check) string {
	who := r.Scope.Level + " " + strconv.Quote(trim(r.Scope.ID))
	name := limitNames[c.kind]
	switch c.kind {
	case kindRequests:
		return fmt.Sprintf("%s: %s of %d requests per minute reached", who, name, c.limit)
	case kindTokens:
		if c.amount > c.limit {
			return fmt.Sprintf("%s: the request needs an estimated %d tokens, more than the %s of %d per minute", who, c.amount, name, c.limit)
		}
		return fmt.Sprintf("%s: %s of %d tokens per minute reached", who, name, c.limit)
	case kindParallel:
		return fmt.Sprintf("%s: %s of %d reached", who, name, c.limit)
	}
	limit := strconv.FormatInt(c.limit, 10)
	if c.kind == kindBudget {
		limit = strconv.FormatFloat(float64(c.limit)/unitsPerCash, 'f', -1, 64)
	}
	msg := fmt.Sprintf("%s: %s of %s reached", who, name, limit)
	if c.amount > c.limit {
		msg = fmt.Sprintf("%s: the request's estimate is larger than the whole %s of %s", who, name, limit)
	}
	if c.end != 0 {
		msg += "; the period resets at " + time.UnixMilli(c.end).UTC().Format(time.RFC3339)
	}
	return msg
}

// budgetRetry is how long until a refused budget could admit: the period's end, or never.
func budgetRetry(c check, nowMs int64) time.Duration {
	if c.end == 0 || c.amount > c.limit {
		return 0
	}
	return time.Duration(c.end-nowMs) * time.Millisecond
}
