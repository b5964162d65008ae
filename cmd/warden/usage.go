package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
)

// usageRow is one group of GET /admin/v1/usage.
type usageRow struct {
	Group             *string `json:"group"`
	Requests          int64   `json:"requests"`
	PromptTokens      int64   `json:"prompt_tokens"`
	CompletionTokens  int64   `json:"completion_tokens"`
	TotalTokens       int64   `json:"total_tokens"`
	Cost              float64 `json:"cost"`
	EstimatedRequests int64   `json:"estimated_requests"`
}

// usageCmd prints spend and tokens grouped by day, key, user, team or model.
func usageCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := newCmdline("usage", stdout, stderr, getenv)
	by := c.fs.String("by", "day", "group by day, key, user, team or model")
	filters := map[string]*string{}
	for _, f := range []struct{ flag, param, help string }{
		{"key", "key_id", "only this key id"}, {"user", "user_id", "only this user"},
		{"team", "team_id", "only this team"}, {"model", "model", "only this model"},
		{"since", "since", "from this day on (2026-11-01 or RFC 3339)"},
		{"until", "until", "before this day (exclusive)"},
	} {
		filters[f.param] = c.fs.String(f.flag, "", f.help)
	}
	if !c.parse(args, "usage [--by day|key|user|team|model] [--key ID] [--user ID] [--team ID] [--model M] [--since D] [--until D] [--json]", exactly(0)) {
		return 2
	}
	q := url.Values{"group_by": {*by}}
	for param, v := range filters {
		if *v != "" {
			q.Set(param, *v)
		}
	}
	return c.run(func(cl *client) error {
		raw, err := cl.send("GET", "/admin/v1/usage?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		var out struct {
			Data  []usageRow `json:"data"`
			Total usageRow   `json:"total"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("unexpected answer from Warden: %w", err)
		}
		return c.output(raw, func() {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "%s\trequests\tprompt tokens\tcompletion tokens\tcost\testimated\t\n", *by)
			row := func(name string, r usageRow) {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.6g\t%d\t\n", name, r.Requests, r.PromptTokens, r.CompletionTokens, r.Cost, r.EstimatedRequests)
			}
			for _, r := range out.Data {
				name := "-"
				if r.Group != nil {
					name = *r.Group
				}
				row(name, r)
			}
			row("total", out.Total)
			tw.Flush()
		})
	})
}
