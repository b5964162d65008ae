package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/warden-gw/warden/internal/store"
	"github.com/warden-gw/warden/internal/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	s, err := store.Open(t.Context(), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

func TestSQLitePersistence(t *testing.T) {
	storetest.RunPersistence(t, func(t *testing.T) storetest.Reopener {
		path := filepath.Join(t.TempDir(), "warden.db")
		return func(ctx context.Context) (store.Store, error) { return store.OpenSQLite(ctx, path) }
	})
}

func TestSQLiteFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	s, err := store.Open(t.Context(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, store.DBFile): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", path, got, want)
		}
	}
}

func TestSQLiteTightensExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warden.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("existing database file left at mode %v, want 0600", info.Mode().Perm())
	}
}

func TestSQLiteOpenErrors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, []byte("this is not an SQLite database, just some text long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"question mark", filepath.Join(t.TempDir(), "a?b.db")},
		{"parent is a file", filepath.Join(notDir, "warden.db")},
		{"not a database", garbage},
	} {
		if s, err := store.OpenSQLite(t.Context(), tc.path); err == nil {
			s.Close()
			t.Errorf("%s: OpenSQLite(%q) succeeded", tc.name, tc.path)
		}
	}
}

func BenchmarkSQLiteKeyByHash(b *testing.B) {
	s, err := store.OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "warden.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkKeyByHash(b, s)
}

func BenchmarkSQLiteAddSpend(b *testing.B) {
	s, err := store.OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "warden.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkAddSpend(b, s)
}
