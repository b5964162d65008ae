package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

// client calls a running Warden's management API.
type client struct {
	base string
	key  string
	http *http.Client
}

func newClient(fs *flag.FlagSet, getenv func(string) string) *string {
	def := getenv("WARDEN_URL")
	if def == "" {
		def = "http://127.0.0.1:4000"
	}
	return fs.String("url", def, "Warden's address (env WARDEN_URL)")
}

func connect(base string, getenv func(string) string) (*client, error) {
	key := getenv("WARDEN_ADMIN_KEY")
	if key == "" {
		key = getenv("WARDEN_MASTER_KEY")
	}
	if key == "" {
		return nil, errors.New("set WARDEN_ADMIN_KEY to an admin key (or WARDEN_MASTER_KEY)")
	}
	return &client{base: strings.TrimRight(base, "/"), key: key, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// raw sends a GET and returns the answer's body as it is.
func (c *client) raw(path string) ([]byte, error) {
	return c.send(http.MethodGet, path, nil)
}

// send sends a request and returns the answer's body as it is; an error answer becomes an error.
func (c *client) send(method, path string, body any) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.doInto(method, path, body, func(b []byte) error { out = b; return nil })
	return out, err
}

// do sends a request and decodes the JSON answer into out; an error answer becomes an error.
func (c *client) do(method, path string, body, out any) error {
	return c.doInto(method, path, body, func(raw []byte) error {
		if out == nil {
			return nil
		}
		return json.Unmarshal(raw, out)
	})
}

func (c *client) doInto(method, path string, body any, handle func([]byte) error) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Warden at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s (HTTP %d)", e.Error.Message, resp.StatusCode)
		}
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return handle(raw)
}

type keyRow struct {
	Key        string          `json:"key,omitempty"`
	KeyID      string          `json:"key_id"`
	KeyName    string          `json:"key_name"`
	KeyAlias   string          `json:"key_alias"`
	UserID     string          `json:"user_id"`
	TeamID     *string         `json:"team_id"`
	Models     []string        `json:"models"`
	Metadata   json.RawMessage `json:"metadata"`
	Expires    *time.Time      `json:"expires"`
	CreatedAt  time.Time       `json:"created_at"`
	LastUsedAt *time.Time      `json:"last_used_at"`
}

func keysCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := newClient(fs, getenv)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	var err error
	switch args[0] {
	case "update":
		return keysUpdate(args[1:], stdout, stderr, getenv)
	case "regenerate", "rotate":
		return keysRegenerate(args[1:], stdout, stderr, getenv)
	case "create":
		alias := fs.String("alias", "", "key alias")
		models := fs.String("models", "", "comma-separated model allowlist (empty: all)")
		duration := fs.String("duration", "", "lifetime such as 30d or 12h (empty: never expires)")
		user := fs.String("user", "", "owner user id")
		team := fs.String("team", "", "team id")
		meta := fs.String("metadata", "", "JSON object of tags, e.g. {\"owner\":\"alice\"}")
		if fs.Parse(args[1:]) != nil {
			return 2
		}
		err = withClient(*base, getenv, func(c *client) error {
			body := map[string]any{"key_alias": *alias, "user_id": *user, "team_id": *team}
			if *models != "" {
				body["models"] = strings.Split(*models, ",")
			}
			if *duration != "" {
				body["duration"] = *duration
			}
			if *meta != "" {
				body["metadata"] = json.RawMessage(*meta)
			}
			var k keyRow
			if err := c.do(http.MethodPost, "/key/generate", body, &k); err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(k)
			}
			fmt.Fprintf(stdout, "Created key %s. The secret is shown only this once:\n\n    %s\n\n", k.KeyID, k.Key)
			return nil
		})
	case "list":
		user := fs.String("user", "", "only keys of this user")
		team := fs.String("team", "", "only keys of this team")
		if fs.Parse(args[1:]) != nil {
			return 2
		}
		err = withClient(*base, getenv, func(c *client) error {
			q := url.Values{"return_full_object": {"true"}, "size": {"1000"}}
			if *user != "" {
				q.Set("user_id", *user)
			}
			if *team != "" {
				q.Set("team_id", *team)
			}
			var out struct {
				Keys []keyRow `json:"keys"`
			}
			if err := c.do(http.MethodGet, "/key/list?"+q.Encode(), nil, &out); err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(out.Keys)
			}
			printKeys(stdout, out.Keys)
			return nil
		})
	case "info":
		pos, perr := parseInterspersed(fs, args[1:])
		if perr != nil || len(pos) != 1 {
			fmt.Fprintln(stderr, "usage: warden keys info KEY_OR_ID")
			return 2
		}
		err = withClient(*base, getenv, func(c *client) error {
			var out struct {
				Info keyRow `json:"info"`
			}
			if err := c.do(http.MethodGet, "/key/info?key="+url.QueryEscape(pos[0]), nil, &out); err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(out.Info)
			}
			printKeys(stdout, []keyRow{out.Info})
			return nil
		})
	case "revoke", "delete":
		pos, perr := parseInterspersed(fs, args[1:])
		if perr != nil || len(pos) == 0 {
			fmt.Fprintln(stderr, "usage: warden keys revoke KEY_OR_ID...")
			return 2
		}
		err = withClient(*base, getenv, func(c *client) error {
			var out struct {
				Deleted []string `json:"deleted_keys"`
			}
			if err := c.do(http.MethodPost, "/key/delete", map[string]any{"keys": pos}, &out); err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(out)
			}
			fmt.Fprintf(stdout, "Revoked %s\n", strings.Join(out.Deleted, ", "))
			return nil
		})
	default:
		fmt.Fprintf(stderr, "warden keys: unknown command %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "warden:", err)
		return 1
	}
	return 0
}

func withClient(base string, getenv func(string) string, f func(*client) error) error {
	c, err := connect(base, getenv)
	if err != nil {
		return err
	}
	return f(c)
}

func printKeys(w io.Writer, ks []keyRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKEY\tALIAS\tUSER\tTEAM\tMODELS\tEXPIRES\tLAST USED")
	for _, k := range ks {
		team := "-"
		if k.TeamID != nil {
			team = *k.TeamID
		}
		models := "all"
		if len(k.Models) > 0 {
			models = strings.Join(k.Models, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KeyID, k.KeyName, dash(k.KeyAlias), dash(k.UserID),
			team, models, when(k.Expires, "never"), when(k.LastUsedAt, "never"))
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t *time.Time, zero string) string {
	if t == nil {
		return zero
	}
	return t.UTC().Format(time.RFC3339)
}
