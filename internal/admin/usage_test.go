package admin_test

import (
	"context"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
	"github.com/warden-gw/warden/internal/testkit"
)

// usageFixture is a Warden with team eng (carol its admin, alice a member), bob in no team, an
// auditor and a pending user, and spend on three days of March 2026.
type usageFixture struct {
	w                                           *testkit.Warden
	eng                                         string
	alice, bob, carol, audrey, pat              string // their keys
	aliceKeyID, bobKeyID, bobKeySecret          string
	day1, day2, day3                            time.Time
	totalCost                                   float64
	totalRequests, totalPrompt, totalCompletion int64
}

func startUsage(t *testing.T) *usageFixture {
	t.Helper()
	f := &usageFixture{w: start(t)}
	w := f.w
	f.eng = newTeam(t, w, "eng", "llama3.1-8b", "qwen2.5-7b")
	f.alice = newUser(t, w, "alice", "internal_user", map[string]string{f.eng: "user"})
	f.carol = newUser(t, w, "carol", "internal_user", map[string]string{f.eng: "admin"})
	f.bob = newUser(t, w, "bob", "internal_user", nil)
	f.audrey = newUser(t, w, "audrey", "proxy_admin_viewer", nil)
	f.pat = newUser(t, w, "pat", "internal_user_viewer", nil)
	ak, _ := call(t, w, "POST", "/admin/v1/keys", master, `{"user_id":"alice","team_id":"`+f.eng+`"}`, 201)
	bk, _ := call(t, w, "POST", "/admin/v1/keys", master, `{"user_id":"bob"}`, 201)
	f.aliceKeyID, f.bobKeyID, f.bobKeySecret = ak.str("id"), bk.str("id"), bk.str("secret")

	f.day1 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	f.day2, f.day3 = f.day1.AddDate(0, 0, 1), f.day1.AddDate(0, 0, 2)
	// Costs are binary fractions, so that sums compare exactly.
	rows := []store.SpendRow{
		{Day: f.day1, KeyID: f.aliceKeyID, UserID: "alice", TeamID: f.eng, Model: "llama3.1-8b", Requests: 2, PromptTokens: 100, CompletionTokens: 50, Cost: 0.5},
		{Day: f.day2, KeyID: f.aliceKeyID, UserID: "alice", TeamID: f.eng, Model: "qwen2.5-7b", Requests: 1, PromptTokens: 10, CompletionTokens: 5, Cost: 0.25},
		{Day: f.day2, KeyID: f.bobKeyID, UserID: "bob", Model: "llama3.1-8b", Requests: 3, PromptTokens: 300, CompletionTokens: 30, Cost: 1, EstimatedRequests: 1},
		{Day: f.day3, KeyID: "key_00000000000c", UserID: "carol", TeamID: f.eng, Model: "llama3.1-8b", Requests: 1, PromptTokens: 1, CompletionTokens: 1, Cost: 0.125},
	}
	for _, r := range rows {
		f.totalCost += r.Cost
		f.totalRequests += r.Requests
		f.totalPrompt += r.PromptTokens
		f.totalCompletion += r.CompletionTokens
	}
	addSpend(t, w, rows)
	return f
}

// addSpend writes spend into the running Warden's store, as its spend recorder would.
func addSpend(t *testing.T, w *testkit.Warden, rows []store.SpendRow) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, w.Config.DataDir, w.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddSpend(ctx, rows); err != nil {
		t.Fatal(err)
	}
}

// usageAnswer is the decoded answer of GET /admin/v1/usage.
type usageAnswer struct {
	GroupBy      string `json:"group_by"`
	Since, Until *string
	Filters      struct {
		KeyID  *string `json:"key_id"`
		UserID *string `json:"user_id"`
		TeamID *string `json:"team_id"`
		Model  *string `json:"model"`
	}
	Data       []usageRow
	Total      usageRow
	NextOffset *int `json:"next_offset"`
}

type usageRow struct {
	Group             *string
	Requests          int64
	PromptTokens      int64   `json:"prompt_tokens"`
	CompletionTokens  int64   `json:"completion_tokens"`
	TotalTokens       int64   `json:"total_tokens"`
	Cost              float64 `json:"cost"`
	EstimatedRequests int64   `json:"estimated_requests"`
}

// usage reads a usage report and fails the test unless it is a 200.
func usage(t *testing.T, w *testkit.Warden, key, query string) usageAnswer {
	t.Helper()
	_, raw := call(t, w, "GET", "/admin/v1/usage?"+query, key, nil, 200)
	var u usageAnswer
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		t.Fatalf("usage answer: %v: %s", err, raw)
	}
	return u
}

