package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const sqliteUserCols = `id, COALESCE(email, ''), name, role, blocked, created_at, last_seen`

// CreateUser adds a user; ErrConflict when the id or the email is taken.
func (s *SQLite) CreateUser(ctx context.Context, u User) error {
	u, err := normUser(u, time.Now())
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO users (id, email, name, role, blocked, created_at, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, nullString(u.Email), u.Name, u.Role, u.Blocked, millis(u.CreatedAt), nullMillis(u.LastSeen))
	if field, ok := sqliteConflict(err); ok {
		return conflict("create user", field)
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// GetUser returns the user with this id, or ErrNotFound.
func (s *SQLite) GetUser(ctx context.Context, id string) (User, error) {
	u, err := scanSQLiteUser(s.db.QueryRowContext(ctx, `SELECT `+sqliteUserCols+` FROM users WHERE id = ?`, id))
	if isNoRows(err) {
		return User{}, fmt.Errorf("store: user %q: %w", trunc(id), ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: get user: %w", err)
	}
	return u, nil
}

// ListUsers returns a page of users ordered by CreatedAt then ID.
func (s *SQLite) ListUsers(ctx context.Context, limit, offset int) ([]User, error) {
	limit, offset, err := page(limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sqliteUserCols+` FROM users ORDER BY created_at, id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanSQLiteUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// CountUsersByRole counts the users holding role.
func (s *SQLite) CountUsersByRole(ctx context.Context, role string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ?`, role).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

func scanSQLiteUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created int64
	var seen sql.NullInt64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Blocked, &created, &seen); err != nil {
		return User{}, err
	}
	u.CreatedAt, u.LastSeen = fromMillis(created), fromNullMillis(seen)
	return u, nil
}

// millis is t in Unix milliseconds, the SQLite time column format.
func millis(t time.Time) int64 { return t.UnixMilli() }

// nullMillis is NULL for the zero time.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func fromNullMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMillis(n.Int64)
}

// nullString is NULL for "", so that optional unique or referencing columns hold no value.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
