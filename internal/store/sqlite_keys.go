package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

const sqliteKeyCols = `id, hash, hint, user_id, team_id, alias, models, expires_at, metadata, created_at, last_used_at`

// sqliteDeleteChunk bounds the ids bound in one DELETE statement.
const sqliteDeleteChunk = 500

// CreateKey adds a key; ErrConflict when the id or the hash is taken.
func (s *SQLite) CreateKey(ctx context.Context, k Key) error {
	k, err := normKey(k, time.Now())
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	models, err := json.Marshal(append([]string{}, k.Models...))
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO api_keys (`+sqliteKeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Hash, k.Hint, nullString(k.UserID), nullString(k.TeamID), k.Alias, string(models),
		nullMillis(k.ExpiresAt), string(k.Metadata), millis(k.CreatedAt), nullMillis(k.LastUsedAt))
	if field, ok := sqliteConflict(err); ok {
		return conflict("create key", field)
	}
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	return nil
}

// KeyByHash returns the key with this hash, or ErrNotFound.
func (s *SQLite) KeyByHash(ctx context.Context, hash []byte) (Key, error) {
	k, err := scanSQLiteKey(s.byHash.QueryRowContext(ctx, hash))
	if isNoRows(err) {
		return Key{}, fmt.Errorf("store: key: %w", ErrNotFound)
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: key by hash: %w", err)
	}
	return k, nil
}

// KeyByID returns the key with this id, or ErrNotFound.
func (s *SQLite) KeyByID(ctx context.Context, id string) (Key, error) {
	k, err := scanSQLiteKey(s.db.QueryRowContext(ctx, `SELECT `+sqliteKeyCols+` FROM api_keys WHERE id = ?`, id))
	if isNoRows(err) {
		return Key{}, fmt.Errorf("store: key %q: %w", trunc(id), ErrNotFound)
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: key by id: %w", err)
	}
	return k, nil
}

// ListKeys returns a page of the keys matching f, ordered by CreatedAt then ID.
func (s *SQLite) ListKeys(ctx context.Context, f KeyFilter) ([]Key, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	where, args := keyFilterSQL(f, func(int) string { return "?" })
	rows, err := s.db.QueryContext(ctx, `SELECT `+sqliteKeyCols+` FROM api_keys`+where+
		` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	defer rows.Close()
	var ks []Key
	for rows.Next() {
		k, err := scanSQLiteKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list keys: %w", err)
		}
		ks = append(ks, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	return ks, nil
}

// DeleteKeys deletes the keys with these ids in one transaction and returns how many existed.
func (s *SQLite) DeleteKeys(ctx context.Context, ids []string) (int, error) {
	ids = uniqueSorted(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: delete keys: %w", err)
	}
	defer tx.Rollback()
	var n int64
	for chunk := range slices.Chunk(ids, sqliteDeleteChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		marks := strings.Repeat("?, ", len(chunk)-1) + "?"
		res, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return 0, fmt.Errorf("store: delete keys: %w", err)
		}
		c, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: delete keys: %w", err)
		}
		n += c
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: delete keys: %w", err)
	}
	return int(n), nil
}

// TouchKeys records last-use times in one transaction; a time only moves forward.
func (s *SQLite) TouchKeys(ctx context.Context, lastUsed map[string]time.Time) error {
	ids, times := touchBatch(lastUsed)
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: touch keys: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `UPDATE api_keys SET last_used_at = ?1
		WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)`)
	if err != nil {
		return fmt.Errorf("store: touch keys: %w", err)
	}
	defer stmt.Close()
	for i, id := range ids {
		if _, err := stmt.ExecContext(ctx, millis(times[i]), id); err != nil {
			return fmt.Errorf("store: touch keys: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: touch keys: %w", err)
	}
	return nil
}

func scanSQLiteKey(row interface{ Scan(...any) error }) (Key, error) {
	var k Key
	var user, team sql.NullString
	var models, meta string
	var created int64
	var expires, used sql.NullInt64
	if err := row.Scan(&k.ID, &k.Hash, &k.Hint, &user, &team, &k.Alias, &models, &expires, &meta, &created, &used); err != nil {
		return Key{}, err
	}
	if err := json.Unmarshal([]byte(models), &k.Models); err != nil {
		return Key{}, fmt.Errorf("key %q: models column: %w", k.ID, err)
	}
	if len(k.Models) == 0 {
		k.Models = nil
	}
	k.UserID, k.TeamID, k.Metadata = user.String, team.String, json.RawMessage(meta)
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt = fromMillis(created), fromNullMillis(expires), fromNullMillis(used)
	return k, nil
}
