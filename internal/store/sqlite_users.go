package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

const sqliteUserCols = `id, COALESCE(email, ''), name, role, blocked, created_at, last_seen, metadata, ` + limitCols

// CreateUser adds a user; ErrConflict when the id or the email is taken.
func (s *SQLite) CreateUser(ctx context.Context, u User) error {
	u, err := normUser(u, time.Now())
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	args := append([]any{u.ID, nullString(u.Email), u.Name, u.Role, u.Blocked, millis(u.CreatedAt), nullMillis(u.LastSeen),
		string(u.Metadata)}, limitArgs(u.Limits)...)
	_, err = s.db.ExecContext(ctx, `INSERT INTO users (id, email, name, role, blocked, created_at, last_seen, metadata, `+
		limitCols+`) VALUES (`+marks(len(args))+`)`, args...)
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
	return s.ListUsersFiltered(ctx, UserFilter{Limit: limit, Offset: offset})
}

// ListUsersFiltered returns a page of the users matching f, ordered by CreatedAt then ID.
func (s *SQLite) ListUsersFiltered(ctx context.Context, f UserFilter) ([]User, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	w := sqliteWhere()
	userFilterSQL(f, w)
	q := `SELECT ` + sqliteUserCols + ` FROM users` + w.sql() + ` ORDER BY created_at, id` + w.page(limit, offset)
	us, err := sqliteCollect(ctx, s.db, scanSQLiteUser, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// CountUsersByRole counts the users holding role.
func (s *SQLite) CountUsersByRole(ctx context.Context, role string) (int, error) {
	if role == "" {
		return 0, nil // CountUsers would count everyone
	}
	return s.CountUsers(ctx, UserFilter{Role: role})
}

// CountUsers counts the users matching f.
func (s *SQLite) CountUsers(ctx context.Context, f UserFilter) (int, error) {
	w := sqliteWhere()
	userFilterSQL(f, w)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// UpdateUser replaces the user's mutable fields; ErrNotFound or ErrConflict (email).
func (s *SQLite) UpdateUser(ctx context.Context, u User) error {
	u, err := normUser(u, time.Now())
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	args := append([]any{nullString(u.Email), u.Name, u.Role, u.Blocked, string(u.Metadata)}, limitArgs(u.Limits)...)
	res, err := s.db.ExecContext(ctx, `UPDATE users SET email = ?, name = ?, role = ?, blocked = ?, metadata = ?, `+
		setList(limitCols, func(int) string { return "?" })+` WHERE id = ?`, append(args, u.ID)...)
	return sqliteOneRow(res, err, "update user", "user", u.ID)
}

// DeleteUser deletes the user, its memberships and its keys in one transaction.
func (s *SQLite) DeleteUser(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE user_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE user_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		return sqliteOneRow(res, err, "delete user", "user", id) // not found rolls the transaction back
	})
	return wrapOp("delete user", err)
}

// TouchUser moves the user's last-seen time forward to t.
func (s *SQLite) TouchUser(ctx context.Context, id string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE users SET last_seen = ?1 WHERE id = ?2 AND (last_seen IS NULL OR last_seen < ?1)`,
		millis(normTime(t)), id)
	if err != nil {
		return fmt.Errorf("store: touch user: %w", err)
	}
	return nil
}

func scanSQLiteUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created int64
	var seen sql.NullInt64
	var meta string
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Blocked, &created, &seen, &meta}, limitDest(&u.Limits)...)
	if err := row.Scan(dest...); err != nil {
		return User{}, err
	}
	u.CreatedAt, u.LastSeen, u.Metadata = fromMillis(created), fromNullMillis(seen), json.RawMessage(meta)
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
