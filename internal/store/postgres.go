package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgMigrationLock is the advisory lock key held while migrating, so concurrent openers take turns.
const pgMigrationLock int64 = 0x77617264656e0001 // "warden" 0x0001

// pgConnectTimeout bounds each connection attempt unless the URL sets connect_timeout.
const pgConnectTimeout = 10 * time.Second

// Postgres is a Store in a PostgreSQL database, through a pgx connection pool.
type Postgres struct {
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to the database at url (postgres:// or postgresql://; pgxpool parameters such as
// pool_max_conns and PostgreSQL runtime parameters such as search_path are honoured) and migrates its schema.
// Errors never repeat the URL, which may hold a password.
func OpenPostgres(ctx context.Context, url string) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("store: invalid PostgreSQL URL (not shown, it may hold a password)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = pgConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres pool: %w", redact(err, cfg))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to postgres at %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, redact(err, cfg))
	}
	s := &Postgres{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// redact drops err's text when it would repeat the configured password.
func redact(err error, cfg *pgxpool.Config) error {
	if pw := cfg.ConnConfig.Password; pw != "" && strings.Contains(err.Error(), pw) {
		return errors.New("connection failed (details withheld: they would show the password)")
	}
	return err
}

func (s *Postgres) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFiles, "postgres")
	if err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	todo, err := pending(ms, current)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the highest migration applied to the database.
func (s *Postgres) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// Ping checks that the database answers.
func (s *Postgres) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be released.
func (s *Postgres) Close() error {
	s.pool.Close()
	return nil
}

// pgConflict reports whether err is a uniqueness violation, and which column it names.
func pgConflict(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return conflictField(pe.ConstraintName), true
	}
	return "", false
}

func isPgNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// pgCollect runs a query and scans every row with scan.
func pgCollect[T any](ctx context.Context, db interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// pgOneRow turns the result of an UPDATE or DELETE of one row by id into the Store's errors:
// ErrConflict on a uniqueness violation, ErrNotFound when no row matched.
func pgOneRow(tag pgconn.CommandTag, err error, op, what, id string) error {
	if field, ok := pgConflict(err); ok {
		return conflict(op, field)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op, what, id)
	}
	return nil
}

// pgMarks returns the placeholders $first .. $(first+n-1), comma-separated.
func pgMarks(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(first+i))
	}
	return b.String()
}

// pgParam returns a setList placeholder function numbering from first.
func pgParam(first int) func(i int) string {
	return func(i int) string { return "$" + strconv.Itoa(first+i) }
}

// pgList is a list for a NOT NULL TEXT[] column: never nil.
func pgList(xs []string) []string {
	return append([]string{}, xs...)
}

// isPgFKViolation reports whether err is a foreign key violation (a referenced row is missing).
func isPgFKViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
