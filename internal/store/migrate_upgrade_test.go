package store

import (
	"database/sql"
	"testing"
)

// A database written by a Warden with only the first migration keeps its rows when upgraded, and they
// read back with the defaults of the new columns.
func TestSQLiteUpgradeFromVersion1(t *testing.T) {
	path := t.TempDir() + "/warden.db"
	ms, err := loadMigrations(migrationFiles, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if err := prepareFile(path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path+sqliteParams)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
		ms[0].sql,
		`INSERT INTO schema_migrations VALUES (1, 'init', 0)`,
		`INSERT INTO users (id, email, role, created_at) VALUES ('u1', 'a@example.com', 'admin', 1000)`,
		`INSERT INTO api_keys (id, hash, user_id, team_id, models, metadata, created_at)
			VALUES ('k1', zeroblob(32), 'u1', 'legacy-team', '["m1"]', '{"owner":"ops"}', 2000)`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("set up a version 1 database: %v", err)
		}
	}
	db.Close()

	s, err := OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != len(ms) {
		t.Fatalf("schema version after upgrade = %d, %v; want %d", v, err, len(ms))
	}
	u, err := s.GetUser(t.Context(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "a@example.com" || string(u.Metadata) != "{}" || u.Limits != (Limits{}) {
		t.Fatalf("upgraded user = %+v", u)
	}
	k, err := s.KeyByHash(t.Context(), make([]byte, HashLen))
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != "k1" || k.TeamID != "legacy-team" || len(k.Models) != 1 || string(k.Metadata) != `{"owner":"ops"}` ||
		k.Endpoints != nil || k.Blocked || k.PrevHash != nil || !k.PrevHashExpiresAt.IsZero() || k.Limits != (Limits{}) {
		t.Fatalf("upgraded key = %+v", k)
	}
	// The new tables work on the upgraded database.
	if err := s.CreateTeam(t.Context(), Team{ID: "t1", Alias: "One"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTeamMember(t.Context(), TeamMember{TeamID: "t1", UserID: "u1", Role: TeamRoleAdmin}); err != nil {
		t.Fatal(err)
	}
}
