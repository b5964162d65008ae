package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const pgUserCols = `id, COALESCE(email, ''), name, role, blocked, created_at, last_seen, metadata, ` + limitCols

// CreateUser adds a user; ErrConflict when the id or the email is taken.
func (s *Postgres) CreateUser(ctx context.Context, u User) error {
	u, err := normUser(u, time.Now())
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	args := append([]any{u.ID, nullString(u.Email), u.Name, u.Role, u.Blocked, u.CreatedAt, pgTime(u.LastSeen),
		string(u.Metadata)}, limitArgs(u.Limits)...)
	_, err = s.pool.Exec(ctx, `INSERT INTO users (id, email, name, role, blocked, created_at, last_seen, metadata, `+
		limitCols+`) VALUES (`+pgMarks(1, len(args))+`)`, args...)
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
	return s.ListUsersFiltered(ctx, UserFilter{Limit: limit, Offset: offset})
}

// ListUsersFiltered returns a page of the users matching f, ordered by CreatedAt then ID.
func (s *Postgres) ListUsersFiltered(ctx context.Context, f UserFilter) ([]User, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	w := pgWhere()
	userFilterSQL(f, w)
	q := `SELECT ` + pgUserCols + ` FROM users` + w.sql() + ` ORDER BY created_at, id` + w.page(limit, offset)
	us, err := pgCollect(ctx, s.pool, scanPgUser, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// CountUsersByRole counts the users holding role.
func (s *Postgres) CountUsersByRole(ctx context.Context, role string) (int, error) {
	if role == "" {
		return 0, nil // CountUsers would count everyone
	}
	return s.CountUsers(ctx, UserFilter{Role: role})
}

// CountUsers counts the users matching f.
func (s *Postgres) CountUsers(ctx context.Context, f UserFilter) (int, error) {
	w := pgWhere()
	userFilterSQL(f, w)
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM users`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// UpdateUser replaces the user's mutable fields; ErrNotFound or ErrConflict (email).
func (s *Postgres) UpdateUser(ctx context.Context, u User) error {
	u, err := normUser(u, time.Now())
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	args := append([]any{u.ID, nullString(u.Email), u.Name, u.Role, u.Blocked, string(u.Metadata)}, limitArgs(u.Limits)...)
	tag, err := s.pool.Exec(ctx, `UPDATE users SET email = $2, name = $3, role = $4, blocked = $5, metadata = $6, `+
		setList(limitCols, pgParam(7))+` WHERE id = $1`, args...)
	return pgOneRow(tag, err, "update user", "user", u.ID)
}

// DeleteUser deletes the user, its memberships and its keys in one transaction.
func (s *Postgres) DeleteUser(ctx context.Context, id string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM api_keys WHERE user_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM team_members WHERE user_id = $1`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		return pgOneRow(tag, err, "delete user", "user", id) // not found rolls the transaction back
	})
	return wrapOp("delete user", err)
}

// TouchUser moves the user's last-seen time forward to t.
func (s *Postgres) TouchUser(ctx context.Context, id string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE users SET last_seen = $1 WHERE id = $2 AND (last_seen IS NULL OR last_seen < $1)`,
		normTime(t), id)
	if err != nil {
		return fmt.Errorf("store: touch user: %w", err)
	}
	return nil
}

func scanPgUser(row pgx.Row) (User, error) {
	var u User
	var seen pgtype.Timestamptz
	var meta []byte
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Blocked, &u.CreatedAt, &seen, &meta}, limitDest(&u.Limits)...)
	if err := row.Scan(dest...); err != nil {
		return User{}, err
	}
	u.CreatedAt, u.LastSeen, u.Metadata = u.CreatedAt.UTC(), fromPgTime(seen), json.RawMessage(meta)
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
