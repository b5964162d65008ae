package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/store"
)

// spendFields are the spend fields of a key, team or user in both APIs (LiteLLM's names).
type spendFields struct {
	Spend float64 `json:"spend" doc:"money spent in the current budget period (the unit of max_budget), or in all time without budget_duration. Spend is kept per UTC day, so for a period that starts inside a day (1h, 12h) it counts from 00:00 UTC of that day. Spend reaches the store in batches every 2 s, so it may lag by up to 2 s"`
	// BudgetResetAt is the end of the current budget period; nil for a lifetime budget.
	BudgetResetAt *time.Time `json:"budget_reset_at" doc:"when the current budget period ends and spend starts again from 0 (RFC 3339, UTC); null without budget_duration"`
}

// nativeSpend is the native API's spend fields: LiteLLM's and the tokens of the same period.
type nativeSpend struct {
	spendFields
	SpendTokens int64 `json:"spend_tokens" doc:"tokens (prompt plus completion) used in the same period as spend, counted like spend (per UTC day, up to 2 s late)"`
}

// spendReader reads the current spend of keys, teams and users for one request. It reads the
// clock once, so that every row of a page is measured against the same period.
type spendReader struct {
	ctx   context.Context
	store store.Store
	now   time.Time
}

// spendReader returns the spend reader of request r.
func (a *API) spendReader(r *http.Request) spendReader {
	return spendReader{ctx: r.Context(), store: a.store, now: a.now()}
}

// period is the current period of budget duration d: its start (zero for a lifetime budget) and
// its end (nil for a lifetime budget). A duration the limiter cannot read counts as no period, as
// the limiter counts it.
func (s spendReader) period(d string) (time.Time, *time.Time) {
	p, err := limits.ParsePeriod(d)
	if err != nil || p.IsZero() {
		return time.Time{}, nil
	}
	start, end := p.Bounds(s.now)
	return start, &end
}

// read returns what id at level (store.SpendKey, SpendTeam or SpendUser) has spent in the current
// period of budget duration d. A store error is returned, never a zero.
func (s spendReader) read(level, id, d string) (nativeSpend, error) {
	start, end := s.period(d)
	cost, tokens, err := s.store.SpendSince(s.ctx, level, id, start)
	if err != nil {
		return nativeSpend{}, err
	}
	return nativeSpend{spendFields: spendFields{Spend: cost, BudgetResetAt: end}, SpendTokens: tokens}, nil
}

// fresh is the spend of a key created in this request: none, since its id is new.
func (s spendReader) fresh(k store.Key) nativeSpend {
	_, end := s.period(k.Limits.BudgetDuration)
	return nativeSpend{spendFields: spendFields{BudgetResetAt: end}}
}

// key, team and user read the current spend of a key, team or user.
func (s spendReader) key(k store.Key) (nativeSpend, error) {
	return s.read(store.SpendKey, k.ID, k.Limits.BudgetDuration)
}

func (s spendReader) team(t store.Team) (nativeSpend, error) {
	return s.read(store.SpendTeam, t.ID, t.Limits.BudgetDuration)
}

func (s spendReader) user(u store.User) (nativeSpend, error) {
	return s.read(store.SpendUser, u.ID, u.Limits.BudgetDuration)
}

// keyView is LiteLLM's row of key k with its current spend.
func (s spendReader) keyView(k store.Key) (keyView, error) {
	sp, err := s.key(k)
	return viewKey(k, sp.spendFields), err
}

// keyViews is keyView of each key.
func (s spendReader) keyViews(ks []store.Key) ([]keyView, error) {
	return mapErr(ks, s.keyView)
}

// teamView is LiteLLM's row of team t with its members and current spend.
func (s spendReader) teamView(t store.Team, members []store.TeamMember) (teamView, error) {
	sp, err := s.team(t)
	return viewTeam(t, members, sp.spendFields), err
}

// userView is LiteLLM's row of user u with its teams and current spend.
func (s spendReader) userView(u store.User, teams []store.TeamMember) (userView, error) {
	sp, err := s.user(u)
	return viewUser(u, teams, sp.spendFields), err
}

// keyResource is the native view of key k with its current spend.
func (s spendReader) keyResource(k store.Key) (keyResource, error) {
	sp, err := s.key(k)
	return keyResourceOf(k, sp), err
}

// teamResource is the native view of team t with its members and current spend.
func (s spendReader) teamResource(t store.Team, members []store.TeamMember) (teamResource, error) {
	sp, err := s.team(t)
	return teamResourceOf(t, members, sp), err
}

// userResource is the native view of user u with its teams and current spend.
func (s spendReader) userResource(u store.User, teams []store.TeamMember) (userResource, error) {
	sp, err := s.user(u)
	return userResourceOf(u, teams, sp), err
}

// mapErr applies f to each element of in and stops at the first error.
func mapErr[S, T any](in []S, f func(S) (T, error)) ([]T, error) {
	out := make([]T, 0, len(in))
	for _, s := range in {
		t, err := f(s)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
