package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// sqliteDay renders a day as SQLite stores it: 'YYYY-MM-DD' text, which sorts as the days do.
func sqliteDay(t time.Time) any { return t.Format(DayLayout) }

// AddSpend adds rows to the per-day aggregates in one transaction: all of them or, on error, none.
func (s *SQLite) AddSpend(ctx context.Context, rows []SpendRow) error {
	rows, err := normSpend(rows)
	if err != nil {
		return fmt.Errorf("store: add spend: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO spend_daily (`+spendCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`+spendUpsert)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, spendArgs(r, sqliteDay)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add spend: %w", err)
	}
	return nil
}

// SpendSince sums the cost and tokens at one level from since's UTC day on.
func (s *SQLite) SpendSince(ctx context.Context, level, id string, since time.Time) (float64, int64, error) {
	w := sqliteWhere()
	if err := spendSinceSQL(level, id, since, w, sqliteDay); err != nil {
		return 0, 0, fmt.Errorf("store: spend since: %w", err)
	}
	var cost float64
	var tokens int64
	if err := s.db.QueryRowContext(ctx, spendSinceQuery+w.sql(), w.args...).Scan(&cost, &tokens); err != nil {
		return 0, 0, fmt.Errorf("store: spend since: %w", err)
	}
	return cost, tokens, nil
}

// UsageReport returns spend grouped as f says, by cost (highest first) then group.
func (s *SQLite) UsageReport(ctx context.Context, f UsageFilter) ([]UsageRow, error) {
	w := sqliteWhere()
	q, err := usageSQL(f, w, "day", sqliteDay)
	if err != nil {
		return nil, fmt.Errorf("store: usage report: %w", err)
	}
	rows, err := sqliteCollect(ctx, s.db, scanUsage, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: usage report: %w", err)
	}
	return rows, nil
}

func scanUsage(row interface{ Scan(...any) error }) (UsageRow, error) {
	var u UsageRow
	err := row.Scan(&u.Group, &u.Requests, &u.PromptTokens, &u.CompletionTokens, &u.Cost, &u.EstimatedRequests)
	return u, err
}
