package admin_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/store"
	"github.com/warden-gw/warden/internal/testkit"
)

// spendFixture has, for each of key, user and team, one object with a 30-day budget ("monthly")
// and one with a lifetime budget ("lifetime"). Each object spent 2 (1000 tokens) on the day before
// the current 30-day period and 0.5 (150 tokens) today.
type spendFixture struct {
	w                         *testkit.Warden
	monthlyTeam, lifetimeTeam string
	monthlyUser, lifetimeUser string
	monthlyKey, lifetimeKey   string    // key ids
	periodStart, periodEnd    time.Time // the current 30-day period
	inPeriodCost, allCost     float64
	inPeriodTokens, allTokens float64 // as JSON numbers decode
}

func startSpend(t *testing.T) *spendFixture {
	t.Helper()
	f := &spendFixture{w: start(t), monthlyUser: "bea", lifetimeUser: "leo"}
	w := f.w
	p, err := limits.ParsePeriod("30d")
	if err != nil {
		t.Fatal(err)
	}
	f.periodStart, f.periodEnd = p.Bounds(time.Now())

	monthly := map[string]any{"max_budget": 100, "budget_duration": "30d"}
	lifetime := map[string]any{"max_budget": 100}
	f.monthlyTeam = must(t, w, "POST", "/team/new", master, with(monthly, "team_alias", "monthly")).str("team_id")
	f.lifetimeTeam = must(t, w, "POST", "/team/new", master, with(lifetime, "team_alias", "lifetime")).str("team_id")
	must(t, w, "POST", "/user/new", master, with(monthly, "user_id", f.monthlyUser, "teams", []string{f.monthlyTeam}, "auto_create_key", false))
	must(t, w, "POST", "/user/new", master, with(lifetime, "user_id", f.lifetimeUser, "teams", []string{f.lifetimeTeam}, "auto_create_key", false))

	gen := must(t, w, "POST", "/key/generate", master, with(monthly, "user_id", f.monthlyUser, "team_id", f.monthlyTeam))
	f.monthlyKey = gen.str("key_id")
	// A new key has spent nothing, and its period ends when the period does.
	checkSpend(t, "/key/generate answer", gen, 0, -1, &f.periodEnd)
	f.lifetimeKey = must(t, w, "POST", "/key/generate", master, with(lifetime, "user_id", f.lifetimeUser, "team_id", f.lifetimeTeam)).str("key_id")

	before, today := f.periodStart.AddDate(0, 0, -1), time.Now()
	// Costs are binary fractions, so that sums compare exactly.
	var rows []store.SpendRow
	for _, o := range []struct{ key, user, team string }{
		{f.monthlyKey, f.monthlyUser, f.monthlyTeam}, {f.lifetimeKey, f.lifetimeUser, f.lifetimeTeam},
	} {
		rows = append(rows,
			store.SpendRow{Day: before, KeyID: o.key, UserID: o.user, TeamID: o.team, Model: "llama3.1-8b", Requests: 4, PromptTokens: 800, CompletionTokens: 200, Cost: 2},
			store.SpendRow{Day: today, KeyID: o.key, UserID: o.user, TeamID: o.team, Model: "llama3.1-8b", Requests: 1, PromptTokens: 100, CompletionTokens: 50, Cost: 0.5})
	}
	addSpend(t, w, rows)
	f.inPeriodCost, f.inPeriodTokens, f.allCost, f.allTokens = 0.5, 150, 2.5, 1150
	return f
}

// checkPeriod skips the test when the 30-day period ended while it ran: its expectations no
// longer hold (this happens once every 30 days, at 00:00 UTC).
func (f *spendFixture) checkPeriod(t *testing.T) {
	t.Helper()
	p, _ := limits.ParsePeriod("30d")
	if start, _ := p.Bounds(time.Now()); !start.Equal(f.periodStart) {
		t.Skip("a 30-day budget period ended while the test ran")
	}
}

