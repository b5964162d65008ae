package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const pgKeyCols = `id, hash, hint, user_id, team_id, alias, models, expires_at, metadata, created_at, last_used_at,
	endpoints, blocked, prev_hash, prev_hash_expires_at, ` + limitCols

// pgKeyByHash is the hot-path lookup: the key whose current hash this is, else the key whose previous hash
// it is while the grace lasts. Each branch is one unique-index scan, run in order until the first row, so a
// valid current secret costs one scan, and a current hash wins over another key's previous one.
const pgKeyByHash = `SELECT ` + pgKeyCols + ` FROM api_keys WHERE hash = $1
	UNION ALL SELECT ` + pgKeyCols + ` FROM api_keys WHERE prev_hash = $1 AND prev_hash_expires_at > $2 LIMIT 1`

// CreateKey adds a key; ErrConflict when the id or the hash is taken.
func (s *Postgres) CreateKey(ctx context.Context, k Key) error {
	k, err := normKey(k, time.Now())
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	args := append([]any{k.ID, k.Hash, k.Hint, nullString(k.UserID), nullString(k.TeamID), k.Alias, pgList(k.Models),
		pgTime(k.ExpiresAt), string(k.Metadata), k.CreatedAt, pgTime(k.LastUsedAt),
		pgList(k.Endpoints), k.Blocked, k.PrevHash, pgTime(k.PrevHashExpiresAt)}, limitArgs(k.Limits)...)
	_, err = s.pool.Exec(ctx, `INSERT INTO api_keys (`+pgKeyCols+`) VALUES (`+pgMarks(1, len(args))+`)`, args...)
	if field, ok := pgConflict(err); ok {
		return conflict("create key", field)
	}
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	return nil
}

// KeyByHash returns the key with this hash (or previous hash in its grace period), or ErrNotFound.
func (s *Postgres) KeyByHash(ctx context.Context, hash []byte) (Key, error) {
	return s.KeyByHashAt(ctx, hash, time.Now())
}

// KeyByHashAt returns the key with this hash, or with this previous hash while its grace lasts past now.
func (s *Postgres) KeyByHashAt(ctx context.Context, hash []byte, now time.Time) (Key, error) {
	k, err := scanPgKey(s.pool.QueryRow(ctx, pgKeyByHash, hash, now))
	if isPgNoRows(err) {
		return Key{}, fmt.Errorf("store: key: %w", ErrNotFound)
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: key by hash: %w", err)
	}
	return k, nil
}

// KeyByID returns the key with this id, or ErrNotFound.
func (s *Postgres) KeyByID(ctx context.Context, id string) (Key, error) {
	k, err := scanPgKey(s.pool.QueryRow(ctx, `SELECT `+pgKeyCols+` FROM api_keys WHERE id = $1`, id))
	if isPgNoRows(err) {
		return Key{}, fmt.Errorf("store: key %q: %w", trunc(id), ErrNotFound)
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: key by id: %w", err)
	}
	return k, nil
}

// ListKeys returns a page of the keys matching f, ordered by CreatedAt then ID.
func (s *Postgres) ListKeys(ctx context.Context, f KeyFilter) ([]Key, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	w := pgWhere()
	keyFilterSQL(f, w)
	q := `SELECT ` + pgKeyCols + ` FROM api_keys` + w.sql() + ` ORDER BY created_at, id` + w.page(limit, offset)
	ks, err := pgCollect(ctx, s.pool, scanPgKey, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	return ks, nil
}

// CountKeys counts the keys matching f.
func (s *Postgres) CountKeys(ctx context.Context, f KeyFilter) (int, error) {
	w := pgWhere()
	keyFilterSQL(f, w)
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM api_keys`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count keys: %w", err)
	}
	return n, nil
}

// UpdateKey replaces the key's mutable fields; ErrNotFound when there is no such key.
func (s *Postgres) UpdateKey(ctx context.Context, k Key) error {
	k, err := normKeyMutable(k)
	if err != nil {
		return fmt.Errorf("store: update key: %w", err)
	}
	args := append([]any{k.ID, k.Alias, pgList(k.Models), pgList(k.Endpoints), string(k.Metadata),
		pgTime(k.ExpiresAt), nullString(k.TeamID), k.Blocked}, limitArgs(k.Limits)...)
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET alias = $2, models = $3, endpoints = $4, metadata = $5,
		expires_at = $6, team_id = $7, blocked = $8, `+setList(limitCols, pgParam(9))+` WHERE id = $1`, args...)
	return pgOneRow(tag, err, "update key", "key", k.ID)
}

// RotateKey replaces the key's hash and hint, keeping the old hash until graceUntil (none when zero).
func (s *Postgres) RotateKey(ctx context.Context, id string, newHash []byte, newHint string, graceUntil time.Time) error {
	if err := checkRotate(id, newHash, newHint); err != nil {
		return fmt.Errorf("store: rotate key: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET prev_hash = CASE WHEN $1::timestamptz IS NULL THEN NULL ELSE hash END,
		prev_hash_expires_at = $1, hash = $2, hint = $3 WHERE id = $4`,
		pgTime(normTime(graceUntil)), newHash, newHint, id)
	return pgOneRow(tag, err, "rotate key", "key", id)
}

// DeleteKeys deletes the keys with these ids in one statement and returns how many existed.
func (s *Postgres) DeleteKeys(ctx context.Context, ids []string) (int, error) {
	ids = uniqueSorted(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM api_keys WHERE id = ANY($1)`, ids)
	if err != nil {
		return 0, fmt.Errorf("store: delete keys: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// TouchKeys records last-use times in one transaction; a time only moves forward.
// Rows are updated in id order, so concurrent batches cannot deadlock.
func (s *Postgres) TouchKeys(ctx context.Context, lastUsed map[string]time.Time) error {
	ids, times := touchBatch(lastUsed)
	if len(ids) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		for i, id := range ids {
			b.Queue(`UPDATE api_keys SET last_used_at = $1
				WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)`, times[i], id)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("store: touch keys: %w", err)
	}
	return nil
}

func scanPgKey(row pgx.Row) (Key, error) {
	var k Key
	var user, team pgtype.Text
	var meta []byte
	var expires, used, prevExpires pgtype.Timestamptz
	dest := append([]any{&k.ID, &k.Hash, &k.Hint, &user, &team, &k.Alias, &k.Models, &expires, &meta, &k.CreatedAt, &used,
		&k.Endpoints, &k.Blocked, &k.PrevHash, &prevExpires}, limitDest(&k.Limits)...)
	if err := row.Scan(dest...); err != nil {
		return Key{}, err
	}
	if len(k.Models) == 0 {
		k.Models = nil
	}
	if len(k.Endpoints) == 0 {
		k.Endpoints = nil
	}
	if len(k.PrevHash) == 0 {
		k.PrevHash = nil
	}
	k.UserID, k.TeamID, k.Metadata = user.String, team.String, json.RawMessage(meta)
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt = k.CreatedAt.UTC(), fromPgTime(expires), fromPgTime(used)
	k.PrevHashExpiresAt = fromPgTime(prevExpires)
	return k, nil
}
