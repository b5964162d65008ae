package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const pgUserCols = `id, COALESCE(email, ''), name, role, blocked, created_at, last_seen`

// CreateUser adds a user; ErrConflict when the id or the email is taken.
func (s *Postgres) CreateUser(ctx context.Context, u User) error {
	u, err := normUser(u, time.Now())
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO users (id, email, name, role, blocked, created_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.ID, nullString(u.Email), u.Name, u.Role, u.Blocked, u.CreatedAt, pgTime(u.LastSeen))
	if field, ok := pgConflict(err); ok {
		return conflict("create user", field)
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// GetUser returns the user with this id, or ErrNotFound.
func (s *Postgres) GetUser(ctx context.Context, id string) (User, error) {
	u, err := scanPgUser(s.pool.QueryRow(ctx, `SELECT `+pgUserCols+` FROM users WHERE id = $1`, id))
	if isPgNoRows(err) {
		return User{}, fmt.Errorf("store: user %q: %w", trunc(id), ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: get user: %w", err)
	}
	return u, nil
}

// ListUsers returns a page of users ordered by CreatedAt then ID.
func (s *Postgres) ListUsers(ctx context.Context, limit, offset int) ([]User, error) {
	limit, offset, err := page(limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+pgUserCols+` FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanPgUser(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// CountUsersByRole counts the users holding role.
func (s *Postgres) CountUsersByRole(ctx context.Context, role string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = $1`, role).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

func scanPgUser(row pgx.Row) (User, error) {
	var u User
	var seen pgtype.Timestamptz
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Blocked, &u.CreatedAt, &seen); err != nil {
		return User{}, err
	}
	u.CreatedAt, u.LastSeen = u.CreatedAt.UTC(), fromPgTime(seen)
	return u, nil
}

// pgTime is NULL for the zero time.
func pgTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func fromPgTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
