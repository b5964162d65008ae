package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// cli runs warden client commands against a real Warden started for the test.
type cli struct {
	t   *testing.T
	w   *testkit.Warden
	env func(string) string
}

func startCLI(t *testing.T) *cli {
	t.Helper()
	fake := fakellm.StartTB(t, fakellm.Options{})
	w := testkit.Start(t, testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, ""), nil)
	env := func(k string) string {
		switch k {
		case "WARDEN_URL":
			return w.URL
		case "WARDEN_ADMIN_KEY":
			return testkit.MasterKey
		}
		return ""
	}
	return &cli{t: t, w: w, env: env}
}

// run runs one command and returns its exit code, stdout and stderr.
func (c *cli) run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, c.env)
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// json runs a command with --json that must succeed and decodes its output into v.
func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("%s --json: output is not JSON (%v): %s", strings.Join(args, " "), err, out)
	}
}

// contains fails unless s holds every one of want.
func contains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// failCase is a command that must fail with code, its stderr holding every one of want.
type failCase struct {
	name string
	args []string
	code int
	want []string
}

func (c *cli) fails(cases []failCase) {
	c.t.Helper()
	for _, tc := range cases {
		c.t.Run(tc.name, func(t *testing.T) {
			code, _, errs := c.run(tc.args...)
			if code != tc.code {
				t.Fatalf("%s: exit %d, want %d\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, errs)
			}
			if tc.code == 1 && !strings.HasPrefix(errs, "warden: ") {
				t.Errorf("API error not printed as \"warden: ...\": %q", errs)
			}
			contains(t, "stderr", errs, tc.want...)
		})
	}
}

// field is the value after label on the line of a detail view that starts with it.
func field(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, label); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
