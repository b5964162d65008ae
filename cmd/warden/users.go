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

// userRow is a user as the management API shows it (role is Warden's name, user_role LiteLLM's).
type userRow struct {
	UserID    string     `json:"user_id"`
	UserEmail *string    `json:"user_email"`
	UserAlias *string    `json:"user_alias"`
	Role      string     `json:"role"`
	Blocked   bool       `json:"blocked"`
	Teams     []string   `json:"teams"`
	KeyCount  *int       `json:"key_count"`
	CreatedAt time.Time  `json:"created_at"`
	LastSeen  *time.Time `json:"last_seen"`
}

const usersUsage = `usage:
  warden users create ID [--email E] [--alias NAME] [--role admin|user|pending|auditor] [--team ID] [--json]
  warden users list [--role R] [--team ID] [--json]
  warden users info ID [--json]
  warden users update ID [--role R] [--blocked=true|false] [--email E] [--alias NAME] [--json]
  warden users delete ID... [--json]
`

// maxUserPages bounds how many pages of 1000 users `users list` reads.
const maxUserPages = 100

func usersCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return 2
	}
	c := newCmdline("users "+args[0], stdout, stderr, getenv)
	switch args[0] {
	case "create", "new":
		return usersWrite(c, args[1:], true)
	case "update":
		return usersWrite(c, args[1:], false)
	case "list":
		return usersList(c, args[1:])
	case "info":
		if !c.parse(args[1:], "users info ID", exactly(1)) {
			return 2
		}
		return c.run(func(cl *client) error { return userInfo(c, cl, c.args[0]) })
	case "delete":
		if !c.parse(args[1:], "users delete ID...", atLeast(1)) {
			return 2
		}
		return c.run(func(cl *client) error {
			return deleteAll(c, cl, "/user/delete", "user_ids", "deleted_users", "Deleted users")
		})
	}
	fmt.Fprintf(stderr, "warden users: unknown command %q\n%s", args[0], usersUsage)
	return 2
}

// usersWrite creates a user (create, without a key) or changes one (update).
func usersWrite(c *cmdline, args []string, create bool) int {
	email := c.fs.String("email", "", "email address")
	alias := c.fs.String("alias", "", "display name")
	role := c.fs.String("role", "", "role: admin, user, pending or auditor (create default: user)")
	var team, synopsis string
	var blocked *bool
	if create {
		c.fs.StringVar(&team, "team", "", "team the user joins as a member")
		synopsis = "users create ID [--email E] [--role admin|user|pending|auditor] [--team ID]"
	} else {
		blocked = c.fs.Bool("blocked", false, "block (true) or unblock (false) the user and their keys")
		synopsis = "users update ID [--role R] [--blocked=true|false] [--email E] [--alias NAME]"
	}
	if !c.parse(args, synopsis, exactly(1)) {
		return 2
	}
	body := map[string]any{"user_id": c.args[0]}
	for _, f := range []struct {
		flag, field string
		v           any
	}{{"email", "user_email", *email}, {"alias", "user_alias", *alias}, {"role", "user_role", *role}, {"team", "team_id", team}} {
		if c.set[f.flag] {
			body[f.field] = f.v
		}
	}
	path := "/user/new"
	if create {
		body["auto_create_key"] = false // keys are made with `warden keys create --user ID`
	} else {
		path = "/user/update"
		if c.set["blocked"] {
			body["blocked"] = *blocked
		}
		if len(body) == 1 {
			fmt.Fprintln(c.stderr, "warden users update: nothing to change; give at least one flag")
			return 2
		}
	}
	return saveAndShow(c, path, body, create, "user", func(r userRow) string { return r.UserID }, printUser)
}

func usersList(c *cmdline, args []string) int {
	role := c.fs.String("role", "", "only users with this role")
	team := c.fs.String("team", "", "only members of this team")
	if !c.parse(args, "users list [--role R] [--team ID]", exactly(0)) {
		return 2
	}
	return c.run(func(cl *client) error {
		var all []json.RawMessage
		for page := 1; page <= maxUserPages; page++ {
			q := url.Values{"page": {strconv.Itoa(page)}, "page_size": {"1000"}}
			if *role != "" {
				q.Set("role", *role)
			}
			if *team != "" {
				q.Set("team", *team)
			}
			var out struct {
				Users      []json.RawMessage `json:"users"`
				TotalPages int               `json:"total_pages"`
			}
			if err := cl.do(http.MethodGet, "/user/list?"+q.Encode(), nil, &out); err != nil {
				return err
			}
			all = append(all, out.Users...)
			if page >= out.TotalPages {
				break
			}
		}
		if all == nil {
			all = []json.RawMessage{}
		}
		raw, err := json.Marshal(all)
		if err != nil {
			return err
		}
		var us []userRow
		if err := json.Unmarshal(raw, &us); err != nil {
			return err
		}
		return c.output(raw, func() { printUsers(c.stdout, us) })
	})
}

func userInfo(c *cmdline, cl *client, id string) error {
	raw, err := cl.send(http.MethodGet, "/user/info?"+url.Values{"user_id": {id}}.Encode(), nil)
	if err != nil {
		return err
	}
	var out struct {
		User userRow  `json:"user_info"`
		Keys []keyRow `json:"keys"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	return c.output(raw, func() {
		printUser(c.stdout, out.User)
		fmt.Fprintf(c.stdout, "\nKeys (%d):\n", len(out.Keys))
		if len(out.Keys) > 0 {
			printKeys(c.stdout, out.Keys)
		}
	})
}

func printUsers(w io.Writer, us []userRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tTEAMS\tKEYS\tBLOCKED\tLAST SEEN")
	for _, u := range us {
		keys := "-"
		if u.KeyCount != nil {
			keys = strconv.Itoa(*u.KeyCount)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.UserID, deref(u.UserEmail), u.Role, teamsText(u.Teams),
			keys, yesNo(u.Blocked), when(u.LastSeen, "never"))
	}
	tw.Flush()
}

func printUser(w io.Writer, u userRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range [][2]string{
		{"User", u.UserID}, {"Email", deref(u.UserEmail)}, {"Name", deref(u.UserAlias)}, {"Role", u.Role},
		{"Teams", teamsText(u.Teams)}, {"Blocked", yesNo(u.Blocked)},
		{"Created", u.CreatedAt.UTC().Format(time.RFC3339)}, {"Last seen", when(u.LastSeen, "never")},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", l[0], l[1])
	}
	tw.Flush()
}

func teamsText(ts []string) string {
	if len(ts) == 0 {
		return "-"
	}
	return strings.Join(ts, ",")
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return dash(*s)
}
