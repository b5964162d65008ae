package store

import (
	"strings"
	"testing"
)

// KeyByHash sits on the hot path: each branch of its query must search an index, never scan the table.
func TestSQLiteKeyByHashUsesIndexes(t *testing.T) {
	s, err := OpenSQLite(t.Context(), t.TempDir()+"/warden.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+sqliteKeyByHash, make([]byte, HashLen), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "SCAN") || !strings.Contains(text, "(hash=?)") || !strings.Contains(text, "api_keys_prev_hash (prev_hash=?)") {
		t.Fatalf("KeyByHash plan does not search both indexes:\n%s", text)
	}
}
