package store

import (
	"context"
	"fmt"
	"time"
)

// GetSetting returns the value of a setting, or ErrNotFound.
func (s *Postgres) GetSetting(ctx context.Context, name string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if isPgNoRows(err) {
		return "", fmt.Errorf("store: setting %q: %w", trunc(name), ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: get setting: %w", err)
	}
	return v, nil
}

// PutSetting stores a setting, replacing any value.
func (s *Postgres) PutSetting(ctx context.Context, name, value string) error {
	if err := checkSetting(name, value); err != nil {
		return fmt.Errorf("store: put setting: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
		name, value, normTime(time.Now()))
	if err != nil {
		return fmt.Errorf("store: put setting: %w", err)
	}
	return nil
}

// SetSettingIfAbsent stores value only if name is unset, and returns the value now stored.
// The insert waits for a concurrent insert of the same name to finish, so the read after it sees the winner.
func (s *Postgres) SetSettingIfAbsent(ctx context.Context, name, value string) (string, error) {
	if err := checkSetting(name, value); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, value, normTime(time.Now())); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	var stored string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&stored); err != nil {
		return "", fmt.Errorf("store: set setting: %w", err)
	}
	return stored, nil
}
