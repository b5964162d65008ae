package storetest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// Three UTC days of spend. Costs are sums of powers of two, so every total is exact.
var (
	day0 = time.Date(2025, 3, 13, 0, 0, 0, 0, time.UTC)
	day1 = day0.AddDate(0, 0, 1)
	day2 = day0.AddDate(0, 0, 2)
)

// seedSpend stores six rows over three days, in two calls, at times inside their days.
func seedSpend(t *testing.T, s store.Store) {
	t.Helper()
	must(t, s.AddSpend(ctx(t), []store.SpendRow{
		{Day: day0.Add(23 * time.Hour), KeyID: "k1", UserID: "u1", TeamID: "t1", Model: "llama", Requests: 1, PromptTokens: 100, CompletionTokens: 20, Cost: 0.5},
		{Day: day1.Add(time.Hour), KeyID: "k1", UserID: "u1", TeamID: "t1", Model: "llama", Requests: 2, PromptTokens: 200, CompletionTokens: 40, Cost: 1, EstimatedRequests: 1},
		{Day: day1, KeyID: "k2", UserID: "u1", Model: "qwen", Requests: 1, PromptTokens: 50, CompletionTokens: 10, Cost: 0.25},
	}), "add spend")
	must(t, s.AddSpend(ctx(t), []store.SpendRow{
		{Day: day2.Add(12 * time.Hour), KeyID: "k3", UserID: "u2", TeamID: "t1", Model: "llama", Requests: 4, PromptTokens: 400, CompletionTokens: 80, Cost: 2},
		{Day: day2, KeyID: "k2", UserID: "u1", Model: "llama", Requests: 1, PromptTokens: 10},
		{Day: day2.Add(time.Minute), KeyID: "k4", UserID: "u2", TeamID: "t2", Model: "qwen", Requests: 1, PromptTokens: 50, CompletionTokens: 10, Cost: 0.25},
	}), "add spend")
}

func testSpendSince(t *testing.T, s store.Store) {
	seedSpend(t, s)
	for _, tc := range []struct {
		level, id string
		since     time.Time
		cost      float64
		tokens    int64
	}{
		{store.SpendKey, "k1", time.Time{}, 1.5, 360},
		{store.SpendKey, "k1", day1.Add(10 * time.Hour), 1, 240}, // day granularity: all of day1 counts
		{store.SpendKey, "k1", day2, 0, 0},
		{store.SpendKey, "k9", time.Time{}, 0, 0},
		{store.SpendUser, "u1", time.Time{}, 1.75, 430},
		{store.SpendUser, "u2", day2, 2.25, 540},
		{store.SpendTeam, "t1", time.Time{}, 3.5, 840},
		{store.SpendModel, "llama", time.Time{}, 3.5, 850},
		{store.SpendModel, "llama", day2.Add(23 * time.Hour), 2, 490},
		{store.SpendGlobal, "", time.Time{}, 4, 970},
		{store.SpendGlobal, "ignored", day1, 3.5, 850},
		// since in another zone: 2025-03-15 01:00 at UTC+2 is day1 (23:00 UTC), so day1 and day2 count.
		{store.SpendGlobal, "", day2.Add(time.Hour).In(time.FixedZone("UTC+2", 2*3600)).Add(-2 * time.Hour), 3.5, 850},
	} {
		cost, tokens, err := s.SpendSince(ctx(t), tc.level, tc.id, tc.since)
		must(t, err, "spend since")
		if cost != tc.cost || tokens != tc.tokens {
			t.Errorf("SpendSince(%s, %q, %v) = %v, %d; want %v, %d", tc.level, tc.id, tc.since, cost, tokens, tc.cost, tc.tokens)
		}
	}
	for _, tc := range []struct{ name, level, id string }{
		{"unknown level", "org", "o1"},
		{"empty level", "", "k1"},
		{"day is not a level", store.SpendDay, "2025-03-13"},
		{"empty id", store.SpendTeam, ""},
		{"long id", store.SpendKey, strings.Repeat("k", store.MaxIDLen+1)},
	} {
		_, _, err := s.SpendSince(ctx(t), tc.level, tc.id, time.Time{})
		wantErr(t, err, store.ErrInvalid, tc.name)
	}
}