// groups maps each group of a report to its cost ("" for the null group).
func (u usageAnswer) groups() map[string]float64 {
	out := map[string]float64{}
	for _, r := range u.Data {
		g := ""
		if r.Group != nil {
			g = *r.Group
		}
		out[g] = r.Cost
	}
	return out
}

// checkTotals fails unless total holds the sums over data.
func (u usageAnswer) checkTotals(t *testing.T) {
	t.Helper()
	var s usageRow
	for _, r := range u.Data {
		if r.TotalTokens != r.PromptTokens+r.CompletionTokens {
			t.Errorf("row %v: total_tokens is not prompt plus completion", r)
		}
		s.Requests += r.Requests
		s.PromptTokens += r.PromptTokens
		s.CompletionTokens += r.CompletionTokens
		s.TotalTokens += r.TotalTokens
		s.Cost += r.Cost
		s.EstimatedRequests += r.EstimatedRequests
	}
	if s != u.Total {
		t.Errorf("total %+v, want the sums over data %+v", u.Total, s)
	}
}

func str(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func TestUsageAdminSeesEveryGroup(t *testing.T) {
	f := startUsage(t)
	want := map[string]map[string]float64{
		"user":  {"alice": 0.75, "bob": 1, "carol": 0.125},
		"team":  {f.eng: 0.875, "": 1},
		"model": {"llama3.1-8b": 1.625, "qwen2.5-7b": 0.25},
		"key":   {f.aliceKeyID: 0.75, f.bobKeyID: 1, "key_00000000000c": 0.125},
		"day":   {"2026-03-01": 0.5, "2026-03-02": 1.25, "2026-03-03": 0.125},
	}
	for groupBy, groups := range want {
		for _, key := range []string{master, f.audrey} { // the auditor reads as much as an admin
			u := usage(t, f.w, key, "group_by="+groupBy)
			if u.GroupBy != groupBy || len(u.Data) != len(groups) {
				t.Fatalf("group_by=%s: %+v", groupBy, u)
			}
			for g, cost := range groups {
				if got, ok := u.groups()[g]; !ok || got != cost {
					t.Errorf("group_by=%s: group %q costs %v, want %v (%v)", groupBy, g, got, cost, u.groups())
				}
			}
			u.checkTotals(t)
			if u.Total.Cost != f.totalCost || u.Total.Requests != f.totalRequests || u.Total.PromptTokens != f.totalPrompt ||
				u.Total.CompletionTokens != f.totalCompletion || u.Total.EstimatedRequests != 1 {
				t.Errorf("group_by=%s: total %+v is not all the spend", groupBy, u.Total)
			}
			if u.Filters.UserID != nil || u.NextOffset != nil || u.Since != nil || u.Until != nil {
				t.Errorf("group_by=%s: an unfiltered report shows filters or bounds: %+v", groupBy, u)
			}
		}
	}
	// The default grouping is by day, most costly first; a null group is JSON null.
	u := usage(t, f.w, master, "")
	if u.GroupBy != "day" || len(u.Data) != 3 || str(u.Data[0].Group) != "2026-03-02" {
		t.Fatalf("default report: %+v", u)
	}
	_, raw := call(t, f.w, "GET", "/admin/v1/usage?group_by=team", master, nil, 200)
	if !strings.Contains(raw, `"group":null`) {
		t.Errorf("spend outside any team is not the null group: %s", raw)
	}
	// Filters narrow the spend.
	u = usage(t, f.w, master, "group_by=user&model=qwen2.5-7b")
	if g := u.groups(); len(g) != 1 || g["alice"] != 0.25 || str(u.Filters.Model) != "qwen2.5-7b" {
		t.Errorf("model filter: %+v", u)
	}
	u = usage(t, f.w, master, "group_by=model&key_id="+f.bobKeyID)
	if g := u.groups(); len(g) != 1 || g["llama3.1-8b"] != 1 {
		t.Errorf("key filter: %+v", u)
	}
	u = usage(t, f.w, master, "group_by=user&team_id="+f.eng)
	if g := u.groups(); len(g) != 2 || g["alice"] != 0.75 || g["carol"] != 0.125 {
		t.Errorf("team filter: %+v", u)
	}
}

func TestUsageDateFilters(t *testing.T) {
	f := startUsage(t)
	cases := []struct {
		query, since, until string
		days                []string
	}{
		{"since=2026-03-02", "2026-03-02", "<null>", []string{"2026-03-02", "2026-03-03"}},
		{"until=2026-03-02", "<null>", "2026-03-02", []string{"2026-03-01"}}, // until is exclusive
		{"since=2026-03-02&until=2026-03-03", "2026-03-02", "2026-03-03", []string{"2026-03-02"}},
		// A time inside a day counts that whole day: spend is kept per UTC day.
		{"since=2026-03-02T12:00:00Z&until=2026-03-02T13:00:00Z", "2026-03-02", "2026-03-03", []string{"2026-03-02"}},
		{"since=2026-03-01T23:00:00-02:00", "2026-03-02", "<null>", []string{"2026-03-02", "2026-03-03"}}, // 01:00 UTC on the 2nd
		{"since=2026-04-01", "2026-04-01", "<null>", nil},
	}
	for _, c := range cases {
		u := usage(t, f.w, master, c.query)
		var days []string
		for _, r := range u.Data {
			days = append(days, str(r.Group))
		}
		slices.Sort(days)
		if !slices.Equal(days, c.days) || str(u.Since) != c.since || str(u.Until) != c.until {
			t.Errorf("%s: days %v since %s until %s; want %v since %s until %s", c.query, days, str(u.Since), str(u.Until),
				c.days, c.since, c.until)
		}
		u.checkTotals(t)
	}
	u := usage(t, f.w, master, "group_by=user&since=2026-03-02&until=2026-03-03")
	if g := u.groups(); len(g) != 2 || g["alice"] != 0.25 || g["bob"] != 1 || u.Total.Cost != 1.25 {
		t.Errorf("one day by user: %+v", u)
	}
}

func TestUsageUserSeesOnlyTheirOwn(t *testing.T) {
	f := startUsage(t)
	w := f.w
	// A user without filters gets their own spend, and the answer says so.
	for _, groupBy := range []string{"user", "day", "model", "team", "key"} {
		u := usage(t, w, f.alice, "group_by="+groupBy)
		if str(u.Filters.UserID) != "alice" || u.Total.Cost != 0.75 || u.Total.Requests != 3 {
			t.Errorf("alice group_by=%s: %+v", groupBy, u)
		}
	}
	if g := usage(t, w, f.bob, "group_by=user").groups(); len(g) != 1 || g["bob"] != 1 {
		t.Errorf("bob sees %v", g)
	}
	if g := usage(t, w, f.alice, "group_by=user&user_id=alice&team_id="+f.eng).groups(); len(g) != 1 || g["alice"] != 0.75 {
		t.Errorf("alice in her team sees %v", g)
	}
	// A member of a team sees only their own spend there; a key filter does not widen it.
	if u := usage(t, w, f.alice, "group_by=user&team_id="+f.eng); str(u.Filters.UserID) != "alice" || len(u.Data) != 1 {
		t.Errorf("alice with her team's filter: %+v", u)
	}
	if u := usage(t, w, f.alice, "key_id="+f.bobKeyID); len(u.Data) != 0 {
		t.Errorf("alice filtering on bob's key sees %+v", u)
	}
	// The team admin sees the team's spend when they name it, and their own otherwise.
	if g := usage(t, w, f.carol, "group_by=user&team_id="+f.eng).groups(); len(g) != 2 || g["alice"] != 0.75 || g["carol"] != 0.125 {
		t.Errorf("carol, team admin of eng, sees %v", g)
	}
	if g := usage(t, w, f.carol, "group_by=user&user_id=alice&team_id="+f.eng).groups(); len(g) != 1 || g["alice"] != 0.75 {
		t.Errorf("carol asking for alice in eng sees %v", g)
	}
	if g := usage(t, w, f.carol, "group_by=user").groups(); len(g) != 1 || g["carol"] != 0.125 {
		t.Errorf("carol without a team filter sees %v", g)
	}

	refused := []struct{ who, key, query string }{
		{"alice", f.alice, "user_id=bob"},
		{"alice", f.alice, "user_id=carol&team_id=" + f.eng}, // a member is not the team's admin
		{"bob", f.bob, "team_id=" + f.eng},
		{"carol", f.carol, "user_id=bob"}, // bob is in none of carol's teams
		{"pat (pending)", f.pat, ""},
	}
	for _, r := range refused {
		s, _, raw := do(t, w, "GET", "/admin/v1/usage?"+r.query, r.key, nil)
		if s != 403 || errorOf(t, raw).Error.Type != "permission_error" {
			t.Errorf("%s asking %q: %d %s; want 403", r.who, r.query, s, raw)
		}
		if strings.Contains(raw, `"data"`) {
			t.Errorf("%s asking %q got data with the refusal: %s", r.who, r.query, raw)
		}
	}
	if s, _, raw := do(t, w, "GET", "/admin/v1/usage", "", nil); s != 401 {
		t.Errorf("no key: %d %s", s, raw)
	}
}

func TestUsageBadParameters(t *testing.T) {
	f := startUsage(t)
	cases := []struct{ query, param string }{
		{"group_by=week", "group_by"},
		{"group_by=", ""}, // empty means the default
		{"since=yesterday", "since"},
		{"since=2026-02-30", "since"},
		{"until=2026-03-01T10:00", "until"},
		{"since=2026-03-02&until=2026-03-02", "until"},
		{"since=2026-03-03&until=2026-03-02", "until"},
		{"limit=0", "limit"},
		{"limit=100000", "limit"},
		{"offset=-1", "offset"},
		{"key_id=alice", "key_id"},
		{"user_id=" + strings.Repeat("u", 300), "user_id"},
		{"model=" + strings.Repeat("m", 300), "model"},
		{"page=2", "page"},
	}
	for _, c := range cases {
		s, _, raw := do(t, f.w, "GET", "/admin/v1/usage?"+c.query, master, nil)
		if c.param == "" {
			if s != 200 {
				t.Errorf("%s: %d %s", c.query, s, raw)
			}
			continue
		}
		e := errorOf(t, raw)
		if s != 400 || e.Error.Param == nil || *e.Error.Param != c.param {
			t.Errorf("%.40s: got %d %s; want 400 naming %s", c.query, s, raw, c.param)
		}
	}
	// A key secret given as key_id is refused without being echoed.
	s, _, raw := do(t, f.w, "GET", "/admin/v1/usage?key_id="+url.QueryEscape(f.bobKeySecret), master, nil)
	if s != 400 || strings.Contains(raw, f.bobKeySecret) {
		t.Errorf("a secret as key_id: %d %s", s, raw)
	}
}

func TestUsagePages(t *testing.T) {
	f := startUsage(t)
	first := usage(t, f.w, master, "group_by=user&limit=2")
	if len(first.Data) != 2 || first.NextOffset == nil || *first.NextOffset != 2 ||
		str(first.Data[0].Group) != "bob" || str(first.Data[1].Group) != "alice" {
		t.Fatalf("first page (most costly first): %+v", first)
	}
	first.checkTotals(t)
	if first.Total.Cost != 1.75 {
		t.Errorf("the first page's total is its own sums: %+v", first.Total)
	}
	last := usage(t, f.w, master, "group_by=user&limit=2&offset=2")
	if len(last.Data) != 1 || str(last.Data[0].Group) != "carol" || last.NextOffset != nil || last.Total.Cost != 0.125 {
		t.Fatalf("last page: %+v", last)
	}
	if u := usage(t, f.w, master, "group_by=user&limit=3"); len(u.Data) != 3 || u.NextOffset != nil {
		t.Errorf("a page holding every group: %+v", u)
	}
}

// spendDay is one day of GET /spend/logs.
type spendDay struct {
	StartTime         string  `json:"startTime"`
	Spend             float64 `json:"spend"`
	Requests          int64   `json:"requests"`
	PromptTokens      int64   `json:"prompt_tokens"`
	CompletionTokens  int64   `json:"completion_tokens"`
	TotalTokens       int64   `json:"total_tokens"`
	EstimatedRequests int64   `json:"estimated_requests"`
}

func spendLogs(t *testing.T, w *testkit.Warden, key, query string) []spendDay {
	t.Helper()
	status, raw, _ := w.Do(t, "GET", "/spend/logs?"+query, key, nil)
	if status != 200 {
		t.Fatalf("/spend/logs?%s: %d %s", query, status, raw)
	}
	var out []spendDay
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("/spend/logs answer is not a list of days: %v: %s", err, raw)
	}
	return out
}

