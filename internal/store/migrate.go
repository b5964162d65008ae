package store

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migrations live in migrations/<dialect>/NNNN_name.sql. To change the schema, add the next number
// to both dialects; each runs once, in order, inside the transaction that records it.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns a dialect's migrations ordered by version; versions must run 1, 2, 3... without gaps.
func loadMigrations(fsys fs.FS, dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read %s migrations: %w", dialect, err)
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") || !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("store: migration file %s/%s is not named NNNN_name.sql", dir, e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: %s migrations: want version %d, found %d (%s)", dialect, i+1, m.version, m.name)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("store: no %s migrations", dialect)
	}
	return ms, nil
}

// pending returns the migrations after version current, or an error when the database is newer than this binary.
func pending(ms []migration, current int) ([]migration, error) {
	if current > len(ms) {
		return nil, fmt.Errorf("store: database schema version %d is newer than this binary supports (%d); upgrade Warden", current, len(ms))
	}
	return ms[current:], nil
}
