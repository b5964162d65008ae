package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// teamRow is a team as the management API shows it.
type teamRow struct {
	TeamID    string   `json:"team_id"`
	TeamAlias string   `json:"team_alias"`
	Models    []string `json:"models"`
	Blocked   bool     `json:"blocked"`
	Members   []struct {
		Role   string `json:"role"`
		UserID string `json:"user_id"`
	} `json:"members_with_roles"`
	Metadata            json.RawMessage `json:"metadata"`
	MaxBudget           *float64        `json:"max_budget"`
	BudgetDuration      *string         `json:"budget_duration"`
	RPMLimit            *int64          `json:"rpm_limit"`
	TPMLimit            *int64          `json:"tpm_limit"`
	MaxParallelRequests *int64          `json:"max_parallel_requests"`
	CreatedAt           time.Time       `json:"created_at"`
}

const teamsUsage = `usage:
  warden teams create --alias A [--models a,b] [--max-budget N --budget-duration 30d] [--rpm N] [--tpm N] [--max-parallel N] [--json]
  warden teams list [--user ID] [--json]
  warden teams info ID [--json]
  warden teams update ID [--alias A] [--models a,b] [--blocked=true|false] [limits...] [--json]
  warden teams delete ID... [--json]
  warden teams add-member ID USER [--role admin|member] [--json]
  warden teams remove-member ID USER [--json]
`

func teamsCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, teamsUsage)
		return 2
	}
	c := newCmdline("teams "+args[0], stdout, stderr, getenv)
	switch args[0] {
	case "create", "new":
		return teamsWrite(c, args[1:], true)
	case "update":
		return teamsWrite(c, args[1:], false)
	case "list":
		return teamsList(c, args[1:])
	case "info":
		if !c.parse(args[1:], "teams info ID", exactly(1)) {
			return 2
		}
		return c.run(func(cl *client) error { return teamInfo(c, cl, c.args[0]) })
	case "delete":
		if !c.parse(args[1:], "teams delete ID...", atLeast(1)) {
			return 2
		}
		return c.run(func(cl *client) error {
			return deleteAll(c, cl, "/team/delete", "team_ids", "deleted_teams", "Deleted teams")
		})
	case "add-member":
		return teamsMember(c, args[1:], true)
	case "remove-member":
		return teamsMember(c, args[1:], false)
	}
	fmt.Fprintf(stderr, "warden teams: unknown command %q\n%s", args[0], teamsUsage)
	return 2
}

// teamsWrite creates a team (create) or changes one (update): only the flags given are sent.
func teamsWrite(c *cmdline, args []string, create bool) int {
	alias := c.fs.String("alias", "", "team alias (unique)")
	models := c.fs.String("models", "", "comma-separated model allowlist (empty: all)")
	blocked := c.fs.Bool("blocked", false, "block (true) or unblock (false) the team and its keys")
	var meta jsonObject
	c.fs.Var(&meta, "metadata", "JSON object of tags")
	limits := addLimitFlags(c.fs)
	path, synopsis, want := "/team/update", "teams update ID [--alias A] [--models a,b] [--blocked=true|false] [...]", exactly(1)
	if create {
		path, synopsis, want = "/team/new", "teams create --alias A [--models a,b] [--max-budget N --budget-duration 30d] [--rpm N] [--tpm N] [--max-parallel N]", exactly(0)
	}
	if !c.parse(args, synopsis, want) {
		return 2
	}
	if create && *alias == "" {
		fmt.Fprintln(c.stderr, "warden teams create: --alias is required")
		return 2
	}
	body := map[string]any{}
	if !create {
		body["team_id"] = c.args[0]
	}
	for _, f := range []struct {
		flag, field string
		v           any
	}{
		{"alias", "team_alias", *alias}, {"models", "models", splitList(*models)},
		{"blocked", "blocked", *blocked}, {"metadata", "metadata", meta.raw},
	} {
		if c.set[f.flag] {
			body[f.field] = f.v
		}
	}
	limits.into(body, c.set)
	if !create && len(body) == 1 {
		fmt.Fprintln(c.stderr, "warden teams update: nothing to change; give at least one flag")
		return 2
	}
	return saveAndShow(c, path, body, create, "team", func(r teamRow) string { return r.TeamID }, printTeam)
}

