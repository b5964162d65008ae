// Package spend batches settled charges and writes them to the store off the hot path.
package spend

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// Writer is where a Recorder writes: store.Store implements it.
type Writer interface {
	AddSpend(ctx context.Context, rows []store.SpendRow) error
}

// Defaults for the zero Options and for Run.
const (
	DefaultMaxPending    = 10000
	DefaultFlushTimeout  = 10 * time.Second
	DefaultFlushInterval = 2 * time.Second
	// syncFlushBackoff is how long Record waits after a failed synchronous flush before it tries another,
	// so that a store outage does not make every call wait on it; Run keeps retrying meanwhile.
	syncFlushBackoff = time.Second
)

// Options configure a Recorder; the zero value takes the defaults.
type Options struct {
	// MaxPending bounds the distinct (day, key, user, team, model) rows held in memory (0 =
	// DefaultMaxPending). A Record that would go past it first flushes synchronously, on the caller's
	// goroutine, bounded by FlushTimeout. If that flush fails the row is kept all the same (a settled
	// charge is never dropped for want of room), the failure is logged and counted, and Record tries
	// no other synchronous flush for a second: while the store is down, memory grows by one row per
	// new (day, key, user, team, model) until a flush succeeds.
	MaxPending int
	// FlushTimeout bounds synchronous flushes, the flushes of Run and its final flush (0 = DefaultFlushTimeout).
	FlushTimeout time.Duration
	// Logger receives flush failures and dropped charges (ids and counts only); nil discards them.
	Logger *slog.Logger
}

// Stats are a Recorder's counters.
type Stats struct {
	Pending     int   // distinct rows waiting for a flush
	Flushed     int64 // rows written (a row merges every charge to one day, key, user, team and model)
	FlushErrors int64 // failed AddSpend calls
	Dropped     int64 // charges recorded after Close, not written
	Invalid     int64 // charges refused by store.CheckSpendRow, not written
}

// rowKey identifies one aggregate: the UTC day (days since 1970-01-01) and the ids.
type rowKey struct {
	day                          int64
	keyID, userID, teamID, model string
}

// Recorder merges settled charges in memory and writes them with one AddSpend per flush. Every charge
// recorded before Close is written exactly once, provided a flush eventually succeeds: a failed flush
// keeps its rows for the next one. (A commit whose outcome the database never reported, the connection
// lost during COMMIT, is retried and may then count twice; AddSpend has no idempotency key.)
// It is safe for concurrent use.
type Recorder struct {
	w            Writer
	max          int
	chunk        int // rows per AddSpend: store.MaxSpendRows (smaller in tests)
	flushTimeout time.Duration
	log          *slog.Logger
	now          func() time.Time

	flushMu sync.Mutex // one flush at a time, so a failed batch is restored before the next is taken

	mu            sync.Mutex
	pending       map[rowKey]*store.SpendRow
	closed        bool
	syncNotBefore time.Time // no synchronous flush from Record before this (after a failed one)
	stats         Stats
}

