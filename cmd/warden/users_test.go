package main

import (
	"strings"
	"testing"
)

func TestUsersCommands(t *testing.T) {
	c := startCLI(t)
	var team struct {
		TeamID string `json:"team_id"`
	}
	c.json(&team, "teams", "create", "--alias", "research")

	type user struct {
		UserID    string   `json:"user_id"`
		UserEmail *string  `json:"user_email"`
		Role      string   `json:"role"`
		UserRole  string   `json:"user_role"`
		Blocked   bool     `json:"blocked"`
		Teams     []string `json:"teams"`
		Key       string   `json:"key"`
	}
	var alice user
	c.json(&alice, "users", "create", "alice", "--email", "alice@example.com", "--team", team.TeamID)
	if alice.UserID != "alice" || alice.UserEmail == nil || *alice.UserEmail != "alice@example.com" || alice.Role != "user" ||
		len(alice.Teams) != 1 || alice.Teams[0] != team.TeamID {
		t.Fatalf("created user %+v", alice)
	}
	if alice.Key != "" {
		t.Error("users create made a key; keys are made with `warden keys create --user`")
	}
	out := c.ok("users", "create", "bob", "--role", "auditor", "--alias", "Bob B")
	contains(t, "users create", out, "Created user bob", "auditor", "Bob B")
	if got := field(out, "Role:"); got != "auditor" {
		t.Errorf("Role: %q, want auditor", got)
	}

	out = c.ok("users", "list")
	contains(t, "users list", out, "EMAIL", "ROLE", "alice", "alice@example.com", team.TeamID, "bob", "auditor")
	var list []user
	c.json(&list, "users", "list", "--role", "auditor")
	if len(list) != 1 || list[0].UserID != "bob" {
		t.Errorf("users list --role auditor: %+v", list)
	}
	c.json(&list, "users", "list", "--team", team.TeamID)
	if len(list) != 1 || list[0].UserID != "alice" {
		t.Errorf("users list --team: %+v", list)
	}

	_, keyID := c.w.NewKey(t, map[string]any{"user_id": "alice", "team_id": team.TeamID, "key_alias": "alice-cli"})
	out = c.ok("users", "info", "alice")
	contains(t, "users info", out, "alice@example.com", team.TeamID, "Keys (1)", keyID, "alice-cli")
	var info struct {
		UserInfo user `json:"user_info"`
		Keys     []struct {
			KeyID string `json:"key_id"`
		} `json:"keys"`
	}
	c.json(&info, "users", "info", "alice")
	if info.UserInfo.UserID != "alice" || len(info.Keys) != 1 || info.Keys[0].KeyID != keyID {
		t.Errorf("users info --json: %+v", info)
	}

	out = c.ok("users", "update", "bob", "--role", "pending", "--blocked=true")
	contains(t, "users update", out, "Updated user bob")
	if field(out, "Role:") != "pending" || field(out, "Blocked:") != "yes" {
		t.Errorf("users update output:\n%s", out)
	}
	var upd struct {
		Data user `json:"data"`
	}
	c.json(&upd, "users", "update", "bob", "--blocked=false", "--email", "bob@example.com")
	if upd.Data.Blocked || upd.Data.UserEmail == nil || *upd.Data.UserEmail != "bob@example.com" || upd.Data.Role != "pending" {
		t.Errorf("users update --json: %+v", upd.Data)
	}

	c.fails([]failCase{
		{"unknown role", []string{"users", "create", "carol", "--role", "superuser"}, 1, []string{"user_role", "(HTTP 400)"}},
		{"duplicate id", []string{"users", "create", "alice"}, 1, []string{"alice", "(HTTP 409)"}},
		{"unknown team", []string{"users", "create", "dave", "--team", "team_nope"}, 1, []string{"team_nope", "(HTTP 404)"}},
		{"update unknown user", []string{"users", "update", "nobody", "--role", "user"}, 1, []string{"nobody", "(HTTP 404)"}},
		{"list by unknown role", []string{"users", "list", "--role", "king"}, 1, []string{"role", "(HTTP 400)"}},
		{"create without id", []string{"users", "create", "--email", "x@example.com"}, 2, []string{"usage: warden users create"}},
		{"update without change", []string{"users", "update", "bob"}, 2, []string{"nothing to change"}},
		{"list with an argument", []string{"users", "list", "bob"}, 2, []string{"usage: warden users list"}},
		{"delete without id", []string{"users", "delete"}, 2, []string{"usage: warden users delete"}},
		{"bad flag", []string{"users", "info", "bob", "--colour"}, 2, []string{"colour"}},
		{"no subcommand", []string{"users"}, 2, []string{"users create"}},
	})

	out = c.ok("users", "delete", "alice", "bob")
	contains(t, "users delete", out, "Deleted users alice, bob")
	c.fails([]failCase{
		{"info after delete", []string{"users", "info", "alice"}, 1, []string{"no user", "(HTTP 404)"}},
	})
	c.json(&list, "users", "list")
	for _, u := range list {
		if u.UserID == "alice" || u.UserID == "bob" {
			t.Errorf("user %s still listed after delete", u.UserID)
		}
	}
	if out := c.ok("users", "list"); !strings.Contains(out, "ID") {
		t.Errorf("empty list lacks its header:\n%s", out)
	}
}
