package policy

import (
	"net/http"
	"slices"
	"testing"
)

func TestEffective(t *testing.T) {
	g := mustGroups(t, testGroups)
	eng := &Team{Name: "engineering", Models: mustParse(t, g, "llama3.1-8b", "qwen2.5-coder-14b", "deepseek-coder-v2-lite")}
	odd := &Team{Name: "data science", Models: mustParse(t, g, "small")}
	all := Allowlist{}
	tests := []struct {
		name   string
		key    Allowlist
		team   *Team
		role   string
		model  string
		reason string // "" when allowed
	}{
		{"user, open key, no team", all, nil, RoleUser, "anything", ""},
		{"admin, open key, team allows", all, eng, RoleAdmin, "llama3.1-8b", ""},
		{"key inherits the team", all, eng, RoleUser, "qwen2.5-coder-14b", ""},
		{"team refuses", all, eng, RoleUser, "llama3.2-3b", `model "llama3.2-3b" is not in team engineering's allowlist`},
		{"team with an odd name", all, odd, RoleUser, "mistral", `model "mistral" is not in team "data science"'s allowlist`},
		{"team group allows", all, odd, RoleUser, "qwen2.5-7b", ""},
		{"key narrower than team", mustParse(t, g, "llama3.1-8b"), eng, RoleUser, "llama3.1-8b", ""},
		{"key refuses what the team allows", mustParse(t, g, "llama3.1-8b"), eng, RoleUser, "qwen2.5-coder-14b", `model "qwen2.5-coder-14b" is not in the key's allowlist`},
		{"key refusal named before team's", mustParse(t, g, "llama3.1-8b"), eng, RoleUser, "mistral", `model "mistral" is not in the key's allowlist`},
		{"key allows beyond team: team still refuses", mustParse(t, g, "*-coder-*", "small"), eng, RoleUser, "qwen2.5-7b", `model "qwen2.5-7b" is not in team engineering's allowlist`},
		{"key pattern and team both allow", mustParse(t, g, "*-coder-*"), eng, RoleUser, "deepseek-coder-v2-lite", ""},
		{"key without team refuses", mustParse(t, g, "small"), nil, RoleAdmin, "llama3.1-70b", `model "llama3.1-70b" is not in the key's allowlist`},
		{"pending", all, nil, RolePending, "llama3", "role pending may not call models"},
		{"auditor", all, eng, RoleAuditor, "llama3.1-8b", "role auditor may not call models"},
		{"unknown role", all, nil, "root", "llama3", "role root may not call models"},
		{"empty role", all, nil, "", "llama3", `role "" may not call models`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Effective(tt.key, tt.team, tt.role).Decide(tt.model)
			if tt.reason == "" {
				if d != (Decision{Allowed: true}) {
					t.Errorf("Decide(%q) = %+v, want allowed", tt.model, d)
				}
				return
			}
			if d.Allowed || d.Status != http.StatusForbidden || d.Reason != tt.reason {
				t.Errorf("Decide(%q) = %+v\nwant 403 %q", tt.model, d, tt.reason)
			}
		})
	}
	long := Effective(mustParse(t, g, "a"), nil, RoleUser).Decide(string(make([]byte, 10000)))
	if long.Allowed || len(long.Reason) > 400 {
		t.Errorf("a long model name makes a reason of %d bytes", len(long.Reason))
	}
	if d := (Access{}).Decide("llama3"); d.Allowed {
		t.Error("the zero Access allows a model")
	}
}

func TestFilter(t *testing.T) {
	eng := &Team{Name: "eng", Models: mustParse(t, nil, "llama3.1-*", "qwen2.5-coder-14b")}
	a := Effective(mustParse(t, nil, "llama3.1-8b", "qwen2.5-coder-14b", "mistral"), eng, RoleUser)
	got := a.Filter([]string{"mistral", "llama3.1-8b", "llama3.1-70b", "qwen2.5-coder-14b"})
	if want := []string{"llama3.1-8b", "qwen2.5-coder-14b"}; !slices.Equal(got, want) {
		t.Errorf("Filter = %v, want %v", got, want)
	}
	if got := Effective(Allowlist{}, nil, RolePending).Filter([]string{"a"}); len(got) != 0 {
		t.Errorf("pending Filter = %v, want none", got)
	}
}