func usageGroups(rows []store.UsageRow) []string {
	return ids(rows, func(r store.UsageRow) string { return r.Group })
}

func testUsageReport(t *testing.T, s store.Store) {
	if rows, err := s.UsageReport(ctx(t), store.UsageFilter{GroupBy: store.SpendKey}); err != nil || len(rows) != 0 {
		t.Fatalf("usage of an empty store = %+v, %v; want none", rows, err)
	}
	seedSpend(t, s)
	rows, err := s.UsageReport(ctx(t), store.UsageFilter{GroupBy: store.SpendKey})
	must(t, err, "usage by key")
	want := []store.UsageRow{ // by cost, then k2 before k4 on the tie
		{Group: "k3", Requests: 4, PromptTokens: 400, CompletionTokens: 80, Cost: 2},
		{Group: "k1", Requests: 3, PromptTokens: 300, CompletionTokens: 60, Cost: 1.5, EstimatedRequests: 1},
		{Group: "k2", Requests: 2, PromptTokens: 60, CompletionTokens: 10, Cost: 0.25},
		{Group: "k4", Requests: 1, PromptTokens: 50, CompletionTokens: 10, Cost: 0.25},
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("usage by key =\n %+v\nwant\n %+v", rows, want)
	}
	for _, tc := range []struct {
		f    store.UsageFilter
		want []string
	}{
		{store.UsageFilter{GroupBy: store.SpendUser}, []string{"u2", "u1"}},
		{store.UsageFilter{GroupBy: store.SpendTeam}, []string{"t1", "", "t2"}}, // "" = no team
		{store.UsageFilter{GroupBy: store.SpendModel}, []string{"llama", "qwen"}},
		{store.UsageFilter{GroupBy: store.SpendDay}, []string{"2025-03-15", "2025-03-14", "2025-03-13"}},
		{store.UsageFilter{GroupBy: store.SpendModel, UserID: "u1"}, []string{"llama", "qwen"}},
		{store.UsageFilter{GroupBy: store.SpendDay, KeyID: "k1"}, []string{"2025-03-14", "2025-03-13"}},
		{store.UsageFilter{GroupBy: store.SpendKey, TeamID: "t1", Model: "llama"}, []string{"k3", "k1"}},
		{store.UsageFilter{GroupBy: store.SpendKey, KeyID: "nobody"}, nil},
		{store.UsageFilter{GroupBy: store.SpendDay, Since: day1.Add(12 * time.Hour)}, []string{"2025-03-15", "2025-03-14"}},
		{store.UsageFilter{GroupBy: store.SpendDay, Until: day2}, []string{"2025-03-14", "2025-03-13"}},
		{store.UsageFilter{GroupBy: store.SpendDay, Until: day2.Add(time.Millisecond)}, []string{"2025-03-15", "2025-03-14", "2025-03-13"}},
		{store.UsageFilter{GroupBy: store.SpendDay, Since: day1, Until: day1.Add(12 * time.Hour)}, []string{"2025-03-14"}},
		{store.UsageFilter{GroupBy: store.SpendKey, Limit: 2}, []string{"k3", "k1"}},
		{store.UsageFilter{GroupBy: store.SpendKey, Limit: 2, Offset: 2}, []string{"k2", "k4"}},
		{store.UsageFilter{GroupBy: store.SpendKey, Offset: 4}, nil},
	} {
		rows, err := s.UsageReport(ctx(t), tc.f)
		must(t, err, "usage report")
		if got := usageGroups(rows); !slices.Equal(got, tc.want) {
			t.Errorf("UsageReport(%+v) groups = %q, want %q", tc.f, got, tc.want)
		}
	}
	rows, err = s.UsageReport(ctx(t), store.UsageFilter{GroupBy: store.SpendModel, UserID: "u1"})
	must(t, err, "usage by model for u1")
	if want := (store.UsageRow{Group: "llama", Requests: 4, PromptTokens: 310, CompletionTokens: 60, Cost: 1.5,
		EstimatedRequests: 1}); len(rows) == 0 || rows[0] != want {
		t.Fatalf("u1's llama usage = %+v, want %+v", rows, want)
	}
	for _, f := range []store.UsageFilter{
		{}, {GroupBy: "org"}, {GroupBy: store.SpendGlobal},
		{GroupBy: store.SpendKey, Limit: -1}, {GroupBy: store.SpendKey, Offset: -1},
		{GroupBy: store.SpendKey, Model: strings.Repeat("m", store.MaxTextLen+1)},
	} {
		_, err := s.UsageReport(ctx(t), f)
		wantErr(t, err, store.ErrInvalid, fmt.Sprintf("UsageReport(GroupBy %q Limit %d Offset %d)", f.GroupBy, f.Limit, f.Offset))
	}
}

