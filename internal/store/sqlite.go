package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteParams configure every connection: wait for locks instead of failing with SQLITE_BUSY, WAL so that
// readers never block the writer, FULL sync so that a committed key deletion survives a power cut,
// foreign keys enforced, and BEGIN IMMEDIATE so a transaction takes the write lock before it reads.
const sqliteParams = "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_txlock=immediate"

// sqliteMaxConns bounds the connections (readers run in parallel under WAL; writers queue on the lock).
const sqliteMaxConns = 8

// SQLite is a Store in one SQLite database file, using the pure-Go driver.
type SQLite struct {
	db     *sql.DB
	byHash *sql.Stmt // KeyByHash, the hot path, prepared once (halves its cost)
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating it with mode 0600 if needed) the database file at path and migrates its schema.
// A file readable by group or others is tightened to 0600.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: sqlite path: %w", err)
	}
	if strings.Contains(abs, "?") {
		return nil, fmt.Errorf("store: sqlite path %q must not contain '?'", abs)
	}
	if err := prepareFile(abs); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", abs+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	s := &SQLite{db: db}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.byHash, err = db.PrepareContext(ctx, sqliteKeyByHash); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	return s, nil
}

// prepareFile creates the database file with mode 0600, or tightens an existing one to it.
func prepareFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	info, err := f.Stat()
	f.Close()
	if err != nil {
		return fmt.Errorf("store: database file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("store: restrict database file permissions: %w", err)
		}
	}
	return nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFiles, "sqlite")
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: concurrent openers wait here
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	todo, err := pending(ms, current)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, millis(time.Now())); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the highest migration applied to the database.
func (s *SQLite) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// Ping checks that the database answers.
func (s *SQLite) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *SQLite) Close() error {
	s.byHash.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// sqliteConflict reports whether err is a uniqueness violation, and which column it names.
func sqliteConflict(err error) (string, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return conflictField(se.Error()), true
	}
	return "", false
}

// isNoRows maps sql.ErrNoRows for the callers that turn it into ErrNotFound.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// inTx runs f in a transaction (BEGIN IMMEDIATE: it holds the write lock from the start) and commits
// when f returns nil.
func (s *SQLite) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// sqliteQueryer is a *sql.DB or a *sql.Tx.
type sqliteQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqliteCollect runs a query and scans every row with scan.
func sqliteCollect[T any](ctx context.Context, db sqliteQueryer, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// sqliteOneRow turns the result of an UPDATE or DELETE of one row by id into the Store's errors:
// ErrConflict on a uniqueness violation, ErrNotFound when no row matched.
func sqliteOneRow(res sql.Result, err error, op, what, id string) error {
	if field, ok := sqliteConflict(err); ok {
		return conflict(op, field)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if n == 0 {
		return notFound(op, what, id)
	}
	return nil
}
