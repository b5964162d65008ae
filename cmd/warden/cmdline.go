package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// cmdline is one client subcommand: its flags (with --url and --json), its positional arguments
// once parsed, the flags given explicitly, and where its output goes.
type cmdline struct {
	fs     *flag.FlagSet
	base   *string
	asJSON *bool
	args   []string
	set    map[string]bool
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func newCmdline(name string, stdout, stderr io.Writer, getenv func(string) string) *cmdline {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &cmdline{fs: fs, stdout: stdout, stderr: stderr, getenv: getenv}
	c.base = newClient(fs, getenv)
	c.asJSON = fs.Bool("json", false, "print JSON for scripts")
	return c
}

// parse reads the flags, which may come before, between or after the positional arguments, and
// checks the number of positional arguments with want. On false the usage has been printed.
func (c *cmdline) parse(args []string, synopsis string, want func(n int) bool) bool {
	c.fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: warden %s\n", synopsis)
		c.fs.PrintDefaults()
	}
	pos, err := parseInterspersed(c.fs, args)
	if err != nil {
		return false // the flag package has printed the error and the usage
	}
	if !want(len(pos)) {
		fmt.Fprintf(c.stderr, "usage: warden %s\n", synopsis)
		return false
	}
	c.args = pos
	c.set = map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	return true
}

// run connects to Warden and calls f: exit 0, or 1 with the error printed as "warden: ...".
func (c *cmdline) run(f func(*client) error) int {
	if err := withClient(*c.base, c.getenv, f); err != nil {
		fmt.Fprintln(c.stderr, "warden:", err)
		return 1
	}
	return 0
}

// saveAndShow posts body to path and prints the saved row: the answer is the row itself on create
// and the row under "data" on update. what names the kind of row ("team", "user").
func saveAndShow[T any](c *cmdline, path string, body map[string]any, create bool, what string,
	id func(T) string, show func(io.Writer, T)) int {
	return c.run(func(cl *client) error {
		raw, err := cl.send(http.MethodPost, path, body)
		if err != nil {
			return err
		}
		var row T
		if create {
			err = json.Unmarshal(raw, &row)
		} else {
			var out struct {
				Data T `json:"data"`
			}
			err = json.Unmarshal(raw, &out)
			row = out.Data
		}
		if err != nil {
			return err
		}
		return c.output(raw, func() {
			verb := "Updated"
			if create {
				verb = "Created"
			}
			fmt.Fprintf(c.stdout, "%s %s %s.\n\n", verb, what, id(row))
			show(c.stdout, row)
		})
	})
}

// output prints raw as one line of JSON under --json, and otherwise calls table.
func (c *cmdline) output(raw json.RawMessage, table func()) error {
	if *c.asJSON {
		_, err := fmt.Fprintf(c.stdout, "%s\n", bytes.TrimSpace(raw))
		return err
	}
	table()
	return nil
}

// parseInterspersed parses flags anywhere among args and returns the positional arguments.
// Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func exactly(n int) func(int) bool { return func(got int) bool { return got == n } }

func atLeast(n int) func(int) bool { return func(got int) bool { return got >= n } }

// splitList reads a comma-separated list; an empty value is an empty list (not a missing one).
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// number is a numeric flag that also takes "none", sent as null (no limit).
type number struct {
	v       any
	integer bool
}

func (n *number) String() string {
	if n == nil || n.v == nil {
		return ""
	}
	return fmt.Sprint(n.v)
}

func (n *number) Set(s string) error {
	if s == "none" {
		n.v = nil
		return nil
	}
	if n.integer {
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errors.New("want a whole number or none")
		}
		n.v = i
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("want a number or none")
	}
	n.v = f
	return nil
}

// jsonObject is a flag holding a JSON object, checked when parsed.
type jsonObject struct{ raw json.RawMessage }

func (j *jsonObject) String() string {
	if j == nil {
		return ""
	}
	return string(j.raw)
}

func (j *jsonObject) Set(s string) error {
	var obj map[string]any
	if json.Unmarshal([]byte(s), &obj) != nil || obj == nil {
		return errors.New(`want a JSON object such as {"owner":"alice"}`)
	}
	j.raw = json.RawMessage(s)
	return nil
}

// limitFlags are the budget and limit flags shared by keys and teams.
type limitFlags struct {
	budget, rpm, tpm, parallel, tokens number
	period                             *string
}

func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	l := &limitFlags{rpm: number{integer: true}, tpm: number{integer: true}, parallel: number{integer: true}, tokens: number{integer: true}}
	fs.Var(&l.budget, "max-budget", "budget in USD (none: no budget)")
	l.period = fs.String("budget-duration", "", "budget period such as 30d or 1mo (none: never resets)")
	fs.Var(&l.rpm, "rpm", "requests per minute (none: no limit)")
	fs.Var(&l.tpm, "tpm", "tokens per minute (none: no limit)")
	fs.Var(&l.parallel, "max-parallel", "requests in flight at once (none: no limit)")
	fs.Var(&l.tokens, "max-tokens-budget", "tokens per budget period (none: no token budget)")
	return l
}

// into writes the limit flags that were given into a request body.
func (l *limitFlags) into(body map[string]any, set map[string]bool) {
	for _, f := range []struct {
		flag, field string
		v           any
	}{
		{"max-budget", "max_budget", l.budget.v}, {"rpm", "rpm_limit", l.rpm.v},
		{"tpm", "tpm_limit", l.tpm.v}, {"max-parallel", "max_parallel_requests", l.parallel.v},
		{"max-tokens-budget", "max_tokens_budget", l.tokens.v},
	} {
		if set[f.flag] {
			body[f.field] = f.v
		}
	}
	if set["budget-duration"] {
		if *l.period == "none" || *l.period == "" {
			body["budget_duration"] = nil
		} else {
			body["budget_duration"] = *l.period
		}
	}
}
