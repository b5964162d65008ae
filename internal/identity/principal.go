// Package identity finds out who is calling: API keys (Bearer, x-api-key, Basic), the master key.
package identity

import (
	"context"
	"slices"
	"strings"
	"time"
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
	Models    []string // allowlist; empty means all
	ExpiresAt time.Time
	Master    bool // authenticated with WARDEN_MASTER_KEY
}

// IsAdmin reports whether the principal may manage Warden.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// CanUseModels reports whether the principal's role allows model calls at all.
func (p *Principal) CanUseModels() bool {
	return p != nil && (p.Role == RoleAdmin || p.Role == RoleUser)
}

// AllowsModel reports whether the key's allowlist admits the model.
func (p *Principal) AllowsModel(model string) bool {
	if len(p.Models) == 0 {
		return true
	}
	return slices.ContainsFunc(p.Models, func(pattern string) bool { return matchModel(pattern, model) })
}

// matchModel matches an exact name or a pattern with a trailing '*'.
func matchModel(pattern, model string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(model, prefix)
	}
	return pattern == model
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
