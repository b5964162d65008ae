// Command warden is the Warden gateway and its command-line client.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `warden: a security gateway for self-hosted LLMs

Usage:
  warden serve [--config FILE] [--log-format text|json] [--log-level LEVEL]
  warden config check FILE
  warden keys create [--alias NAME] [--models a,b] [--duration 30d] [--user ID] [--team ID] [--metadata JSON] [--json]
  warden keys list [--user ID] [--team ID] [--json]
  warden keys info KEY_OR_ID [--json]
  warden keys update KEY_OR_ID [--alias A] [--models a,b] [--duration 30d|never] [--team ID] [--routes a,b]
                    [--blocked=true|false] [--metadata JSON] [LIMITS] [--json]
  warden keys regenerate KEY_OR_ID [--grace 24h] [--json]
  warden keys revoke KEY_OR_ID...
  warden teams create --alias A [--models a,b] [LIMITS] [--metadata JSON] [--json]
  warden teams list [--user ID] [--json]
  warden teams info ID [--json]
  warden teams update ID [--alias A] [--models a,b] [--blocked=true|false] [LIMITS] [--json]
  warden teams delete ID... [--json]
  warden teams add-member ID USER [--role admin|member] [--json]
  warden teams remove-member ID USER [--json]
  warden users create ID [--email E] [--alias NAME] [--role admin|user|pending|auditor] [--team ID] [--json]
  warden users list [--role R] [--team ID] [--json]
  warden users info ID [--json]
  warden users update ID [--role R] [--blocked=true|false] [--email E] [--alias NAME] [--json]
  warden users delete ID... [--json]
  warden review [--format table|json|csv]
  warden usage [--by day|key|user|team|model] [--key ID] [--user ID] [--team ID] [--model M]
               [--since 2026-11-01] [--until 2026-12-01] [--json]
  warden version

Client commands talk to a running Warden: --url (or WARDEN_URL, default http://127.0.0.1:4000),
authenticated with WARDEN_ADMIN_KEY (or WARDEN_MASTER_KEY). LIMITS are --max-budget N,
--budget-duration 30d, --rpm N, --tpm N, --max-parallel N and --max-tokens-budget N ("none"
clears one). Tables are for
people; --json prints the API's answer for scripts. Exit status: 1 when the API refuses, 2 on
a usage error.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr, getenv)
	case "config":
		if len(args) >= 2 && args[1] == "check" {
			return configCheck(args[2:], stdout, stderr)
		}
	case "keys":
		return keysCmd(args[1:], stdout, stderr, getenv)
	case "teams":
		return teamsCmd(args[1:], stdout, stderr, getenv)
	case "users":
		return usersCmd(args[1:], stdout, stderr, getenv)
	case "review":
		return reviewCmd(args[1:], stdout, stderr, getenv)
	case "usage":
		return usageCmd(args[1:], stdout, stderr, getenv)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "warden", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "warden: unknown command %q\n\n%s", args[0], usage)
	return 2
}