// Rows for one aggregate are summed, within a call and across calls, whatever the zone of their Day.
func testAddSpendMerges(t *testing.T, s store.Store) {
	plus2 := time.FixedZone("UTC+2", 2*3600)
	row := store.SpendRow{KeyID: "k1", UserID: "u1", Model: "m", Requests: 1, PromptTokens: 7, CompletionTokens: 3,
		Cost: 0.125, EstimatedRequests: 1}
	at := func(t time.Time) store.SpendRow { r := row; r.Day = t; return r }
	must(t, s.AddSpend(ctx(t), []store.SpendRow{
		at(day1), at(day1.Add(23*time.Hour + 59*time.Minute)),
		at(time.Date(2025, 3, 15, 1, 0, 0, 0, plus2)), // 23:00 UTC on day1
	}), "add spend")
	must(t, s.AddSpend(ctx(t), []store.SpendRow{at(day1.Add(time.Hour))}), "add spend again")
	must(t, s.AddSpend(ctx(t), nil), "add no spend")
	rows, err := s.UsageReport(ctx(t), store.UsageFilter{GroupBy: store.SpendDay})
	must(t, err, "usage by day")
	want := []store.UsageRow{{Group: "2025-03-14", Requests: 4, PromptTokens: 28, CompletionTokens: 12, Cost: 0.5, EstimatedRequests: 4}}
	if !slices.Equal(rows, want) {
		t.Fatalf("usage by day = %+v, want %+v", rows, want)
	}
}

func testAddSpendInvalid(t *testing.T, s store.Store) {
	ok := store.SpendRow{Day: day1, KeyID: "k1", Requests: 1, Cost: 1}
	with := func(f func(r *store.SpendRow)) store.SpendRow { r := ok; f(&r); return r }
	for _, tc := range []struct {
		name string
		rows []store.SpendRow
	}{
		{"zero day", []store.SpendRow{with(func(r *store.SpendRow) { r.Day = time.Time{} })}},
		{"negative requests", []store.SpendRow{with(func(r *store.SpendRow) { r.Requests = -1 })}},
		{"negative prompt tokens", []store.SpendRow{with(func(r *store.SpendRow) { r.PromptTokens = -1 })}},
		{"negative completion tokens", []store.SpendRow{with(func(r *store.SpendRow) { r.CompletionTokens = -1 })}},
		{"negative estimated", []store.SpendRow{with(func(r *store.SpendRow) { r.EstimatedRequests = -1 })}},
		{"negative cost", []store.SpendRow{with(func(r *store.SpendRow) { r.Cost = -0.5 })}},
		{"NaN cost", []store.SpendRow{with(func(r *store.SpendRow) { r.Cost = math.NaN() })}},
		{"infinite cost", []store.SpendRow{with(func(r *store.SpendRow) { r.Cost = math.Inf(1) })}},
		{"long key id", []store.SpendRow{with(func(r *store.SpendRow) { r.KeyID = strings.Repeat("k", store.MaxIDLen+1) })}},
		{"long team id", []store.SpendRow{with(func(r *store.SpendRow) { r.TeamID = strings.Repeat("t", store.MaxIDLen+1) })}},
		{"model not UTF-8", []store.SpendRow{with(func(r *store.SpendRow) { r.Model = "m\xff" })}},
		{"user not UTF-8", []store.SpendRow{with(func(r *store.SpendRow) { r.UserID = "\xc3" })}},
		{"sum overflows", []store.SpendRow{
			with(func(r *store.SpendRow) { r.PromptTokens = math.MaxInt64 }),
			with(func(r *store.SpendRow) { r.PromptTokens = 1 }),
		}},
		{"too many rows", make([]store.SpendRow, store.MaxSpendRows+1)},
	} {
		rows := append([]store.SpendRow{ok}, tc.rows...) // a valid row first: it must not be written either
		wantErr(t, s.AddSpend(ctx(t), rows), store.ErrInvalid, tc.name)
		if len(tc.rows) == 1 { // refused on its own, not only as part of its batch
			wantErr(t, store.CheckSpendRow(tc.rows[0]), store.ErrInvalid, "CheckSpendRow: "+tc.name)
		}
	}
	must(t, store.CheckSpendRow(ok), "CheckSpendRow of a valid row")
	if cost, tokens, err := s.SpendSince(ctx(t), store.SpendGlobal, "", time.Time{}); err != nil || cost != 0 || tokens != 0 {
		t.Fatalf("spend after refused batches = %v, %d, %v; want nothing written", cost, tokens, err)
	}
}

