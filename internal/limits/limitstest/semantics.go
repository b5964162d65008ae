package limitstest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

// testAtomic: a request refused by one rule reserves nothing at the others.
func testAtomic(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	keyRule := limits.Rule{Scope: key, RPM: 2, TPM: 100, HasBudget: true, Budget: 2, TokensBudget: 100}
	teamRule := limits.Rule{Scope: team, MaxParallel: 1}
	r := req(50, 1, keyRule, teamRule)
	a, _ := admit(t, l, r)
	for range 5 {
		refuse(t, l, r, limits.LimitParallel) // must not count against the key's rpm, tpm or budgets
	}
	settle(t, a, 50, 1)
	admit(t, l, r) // the key's second request, 100 tokens and 2 money in all: every counter at its limit
	refuse(t, l, req(0, 0, keyRule), limits.LimitRPM)
}

// testRefusalNamesSlowest: with several limits refusing, the one that frees up last is named.
func testRefusalNamesSlowest(t *testing.T, nl NewFunc) {
	tests := []struct {
		name  string
		rules []limits.Rule
		want  string
		scope limits.Scope
	}{
		{"rpm over parallel", []limits.Rule{{Scope: team, MaxParallel: 1}, {Scope: key, RPM: 1}}, limits.LimitRPM, key},
		{"lifetime budget over rpm", []limits.Rule{{Scope: key, RPM: 1}, {Scope: user, Budget: 1, HasBudget: true}}, limits.LimitBudget, user},
		{"daily budget over rpm", []limits.Rule{{Scope: key, RPM: 1, Budget: 1, HasBudget: true, Period: mustPeriod(t, "1d")}}, limits.LimitBudget, key},
		{"first on a tie", []limits.Rule{{Scope: team, RPM: 1}, {Scope: key, RPM: 1}}, limits.LimitRPM, team},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := one(t, nl)
			admit(t, l, req(1, 1, tc.rules...)) // held: parallel stays taken
			ref := refuse(t, l, req(1, 1, tc.rules...), tc.want)
			if ref.Rule.Scope != tc.scope {
				t.Fatalf("refusal names %+v, want %+v", ref.Rule.Scope, tc.scope)
			}
		})
	}
}

// testReleaseRefunds: Release gives everything back, the request itself included; Settle does not.
func testReleaseRefunds(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	rule := limits.Rule{Scope: key, RPM: 1, TPM: 100, MaxParallel: 1, Budget: 1, HasBudget: true, TokensBudget: 100, Period: mustPeriod(t, "30d")}
	r := req(100, 1, rule)
	for range 3 {
		a, _ := admit(t, l, r)
		release(t, a)
	}
	a, _ := admit(t, l, r)
	settle(t, a, 0, 0) // nothing used: tokens and money come back, the request does not
	refuse(t, l, r, limits.LimitRPM)
}

func testSettleOnce(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	rule := limits.Rule{Scope: key, MaxParallel: 1, TokensBudget: 100}
	a, _ := admit(t, l, req(10, 0, rule))
	settle(t, a, 10, 0)
	if err := a.Settle(context.Background(), 10, 0); !errors.Is(err, limits.ErrDone) {
		t.Fatalf("second Settle: %v, want ErrDone", err)
	}
	if err := a.Release(context.Background()); !errors.Is(err, limits.ErrDone) {
		t.Fatalf("Release after Settle: %v, want ErrDone", err)
	}
	b, _ := admit(t, l, req(10, 0, rule))
	release(t, b)
	if err := b.Release(context.Background()); !errors.Is(err, limits.ErrDone) {
		t.Fatalf("second Release: %v, want ErrDone", err)
	}
	admit(t, l, req(10, 0, rule))
	refuse(t, l, req(10, 0, rule), limits.LimitParallel) // the double release freed no second slot
	admit(t, l, req(80, 0, limits.Rule{Scope: key, TokensBudget: 100}))
	refuse(t, l, req(1, 0, limits.Rule{Scope: key, TokensBudget: 100}), limits.LimitTokensBudget) // 10 settled once, not twice
}