// New returns a Recorder writing to w.
func New(w Writer, opt Options) *Recorder {
	r := &Recorder{w: w, max: opt.MaxPending, chunk: store.MaxSpendRows, flushTimeout: opt.FlushTimeout,
		log: opt.Logger, now: time.Now, pending: make(map[rowKey]*store.SpendRow)}
	if r.max <= 0 {
		r.max = DefaultMaxPending
	}
	if r.flushTimeout <= 0 {
		r.flushTimeout = DefaultFlushTimeout
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r
}

// Record adds a settled charge to the pending totals; a zero Day means now. It does not wait for the
// store unless MaxPending distinct rows are already pending (see Options.MaxPending). A charge that
// fails store.CheckSpendRow, or comes after Close, is not written: it is logged and counted in
// Stats.Invalid or Stats.Dropped.
func (r *Recorder) Record(row store.SpendRow) {
	if row.Day.IsZero() {
		row.Day = r.now()
	}
	if err := store.CheckSpendRow(row); err != nil {
		r.mu.Lock()
		r.stats.Invalid++
		r.mu.Unlock()
		r.log.Error("spend: charge refused, not recorded", "key_id", short(row.KeyID), "err", err)
		return
	}
	k := rowKey{day: unixDay(row.Day), keyID: row.KeyID, userID: row.UserID, teamID: row.TeamID, model: row.Model}
	r.mu.Lock()
	if r.closed {
		r.dropLocked(row)
		return
	}
	if a, ok := r.pending[k]; ok {
		add(a, row)
		r.mu.Unlock()
		return
	}
	if len(r.pending) >= r.max && !r.now().Before(r.syncNotBefore) {
		r.mu.Unlock()
		r.flushFull()
		r.mu.Lock()
		if r.closed { // Close ran meanwhile and flushed without this charge
			r.dropLocked(row)
			return
		}
		if a, ok := r.pending[k]; ok {
			add(a, row)
			r.mu.Unlock()
			return
		}
	}
	copied := row
	r.pending[k] = &copied
	r.mu.Unlock()
}

// dropLocked counts and logs a charge recorded after Close, and unlocks r.mu.
func (r *Recorder) dropLocked(row store.SpendRow) {
	r.stats.Dropped++
	r.mu.Unlock()
	r.log.Error("spend: charge recorded after close, not written", "key_id", short(row.KeyID),
		"requests", row.Requests, "cost", row.Cost)
}

// add adds b's counts to a.
func add(a *store.SpendRow, b store.SpendRow) {
	a.Requests += b.Requests
	a.PromptTokens += b.PromptTokens
	a.CompletionTokens += b.CompletionTokens
	a.Cost += b.Cost
	a.EstimatedRequests += b.EstimatedRequests
}

// flushFull is Record's synchronous flush when the pending rows reached MaxPending. Concurrent callers
// queue on flushMu; those that find the rows already flushed by another return at once.
func (r *Recorder) flushFull() {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	full := len(r.pending) >= r.max && !r.now().Before(r.syncNotBefore)
	r.mu.Unlock()
	if !full {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.flushTimeout)
	defer cancel()
	if err := r.flushLocked(ctx); err != nil {
		r.mu.Lock()
		r.syncNotBefore = r.now().Add(syncFlushBackoff)
		r.mu.Unlock()
		r.log.Error("spend: flush of a full buffer failed; charges kept in memory", "err", err)
	}
}

// Flush writes everything pending with one AddSpend (more only past store.MaxSpendRows rows). On error
// the rows not written stay pending, merged with those recorded meanwhile, for the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	return r.flushLocked(ctx)
}

// flushLocked takes the pending rows, leaving Record a fresh map, and writes them. flushMu is held.
func (r *Recorder) flushLocked(ctx context.Context) error {
	r.mu.Lock()
	batch := r.pending
	if len(batch) == 0 {
		r.mu.Unlock()
		return nil
	}
	r.pending = make(map[rowKey]*store.SpendRow, len(batch))
	r.mu.Unlock()

	rows := make([]store.SpendRow, 0, len(batch))
	for _, a := range batch {
		rows = append(rows, *a)
	}
	for start := 0; start < len(rows); start += r.chunk {
		part := rows[start:min(start+r.chunk, len(rows))]
		if err := r.w.AddSpend(ctx, part); err != nil {
			r.restore(rows[start:])
			return fmt.Errorf("spend: write %d pending rows: %w", len(rows)-start, err)
		}
		r.mu.Lock()
		r.stats.Flushed += int64(len(part))
		r.mu.Unlock()
	}
	return nil
}

// restore puts rows a failed flush took back into pending, merging them with newer charges.
func (r *Recorder) restore(rows []store.SpendRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.FlushErrors++
	for _, row := range rows {
		k := rowKey{day: unixDay(row.Day), keyID: row.KeyID, userID: row.UserID, teamID: row.TeamID, model: row.Model}
		if a, ok := r.pending[k]; ok {
			add(a, row)
			continue
		}
		copied := row
		r.pending[k] = &copied
	}
}

// Run flushes every interval (DefaultFlushInterval when every <= 0) until ctx ends, then flushes once
// more with a fresh FlushTimeout deadline, so a clean shutdown writes what was pending. Failures are
// logged; their rows wait for the next flush.
func (r *Recorder) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultFlushInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.flushTimeout)
			if err := r.Flush(fctx); err != nil {
				r.log.Error("spend: final flush failed", "err", err)
			}
			cancel()
			return
		case <-t.C:
			fctx, cancel := context.WithTimeout(ctx, r.flushTimeout)
			if err := r.Flush(fctx); err != nil {
				r.log.Warn("spend: flush failed; will retry", "err", err)
			}
			cancel()
		}
	}
}

// Close stops accepting charges (Record then counts them in Stats.Dropped) and flushes what is
// pending. If that flush fails, the rows stay pending and Close or Flush may be called again.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return r.Flush(ctx)
}

// Stats returns the current counters.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Pending = len(r.pending)
	return s
}

// unixDay returns the UTC day holding t, counted from 1970-01-01 (negative before it).
func unixDay(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// short bounds an id quoted in a log line (a refused one may be of any length).
func short(id string) string {
	if len(id) > 64 {
		return id[:64] + "…"
	}
	return id
}
