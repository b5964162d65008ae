package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// keysUpdate changes a key's settings: only the flags given are sent.
func keysUpdate(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := newCmdline("keys update", stdout, stderr, getenv)
	alias := c.fs.String("alias", "", "key alias")
	models := c.fs.String("models", "", "comma-separated model allowlist (empty: all, or the team's)")
	duration := c.fs.String("duration", "", "new lifetime from now, such as 30d (never: no expiry)")
	team := c.fs.String("team", "", "move the key to this team (empty: out of its team)")
	routes := c.fs.String("routes", "", "comma-separated endpoints the key may call (empty: all)")
	blocked := c.fs.Bool("blocked", false, "block (true) or unblock (false) the key")
	var meta jsonObject
	c.fs.Var(&meta, "metadata", "JSON object of tags, replacing the current ones")
	limits := addLimitFlags(c.fs)
	if !c.parse(args, "keys update KEY_OR_ID [--alias A] [--models a,b] [--duration 30d|never] [--blocked=true|false] [...]", exactly(1)) {
		return 2
	}
	body := map[string]any{"key": c.args[0]}
	for _, f := range []struct {
		flag, field string
		v           any
	}{
		{"alias", "key_alias", *alias}, {"team", "team_id", *team}, {"blocked", "blocked", *blocked},
		{"models", "models", splitList(*models)}, {"routes", "allowed_routes", splitList(*routes)},
		{"metadata", "metadata", meta.raw},
	} {
		if c.set[f.flag] {
			body[f.field] = f.v
		}
	}
	if c.set["duration"] {
		if *duration == "never" || *duration == "" {
			body["duration"] = nil
		} else {
			body["duration"] = *duration
		}
	}
	limits.into(body, c.set)
	if len(body) == 1 {
		fmt.Fprintln(stderr, "warden keys update: nothing to change; give at least one flag")
		return 2
	}
	return c.run(func(cl *client) error {
		raw, err := cl.send(http.MethodPost, "/key/update", body)
		if err != nil {
			return err
		}
		var k keyRow
		if err := json.Unmarshal(raw, &k); err != nil {
			return err
		}
		return c.output(raw, func() {
			fmt.Fprintf(stdout, "Updated key %s.\n\n", k.KeyID)
			printKeys(stdout, []keyRow{k})
		})
	})
}

// keysRegenerate gives a key a new secret and prints it once; the old one works for --grace.
func keysRegenerate(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := newCmdline("keys regenerate", stdout, stderr, getenv)
	grace := c.fs.String("grace", "", "how long the old secret keeps working, such as 24h (default: not at all)")
	if !c.parse(args, "keys regenerate KEY_OR_ID [--grace 24h]", exactly(1)) {
		return 2
	}
	body := map[string]any{"key": c.args[0]}
	if *grace != "" {
		body["grace_period"] = *grace
	}
	return c.run(func(cl *client) error {
		raw, err := cl.send(http.MethodPost, "/key/regenerate", body)
		if err != nil {
			return err
		}
		var k keyRow
		if err := json.Unmarshal(raw, &k); err != nil {
			return err
		}
		return c.output(raw, func() {
			fmt.Fprintf(stdout, "Regenerated key %s. The new secret is shown only this once:\n\n    %s\n\n", k.KeyID, k.Key)
			if *grace != "" {
				fmt.Fprintf(stdout, "The old secret keeps working for %s.\n", *grace)
			} else {
				fmt.Fprintln(stdout, "The old secret no longer works.")
			}
		})
	})
}