// A batch the database refuses part-way (a total past the column's range) leaves no row behind.
func testAddSpendAtomic(t *testing.T, s store.Store) {
	big := store.SpendRow{Day: day2, KeyID: "k2", Requests: 1, PromptTokens: math.MaxInt64 - 5}
	must(t, s.AddSpend(ctx(t), []store.SpendRow{big}), "add big spend")
	earlier := store.SpendRow{Day: day0, KeyID: "k1", Requests: 1, Cost: 0.5} // sorts, so is written, first
	more := big
	more.PromptTokens = 10
	if err := s.AddSpend(ctx(t), []store.SpendRow{more, earlier}); err == nil {
		t.Fatal("AddSpend past the range of a token total succeeded")
	}
	if cost, _, err := s.SpendSince(ctx(t), store.SpendKey, "k1", time.Time{}); err != nil || cost != 0 {
		t.Fatalf("k1 spend after a failed batch = %v, %v; want 0: the batch was not one transaction", cost, err)
	}
	rows, err := s.UsageReport(ctx(t), store.UsageFilter{GroupBy: store.SpendKey})
	must(t, err, "usage")
	if len(rows) != 1 || rows[0].PromptTokens != big.PromptTokens || rows[0].Requests != 1 {
		t.Fatalf("usage after a failed batch = %+v, want k2 unchanged", rows)
	}
}

// Concurrent batches over the same aggregates, each in its own order, lose nothing and do not deadlock.
func testParallelAddSpend(t *testing.T, s store.Store) {
	const workers, each, keys = 8, 15, 5
	errs := parallel(workers, func(w int) error {
		for i := range each {
			rows := make([]store.SpendRow, keys)
			for j := range keys {
				k := (j + w + i) % keys
				if w%2 == 1 {
					k = keys - 1 - k
				}
				rows[j] = store.SpendRow{Day: day1, KeyID: fmt.Sprint("k", k), Model: "m", Requests: 1, PromptTokens: 2,
					CompletionTokens: 1, Cost: 0.25}
			}
			if err := s.AddSpend(ctx(t), rows); err != nil {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		must(t, err, "parallel add spend")
	}
	for k := range keys {
		cost, tokens, err := s.SpendSince(ctx(t), store.SpendKey, fmt.Sprint("k", k), day1)
		must(t, err, "spend since")
		if cost != workers*each*0.25 || tokens != workers*each*3 {
			t.Errorf("k%d: cost %v, tokens %d; want %v, %d", k, cost, tokens, workers*each*0.25, workers*each*3)
		}
	}
}
