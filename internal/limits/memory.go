package limits

import (
	"context"
	"sync"
	"time"
)

// sweepEveryMs is how often (by the limiter's clock) the memory backend drops idle counters:
// windows with no usage in the last 61 s, budgets of ended periods, parallel counters at zero.
// Lifetime budgets are kept while they hold spend: dropping them would forget it.
const sweepEveryMs = 60_000

// memory is the single-node backend: one mutex makes every multi-rule decision atomic.
type memory struct {
	now  func() time.Time
	seed *seeder // nil: budgets start from zero

	mu        sync.Mutex
	windows   map[counterKey]*window
	parallel  map[Scope]*inflight
	budgets   map[budgetKey]*budget
	nextSweep int64
	closed    bool
}

type counterKey struct {
	scope Scope
	kind  kind
}

type budgetKey struct {
	scope  Scope
	kind   kind
	period Period
	start  int64
}

// window is a ring of 1 s buckets; idx says which bucket a slot holds. total is the sum of the
// buckets head-60..head, kept up to date as head moves, so admitting needs no scan.
type window struct {
	idx   [windowBuckets]int64
	n     [windowBuckets]int64
	total int64
	head  int64 // newest bucket seen
}

type inflight struct{ n int64 }

type budget struct{ spent, reserved, end int64 }

// NewMemory returns the in-process limiter; now is its clock (nil means time.Now).
func NewMemory(now func() time.Time, opts ...Option) Limiter {
	if now == nil {
		now = time.Now
	}
	o := buildOptions(opts)
	return &memory{
		now:      now,
		seed:     newSeeder(o.spendBase),
		windows:  make(map[counterKey]*window),
		parallel: make(map[Scope]*inflight),
		budgets:  make(map[budgetKey]*budget),
	}
}

func newWindow(cur int64) *window {
	w := &window{head: cur}
	for i := range w.idx {
		w.idx[i] = -1
	}
	return w
}

// advance moves the window to bucket cur, dropping the buckets that left it. A clock that went
// back leaves head where it was: usage is then counted longer, never shorter.
func (w *window) advance(cur int64) {
	if cur <= w.head {
		return
	}
	if cur-w.head >= windowBuckets {
		w.total = 0
	} else {
		for b := w.head - (windowBuckets - 1); b < cur-(windowBuckets-1); b++ {
			if s := mod(b, windowBuckets); w.idx[s] == b {
				w.total -= w.n[s]
				w.idx[s], w.n[s] = -1, 0
			}
		}
	}
	w.head = cur
}

// counts returns the buckets cur-60..cur, oldest first, and the newest non-empty one (-1 if none).
func (w *window) counts(cur int64) (counts [windowBuckets]int64, newest int64) {
	newest = -1
	for j := range counts {
		b := cur - (windowBuckets - 1) + int64(j)
		if s := mod(b, windowBuckets); w.idx[s] == b && w.n[s] != 0 {
			counts[j], newest = w.n[s], b
		}
	}
	return counts, newest
}

// add changes bucket b by delta when b is still inside the window; counts never go below 0.
func (w *window) add(b, delta, cur int64) {
	w.advance(cur)
	if b <= w.head-windowBuckets || b > w.head {
		return
	}
	s := mod(b, windowBuckets)
	if w.idx[s] != b {
		if delta < 0 {
			return
		}
		w.idx[s], w.n[s] = b, 0
	}
	old := w.n[s]
	w.n[s] = max(old+delta, 0)
	w.total += w.n[s] - old
}

func (m *memory) Reserve(ctx context.Context, r Request) (Reservation, Status, *Refusal, error) {
	if err := ctx.Err(); err != nil {
		return nil, Status{}, nil, err
	}
	now := m.now()
	checks, err := plan(r, now)
	if err != nil {
		return nil, Status{}, nil, err
	}
	nowMs := now.UnixMilli()
	if err := m.seed.fill(ctx, checks, nowMs); err != nil {
		return nil, Status{}, nil, err
	}
	cur := nowMs / bucketMs
	outs := make([]outcome, len(checks))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, Status{}, nil, ErrClosed
	}
	m.sweep(nowMs)
	refused := false
	for i, c := range checks {
		outs[i] = m.evaluate(c, cur, nowMs)
		refused = refused || !outs[i].ok
	}
	if refused { // the status then reports the windows as they are
		for i, c := range checks {
			if w := m.windows[counterKey{c.scope, c.kind}]; w != nil && outs[i].ok && (c.kind == kindRequests || c.kind == kindTokens) {
				_, outs[i].newest = w.counts(cur)
			}
		}
	}
	refusal, st := decide(r, checks, outs, nowMs)
	if refusal != nil {
		return nil, st, refusal, nil
	}
	res := &memReservation{m: m, held: make([]held, len(checks))}
	for i, c := range checks {
		res.held[i] = m.apply(c, cur)
	}
	return res, st, nil, nil
}

