package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgDay renders a day for a DATE parameter.
func pgDay(t time.Time) any { return t }

// AddSpend adds rows to the per-day aggregates in one transaction: all of them or, on error, none.
// Rows are written in primary-key order, so concurrent batches cannot deadlock.
func (s *Postgres) AddSpend(ctx context.Context, rows []SpendRow) error {
	rows, err := normSpend(rows)
	if err != nil {
		return fmt.Errorf("store: add spend: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		q := `INSERT INTO spend_daily (` + spendCols + `) VALUES (` + pgMarks(1, 10) + `)` + spendUpsert
		for _, r := range rows {
			b.Queue(q, spendArgs(r, pgDay)...)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("store: add spend: %w", err)
	}
	return nil
}

// SpendSince sums the cost and tokens at one level from since's UTC day on.
func (s *Postgres) SpendSince(ctx context.Context, level, id string, since time.Time) (float64, int64, error) {
	w := pgWhere()
	if err := spendSinceSQL(level, id, since, w, pgDay); err != nil {
		return 0, 0, fmt.Errorf("store: spend since: %w", err)
	}
	var cost float64
	var tokens int64
	if err := s.pool.QueryRow(ctx, spendSinceQuery+w.sql(), w.args...).Scan(&cost, &tokens); err != nil {
		return 0, 0, fmt.Errorf("store: spend since: %w", err)
	}
	return cost, tokens, nil
}

// UsageReport returns spend grouped as f says, by cost (highest first) then group.
func (s *Postgres) UsageReport(ctx context.Context, f UsageFilter) ([]UsageRow, error) {
	w := pgWhere()
	q, err := usageSQL(f, w, `to_char(day, 'YYYY-MM-DD') COLLATE "C"`, pgDay)
	if err != nil {
		return nil, fmt.Errorf("store: usage report: %w", err)
	}
	rows, err := pgCollect(ctx, s.pool, func(r pgx.Row) (UsageRow, error) { return scanUsage(r) }, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: usage report: %w", err)
	}
	return rows, nil
}
