package review

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// seededReport runs a review over the seeded store.
func seededReport(t *testing.T) Report {
	t.Helper()
	st := openStore(t)
	seed(t, st)
	r, err := Run(t.Context(), st, Options{Now: now})
	must(t, err, "run")
	return r
}

// hostileReport holds values an attacker could choose (ids are free text in the store).
func hostileReport() Report {
	return newReport(now, []Finding{
		{Kind: KindKeyMissingOwner, KeyID: "=HYPERLINK(\"http://evil\",\"x\")", UserID: "+1+1", TeamID: "-2", Since: ago(day),
			Detail: "no owner tag"},
		{Kind: KindUserInNoTeam, UserID: "@SUM(A1)", Since: ago(2 * day), Detail: "role user; member of no team"},
		{Kind: KindUserInNoTeam, UserID: "\tcmd", Since: ago(3 * day), Detail: "role user; member of no team"},
		{Kind: KindUserInNoTeam, UserID: "a,b \"quoted\"\nnext line", Since: ago(4 * day), Detail: "role user; member of no team"},
		{Kind: KindAdmin, UserID: "\x1b[31mred\x1b[0m", Since: ago(5 * day), Detail: "role admin: manages everything"},
	})
}

func TestWriteJSONRoundTrips(t *testing.T) {
	for name, r := range map[string]Report{
		"seeded":  seededReport(t),
		"hostile": hostileReport(),
		"empty":   newReport(now, nil),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			must(t, r.WriteJSON(&buf), "write json")
			var back Report
			must(t, json.Unmarshal(buf.Bytes(), &back), "decode json")
			if !reflect.DeepEqual(back, r) {
				t.Errorf("round trip changed the report:\n got %+v\nwant %+v", back, r)
			}
		})
	}
}

func TestWriteJSONShape(t *testing.T) {
	var buf bytes.Buffer
	must(t, Report{GeneratedAt: now}.WriteJSON(&buf), "write json")
	var m map[string]json.RawMessage
	must(t, json.Unmarshal(buf.Bytes(), &m), "decode json")
	if got := string(m["findings"]); got != "[]" {
		t.Errorf("findings = %s, want []", got)
	}
	if got := string(m["generated_at"]); got != `"2026-06-01T12:00:00Z"` {
		t.Errorf("generated_at = %s", got)
	}

	buf.Reset()
	must(t, seededReport(t).WriteJSON(&buf), "write json")
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Counts   map[string]int   `json:"counts"`
	}
	must(t, json.Unmarshal(buf.Bytes(), &doc), "decode json")
	first := doc.Findings[0]
	for field, want := range map[string]any{"kind": "key_unused", "key_id": "k_blocked", "user_id": "erin", "team_id": "ops",
		"since": "2026-02-21T12:00:00Z"} {
		if first[field] != want {
			t.Errorf("first finding %s = %v, want %v", field, first[field], want)
		}
	}
	if doc.Counts[KindAdmin] != 4 || doc.Counts[KindKeyUnused] != 4 {
		t.Errorf("counts = %v", doc.Counts)
	}
}

func TestWriteCSV(t *testing.T) {
	for name, r := range map[string]Report{"seeded": seededReport(t), "hostile": hostileReport()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			must(t, r.WriteCSV(&buf), "write csv")
			rows, err := csv.NewReader(&buf).ReadAll()
			must(t, err, "parse csv")
			if want := []string{"kind", "key_id", "user_id", "team_id", "since", "detail"}; !reflect.DeepEqual(rows[0], want) {
				t.Errorf("header = %q, want %q", rows[0], want)
			}
			if len(rows) != len(r.Findings)+1 {
				t.Fatalf("%d rows, want %d", len(rows), len(r.Findings)+1)
			}
			for i, f := range r.Findings {
				want := []string{f.Kind, f.KeyID, f.UserID, f.TeamID, f.Since.Format(time.RFC3339Nano), f.Detail}
				for j := range want {
					if strings.ContainsAny(want[j][:min(1, len(want[j]))], "=+-@\t\r") {
						want[j] = "'" + want[j]
					}
				}
				if !reflect.DeepEqual(rows[i+1], want) {
					t.Errorf("row %d = %q, want %q", i+1, rows[i+1], want)
				}
			}
		})
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	var buf bytes.Buffer
	must(t, hostileReport().WriteCSV(&buf), "write csv")
	rows, err := csv.NewReader(&buf).ReadAll()
	must(t, err, "parse csv")
	got := map[string]bool{}
	for _, row := range rows[1:] {
		for _, c := range row {
			got[c] = true
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q starts like a formula", c)
			}
		}
	}
	for _, want := range []string{`'=HYPERLINK("http://evil","x")`, "'+1+1", "'-2", "'@SUM(A1)", "'\tcmd", "a,b \"quoted\"\nnext line"} {
		if !got[want] {
			t.Errorf("no cell %q in %q", want, rows)
		}
	}
}

