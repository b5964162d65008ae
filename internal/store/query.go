package store

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// where builds a WHERE clause. ph renders the placeholder for the n-th argument (1-based): "?" for
// SQLite, "$n" for PostgreSQL; tv renders a time argument in the dialect's stored form.
type where struct {
	ph    func(n int) string
	tv    func(t time.Time) any
	conds []string
	args  []any
}

// add appends cond, whose one "?" stands for arg.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", w.ph(len(w.args))))
}

// sqliteWhere starts a WHERE clause for SQLite: "?" placeholders, times in Unix milliseconds.
func sqliteWhere() *where {
	return &where{ph: func(int) string { return "?" }, tv: func(t time.Time) any { return millis(t) }}
}

// pgWhere starts a WHERE clause for PostgreSQL: "$n" placeholders, times as they are.
func pgWhere() *where {
	return &where{ph: func(n int) string { return "$" + strconv.Itoa(n) }, tv: func(t time.Time) any { return t }}
}

// addText adds cond for a non-empty filter value.
func (w *where) addText(cond, v string) {
	if v != "" {
		w.add(cond, v)
	}
}

// addTime adds cond for a non-zero time.
func (w *where) addTime(cond string, t time.Time) {
	if !t.IsZero() {
		w.add(cond, w.tv(normTime(t)))
	}
}

// sql returns the clause with a leading space, or "".
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page appends LIMIT and OFFSET with their arguments.
func (w *where) page(limit, offset int) string {
	w.args = append(w.args, limit, offset)
	return " LIMIT " + w.ph(len(w.args)-1) + " OFFSET " + w.ph(len(w.args))
}

// keyFilterSQL (and the other filters below) add f's conditions to w; empty fields add none.
func keyFilterSQL(f KeyFilter, w *where) {
	w.addText("user_id = ?", f.UserID)
	w.addText("team_id = ?", f.TeamID)
}

func userFilterSQL(f UserFilter, w *where) {
	w.addText("role = ?", f.Role)
	w.addText("id IN (SELECT user_id FROM team_members WHERE team_id = ?)", f.TeamID)
}

func teamFilterSQL(f TeamFilter, w *where) {
	w.addText("id IN (SELECT team_id FROM team_members WHERE user_id = ?)", f.UserID)
}

func eventFilterSQL(f EventFilter, w *where) {
	w.addText("actor = ?", f.Actor)
	w.addText("action = ?", f.Action)
	w.addText("target = ?", f.Target)
	w.addTime("at >= ?", f.Since)
	w.addTime("at < ?", f.Until)
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

// setList turns the columns "a, b" into "a = ph(0), b = ph(1)" for an UPDATE.
func setList(cols string, ph func(i int) string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = c + " = " + ph(i)
	}
	return strings.Join(parts, ", ")
}