// testStatus: the headers come from the rule with the fewest remaining.
func testStatus(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	r := req(100, 0, limits.Rule{Scope: key, RPM: 10, TPM: 300}, limits.Rule{Scope: team, RPM: 5, TPM: 1000})
	_, st := admit(t, l, r)
	want := limits.Status{LimitRequests: 5, RemainingRequests: 4, LimitTokens: 300, RemainingTokens: 200}
	if st.LimitRequests != want.LimitRequests || st.RemainingRequests != want.RemainingRequests ||
		st.LimitTokens != want.LimitTokens || st.RemainingTokens != want.RemainingTokens {
		t.Fatalf("status %+v, want %+v", st, want)
	}
	if st.ResetRequests <= 60*time.Second || st.ResetRequests > 61*time.Second || st.ResetTokens != st.ResetRequests {
		t.Fatalf("resets %v and %v, want both in (60s, 61s]", st.ResetRequests, st.ResetTokens)
	}
	_, st, ref := reserve(t, l, req(250, 0, limits.Rule{Scope: key, RPM: 10, TPM: 300}))
	if ref == nil || st.RemainingTokens != 200 || st.RemainingRequests != 9 || st.ResetRequests <= 60*time.Second || st.ResetTokens <= 60*time.Second {
		t.Fatalf("refused status %+v (refusal %v), want remaining 9 requests and 200 tokens, resets over 60s", st, ref)
	}
}

func testNoRules(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	for _, r := range []limits.Request{{}, req(10, 1, limits.Rule{Scope: key})} {
		a, st := admit(t, l, r)
		if st != (limits.Status{}) {
			t.Fatalf("status %+v without rate rules, want zero", st)
		}
		settle(t, a, 10, 1)
	}
}

func testInvalid(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	many := make([]limits.Rule, limits.MaxRules+1)
	for i := range many {
		many[i] = limits.Rule{Scope: limits.Scope{Level: "key", ID: string(rune('a' + i))}, RPM: 1}
	}
	tests := []struct {
		name string
		r    limits.Request
	}{
		{"negative tokens", req(-1, 0, limits.Rule{Scope: key, TPM: 10})},
		{"negative cost", req(1, -1, limits.Rule{Scope: key, RPM: 10})},
		{"NaN cost", req(1, math.NaN(), limits.Rule{Scope: key, RPM: 10})},
		{"infinite cost", req(1, math.Inf(1), limits.Rule{Scope: key, RPM: 10})},
		{"empty level", req(1, 0, limits.Rule{Scope: limits.Scope{ID: "x"}, RPM: 10})},
		{"level with colon", req(1, 0, limits.Rule{Scope: limits.Scope{Level: "key:x", ID: "x"}, RPM: 10})},
		{"long id", req(1, 0, limits.Rule{Scope: limits.Scope{Level: "key", ID: strings.Repeat("x", limits.MaxScopeID+1)}, RPM: 10})},
		{"negative rpm", req(1, 0, limits.Rule{Scope: key, RPM: -1})},
		{"negative parallel", req(1, 0, limits.Rule{Scope: key, MaxParallel: -1})},
		{"NaN budget", req(1, 0, limits.Rule{Scope: key, Budget: math.NaN(), HasBudget: true})},
		{"negative budget", req(1, 0, limits.Rule{Scope: key, Budget: -1, HasBudget: true})},
		{"duplicate scope", req(1, 0, limits.Rule{Scope: key, RPM: 10}, limits.Rule{Scope: key, TPM: 10})},
		{"too many rules", limits.Request{Rules: many}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, ref, err := l.Reserve(context.Background(), tc.r)
			if !errors.Is(err, limits.ErrInvalid) || res != nil || ref != nil {
				t.Fatalf("got %v, %v, %v; want ErrInvalid only", res, ref, err)
			}
		})
	}
	admit(t, l, req(1, 0, limits.Rule{Scope: key, RPM: 1})) // nothing was counted
}

// testScopesIndependent: counts at one scope do not leak into another.
func testScopesIndependent(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	for _, s := range []limits.Scope{key, user, team, {Level: "key", ID: "k_2"}, {Level: "model", ID: "k_1"}} {
		admit(t, l, req(1, 1, limits.Rule{Scope: s, RPM: 1, MaxParallel: 1, Budget: 1, HasBudget: true}))
	}
}