// costs lists the spend of each day as "day=cost".
func costs(days []spendDay) []string {
	var out []string
	for _, d := range days {
		b, _ := json.Marshal(d.Spend)
		out = append(out, d.StartTime+"="+string(b))
	}
	return out
}

func TestSpendLogsAnswersDailyAggregates(t *testing.T) {
	f := startUsage(t)
	w := f.w
	const march = "start_date=2026-02-28&end_date=2026-03-04"
	days := spendLogs(t, w, master, march)
	want := []string{"2026-02-28=0", "2026-03-01=0.5", "2026-03-02=1.25", "2026-03-03=0.125", "2026-03-04=0"}
	if !slices.Equal(costs(days), want) {
		t.Fatalf("master: %v, want %v", costs(days), want)
	}
	if d := days[2]; d.Requests != 4 || d.PromptTokens != 310 || d.CompletionTokens != 35 || d.TotalTokens != 345 || d.EstimatedRequests != 1 {
		t.Errorf("2026-03-02: %+v", d)
	}
	if got := costs(spendLogs(t, w, f.audrey, march+"&summarize=true")); !slices.Equal(got, want) {
		t.Errorf("auditor: %v", got)
	}
	// A user is pinned to their own spend; a key filter takes the secret or the key id.
	alice := []string{"2026-02-28=0", "2026-03-01=0.5", "2026-03-02=0.25", "2026-03-03=0", "2026-03-04=0"}
	if got := costs(spendLogs(t, w, f.alice, march)); !slices.Equal(got, alice) {
		t.Errorf("alice: %v, want %v", got, alice)
	}
	if got := costs(spendLogs(t, w, f.alice, march+"&user_id=alice")); !slices.Equal(got, alice) {
		t.Errorf("alice naming herself: %v, want %v", got, alice)
	}
	bob := []string{"2026-02-28=0", "2026-03-01=0", "2026-03-02=1", "2026-03-03=0", "2026-03-04=0"}
	for _, ref := range []string{f.bobKeySecret, f.bobKeyID} {
		if got := costs(spendLogs(t, w, master, march+"&api_key="+url.QueryEscape(ref))); !slices.Equal(got, bob) {
			t.Errorf("api_key filter: %v, want %v", got, bob)
		}
	}
	if got := costs(spendLogs(t, w, f.alice, march+"&api_key="+f.bobKeyID)); slices.ContainsFunc(got, func(s string) bool { return !strings.HasSuffix(s, "=0") }) {
		t.Errorf("alice filtering on bob's key sees spend: %v", got)
	}
	if got := costs(spendLogs(t, w, master, "start_date=2026-03-02&end_date=2026-03-02&user_id=bob")); !slices.Equal(got, []string{"2026-03-02=1"}) {
		t.Errorf("one day of bob: %v", got)
	}

	// Without dates: the 30 days up to today (UTC).
	addSpend(t, w, []store.SpendRow{{Day: time.Now(), UserID: "bob", Model: "llama3.1-8b", Requests: 1, Cost: 2}})
	before := time.Now().UTC().Format(store.DayLayout)
	recent := spendLogs(t, w, master, "")
	after := time.Now().UTC().Format(store.DayLayout)
	if len(recent) != 30 {
		t.Fatalf("default range: %d days, want 30", len(recent))
	}
	if last := recent[29].StartTime; last != before && last != after {
		t.Errorf("the default range ends on %s, not today", last)
	}
	var sum float64
	for i, d := range recent {
		sum += d.Spend
		if i > 0 && d.StartTime <= recent[i-1].StartTime {
			t.Errorf("days out of order: %v", costs(recent))
		}
	}
	if math.Abs(sum-2) > 1e-9 {
		t.Errorf("today's spend is not in the default range: %v", costs(recent))
	}
}

