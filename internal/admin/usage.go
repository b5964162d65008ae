package admin

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// Usage reports read the daily spend aggregates (store.UsageReport). Who sees what, for
// GET /admin/v1/usage and GET /spend/logs alike (policy action usage.read):
//   - the master key, admins and auditors see all spend, with any filter;
//   - anyone else sees their own spend: without a user_id filter, user_id is set to the caller;
//     a user_id other than their own is refused (403), unless a team_id filter names a team they
//     administer, where a team admin sees every member's spend (in that team only);
//   - a team filter names a team the caller is in: a member sees their own spend there, its admin
//     all of it; any other team is refused (403).
// The filters only narrow: the rows are those matching every filter, so a key_id or model filter
// never widens what the caller sees.

// usageGroups are the accepted values of group_by.
var usageGroups = []string{store.SpendKey, store.SpendUser, store.SpendTeam, store.SpendModel, store.SpendDay}

// usageSums are the counters of a usage row, and their sums over a report.
type usageSums struct {
	Requests          int64   `json:"requests"`
	PromptTokens      int64   `json:"prompt_tokens"`
	CompletionTokens  int64   `json:"completion_tokens"`
	TotalTokens       int64   `json:"total_tokens"`
	Cost              float64 `json:"cost"`
	EstimatedRequests int64   `json:"estimated_requests"`
}

func (s *usageSums) add(r store.UsageRow) {
	s.Requests += r.Requests
	s.PromptTokens += r.PromptTokens
	s.CompletionTokens += r.CompletionTokens
	s.TotalTokens += r.PromptTokens + r.CompletionTokens
	s.Cost += r.Cost
	s.EstimatedRequests += r.EstimatedRequests
}

func sumsOf(r store.UsageRow) usageSums {
	var s usageSums
	s.add(r)
	return s
}

// usageGroup is the spend of one group: a key id, user id, team id, model or day (2006-01-02);
// null for spend with no such id (a call outside any team, say).
type usageGroup struct {
	Group *string `json:"group"`
	usageSums
}

// usageFilters are the filters a report applied, after the caller's scope: null for none.
type usageFilters struct {
	KeyID  *string `json:"key_id"`
	UserID *string `json:"user_id"`
	TeamID *string `json:"team_id"`
	Model  *string `json:"model"`
}

// usageReport is the answer of GET /admin/v1/usage.
type usageReport struct {
	GroupBy    string       `json:"group_by"`
	Since      *string      `json:"since"` // first UTC day counted, null for no bound
	Until      *string      `json:"until"` // first UTC day not counted, null for no bound
	Filters    usageFilters `json:"filters"`
	Data       []usageGroup `json:"data"`
	Total      usageSums    `json:"total"` // sums over data (this page)
	NextOffset *int         `json:"next_offset"`
}

// nativeUsage answers GET /admin/v1/usage.
func (a *API) nativeUsage(w http.ResponseWriter, r *http.Request, c caller) error {
	q := r.URL.Query()
	if err := onlyParams(q, "group_by", "key_id", "user_id", "team_id", "model", "since", "until", "limit", "offset"); err != nil {
		return err
	}
	f := store.UsageFilter{GroupBy: q.Get("group_by")}
	if f.GroupBy == "" {
		f.GroupBy = store.SpendDay
	}
	if !slices.Contains(usageGroups, f.GroupBy) {
		return badRequest("query parameter \"group_by\" must be one of key, user, team, model or day")
	}
	var err error
	if f.KeyID, err = keyIDParam(q, "key_id"); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"user_id", &f.UserID}, {"team_id", &f.TeamID}, {"model", &f.Model}} {
		if *p.dst, err = textParam(q, p.name); err != nil {
			return err
		}
	}
	if f.Since, f.Until, err = timeWindow(q, "since", "until"); err != nil {
		return err
	}
	limit, offset, err := window(q)
	if err != nil {
		return err
	}
	if err := c.usageScope(&f); err != nil {
		return err
	}
	// One row more than the page tells whether another page follows (not past the store's cap).
	f.Limit, f.Offset = min(limit+1, store.MaxLimit), offset
	rows, err := a.store.UsageReport(r.Context(), f)
	if err != nil {
		return err
	}
	out := usageReport{GroupBy: f.GroupBy, Filters: filtersOf(f), Data: make([]usageGroup, 0, min(len(rows), limit))}
	out.Since, out.Until = dayBounds(f.Since, f.Until)
	if len(rows) > limit || limit == store.MaxLimit && len(rows) == limit { // at the cap: a full page may have a next
		next := offset + limit
		out.NextOffset = &next
	}
	for _, row := range rows[:min(len(rows), limit)] {
		out.Data = append(out.Data, usageGroup{Group: nullIfEmpty(row.Group), usageSums: sumsOf(row)})
		out.Total.add(row)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// usageScope narrows f to what the caller may see and authorizes it (see the rules above): a
// caller who may not read all usage (for f's team, if any) is given their own user id.
func (c caller) usageScope(f *store.UsageFilter) error {
	if f.UserID == "" && !c.may(policy.UsageRead, policy.Target{TeamID: f.TeamID}) {
		f.UserID = c.actor.UserID
	}
	return c.authorize(policy.UsageRead, policy.Target{OwnerUserID: f.UserID, TeamID: f.TeamID})
}

func filtersOf(f store.UsageFilter) usageFilters {
	return usageFilters{KeyID: nullIfEmpty(f.KeyID), UserID: nullIfEmpty(f.UserID), TeamID: nullIfEmpty(f.TeamID),
		Model: nullIfEmpty(f.Model)}
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// textParam reads an optional query parameter of at most maxField bytes.
func textParam(q url.Values, name string) (string, error) {
	v := q.Get(name)
	if len(v) > maxField {
		return "", badRequest("query parameter %q is longer than %d characters", name, maxField)
	}
	return v, nil
}

// keyIDParam reads an optional key id. The value is not echoed in the error: it may be a secret
// pasted by mistake.
func keyIDParam(q url.Values, name string) (string, error) {
	v := q.Get(name)
	if v != "" && !keys.LooksLikeID(v) {
		return "", badRequest("query parameter %q must be a key id like key_0123456789ab, never a key secret", name)
	}
	return v, nil
}

// maxTimeParam bounds a date or time parameter.
const maxTimeParam = 64

// timeParam reads an optional date (2006-01-02, a UTC day) or RFC 3339 time.
func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if len(v) <= maxTimeParam {
		if t, err := time.Parse(store.DayLayout, v); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest("query parameter %q must be a date like 2026-01-31 or a time like 2026-01-31T00:00:00Z", name)
}

// timeWindow reads the bounds of a half-open window [since, until); until must be later.
func timeWindow(q url.Values, sinceName, untilName string) (since, until time.Time, err error) {
	if since, err = timeParam(q, sinceName); err != nil {
		return
	}
	if until, err = timeParam(q, untilName); err != nil {
		return
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		err = badRequest("query parameter %q must be later than %q", untilName, sinceName)
	}
	return
}

// dayBounds are the UTC days a report covers, as the store counts them: the first day counted
// and the first day not counted (a day counts when it overlaps [since, until)); nil for no bound.
func dayBounds(since, until time.Time) (first, end *string) {
	if !since.IsZero() {
		s := store.SpendDate(since).Format(store.DayLayout)
		first = &s
	}
	if !until.IsZero() {
		e := store.SpendDate(until)
		if e.Before(until) {
			e = e.AddDate(0, 0, 1)
		}
		s := e.Format(store.DayLayout)
		end = &s
	}
	return first, end
}
