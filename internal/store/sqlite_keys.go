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

const sqliteKeyCols = `id, hash, hint, user_id, team_id, alias, models, expires_at, metadata, created_at, last_used_at,
	endpoints, blocked, prev_hash, prev_hash_expires_at, ` + limitCols

// sqliteKeyByHash is the hot-path lookup: the key whose current hash this is, else the key whose previous
// hash it is while the grace lasts. Each branch is one unique-index search; the first row found ends it, so
// a valid current secret costs one search, and a current hash wins over another key's previous one.
const sqliteKeyByHash = `SELECT ` + sqliteKeyCols + ` FROM api_keys WHERE hash = ?1
	UNION ALL SELECT ` + sqliteKeyCols + ` FROM api_keys WHERE prev_hash = ?1 AND prev_hash_expires_at > ?2 LIMIT 1`

// sqliteDeleteChunk bounds the ids bound in one DELETE statement.
const sqliteDeleteChunk = 500

// CreateKey adds a key; ErrConflict when the id or the hash is taken.
func (s *SQLite) CreateKey(ctx context.Context, k Key) error {
	k, err := normKey(k, time.Now())
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	args := append([]any{k.ID, k.Hash, k.Hint, nullString(k.UserID), nullString(k.TeamID), k.Alias, jsonList(k.Models),
		nullMillis(k.ExpiresAt), string(k.Metadata), millis(k.CreatedAt), nullMillis(k.LastUsedAt),
		jsonList(k.Endpoints), k.Blocked, k.PrevHash, nullMillis(k.PrevHashExpiresAt)}, limitArgs(k.Limits)...)
	_, err = s.db.ExecContext(ctx, `INSERT INTO api_keys (`+sqliteKeyCols+`) VALUES (`+marks(len(args))+`)`, args...)
	if field, ok := sqliteConflict(err); ok {
		return conflict("create key", field)
	}
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	return nil
}

// KeyByHash returns the key with this hash (or previous hash in its grace period), or ErrNotFound.
func (s *SQLite) KeyByHash(ctx context.Context, hash []byte) (Key, error) {
	return s.KeyByHashAt(ctx, hash, time.Now())
}

// KeyByHashAt returns the key with this hash, or with this previous hash while its grace lasts past now.
func (s *SQLite) KeyByHashAt(ctx context.Context, hash []byte, now time.Time) (Key, error) {
	k, err := scanSQLiteKey(s.byHash.QueryRowContext(ctx, hash, millis(now)))
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
	w := sqliteWhere()
	keyFilterSQL(f, w)
	q := `SELECT ` + sqliteKeyCols + ` FROM api_keys` + w.sql() + ` ORDER BY created_at, id` + w.page(limit, offset)
	ks, err := sqliteCollect(ctx, s.db, scanSQLiteKey, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	return ks, nil
}

// CountKeys counts the keys matching f.
func (s *SQLite) CountKeys(ctx context.Context, f KeyFilter) (int, error) {
	w := sqliteWhere()
	keyFilterSQL(f, w)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count keys: %w", err)
	}
	return n, nil
}

// UpdateKey replaces the key's mutable fields; ErrNotFound when there is no such key.
func (s *SQLite) UpdateKey(ctx context.Context, k Key) error {
	k, err := normKeyMutable(k)
	if err != nil {
		return fmt.Errorf("store: update key: %w", err)
	}
	args := append([]any{k.Alias, jsonList(k.Models), jsonList(k.Endpoints), string(k.Metadata),
		nullMillis(k.ExpiresAt), nullString(k.TeamID), k.Blocked}, limitArgs(k.Limits)...)
	res, err := s.db.ExecContext(ctx, `UPDATE api_keys SET alias = ?, models = ?, endpoints = ?, metadata = ?,
		expires_at = ?, team_id = ?, blocked = ?, `+setList(limitCols, func(int) string { return "?" })+` WHERE id = ?`, append(args, k.ID)...)
	return sqliteOneRow(res, err, "update key", "key", k.ID)
}

// RotateKey replaces the key's hash and hint, keeping the old hash until graceUntil (none when zero).
func (s *SQLite) RotateKey(ctx context.Context, id string, newHash []byte, newHint string, graceUntil time.Time) error {
	if err := checkRotate(id, newHash, newHint); err != nil {
		return fmt.Errorf("store: rotate key: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE api_keys SET prev_hash = CASE WHEN ?1 IS NULL THEN NULL ELSE hash END,
		prev_hash_expires_at = ?1, hash = ?2, hint = ?3 WHERE id = ?4`,
		nullMillis(normTime(graceUntil)), newHash, newHint, id)
	return sqliteOneRow(res, err, "rotate key", "key", id)
}

// DeleteKeys deletes the keys with these ids in one transaction and returns how many existed.
func (s *SQLite) DeleteKeys(ctx context.Context, ids []string) (int, error) {
	ids = uniqueSorted(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(ids, sqliteDeleteChunk) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id IN (`+marks(len(chunk))+`)`, args...)
			if err != nil {
				return err
			}
			c, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += c
		}
		return nil
	})
	if err != nil {
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE api_keys SET last_used_at = ?1
			WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, id := range ids {
			if _, err := stmt.ExecContext(ctx, millis(times[i]), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: touch keys: %w", err)
	}
	return nil
}

func scanSQLiteKey(row interface{ Scan(...any) error }) (Key, error) {
	var k Key
	var user, team sql.NullString
	var models, meta, endpoints string
	var created int64
	var expires, used, prevExpires sql.NullInt64
	dest := append([]any{&k.ID, &k.Hash, &k.Hint, &user, &team, &k.Alias, &models, &expires, &meta, &created, &used,
		&endpoints, &k.Blocked, &k.PrevHash, &prevExpires}, limitDest(&k.Limits)...)
	if err := row.Scan(dest...); err != nil {
		return Key{}, err
	}
	var err error
	if k.Models, err = parseJSONList(models); err != nil {
		return Key{}, fmt.Errorf("key %q: models column: %w", k.ID, err)
	}
	if k.Endpoints, err = parseJSONList(endpoints); err != nil {
		return Key{}, fmt.Errorf("key %q: endpoints column: %w", k.ID, err)
	}
	if len(k.PrevHash) == 0 {
		k.PrevHash = nil
	}
	k.UserID, k.TeamID, k.Metadata = user.String, team.String, json.RawMessage(meta)
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt = fromMillis(created), fromNullMillis(expires), fromNullMillis(used)
	k.PrevHashExpiresAt = fromNullMillis(prevExpires)
	return k, nil
}

// jsonList is the SQLite form of a list of names: a JSON array, [] when empty.
func jsonList(xs []string) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(xs) // cannot fail for strings
	return string(b)
}

// parseJSONList reads jsonList's form back; an empty list is nil.
func parseJSONList(s string) ([]string, error) {
	if s == "[]" {
		return nil, nil
	}
	var xs []string
	if err := json.Unmarshal([]byte(s), &xs); err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, nil
	}
	return xs, nil
}

// marks returns n SQLite placeholders: "?, ?, ?".
func marks(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}