func teamsList(c *cmdline, args []string) int {
	user := c.fs.String("user", "", "only teams this user belongs to")
	if !c.parse(args, "teams list [--user ID]", exactly(0)) {
		return 2
	}
	path := "/team/list"
	if *user != "" {
		path += "?" + url.Values{"user_id": {*user}}.Encode()
	}
	return c.run(func(cl *client) error {
		raw, err := cl.send(http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		var ts []teamRow
		if err := json.Unmarshal(raw, &ts); err != nil {
			return err
		}
		return c.output(raw, func() { printTeams(c.stdout, ts) })
	})
}

func teamInfo(c *cmdline, cl *client, id string) error {
	raw, err := cl.send(http.MethodGet, "/team/info?"+url.Values{"team_id": {id}}.Encode(), nil)
	if err != nil {
		return err
	}
	var out struct {
		Team teamRow  `json:"team_info"`
		Keys []keyRow `json:"keys"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	return c.output(raw, func() {
		printTeam(c.stdout, out.Team)
		fmt.Fprintf(c.stdout, "\nKeys (%d):\n", len(out.Keys))
		if len(out.Keys) > 0 {
			printKeys(c.stdout, out.Keys)
		}
	})
}

// teamsMember adds a user to a team or removes one; the answer is the team with its members.
func teamsMember(c *cmdline, args []string, add bool) int {
	var role *string
	path, synopsis := "/team/member_delete", "teams remove-member ID USER"
	if add {
		role = c.fs.String("role", "member", "team role: admin or member")
		path, synopsis = "/team/member_add", "teams add-member ID USER [--role admin|member]"
	}
	if !c.parse(args, synopsis, exactly(2)) {
		return 2
	}
	team, user := c.args[0], c.args[1]
	body := map[string]any{"team_id": team, "user_id": user}
	if add {
		r := *role
		if r == "member" {
			r = "user" // LiteLLM's name for a team member
		}
		body = map[string]any{"team_id": team, "member": map[string]any{"role": r, "user_id": user}}
	}
	return c.run(func(cl *client) error {
		raw, err := cl.send(http.MethodPost, path, body)
		if err != nil {
			return err
		}
		var t teamRow
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		return c.output(raw, func() {
			if add {
				fmt.Fprintf(c.stdout, "Added %s to team %s as %s.\n\n", user, team, *role)
			} else {
				fmt.Fprintf(c.stdout, "Removed %s from team %s.\n\n", user, team)
			}
			printMembers(c.stdout, t)
		})
	})
}

// deleteAll posts the positional ids as field and prints what the answer's result field lists.
func deleteAll(c *cmdline, cl *client, path, field, result, done string) error {
	raw, err := cl.send(http.MethodPost, path, map[string]any{field: c.args})
	if err != nil {
		return err
	}
	var out map[string][]string
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	return c.output(raw, func() { fmt.Fprintf(c.stdout, "%s %s\n", done, strings.Join(out[result], ", ")) })
}

func printTeams(w io.Writer, ts []teamRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tALIAS\tMODELS\tMEMBERS\tBUDGET\tRPM\tTPM\tPARALLEL\tBLOCKED")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", t.TeamID, dash(t.TeamAlias), modelsText(t.Models),
			len(t.Members), budgetText(t.MaxBudget, t.BudgetDuration), limitText(t.RPMLimit), limitText(t.TPMLimit),
			limitText(t.MaxParallelRequests), yesNo(t.Blocked))
	}
	tw.Flush()
}

func printTeam(w io.Writer, t teamRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range [][2]string{
		{"Team", t.TeamID}, {"Alias", dash(t.TeamAlias)}, {"Models", modelsText(t.Models)},
		{"Budget", budgetText(t.MaxBudget, t.BudgetDuration)}, {"RPM limit", limitText(t.RPMLimit)},
		{"TPM limit", limitText(t.TPMLimit)}, {"Parallel limit", limitText(t.MaxParallelRequests)},
		{"Blocked", yesNo(t.Blocked)}, {"Metadata", metadataText(t.Metadata)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", l[0], l[1])
	}
	tw.Flush()
	fmt.Fprintln(w)
	printMembers(w, t)
}

func printMembers(w io.Writer, t teamRow) {
	fmt.Fprintf(w, "Members (%d):\n", len(t.Members))
	if len(t.Members) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tROLE")
	for _, m := range t.Members {
		role := m.Role
		if role == "user" {
			role = "member"
		}
		fmt.Fprintf(tw, "%s\t%s\n", m.UserID, role)
	}
	tw.Flush()
}

func modelsText(ms []string) string {
	if len(ms) == 0 {
		return "all"
	}
	return strings.Join(ms, ",")
}

func budgetText(b *float64, period *string) string {
	if b == nil {
		return "-"
	}
	s := "$" + strconv.FormatFloat(*b, 'f', -1, 64)
	if period != nil && *period != "" {
		s += " per " + *period
	}
	return s
}

func limitText(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func metadataText(raw json.RawMessage) string {
	if s := string(raw); s != "" && s != "{}" && s != "null" {
		return s
	}
	return "-"
}
