package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const pgKeyCols = `id, hash, hint, user_id, team_id, alias, models, expires_at, metadata, created_at, last_used_at`

// CreateKey adds a key; ErrConflict when the id or the hash is taken.
func (s *Postgres) CreateKey(ctx context.Context, k Key) error {
	k, err := normKey(k, time.Now())
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO api_keys (`+pgKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		k.ID, k.Hash, k.Hint, nullString(k.UserID), nullString(k.TeamID), k.Alias, append([]string{}, k.Models...),
		pgTime(k.ExpiresAt), string(k.Metadata), k.CreatedAt, pgTime(k.LastUsedAt))
	if field, ok := pgConflict(err); ok {
		return conflict("create key", field)
	}
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	return nil
}

// KeyByHash returns the key with this hash, or ErrNotFound.
func (s *Postgres) KeyByHash(ctx context.Context, hash []byte) (Key, error) {
	k, err := scanPgKey(s.pool.QueryRow(ctx, `SELECT `+pgKeyCols+` FROM api_keys WHERE hash = $1`, hash))
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
	where, args := keyFilterSQL(f, func(n int) string { return fmt.Sprintf("$%d", n) })
	args = append(args, limit, offset)
	rows, err := s.pool.Query(ctx, `SELECT `+pgKeyCols+` FROM api_keys`+where+
		fmt.Sprintf(` ORDER BY created_at, id LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	ks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Key, error) { return scanPgKey(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	return ks, nil
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
	var expires, used pgtype.Timestamptz
	if err := row.Scan(&k.ID, &k.Hash, &k.Hint, &user, &team, &k.Alias, &k.Models, &expires, &meta, &k.CreatedAt, &used); err != nil {
		return Key{}, err
	}
	if len(k.Models) == 0 {
		k.Models = nil
	}
	k.UserID, k.TeamID, k.Metadata = user.String, team.String, json.RawMessage(meta)
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt = k.CreatedAt.UTC(), fromPgTime(expires), fromPgTime(used)
	return k, nil
}
