package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// postgresDatabase returns the URL of a fresh schema in the test database, dropped when the test
// ends. Without PostgreSQL the test is skipped, except under CI=true, where it must run.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("WARDEN_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set WARDEN_TEST_POSTGRES_URL or start it", err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	schema := "warden_e2e_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Two Warden replicas on one PostgreSQL database, sharing WARDEN_SECRET: a key made on one works on
// the other, and a key deleted on one is refused by the other within a second.
func TestReplicasShareAPostgreSQLStore(t *testing.T) {
	dsn := postgresDatabase(t)
	fake := fakellm.StartTB(t, fakellm.Options{})
	env := map[string]string{"WARDEN_SECRET": strings.Repeat("ab", 32)}
	cfg1 := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "")
	cfg1.DatabaseURL = dsn
	cfg2 := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "")
	cfg2.DatabaseURL = dsn // its own data dir: nothing shared but the database and the secret
	w1 := testkit.Start(t, cfg1, env)
	w2 := testkit.Start(t, cfg2, env)
	key, _ := w1.NewKey(t, map[string]any{"user_id": "pg-user"})
	if s, b, _ := w2.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 200 {
		t.Fatalf("replica 2 refused a key made on replica 1: %d %s", s, b)
	}
	if s, b, _ := w1.Do(t, http.MethodPost, "/key/delete", testkit.MasterKey, map[string]any{"keys": []string{key}}); s != 200 {
		t.Fatalf("delete: %d %s", s, b)
	}
	time.Sleep(1100 * time.Millisecond)
	if s, _, _ := w2.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 401 {
		t.Fatalf("replica 2 accepts a deleted key: %d", s)
	}
}
