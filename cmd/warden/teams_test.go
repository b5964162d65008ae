package main

import (
	"strings"
	"testing"
)

func TestTeamsCommands(t *testing.T) {
	c := startCLI(t)
	var eng struct {
		TeamID         string   `json:"team_id"`
		TeamAlias      string   `json:"team_alias"`
		Models         []string `json:"models"`
		MaxBudget      *float64 `json:"max_budget"`
		BudgetDuration *string  `json:"budget_duration"`
		RPMLimit       *int64   `json:"rpm_limit"`
	}
	c.json(&eng, "teams", "create", "--alias", "engineering", "--models", "llama3.1:8b,qwen2.5:7b",
		"--max-budget", "500", "--budget-duration", "30d", "--rpm", "60")
	if eng.TeamID == "" || eng.TeamAlias != "engineering" || len(eng.Models) != 2 || eng.MaxBudget == nil ||
		*eng.MaxBudget != 500 || eng.BudgetDuration == nil || *eng.BudgetDuration != "30d" || eng.RPMLimit == nil || *eng.RPMLimit != 60 {
		t.Fatalf("created team %+v", eng)
	}
	out := c.ok("teams", "create", "--alias", "interns", "--max-budget", "5", "--budget-duration", "7d", "--tpm", "20000", "--max-parallel", "2")
	contains(t, "teams create", out, "Created team team_", "interns", "$5 per 7d", "20000", "Members (0)")
	interns := strings.Fields(out)[2]
	interns = strings.TrimSuffix(interns, ".")

	out = c.ok("teams", "list")
	contains(t, "teams list", out, "ALIAS", eng.TeamID, "engineering", "llama3.1:8b,qwen2.5:7b", "$500 per 30d", interns, "interns")
	var list []map[string]any
	c.json(&list, "teams", "list")
	if len(list) != 2 {
		t.Fatalf("teams list --json: %d teams, want 2", len(list))
	}

	out = c.ok("teams", "update", eng.TeamID, "--alias", "eng", "--blocked=true", "--rpm", "none")
	contains(t, "teams update", out, "Updated team "+eng.TeamID, "eng")
	if got := field(out, "Blocked:"); got != "yes" {
		t.Errorf("Blocked: %q after --blocked=true", got)
	}
	if got := field(out, "RPM limit:"); got != "-" {
		t.Errorf("RPM limit: %q after --rpm none", got)
	}
	var upd struct {
		Data struct {
			Blocked bool `json:"blocked"`
		} `json:"data"`
	}
	c.json(&upd, "teams", "update", eng.TeamID, "--blocked=false")
	if upd.Data.Blocked {
		t.Error("--blocked=false left the team blocked")
	}

	out = c.ok("teams", "add-member", eng.TeamID, "alice@example.com", "--role", "admin")
	contains(t, "add-member", out, "Added alice@example.com to team "+eng.TeamID+" as admin", "alice@example.com  admin")
	c.ok("teams", "add-member", "--role", "member", eng.TeamID, "bob")
	out = c.ok("teams", "info", eng.TeamID)
	contains(t, "teams info", out, "Alias:", "eng", "Members (2)", "alice@example.com", "admin", "bob", "member", "Keys (0)")
	c.w.NewKey(t, map[string]any{"team_id": eng.TeamID, "user_id": "bob", "key_alias": "bob-laptop"})
	out = c.ok("teams", "info", eng.TeamID)
	contains(t, "teams info with a key", out, "Keys (1)", "bob-laptop")

	out = c.ok("teams", "remove-member", eng.TeamID, "bob")
	contains(t, "remove-member", out, "Removed bob from team "+eng.TeamID, "Members (1)")
	var info struct {
		TeamInfo struct {
			Members []struct {
				UserID string `json:"user_id"`
				Role   string `json:"role"`
			} `json:"members_with_roles"`
		} `json:"team_info"`
	}
	c.json(&info, "teams", "info", eng.TeamID)
	if m := info.TeamInfo.Members; len(m) != 1 || m[0].UserID != "alice@example.com" || m[0].Role != "admin" {
		t.Errorf("members after remove: %+v", m)
	}

	c.fails([]failCase{
		{"duplicate alias", []string{"teams", "create", "--alias", "interns"}, 1, []string{"team_alias", "(HTTP 409)"}},
		{"bad budget period", []string{"teams", "create", "--alias", "x", "--max-budget", "1", "--budget-duration", "30x"}, 1, []string{"budget_duration", "(HTTP 400)"}},
		{"unknown model", []string{"teams", "create", "--alias", "y", "--models", "gpt-99"}, 1, []string{"models", "(HTTP 400)"}},
		{"bad member role", []string{"teams", "add-member", eng.TeamID, "carol", "--role", "owner"}, 1, []string{"owner", "(HTTP 400)"}},
		{"remove a non-member", []string{"teams", "remove-member", eng.TeamID, "nobody"}, 1, []string{"nobody", "(HTTP 404)"}},
		{"update unknown team", []string{"teams", "update", "team_nope", "--alias", "z"}, 1, []string{"team_nope", "(HTTP 404)"}},
		{"create without alias", []string{"teams", "create"}, 2, []string{"--alias"}},
		{"info without id", []string{"teams", "info"}, 2, []string{"usage: warden teams info ID"}},
		{"update without change", []string{"teams", "update", eng.TeamID}, 2, []string{"nothing to change"}},
		{"not a number", []string{"teams", "create", "--alias", "n", "--rpm", "lots"}, 2, []string{"whole number"}},
		{"add-member without user", []string{"teams", "add-member", eng.TeamID}, 2, []string{"usage: warden teams add-member"}},
		{"delete without id", []string{"teams", "delete"}, 2, []string{"usage: warden teams delete"}},
		{"unknown subcommand", []string{"teams", "frob"}, 2, []string{"unknown command"}},
		{"no subcommand", []string{"teams"}, 2, []string{"teams create"}},
	})

	out = c.ok("teams", "delete", eng.TeamID, interns)
	contains(t, "teams delete", out, "Deleted teams "+eng.TeamID+", "+interns)
	c.fails([]failCase{
		{"info after delete", []string{"teams", "info", eng.TeamID}, 1, []string{"no team", "(HTTP 404)"}},
		{"delete twice", []string{"teams", "delete", interns, "--json"}, 1, []string{"(HTTP 404)"}},
	})
	c.json(&list, "teams", "list")
	if len(list) != 0 {
		t.Errorf("teams left after delete: %v", list)
	}
}