// with returns a copy of base with more fields (name, value pairs).
func with(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// checkSpend checks the spend fields of an object: spend, spend_tokens (unless tokens < 0, for
// LiteLLM objects, where it must be absent) and budget_reset_at (reset, or null when nil).
func checkSpend(t *testing.T, what string, o obj, cost, tokens float64, reset *time.Time) {
	t.Helper()
	if got, ok := o["spend"].(float64); !ok || got != cost {
		t.Errorf("%s: spend = %v, want %v", what, o["spend"], cost)
	}
	if got, ok := o["spend_tokens"]; tokens < 0 && ok {
		t.Errorf("%s: a LiteLLM object has spend_tokens %v", what, got)
	} else if tokens >= 0 && got != tokens {
		t.Errorf("%s: spend_tokens = %v, want %v", what, got, tokens)
	}
	raw, ok := o["budget_reset_at"]
	switch {
	case !ok:
		t.Errorf("%s: no budget_reset_at", what)
	case reset == nil && raw != nil:
		t.Errorf("%s: budget_reset_at = %v, want null for a lifetime budget", what, raw)
	case reset != nil:
		s, _ := raw.(string)
		if at, err := timeOf(s); err != nil || !at.Equal(*reset) {
			t.Errorf("%s: budget_reset_at = %v, want %s", what, raw, reset.Format(time.RFC3339))
		}
	}
}

// byField finds the object in list whose field is id.
func byField(t *testing.T, what string, list any, field, id string) obj {
	t.Helper()
	items, _ := list.([]any)
	for _, it := range items {
		if o, ok := it.(map[string]any); ok && o[field] == id {
			return o
		}
	}
	t.Fatalf("%s: no %s %q in %v", what, field, id, list)
	return nil
}

func TestKeysShowSpendOfTheCurrentPeriod(t *testing.T) {
	f := startSpend(t)
	w := f.w
	for _, c := range []struct {
		id           string
		cost, tokens float64
		reset        *time.Time
		what, user   string
	}{
		{f.monthlyKey, f.inPeriodCost, f.inPeriodTokens, &f.periodEnd, "30d key", f.monthlyUser},
		{f.lifetimeKey, f.allCost, f.allTokens, nil, "lifetime key", f.lifetimeUser},
	} {
		info := must(t, w, "GET", "/key/info?key="+c.id, master, nil).sub("info")
		checkSpend(t, c.what+" /key/info", info, c.cost, -1, c.reset)
		list := must(t, w, "GET", "/key/list?return_full_object=true&user_id="+c.user, master, nil)
		checkSpend(t, c.what+" /key/list", byField(t, "/key/list", list["keys"], "key_id", c.id), c.cost, -1, c.reset)

		got, _ := call(t, w, "GET", "/admin/v1/keys/"+c.id, master, nil, 200)
		checkSpend(t, c.what+" GET /admin/v1/keys/{id}", got, c.cost, c.tokens, c.reset)
		page, _ := call(t, w, "GET", "/admin/v1/keys?user_id="+c.user, master, nil, 200)
		checkSpend(t, c.what+" GET /admin/v1/keys", byField(t, "/admin/v1/keys", page["items"], "id", c.id), c.cost, c.tokens, c.reset)
		patched, _ := call(t, w, "PATCH", "/admin/v1/keys/"+c.id, master, `{"alias":"renamed"}`, 200)
		checkSpend(t, c.what+" PATCH /admin/v1/keys/{id}", patched, c.cost, c.tokens, c.reset)
		updated := must(t, w, "POST", "/key/update", master, map[string]any{"key": c.id, "key_alias": "again"})
		checkSpend(t, c.what+" /key/update", updated, c.cost, -1, c.reset)
	}
	// A new secret does not reset what the key has spent.
	rot := must(t, w, "POST", "/key/regenerate", master, map[string]any{"key": f.monthlyKey})
	checkSpend(t, "/key/regenerate", rot, f.inPeriodCost, -1, &f.periodEnd)
	nrot, _ := call(t, w, "POST", "/admin/v1/keys/"+f.monthlyKey+"/regenerate", master, nil, 200)
	checkSpend(t, "POST /admin/v1/keys/{id}/regenerate", nrot, f.inPeriodCost, f.inPeriodTokens, &f.periodEnd)
	f.checkPeriod(t)
}

func TestTeamsShowSpendOfTheCurrentPeriod(t *testing.T) {
	f := startSpend(t)
	w := f.w
	for _, c := range []struct {
		id, key      string
		cost, tokens float64
		reset        *time.Time
		what         string
	}{
		{f.monthlyTeam, f.monthlyKey, f.inPeriodCost, f.inPeriodTokens, &f.periodEnd, "30d team"},
		{f.lifetimeTeam, f.lifetimeKey, f.allCost, f.allTokens, nil, "lifetime team"},
	} {
		info := must(t, w, "GET", "/team/info?team_id="+url.QueryEscape(c.id), master, nil)
		checkSpend(t, c.what+" /team/info", info.sub("team_info"), c.cost, -1, c.reset)
		checkSpend(t, c.what+" /team/info keys", byField(t, "/team/info keys", info["keys"], "key_id", c.key), c.cost, -1, c.reset)
		_, raw := call(t, w, "GET", "/team/list", master, nil, 200)
		var list []any
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			t.Fatalf("/team/list: %v: %s", err, raw)
		}
		checkSpend(t, c.what+" /team/list", byField(t, "/team/list", list, "team_id", c.id), c.cost, -1, c.reset)
		updated := must(t, w, "POST", "/team/update", master, map[string]any{"team_id": c.id, "metadata": map[string]any{"x": 1}})
		checkSpend(t, c.what+" /team/update", updated.sub("data"), c.cost, -1, c.reset)

		got, _ := call(t, w, "GET", "/admin/v1/teams/"+url.PathEscape(c.id), master, nil, 200)
		checkSpend(t, c.what+" GET /admin/v1/teams/{id}", got, c.cost, c.tokens, c.reset)
		page, _ := call(t, w, "GET", "/admin/v1/teams", master, nil, 200)
		checkSpend(t, c.what+" GET /admin/v1/teams", byField(t, "/admin/v1/teams", page["items"], "id", c.id), c.cost, c.tokens, c.reset)
		patched, _ := call(t, w, "PATCH", "/admin/v1/teams/"+url.PathEscape(c.id), master, `{"metadata":{"y":2}}`, 200)
		checkSpend(t, c.what+" PATCH /admin/v1/teams/{id}", patched, c.cost, c.tokens, c.reset)
	}
	// A new team has spent nothing; its period is the current one.
	created, _ := call(t, w, "POST", "/admin/v1/teams", master, `{"alias":"new","limits":{"max_budget":1,"budget_duration":"30d"}}`, 201)
	checkSpend(t, "POST /admin/v1/teams", created, 0, 0, &f.periodEnd)
	f.checkPeriod(t)
}