// evaluate judges one check without changing anything.
func (m *memory) evaluate(c check, cur, nowMs int64) outcome {
	o := outcome{newest: -1}
	switch c.kind {
	case kindRequests, kindTokens:
		w := m.windows[counterKey{c.scope, c.kind}]
		if w != nil {
			w.advance(cur)
			o.used = w.total
		}
		if o.ok = o.used+c.amount <= c.limit; !o.ok {
			var counts [windowBuckets]int64
			if w != nil {
				counts, o.newest = w.counts(cur)
			}
			o.retry = windowRetry(&counts, cur, nowMs, o.used, c.amount, c.limit)
		}
	case kindParallel:
		if p := m.parallel[c.scope]; p != nil {
			o.used = p.n
		}
		if o.ok = o.used+1 <= c.limit; !o.ok {
			o.retry = parallelRetry
		}
	default:
		o.used = c.base
		if b := m.budgets[budgetKey{c.scope, c.kind, c.period, c.start}]; b != nil {
			o.used = b.spent + b.reserved
		}
		if o.ok = o.used+c.amount <= c.limit; !o.ok {
			o.retry = budgetRetry(c, nowMs)
		}
	}
	return o
}

// apply reserves one check, creating its counter if needed.
func (m *memory) apply(c check, cur int64) held {
	h := held{kind: c.kind, amount: c.amount, bucket: cur}
	switch c.kind {
	case kindRequests, kindTokens:
		k := counterKey{c.scope, c.kind}
		if h.w = m.windows[k]; h.w == nil {
			h.w = newWindow(cur)
			m.windows[k] = h.w
		}
		h.w.add(cur, c.amount, cur)
	case kindParallel:
		s := c.scope
		if h.p = m.parallel[s]; h.p == nil {
			h.p = &inflight{}
			m.parallel[s] = h.p
		}
		h.p.n++
	default:
		k := budgetKey{c.scope, c.kind, c.period, c.start}
		if h.b = m.budgets[k]; h.b == nil {
			h.b = &budget{spent: c.base, end: c.end}
			m.budgets[k] = h.b
		}
		h.b.reserved += c.amount
	}
	return h
}

// sweep drops idle counters at most once per sweepEveryMs.
func (m *memory) sweep(nowMs int64) {
	if nowMs < m.nextSweep {
		return
	}
	m.nextSweep = nowMs + sweepEveryMs
	cur := nowMs / bucketMs
	for k, w := range m.windows {
		if w.advance(cur); w.total == 0 {
			delete(m.windows, k)
		}
	}
	for k, p := range m.parallel {
		if p.n <= 0 {
			delete(m.parallel, k)
		}
	}
	for k, b := range m.budgets {
		if (b.end != 0 && b.end <= nowMs) || (b.end == 0 && b.spent == 0 && b.reserved == 0) {
			delete(m.budgets, k)
		}
	}
}

func (m *memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	clear(m.windows)
	clear(m.parallel)
	clear(m.budgets)
	return nil
}

// held is one reserved check and the counter it lives in. A counter swept away meanwhile is
// simply no longer in the maps; changing it then has no effect.
type held struct {
	kind   kind
	amount int64
	bucket int64
	w      *window
	p      *inflight
	b      *budget
}

type memReservation struct {
	m    *memory
	held []held
	done bool // under m.mu
}

func (r *memReservation) Settle(ctx context.Context, usedTokens int64, usedCost float64) error {
	tokens, cost := sanitizeUsage(usedTokens, usedCost)
	return r.finish(func(h *held, cur int64) {
		switch h.kind {
		case kindTokens:
			h.w.add(h.bucket, tokens-h.amount, cur)
		case kindBudget:
			h.b.reserved -= h.amount
			h.b.spent += cost
		case kindTokensBudget:
			h.b.reserved -= h.amount
			h.b.spent += tokens
		}
	})
}

func (r *memReservation) Release(ctx context.Context) error {
	return r.finish(func(h *held, cur int64) {
		switch h.kind {
		case kindRequests, kindTokens:
			h.w.add(h.bucket, -h.amount, cur)
		case kindBudget, kindTokensBudget:
			h.b.reserved -= h.amount
		}
	})
}

// finish runs f on every held check once and frees the parallel slots.
func (r *memReservation) finish(f func(h *held, cur int64)) error {
	cur := r.m.now().UnixMilli() / bucketMs
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	if r.done {
		return ErrDone
	}
	r.done = true
	for i := range r.held {
		h := &r.held[i]
		if h.kind == kindParallel {
			h.p.n--
			continue
		}
		f(h, cur)
	}
	return nil
}
