package review

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteCSV writes a header row and one row per finding (since in RFC 3339, UTC). encoding/csv quotes
// the fields; a field that a spreadsheet would read as a formula (starting with = + - @, tab or carriage
// return) is prefixed with a single quote.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"kind", "key_id", "user_id", "team_id", "since", "detail"}); err != nil {
		return fmt.Errorf("review: csv: %w", err)
	}
	for _, f := range r.Findings {
		row := []string{f.Kind, f.KeyID, f.UserID, f.TeamID, since(f.Since, time.RFC3339Nano), f.Detail}
		for i := range row {
			row[i] = defuseFormula(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("review: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("review: csv: %w", err)
	}
	return nil
}

// defuseFormula prefixes a cell that starts like a spreadsheet formula with a single quote (CSV injection).
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
