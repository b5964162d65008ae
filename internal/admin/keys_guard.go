package admin

import (
	"slices"

	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// noLoosening refuses a key update by its owner that loosens what an admin or team admin set: more
// models or endpoints, a later or no expiry, a higher or removed limit, or unblocking. Admins, and
// team admins for their team's keys, may loosen (within the team's allowlist, checked elsewhere).
func (a *API) noLoosening(c caller, old, k store.Key) error {
	if c.admin() || old.TeamID != "" && c.actor.TeamRoles[old.TeamID] == policy.TeamRoleAdmin {
		return nil
	}
	if field := loosened(a, old, k); field != "" {
		return forbidden("field %q: only an admin or the team's admin may widen or remove what limits a key", field)
	}
	return nil
}

// loosened names the first field in which k allows more than old, or "".
func loosened(a *API, old, k store.Key) string {
	if len(old.Models) > 0 {
		child, err1 := a.groups.Parse(k.Models)
		parent, err2 := a.groups.Parse(old.Models)
		if ok, _ := policy.Subset(child, parent); err1 != nil || err2 != nil || !ok {
			return "models"
		}
	}
	if len(old.Endpoints) > 0 && (len(k.Endpoints) == 0 || slices.ContainsFunc(k.Endpoints, func(e string) bool { return !slices.Contains(old.Endpoints, e) })) {
		return "allowed_routes"
	}
	if !old.ExpiresAt.IsZero() && (k.ExpiresAt.IsZero() || k.ExpiresAt.After(old.ExpiresAt)) {
		return "duration"
	}
	if old.Blocked && !k.Blocked {
		return "blocked"
	}
	ol, nl := old.Limits, k.Limits
	if ol.MaxBudget != nil && (nl.MaxBudget == nil || *nl.MaxBudget > *ol.MaxBudget) {
		return "max_budget"
	}
	if ol.BudgetDuration != "" && nl.BudgetDuration != ol.BudgetDuration {
		return "budget_duration"
	}
	for _, f := range []struct {
		name     string
		old, new *int64
	}{
		{"rpm_limit", ol.RPMLimit, nl.RPMLimit}, {"tpm_limit", ol.TPMLimit, nl.TPMLimit},
		{"max_parallel_requests", ol.MaxParallelRequests, nl.MaxParallelRequests},
		{"max_tokens_budget", ol.MaxTokensBudget, nl.MaxTokensBudget},
	} {
		if f.old != nil && (f.new == nil || *f.new > *f.old) {
			return f.name
		}
	}
	return ""
}
