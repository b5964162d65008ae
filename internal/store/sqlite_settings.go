package store

import (
	"context"
	"fmt"
	"time"
)

// GetSetting returns the value of a setting, or ErrNotFound.
func (s *SQLite) GetSetting(ctx context.Context, name string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if isNoRows(err) {
		return "", fmt.Errorf("store: setting %q: %w", trunc(name), ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: get setting: %w", err)
	}
	return v, nil
}

// PutSetting stores a setting, replacing any value.
func (s *SQLite) PutSetting(ctx context.Context, name, value string) error {
	if err := checkSetting(name, value); err != nil {
		return fmt.Errorf("store: put setting: %w", err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		name, value, millis(time.Now()))
	if err != nil {
		return fmt.Errorf("store: put setting: %w", err)
	}
	return nil
}

// SetSettingIfAbsent stores value only if name is unset, and returns the value now stored.
func (s *SQLite) SetSettingIfAbsent(ctx context.Context, name, value string) (string, error) {
	if err := checkSetting(name, value); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one writer at a time
	if err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, value, millis(time.Now())); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	var stored string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&stored); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	return stored, nil
}
