package store

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// SpendRow is the spend of one UTC day at one key, user, team and model; "" in an id field means none.
// AddSpend adds rows to the stored aggregate; SpendSince and UsageReport read it.
type SpendRow struct {
	Day                            time.Time // any time in the day: the store keeps its UTC date
	KeyID, UserID, TeamID, Model   string
	Requests                       int64
	PromptTokens, CompletionTokens int64
	Cost                           float64
	EstimatedRequests              int64 // requests whose usage was counted by Warden, not reported by the backend
}

// Spend levels for SpendSince, and the GroupBy values of a UsageFilter (SpendDay only groups).
const (
	SpendKey    = "key"
	SpendUser   = "user"
	SpendTeam   = "team"
	SpendModel  = "model"
	SpendGlobal = "global" // SpendSince only: all spend
	SpendDay    = "day"    // UsageFilter.GroupBy only: Group is the day as "2006-01-02"
)

// MaxSpendRows bounds the rows of one AddSpend call.
const MaxSpendRows = 10000

// DayLayout is the form of a day in UsageRow.Group when grouping by SpendDay.
const DayLayout = "2006-01-02"

// UsageFilter selects and groups spend for UsageReport. Empty id fields match everything.
type UsageFilter struct {
	GroupBy                      string // SpendKey, SpendUser, SpendTeam, SpendModel or SpendDay; required
	KeyID, UserID, TeamID, Model string
	// A day counts when it overlaps [Since, Until): rows from Since's UTC day on, and up to the last day
	// starting before Until. Zero = unbounded.
	Since, Until  time.Time
	Limit, Offset int // Limit 0 = DefaultLimit, capped at MaxLimit
}

// UsageRow is the spend of one group in a UsageReport. Group is "" for spend with no such id
// (a call without a team, say).
type UsageRow struct {
	Group                          string
	Requests                       int64
	PromptTokens, CompletionTokens int64
	Cost                           float64
	EstimatedRequests              int64
}

// spendColumn maps a level or GroupBy value to the column holding its id.
var spendColumn = map[string]string{SpendKey: "key_id", SpendUser: "user_id", SpendTeam: "team_id", SpendModel: "model"}

// SpendDate returns the UTC day holding t, at 00:00 UTC.
func SpendDate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CheckSpendRow reports (wrapping ErrInvalid) why AddSpend would refuse r: a zero Day, an oversize or
// non-UTF-8 id or model, a negative count, or a cost that is negative or not finite.
func CheckSpendRow(r SpendRow) error {
	if r.Day.IsZero() {
		return invalid("spend day is zero")
	}
	for _, f := range []struct{ name, v string }{
		{"spend key id", r.KeyID}, {"spend user id", r.UserID}, {"spend team id", r.TeamID}, {"spend model", r.Model},
	} {
		if err := checkOptionalID(f.name, f.v); err != nil {
			return err
		}
	}
	if r.Requests < 0 || r.PromptTokens < 0 || r.CompletionTokens < 0 || r.EstimatedRequests < 0 {
		return invalid("spend counts must not be negative")
	}
	if r.Cost < 0 || math.IsNaN(r.Cost) || math.IsInf(r.Cost, 0) {
		return invalid("spend cost must be a finite number >= 0")
	}
	return nil
}

// normSpend validates rows and returns them merged by (day, key, user, team, model) and sorted, so
// that concurrent batches touch rows in the same order. Days are UTC dates.
func normSpend(rows []SpendRow) ([]SpendRow, error) {
	if len(rows) > MaxSpendRows {
		return nil, invalid("%d spend rows, at most %d in one call", len(rows), MaxSpendRows)
	}
	out := make([]SpendRow, 0, len(rows))
	for _, r := range rows {
		if err := CheckSpendRow(r); err != nil {
			return nil, err
		}
		r.Day = SpendDate(r.Day)
		out = append(out, r)
	}
	slices.SortFunc(out, compareSpendRow)
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && compareSpendRow(merged[n-1], r) == 0 {
			last := &merged[n-1]
			last.Requests += r.Requests
			last.PromptTokens += r.PromptTokens
			last.CompletionTokens += r.CompletionTokens
			last.Cost += r.Cost
			last.EstimatedRequests += r.EstimatedRequests
			if err := CheckSpendRow(*last); err != nil { // an int64 sum of non-negatives wraps to negative
				return nil, invalid("spend totals overflow")
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged, nil
}

// compareSpendRow orders rows by their aggregate's primary key.
func compareSpendRow(a, b SpendRow) int {
	return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.UserID, b.UserID),
		cmp.Compare(a.TeamID, b.TeamID), cmp.Compare(a.Model, b.Model))
}

