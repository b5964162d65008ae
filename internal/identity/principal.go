// Package identity finds out who is calling: API keys (Bearer, x-api-key, Basic), the master key.
package identity

import (
	"context"
	"time"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// Roles a principal can hold.
const (
	RoleAdmin   = "admin"
	RoleUser    = "user"
	RolePending = "pending"
	RoleAuditor = "auditor"
)

// Principal is an authenticated caller.
type Principal struct {
	UserID    string
	Role      string
	KeyID     string // "" for the master key
	TeamID    string
	Models    []string // the key's own allowlist as stored; empty means all
	Endpoints []string // endpoint paths the key may call; empty means all
	// Access is the effective model access: key ∩ team ∩ role.
	Access policy.Access
	// TeamRoles maps the user's teams to their role there ("admin" or "member").
	TeamRoles map[string]string
	ExpiresAt time.Time
	Master    bool // authenticated with WARDEN_MASTER_KEY
	// RateRules are the limits and budgets of the key, its user and its team (only the levels that
	// set one); computed once when the key is loaded. Model and global limits come from the config.
	RateRules []limits.Rule
}

// IsAdmin reports whether the principal may manage Warden.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// CanUseModels reports whether the principal's role allows model calls at all.
func (p *Principal) CanUseModels() bool {
	return p != nil && (p.Role == RoleAdmin || p.Role == RoleUser)
}

// AllowsModel reports whether the principal may use the model (key, team and role together).
func (p *Principal) AllowsModel(model string) bool { return p.Access.Decide(model).Allowed }

// DecideModel is AllowsModel with the reason for a refusal.
func (p *Principal) DecideModel(model string) policy.Decision { return p.Access.Decide(model) }

// AllowsEndpoint reports whether the key may call the endpoint at urlPath.
func (p *Principal) AllowsEndpoint(urlPath string) bool {
	return policy.EndpointAllowed(p.Endpoints, urlPath)
}

// Actor describes the principal for management decisions.
func (p *Principal) Actor() policy.Actor {
	return policy.Actor{UserID: p.UserID, Role: p.Role, TeamRoles: p.TeamRoles, Master: p.Master}
}

type ctxKey struct{}

// With returns a context carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx, or nil.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// rateRule returns the limits and budgets of one level, and whether it sets any. A budget period
// that does not parse (the management API refuses such values) counts as never resetting: stricter,
// never looser.
func rateRule(level, id string, l store.Limits) (limits.Rule, bool) {
	r := limits.Rule{Scope: limits.Scope{Level: level, ID: id}}
	if l.RPMLimit != nil {
		r.RPM = *l.RPMLimit
	}
	if l.TPMLimit != nil {
		r.TPM = *l.TPMLimit
	}
	if l.MaxParallelRequests != nil {
		r.MaxParallel = *l.MaxParallelRequests
	}
	if l.MaxBudget != nil {
		r.Budget, r.HasBudget = *l.MaxBudget, true
	}
	if l.MaxTokensBudget != nil {
		r.TokensBudget = *l.MaxTokensBudget
	}
	if r.HasBudget || r.TokensBudget > 0 {
		r.Period, _ = limits.ParsePeriod(l.BudgetDuration)
	}
	return r, r.RPM > 0 || r.TPM > 0 || r.MaxParallel > 0 || r.HasBudget || r.TokensBudget > 0
}
