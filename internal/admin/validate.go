package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

const maxField = 256

// checkText refuses an over-long value of a named field.
func checkText(field, v string) error {
	if len(v) > maxField {
		return badRequest("field %q is longer than %d characters", field, maxField)
	}
	return nil
}

// checkModels validates a models list: well-formed entries, known model names (or patterns or
// configured groups). The error names the field and the entry.
func (a *API) checkModels(field string, models []string) (policy.Allowlist, error) {
	if err := a.groups.Validate(models, a.known); err != nil {
		var ee *policy.EntryError
		if errors.As(err, &ee) {
			return policy.Allowlist{}, badRequest("field %q[%d]: %s", field, ee.Index, ee.Error())
		}
		return policy.Allowlist{}, badRequest("field %q: %v", field, err)
	}
	al, err := a.groups.Parse(models)
	if err != nil {
		return policy.Allowlist{}, badRequest("field %q: %v", field, err)
	}
	return al, nil
}

// withinTeam refuses (403) a key allowlist that reaches outside its team's allowlist.
func (a *API) withinTeam(models []string, t store.Team) error {
	child, err := a.groups.Parse(models)
	if err != nil {
		return badRequest("field \"models\": %v", err)
	}
	parent, err := a.groups.Parse(t.Models)
	if err != nil {
		return badRequest("team %s has an allowlist that no longer parses (%v); an admin must update it", t.ID, err)
	}
	if ok, off := policy.Subset(child, parent); !ok {
		if off == "*" {
			off = "every model"
		}
		return &apiError{http.StatusForbidden, "model_not_in_team", fmt.Sprintf("field \"models\": %s is outside team %s's allowlist (%s)", off, teamName(t), parent)}
	}
	return nil
}

func teamName(t store.Team) string {
	if t.Alias != "" {
		return t.Alias
	}
	return t.ID
}

// limitFields are the LiteLLM budget and limit fields, shared by keys, teams and users.
type limitFields struct {
	MaxBudget           opt[float64] `json:"max_budget"`
	BudgetDuration      opt[string]  `json:"budget_duration"`
	RPMLimit            opt[int64]   `json:"rpm_limit"`
	TPMLimit            opt[int64]   `json:"tpm_limit"`
	MaxParallelRequests opt[int64]   `json:"max_parallel_requests"`
	MaxTokensBudget     opt[int64]   `json:"max_tokens_budget"`
}

// any reports whether a limit field is present (even as null).
func (f limitFields) any() bool {
	return f.MaxBudget.Set || f.BudgetDuration.Set || f.RPMLimit.Set || f.TPMLimit.Set ||
		f.MaxParallelRequests.Set || f.MaxTokensBudget.Set
}

// apply checks the present fields and writes them onto l: a value sets, null clears, absent keeps.
func (f limitFields) apply(l store.Limits) (store.Limits, error) {
	if f.MaxBudget.Set {
		l.MaxBudget = nil
		if f.MaxBudget.has() {
			b := f.MaxBudget.V
			if b < 0 || math.IsNaN(b) || math.IsInf(b, 0) {
				return l, badRequest("field \"max_budget\" must be a number >= 0, not %v", b)
			}
			l.MaxBudget = &b
		}
	}
	if f.BudgetDuration.Set {
		l.BudgetDuration = ""
		if d := strings.TrimSpace(f.BudgetDuration.V); f.BudgetDuration.has() && d != "" {
			if err := checkPeriod(d); err != nil {
				return l, badRequest("field \"budget_duration\": %v", err)
			}
			l.BudgetDuration = d
		}
	}
	for _, x := range []struct {
		name string
		in   opt[int64]
		out  **int64
	}{
		{"rpm_limit", f.RPMLimit, &l.RPMLimit}, {"tpm_limit", f.TPMLimit, &l.TPMLimit},
		{"max_parallel_requests", f.MaxParallelRequests, &l.MaxParallelRequests},
		{"max_tokens_budget", f.MaxTokensBudget, &l.MaxTokensBudget},
	} {
		if !x.in.Set {
			continue
		}
		*x.out = nil
		if x.in.has() {
			v := x.in.V
			if v < 0 {
				return l, badRequest("field %q must be a whole number >= 0, not %d", x.name, v)
			}
			*x.out = &v
		}
	}
	return l, nil
}