// TestWriteCSVFromStore follows a hostile user id from the store to the CSV cell.
func TestWriteCSVFromStore(t *testing.T) {
	st := openStore(t)
	addUser(t, st, "=cmd|' /C calc'!A0", store.RoleUser, ago(day), false)
	r, err := Run(t.Context(), st, Options{Now: now})
	must(t, err, "run")
	var buf bytes.Buffer
	must(t, r.WriteCSV(&buf), "write csv")
	rows, err := csv.NewReader(&buf).ReadAll()
	must(t, err, "parse csv")
	if len(rows) != 2 || rows[1][2] != "'=cmd|' /C calc'!A0" {
		t.Errorf("rows = %q, want the user id prefixed with a quote", rows)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	must(t, seededReport(t).WriteTable(&buf), "write table")
	out := buf.String()
	lines := strings.Split(out, "\n")
	if lines[0] != "Access review generated 2026-06-01T12:00:00Z: 18 findings" {
		t.Errorf("summary line = %q", lines[0])
	}
	// Groups appear in Kinds order with their counts.
	last := -1
	for _, head := range []string{"key_unused (4)", "key_rotation_due (2)", "key_missing_owner (3)",
		"key_missing_justification (2)", "user_in_no_team (3)", "admin (4)"} {
		i := strings.Index(out, "\n"+head+"\n")
		if i <= last {
			t.Errorf("group %q missing or out of order in\n%s", head, out)
		}
		last = i
	}
	// Within a group the columns line up: DETAIL starts at the same column on every row.
	group := tableGroup(t, out, "key_unused (4)")
	col := strings.Index(group[0], "DETAIL")
	if !strings.HasPrefix(group[0], "  KEY ") || col < 0 {
		t.Fatalf("header row = %q", group[0])
	}
	wantDetails := []string{"never used; created 100 days ago (key blocked)", "last used 40 days ago (key expired)",
		"last used 31 days ago", "never used; created 30 days ago"}
	for i, d := range wantDetails {
		if row := group[i+1]; len(row) < col || row[col:] != d {
			t.Errorf("row %q: detail not at column %d or not %q", row, col, d)
		}
	}
	if !strings.Contains(group[1], "  k_blocked ") || !strings.Contains(group[1], " 2026-02-21T12:00:00Z ") {
		t.Errorf("row %q lacks the key id or the since time", group[1])
	}
	users := tableGroup(t, out, "user_in_no_team (3)")
	if !strings.HasPrefix(users[0], "  USER ") || !strings.Contains(users[1], "  carol ") || !strings.Contains(users[1], " - ") {
		t.Errorf("user group has no KEY column, and shows - for no team: %q", users)
	}
}

// tableGroup returns the rows under a group heading up to the next blank line.
func tableGroup(t *testing.T, out, head string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "\n"+head+"\n")
	if !ok {
		t.Fatalf("no group %q in\n%s", head, out)
	}
	block, _, _ := strings.Cut(rest, "\n\n")
	return strings.Split(strings.TrimSuffix(block, "\n"), "\n")
}

func TestWriteTableEmptyAndHostile(t *testing.T) {
	var buf bytes.Buffer
	must(t, newReport(now, nil).WriteTable(&buf), "write table")
	if out := buf.String(); !strings.Contains(out, ": 0 findings\n") || strings.Count(out, "  none\n") != len(Kinds()) {
		t.Errorf("empty report table:\n%s", out)
	}

	buf.Reset()
	must(t, hostileReport().WriteTable(&buf), "write table")
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\t\r") {
		t.Errorf("table holds raw control characters:\n%q", out)
	}
	for _, want := range []string{`"\x1b[31mred\x1b[0m"`, `"a,b \"quoted\"\nnext line"`, `"\tcmd"`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks the quoted value %s:\n%s", want, out)
		}
	}
	// summary, 6 group headings (blank line + title), 3 column headers, 5 findings, 3 "none"
	if n := strings.Count(out, "\n"); n != 1+6*2+3+5+3 {
		t.Errorf("table has %d lines, a value broke a row:\n%s", n, out)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReportWriteErrors(t *testing.T) {
	r := seededReport(t)
	for name, write := range map[string]func() error{
		"table": func() error { return r.WriteTable(failWriter{}) },
		"json":  func() error { return r.WriteJSON(failWriter{}) },
		"csv":   func() error { return r.WriteCSV(failWriter{}) },
	} {
		if err := write(); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error = %v, want the write error", name, err)
		}
	}
}
