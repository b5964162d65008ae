package admin

import (
	"net/http"
	"net/url"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/store"
)

// LiteLLM's GET /spend/logs lists one row per request; Warden keeps daily aggregates only, so it
// answers LiteLLM's summary shape: one object per UTC day from start_date to end_date (both
// included, days without spend as zeros), in date order. Who sees what is as for
// GET /admin/v1/usage (see usage.go): a non-admin is pinned to their own user id.

const (
	spendLogsDefaultDays = 30  // the range when start_date is absent
	spendLogsMaxDays     = 366 // the longest range one call answers
)

// spendDay is one day of GET /spend/logs: startTime and spend as LiteLLM names them, and the
// request and token counts of Warden's aggregates.
type spendDay struct {
	StartTime         string  `json:"startTime"` // the UTC day, 2006-01-02
	Spend             float64 `json:"spend"`
	Requests          int64   `json:"requests"`
	PromptTokens      int64   `json:"prompt_tokens"`
	CompletionTokens  int64   `json:"completion_tokens"`
	TotalTokens       int64   `json:"total_tokens"`
	EstimatedRequests int64   `json:"estimated_requests"`
}

// spendLogs is the answer of GET /spend/logs.
type spendLogs []spendDay

// serveSpendLogs answers LiteLLM's GET /spend/logs with daily aggregates.
func (a *API) serveSpendLogs(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	var out spendLogs
	if err == nil {
		out, err = a.dailySpend(r, c)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// dailySpend reads the parameters of GET /spend/logs and sums the spend the caller may see per day.
func (a *API) dailySpend(r *http.Request, c caller) (spendLogs, error) {
	q := r.URL.Query()
	if err := onlyParams(q, "api_key", "user_id", "start_date", "end_date", "summarize"); err != nil {
		return nil, err
	}
	switch q.Get("summarize") {
	case "", "true":
	case "false":
		return nil, badRequest("query parameter \"summarize\": Warden keeps daily aggregates, not per-request rows; leave it out or set it to true")
	default:
		return nil, badRequest("query parameter \"summarize\" must be true or false")
	}
	first, last, err := a.spendRange(q)
	if err != nil {
		return nil, err
	}
	days := int(last.Sub(first)/(24*time.Hour)) + 1
	f := store.UsageFilter{GroupBy: store.SpendDay, Since: first, Until: last.AddDate(0, 0, 1), Limit: days}
	if f.UserID, err = textParam(q, "user_id"); err != nil {
		return nil, err
	}
	if err := c.usageScope(&f); err != nil {
		return nil, err
	}
	if f.KeyID, err = a.spendKeyID(r, q.Get("api_key")); err != nil {
		return nil, err
	}
	rows, err := a.store.UsageReport(r.Context(), f)
	if err != nil {
		return nil, err
	}
	byDay := make(map[string]store.UsageRow, len(rows))
	for _, row := range rows {
		byDay[row.Group] = row
	}
	out := make(spendLogs, 0, days)
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		day := d.Format(store.DayLayout)
		s := sumsOf(byDay[day])
		out = append(out, spendDay{StartTime: day, Spend: s.Cost, Requests: s.Requests, PromptTokens: s.PromptTokens,
			CompletionTokens: s.CompletionTokens, TotalTokens: s.TotalTokens, EstimatedRequests: s.EstimatedRequests})
	}
	return out, nil
}

// spendRange reads start_date and end_date (2006-01-02, both included): end_date defaults to today
// (UTC), start_date to 30 days ending at end_date; at most spendLogsMaxDays days.
func (a *API) spendRange(q url.Values) (first, last time.Time, err error) {
	last = store.SpendDate(a.now())
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start_date", &first}, {"end_date", &last}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		if *p.dst, err = time.Parse(store.DayLayout, v); err != nil || len(v) != len(store.DayLayout) {
			return first, last, badRequest("query parameter %q must be a date like 2026-01-31", p.name)
		}
	}
	if first.IsZero() {
		first = last.AddDate(0, 0, 1-spendLogsDefaultDays)
	}
	switch {
	case last.Before(first):
		return first, last, badRequest("query parameter \"end_date\" must not be before start_date")
	case last.Sub(first) >= spendLogsMaxDays*24*time.Hour:
		return first, last, badRequest("query parameter \"end_date\": at most %d days from start_date in one call", spendLogsMaxDays)
	}
	return first, last, nil
}

// spendKeyID turns api_key (a key id or a key secret) into a key id. A secret is looked up by its
// hash; a key id is used as given, so that no answer tells whether another user's key exists.
func (a *API) spendKeyID(r *http.Request, ref string) (string, error) {
	if ref == "" || keys.LooksLikeID(ref) {
		return ref, nil
	}
	k, err := a.resolve(r, "api_key", ref)
	return k.ID, err
}