func TestUsersShowSpendOfTheCurrentPeriod(t *testing.T) {
	f := startSpend(t)
	w := f.w
	for _, c := range []struct {
		id, team, key string
		cost, tokens  float64
		reset         *time.Time
		what          string
	}{
		{f.monthlyUser, f.monthlyTeam, f.monthlyKey, f.inPeriodCost, f.inPeriodTokens, &f.periodEnd, "30d user"},
		{f.lifetimeUser, f.lifetimeTeam, f.lifetimeKey, f.allCost, f.allTokens, nil, "lifetime user"},
	} {
		info := must(t, w, "GET", "/user/info?user_id="+c.id, master, nil)
		checkSpend(t, c.what+" /user/info", info.sub("user_info"), c.cost, -1, c.reset)
		// The user's key and team carry the same budget duration and spend as the user here.
		checkSpend(t, c.what+" /user/info keys", byField(t, "/user/info keys", info["keys"], "key_id", c.key), c.cost, -1, c.reset)
		checkSpend(t, c.what+" /user/info teams", byField(t, "/user/info teams", info["teams"], "team_id", c.team), c.cost, -1, c.reset)
		list := must(t, w, "GET", "/user/list?page_size=100", master, nil)
		checkSpend(t, c.what+" /user/list", byField(t, "/user/list", list["users"], "user_id", c.id), c.cost, -1, c.reset)
		updated := must(t, w, "POST", "/user/update", master, map[string]any{"user_id": c.id, "user_alias": "renamed"})
		checkSpend(t, c.what+" /user/update", updated.sub("data"), c.cost, -1, c.reset)

		got, _ := call(t, w, "GET", "/admin/v1/users/"+c.id, master, nil, 200)
		checkSpend(t, c.what+" GET /admin/v1/users/{id}", got, c.cost, c.tokens, c.reset)
		page, _ := call(t, w, "GET", "/admin/v1/users?team_id="+url.QueryEscape(c.team), master, nil, 200)
		checkSpend(t, c.what+" GET /admin/v1/users", byField(t, "/admin/v1/users", page["items"], "id", c.id), c.cost, c.tokens, c.reset)
		patched, _ := call(t, w, "PATCH", "/admin/v1/users/"+c.id, master, `{"name":"again"}`, 200)
		checkSpend(t, c.what+" PATCH /admin/v1/users/{id}", patched, c.cost, c.tokens, c.reset)
	}
	// A new user has spent nothing; /user/new shows it with its first key.
	created := must(t, w, "POST", "/user/new", master, map[string]any{"user_id": "nia", "max_budget": 1, "budget_duration": "30d"})
	checkSpend(t, "/user/new", created, 0, -1, &f.periodEnd)
	ncreated, _ := call(t, w, "POST", "/admin/v1/users", master, `{"id":"ola"}`, 201)
	checkSpend(t, "POST /admin/v1/users", ncreated, 0, 0, nil)
	f.checkPeriod(t)
}

