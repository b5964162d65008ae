package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AppendEvent records an admin action and returns its id.
func (s *SQLite) AppendEvent(ctx context.Context, e Event) (int64, error) {
	e, err := normEvent(e, time.Now())
	if err != nil {
		return 0, fmt.Errorf("store: append event: %w", err)
	}
	var id int64
	err = s.db.QueryRowContext(ctx, `INSERT INTO admin_events (at, actor, action, target, change) VALUES (?, ?, ?, ?, ?)
		RETURNING id`, millis(e.Time), e.Actor, e.Action, e.Target, string(e.Change)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: append event: %w", err)
	}
	return id, nil
}

// ListEvents returns a page of the events matching f, newest first.
func (s *SQLite) ListEvents(ctx context.Context, f EventFilter) ([]Event, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	w := sqliteWhere()
	eventFilterSQL(f, w)
	q := `SELECT id, at, actor, action, target, change FROM admin_events` + w.sql() + ` ORDER BY at DESC, id DESC` +
		w.page(limit, offset)
	es, err := sqliteCollect(ctx, s.db, scanSQLiteEvent, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	return es, nil
}

// CountEvents counts the events matching f.
func (s *SQLite) CountEvents(ctx context.Context, f EventFilter) (int, error) {
	w := sqliteWhere()
	eventFilterSQL(f, w)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM admin_events`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count events: %w", err)
	}
	return n, nil
}

func scanSQLiteEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var at int64
	var change string
	if err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &change); err != nil {
		return Event{}, err
	}
	e.Time, e.Change = fromMillis(at), json.RawMessage(change)
	return e, nil
}
