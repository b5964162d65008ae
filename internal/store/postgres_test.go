package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/warden-gw/warden/internal/store"
	"github.com/warden-gw/warden/internal/store/storetest"
)

const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// postgresURL returns the URL of the test database (WARDEN_TEST_POSTGRES_URL overrides the default).
func postgresURL() string {
	if u := os.Getenv("WARDEN_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return defaultPostgresURL
}

// freshSchema creates an empty schema, dropped when t ends, and returns a URL whose connections use it.
// Without a reachable server the test is skipped, or fails when CI=true.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := postgresURL()
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("WARDEN_TEST_POSTGRES_URL is not a valid PostgreSQL URL")
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	admin := func() *pgx.Conn {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("postgres not reachable at %s (CI=true, so this fails): %v", where, err)
			}
			t.Skipf("postgres not reachable at %s: %v", where, err)
		}
		return conn
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "warden_test_" + hex.EncodeToString(b)
	conn := admin()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn := admin()
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema + "&pool_max_conns=4"
}

func openPostgres(t *testing.T) store.Store {
	s, err := store.Open(t.Context(), "", freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) {
	freshSchema(t) // skip (or fail under CI) once, not in every subtest
	storetest.Run(t, openPostgres)
}

func TestPostgresPersistence(t *testing.T) {
	freshSchema(t)
	storetest.RunPersistence(t, func(t *testing.T) storetest.Reopener {
		url := freshSchema(t)
		return func(ctx context.Context) (store.Store, error) { return store.OpenPostgres(ctx, url) }
	})
}

// KeyByHash sits on the hot path: with sequential scans discouraged, its plan must use indexes only
// (a plan that still scans the table would mean an index is missing).
func TestPostgresKeyByHashUsesIndexes(t *testing.T) {
	url := freshSchema(t)
	s, err := store.OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	cfg, err := pgxpool.ParseConfig(url) // knows the pool_ parameters in url
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(t.Context(), cfg.ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(t.Context(), `EXPLAIN `+store.PgKeyByHash, make([]byte, store.HashLen), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "api_keys_prev_hash") {
		t.Fatalf("KeyByHash plan does not use both indexes:\n%s", plan)
	}
}

func BenchmarkPostgresKeyByHash(b *testing.B) {
	s, err := store.OpenPostgres(b.Context(), freshSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkKeyByHash(b, s)
}

func BenchmarkPostgresAddSpend(b *testing.B) {
	s, err := store.OpenPostgres(b.Context(), freshSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkAddSpend(b, s)
}