// limitsView is how the API shows limits (LiteLLM's field names).
type limitsView struct {
	MaxBudget           *float64 `json:"max_budget"`
	BudgetDuration      *string  `json:"budget_duration"`
	RPMLimit            *int64   `json:"rpm_limit"`
	TPMLimit            *int64   `json:"tpm_limit"`
	MaxParallelRequests *int64   `json:"max_parallel_requests"`
	MaxTokensBudget     *int64   `json:"max_tokens_budget"`
}

func viewLimits(l store.Limits) limitsView {
	v := limitsView{MaxBudget: l.MaxBudget, RPMLimit: l.RPMLimit, TPMLimit: l.TPMLimit,
		MaxParallelRequests: l.MaxParallelRequests, MaxTokensBudget: l.MaxTokensBudget}
	if l.BudgetDuration != "" {
		v.BudgetDuration = &l.BudgetDuration
	}
	return v
}

// checkMetadata refuses metadata that is not a JSON object; null or absent gives nil.
func checkMetadata(field string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return nil, badRequest("field %q must be a JSON object", field)
	}
	return raw, nil
}

// withTags puts tags into metadata.tags, as LiteLLM does.
func withTags(meta json.RawMessage, tags []string) (json.RawMessage, error) {
	if len(tags) == 0 {
		return meta, nil
	}
	obj := map[string]any{}
	if len(meta) > 0 {
		if err := json.Unmarshal(meta, &obj); err != nil {
			return nil, badRequest("field \"metadata\" must be a JSON object")
		}
	}
	for i, t := range tags {
		if strings.TrimSpace(t) == "" || len(t) > maxField {
			return nil, badRequest("field \"tags\"[%d] must be a tag of 1 to %d characters", i, maxField)
		}
	}
	obj["tags"] = tags
	return json.Marshal(obj)
}

// roleOf maps a requested user role (Warden's or LiteLLM's name) to Warden's.
func roleOf(s string) (string, error) {
	switch s {
	case store.RoleAdmin, "proxy_admin":
		return store.RoleAdmin, nil
	case store.RoleAuditor, "proxy_admin_viewer":
		return store.RoleAuditor, nil
	case store.RoleUser, "internal_user":
		return store.RoleUser, nil
	case store.RolePending, "internal_user_viewer":
		return store.RolePending, nil
	}
	return "", badRequest("field \"user_role\": %q is not a role Warden has; use admin, user, pending or auditor (or LiteLLM's proxy_admin, internal_user, internal_user_viewer, proxy_admin_viewer)", s)
}

// litellmRole is the LiteLLM name of a Warden role.
func litellmRole(role string) string {
	switch role {
	case store.RoleAdmin:
		return "proxy_admin"
	case store.RoleAuditor:
		return "proxy_admin_viewer"
	case store.RoleUser:
		return "internal_user"
	case store.RolePending:
		return "internal_user_viewer"
	}
	return role
}

// teamRoleOf maps a member role (LiteLLM's admin or user, or Warden's member) to Warden's.
func teamRoleOf(field, s string) (string, error) {
	switch s {
	case "admin":
		return store.TeamRoleAdmin, nil
	case "user", "member", "":
		return store.TeamRoleMember, nil
	}
	return "", badRequest("field %q: %q is not a team role; use admin or user", field, s)
}

// litellmTeamRole is the LiteLLM name of a team role.
func litellmTeamRole(role string) string {
	if role == store.TeamRoleMember {
		return "user"
	}
	return role
}
