package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DBFile is the SQLite database's file name inside the data directory.
const DBFile = "warden.db"

// Open picks the implementation: a databaseURL starting with postgres:// or postgresql:// opens PostgreSQL;
// an empty one opens SQLite at filepath.Join(dataDir, DBFile), creating dataDir (0700) and the file (0600).
// Any other URL is an error.
func Open(ctx context.Context, dataDir, databaseURL string) (Store, error) {
	lower := strings.ToLower(databaseURL)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return OpenPostgres(ctx, databaseURL)
	case databaseURL != "":
		return nil, fmt.Errorf("store: unsupported database URL%s: want postgres:// or postgresql://, or no URL for SQLite", schemeOf(databaseURL))
	case dataDir == "":
		return nil, errors.New("store: no data directory for the SQLite database")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, DBFile))
}

// schemeOf returns ` (scheme "x")` for a URL's plain scheme, or "": nothing else of the URL is shown.
func schemeOf(url string) string {
	scheme, _, ok := strings.Cut(url, "://")
	if !ok || scheme == "" || len(scheme) > 16 {
		return ""
	}
	for _, r := range scheme {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '+' || r == '-' || r == '.') {
			return ""
		}
	}
	return fmt.Sprintf(" (scheme %q)", scheme)
}