// spendSinceQuery is SpendSince's query without its WHERE clause.
const spendSinceQuery = `SELECT COALESCE(SUM(cost), 0), CAST(COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS BIGINT)
	FROM spend_daily`

// spendCols are the columns AddSpend writes, in the order of spendArgs.
const spendCols = `day, key_id, user_id, team_id, model, requests, prompt_tokens, completion_tokens, cost, estimated_requests`

// spendArgs returns r's values for spendCols, the day rendered by dayArg.
func spendArgs(r SpendRow, dayArg func(time.Time) any) []any {
	return []any{dayArg(r.Day), r.KeyID, r.UserID, r.TeamID, r.Model, r.Requests, r.PromptTokens, r.CompletionTokens,
		r.Cost, r.EstimatedRequests}
}

// spendUpsert is the ON CONFLICT clause that adds a row to the aggregate it collides with.
const spendUpsert = ` ON CONFLICT (day, key_id, user_id, team_id, model) DO UPDATE SET
	requests = spend_daily.requests + excluded.requests,
	prompt_tokens = spend_daily.prompt_tokens + excluded.prompt_tokens,
	completion_tokens = spend_daily.completion_tokens + excluded.completion_tokens,
	cost = spend_daily.cost + excluded.cost,
	estimated_requests = spend_daily.estimated_requests + excluded.estimated_requests`

// spendSinceSQL checks SpendSince's arguments and returns its WHERE clause (built on w) with the
// day argument from dayArg.
func spendSinceSQL(level, id string, since time.Time, w *where, dayArg func(time.Time) any) error {
	if level != SpendGlobal {
		col, ok := spendColumn[level]
		if !ok {
			return invalid("spend level %q is not one of key, user, team, model, global", trunc(level))
		}
		if err := checkID("spend "+level+" id", id); err != nil {
			return err
		}
		w.add(col+" = ?", id)
	}
	if !since.IsZero() {
		w.add("day >= ?", dayArg(SpendDate(since)))
	}
	return nil
}

// usageSQL checks f and builds UsageReport's query. dayGroup is the dialect's expression for the day
// as DayLayout text; dayArg renders a day argument.
func usageSQL(f UsageFilter, w *where, dayGroup string, dayArg func(time.Time) any) (string, error) {
	group, ok := spendColumn[f.GroupBy]
	if f.GroupBy == SpendDay {
		group, ok = dayGroup, true
	}
	if !ok {
		return "", invalid("usage group %q is not one of key, user, team, model, day", trunc(f.GroupBy))
	}
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return "", err
	}
	for _, c := range []struct{ col, v string }{
		{"key_id", f.KeyID}, {"user_id", f.UserID}, {"team_id", f.TeamID}, {"model", f.Model},
	} {
		if err := checkText("usage filter "+c.col, c.v); err != nil {
			return "", err
		}
		w.addText(c.col+" = ?", c.v)
	}
	if !f.Since.IsZero() {
		w.add("day >= ?", dayArg(SpendDate(f.Since)))
	}
	if !f.Until.IsZero() {
		end := SpendDate(f.Until)
		if end.Before(f.Until) { // Until falls inside a day: that day overlaps, so it counts
			end = end.AddDate(0, 0, 1)
		}
		w.add("day < ?", dayArg(end))
	}
	return `SELECT ` + group + ` AS grp, CAST(SUM(requests) AS BIGINT), CAST(SUM(prompt_tokens) AS BIGINT),
		CAST(SUM(completion_tokens) AS BIGINT), SUM(cost), CAST(SUM(estimated_requests) AS BIGINT) FROM spend_daily` + w.sql() + ` GROUP BY grp ORDER BY SUM(cost) DESC, grp` + w.page(limit, offset), nil
}