func TestSubset(t *testing.T) {
	g := mustGroups(t, map[string][]string{
		"small":  {"llama3.2-3b", "qwen2.5-7b"},
		"llamas": {"llama3.1-*", "llama3.2-*"},
	})
	tests := []struct {
		name          string
		child, parent []string
		ok            bool
		offending     string
	}{
		{"parent allows all", []string{"x", "y*"}, nil, true, ""},
		{"parent star", nil, []string{"*"}, true, ""},
		{"both all", nil, nil, true, ""},
		{"child all, parent restricted", nil, []string{"a"}, false, "*"},
		{"child star, parent restricted", []string{"*"}, []string{"a", "b*"}, false, "*"},
		{"equal names", []string{"a", "b"}, []string{"b", "a"}, true, ""},
		{"fewer names", []string{"a"}, []string{"a", "b"}, true, ""},
		{"name outside", []string{"a", "c", "d"}, []string{"a", "b"}, false, "c"},
		{"name under parent pattern", []string{"llama3.1-8b"}, []string{"llama3.1-*"}, true, ""},
		{"name not under parent pattern", []string{"llama3.2-3b"}, []string{"llama3.1-*"}, false, "llama3.2-3b"},
		{"equal pattern", []string{"llama3.1-*"}, []string{"llama3.1-*"}, true, ""},
		{"narrower pattern", []string{"llama3.1-8b-*"}, []string{"llama3.1-*"}, true, ""},
		{"narrower pattern, middle star", []string{"qwen2.5-coder-*"}, []string{"*-coder-*"}, true, ""},
		{"pattern narrowed at both ends", []string{"x-coder-*-q4"}, []string{"*-coder-*"}, true, ""},
		{"broader pattern", []string{"llama3*"}, []string{"llama3.1-*"}, false, "llama3*"},
		{"overlapping pattern", []string{"*-8b"}, []string{"llama3.1-*"}, false, "*-8b"},
		{"pattern against names is conservative", []string{"llama3.1-*"}, []string{"llama3.1-8b", "llama3.1-70b"}, false, "llama3.1-*"},
		{"parent literal may not span a child star", []string{"a*c"}, []string{"abc*"}, false, "a*c"},
		{"child group inside parent names", []string{"small"}, []string{"llama3.2-3b", "qwen2.5-7b", "x"}, true, ""},
		{"child group partly outside", []string{"small"}, []string{"llama3.2-3b"}, false, "qwen2.5-7b (from group small)"},
		{"child @group partly outside", []string{"@small"}, []string{"llama3.2-3b"}, false, "qwen2.5-7b (from group @small)"},
		{"parent group covers child names", []string{"llama3.1-8b", "llama3.2-1b"}, []string{"llamas"}, true, ""},
		{"parent group covers child patterns", []string{"llama3.2-*"}, []string{"@llamas"}, true, ""},
		{"same group", []string{"small"}, []string{"small"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, off := Subset(mustParse(t, g, tt.child...), mustParse(t, g, tt.parent...))
			if ok != tt.ok || off != tt.offending {
				t.Errorf("Subset(%q, %q) = %v, %q; want %v, %q", tt.child, tt.parent, ok, off, tt.ok, tt.offending)
			}
		})
	}
}

func TestDecideDoesNotAllocateWhenAllowed(t *testing.T) {
	a := Effective(mustParse(t, nil, "llama3.1-8b", "mistral-*"), &Team{Name: "eng", Models: mustParse(t, nil, "*")}, RoleUser)
	for _, model := range []string{"llama3.1-8b", "mistral-7b"} {
		if n := testing.AllocsPerRun(100, func() { a.Decide(model) }); n != 0 {
			t.Errorf("Decide(%q) allocates %v times", model, n)
		}
	}
}