// A budget period shorter than a day counts spend from 00:00 UTC of the day it starts in, since
// spend is kept per UTC day; budget_reset_at is still the period's end.
func TestSubDayPeriodCountsTheWholeDay(t *testing.T) {
	f := startSpend(t)
	w := f.w
	must(t, w, "POST", "/key/update", master, map[string]any{"key": f.lifetimeKey, "budget_duration": "1h"})
	p, _ := limits.ParsePeriod("1h")
	_, end := p.Bounds(time.Now())
	got, _ := call(t, w, "GET", "/admin/v1/keys/"+f.lifetimeKey, master, nil, 200)
	if _, now := p.Bounds(time.Now()); !now.Equal(end) {
		t.Skip("an hour ended while the test ran")
	}
	checkSpend(t, "1h key", got, f.inPeriodCost, f.inPeriodTokens, &end)
}

func TestSpendFieldsAreDocumented(t *testing.T) {
	w := start(t)
	_, raw, _ := w.Do(t, "GET", "/admin/v1/openapi.json", master, nil)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Key", "Team", "User", "LiteLLMKey", "LiteLLMTeam", "LiteLLMUser"} {
		fields := []string{"spend", "budget_reset_at"}
		if name[0] != 'L' {
			fields = append(fields, "spend_tokens")
		}
		for _, field := range fields {
			if d := doc.Components.Schemas[name].Properties[field].Description; d == "" {
				t.Errorf("schema %s: field %s has no description", name, field)
			}
		}
	}
	if d := doc.Components.Schemas["Key"].Properties["spend"].Description; !strings.Contains(d, "2 s") || !strings.Contains(d, "UTC day") {
		t.Errorf("spend's description does not say that it lags or that it is kept per day: %q", d)
	}
}
