package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
)

// reviewCmd prints the access review: stale, old and unowned keys, users in no team, admins.
func reviewCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := newClient(fs, getenv)
	format := fs.String("format", "table", "table, json or csv")
	if fs.Parse(args) != nil {
		return 2
	}
	switch *format {
	case "table", "json", "csv":
	default:
		fmt.Fprintln(stderr, "warden review: --format must be table, json or csv")
		return 2
	}
	err := withClient(*base, getenv, func(c *client) error {
		body, err := c.raw("/admin/v1/review?format=" + url.QueryEscape(*format))
		if err != nil {
			return err
		}
		_, err = stdout.Write(body)
		return err
	})
	if err != nil {
		fmt.Fprintln(stderr, "warden:", err)
		return 1
	}
	return 0
}
