package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := loadMigrations(migrationFiles, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations(migrationFiles, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d: every schema change needs both", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %d_%s, postgres %d_%s", i, lite[i].version, lite[i].name, pg[i].version, pg[i].name)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	good := fstest.MapFS{
		"migrations/x/0002_teams.sql": file("B"),
		"migrations/x/0001_init.sql":  file("A"),
		"migrations/x/0010_late.sql":  file("J"),
	}
	for i := 3; i <= 9; i++ {
		good["migrations/x/000"+string(rune('0'+i))+"_m.sql"] = file("m")
	}
	ms, err := loadMigrations(good, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 10 || ms[0].sql != "A" || ms[1].name != "teams" || ms[9].sql != "J" {
		t.Fatalf("migrations out of order: %+v", ms)
	}

	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"gap", fstest.MapFS{"migrations/x/0001_a.sql": file(""), "migrations/x/0003_c.sql": file("")}, "want version 2"},
		{"duplicate", fstest.MapFS{"migrations/x/0001_a.sql": file(""), "migrations/x/1_b.sql": file("")}, "want version 2"},
		{"bad name", fstest.MapFS{"migrations/x/init.sql": file("")}, "not named"},
		{"zero", fstest.MapFS{"migrations/x/0000_a.sql": file("")}, "not named"},
		{"not sql", fstest.MapFS{"migrations/x/0001_a.txt": file("")}, "not named"},
		{"missing dir", fstest.MapFS{}, "read x migrations"},
	} {
		_, err := loadMigrations(tc.fs, "x")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestPendingRefusesNewerDatabase(t *testing.T) {
	ms := []migration{{version: 1}, {version: 2}}
	for current, want := range map[int]int{0: 2, 1: 1, 2: 0} {
		todo, err := pending(ms, current)
		if err != nil || len(todo) != want {
			t.Errorf("pending at version %d: %d migrations, %v; want %d", current, len(todo), err, want)
		}
	}
	if _, err := pending(ms, 3); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("pending at version 3 of 2: %v, want an error about a newer database", err)
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	path := t.TempDir() + "/warden.db"
	s, err := OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := OpenSQLite(t.Context(), path); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("opening a database from a newer Warden: %v, want an error", err)
	}
}