func TestSpendLogsRefusals(t *testing.T) {
	f := startUsage(t)
	cases := []struct {
		who, key, query string
		status          int
		want            string
	}{
		{"alice", f.alice, "user_id=bob", 403, "usage.read"},
		{"pat", f.pat, "", 403, "pending"},
		{"master", master, "summarize=false", 400, "daily aggregates"},
		{"master", master, "summarize=maybe", 400, `summarize`},
		{"master", master, "request_id=abc", 400, `request_id`},
		{"master", master, "start_date=2026-03-05&end_date=2026-03-01", 400, `end_date`},
		{"master", master, "start_date=03/01/2026", 400, `start_date`},
		{"master", master, "end_date=2026-03-01T00:00:00Z", 400, `end_date`},
		{"master", master, "start_date=2024-01-01&end_date=2026-01-01", 400, `end_date`},
		{"master", master, "api_key=sk-not-a-real-key-0000000000", 404, `api_key`},
	}
	for _, c := range cases {
		s, o, raw := do(t, f.w, "GET", "/spend/logs?"+c.query, c.key, nil)
		msg, _ := o.sub("error")["message"].(string)
		if s != c.status || !strings.Contains(msg, c.want) {
			t.Errorf("%s %s: got %d %s; want %d naming %q", c.who, c.query, s, raw, c.status, c.want)
		}
		if strings.Contains(raw, "sk-not-a-real-key-0000000000") {
			t.Errorf("the answer echoes a key secret: %s", raw)
		}
	}
}
