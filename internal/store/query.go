package store

import (
	"slices"
	"strings"
	"time"
)

// keyFilterSQL returns the WHERE clause (with a leading space, or "") and arguments for f.
// ph renders the placeholder for the n-th argument (1-based).
func keyFilterSQL(f KeyFilter, ph func(n int) string) (string, []any) {
	var conds []string
	var args []any
	if f.UserID != "" {
		args = append(args, f.UserID)
		conds = append(conds, "user_id = "+ph(len(args)))
	}
	if f.TeamID != "" {
		args = append(args, f.TeamID)
		conds = append(conds, "team_id = "+ph(len(args)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// touchBatch returns the ids to touch in a stable order (so concurrent batches lock rows in the same order)
// with their times in stored form; zero times are dropped.
func touchBatch(lastUsed map[string]time.Time) ([]string, []time.Time) {
	ids := make([]string, 0, len(lastUsed))
	for id, t := range lastUsed {
		if id != "" && !t.IsZero() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	times := make([]time.Time, len(ids))
	for i, id := range ids {
		times[i] = normTime(lastUsed[id])
	}
	return ids, times
}
